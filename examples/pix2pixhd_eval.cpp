// examples/pix2pixhd_eval.cpp — scores a pix2pixhd_test results folder, as JSON lines
// {"metric": ..., "value": ...}: the mean L1 distance (on [−1, 1] values, as the training losses)
// and PSNR (8-bit, peak 255) of every images/<stem>_synthesized_image*.png against its
// <stem>_real_image.png; with --masknet, also pix2pixHD's protocol: the zoo's mask net segments
// the synthesized images and the real ones (the oracle), scored against the input label maps
// <dataroot>/<phase>_label/<stem>.png (pixel accuracy, mIoU over Cityscapes' 19 classes).
// Usage: pix2pixhd_eval --results results/NAME/test_latest
//        pix2pixhd_eval --results ... --masknet runs/masknet/masknet.safetensors --dataroot DIR [--phase test]
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "zoo/pix2pixhd/eval.hpp"

namespace fs = std::filesystem;
namespace p2p = ganlib::zoo::pix2pixhd;

namespace {
void line(const std::string& metric, double v) {
  if (std::isnan(v)) std::printf("{\"metric\": \"%s\", \"value\": null}\n", metric.c_str());
  else std::printf("{\"metric\": \"%s\", \"value\": %.6g}\n", metric.c_str(), v);
}
const char* usage =
    "usage: pix2pixhd_eval --results results/NAME/test_latest [--masknet WEIGHTS --dataroot DIR [--phase test]]\n"
    "                      [--per_class 0|1]\n";
}  // namespace

int main(int argc, char** argv) {
  std::string dir, masknet, dataroot, phase = "test";
  bool per_class = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--results" && has_value) dir = argv[++i];
    else if (a == "--masknet" && has_value) masknet = argv[++i];
    else if (a == "--dataroot" && has_value) dataroot = argv[++i];
    else if (a == "--phase" && has_value) phase = argv[++i];
    else if (a == "--per_class" && has_value) per_class = std::string(argv[++i]) != "0";
    else {
      std::cerr << "pix2pixhd_eval: unknown option " << a << (has_value ? "" : " (or it lacks its value)") << "\n"
                << usage;
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << usage;
    return 2;
  }
  try {
    GANLIB_CHECK(masknet.empty() == dataroot.empty(), "pix2pixhd_eval: --masknet and --dataroot go together (the mask "
                 "net's predictions are scored against <dataroot>/<phase>_label)");
    std::unique_ptr<ganlib::zoo::masknet::Net> net;
    p2p::Segmenter seg;
    std::string label_dir;
    int64_t classes = 35;
    if (!masknet.empty()) {
      net = ganlib::zoo::masknet::load_model(masknet);
      seg = p2p::masknet_segmenter(*net);
      classes = net->options().num_classes;
      label_dir = (fs::path(dataroot) / (phase + "_label")).string();
    }
    const auto r = p2p::evaluate_results(dir, label_dir, seg, classes);
    line("L1", r.l1);
    line("PSNR", r.psnr);
    line("images", double(r.images));
    if (r.segmented) {
      line("pixel_acc_synthesized", r.pixel_acc_synthesized);
      line("miou_synthesized", r.miou_synthesized);
      line("pixel_acc_real", r.pixel_acc_real);
      line("miou_real", r.miou_real);
      if (per_class)
        for (size_t c = 0; c < r.iou_real.size(); ++c) {
          if (std::isnan(r.iou_real[c]) && std::isnan(r.iou_synthesized[c])) continue;
          const std::string name = c < 34 ? ganlib::cityscapes::names[c] : std::to_string(c);
          line("iou_synthesized/" + name, r.iou_synthesized[c]);
          line("iou_real/" + name, r.iou_real[c]);
        }
    }
  } catch (const std::exception& e) {
    const std::string m = e.what();  // our own messages already start with the program's name
    std::cerr << (m.rfind("pix2pixhd_eval:", 0) == 0 ? "" : "pix2pixhd_eval: ") << m << "\n";
    return 1;
  }
  return 0;
}
