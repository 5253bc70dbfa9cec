// optim/adam.hpp — Adam as torch.optim.Adam (amsgrad off): weight decay in the L2 form
// (grad + wd·param), bias-corrected moments, p -= lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps).
// Contract: per-parameter state "exp_avg", "exp_avg_sq", "step"; options per parameter group;
// parameters and their state are contiguous (a clear error otherwise).
#pragma once
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

  // One fused kernel per parameter (backend/*/update.hpp). The step count stays in the state
  // tensor "step" and the kernel reads and increments it there: no value is read back to the
  // host, and a CUDA graph that captured step() counts at each replay (backend/cuda/graph.hpp;
  // the options, lr included, are fixed at capture). Checkpoints hold "step" like any state.
  void step() override {
    no_grad guard;
    this->for_each_param([&](size_t i, TensorT p, const TensorT& grad, const AdamOptions& o) {
      auto& st = this->state_[i];
      if (!st.count("step")) {
        // Zeroing the state inside a graph would zero it again at every replay.
        GANLIB_CHECK(!kernels::in_graph_capture(B{}), "Adam: parameter ", i, " (shape ", to_string(p.shape()),
                     ") takes its first step inside a CUDA graph capture, where its state would be reset at "
                     "every replay; run the step eagerly once before capture");
        st["step"] = zeros<T, B>({});
        st["exp_avg"] = zeros<T, B>(p.shape());
        st["exp_avg_sq"] = zeros<T, B>(p.shape());
      }
      TensorT& count = st["step"];
      TensorT& m = st["exp_avg"];
      TensorT& v = st["exp_avg_sq"];
      GANLIB_CHECK(p.is_contiguous() && m.is_contiguous() && v.is_contiguous(), "Adam: parameter ", i, " (shape ",
                   to_string(p.shape()), ") or its state is not contiguous");
      const TensorT g = grad.contiguous();
      const AdamHyper h{o.lr, o.beta1, o.beta2, o.eps, o.weight_decay};
      kernels::adam_update(B{}, h, count.data(), p.data(), g.data(), m.data(), v.data(), p.numel());
      p.bump_version(), m.bump_version(), v.bump_version(), count.bump_version();
    });
  }
};

}  // namespace ganlib::optim
