// nn/linear.hpp — Linear: y = x·Wᵀ + b over the last dim, as torch.nn.Linear.
// Contract: weight [out, in], bias [out] (keys "weight", "bias"); PyTorch's default init
// (U(±1/√in) for both); x may have any leading dims [..., in]. Optional spectral norm.
#pragma once
#include <cmath>

#include "init.hpp"
#include "spectral_norm.hpp"

namespace ganlib::nn {

struct LinearOptions {
  int64_t in = 0, out = 0;
  bool bias = true;
  SpectralNormOptions sn{false};  // set .sn.enabled (or use spectral_norm()) to wrap the weight
  Generator* gen = nullptr;       // draws the initial weights; default_generator() when null
};

template <class T = float, class B = default_backend>
class Linear : public WeightedModule<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  Linear(int64_t in, int64_t out, bool bias = true) : Linear(LinearOptions{in, out, bias}) {}
  explicit Linear(LinearOptions o) : opts_(o) {
    GANLIB_CHECK(o.in > 0 && o.out > 0, "Linear: in and out features must be positive (got ",
                 o.in, ", ", o.out, ")");
    Generator& gen = o.gen ? *o.gen : default_generator();
    const double bound = 1 / std::sqrt(double(o.in));
    this->weight = this->register_parameter("weight", TensorT::empty({o.out, o.in}));
    init::uniform_(this->weight, -bound, bound, gen);
    if (o.bias) {
      this->bias = this->register_parameter("bias", TensorT::empty({o.out}));
      init::uniform_(this->bias, -bound, bound, gen);
    }
    this->apply_spectral_norm(o.sn, gen);
  }
  std::string type_name() const override { return "Linear"; }
  const LinearOptions& options() const { return opts_; }

  TensorT forward(const TensorT& x) override {
    GANLIB_CHECK(x.dim() >= 1 && x.size(-1) == opts_.in, "Linear: input ", to_string(x.shape()),
                 " does not end in in_features ", opts_.in);
    const TensorT w = this->effective_weight();
    if (x.dim() == 2) return linear(x, w, this->bias);
    Shape out_shape = x.shape();
    out_shape.back() = opts_.out;
    return reshape(linear(reshape(x, {-1, opts_.in}), w, this->bias), out_shape);
  }
  using Module<T, B>::operator();

 private:
  LinearOptions opts_;
};

}  // namespace ganlib::nn
