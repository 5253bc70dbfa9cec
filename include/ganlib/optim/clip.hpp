// optim/clip.hpp — gradient-norm clipping (torch.nn.utils.clip_grad_norm_, L2) and gradient
// accumulation over micro-batches.
// Contract: clip_grad_norm_ returns the total L2 norm over all gradients (before clipping) and
// scales every gradient by min(1, max_norm / (norm + 1e-6)). accumulate_gradients runs
// backward on loss_i / n for n micro-batches without zeroing, so the summed gradients equal
// those of the mean loss (one big batch when each loss is a mean over equal micro-batches).
#pragma once
#include <cmath>
#include <vector>

#include "../ops.hpp"

namespace ganlib::optim {

template <class T, class B>
double clip_grad_norm_(const std::vector<Tensor<T, B>>& params, double max_norm) {
  GANLIB_CHECK(max_norm > 0, "clip_grad_norm_: max_norm must be positive, got ", max_norm);
  no_grad guard;
  double total = 0;
  for (const auto& p : params) {
    const Tensor<T, B> g = p.grad();
    if (g.defined()) total += double(sum(square(g)).item());
  }
  total = std::sqrt(total);
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1)
    for (const auto& p : params) {
      Tensor<T, B> g = p.grad();
      if (g.defined()) mul_(g, T(coef));
    }
  return total;
}

// loss_fn(i) returns micro-batch i's loss (a scalar tensor); returns the mean loss value.
template <class LossFn>
double accumulate_gradients(int n, LossFn&& loss_fn) {
  GANLIB_CHECK(n > 0, "accumulate_gradients: need at least one micro-batch, got ", n);
  double total = 0;
  for (int i = 0; i < n; ++i) {
    auto loss = loss_fn(i);
    using TensorT = decltype(loss);
    total += double(loss.item());
    mul_scalar(loss, typename TensorT::value_type(1.0 / n)).backward();
  }
  return total / n;
}

}  // namespace ganlib::optim
