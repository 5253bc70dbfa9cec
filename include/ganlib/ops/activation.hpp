// ops/activation.hpp — relu, leaky_relu, elu, softmax and log_softmax (tanh, sigmoid and
// softplus live in ops/elementwise.hpp). Contract: torch.nn.functional semantics; every
// backward is written with recorded ops, so all of them differentiate twice.
#pragma once
#include "reduce.hpp"

namespace ganlib {

// relu'(x) = step(x): a constant mask, so the backward g·mask is linear in g and its own
// derivative w.r.t. x is zero almost everywhere (as in PyTorch).
template <class T, class B>
Tensor<T, B> relu(const Tensor<T, B>& x) {
  return record(map_unary(Unary::relu, x), "relu", {x}, [x](const Tensor<T, B>& g) {
    return Grads<T, B>{mul(g, map_unary(Unary::step, x))};
  }, {x});
}

template <class T, class B>
Tensor<T, B> leaky_relu(const Tensor<T, B>& x, T slope = T(0.01)) {
  return record(map_unary(Unary::leaky_relu, x, slope), "leaky_relu", {x},
                [x, slope](const Tensor<T, B>& g) {
                  return Grads<T, B>{mul(g, map_unary(Unary::step_slope, x, slope))};
                }, {x});
}

// elu'(x) = 1 for x > 0, α·eˣ otherwise. Its own derivative is elu'(x) − step(x) (0 for x > 0,
// α·eˣ below), so the derivative op is recorded with that backward: the family is closed.
template <class T, class B>
Tensor<T, B> elu_derivative(const Tensor<T, B>& x, T alpha) {
  return record(map_unary(Unary::elu_grad, x, alpha), "elu_derivative", {x},
                [x, alpha](const Tensor<T, B>& g) {
                  return Grads<T, B>{mul(g, sub(elu_derivative(x, alpha), map_unary(Unary::step, x)))};
                }, {x});
}

template <class T, class B>
Tensor<T, B> elu(const Tensor<T, B>& x, T alpha = T(1)) {
  return record(map_unary(Unary::elu, x, alpha), "elu", {x}, [x, alpha](const Tensor<T, B>& g) {
    return Grads<T, B>{mul(g, elu_derivative(x, alpha))};
  }, {x});
}

namespace detail {
// Unrecorded, numerically stable pieces: x − max(x) along dim (so exp never overflows).
template <class T, class B>
Tensor<T, B> shifted(const Tensor<T, B>& x, int d) {
  const auto m = reduce_raw(Reduce::max, x, {d}, "softmax");
  return map_binary(Binary::sub, x, m, "softmax");
}
}  // namespace detail

// softmax along dim: y = e^{x−m} / Σ e^{x−m}. Backward: y·(g − Σ g·y). During a plain backward
// the saved y is reused; when the backward is itself recorded, y is recomputed as a recorded op.
template <class T, class B>
Tensor<T, B> softmax(const Tensor<T, B>& x, int64_t dim) {
  const int d = wrap_dim(dim, x.shape().size(), "softmax");
  Tensor<T, B> y_saved;
  {
    const auto e = map_unary(Unary::exp, detail::shifted(x, d));
    y_saved = map_binary(Binary::div, e, detail::reduce_raw(Reduce::sum, e, {d}, "softmax"), "softmax");
  }
  return record(y_saved.detach(), "softmax", {x}, [x, y_saved, d](const Tensor<T, B>& g) {
    const Tensor<T, B> y = GradMode::enabled() ? softmax(x, d) : y_saved;
    return Grads<T, B>{mul(y, sub(g, sum(mul(g, y), {d}, true)))};
  }, {x, y_saved});
}

// log_softmax along dim: y = x − m − log Σ e^{x−m}. Backward: g − e^y · Σ g.
template <class T, class B>
Tensor<T, B> log_softmax(const Tensor<T, B>& x, int64_t dim) {
  const int d = wrap_dim(dim, x.shape().size(), "log_softmax");
  Tensor<T, B> y_saved;
  {
    const auto s = detail::shifted(x, d);
    const auto lse = map_unary(Unary::log, detail::reduce_raw(Reduce::sum, map_unary(Unary::exp, s), {d},
                                                             "log_softmax"));
    y_saved = map_binary(Binary::sub, s, lse, "log_softmax");
  }
  return record(y_saved.detach(), "log_softmax", {x}, [x, y_saved, d](const Tensor<T, B>& g) {
    const Tensor<T, B> y = GradMode::enabled() ? log_softmax(x, d) : y_saved;
    return Grads<T, B>{sub(g, mul(exp(y), sum(g, {d}, true)))};
  }, {x, y_saved});
}

}  // namespace ganlib
