// ops/loss.hpp — mse, l1, bce_with_logits, cross_entropy, and the GAN losses (hinge, LSGAN).
// Contract: torch.nn.functional semantics and reductions; every loss is composed from recorded
// ops, so gradients (and second derivatives) come from those ops' backwards.
#pragma once
#include <cmath>
#include <string>

#include "activation.hpp"

namespace ganlib {

enum class Reduction { none, mean, sum };

inline Reduction reduction_from_string(const std::string& s) {
  if (s == "mean") return Reduction::mean;
  if (s == "sum") return Reduction::sum;
  if (s == "none") return Reduction::none;
  detail::fail("loss: unknown reduction '", s, "' (expected mean, sum or none)");
}

namespace detail {
template <class T, class B>
Tensor<T, B> apply_reduction(const Tensor<T, B>& l, Reduction r) {
  if (r == Reduction::mean) return mean(l);
  if (r == Reduction::sum) return sum(l);
  return l;
}
template <class T, class B>
void check_same_shape(const Tensor<T, B>& a, const Tensor<T, B>& b, const char* op) {
  GANLIB_CHECK(a.shape() == b.shape(), op, ": input ", to_string(a.shape()), " and target ",
               to_string(b.shape()), " must have the same shape");
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> mse_loss(const Tensor<T, B>& input, const Tensor<T, B>& target, Reduction r = Reduction::mean) {
  detail::check_same_shape(input, target, "mse_loss");
  return detail::apply_reduction(square(sub(input, target)), r);
}

template <class T, class B>
Tensor<T, B> l1_loss(const Tensor<T, B>& input, const Tensor<T, B>& target, Reduction r = Reduction::mean) {
  detail::check_same_shape(input, target, "l1_loss");
  return detail::apply_reduction(abs(sub(input, target)), r);
}

// −[t·log σ(x) + (1 − t)·log(1 − σ(x))] = softplus(x) − x·t, which never takes log of 0.
// weight (optional) broadcasts against the elementwise loss.
template <class T, class B>
Tensor<T, B> bce_with_logits(const Tensor<T, B>& logits, const Tensor<T, B>& target,
                             const Tensor<T, B>& weight = Tensor<T, B>(), Reduction r = Reduction::mean) {
  detail::check_same_shape(logits, target, "bce_with_logits");
  auto l = sub(softplus(logits), mul(logits, target));
  if (weight.defined()) {
    GANLIB_CHECK(broadcast_shapes(l.shape(), weight.shape(), "bce_with_logits") == l.shape(),
                 "bce_with_logits: weight ", to_string(weight.shape()), " does not broadcast to ",
                 to_string(l.shape()));
    l = mul(l, weight);
  }
  return detail::apply_reduction(l, r);
}

// logits [N, C, ...], target [N, ...] holding class ids as floats. Entries equal to
// ignore_index add nothing and are not counted by the mean.
template <class T, class B>
Tensor<T, B> cross_entropy(const Tensor<T, B>& logits, const Tensor<T, B>& target, int64_t ignore_index = -100,
                           Reduction r = Reduction::mean) {
  GANLIB_CHECK(logits.dim() >= 2, "cross_entropy: logits ", to_string(logits.shape()),
               " need at least 2 dims [N, C, ...]");
  const int64_t C = logits.shape()[1];
  Shape want = logits.shape();
  want.erase(want.begin() + 1);
  GANLIB_CHECK(target.shape() == want, "cross_entropy: target ", to_string(target.shape()),
               " does not match logits ", to_string(logits.shape()), " (expected ", to_string(want), ")");
  const auto ids = target.to_vector();
  int64_t counted = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const T v = ids[i];
    GANLIB_CHECK(v == std::floor(v), "cross_entropy: target value ", v, " at index ", i, " is not an integer class id");
    if (int64_t(v) == ignore_index) continue;
    GANLIB_CHECK(v >= 0 && v < T(C), "cross_entropy: target id ", int64_t(v), " at index ", i,
                 " is out of range for ", C, " classes (valid 0..", C - 1, ", or ignore_index ",
                 ignore_index, ")");
    ++counted;
  }
  // A 0/1 mask picks log p[target] along dim 1; ignored entries (which may be valid ids) are
  // moved to −1 first, so they match no class.
  Shape cls_shape(size_t(logits.dim()), 1);
  cls_shape[1] = C;
  const auto classes = reshape(arange<T, B>(0, double(C)), cls_shape);
  const auto t = unsqueeze(target.detach(), 1);
  const auto ignored = map_binary(Binary::eq, t, scalar_tensor<T, B>(T(ignore_index)), "cross_entropy");
  const auto kept_ids = where(ignored, full_like(t, T(-1)), t);
  const auto mask = map_binary(Binary::eq, kept_ids, classes, "cross_entropy");
  const auto per = neg(sum(mul(log_softmax(logits, 1), mask), {1}));
  if (r == Reduction::none) return per;
  if (r == Reduction::sum) return sum(per);
  return mul_scalar(sum(per), T(1) / T(counted));  // counted = 0 gives NaN, as PyTorch
}

// BigGAN's hinge losses: D minimises E[relu(1 − D(real))] + E[relu(1 + D(fake))]; G minimises
// −E[D(fake)].
template <class T, class B>
Tensor<T, B> hinge_d(const Tensor<T, B>& real_logits, const Tensor<T, B>& fake_logits) {
  return add(mean(relu(rsub_scalar(real_logits, T(1)))), mean(relu(add_scalar(fake_logits, T(1)))));
}
template <class T, class B>
Tensor<T, B> hinge_g(const Tensor<T, B>& fake_logits) {
  return neg(mean(fake_logits));
}

// LSGAN (pix2pixHD's GANLoss with use_lsgan): mean squared distance to 1 (real) or 0 (fake).
template <class T, class B>
Tensor<T, B> lsgan_loss(const Tensor<T, B>& logits, bool target_is_real) {
  return mse_loss(logits, full_like(logits, target_is_real ? T(1) : T(0)));
}

}  // namespace ganlib
