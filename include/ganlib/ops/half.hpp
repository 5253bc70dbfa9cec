// ops/half.hpp — half-precision tensors: Tensor<fp16, B> and Tensor<bf16, B> (core/half.hpp).
// Contract: a half tensor holds its values in 16 bits (half of float's memory and bandwidth)
// and takes no part in autograd. to_half<H>(x) rounds a float tensor into a new contiguous one
// (nearest, ties to even; fp16 overflows to ±inf past 65504), cut from x's graph; to_float(h)
// widens exactly. The ops autocast runs in half precision take half tensors and return one:
// conv2d, conv_transpose2d, matmul (2-D and batched) and linear, with fp32 accumulation and the
// output rounded once; a bias is then added in fp32 and rounded again (as a half inference in
// PyTorch does, where the bias pass is separate). Half tensors are contiguous; every other op
// (views, elementwise, norms, reductions) takes float: to_float() first. Mixed-precision
// training keeps float tensors under amp::Autocast, with half operands inside conv and matmul.
#pragma once
#include <initializer_list>

#include "conv.hpp"
#include "linear.hpp"

namespace ganlib {
namespace detail {
template <class H, class B>
void check_half_operands(const char* op, std::initializer_list<const Tensor<H, B>*> operands) {
  for (const auto* t : operands)
    GANLIB_CHECK(!t->defined() || t->is_contiguous(), op, " (", to_string(precision_of<H>()),
                 "): half-precision operands must be contiguous; got shape ", to_string(t->shape()),
                 " with strides ", to_string(t->strides()));
}
}  // namespace detail

// x's values rounded to H (fp16 or bf16), in a new contiguous tensor with no gradient.
template <class H, class B>
  requires is_half_v<H>
Tensor<H, B> to_half(const Tensor<float, B>& x) {
  const auto xc = detail::contiguous_values(x);
  auto y = Tensor<H, B>::empty(x.shape());
  kernels::convert(B{}, static_cast<const float*>(xc.data()), y.data(), y.numel());
  return y;
}

// h's values as floats (exact), in a new contiguous tensor with no gradient.
template <class H, class B>
  requires is_half_v<H>
Tensor<float, B> to_float(const Tensor<H, B>& h) {
  detail::check_half_operands<H, B>("to_float", {&h});
  auto y = Tensor<float, B>::empty(h.shape());
  kernels::convert(B{}, static_cast<const H*>(h.data()), y.data(), y.numel());
  return y;
}

// conv2d on half tensors (the public conv2d in conv.hpp checks the shapes and calls this).
template <class H, class B>
  requires is_half_v<H>
Tensor<H, B> conv2d(const Tensor<H, B>& x, const Tensor<H, B>& w, const Tensor<H, B>& bias, const Conv2dGeom& g) {
  detail::check_half_operands<H, B>("conv2d", {&x, &w, &bias});
  auto y = Tensor<H, B>::empty(detail::conv_y_shape(g));
  kernels::conv2d_forward(B{}, g, static_cast<const H*>(x.data()), static_cast<const H*>(w.data()), y.data());
  if (bias.defined()) kernels::add_channel_bias(B{}, y.data(), static_cast<const H*>(bias.data()), g.N, g.K, g.hw_out());
  return y;
}

// conv_transpose2d on half tensors, as F.conv_transpose2d (arguments as conv.hpp's).
template <class H, class B>
  requires is_half_v<H>
Tensor<H, B> conv_transpose2d(const Tensor<H, B>& x, const Tensor<H, B>& w, const Tensor<H, B>& bias = {},
                              Int2 stride = 1, Int2 padding = 0, Int2 output_padding = 0,
                              int64_t groups = 1, Int2 dilation = 1) {
  const Conv2dGeom g =
      detail::conv_transpose2d_geom(x, w, bias, stride, padding, output_padding, groups, dilation);
  detail::check_half_operands<H, B>("conv_transpose2d", {&x, &w, &bias});
  auto y = Tensor<H, B>::empty(detail::conv_x_shape(g));
  kernels::conv2d_input_grad(B{}, g, static_cast<const H*>(x.data()), static_cast<const H*>(w.data()), y.data());
  if (bias.defined()) kernels::add_channel_bias(B{}, y.data(), static_cast<const H*>(bias.data()), g.N, g.C, g.hw_in());
  return y;
}

// a [M, K] · b [K, N], or batched a [n, M, K] · b [n, K, N], on half tensors.
template <class H, class B>
  requires is_half_v<H>
Tensor<H, B> matmul(const Tensor<H, B>& a, const Tensor<H, B>& b) {
  detail::check_matmul_shapes(a, b);
  detail::check_half_operands<H, B>("matmul", {&a, &b});
  const int r = a.dim();
  const int64_t M = a.shape()[r - 2], K = a.shape()[r - 1], N = b.shape()[r - 1];
  const int64_t batch = r == 3 ? a.shape()[0] : 1;
  auto out = Tensor<H, B>::empty(r == 3 ? Shape{batch, M, N} : Shape{M, N});
  for (int64_t i = 0; i < batch; ++i)
    kernels::gemm(B{}, false, false, M, N, K, static_cast<const H*>(a.data()) + i * M * K, K,
                  static_cast<const H*>(b.data()) + i * K * N, N, out.data() + i * M * N, N);
  return out;
}

// y = x·Wᵀ + b on half tensors: x [N, in], W [out, in], b [out] (optional).
template <class H, class B>
  requires is_half_v<H>
Tensor<H, B> linear(const Tensor<H, B>& x, const Tensor<H, B>& w, const Tensor<H, B>& bias = Tensor<H, B>()) {
  detail::check_linear_shapes(x, w, bias);
  detail::check_half_operands<H, B>("linear", {&x, &w, &bias});
  const int64_t n = x.shape()[0], in = x.shape()[1], out_f = w.shape()[0];
  auto y = Tensor<H, B>::empty({n, out_f});
  kernels::gemm(B{}, false, true, n, out_f, in, static_cast<const H*>(x.data()), in,
                static_cast<const H*>(w.data()), in, y.data(), out_f);
  if (bias.defined()) kernels::add_channel_bias(B{}, y.data(), static_cast<const H*>(bias.data()), n, out_f, 1);
  return y;
}

}  // namespace ganlib
