// data/pix2pixhd_dataset.hpp — pix2pixHD's AlignedDataset: <root>/<phase>_label (or _A),
// <phase>_inst, <phase>_img (or _B), optional <phase>_feat, paired by sorted file name.
// Contract: the constructor lists and pairs the folders and throws a ganlib::Error naming the
// files on a count or name mismatch; get() reads one item, applies one set of random
// transform params to all its inputs, and returns "label" [1,H,W] ids (or [3,H,W] in [-1,1]
// when label_nc is 0), "inst" [1,H,W] ids, "image" [3,H,W] and "feat" [3,H,W] in [-1,1].
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "../io/image.hpp"
#include "dataset.hpp"
#include "transforms.hpp"

namespace ganlib::data {

struct Pix2PixHDDataOptions {
  std::string root;             // --dataroot
  std::string phase = "train";  // --phase
  int label_nc = 35;            // 0: the input is an RGB image from <phase>_A
  bool use_instance = true;     // !--no_instance
  bool load_image = true;       // the real image (training, or --use_encoded_image)
  bool load_features = false;   // --load_features: <phase>_feat
  bool check_names = true;      // paired files must share their stem (Cityscapes suffixes aside)
  TransformOptions transform;
};

template <class T = float>
class Pix2PixHDDataset : public Dataset<T> {
 public:
  explicit Pix2PixHDDataset(Pix2PixHDDataOptions o) : o_(std::move(o)) {
    check_options(o_.transform, "pix2pixhd dataset");
    namespace fs = std::filesystem;
    const std::string who = "pix2pixhd dataset";
    label_dir_ = (fs::path(o_.root) / (o_.phase + (o_.label_nc == 0 ? "_A" : "_label"))).string();
    labels_ = list_images(label_dir_, who);
    GANLIB_CHECK(!labels_.empty(), who, ": '", label_dir_, "' holds no images (png, jpg, jpeg, ppm, "
                 "pgm, bmp)");
    if (o_.use_instance) {
      inst_dir_ = (fs::path(o_.root) / (o_.phase + "_inst")).string();
      insts_ = list_images(inst_dir_, who);
      check_pairing(labels_, label_dir_, insts_, inst_dir_, who, o_.check_names);
    }
    if (o_.load_image) {
      img_dir_ = (fs::path(o_.root) / (o_.phase + (o_.label_nc == 0 ? "_B" : "_img"))).string();
      imgs_ = list_images(img_dir_, who);
      check_pairing(labels_, label_dir_, imgs_, img_dir_, who, o_.check_names);
    }
    if (o_.load_features) {
      feat_dir_ = (fs::path(o_.root) / (o_.phase + "_feat")).string();
      feats_ = list_images(feat_dir_, who);
      check_pairing(labels_, label_dir_, feats_, feat_dir_, who, o_.check_names);
    }
  }

  int64_t size() const override { return int64_t(labels_.size()); }
  std::string describe() const override {
    return "pix2pixhd dataset '" + o_.root + "' (" + o_.phase + ", " + std::to_string(size()) + " items)";
  }
  const Pix2PixHDDataOptions& options() const { return o_; }
  const std::vector<std::string>& label_paths() const { return labels_; }

  Sample<T> get(int64_t index, SampleRng& rng) const override {
    this->check_index(index);
    const size_t i = size_t(index);
    const auto& to = o_.transform;
    Sample<T> s;
    s.index = index;
    s.path = labels_[i];
    // The label map sets the size and draws the params every other input of the item reuses.
    int w = 0, h = 0;
    TransformParams p;
    if (o_.label_nc == 0) {
      const io::Image a = io::read_image(labels_[i], 3);
      w = a.width, h = a.height;
      p = get_params(to, w, h, rng);
      s.tensors["label"] = to_tensor<T>(apply_transform(a, to, p, to.image_resample));
    } else {
      const io::Image16 a = io::read_label_png(labels_[i]);
      check_ids(a, labels_[i]);
      w = a.width, h = a.height;
      p = get_params(to, w, h, rng);
      s.tensors["label"] = ids_to_tensor<T>(apply_transform(a, to, p, Resample::nearest));
    }
    auto same_size = [&](int ww, int hh, const std::string& path) {
      GANLIB_CHECK(ww == w && hh == h, "pix2pixhd dataset: '", path, "' is ", ww, " x ", hh,
                   " but its label map '", labels_[i], "' is ", w, " x ", h);
    };
    if (o_.use_instance) {
      const io::Image16 inst = io::read_label_png(insts_[i]);
      same_size(inst.width, inst.height, insts_[i]);
      s.tensors["inst"] = ids_to_tensor<T>(apply_transform(inst, to, p, Resample::nearest));
    }
    if (o_.load_image) {
      const io::Image img = io::read_image(imgs_[i], 3);
      same_size(img.width, img.height, imgs_[i]);
      s.tensors["image"] = to_tensor<T>(apply_transform(img, to, p, to.image_resample));
    }
    if (o_.load_features) {  // precomputed features: nearest, then Normalize as the reference
      const io::Image f = io::read_image(feats_[i], 3);
      same_size(f.width, f.height, feats_[i]);
      s.tensors["feat"] = to_tensor<T>(apply_transform(f, to, p, Resample::nearest));
    }
    return s;
  }

 private:
  // An id past label_nc would index past the one-hot channels: name the file and the pixel.
  void check_ids(const io::Image16& a, const std::string& path) const {
    for (size_t k = 0; k < a.data.size(); ++k)
      if (a.data[k] >= o_.label_nc) {
        const size_t px = k / size_t(a.channels);
        ganlib::detail::fail("pix2pixhd dataset: label map '", path, "' has id ", a.data[k], " at (x ",
                             px % size_t(a.width), ", y ", px / size_t(a.width), ") but --label_nc is ", o_.label_nc,
                             " (ids must be 0..", o_.label_nc - 1, ")");
      }
  }

  Pix2PixHDDataOptions o_;
  std::string label_dir_, inst_dir_, img_dir_, feat_dir_;
  std::vector<std::string> labels_, insts_, imgs_, feats_;
};

}  // namespace ganlib::data
