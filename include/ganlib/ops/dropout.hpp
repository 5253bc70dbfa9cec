// ops/dropout.hpp — inverted dropout with a Philox mask drawn from an explicit Generator.
// Contract: element i is kept when draw i of the generator's stream (from its current offset)
// exceeds p, so one seed gives one mask on every backend; kept values are scaled by 1/(1 − p)
// and the backward multiplies by the same mask (it is a constant factor of a recorded mul).
#pragma once
#include "elementwise.hpp"

namespace ganlib {

// The scaled keep-mask dropout(x, p, true, gen) multiplies by: 1/(1 − p) or 0 per element.
template <class T, class B>
Tensor<T, B> dropout_mask(const Shape& shape, double p, Generator& gen) {
  GANLIB_CHECK(p >= 0 && p < 1, "dropout_mask: p ", p, " must be in [0, 1)");
  const auto u = rand<T, B>(shape, gen);  // uniform in [0, 1)
  return map_unary(Unary::mul_scalar, map_unary(Unary::step, map_unary(Unary::add_scalar, u, T(-p))),
                   T(1.0 / (1.0 - p)));
}

// Zeroes each element with probability p while training (identity otherwise), as F.dropout.
template <class T, class B>
Tensor<T, B> dropout(const Tensor<T, B>& x, double p, bool training, Generator& gen = default_generator()) {
  GANLIB_CHECK(p >= 0 && p <= 1, "dropout: probability ", p, " must be in [0, 1]");
  if (!training || p == 0) return x;
  if (p == 1) return mul(x, zeros_like(x));  // everything dropped; the gradient is 0 too
  return mul(x, dropout_mask<T, B>(x.shape(), p, gen));
}

}  // namespace ganlib
