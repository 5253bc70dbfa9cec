// optim/sgd.hpp — SGD with momentum as torch.optim.SGD: d = grad + wd·p; buf = d on the first
// step, else momentum·buf + (1 − dampening)·d; p -= lr · (nesterov ? d + momentum·buf : buf).
// Contract: per-parameter state "momentum_buffer" (only when momentum != 0).
#pragma once
#include "optimizer.hpp"

namespace ganlib::optim {

struct SGDOptions {
  double lr = 1e-2, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
};

template <class T = float, class B = default_backend>
class SGD : public Optimizer<T, B, SGDOptions> {
  using Base = Optimizer<T, B, SGDOptions>;

 public:
  using TensorT = Tensor<T, B>;
  SGD(std::vector<TensorT> params, SGDOptions o = {}) : Base(o) {
    check(o);
    this->add_param_group(std::move(params));
  }
  SGD(std::vector<typename Base::Group> groups, SGDOptions defaults) : Base(defaults) {
    for (auto& g : groups) {
      check(g.opt);
      this->add_param_group(std::move(g));
    }
  }
  std::string name() const override { return "SGD"; }

  void step() override {
    no_grad guard;
    this->for_each_param([&](size_t i, TensorT p, const TensorT& grad, const SGDOptions& o) {
      TensorT d = o.weight_decay != 0
                      ? map_binary(Binary::add, grad, map_unary(Unary::mul_scalar, p, T(o.weight_decay)), "SGD")
                      : grad;
      if (o.momentum != 0) {
        auto& st = this->state_[i];
        auto it = st.find("momentum_buffer");
        if (it == st.end()) {
          st["momentum_buffer"] = copy_values(d);
        } else {
          mul_(it->second, T(o.momentum));
          add_(it->second, d, T(1 - o.dampening));
        }
        const TensorT& buf = st["momentum_buffer"];
        d = o.nesterov ? map_binary(Binary::add, d, map_unary(Unary::mul_scalar, buf, T(o.momentum)), "SGD") : buf;
      }
      add_(p, d, T(-o.lr));
    });
  }

 private:
  void check(const SGDOptions& o) const {
    GANLIB_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
                 "SGD: nesterov needs momentum > 0 and dampening 0 (got momentum ", o.momentum,
                 ", dampening ", o.dampening, ")");
  }
};

}  // namespace ganlib::optim
