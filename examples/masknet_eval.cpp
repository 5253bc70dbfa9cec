// examples/masknet_eval.cpp — scores a trained mask net: pixel accuracy, mean IoU (Cityscapes'
// 19 evaluation classes; other ids are void) and panoptic quality, printed as JSON lines
// {"metric": ..., "value": ...}. By default on a held-out synthetic street set with a fixed seed;
// with --dataroot on a dataset in pix2pixHD's layout, and with --image_dir on other images paired
// with its labels (pix2pixHD's protocol: segment synthesized images, compare with the input labels).
//   masknet_eval --model runs/masknet/masknet.safetensors
//   masknet_eval --model ... --dataroot datasets/streets --phase test --image_dir results/test_latest/images
#include <cmath>
#include <cstdio>
#include <iostream>

#include "zoo/masknet/options.hpp"
#include "zoo/masknet/train.hpp"

using namespace ganlib::zoo::masknet;

namespace {
void line(const std::string& metric, double v) {
  if (std::isnan(v)) std::printf("{\"metric\":\"%s\",\"value\":null}\n", metric.c_str());
  else std::printf("{\"metric\":\"%s\",\"value\":%.6f}\n", metric.c_str(), v);
}
}  // namespace

int main(int argc, char** argv) {
  Flags f("masknet_eval");
  PostprocessOptions pp;
  f.add("model", "runs/masknet/masknet.safetensors", "trained model (or a training checkpoint)")
      .add("seed", "12345", "seed of the held-out synthetic scenes (training uses 1, validation 999)")
      .add("frames", "100", "number of frames scored")
      .add("width", "256", "synthetic frame width")
      .add("height", "128", "synthetic frame height")
      .add("dataroot", "", "score on this pix2pixHD-layout dataset instead of synthetic scenes")
      .add("phase", "test", "phase of --dataroot")
      .add("image_dir", "", "with --dataroot: segment these images (paired with the labels by sorted order)")
      .add("classes", "cityscapes", "classes scored: cityscapes (the 19 evaluation classes) or all")
      .add("per_class", "1", "also print the IoU of every scored class")
      .add("batch", "4", "frames per forward pass")
      .add("center_threshold", std::to_string(pp.center_threshold), "minimum centre heat-map value of an instance")
      .add("nms_kernel", std::to_string(pp.nms_kernel), "window of the centre non-maximum suppression (odd)")
      .add("min_area", std::to_string(pp.min_area), "instances smaller than this many pixels are dropped");
  try {
    if (!f.parse(argc, argv)) {
      std::cout << f.help();
      return 0;
    }
    pp.center_threshold = f.num("center_threshold");
    pp.nms_kernel = f.integer("nms_kernel");
    pp.min_area = f.integer("min_area");
    auto net = load_model(f.str("model"));
    const int64_t C = net->options().num_classes;
    std::unique_ptr<FrameSource> src;
    if (f.str("dataroot").empty())
      src = std::make_unique<SyntheticStreets>(uint64_t(f.integer("seed")), f.integer("frames"), int(f.integer("width")),
                                               int(f.integer("height")));
    else
      src = std::make_unique<FolderFrames>(f.str("dataroot"), f.str("phase"), f.str("image_dir"));
    const std::string cls = f.str("classes");
    GANLIB_CHECK(cls == "cityscapes" || cls == "all", "masknet_eval: --classes must be cityscapes or all, got \"", cls, "\"");
    const auto ev = cls == "all" ? std::vector<bool>(size_t(C), true) : cityscapes_eval_classes(C);
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = evaluate(*net, *src, f.integer("frames"), pp, std::max<int64_t>(1, f.integer("batch")), ev);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cerr << "masknet_eval: " << r.frames << " frames of " << src->describe() << " in " << sec << " s\n";
    line("pixel_accuracy", r.pixel_accuracy);
    line("mean_iou", r.mean_iou);
    line("pq", r.pq.pq);
    line("sq", r.pq.sq);
    line("rq", r.pq.rq);
    line("pq_things", r.pq.pq_things);
    line("pq_stuff", r.pq.pq_stuff);
    if (f.boolean("per_class"))
      for (int64_t c = 0; c < C; ++c)
        if (ev[size_t(c)] && !std::isnan(r.per_class_iou[size_t(c)]))
          line(std::string("iou/") + (c < 34 ? ganlib::cityscapes::names[c] : std::to_string(c).c_str()),
               r.per_class_iou[size_t(c)]);
    return 0;
  } catch (const ganlib::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
