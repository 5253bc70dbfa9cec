// nn/activation.hpp — ReLU, LeakyReLU, ELU, Tanh, Sigmoid, Identity as modules (for Sequential).
// Contract: parameter-free; forward = the op of the same name in ops/activation.hpp or
// ops/elementwise.hpp. No in-place variants: an inplace ReLU in the reference is out of place here.
#pragma once
#include "../ops/activation.hpp"
#include "module.hpp"

namespace ganlib::nn {

#define GANLIB_ACTIVATION_MODULE(Name, expr)                                 \
  template <class T = float, class B = default_backend>                      \
  class Name : public Module<T, B> {                                         \
   public:                                                                   \
    using TensorT = Tensor<T, B>;                                            \
    std::string type_name() const override { return #Name; }                 \
    TensorT forward(const TensorT& x) override { return expr; }              \
    using Module<T, B>::operator();                                          \
  };
GANLIB_ACTIVATION_MODULE(ReLU, relu(x))
GANLIB_ACTIVATION_MODULE(Tanh, tanh(x))
GANLIB_ACTIVATION_MODULE(Sigmoid, sigmoid(x))
GANLIB_ACTIVATION_MODULE(Identity, x)
#undef GANLIB_ACTIVATION_MODULE

template <class T = float, class B = default_backend>
class LeakyReLU : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit LeakyReLU(double negative_slope = 0.01) : slope_(negative_slope) {}
  std::string type_name() const override { return "LeakyReLU"; }
  TensorT forward(const TensorT& x) override { return leaky_relu(x, T(slope_)); }
  using Module<T, B>::operator();
  double negative_slope() const { return slope_; }

 private:
  double slope_;
};

template <class T = float, class B = default_backend>
class ELU : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit ELU(double alpha = 1) : alpha_(alpha) {}
  std::string type_name() const override { return "ELU"; }
  TensorT forward(const TensorT& x) override { return elu(x, T(alpha_)); }
  using Module<T, B>::operator();

 private:
  double alpha_;
};

}  // namespace ganlib::nn
