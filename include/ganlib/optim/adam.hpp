// optim/adam.hpp — Adam as torch.optim.Adam (amsgrad off): weight decay in the L2 form
// (grad + wd·param), bias-corrected moments, p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps).
// Contract: per-parameter state "exp_avg", "exp_avg_sq", "step"; options per parameter group.
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

  void step() override {
    no_grad guard;
    this->for_each_param([&](size_t i, TensorT p, const TensorT& grad, const AdamOptions& o) {
      auto& st = this->state_[i];
      if (!st.count("step")) {
        st["step"] = zeros<T, B>({});
        st["exp_avg"] = zeros<T, B>(p.shape());
        st["exp_avg_sq"] = zeros<T, B>(p.shape());
      }
      TensorT& m = st["exp_avg"];
      TensorT& v = st["exp_avg_sq"];
      const double t = double(st["step"].item()) + 1;
      fill_(st["step"], T(t));
      const TensorT g = o.weight_decay != 0
                            ? map_binary(Binary::add, grad, map_unary(Unary::mul_scalar, p, T(o.weight_decay)), "Adam")
                            : grad;
      mul_(m, T(o.beta1));
      add_(m, g, T(1 - o.beta1));
      mul_(v, T(o.beta2));
      add_(v, map_binary(Binary::mul, g, g, "Adam"), T(1 - o.beta2));
      const double bc1 = 1 - std::pow(o.beta1, t), bc2 = 1 - std::pow(o.beta2, t);
      const TensorT denom = map_unary(Unary::add_scalar,
                                      map_unary(Unary::mul_scalar, map_unary(Unary::sqrt, v), T(1 / std::sqrt(bc2))),
                                      T(o.eps));
      add_(p, map_binary(Binary::div, m, denom, "Adam"), T(-o.lr / bc1));
    });
  }
};

}  // namespace ganlib::optim
