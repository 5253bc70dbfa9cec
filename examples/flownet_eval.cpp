// examples/flownet_eval.cpp — average end-point error of a trained FlowNet2 on a held-out
// flying-shapes set (generate_pair(seed, 0..n−1), no augmentation), for every output of the
// stack, plus the zero-flow EPE and the inference time per pair; printed as JSON lines
// {"metric": ..., "value": ...}. --dump DIR also writes the pairs (NNNNN_img1.png, _img2.png,
// _flow.flo) for bench/flow_baseline.py, so classical methods are scored on the same pairs.
// Usage: flownet_eval --model runs/flownet2/flownet2.safetensors [--pairs 64] [--seed 12345]
//                     [--size 256x192] [--time_size 512x384] [--dump DIR]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "zoo/flownet2/options.hpp"
#include "zoo/flownet2/train.hpp"
#include "device.hpp"
#include "ganlib/io/flo.hpp"

using namespace ganlib;
using namespace ganlib::zoo::flownet2;

static std::pair<int, int> parse_size(const std::string& s) {
  const auto x = s.find('x');
  GANLIB_CHECK(x != std::string::npos, "flownet_eval: sizes are WxH, got \"", s, "\"");
  return {std::stoi(s.substr(0, x)), std::stoi(s.substr(x + 1))};
}

static void metric(const std::string& name, double v) {
  std::printf("{\"metric\":\"%s\",\"value\":%.6g}\n", name.c_str(), v);
}

int main(int argc, char** argv) {
  Flags f("flownet_eval");
  f.add("model", "", "FlowNet2 weights (.safetensors)")
      .add("pairs", "64", "held-out pairs").add("seed", "12345", "held-out generator seed")
      .add("size", "256x192", "evaluation size WxH").add("batch", "4", "pairs per forward pass")
      .add("time_size", "512x384", "size of the timed inference (empty: skip)")
      .add("dump", "", "also write the pairs to this folder");
  try {
    if (!f.parse(argc, argv)) {
      std::cout << f.help();
      return 0;
    }
    const auto [w, h] = parse_size(f.str("size"));
    const int n = int(f.integer("pairs")), bs = int(std::max<int64_t>(1, f.integer("batch")));
    const uint64_t seed = uint64_t(f.integer("seed"));
    GANLIB_CHECK(n > 0, "flownet_eval: --pairs must be positive");
    if (!f.str("dump").empty()) {
      ganlib::io::make_folders(f.str("dump"), "flownet_eval: --dump");
      for (int i = 0; i < n; ++i) {
        const auto p = synth::generate_pair(seed, uint64_t(i), w, h);
        char base[32];
        std::snprintf(base, sizeof base, "/%05d_", i);
        const std::string stem = f.str("dump") + base;
        io::Image a{w, h, 3, p.img1}, b{w, h, 3, p.img2};
        io::write_png(stem + "img1.png", a);
        io::write_png(stem + "img2.png", b);
        std::vector<float> chw(p.flow.size());
        for (size_t k = 0; k < size_t(w) * h; ++k) chw[k] = p.flow[2 * k], chw[size_t(w) * h + k] = p.flow[2 * k + 1];
        io::write_flo(stem + "flow.flo", from_vector<float, cpu>(chw, {2, h, w}));
      }
    }
    if (f.str("model").empty()) {
      GANLIB_CHECK(!f.str("dump").empty(), "flownet_eval: --model is required (--help lists the flags)");
      return 0;
    }
    if (!ganlib::examples::device_ready("flownet_eval")) return 1;  // --dump above needs no device
    auto net = load_model(f.str("model"));
    no_grad guard;
    const std::pair<Stage, const char*> outs[] = {{Stage::C, "C"}, {Stage::CS, "CS"}, {Stage::CSS, "CSS"},
                                                  {Stage::SD, "SD"}, {Stage::Full, "fusion"}};
    std::map<std::string, double> sum;
    double zero = 0;
    for (int i = 0; i < n; i += bs) {
      const int m = std::min(bs, n - i);
      const auto b = held_out_batch(seed, i, m, w, h);
      const auto o = net->run(b.img1, b.img2, Stage::Full);
      const Tensor<float>* flows[] = {&o.flow_c, &o.flow_cs, &o.flow_css, &o.flow_sd, &o.flow_fusion};
      for (int k = 0; k < 5; ++k) sum[outs[k].second] += epe(*flows[k], b.flow).item() * m;
      zero += epe(zeros_like(b.flow), b.flow).item() * m;
    }
    for (auto& [stage, name] : outs) metric(std::string("epe_") + name, sum[name] / n);
    metric("epe_zero_flow", zero / n);
    metric("pairs", n);
    if (!f.str("time_size").empty()) {
      const auto [tw, th] = parse_size(f.str("time_size"));
      const auto b = held_out_batch(seed, 0, 1, tw, th);
      net->forward_pair(b.img1, b.img2);  // warm-up (allocator, pool)
      ganlib::examples::device_sync();
      const int reps = 3;
      const auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < reps; ++r) net->forward_pair(b.img1, b.img2);
      ganlib::examples::device_sync();
      const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
      metric("seconds_per_pair_" + f.str("time_size"), sec);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
