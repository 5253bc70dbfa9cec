// zoo/masknet/train.hpp — everything around the mask net: frames (synthetic streets or a dataset
// in pix2pixHD's layout), batches, the loss, model files, evaluation, and the trainer's
// bookkeeping (progress line, JSON-lines logs, HTML page, checkpoints, resume).
// Contract: a run is a pure function of its config: sample i of iteration t is frame
// mix(seed, t, i) of the source (a fresh synthetic scene, or a file) with a flip (and a crop for
// larger files) drawn from the same hash, so a run resumed from a checkpoint (model with its
// batch-norm statistics, Adam state, iteration) continues exactly.
// ganlib/train/ was still being written when this was; the few services needed live here.
#pragma once
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ganlib/data/dataset.hpp"
#include "ganlib/data/synthetic/streets.hpp"
#include "ganlib/io/image.hpp"
#include "ganlib/io/safetensors.hpp"
#include "ganlib/optim/adam.hpp"
#include "metrics.hpp"
#include "network.hpp"
#include "postprocess.hpp"
#include "targets.hpp"

namespace ganlib::zoo::masknet {

using TensorF = Tensor<float>;
using Net = MaskNet<float>;

// ---- model files -----------------------------------------------------------------------------
// Weights under the module's dotted names; metadata model=masknet plus the architecture options.
inline std::map<std::string, std::string> model_metadata(const MaskNetOptions& o) {
  std::string rates;
  for (size_t i = 0; i < o.aspp_rates.size(); ++i) rates += (i ? "," : "") + std::to_string(o.aspp_rates[i]);
  return {{"model", "masknet"},
          {"num_classes", std::to_string(o.num_classes)},
          {"width", std::to_string(o.width)},
          {"aspp_rates", rates},
          {"image_pooling", o.image_pooling ? "1" : "0"}};
}

inline MaskNetOptions options_from_metadata(const std::map<std::string, std::string>& m, const std::string& path) {
  auto it = m.find("model");
  GANLIB_CHECK(it != m.end() && it->second == "masknet", "masknet: '", path, "' is not a mask-net model or checkpoint "
               "(its metadata has ", it == m.end() ? std::string("no \"model\" entry") : "model = \"" + it->second + "\"",
               "; expected model = \"masknet\")");
  auto get = [&](const char* k) {
    auto j = m.find(k);
    GANLIB_CHECK(j != m.end(), "masknet: '", path, "' has no \"", k, "\" metadata");
    return j->second;
  };
  auto integer = [&](const char* k, const std::string& v) {
    char* end = nullptr;
    const long long d = std::strtoll(v.c_str(), &end, 10);
    GANLIB_CHECK(!v.empty() && end && *end == 0 && d > 0, "masknet: '", path, "' metadata ", k, " = \"", v,
                 "\" is not a positive integer");
    return int64_t(d);
  };
  MaskNetOptions o;
  o.num_classes = integer("num_classes", get("num_classes"));
  o.width = integer("width", get("width"));
  o.aspp_rates.clear();
  std::stringstream ss(get("aspp_rates"));
  std::string item;
  while (std::getline(ss, item, ',')) o.aspp_rates.push_back(integer("aspp_rates", item));
  o.image_pooling = get("image_pooling") != "0";
  return o;
}

inline void save_model(const std::string& path, const Net& net, std::map<std::string, std::string> meta = {}) {
  safetensors::File f;
  for (auto& [k, t] : net.named_state()) f.tensors[k] = safetensors::entry_from(t);
  for (auto& [k, v] : model_metadata(net.options())) meta[k] = v;
  f.metadata = std::move(meta);
  safetensors::save(path, f);
}

// Loads a model file, or the model inside a training checkpoint (keys "model.…"), in eval mode.
inline std::unique_ptr<Net> load_model(const std::string& path) {
  GANLIB_CHECK(std::filesystem::exists(path), "masknet: model file '", path, "' does not exist");
  const auto f = safetensors::load(path);
  auto net = std::make_unique<Net>(options_from_metadata(f.metadata, path));
  const bool checkpoint = f.metadata.count("iter") != 0;
  const std::string prefix = checkpoint ? "model." : "";
  Net::StateDict sd;
  for (auto& [k, e] : f.tensors)
    if (k.rfind(prefix, 0) == 0 && (checkpoint || k.rfind("optim.", 0) != 0))
      sd[k.substr(prefix.size())] = safetensors::to_tensor<float, cpu>(e);
  try {
    net->load_state_dict(sd, true);
  } catch (const Error& e) {
    ganlib::detail::fail("masknet: '", path, "' does not fit the architecture its metadata describes: ", e.what());
  }
  net->eval();
  return net;
}

// ---- frames ------------------------------------------------------------------------------------
struct Frame {
  int width = 0, height = 0;
  std::vector<float> image;  // 3·h·w planes in [−1, 1]
  PanopticMaps maps;         // label and instance ids (inst = label where there is no instance map)
  std::string name;
};

inline Frame frame_from_street(const synth::StreetFrame& s, const std::string& name) {
  Frame f;
  f.width = s.width, f.height = s.height, f.name = name;
  const size_t hw = size_t(s.width) * size_t(s.height);
  f.image.resize(3 * hw);
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < hw; ++i) f.image[c * hw + i] = float(s.image[i * 3 + c]) / 127.5f - 1.f;
  f.maps.width = s.width, f.maps.height = s.height;
  f.maps.label.assign(s.label.begin(), s.label.end());
  f.maps.inst = s.inst;
  return f;
}

inline std::vector<float> image_planes(const io::Image& img) {
  const size_t hw = size_t(img.width) * size_t(img.height);
  std::vector<float> v(3 * hw);
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < hw; ++i) v[c * hw + i] = float(img.data[i * size_t(img.channels) + c]) / 127.5f - 1.f;
  return v;
}

// A crop of w × h at (x0, y0), mirrored left-right when flip.
inline Frame crop_flip(const Frame& f, int x0, int y0, int w, int h, bool flip) {
  GANLIB_CHECK(x0 >= 0 && y0 >= 0 && x0 + w <= f.width && y0 + h <= f.height, "masknet: crop ", w, " x ", h, " at (",
               x0, ", ", y0, ") does not fit frame '", f.name, "' of ", f.width, " x ", f.height);
  Frame o;
  o.width = w, o.height = h, o.name = f.name;
  o.image.resize(3 * size_t(w) * size_t(h));
  o.maps.width = w, o.maps.height = h;
  o.maps.label.resize(size_t(w) * size_t(h)), o.maps.inst.resize(size_t(w) * size_t(h));
  const size_t ihw = size_t(f.width) * size_t(f.height), ohw = size_t(w) * size_t(h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const size_t src = size_t(y0 + y) * size_t(f.width) + size_t(x0 + (flip ? w - 1 - x : x));
      const size_t dst = size_t(y) * size_t(w) + size_t(x);
      for (size_t c = 0; c < 3; ++c) o.image[c * ohw + dst] = f.image[c * ihw + src];
      o.maps.label[dst] = f.maps.label[src], o.maps.inst[dst] = f.maps.inst[src];
    }
  return o;
}

inline uint64_t mix64(uint64_t a, uint64_t b) {
  uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual int64_t size() const = 0;  // number of distinct frames (synthetic: as many as asked)
  virtual Frame get(int64_t index) const = 0;
  virtual std::string describe() const = 0;
};

// Street scenes generate_street(seed, index, w, h); `count` frames (indices 0…count−1).
class SyntheticStreets : public FrameSource {
 public:
  SyntheticStreets(uint64_t seed, int64_t count, int width, int height)
      : seed_(seed), count_(count), w_(width), h_(height) {
    GANLIB_CHECK(count > 0, "masknet: synthetic street count must be positive, got ", count);
  }
  int64_t size() const override { return count_; }
  Frame get(int64_t index) const override {
    char name[32];
    std::snprintf(name, sizeof name, "%05lld", (long long)index);
    return frame_from_street(synth::generate_street(seed_, uint64_t(index), w_, h_), name);
  }
  std::string describe() const override {
    const std::string n = count_ == std::numeric_limits<int64_t>::max() ? "a fresh scene per sample"
                                                                        : std::to_string(count_) + " frames";
    return "synthetic streets (seed " + std::to_string(seed_) + ", " + n + " of " + std::to_string(w_) + " x " +
           std::to_string(h_) + ")";
  }

 private:
  uint64_t seed_;
  int64_t count_;
  int w_, h_;
};

// A dataset in pix2pixHD's layout: <root>/<phase>_label (8/16-bit ids), optional <phase>_inst,
// and <phase>_img (or another folder of images, e.g. a generator's outputs), paired by sorted
// name as pix2pixHD's loader pairs them.
class FolderFrames : public FrameSource {
 public:
  FolderFrames(const std::string& root, const std::string& phase, const std::string& image_dir = "", bool use_instance = true) {
    namespace fs = std::filesystem;
    const std::string who = "masknet dataset";
    label_dir_ = (fs::path(root) / (phase + "_label")).string();
    labels_ = data::list_images(label_dir_, who);
    GANLIB_CHECK(!labels_.empty(), who, ": '", label_dir_, "' holds no images");
    img_dir_ = image_dir.empty() ? (fs::path(root) / (phase + "_img")).string() : image_dir;
    imgs_ = data::list_images(img_dir_, who);
    data::check_pairing(labels_, label_dir_, imgs_, img_dir_, who, image_dir.empty());
    const std::string inst_dir = (fs::path(root) / (phase + "_inst")).string();
    if (use_instance && fs::is_directory(inst_dir)) {
      insts_ = data::list_images(inst_dir, who);
      data::check_pairing(labels_, label_dir_, insts_, inst_dir, who, true);
    }
  }
  int64_t size() const override { return int64_t(labels_.size()); }
  Frame get(int64_t index) const override {
    GANLIB_CHECK(index >= 0 && index < size(), "masknet dataset: index ", index, " out of range (", size(), " frames)");
    const size_t i = size_t(index);
    const io::Image16 lab = io::read_label_png(labels_[i]);
    const io::Image img = io::read_image(imgs_[i], 3);
    GANLIB_CHECK(img.width == lab.width && img.height == lab.height, "masknet dataset: '", imgs_[i], "' is ", img.width,
                 " x ", img.height, " but its label map '", labels_[i], "' is ", lab.width, " x ", lab.height);
    Frame f;
    f.width = lab.width, f.height = lab.height, f.name = std::filesystem::path(labels_[i]).stem().string();
    f.image = image_planes(img);
    f.maps.width = lab.width, f.maps.height = lab.height;
    f.maps.label.assign(lab.data.begin(), lab.data.end());
    if (!insts_.empty()) {
      const io::Image16 in = io::read_label_png(insts_[i]);
      GANLIB_CHECK(in.width == lab.width && in.height == lab.height, "masknet dataset: '", insts_[i], "' is ", in.width,
                   " x ", in.height, " but its label map '", labels_[i], "' is ", lab.width, " x ", lab.height);
      f.maps.inst.assign(in.data.begin(), in.data.end());
    } else {
      f.maps.inst = f.maps.label;
    }
    return f;
  }
  std::string describe() const override {
    return "dataset '" + label_dir_ + "' + '" + img_dir_ + "' (" + std::to_string(size()) + " frames" +
           (insts_.empty() ? ", no instance maps" : "") + ")";
  }

 private:
  std::string label_dir_, img_dir_;
  std::vector<std::string> labels_, imgs_, insts_;
};

struct Batch {
  TensorF image;                    // [N, 3, H, W]
  std::vector<PanopticMaps> maps;   // ground truth per frame
};

inline Batch to_batch(const std::vector<Frame>& frames) {
  GANLIB_CHECK(!frames.empty(), "masknet: empty batch");
  const int w = frames[0].width, h = frames[0].height;
  std::vector<float> v;
  Batch b;
  for (auto& f : frames) {
    GANLIB_CHECK(f.width == w && f.height == h, "masknet: frames '", frames[0].name, "' (", w, " x ", h, ") and '",
                 f.name, "' (", f.width, " x ", f.height, ") differ in size; one batch needs one size");
    v.insert(v.end(), f.image.begin(), f.image.end());
    b.maps.push_back(f.maps);
  }
  b.image = from_vector<float, cpu>(v, {int64_t(frames.size()), 3, h, w});
  return b;
}

// ---- loss ------------------------------------------------------------------------------------
struct Losses {
  TensorF total, semantic, center, offset;
};

inline Losses masknet_loss(const MaskNetOutput<float, cpu>& out, const BatchTargets<float, cpu>& t, const LossOptions& lo) {
  Losses l;
  l.semantic = cross_entropy(out.logits, t.semantic, lo.ignore_index);
  l.center = mse_loss(out.center, t.center);
  // L1 on instance pixels only, averaged over them (Panoptic-DeepLab's weighted offset loss).
  const float n = std::max(1.f, sum(t.offset_weight).item());
  l.offset = mul_scalar(sum(mul(abs(sub(out.offset, t.offset)), t.offset_weight)), 1.f / n);
  l.total = add(add(mul_scalar(l.semantic, float(lo.semantic_weight)), mul_scalar(l.center, float(lo.center_weight))),
                mul_scalar(l.offset, float(lo.offset_weight)));
  return l;
}

// ---- evaluation --------------------------------------------------------------------------------
struct EvalResult {
  double pixel_accuracy = 0, mean_iou = 0;
  std::vector<double> per_class_iou;
  PQResult pq;
  int64_t frames = 0;
};

// Pads [N, 3, H, W] by replication to multiples of 8 (the output stride); returns the padded
// tensor; crop the outputs back to H × W.
inline TensorF pad_to_multiple(const TensorF& x, int64_t m = 8) {
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t ph = (m - H % m) % m, pw = (m - W % m) % m;
  if (ph == 0 && pw == 0) return x;
  return pad2d(x, {0, pw, 0, ph}, PadMode::replicate);
}

// Runs the net (eval mode, no graph) on [N, 3, H, W] of any size and post-processes.
inline std::vector<PanopticResult> segment(Net& net, const TensorF& images, const PostprocessOptions& pp,
                                           TensorF* probabilities = nullptr) {
  no_grad guard;
  const bool was_training = net.is_training();
  net.eval();
  const int64_t H = images.size(2), W = images.size(3);
  auto out = net.run(pad_to_multiple(images));
  if (out.logits.size(2) != H || out.logits.size(3) != W) {
    auto crop = [&](const TensorF& t) { return contiguous(narrow(narrow(t, 2, 0, H), 3, 0, W)); };
    out = {crop(out.logits), crop(out.center), crop(out.offset)};
  }
  if (probabilities) *probabilities = Net::probabilities(out);
  net.train(was_training);
  return postprocess(out, cityscapes_thing_classes(net.options().num_classes), pp);
}

inline EvalResult evaluate(Net& net, const FrameSource& src, int64_t count, const PostprocessOptions& pp,
                           int64_t batch = 4, const std::vector<bool>& eval_classes = {}) {
  const int64_t C = net.options().num_classes;
  const auto ev = eval_classes.empty() ? cityscapes_eval_classes(C) : eval_classes;
  GANLIB_CHECK(int64_t(ev.size()) == C, "masknet evaluate: ", ev.size(), " class flags for ", C, " classes");
  ConfusionMatrix cm(ev);
  PanopticQuality pq(ev, cityscapes_thing_classes(C));
  count = std::min(count, src.size());
  for (int64_t i = 0; i < count;) {
    std::vector<Frame> fr;  // up to `batch` frames of one size (a dataset's frames may differ)
    for (; i < count && int64_t(fr.size()) < batch; ++i) {
      Frame f = src.get(i);
      if (!fr.empty() && (f.width != fr[0].width || f.height != fr[0].height)) break;
      fr.push_back(std::move(f));
    }
    const auto b = to_batch(fr);
    const auto res = segment(net, b.image, pp);
    for (size_t k = 0; k < res.size(); ++k) {
      std::vector<int32_t> sem = res[k].semantic;
      for (auto& s : sem) s = std::min<int32_t>(s, int32_t(C - 1));
      cm.add(b.maps[k].label, sem);
      pq.add(b.maps[k], res[k].panoptic);
    }
  }
  EvalResult r;
  r.frames = count;
  r.pixel_accuracy = cm.pixel_accuracy();
  r.mean_iou = cm.mean_iou();
  r.per_class_iou = cm.per_class_iou();
  r.pq = pq.result();
  return r;
}

// ---- visualisation -------------------------------------------------------------------------------
inline io::Image color_labels(const std::vector<int32_t>& label, int w, int h) {
  io::Image img;
  img.width = w, img.height = h, img.channels = 3;
  std::vector<uint8_t> l8(label.size());
  for (size_t i = 0; i < label.size(); ++i) l8[i] = uint8_t(std::clamp<int32_t>(label[i], 0, 255));
  img.data = cityscapes::colorize(l8);
  return img;
}
// Instances in hashed colours, everything else dark grey.
inline io::Image color_instances(const std::vector<int32_t>& inst, int w, int h) {
  io::Image img;
  img.width = w, img.height = h, img.channels = 3;
  img.data.resize(inst.size() * 3);
  for (size_t i = 0; i < inst.size(); ++i) {
    const uint64_t z = inst[i] >= 1000 ? mix64(0x1234, uint64_t(inst[i])) : 0;
    for (int c = 0; c < 3; ++c)
      img.data[i * 3 + size_t(c)] = inst[i] >= 1000 ? uint8_t(64 + ((z >> (8 * c)) & 0xbf)) : 40;
  }
  return img;
}
inline io::Image frame_image(const Frame& f) {
  io::Image img;
  img.width = f.width, img.height = f.height, img.channels = 3;
  const size_t hw = size_t(f.width) * size_t(f.height);
  img.data.resize(3 * hw);
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < hw; ++i)
      img.data[i * 3 + c] = uint8_t(std::clamp(std::nearbyint((f.image[c * hw + i] + 1.f) * 127.5f), 0.f, 255.f));
  return img;
}

// ---- training ------------------------------------------------------------------------------------
struct TrainConfig {
  std::string out = "runs/masknet";
  MaskNetOptions model;
  LossOptions loss;
  PostprocessOptions post;
  std::string dataroot;          // empty: synthetic streets
  std::string phase = "train";
  std::string val_phase = "val";  // with a dataroot: the held-out phase, if its folders exist
  int width_px = 256, height_px = 128, batch = 8;
  int64_t train_frames = 0;      // synthetic: distinct scenes (0 = a fresh scene for every sample)
  int64_t iters = 2000;
  double lr = 2e-3, weight_decay = 0;
  uint64_t seed = 1, val_seed = 999;
  int64_t val_frames = 16;
  bool flip = true;
  int64_t log_every = 20, checkpoint_every = 200, eval_every = 500;
  double time_limit_s = 0;       // > 0: stop (after checkpointing) once exceeded
  bool resume = false;
  std::map<std::string, std::string> flags;  // recorded in checkpoints and opt.txt
};

// DeepLab's "poly" schedule: lr · (1 − t/T)^0.9.
inline double poly_lr(double base, int64_t iter, int64_t total) {
  return base * std::pow(std::max(0.0, 1.0 - double(iter) / double(std::max<int64_t>(1, total))), 0.9);
}

class Trainer {
 public:
  explicit Trainer(TrainConfig c) : c_(std::move(c)), gen_(c_.seed), net_(c_.model, &gen_) {
    GANLIB_CHECK(c_.batch > 0 && c_.iters > 0, "masknet_train: batch (", c_.batch, ") and iters (", c_.iters,
                 ") must be positive");
    GANLIB_CHECK(c_.width_px % 8 == 0 && c_.height_px % 8 == 0 && c_.width_px >= 16 && c_.height_px >= 16,
                 "masknet_train: training size ", c_.width_px, " x ", c_.height_px, " must be multiples of 8, at least 16");
    if (c_.dataroot.empty()) {
      train_ = std::make_unique<SyntheticStreets>(c_.seed, c_.train_frames > 0 ? c_.train_frames : std::numeric_limits<int64_t>::max(),
                                                  c_.width_px, c_.height_px);
      val_ = std::make_unique<SyntheticStreets>(c_.val_seed, c_.val_frames, c_.width_px, c_.height_px);
    } else {
      train_ = std::make_unique<FolderFrames>(c_.dataroot, c_.phase);
      // Held out: <dataroot>/<val_phase>_label etc. when present; else no validation.
      if (!c_.val_phase.empty() && std::filesystem::is_directory(c_.dataroot + "/" + c_.val_phase + "_label"))
        val_ = std::make_unique<FolderFrames>(c_.dataroot, c_.val_phase);
    }
    io::make_folders(c_.out + "/web/images", "masknet");
    thing_ = cityscapes_thing_classes(c_.model.num_classes);
  }
  Net& net() { return net_; }

  // Sample i of iteration t, cropped to the training size and maybe flipped.
  Frame training_frame(int64_t iter, int i) const {
    const uint64_t h = mix64(mix64(c_.seed, uint64_t(iter)), uint64_t(i));
    const int64_t n = train_->size();
    Frame f = train_->get(c_.dataroot.empty() && c_.train_frames == 0 ? int64_t(h >> 2) : int64_t(h % uint64_t(n)));
    GANLIB_CHECK(f.width >= c_.width_px && f.height >= c_.height_px, "masknet_train: frame '", f.name, "' is ", f.width,
                 " x ", f.height, ", smaller than the training size ", c_.width_px, " x ", c_.height_px);
    const uint64_t r = mix64(h, 7);
    const int x0 = int(r % uint64_t(f.width - c_.width_px + 1)), y0 = int((r >> 20) % uint64_t(f.height - c_.height_px + 1));
    const bool flip = c_.flip && (r >> 63);
    if (x0 == 0 && y0 == 0 && !flip && f.width == c_.width_px && f.height == c_.height_px) return f;
    return crop_flip(f, x0, y0, c_.width_px, c_.height_px, flip);
  }

  // Trains to c_.iters; returns false if stopped by the time limit.
  bool run() {
    const std::string ckpt = c_.out + "/checkpoint.safetensors";
    net_.train();
    optim::Adam<float, cpu> opt(net_.parameters(), {c_.lr, 0.9, 0.999, 1e-8, c_.weight_decay});
    int64_t start = 0;
    if (c_.resume && std::filesystem::exists(ckpt)) {
      start = load_checkpoint(ckpt, opt);
      reload_rows();
      std::cout << "resumed from " << ckpt << " at iteration " << start << "\n";
    } else {
      write_options();
    }
    std::cout << "masknet: " << net_.parameter_count() << " parameters; training on " << train_->describe() << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    double acc[4] = {0, 0, 0, 0};
    int n_acc = 0;
    for (int64_t it = start; it < c_.iters; ++it) {
      opt.set_lr(poly_lr(c_.lr, it, c_.iters));
      std::vector<Frame> fr;
      for (int i = 0; i < c_.batch; ++i) fr.push_back(training_frame(it, i));
      const auto b = to_batch(fr);
      const auto tg = batch_targets<float, cpu>(b.maps, c_.model.num_classes, thing_, c_.loss);
      const auto out = net_.run(b.image);
      const auto l = masknet_loss(out, tg, c_.loss);
      opt.zero_grad();
      l.total.backward();
      opt.step();
      const double v[4] = {l.total.item(), l.semantic.item(), l.center.item(), l.offset.item()};
      GANLIB_CHECK(std::isfinite(v[0]), "masknet_train: the loss became ", v[0], " at iteration ", it + 1,
                   "; lower --lr");
      for (int k = 0; k < 4; ++k) acc[k] += v[k];
      ++n_acc;
      log_line(it + 1, v, opt.lr(), elapsed());
      const bool last = it + 1 == c_.iters;
      if ((it + 1) % c_.log_every == 0 || last) {
        const double sec = elapsed(), rate = double(it + 1 - start) / std::max(sec, 1e-9);
        std::printf("iter %lld/%lld  loss %.4f (sem %.4f  centre %.5f  offset %.3f)  lr %.2e  %.2f it/s  eta %.0fs\n",
                    (long long)(it + 1), (long long)c_.iters, acc[0] / n_acc, acc[1] / n_acc, acc[2] / n_acc,
                    acc[3] / n_acc, opt.lr(), rate, double(c_.iters - it - 1) / std::max(rate, 1e-9));
        std::fflush(stdout);
        for (auto& a : acc) a = 0;
        n_acc = 0;
      }
      const bool out_of_time = c_.time_limit_s > 0 && elapsed() > c_.time_limit_s;
      if ((it + 1) % c_.eval_every == 0 || last) validate(it + 1);
      if ((it + 1) % c_.checkpoint_every == 0 || last || out_of_time) save_checkpoint(ckpt, it + 1, opt);
      if (out_of_time && !last) {
        std::cout << "time limit reached after " << (it + 1) << " iterations; continue with --resume 1\n";
        return false;
      }
    }
    save_model(c_.out + "/masknet.safetensors", net_, c_.flags);
    std::cout << "wrote " << c_.out << "/masknet.safetensors (" << elapsed() << " s this session)\n";
    return true;
  }

  EvalResult last_eval() const { return last_eval_; }

 private:
  void write_options() {
    std::ofstream f(c_.out + "/opt.txt");
    f << "------------ Options -------------\n";
    for (auto& [k, v] : c_.flags) f << k << ": " << v << "\n";
    f << "-------------- End ----------------\n";
    std::ofstream(c_.out + "/loss_log.jsonl", std::ios::trunc);
    std::ofstream(c_.out + "/val_log.jsonl", std::ios::trunc);
  }
  void log_line(int64_t it, const double* v, double lr, double sec) {
    std::ofstream f(c_.out + "/loss_log.jsonl", std::ios::app);
    f << "{\"iter\":" << it << ",\"loss\":" << v[0] << ",\"semantic\":" << v[1] << ",\"center\":" << v[2]
      << ",\"offset\":" << v[3] << ",\"lr\":" << lr << ",\"time\":" << sec << "}\n";
  }

  void save_checkpoint(const std::string& path, int64_t iter, const optim::Adam<float, cpu>& opt) {
    safetensors::File f;
    for (auto& [k, t] : net_.named_state()) f.tensors["model." + k] = safetensors::entry_from(t);
    for (auto& [k, t] : opt.state_dict()) f.tensors["optim." + k] = safetensors::entry_from(t);
    f.metadata = c_.flags;
    for (auto& [k, v] : model_metadata(net_.options())) f.metadata[k] = v;
    f.metadata["iter"] = std::to_string(iter);
    safetensors::save(path, f);
  }

  int64_t load_checkpoint(const std::string& path, optim::Adam<float, cpu>& opt) {
    const auto f = safetensors::load(path);
    const auto o = options_from_metadata(f.metadata, path);
    const auto& m = net_.options();
    GANLIB_CHECK(o.num_classes == m.num_classes && o.width == m.width && o.aspp_rates == m.aspp_rates &&
                     o.image_pooling == m.image_pooling,
                 "masknet_train: checkpoint '", path, "' was made with width ", o.width, ", ", o.num_classes,
                 " classes (or other ASPP settings) but this run uses width ", m.width, ", ", m.num_classes, " classes");
    Net::StateDict sd;
    std::map<std::string, TensorF> os;
    for (auto& [k, e] : f.tensors) {
      if (k.rfind("model.", 0) == 0) sd[k.substr(6)] = safetensors::to_tensor<float, cpu>(e);
      else if (k.rfind("optim.", 0) == 0) os[k.substr(6)] = safetensors::to_tensor<float, cpu>(e);
    }
    net_.load_state_dict(sd, true);
    opt.load_state_dict(os);
    return std::stoll(f.metadata.at("iter"));
  }

  // Held-out metrics and a row of images for the HTML page.
  void validate(int64_t it) {
    if (!val_) return;
    last_eval_ = evaluate(net_, *val_, c_.val_frames, c_.post);
    const auto& r = last_eval_;
    std::printf("iter %lld  held-out (%lld frames): pixel acc %.4f  mIoU %.4f  PQ %.4f (things %.4f, stuff %.4f)\n",
                (long long)it, (long long)r.frames, r.pixel_accuracy, r.mean_iou, r.pq.pq, r.pq.pq_things, r.pq.pq_stuff);
    std::ofstream(c_.out + "/val_log.jsonl", std::ios::app)
        << "{\"iter\":" << it << ",\"pixel_accuracy\":" << r.pixel_accuracy << ",\"mean_iou\":" << r.mean_iou
        << ",\"pq\":" << r.pq.pq << ",\"sq\":" << r.pq.sq << ",\"rq\":" << r.pq.rq << "}\n";
    const int show = int(std::min<int64_t>(3, val_->size()));
    const std::string dir = c_.out + "/web/images/";
    for (int k = 0; k < show; ++k) {
      const Frame f = val_->get(k);
      const auto res = segment(net_, to_batch({f}).image, c_.post)[0];
      const std::string s = std::to_string(k);
      if (!std::filesystem::exists(dir + "val" + s + "_image.png")) {
        io::write_png(dir + "val" + s + "_image.png", frame_image(f));
        io::write_png(dir + "val" + s + "_label.png", color_labels(f.maps.label, f.width, f.height));
        io::write_png(dir + "val" + s + "_inst.png", color_instances(f.maps.inst, f.width, f.height));
      }
      const std::string tag = "iter" + std::to_string(it) + "_val" + s;
      io::write_png(dir + tag + "_label.png", color_labels(res.panoptic.label, f.width, f.height));
      io::write_png(dir + tag + "_inst.png", color_instances(res.panoptic.inst, f.width, f.height));
    }
    rows_.push_back({it, r.pixel_accuracy, r.mean_iou, r.pq.pq});
    write_html(show);
  }

  void reload_rows() {
    std::ifstream f(c_.out + "/val_log.jsonl");
    std::string line;
    auto num = [&](const std::string& k) {
      const auto p = line.find("\"" + k + "\":");
      return p == std::string::npos ? std::nan("") : std::atof(line.c_str() + p + k.size() + 3);
    };
    while (std::getline(f, line))
      if (line.find("\"iter\":") != std::string::npos)
        rows_.push_back({int64_t(num("iter")), num("pixel_accuracy"), num("mean_iou"), num("pq")});
  }

  // web/index.html: one header per validation, newest first (as pix2pixHD's page), with the
  // predicted labels and instances of the first held-out frames under their inputs and truths.
  void write_html(int show) {
    std::ostringstream h;
    h << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"30\">"
      << "<title>masknet training</title></head><body>\n<h1>Mask net — held-out frames</h1>\n<table border=1><tr>";
    for (int k = 0; k < show; ++k) h << "<td><img src=\"images/val" << k << "_image.png\" width=256><br>image " << k << "</td>";
    h << "</tr><tr>";
    for (int k = 0; k < show; ++k)
      h << "<td><img src=\"images/val" << k << "_label.png\" width=256><img src=\"images/val" << k
        << "_inst.png\" width=256><br>truth: labels, instances</td>";
    h << "</tr></table>\n";
    for (auto r = rows_.rbegin(); r != rows_.rend(); ++r) {
      h << "<h3>iteration " << r->iter << ": pixel acc " << r->acc << ", mIoU " << r->miou << ", PQ " << r->pq
        << "</h3>\n<table border=1><tr>";
      for (int k = 0; k < show; ++k) {
        const std::string tag = "images/iter" + std::to_string(r->iter) + "_val" + std::to_string(k);
        h << "<td><a href=\"" << tag << "_label.png\"><img src=\"" << tag << "_label.png\" width=256></a><a href=\"" << tag
          << "_inst.png\"><img src=\"" << tag << "_inst.png\" width=256></a></td>";
      }
      h << "</tr></table>\n";
    }
    h << "</body></html>\n";
    const std::string tmp = c_.out + "/web/index.html.tmp";
    { std::ofstream f(tmp); f << h.str(); }
    std::filesystem::rename(tmp, c_.out + "/web/index.html");
  }

  struct Row {
    int64_t iter;
    double acc, miou, pq;
  };
  TrainConfig c_;
  Generator gen_;
  Net net_;
  std::unique_ptr<FrameSource> train_, val_;
  std::vector<bool> thing_;
  std::vector<Row> rows_;
  EvalResult last_eval_;
};

}  // namespace ganlib::zoo::masknet
