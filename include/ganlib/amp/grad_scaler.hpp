// amp/grad_scaler.hpp — dynamic loss scaling for fp16 training, as torch.cuda.amp.GradScaler.
// Contract: backward on scaler.scale(loss) gives gradients multiplied by scale(), so that small
// gradients survive fp16; step(opt) divides the optimizer's gradients by the scale (once per
// iteration, or earlier through unscale(opt), e.g. before clipping) and runs opt.step() only if
// every gradient is finite; update() then halves the scale after an iteration with an inf/NaN
// gradient, or doubles it after growth_interval clean iterations in a row. The parameters and
// the optimizer's state are fp32 throughout (the master weights). One scaler may serve several
// optimizers (a GAN's G and D): update() once per iteration, after their steps. bf16 has fp32's
// range and needs no scaling: GradScalerOptions{.enabled = false} passes everything through.
// state_dict()/load_state_dict() carry the scale and the clean-step count through checkpoints.
#pragma once
#include <map>
#include <cmath>
#include <string>

#include "../ops.hpp"

namespace ganlib::amp {

struct GradScalerOptions {
  double init_scale = 65536.0;  // 2^16, PyTorch's default
  double growth_factor = 2.0;
  double backoff_factor = 0.5;
  int growth_interval = 2000;
  bool enabled = true;
};

template <class T = float, class B = default_backend>
class GradScaler {
 public:
  using TensorT = Tensor<T, B>;

  explicit GradScaler(GradScalerOptions o = {}) : o_(o), scale_(o.init_scale) {
    GANLIB_CHECK(o_.init_scale > 0 && o_.growth_factor > 1 && o_.backoff_factor > 0 && o_.backoff_factor < 1 &&
                     o_.growth_interval >= 1,
                 "GradScaler: bad options (init_scale ", o_.init_scale, " must be > 0, growth_factor ",
                 o_.growth_factor, " > 1, backoff_factor ", o_.backoff_factor, " in (0, 1), growth_interval ",
                 o_.growth_interval, " >= 1)");
  }

  double scale() const { return o_.enabled ? scale_ : 1.0; }
  bool enabled() const { return o_.enabled; }
  // Iterations whose step was skipped for a non-finite gradient, since construction.
  int64_t skipped_steps() const { return skipped_; }

  // loss · scale (the loss itself when disabled).
  TensorT scale(const TensorT& loss) const { return o_.enabled ? mul_scalar(loss, T(scale_)) : loss; }

  // Divides opt's gradients by the scale and notes whether any is inf or NaN. Once per
  // optimizer per iteration (a second call before update() is an error, as in PyTorch).
  template <class Opt>
  void unscale(Opt& opt) {
    if (!o_.enabled) return;
    GANLIB_CHECK(!unscaled_.count(&opt), "GradScaler::unscale: ", opt.name(),
                 "'s gradients were already unscaled since the last update()");
    no_grad guard;
    const T inv = T(1.0 / scale_);
    // One fused pass per gradient (scale, and flag inf/NaN into one value on the backend), one
    // read of the flag per optimizer.
    TensorT found_inf = zeros<T, B>({1});
    for (auto& group : opt.groups())
      for (auto& p : group.params) {
        TensorT g = p.grad();
        if (!g.defined()) continue;
        if (!g.is_contiguous()) {  // the fused kernel walks memory; a strided .grad is rare
          g = copy_values(g);
          p.set_grad(g);
        }
        kernels::unscale_grad(B{}, g.data(), g.numel(), inv, found_inf.data());
        g.bump_version();
      }
    const bool finite = found_inf.item() == T(0);
    unscaled_[&opt] = finite;
    if (!finite) found_inf_ = true;
  }

  // Unscales (if unscale was not called) and steps opt unless a gradient was not finite.
  // Returns whether the optimizer stepped.
  template <class Opt>
  bool step(Opt& opt) {
    if (!o_.enabled) {
      opt.step();
      return true;
    }
    if (!unscaled_.count(&opt)) unscale(opt);
    if (!unscaled_[&opt]) return false;
    opt.step();
    return true;
  }

  // Ends the iteration: backoff after a non-finite gradient, growth after a clean run.
  void update() {
    if (!o_.enabled) return;
    if (found_inf_) {
      scale_ *= o_.backoff_factor;
      clean_ = 0;
      ++skipped_;
    } else if (++clean_ >= o_.growth_interval) {
      scale_ *= o_.growth_factor;
      clean_ = 0;
    }
    found_inf_ = false;
    unscaled_.clear();
  }

  // {"scale", "growth_tracker"} as scalar tensors, for checkpoints.
  std::map<std::string, TensorT> state_dict() const {
    return {{"scale", scalar_tensor<T, B>(T(scale_))}, {"growth_tracker", scalar_tensor<T, B>(T(clean_))}};
  }
  void load_state_dict(const std::map<std::string, TensorT>& d) {
    for (const char* key : {"scale", "growth_tracker"}) {
      auto it = d.find(key);
      GANLIB_CHECK(it != d.end(), "GradScaler::load_state_dict: the checkpoint has no \"", key, "\"");
      GANLIB_CHECK(it->second.numel() == 1, "GradScaler::load_state_dict: \"", key, "\" has shape ",
                   to_string(it->second.shape()), ", expected a scalar");
    }
    const double s = double(d.at("scale").item()), c = double(d.at("growth_tracker").item());
    GANLIB_CHECK(s > 0 && std::isfinite(s) && c >= 0, "GradScaler::load_state_dict: bad scale ", s,
                 " or growth_tracker ", c);
    scale_ = s;
    clean_ = int(c);
    found_inf_ = false;
    unscaled_.clear();
  }

 private:
  GradScalerOptions o_;
  double scale_;
  int clean_ = 0;            // clean iterations since the last growth or backoff
  int64_t skipped_ = 0;
  bool found_inf_ = false;   // this iteration
  std::map<const void*, bool> unscaled_;  // optimizer → its gradients were finite
};

}  // namespace ganlib::amp
