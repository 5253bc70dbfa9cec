// zoo/flownet2/train.hpp — FlowNet2's stage-wise training on flying shapes (zoo spec 4.8):
// FlowNetC, then FlowNetS#1 and #2 on top with the earlier nets frozen, then FlowNetSD, then the
// fusion net with everything else frozen. Also the model file format, batch making and evaluation;
// the bookkeeping (progress line, JSON-lines logs, HTML page, checkpoints, resume, Ctrl-C) is
// ganlib/train/'s.
// Contract: a run is a pure function of its config: pair i of stage k's iteration t comes from
// generate_pair(seed, hash(k, t, i)) (then its crop and augmentation draw from the same index), so
// a run resumed from a checkpoint (model, Adam state, stage, iteration) continues exactly.
#pragma once
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
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
#include "ganlib/train/checkpoint.hpp"
#include "ganlib/train/grid.hpp"
#include "ganlib/train/html.hpp"
#include "ganlib/train/log.hpp"
#include "ganlib/train/progress.hpp"
#include "ganlib/train/stop_signal.hpp"

namespace ganlib::zoo::flownet2 {

// On the default backend (include/ganlib/config.hpp; cuda in examples/cuda/): pairs are made on the
// host and each batch tensor is copied over once by from_vector.
using TensorF = Tensor<float>;
using Net = FlowNet2<float>;

// ---- model files ---------------------------------------------------------------------------
// Weights under flownet2-pytorch's state_dict keys ("flownetc.conv1.0.weight", …); metadata
// width / rgb_max / div_flow / sd_reference_scaling (absent: the reference's values).
inline void add_options_metadata(std::map<std::string, std::string>& meta, const FlowNet2Options& o) {
  meta["width"] = std::to_string(o.width);
  meta["rgb_max"] = std::to_string(o.rgb_max);
  meta["div_flow"] = std::to_string(o.div_flow);
  meta["sd_reference_scaling"] = o.sd_reference_scaling ? "1" : "0";
}

inline void save_model(const std::string& path, const Net& net, std::map<std::string, std::string> meta = {}) {
  safetensors::File f;
  for (auto& [k, t] : net.named_state()) f.tensors[k] = safetensors::entry_from(t);
  add_options_metadata(meta, net.options());
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
    if (k.rfind(prefix, 0) == 0) sd[k.substr(prefix.size())] = safetensors::to_tensor<float>(e);
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

// The w × h window of a sample at (x0, y0) (flow values are unchanged by a crop).
inline FlowSample crop(const FlowSample& s, int x0, int y0, int w, int h) {
  GANLIB_CHECK(x0 >= 0 && y0 >= 0 && w > 0 && h > 0 && x0 + w <= s.width && y0 + h <= s.height, "crop: window ", w,
               "x", h, " at (", x0, ", ", y0, ") does not fit a ", s.width, "x", s.height, " sample");
  FlowSample c;
  c.width = w, c.height = h;
  c.img1.reserve(size_t(w) * h * 3), c.img2.reserve(size_t(w) * h * 3), c.flow.reserve(size_t(w) * h * 2);
  for (int y = y0; y < y0 + h; ++y) {
    const size_t row = size_t(y) * size_t(s.width) + size_t(x0);
    c.img1.insert(c.img1.end(), s.img1.begin() + long(row * 3), s.img1.begin() + long((row + size_t(w)) * 3));
    c.img2.insert(c.img2.end(), s.img2.begin() + long(row * 3), s.img2.begin() + long((row + size_t(w)) * 3));
    c.flow.insert(c.flow.end(), s.flow.begin() + long(row * 2), s.flow.begin() + long((row + size_t(w)) * 2));
  }
  return c;
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
  const int64_t Nn = int64_t(N);  // built on the host, one copy each to the default backend
  return {from_vector<float>(a, {Nn, 3, h, w}), from_vector<float>(b, {Nn, 3, h, w}),
          from_vector<float>(f, {Nn, 2, h, w})};
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

inline nn::Module<float>& stage_module(Net& net, TrainStage s) {
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
  int width_px = 256, height_px = 192, batch = 4;  // generated pairs (and validation) size
  int crop_w = 0, crop_h = 0;  // > 0: train on random crops of this size (displacements as at full size)
  std::vector<std::string> stages = {"C", "S1", "S2", "SD", "fusion"};
  std::vector<int64_t> iters = {600, 400, 300, 500, 300};  // per stage
  double lr = 1e-4;
  // "uniform": the reference's U[0, 1] biases; "zero": zero biases (FlowNetPytorch's init), which
  // leaves the mean-flow plateau after a few hundred iterations instead of many thousands.
  std::string bias_init = "uniform";
  uint64_t seed = 1, val_seed = 999;
  int val_pairs = 8;
  bool augment = true;
  AugmentOptions aug;
  int64_t log_every = 10, checkpoint_every = 100, vis_every = 100;
  double time_limit_s = 0;  // > 0: stop (after checkpointing) once exceeded
  bool resume = false;
  // Non-empty: start from these weights (a model file of an earlier run with the same options),
  // e.g. to train SD and fusion on top of a trained C, S1, S2; a resumed checkpoint overrides it.
  std::string init;
  std::map<std::string, std::string> flags;  // recorded in checkpoints and model files
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
    if (c.crop_w > 0 && c.crop_h > 0 && (c.crop_w < c.width_px || c.crop_h < c.height_px)) {
      const uint64_t r = mix64(index, 0xC0);
      sample = crop(sample, int(r % uint64_t(c.width_px - c.crop_w + 1)),
                    int((r >> 32) % uint64_t(c.height_px - c.crop_h + 1)), c.crop_w, c.crop_h);
    }
    if (c.augment) augment(sample, mix64(c.seed, index), c.aug);
    s.push_back(std::move(sample));
  }
  return to_batch(s);
}

// Sets every bias of a module to zero (the "zero" bias_init).
inline void zero_biases(nn::Module<float>& m) {
  no_grad guard;
  for (auto& [name, t] : m.named_parameters())
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) {
      TensorF b = t;
      fill_(b, 0.f);
    }
}

class Trainer {
 public:
  explicit Trainer(TrainConfig c) : c_(std::move(c)), gen_(c_.seed), net_(c_.model, &gen_) {
    GANLIB_CHECK(c_.stages.size() == c_.iters.size(), "flownet_train: ", c_.stages.size(), " stages but ",
                 c_.iters.size(), " iteration counts");
    GANLIB_CHECK(c_.width_px % 64 == 0 && c_.height_px % 64 == 0 && c_.width_px > 0 && c_.height_px > 0,
                 "flownet_train: training size ", c_.width_px, "x", c_.height_px, " must be multiples of 64");
    GANLIB_CHECK((c_.crop_w == 0 && c_.crop_h == 0) ||
                     (c_.crop_w > 0 && c_.crop_h > 0 && c_.crop_w % 64 == 0 && c_.crop_h % 64 == 0 &&
                      c_.crop_w <= c_.width_px && c_.crop_h <= c_.height_px),
                 "flownet_train: crop ", c_.crop_w, "x", c_.crop_h, " must be multiples of 64 within the ",
                 c_.width_px, "x", c_.height_px, " pairs");
    GANLIB_CHECK(c_.batch > 0, "flownet_train: batch must be positive");
    GANLIB_CHECK(c_.bias_init == "uniform" || c_.bias_init == "zero", "flownet_train: bias_init \"", c_.bias_init,
                 "\" (uniform or zero)");
    for (auto& s : c_.stages) parse_stage(s);
    for (auto n : c_.iters) GANLIB_CHECK(n > 0, "flownet_train: iteration counts must be positive, got ", n);
    if (c_.bias_init == "zero") zero_biases(net_);
    if (!c_.init.empty()) load_init(c_.init);
    int64_t total = 0;
    for (auto n : c_.iters) offsets_.push_back(total), total += n;
    total_ = total;
    io::make_folders(c_.out, "flownet2");
  }
  Net& net() { return net_; }

  // Runs every stage; returns false if stopped early (time limit, SIGINT/SIGTERM) after saving a
  // checkpoint that --resume continues from.
  bool run() {
    train::CheckpointManager ckpt({c_.out + "/checkpoints", "ckpt", c_.checkpoint_every, 2});
    std::optional<train::Checkpoint> resumed;
    if (c_.resume) resumed = ckpt.load_latest();
    if (!resumed) {  // a fresh run: logs and pictures left in this folder belong to another run
      std::filesystem::remove(c_.out + "/loss_log.jsonl");
      std::filesystem::remove(c_.out + "/val_log.jsonl");
      std::filesystem::remove_all(c_.out + "/web/images");
    }
    train::ScalarLog loss_log(c_.out + "/loss_log.jsonl"), val_log(c_.out + "/val_log.jsonl");
    train::ResultsPage page(c_.out + "/web", {"FlowNet2 on flying shapes", 60, 256, c_.out + "/val_log.jsonl"});
    size_t stage_i = 0;
    int64_t start_iter = 0;
    if (resumed) {
      const auto o = options_from_metadata(resumed->file.metadata);
      GANLIB_CHECK(std::abs(o.width - net_.options().width) < 1e-9 &&
                       o.sd_reference_scaling == net_.options().sd_reference_scaling,
                   "flownet_train: checkpoint ", resumed->path, " was made with width ", o.width,
                   " but this run uses ", net_.options().width, " (or a different --sd_reference_scaling)");
      resumed->restore_state("model.", net_);
      stage_i = size_t(std::stoull(resumed->meta("stage_index")));
      start_iter = std::stoll(resumed->meta("iter"));
      loss_log.truncate_after(resumed->step);
      val_log.truncate_after(resumed->step);
      std::cout << "resumed from " << resumed->path << " at stage "
                << (stage_i < c_.stages.size() ? c_.stages[stage_i] : "end") << ", iteration " << start_iter << "\n";
    }
    val_ = held_out_batch(c_.val_seed, 0, c_.val_pairs, c_.width_px, c_.height_px);
    train::StopSignal stop;
    const auto t_start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(); };
    const int64_t first_step = stage_i < c_.stages.size() ? offsets_[stage_i] + start_iter : total_;
    train::Progress progress({total_, c_.log_every, first_step});
    for (; stage_i < c_.stages.size(); ++stage_i, start_iter = 0) {
      if (stop.requested()) {  // stopped at the end of the previous stage, whose checkpoint is saved
        std::cout << "stopped before stage " << c_.stages[stage_i] << "; continue with --resume 1\n";
        return false;
      }
      const TrainStage st = parse_stage(c_.stages[stage_i]);
      const int64_t total = c_.iters[stage_i];
      net_.requires_grad_(false);
      auto& mod = stage_module(net_, st);
      mod.requires_grad_(true);
      net_.train();
      optim::Adam<float> opt(mod.parameters(), {c_.lr, 0.9, 0.999, 1e-8, 0});
      if (resumed && start_iter > 0) resumed->restore_state("optim.", opt);
      resumed.reset();
      for (int64_t it = start_iter; it < total; ++it) {
        opt.set_lr(stage_lr(c_.lr, it, total));
        const Batch b = training_batch(c_, int(stage_i), it);
        auto r = stage_forward(net_, st, b);
        opt.zero_grad();
        r.loss.backward();
        opt.step();
        const int64_t step = offsets_[stage_i] + it + 1;
        const train::Scalars sc{{"loss", r.loss.item()}, {"epe", epe(r.flow, b.flow).item()}, {"lr", opt.lr()}};
        progress.update(step, int64_t(stage_i), sc);
        loss_log.append(step, int64_t(stage_i), sc);
        const bool last = it + 1 == total;
        if (c_.time_limit_s > 0 && elapsed() > c_.time_limit_s && !stop.requested()) stop.request();
        const bool stopping = stop.requested() && !last;
        if ((it + 1) % c_.vis_every == 0 || last) {
          progress.finish();
          visualise(st, step, int64_t(stage_i), val_log, page);
        }
        if (last) save_checkpoint(ckpt, step, stage_i + 1, 0, nullptr);
        else if (ckpt.due(step) || stopping) save_checkpoint(ckpt, step, stage_i, it + 1, &opt);
        if (stopping) {
          progress.finish();
          std::cout << "stopped at stage " << c_.stages[stage_i] << ", iteration " << it + 1
                    << "; continue with --resume 1\n";
          return false;
        }
      }
      save_model(c_.out + "/flownet2_" + c_.stages[stage_i] + ".safetensors", net_, c_.flags);
    }
    progress.finish();
    save_model(c_.out + "/flownet2.safetensors", net_, c_.flags);
    std::cout << "wrote " << c_.out << "/flownet2.safetensors; results page " << page.index_path() << "\n";
    return true;
  }

 private:
  // Every weight from the model file `path` (strict: all keys, same shapes), after checking that it
  // was made with this run's options.
  void load_init(const std::string& path) {
    const auto f = safetensors::load(path);
    const auto o = options_from_metadata(f.metadata);
    const auto& m = net_.options();
    GANLIB_CHECK(std::abs(o.width - m.width) < 1e-9 && o.rgb_max == m.rgb_max && o.div_flow == m.div_flow &&
                     o.sd_reference_scaling == m.sd_reference_scaling,
                 "flownet_train: --init ", path, " was made with width ", o.width, ", rgb_max ", o.rgb_max,
                 ", div_flow ", o.div_flow, ", sd_reference_scaling ", o.sd_reference_scaling, " but this run uses ",
                 m.width, ", ", m.rgb_max, ", ", m.div_flow, ", ", m.sd_reference_scaling);
    Net::StateDict sd;
    for (auto& [k, e] : f.tensors) sd[k] = safetensors::to_tensor<float>(e);
    net_.load_state_dict(sd, true);
  }

  void save_checkpoint(train::CheckpointManager& ckpt, int64_t step, size_t stage_i, int64_t iter,
                       const optim::Adam<float>* opt) {
    ckpt.save(step, [&](train::CheckpointWriter& w) {
      w.add_state("model.", net_);
      if (opt) w.add_state("optim.", *opt);
      for (auto& [k, v] : c_.flags) w.meta("flag." + k, v);
      add_options_metadata(w.file().metadata, net_.options());
      w.meta("stage_index", std::to_string(stage_i)).meta("iter", std::to_string(iter));
    });
  }

  // Validation EPE on the fixed pairs (logged, drawn as a curve) and the first pairs' image 1,
  // ground truth and estimate in the colour wheel (same radius per pair) on the results page.
  void visualise(TrainStage st, int64_t step, int64_t stage_i, train::ScalarLog& log, train::ResultsPage& page) {
    no_grad guard;
    net_.eval();
    const auto flow = net_.run(val_.img1, val_.img2, eval_stage(st)).final_flow();
    const double e = epe(flow, val_.flow).item();
    net_.train();
    std::vector<io::Image> img, truth, est;
    for (int k = 0; k < std::min(4, c_.val_pairs); ++k) {
      const auto gt = val_.flow.select(0, k);
      const double maxr = std::max(1.0, double(max(channel_norm(gt.unsqueeze(0))).item()));
      img.push_back(io::tensor_to_image(mul_scalar(add_scalar(val_.img1.select(0, k), -127.5f), 1 / 127.5f)));
      truth.push_back(flow_to_image(gt, maxr));
      est.push_back(flow_to_image(flow.select(0, k), maxr));
    }
    log.append(step, stage_i, {{"val_epe_" + stage_string(st), e}});
    page.add_results(stage_i, step, {{"image1", train::make_grid(img, 1)}, {"truth", train::make_grid(truth, 1)},
                                     {"estimate_" + stage_string(st), train::make_grid(est, 1)}});
    std::printf("[%s] step %lld  validation EPE %.3f px on %d held-out pairs\n", stage_string(st).c_str(),
                (long long)step, e, c_.val_pairs);
    std::fflush(stdout);
  }

  TrainConfig c_;
  Generator gen_;
  Net net_;
  Batch val_;
  std::vector<int64_t> offsets_;  // global step at the start of each stage
  int64_t total_ = 0;
};

}  // namespace ganlib::zoo::flownet2
