// ops/correlation.hpp — FlowNetC's correlation layer (flownet2-pytorch's Correlation op): the
// cost volume of two feature maps over a grid of displacements.
// Contract: correlation is bilinear; its two gradients are recorded ops built from the same
// three kernels (correlation, grad_first, grad_second), so the family is closed under
// differentiation and second derivatives work.
#pragma once
#include "elementwise.hpp"

namespace ganlib {

namespace detail {
template <class T, class B>
Tensor<T, B> corr_dense(const Tensor<T, B>& x) {
  return x.is_contiguous() ? x : copy_values(x);
}
inline Shape corr_in_shape(const CorrelationGeom& g) { return {g.N, g.C, g.H, g.W}; }
inline Shape corr_out_shape(const CorrelationGeom& g) { return {g.N, g.channels_out(), g.Ho(), g.Wo()}; }
}  // namespace detail

template <class T, class B>
Tensor<T, B> correlation(const Tensor<T, B>& f1, const Tensor<T, B>& f2, const CorrelationGeom& g);
template <class T, class B>
Tensor<T, B> correlation_grad_first(const Tensor<T, B>& gy, const Tensor<T, B>& f2, const CorrelationGeom& g);
template <class T, class B>
Tensor<T, B> correlation_grad_second(const Tensor<T, B>& gy, const Tensor<T, B>& f1, const CorrelationGeom& g);

// The correlation with a checked geometry. Gradients: f1 <- grad_first(g, f2),
// f2 <- grad_second(g, f1).
template <class T, class B>
Tensor<T, B> correlation(const Tensor<T, B>& f1, const Tensor<T, B>& f2, const CorrelationGeom& g) {
  auto out = Tensor<T, B>::empty(detail::corr_out_shape(g));
  {
    const auto a = detail::corr_dense(f1), b = detail::corr_dense(f2);
    kernels::correlation_forward(B{}, g, a.data(), b.data(), out.data());
  }
  const bool g1 = f1.requires_grad(), g2 = f2.requires_grad();
  return record(out, "correlation", {f1, f2}, [f1, f2, g, g1, g2](const Tensor<T, B>& gy) {
    return Grads<T, B>{g1 ? correlation_grad_first(gy, f2, g) : Tensor<T, B>(),
                       g2 ? correlation_grad_second(gy, f1, g) : Tensor<T, B>()};
  }, {f1, f2});
}

// ∂<gy, corr(f1, f2)>/∂f1. Linear in gy and f2: <h, grad_first(gy, f2)> = <gy, corr(h, f2)>, so
// gy <- corr(h, f2) and f2 <- grad_second(gy, h).
template <class T, class B>
Tensor<T, B> correlation_grad_first(const Tensor<T, B>& gy, const Tensor<T, B>& f2, const CorrelationGeom& g) {
  GANLIB_CHECK(gy.shape() == detail::corr_out_shape(g) && f2.shape() == detail::corr_in_shape(g),
               "correlation_grad_first: gradient ", to_string(gy.shape()), " and input ",
               to_string(f2.shape()), " do not match the geometry (output ",
               to_string(detail::corr_out_shape(g)), ", input ", to_string(detail::corr_in_shape(g)), ")");
  auto out = Tensor<T, B>::empty(detail::corr_in_shape(g));
  {
    const auto a = detail::corr_dense(gy), b = detail::corr_dense(f2);
    kernels::correlation_grad_first(B{}, g, a.data(), b.data(), out.data());
  }
  const bool gg = gy.requires_grad(), g2 = f2.requires_grad();
  return record(out, "correlation_grad_first", {gy, f2}, [gy, f2, g, gg, g2](const Tensor<T, B>& h) {
    return Grads<T, B>{gg ? correlation(h, f2, g) : Tensor<T, B>(),
                       g2 ? correlation_grad_second(gy, h, g) : Tensor<T, B>()};
  }, {gy, f2});
}

// ∂<gy, corr(f1, f2)>/∂f2. Linear in gy and f1: gy <- corr(f1, h), f1 <- grad_first(gy, h).
template <class T, class B>
Tensor<T, B> correlation_grad_second(const Tensor<T, B>& gy, const Tensor<T, B>& f1, const CorrelationGeom& g) {
  GANLIB_CHECK(gy.shape() == detail::corr_out_shape(g) && f1.shape() == detail::corr_in_shape(g),
               "correlation_grad_second: gradient ", to_string(gy.shape()), " and input ",
               to_string(f1.shape()), " do not match the geometry (output ",
               to_string(detail::corr_out_shape(g)), ", input ", to_string(detail::corr_in_shape(g)), ")");
  auto out = Tensor<T, B>::empty(detail::corr_in_shape(g));
  {
    const auto a = detail::corr_dense(gy), b = detail::corr_dense(f1);
    kernels::correlation_grad_second(B{}, g, a.data(), b.data(), out.data());
  }
  const bool gg = gy.requires_grad(), g1 = f1.requires_grad();
  return record(out, "correlation_grad_second", {gy, f1}, [gy, f1, g, gg, g1](const Tensor<T, B>& h) {
    return Grads<T, B>{gg ? correlation(f1, h, g) : Tensor<T, B>(),
                       g1 ? correlation_grad_first(gy, h, g) : Tensor<T, B>()};
  }, {gy, f1});
}

// FlowNetC's cost volume of f1, f2 [N, C, H, W] (flownet2-pytorch's Correlation; FlowNetC uses
// pad 20, kernel 1, max_displacement 20, stride1 1, stride2 2). Output [N, (2r+1)², Ho, Wo] with
// r = max_displacement / stride2 (integer division, as the reference: max_displacement need not
// be a multiple of stride2), Ho = ceil((H + 2·pad − 2·(max_displacement + (k−1)/2)) / stride1),
// channel (dy + r)·(2r+1) + (dx + r). Each value is the mean over the k×k patch and the C
// channels of f1(p)·f2(p + (dy, dx)·stride2), i.e. the sum divided by k·k·C.
// For k = 1 this is exactly flownet2-pytorch's kernel. For k > 1 the patch centre is
// o·stride1 + max_displacement + (k−1)/2 in padded coordinates (Caffe FlowNet's layout, patch
// always inside the padded map); flownet2-pytorch centres it (k−1)/2 earlier and then reads
// outside its padded buffer, and its backward is only right for stride1 = 1 — we implement the
// exact adjoint. Only multiplicative correlation exists (corr_multiply must be 1).
template <class T, class B>
Tensor<T, B> correlation(const Tensor<T, B>& f1, const Tensor<T, B>& f2, int64_t pad_size,
                         int64_t kernel_size, int64_t max_displacement, int64_t stride1,
                         int64_t stride2, int64_t corr_multiply = 1) {
  GANLIB_CHECK(f1.dim() == 4 && f1.shape() == f2.shape(), "correlation: inputs ",
               to_string(f1.shape()), " and ", to_string(f2.shape()),
               " must both be [N, C, H, W] of the same shape");
  GANLIB_CHECK(pad_size >= 0 && max_displacement >= 0, "correlation: pad_size ", pad_size,
               " and max_displacement ", max_displacement, " must be >= 0");
  GANLIB_CHECK(kernel_size >= 1 && kernel_size % 2 == 1, "correlation: kernel_size ", kernel_size,
               " must be odd and >= 1 (the patch has a centre)");
  GANLIB_CHECK(stride1 >= 1 && stride2 >= 1, "correlation: stride1 ", stride1, " and stride2 ",
               stride2, " must be >= 1");
  GANLIB_CHECK(corr_multiply == 1, "correlation: corr_multiply ", corr_multiply,
               " is not supported; only the multiplicative correlation (1) is implemented, as in "
               "flownet2-pytorch");
  CorrelationGeom g;
  g.N = f1.shape()[0];
  g.C = f1.shape()[1];
  g.H = f1.shape()[2];
  g.W = f1.shape()[3];
  g.pad = pad_size;
  g.k = kernel_size;
  g.max_disp = max_displacement;
  g.stride1 = stride1;
  g.stride2 = stride2;
  GANLIB_CHECK(g.C > 0, "correlation: inputs ", to_string(f1.shape()), " have no channels");
  GANLIB_CHECK(g.Hp() > 2 * g.border() && g.Wp() > 2 * g.border(), "correlation: input ",
               to_string(f1.shape()), " padded by ", pad_size, " is ", g.Hp(), "x", g.Wp(),
               ", not larger than twice the border max_displacement + (kernel_size-1)/2 = ",
               g.border(), ": the output would be empty");
  return correlation(f1, f2, g);
}

}  // namespace ganlib
