// tests/faults/tiny_train.cpp — a tiny trainer for the fault tests (kill_resume.sh): Conv2d →
// LeakyReLU → Linear regressing a fixed function of random 8×8 inputs, Adam, a checkpoint
// (model, optimizer, data RNG) every --every steps through train::CheckpointManager, resume
// from the newest complete checkpoint, SIGINT/SIGTERM → save and exit 0, and a NaN/Inf loss →
// train::NanGuard's message and exit 3.
// Prints "step <n> loss <float bits in hex>" per step (the test compares them bit for bit) and
// writes <dir>/final.safetensors (the weights) at the end.
// Usage: tiny_train --dir D [--steps N] [--every K] [--nan-at S] [--sleep-us U]
//        tiny_train --verify D   (every checkpoint file in D parses; exit 1 otherwise)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "ganlib/nn/activation.hpp"
#include "ganlib/nn/conv.hpp"
#include "ganlib/nn/linear.hpp"
#include "ganlib/nn/module.hpp"
#include "ganlib/ops.hpp"
#include "ganlib/optim/adam.hpp"
#include "ganlib/train/checkpoint.hpp"
#include "ganlib/train/nan_guard.hpp"
#include "ganlib/train/stop_signal.hpp"

using namespace ganlib;
using TF = Tensor<float, cpu>;

namespace {
struct Net : nn::Module<float, cpu> {
  std::shared_ptr<nn::Conv2d<float, cpu>> conv;
  std::shared_ptr<nn::Linear<float, cpu>> fc;
  explicit Net(Generator& gen) {
    conv = register_module("conv", std::make_shared<nn::Conv2d<float, cpu>>(nn::Conv2dOptions{.in = 1, .out = 4, .kernel = 3, .padding = 1, .gen = &gen}));
    fc = register_module("fc", std::make_shared<nn::Linear<float, cpu>>(nn::LinearOptions{4 * 8 * 8, 1, true, {false}, &gen}));
  }
  std::string type_name() const override { return "TinyNet"; }
  TF forward(const TF& x) override {
    const TF h = leaky_relu((*conv)(x), 0.2f);
    return (*fc)(reshape(h, {x.size(0), 4 * 8 * 8}));
  }
};

std::string hex_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  char s[16];
  std::snprintf(s, sizeof s, "%08x", b);
  return s;
}

int verify(const std::string& dir) {
  train::CheckpointManager m({dir, "tiny", 0, 0});
  int bad = 0;
  for (auto& [step, path] : m.list()) {
    try {
      const auto f = safetensors::load(path);
      GANLIB_CHECK(f.metadata.count("step") && f.metadata.at("step") == std::to_string(step), "'", path,
                   "': step metadata does not match its name");
    } catch (const Error& e) {
      std::fprintf(stderr, "torn or damaged checkpoint: %s\n", e.what());
      ++bad;
    }
  }
  int temps = 0;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) ++temps;
  std::printf("checkpoints %zu, damaged %d, leftover temp files %d\n", m.list().size(), bad, temps);
  return bad ? 1 : 0;
}
}  // namespace

int main(int argc, char** argv) try {
  std::string dir;
  int64_t steps = 120, every = 3, nan_at = -1, sleep_us = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--verify") return verify(v);
    if (k == "--dir") dir = v;
    else if (k == "--steps") steps = std::stoll(v);
    else if (k == "--every") every = std::stoll(v);
    else if (k == "--nan-at") nan_at = std::stoll(v);
    else if (k == "--sleep-us") sleep_us = std::stoll(v);
    else detail::fail("tiny_train: unknown option ", k);
  }
  GANLIB_CHECK(!dir.empty() && steps > 0 && every > 0, "tiny_train: need --dir and positive --steps/--every");

  train::StopSignal stop;
  Generator init(7), data(8);
  Net net(init);
  optim::Adam<float, cpu> opt(net.parameters(), {1e-2, 0.9, 0.999});
  train::CheckpointManager ckpt({dir, "tiny", every, 2});
  train::NanGuard guard;
  int64_t step = 0;
  if (auto c = ckpt.load_latest()) {
    c->restore_state("net.", net);
    c->restore_state("opt.", opt);
    c->restore_generator("data", data);
    step = c->step;
    guard.saved(c->path);
    std::printf("resumed from %s (step %lld)\n", c->path.c_str(), (long long)step);
  }
  for (const auto& why : ckpt.skipped()) std::printf("skipped: %s\n", why.c_str());
  auto save = [&] {
    train::CheckpointWriter w;
    w.add_state("net.", net).add_state("opt.", opt).generator("data", data);
    guard.saved(ckpt.save(step, w));
  };
  while (step < steps) {
    ++step;
    TF x = randn<float, cpu>({4, 1, 8, 8}, data);
    const TF y = reshape(mean(mul(x, x), {1, 2, 3}), {4, 1});
    if (step == nan_at) x = mul(x, full<float, cpu>({1}, std::numeric_limits<float>::quiet_NaN()));
    opt.zero_grad();
    const TF loss = mse_loss(net.forward(x), y);
    guard.check(step, {{"mse", double(loss.item())}});
    loss.backward();
    opt.step();
    std::printf("step %lld loss %s\n", (long long)step, hex_bits(loss.item()).c_str());
    std::fflush(stdout);
    if (ckpt.due(step) || stop.requested()) save();
    if (stop.requested()) {
      std::printf("stopped by signal %d at step %lld, checkpoint saved\n", stop.signal_number(), (long long)step);
      return 0;
    }
    if (sleep_us) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
  }
  safetensors::File f;
  for (auto& [k, t] : net.state_dict()) f.tensors[k] = safetensors::entry_from(t);
  safetensors::save(dir + "/final.safetensors", f);
  std::printf("done at step %lld\n", (long long)step);
  return 0;
} catch (const train::NonFiniteLoss& e) {
  std::fprintf(stderr, "tiny_train: %s\n", e.what());
  return 3;
} catch (const std::exception& e) {
  std::fprintf(stderr, "tiny_train: %s\n", e.what());
  return 2;
}
