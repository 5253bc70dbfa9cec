// zoo/flownet2/train.hpp — FlowNet2's stage-wise training on flying shapes (zoo spec 4.8):
// FlowNetC, then FlowNetS#1 and #2 on top with the earlier nets frozen, then FlowNetSD, then the
// fusion net with everything else frozen. Also the model file format, batch making, evaluation,
// and the trainer's bookkeeping (progress line, JSON-lines log, HTML page, checkpoints, resume).
// Contract: a run is a pure function of its config: pair i of stage k's iteration t comes from
// generate_pair(seed, hash(k, t, i)) and its augmentation draw from the same index, so a run
// resumed from a checkpoint (model, Adam state, stage, iteration) continues exactly.
// ganlib/train/ was still being written when this was; the few services needed live here.
#pragma once
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "augment.hpp"
#include "flow_vis.hpp"
#include "flownet2.hpp"
#include "losses.hpp"
#include "ganlib/data/synthetic/flying_shapes.hpp"
#include "ganlib/io/image.hpp"
#include "ganlib/io/safetensors.hpp"
#include "ganlib/optim/adam.hpp"

namespace ganlib::zoo::flownet2 {

using TensorF = Tensor<float>;
using Net = FlowNet2<float>;

// ---- model files ---------------------------------------------------------------------------
// Weights under flownet2-pytorch's state_dict keys ("flownetc.conv1.0.weight", …); metadata
// width / rgb_max / div_flow / sd_reference_scaling (absent: the reference's values).
inline void save_model(const std::string& path, const Net& net, std::map<std::string, std::string> meta = {}) {
  safetensors::File f;
  for (auto& [k, t] : net.named_state()) f.tensors[k] = safetensors::entry_from(t);
  const auto& o = net.options();
  meta["width"] = std::to_string(o.width);
  meta["rgb_max"] = std::to_string(o.rgb_max);
  meta["div_flow"] = std::to_string(o.div_flow);
  meta["sd_reference_scaling"] = o.sd_reference_scaling ? "1" : "0";
  f.metadata = std::move(meta);
  safetensors::save(path, f);
}

inline FlowNet2Options options_from_metadata(const std::map<std::string, std::string>& m) {
  FlowNet2Options o;
  auto num = [&](const char* k, double& v) {
    auto it = m.find(k);
    if (it == m.end()) return;
    char* end = nullptr;
    v = std::strtod(it->second.c_str(), &end);
    GANLIB_CHECK(end && *end == 0 && v > 0, "flownet2 model: metadata ", k, " = \"", it->second,
                 "\" is not a positive number");
  };
  num("width", o.width);
  num("rgb_max", o.rgb_max);
  num("div_flow", o.div_flow);
  auto it = m.find("sd_reference_scaling");
  if (it != m.end()) o.sd_reference_scaling = it->second != "0";
  return o;
}

// Loads a model file; `prefix` selects keys of a checkpoint ("model.").
inline std::unique_ptr<Net> load_model(const std::string& path, const std::string& prefix = "") {
  const auto f = safetensors::load(path);
  auto net = std::make_unique<Net>(options_from_metadata(f.metadata));
  Net::StateDict sd;
  for (auto& [k, e] : f.tensors)
    if (k.rfind(prefix, 0) == 0) sd[k.substr(prefix.size())] = safetensors::to_tensor<float, cpu>(e);
  net->load_state_dict(sd, true);
  net->eval();
  return net;
}

// ---- data ----------------------------------------------------------------------------------
struct Batch {
  TensorF img1, img2, flow;  // [N, 3, H, W] in [0, 255]; flow [N, 2, H, W] in pixels
};

inline FlowSample to_sample(const synth::FlowPair& p) {
  FlowSample s;
  s.width = p.width, s.height = p.height;
  s.img1.resize(p.img1.size()), s.img2.resize(p.img2.size());
  for (size_t i = 0; i < p.img1.size(); ++i) s.img1[i] = p.img1[i] / 255.f, s.img2[i] = p.img2[i] / 255.f;
  s.flow = p.flow;
  return s;
}

inline Batch to_batch(const std::vector<FlowSample>& samples) {
  GANLIB_CHECK(!samples.empty(), "to_batch: no samples");
  const int w = samples[0].width, h = samples[0].height;
  const size_t hw = size_t(w) * h, N = samples.size();
  std::vector<float> a(N * 3 * hw), b(N * 3 * hw), f(N * 2 * hw);
  for (size_t n = 0; n < N; ++n) {
    const auto& s = samples[n];
    GANLIB_CHECK(s.width == w && s.height == h, "to_batch: samples of different sizes");
    for (size_t c = 0; c < 3; ++c)
      for (size_t i = 0; i < hw; ++i) {
        a[(n * 3 + c) * hw + i] = s.img1[i * 3 + c] * 255.f;
        b[(n * 3 + c) * hw + i] = s.img2[i * 3 + c] * 255.f;
      }
    for (size_t c = 0; c < 2; ++c)
      for (size_t i = 0; i < hw; ++i) f[(n * 2 + c) * hw + i] = s.flow[i * 2 + c];
  }
  const int64_t Nn = int64_t(N);
  return {from_vector<float, cpu>(a, {Nn, 3, h, w}), from_vector<float, cpu>(b, {Nn, 3, h, w}),
          from_vector<float, cpu>(f, {Nn, 2, h, w})};
}

// Held-out pairs: indices 0..n-1 of generate_pair(seed, ·), no augmentation.
inline Batch held_out_batch(uint64_t seed, int first, int n, int w, int h) {
  std::vector<FlowSample> s;
  for (int i = first; i < first + n; ++i) s.push_back(to_sample(synth::generate_pair(seed, uint64_t(i), w, h)));
  return to_batch(s);
}

// ---- stages --------------------------------------------------------------------------------
enum class TrainStage { C, S1, S2, SD, Fusion };

inline TrainStage parse_stage(const std::string& s) {
  if (s == "C") return TrainStage::C;
  if (s == "S1") return TrainStage::S1;
  if (s == "S2") return TrainStage::S2;
  if (s == "SD") return TrainStage::SD;
  if (s == "fusion") return TrainStage::Fusion;
  ganlib::detail::fail("flownet2: unknown stage \"", s, "\" (stages are C, S1, S2, SD, fusion)");
}
inline std::string stage_string(TrainStage s) {
  const char* names[] = {"C", "S1", "S2", "SD", "fusion"};
  return names[int(s)];
}
// The stack prefix whose output a stage trains (for evaluation).
inline Stage eval_stage(TrainStage s) {
  const Stage m[] = {Stage::C, Stage::CS, Stage::CSS, Stage::SD, Stage::Full};
  return m[int(s)];
}

inline nn::Module<float, cpu>& stage_module(Net& net, TrainStage s) {
  switch (s) {
    case TrainStage::C: return *net.flownetc;
    case TrainStage::S1: return *net.flownets_1;
    case TrainStage::S2: return *net.flownets_2;
    case TrainStage::SD: return *net.flownets_d;
    case TrainStage::Fusion: return *net.flownetfusion;
  }
  return net;
}

struct StageResult {
  TensorF loss, flow;  // flow: the stage's full-resolution estimate in pixels
};

// One training forward: the frozen prefix without a graph, the trained net with one.
inline StageResult stage_forward(Net& net, TrainStage s, const Batch& b) {
  const float df = float(net.options().div_flow);
  TensorF x, prev, flow_sd, flow_css;
  {
    no_grad guard;
    x = net.normalize(b.img1, b.img2);
    if (s == TrainStage::S1 || s == TrainStage::S2 || s == TrainStage::Fusion) {
      const auto o = net.run(b.img1, b.img2, s == TrainStage::S1 ? Stage::C : s == TrainStage::S2 ? Stage::CS : Stage::Full);
      prev = s == TrainStage::S1 ? o.flow_c : o.flow_cs;
      flow_sd = o.flow_sd, flow_css = o.flow_css;
    }
  }
  StageResult r;
  MultiScaleOptions ms;
  ms.target_scale = 1 / net.options().div_flow;
  switch (s) {
    case TrainStage::C:
    case TrainStage::S1:
    case TrainStage::S2:
    case TrainStage::SD: {
      std::vector<TensorF> scales;
      if (s == TrainStage::C) scales = net.flownetc->forward_scales(x);
      else if (s == TrainStage::SD) scales = net.flownets_d->forward_scales(x);
      else scales = (s == TrainStage::S1 ? net.flownets_1 : net.flownets_2)->forward_scales(net.s_input(x, prev));
      if (s == TrainStage::SD && net.options().sd_reference_scaling) ms.target_scale = net.options().div_flow;
      r.loss = multiscale_loss(scales, b.flow, ms).loss;
      const float scale = (s == TrainStage::SD && net.options().sd_reference_scaling) ? 1 / df : df;
      r.flow = net.upsample4(mul_scalar(scales[0].detach(), scale), s == TrainStage::C || s == TrainStage::S1);
      break;
    }
    case TrainStage::Fusion: {
      const auto out = net.flownetfusion->forward(net.fusion_input(x, flow_sd, flow_css));
      r.loss = l1_flow_loss(out, b.flow);  // the reference's default L1Loss on the final flow
      r.flow = out.detach();
      break;
    }
  }
  return r;
}

// ---- training --------------------------------------------------------------------------------
struct TrainConfig {
  std::string out = "runs/flownet2";
  FlowNet2Options model;
  int width_px = 256, height_px = 192, batch = 4;
  std::vector<std::string> stages = {"C", "S1", "S2", "SD", "fusion"};
  std::vector<int64_t> iters = {600, 400, 300, 500, 300};  // per stage
  double lr = 1e-4;
  uint64_t seed = 1, val_seed = 999;
  int val_pairs = 8;
  bool augment = true;
  AugmentOptions aug;
  int64_t log_every = 10, checkpoint_every = 100, vis_every = 100;
  double time_limit_s = 0;  // > 0: stop (after checkpointing) once exceeded
  bool resume = false;
  std::map<std::string, std::string> flags;  // recorded in checkpoints
};

// The S_short schedule compressed to a stage's length: lr halved at 1/2, 2/3 and 5/6.
inline double stage_lr(double base, int64_t iter, int64_t total) {
  double lr = base;
  for (double f : {0.5, 2.0 / 3, 5.0 / 6})
    if (double(iter) >= f * double(total)) lr *= 0.5;
  return lr;
}

inline uint64_t mix64(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

inline Batch training_batch(const TrainConfig& c, int stage_index, int64_t iter) {
  std::vector<FlowSample> s;
  for (int i = 0; i < c.batch; ++i) {
    const uint64_t index = mix64(mix64(uint64_t(stage_index), uint64_t(iter)), uint64_t(i));
    auto sample = to_sample(synth::generate_pair(c.seed, index, c.width_px, c.height_px));
    if (c.augment) augment(sample, mix64(c.seed, index), c.aug);
    s.push_back(std::move(sample));
  }
  return to_batch(s);
}

class Trainer {
 public:
  explicit Trainer(TrainConfig c) : c_(std::move(c)), gen_(c_.seed), net_(c_.model, &gen_) {
    GANLIB_CHECK(c_.stages.size() == c_.iters.size(), "flownet_train: ", c_.stages.size(), " stages but ",
                 c_.iters.size(), " iteration counts");
    GANLIB_CHECK(c_.width_px % 64 == 0 && c_.height_px % 64 == 0 && c_.width_px > 0 && c_.height_px > 0,
                 "flownet_train: training size ", c_.width_px, "x", c_.height_px, " must be multiples of 64");
    GANLIB_CHECK(c_.batch > 0, "flownet_train: batch must be positive");
    for (auto& s : c_.stages) parse_stage(s);
    std::filesystem::create_directories(c_.out + "/images");
  }
  Net& net() { return net_; }

  // Runs every stage; returns false if stopped by the time limit.
  bool run() {
    size_t stage_i = 0;
    int64_t start_iter = 0;
    std::map<std::string, TensorF> optim_state;
    const std::string ckpt = c_.out + "/checkpoint.safetensors";
    if (c_.resume && std::filesystem::exists(ckpt)) {
      load_checkpoint(ckpt, stage_i, start_iter, optim_state);
      reload_rows();
      std::cout << "resumed from " << ckpt << " at stage " << (stage_i < c_.stages.size() ? c_.stages[stage_i] : "end")
                << ", iteration " << start_iter << "\n";
    }
    val_ = held_out_batch(c_.val_seed, 0, c_.val_pairs, c_.width_px, c_.height_px);
    const auto t_start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(); };
    for (; stage_i < c_.stages.size(); ++stage_i, start_iter = 0) {
      const TrainStage st = parse_stage(c_.stages[stage_i]);
      const int64_t total = c_.iters[stage_i];
      net_.requires_grad_(false);
      auto& mod = stage_module(net_, st);
      mod.requires_grad_(true);
      net_.train();
      optim::Adam<float, cpu> opt(mod.parameters(), {c_.lr, 0.9, 0.999, 1e-8, 0});
      if (!optim_state.empty()) opt.load_state_dict(optim_state), optim_state.clear();
      const auto t0 = std::chrono::steady_clock::now();
      double loss_acc = 0, epe_acc = 0;
      int n_acc = 0;
      for (int64_t it = start_iter; it < total; ++it) {
        opt.set_lr(stage_lr(c_.lr, it, total));
        const Batch b = training_batch(c_, int(stage_i), it);
        auto r = stage_forward(net_, st, b);
        opt.zero_grad();
        r.loss.backward();
        opt.step();
        const double loss = r.loss.item(), e = epe(r.flow, b.flow).item();
        loss_acc += loss, epe_acc += e, ++n_acc;
        log_line(st, it + 1, loss, e, opt.lr());
        if ((it + 1) % c_.log_every == 0 || it + 1 == total) {
          const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          const double rate = double(it + 1 - start_iter) / std::max(sec, 1e-9);
          std::printf("[%s] iter %lld/%lld  loss %.4f  epe %.3f px  lr %.2e  %.2f it/s  eta %.0fs\n",
                      c_.stages[stage_i].c_str(), (long long)(it + 1), (long long)total, loss_acc / n_acc,
                      epe_acc / n_acc, opt.lr(), rate, double(total - it - 1) / std::max(rate, 1e-9));
          std::fflush(stdout);
          loss_acc = epe_acc = 0, n_acc = 0;
        }
        const bool last = it + 1 == total;
        const bool out_of_time = c_.time_limit_s > 0 && elapsed() > c_.time_limit_s;
        if ((it + 1) % c_.vis_every == 0 || last) visualise(st, it + 1);
        if ((it + 1) % c_.checkpoint_every == 0 || last || out_of_time) {
          if (last) save_checkpoint(ckpt, stage_i + 1, 0, {});
          else save_checkpoint(ckpt, stage_i, it + 1, opt.state_dict());
        }
        if (out_of_time && !last) {
          std::cout << "time limit reached; resume with --resume 1\n";
          return false;
        }
      }
      save_model(c_.out + "/flownet2_" + c_.stages[stage_i] + ".safetensors", net_, c_.flags);
    }
    save_model(c_.out + "/flownet2.safetensors", net_, c_.flags);
    std::cout << "wrote " << c_.out << "/flownet2.safetensors\n";
    return true;
  }

 private:
  void log_line(TrainStage st, int64_t it, double loss, double e, double lr) {
    std::ofstream f(c_.out + "/loss_log.jsonl", std::ios::app);
    f << "{\"stage\":\"" << stage_string(st) << "\",\"iter\":" << it << ",\"loss\":" << loss
      << ",\"epe\":" << e << ",\"lr\":" << lr << "}\n";
  }

  void save_checkpoint(const std::string& path, size_t stage_i, int64_t iter, const std::map<std::string, TensorF>& optim) {
    safetensors::File f;
    for (auto& [k, t] : net_.named_state()) f.tensors["model." + k] = safetensors::entry_from(t);
    for (auto& [k, t] : optim) f.tensors["optim." + k] = safetensors::entry_from(t);
    f.metadata = c_.flags;
    const auto& o = net_.options();
    f.metadata["width"] = std::to_string(o.width);
    f.metadata["rgb_max"] = std::to_string(o.rgb_max);
    f.metadata["div_flow"] = std::to_string(o.div_flow);
    f.metadata["sd_reference_scaling"] = o.sd_reference_scaling ? "1" : "0";
    f.metadata["stage_index"] = std::to_string(stage_i);
    f.metadata["iter"] = std::to_string(iter);
    safetensors::save(path, f);
  }

  void load_checkpoint(const std::string& path, size_t& stage_i, int64_t& iter, std::map<std::string, TensorF>& optim) {
    const auto f = safetensors::load(path);
    auto get = [&](const char* k) {
      auto it = f.metadata.find(k);
      GANLIB_CHECK(it != f.metadata.end(), "flownet_train: checkpoint ", path, " has no \"", k, "\" metadata");
      return it->second;
    };
    const auto o = options_from_metadata(f.metadata);
    GANLIB_CHECK(std::abs(o.width - net_.options().width) < 1e-9 &&
                     o.sd_reference_scaling == net_.options().sd_reference_scaling,
                 "flownet_train: checkpoint ", path, " was made with width ", o.width,
                 " but this run uses ", net_.options().width, " (or a different --sd_reference_scaling)");
    Net::StateDict sd;
    for (auto& [k, e] : f.tensors) {
      if (k.rfind("model.", 0) == 0) sd[k.substr(6)] = safetensors::to_tensor<float, cpu>(e);
      else if (k.rfind("optim.", 0) == 0) optim[k.substr(6)] = safetensors::to_tensor<float, cpu>(e);
    }
    net_.load_state_dict(sd, true);
    stage_i = size_t(std::stoull(get("stage_index")));
    iter = std::stoll(get("iter"));
  }

  // Validation EPE on the fixed pairs and a row of images for the HTML page.
  void visualise(TrainStage st, int64_t it) {
    no_grad guard;
    net_.eval();
    const auto flow = net_.run(val_.img1, val_.img2, eval_stage(st)).final_flow();
    const double e = epe(flow, val_.flow).item();
    net_.train();
    const std::string tag = stage_string(st) + "_" + std::to_string(it);
    for (int k = 0; k < std::min(2, c_.val_pairs); ++k) {
      const auto gt = val_.flow.select(0, k);
      const double maxr = std::max(1.0, double(max(channel_norm(gt.unsqueeze(0))).item()));
      io::write_png(c_.out + "/images/pair" + std::to_string(k) + "_img1.png",
                    io::tensor_to_image(mul_scalar(add_scalar(val_.img1.select(0, k), -127.5f), 1 / 127.5f)));
      io::write_png(c_.out + "/images/pair" + std::to_string(k) + "_gt.png", flow_to_image(gt, maxr));
      io::write_png(c_.out + "/images/" + tag + "_pair" + std::to_string(k) + ".png",
                    flow_to_image(flow.select(0, k), maxr));
    }
    rows_.push_back({tag, e});
    std::ofstream rows(c_.out + "/val_log.jsonl", std::ios::app);
    rows << "{\"stage\":\"" << stage_string(st) << "\",\"iter\":" << it << ",\"val_epe\":" << e << "}\n";
    write_html();
    std::printf("[%s] iter %lld  validation EPE %.3f px on %d held-out pairs\n", stage_string(st).c_str(),
                (long long)it, e, c_.val_pairs);
  }

  // The HTML page's rows of a resumed run come back from val_log.jsonl.
  void reload_rows() {
    std::ifstream f(c_.out + "/val_log.jsonl");
    std::string line;
    while (std::getline(f, line)) {
      const auto s0 = line.find("\"stage\":\""), i0 = line.find("\"iter\":"), e0 = line.find("\"val_epe\":");
      if (s0 == std::string::npos || i0 == std::string::npos || e0 == std::string::npos) continue;
      const auto s1 = line.find('"', s0 + 9);
      rows_.push_back({line.substr(s0 + 9, s1 - s0 - 9) + "_" + std::to_string(std::atoll(line.c_str() + i0 + 7)),
                       std::atof(line.c_str() + e0 + 10)});
    }
  }

  void write_html() {
    std::ostringstream h;
    h << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>FlowNet2 training</title></head><body>\n"
      << "<h1>FlowNet2 on flying shapes</h1><p>Validation pairs (first two shown): image 1, ground truth "
      << "(Middlebury colour wheel, same scale per pair), then the estimate after each checkpoint, newest first.</p>\n"
      << "<table border=1><tr><th>stage_iter</th><th>val EPE (px)</th>";
    for (int k = 0; k < std::min(2, c_.val_pairs); ++k) h << "<th>pair " << k << "</th>";
    h << "</tr>\n<tr><td>input / truth</td><td></td>";
    for (int k = 0; k < std::min(2, c_.val_pairs); ++k)
      h << "<td><img src=\"images/pair" << k << "_img1.png\" width=256><img src=\"images/pair" << k
        << "_gt.png\" width=256></td>";
    h << "</tr>\n";
    for (auto r = rows_.rbegin(); r != rows_.rend(); ++r) {
      h << "<tr><td>" << r->tag << "</td><td>" << r->epe << "</td>";
      for (int k = 0; k < std::min(2, c_.val_pairs); ++k)
        h << "<td><img src=\"images/" << r->tag << "_pair" << k << ".png\" width=256></td>";
      h << "</tr>\n";
    }
    h << "</table></body></html>\n";
    const std::string tmp = c_.out + "/index.html.tmp";
    { std::ofstream f(tmp); f << h.str(); }
    std::filesystem::rename(tmp, c_.out + "/index.html");
  }

  struct Row {
    std::string tag;
    double epe;
  };
  TrainConfig c_;
  Generator gen_;
  Net net_;
  Batch val_;
  std::vector<Row> rows_;
};

}  // namespace ganlib::zoo::flownet2
