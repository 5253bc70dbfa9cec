// optim/adam.hpp — Adam as torch.optim.Adam (amsgrad off): weight decay in the L2 form
// (grad + wd·param), bias-corrected moments, p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps).
// Contract: per-parameter state "exp_avg", "exp_avg_sq", "step"; options per parameter group;
// parameters and their state are contiguous (a clear error otherwise).
#pragma once
#include <cmath>

#include "optimizer.hpp"

namespace ganlib::optim {

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};

template <class T = float, class B = default_backend>
class Adam : public Optimizer<T, B, AdamOptions> {
  using Base = Optimizer<T, B, AdamOptions>;

 public:
  using TensorT = Tensor<T, B>;
  Adam(std::vector<TensorT> params, AdamOptions o = {}) : Base(o) {
    this->add_param_group(std::move(params));
  }
  Adam(std::vector<typename Base::Group> groups, AdamOptions defaults) : Base(defaults) {
    for (auto& g : groups) this->add_param_group(std::move(g));
  }
  std::string name() const override { return "Adam"; }

  // One fused kernel per parameter (backend/*/update.hpp); the step count lives on the host as
  // well, so a step never waits for the device to read it back.
  void step() override {
    no_grad guard;
    this->for_each_param([&](size_t i, TensorT p, const TensorT& grad, const AdamOptions& o) {
      auto& st = this->state_[i];
      if (!st.count("step")) {
        st["step"] = zeros<T, B>({});
        st["exp_avg"] = zeros<T, B>(p.shape());
        st["exp_avg_sq"] = zeros<T, B>(p.shape());
      }
      auto known = steps_.find(i);
      if (known == steps_.end()) known = steps_.emplace(i, int64_t(st["step"].item())).first;
      const int64_t t = ++known->second;
      fill_(st["step"], T(t));
      TensorT& m = st["exp_avg"];
      TensorT& v = st["exp_avg_sq"];
      GANLIB_CHECK(p.is_contiguous() && m.is_contiguous() && v.is_contiguous(), "Adam: parameter ", i, " (shape ",
                   to_string(p.shape()), ") or its state is not contiguous");
      const TensorT g = grad.contiguous();
      AdamStep s;
      s.beta1 = o.beta1, s.beta2 = o.beta2, s.eps = o.eps, s.weight_decay = o.weight_decay;
      s.step_size = o.lr / (1 - std::pow(o.beta1, double(t)));
      s.inv_sqrt_bc2 = 1 / std::sqrt(1 - std::pow(o.beta2, double(t)));
      kernels::adam_update(B{}, s, p.data(), g.data(), m.data(), v.data(), p.numel());
      p.bump_version(), m.bump_version(), v.bump_version();
    });
  }

 private:
  void state_loaded() override { steps_.clear(); }
  std::map<size_t, int64_t> steps_;  // parameter index -> steps taken (mirror of state "step")
};

}  // namespace ganlib::optim
