// data/vid2vid_dataset.hpp — vid2vid's temporal dataset: one folder per sequence under
// <root>/<phase>_A (labels or RGB inputs), <phase>_B (RGB frames), <phase>_inst (instances).
// Contract: sequences pair by sorted folder name and frames by sorted file name; a missing
// sequence or a differing frame count is a ganlib::Error naming the folders. Item i is a clip
// of sequence i: n_frames frames, t_step apart, from a random start (one set of transform
// params for the whole clip); tensors "A" [T,1,H,W] ids (or [T,3,H,W] when label_nc is 0),
// "B" [T,3,H,W] in [-1,1], "inst" [T,1,H,W] ids.
#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../io/image.hpp"
#include "dataset.hpp"
#include "transforms.hpp"

namespace ganlib::data {

struct Vid2VidDataOptions {
  std::string root;
  std::string phase = "train";
  int label_nc = 35;          // 0: A holds RGB images
  bool use_instance = true;   // --use_instance (vid2vid's street default script sets it)
  bool load_b = true;         // real frames (training; at test only with --use_real_img)
  int n_frames = 3;           // clip length (vid2vid: n_frames_total, grown during training);
                              // 0 = the whole sequence from frame 0, step 1 (test time)
  int max_t_step = 1;         // --max_t_step: frames of a clip are t_step in [1, max] apart
  bool check_names = true;
  TransformOptions transform;
};

template <class T = float>
class Vid2VidDataset : public Dataset<T> {
 public:
  explicit Vid2VidDataset(Vid2VidDataOptions o) : o_(std::move(o)) {
    namespace fs = std::filesystem;
    const std::string who = "vid2vid dataset";
    check_options(o_.transform, who);
    GANLIB_CHECK(o_.n_frames >= 0 && o_.max_t_step >= 1, who, ": n_frames (", o_.n_frames,
                 ") must be >= 0 and max_t_step (", o_.max_t_step, ") >= 1");
    const fs::path root(o_.root);
    dir_a_ = (root / (o_.phase + "_A")).string();
    dir_b_ = (root / (o_.phase + "_B")).string();
    dir_i_ = (root / (o_.phase + "_inst")).string();
    names_ = list_subfolders(dir_a_, who);
    GANLIB_CHECK(!names_.empty(), who, ": '", dir_a_, "' holds no sequence folders");
    auto check_folders = [&](const std::string& dir) {
      const auto other = list_subfolders(dir, who);
      for (auto& n : names_)
        GANLIB_CHECK(std::binary_search(other.begin(), other.end(), n), who, ": sequence '", n,
                     "' of '", dir_a_, "' has no folder in '", dir, "'");
      for (auto& n : other)
        GANLIB_CHECK(std::binary_search(names_.begin(), names_.end(), n), who, ": sequence '", n,
                     "' of '", dir, "' has no folder in '", dir_a_, "'");
    };
    if (o_.load_b) check_folders(dir_b_);
    if (o_.use_instance) check_folders(dir_i_);
    for (auto& n : names_) {
      Seq s;
      s.name = n;
      const std::string a = (fs::path(dir_a_) / n).string();
      s.a = list_images(a, who);
      GANLIB_CHECK(!s.a.empty(), who, ": sequence folder '", a, "' holds no images");
      if (o_.load_b) {
        const std::string b = (fs::path(dir_b_) / n).string();
        s.b = list_images(b, who);
        check_pairing(s.a, a, s.b, b, who, o_.check_names);
      }
      if (o_.use_instance) {
        const std::string i = (fs::path(dir_i_) / n).string();
        s.inst = list_images(i, who);
        check_pairing(s.a, a, s.inst, i, who, o_.check_names);
      }
      seqs_.push_back(std::move(s));
    }
  }

  int64_t size() const override { return int64_t(seqs_.size()); }
  std::string describe() const override {
    return "vid2vid dataset '" + o_.root + "' (" + o_.phase + ", " + std::to_string(size()) + " sequences)";
  }
  const std::vector<std::string>& sequence_names() const { return names_; }
  int64_t sequence_length(int64_t i) const { return int64_t(seqs_.at(size_t(i)).a.size()); }
  int64_t longest_sequence() const {
    int64_t n = 0;
    for (auto& s : seqs_) n = std::max<int64_t>(n, int64_t(s.a.size()));
    return n;
  }

  Sample<T> get(int64_t index, SampleRng& rng) const override {
    this->check_index(index);
    const Seq& sq = seqs_[size_t(index)];
    const int len = int(sq.a.size());
    // vid2vid's get_video_params: clip length capped by the sequence, a random step that fits,
    // then a random start.
    int n = o_.n_frames == 0 ? len : std::min(o_.n_frames, len);
    int step = 1, start = 0;
    if (o_.n_frames != 0) {
      const int max_step = n > 1 ? std::max(1, std::min(o_.max_t_step, (len - 1) / (n - 1))) : 1;
      step = int(rng.randint(1, max_step));
      const int offset_max = std::max(1, len - (n - 1) * step);
      start = int(rng.randint(0, offset_max - 1));
    }
    const auto& to = o_.transform;
    Sample<T> s;
    s.index = index;
    s.path = (std::filesystem::path(dir_a_) / sq.name).string();
    s.meta["sequence"] = sq.name;
    s.meta["start"] = std::to_string(start);
    s.meta["t_step"] = std::to_string(step);
    s.meta["n_frames"] = std::to_string(n);
    TransformParams p;
    int w = 0, h = 0;
    std::vector<T> A, B, I;
    Shape fa, fb, fi;
    auto append = [](std::vector<T>& dst, Shape& frame_shape, const Tensor<T, cpu>& t) {
      frame_shape = t.shape();
      const auto v = t.to_vector();
      dst.insert(dst.end(), v.begin(), v.end());
    };
    for (int k = 0; k < n; ++k) {
      const size_t f = size_t(start + k * step);
      auto check_size = [&](int ww, int hh, const std::string& path) {
        GANLIB_CHECK(ww == w && hh == h, "vid2vid dataset: '", path, "' is ", ww, " x ", hh,
                     " but '", sq.a[size_t(start)], "' is ", w, " x ", h);
      };
      if (o_.label_nc == 0) {
        const io::Image a = io::read_image(sq.a[f], 3);
        if (k == 0) w = a.width, h = a.height, p = get_params(to, w, h, rng);
        check_size(a.width, a.height, sq.a[f]);
        append(A, fa, to_tensor<T>(apply_transform(a, to, p, to.image_resample)));
      } else {
        const io::Image16 a = io::read_label_png(sq.a[f]);
        if (k == 0) w = a.width, h = a.height, p = get_params(to, w, h, rng);
        check_size(a.width, a.height, sq.a[f]);
        append(A, fa, ids_to_tensor<T>(apply_transform(a, to, p, Resample::nearest)));
      }
      if (o_.load_b) {
        const io::Image b = io::read_image(sq.b[f], 3);
        check_size(b.width, b.height, sq.b[f]);
        append(B, fb, to_tensor<T>(apply_transform(b, to, p, to.image_resample)));
      }
      if (o_.use_instance) {
        const io::Image16 i = io::read_label_png(sq.inst[f]);
        check_size(i.width, i.height, sq.inst[f]);
        append(I, fi, ids_to_tensor<T>(apply_transform(i, to, p, Resample::nearest)));
      }
    }
    auto stack = [n](const std::vector<T>& v, Shape frame) {
      frame.insert(frame.begin(), int64_t(n));
      return from_vector<T, cpu>(v, frame);
    };
    s.tensors["A"] = stack(A, fa);
    if (o_.load_b) s.tensors["B"] = stack(B, fb);
    if (o_.use_instance) s.tensors["inst"] = stack(I, fi);
    return s;
  }

 private:
  struct Seq {
    std::string name;
    std::vector<std::string> a, b, inst;
  };
  Vid2VidDataOptions o_;
  std::string dir_a_, dir_b_, dir_i_;
  std::vector<std::string> names_;
  std::vector<Seq> seqs_;
};

}  // namespace ganlib::data
