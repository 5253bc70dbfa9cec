// zoo/pix2pixhd/eval.hpp — scores a pix2pixhd_test results folder: L1 and PSNR of every
// synthesized image against its target, and pix2pixHD's protocol (zoo spec 1.9): segment the
// synthesized images and the real ones (the oracle), and score pixel accuracy and mIoU against
// the input label maps, with the mask net's confusion matrix (zoo/masknet/metrics.hpp).
// Contract: results are paired by stem (<stem>_synthesized_image*.png, <stem>_real_image.png,
// <label_dir>/<stem>.png); scoring is at the label map's resolution in Cityscapes label-id space,
// truth ids without a training id (or ≥ num_classes) are void, as masknet_eval scores them; a
// label map that is not the <stem>_input_label.png the test program showed is an error.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ganlib/core/error.hpp"
#include "ganlib/data/dataset.hpp"
#include "ganlib/data/transforms.hpp"
#include "ganlib/io/image.hpp"
#include "../masknet/metrics.hpp"
#include "../masknet/train.hpp"

namespace ganlib::zoo::pix2pixhd {

// One test input of a results folder: its synthesized image(s) (one per style) and its target.
struct ResultItem {
  std::string stem;
  std::vector<std::string> synthesized;
  std::string real;
};

// Lists <results>/images; every synthesized image needs its <stem>_real_image.png.
inline std::vector<ResultItem> list_results(const std::string& results_dir) {
  namespace fs = std::filesystem;
  const fs::path images = fs::path(results_dir) / "images";
  std::error_code ec;
  GANLIB_CHECK(fs::is_directory(images, ec), "pix2pixhd_eval: '", images.string(),
               "' is not a folder (run pix2pixhd_test first)");
  std::map<std::string, ResultItem> by_stem;
  for (auto& e : fs::directory_iterator(images)) {
    const std::string f = e.path().filename().string();
    const auto k = f.find("_synthesized_image");
    if (k == std::string::npos || e.path().extension() != ".png") continue;
    auto& it = by_stem[f.substr(0, k)];
    it.stem = f.substr(0, k);
    it.synthesized.push_back(e.path().string());
  }
  GANLIB_CHECK(!by_stem.empty(), "pix2pixhd_eval: no *_synthesized_image*.png in '", images.string(), "'");
  std::vector<ResultItem> out;
  for (auto& [stem, it] : by_stem) {
    const fs::path real = images / (stem + "_real_image.png");
    GANLIB_CHECK(fs::exists(real, ec), "pix2pixhd_eval: '", it.synthesized.front(), "' has no target '", real.string(),
                 "' (the test set had no <phase>_img folder)");
    it.real = real.string();
    std::sort(it.synthesized.begin(), it.synthesized.end());
    out.push_back(std::move(it));
  }
  return out;
}

// Mean |a − b| on [−1, 1] values and PSNR (8-bit, peak 255; 100 dB for identical images).
struct PairDistance {
  double l1 = 0, psnr = 0;
};
inline PairDistance image_distance(const io::Image& a, const io::Image& b, const std::string& name) {
  GANLIB_CHECK(a.width == b.width && a.height == b.height && a.channels == b.channels, "pix2pixhd_eval: '", name,
               "' is ", a.width, " x ", a.height, " but its target is ", b.width, " x ", b.height);
  double abs_sum = 0, sq_sum = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    const double d = double(a.data[i]) - double(b.data[i]);
    abs_sum += std::abs(d), sq_sum += d * d;
  }
  const double n = double(a.data.size()), mse = sq_sum / n;
  return {abs_sum / n / 127.5, mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 100.0};
}

// Brings a result image to its label map's size before segmenting. pix2pixhd_test writes at the
// size its dataset transform made (e.g. --resize_or_crop scale_width --loadSize 1024 turns a
// 256×128 label map into a 1024×512 output); we shrink the image to the label's size rather than
// segmenting the large image and shrinking the prediction, because the mask net is trained at the
// label maps' scale (its atrous rates are tuned for it) and the labels are the ground truth.
// PIL's antialiased bilinear filter (data::resize) averages the covered pixels instead of
// aliasing. A different aspect ratio means a cropped result, which cannot be scored.
inline io::Image to_label_size(const io::Image& img, int w, int h, const std::string& name) {
  if (img.width == w && img.height == h) return img;
  const double ar_img = double(img.width) / img.height, ar_lab = double(w) / h;
  // pix2pixHD rounds sides to multiples of 2^downsamplings, so allow a few percent.
  GANLIB_CHECK(std::abs(ar_img / ar_lab - 1) < 0.05, "pix2pixhd_eval: '", name, "' is ", img.width, " x ", img.height,
               " but its label map is ", w, " x ", h, " (another aspect ratio: was the result cropped?)");
  return data::resize(img, w, h, data::Resample::bilinear);
}

// Guards against scoring with the wrong labels (another --phase or --dataroot with the same
// file names): pix2pixhd_test's <stem>_input_label.png is the label map it was given, coloured.
// Read back at the label's size (nearest), each colour must stand for one id: we count the
// pixels whose id is their colour's most common id, and ask for 98% (pix2pixHD's rounding of
// sizes to multiples of 2^downsamplings shifts a few boundary pixels).
inline double label_agreement(const io::Image& input_label, const std::vector<int32_t>& truth, int w, int h) {
  const io::Image c = data::resize(input_label, w, h, data::Resample::nearest);
  std::map<uint32_t, std::map<int32_t, int64_t>> ids;  // colour → id → pixels
  auto colour = [&](size_t i) {
    uint32_t v = 0;
    for (int k = 0; k < c.channels; ++k) v = v << 8 | c.data[i * size_t(c.channels) + size_t(k)];
    return v;
  };
  for (size_t i = 0; i < truth.size(); ++i) ++ids[colour(i)][truth[i]];
  int64_t agree = 0;
  for (auto& [col, m] : ids) {
    int64_t best = 0;
    for (auto& [id, n] : m) best = std::max(best, n);
    agree += best;
  }
  return truth.empty() ? 1.0 : double(agree) / double(truth.size());
}

// RGB image → one label id per pixel, at the image's size.
using Segmenter = std::function<std::vector<int32_t>(const io::Image&)>;

// The mask net as a Segmenter: argmax label ids (before the instance vote, as masknet_eval
// scores semantics), ids clipped to the net's classes. `net` must outlive the segmenter.
inline Segmenter masknet_segmenter(masknet::Net& net) {
  return [&net](const io::Image& img) {
    const auto x = unsqueeze(io::image_to_tensor<float, cpu>(img), 0);
    std::vector<int32_t> sem = masknet::segment(net, x, masknet::PostprocessOptions{})[0].semantic;
    const int32_t top = int32_t(net.options().num_classes - 1);
    for (auto& s : sem) s = std::min(s, top);
    return sem;
  };
}

struct EvalReport {
  double l1 = 0, psnr = 0;  // means over synthesized images
  int64_t images = 0;       // synthesized images (all styles)
  int64_t inputs = 0;       // test inputs (stems)
  bool segmented = false;   // the fields below are set
  double pixel_acc_synthesized = 0, miou_synthesized = 0, pixel_acc_real = 0, miou_real = 0;
  std::vector<double> iou_synthesized, iou_real;  // per label id (NaN: not scored)
};

// Scores a results folder. With a segmenter and a label folder, also the segmentation protocol:
// every synthesized image and every target is resized to its label map (to_label_size),
// segmented, and added to one confusion matrix each (num_classes ids, Cityscapes' 19
// evaluation classes scored).
inline EvalReport evaluate_results(const std::string& results_dir, const std::string& label_dir = "",
                                   const Segmenter& seg = {}, int64_t num_classes = 35) {
  namespace fs = std::filesystem;
  const auto items = list_results(results_dir);
  EvalReport r;
  const bool segment = bool(seg);
  GANLIB_CHECK(!segment || !label_dir.empty(), "pix2pixhd_eval: segmenting needs the label maps' folder (--dataroot)");
  std::map<std::string, std::string> labels;  // stem → label map (pix2pixhd_test names results by it)
  if (segment) {
    for (const auto& p : data::list_images(label_dir, "pix2pixhd_eval", false)) {
      const std::string stem = fs::path(p).stem().string();
      GANLIB_CHECK(!labels.count(stem), "pix2pixhd_eval: '", label_dir, "' holds two label maps named '", stem, "'");
      labels[stem] = p;
    }
  }
  const auto ev = masknet::cityscapes_eval_classes(num_classes);
  std::error_code ec;
  masknet::ConfusionMatrix cm_fake(ev), cm_real(ev);
  for (const auto& it : items) {
    const io::Image real = io::read_image(it.real, 3);
    std::vector<int32_t> truth;
    int lw = 0, lh = 0;
    if (segment) {
      auto lp = labels.find(it.stem);
      GANLIB_CHECK(lp != labels.end(), "pix2pixhd_eval: '", it.real, "' has no label map '",
                   (fs::path(label_dir) / (it.stem + ".png")).string(), "' (wrong --dataroot or --phase?)");
      const io::Image16 lab = io::read_label_png(lp->second);
      lw = lab.width, lh = lab.height;
      truth.assign(lab.data.begin(), lab.data.end());
      const fs::path shown = fs::path(it.real).parent_path() / (it.stem + "_input_label.png");
      if (fs::exists(shown, ec)) {
        const double a = label_agreement(io::read_image(shown.string(), 3), truth, lw, lh);
        GANLIB_CHECK(a >= 0.98, "pix2pixhd_eval: label map '", lp->second, "' is not the input shown in '",
                     shown.string(), "' (only ", a * 100, "% of its pixels agree: wrong --dataroot or --phase?)");
      }
      cm_real.add(truth, seg(to_label_size(real, lw, lh, it.real)));
    }
    for (const auto& f : it.synthesized) {
      const io::Image fake = io::read_image(f, 3);
      const auto d = image_distance(fake, real, f);
      r.l1 += d.l1, r.psnr += d.psnr, ++r.images;
      if (segment) cm_fake.add(truth, seg(to_label_size(fake, lw, lh, f)));
    }
    ++r.inputs;
  }
  r.l1 /= double(r.images), r.psnr /= double(r.images);
  if (segment) {
    r.segmented = true;
    r.pixel_acc_synthesized = cm_fake.pixel_accuracy(), r.miou_synthesized = cm_fake.mean_iou();
    r.pixel_acc_real = cm_real.pixel_accuracy(), r.miou_real = cm_real.mean_iou();
    r.iou_synthesized = cm_fake.per_class_iou(), r.iou_real = cm_real.per_class_iou();
  }
  return r;
}

}  // namespace ganlib::zoo::pix2pixhd
