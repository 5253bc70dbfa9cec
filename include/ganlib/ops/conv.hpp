// ops/conv.hpp — conv2d and conv_transpose2d (NCHW, as torch.nn.functional), lowered to GEMM.
// Contract: the three linear maps conv2d, conv2d_input_grad (= conv_transpose2d) and
// conv2d_weight_grad are each a recorded op whose backward is built from the other two, so the
// family is closed under differentiation: gradient penalties (R1) through conv nets work.
// Under autocast each runs in autocast's precision and its backward in the same one; conv2d and
// conv_transpose2d then keep their input for the weight gradient as half values only.
#pragma once
#include "autocast_policy.hpp"
#include "reduce.hpp"

namespace ganlib {

// A pair of spatial sizes (height, width); a single number means both, as in PyTorch.
struct Int2 {
  int64_t h = 0, w = 0;
  constexpr Int2() = default;
  constexpr Int2(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, like PyTorch's int-or-tuple
  constexpr Int2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
};
inline std::string to_string(Int2 v) { return "(" + std::to_string(v.h) + ", " + std::to_string(v.w) + ")"; }

namespace detail {
template <class T, class B>
Tensor<T, B> contiguous_values(const Tensor<T, B>& x) {
  return x.is_contiguous() ? x : copy_values(x);
}
inline Shape conv_x_shape(const Conv2dGeom& g) { return {g.N, g.C, g.H, g.W}; }
inline Shape conv_y_shape(const Conv2dGeom& g) { return {g.N, g.K, g.Ho, g.Wo}; }
inline Shape conv_w_shape(const Conv2dGeom& g) { return {g.K, g.C / g.groups, g.kh, g.kw}; }
}  // namespace detail

template <class T, class B>
Tensor<T, B> conv2d_input_grad(const Tensor<T, B>& gy, const Tensor<T, B>& w, const Conv2dGeom& g);
template <class T, class B>
Tensor<T, B> conv2d_weight_grad(const Tensor<T, B>& x, const Tensor<T, B>& gy, const Conv2dGeom& g);

// conv2d with an explicit geometry (the public conv2d below checks and builds it).
// Gradients: x ← input_grad(g, w), w ← weight_grad(x, g), bias ← Σ_{n,h,w} g.
template <class T, class B>
Tensor<T, B> conv2d(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias,
                    const Conv2dGeom& g) {
  const Precision prec = detail::op_precision<T>();
  auto y = Tensor<T, B>::empty(detail::conv_y_shape(g));
  {
    const auto xc = detail::contiguous_values(x), wc = detail::contiguous_values(w);
    const auto bc = bias.defined() ? detail::contiguous_values(bias) : Tensor<T, B>();
    detail::run_conv2d_forward<T, B>(prec, g, xc.data(), wc.data(), bc.defined() ? bc.data() : nullptr, y.data());
  }
  const bool gx = x.requires_grad(), gw = w.requires_grad();
  const bool gb = bias.defined() && bias.requires_grad();
  if (!GradMode::enabled() || !(gx || gw || gb)) return y;
  // Only the weight gradient reads x (in half precision under autocast).
  const auto xs = gw ? detail::SavedOperand<T, B>(x, prec) : detail::SavedOperand<T, B>();
  return record(y, "conv2d", {x, w, bias}, [xs, w, g, gx, gw, gb, prec](const Tensor<T, B>& gy) {
    const amp::Autocast same(prec);
    return Grads<T, B>{gx ? conv2d_input_grad(gy, w, g) : Tensor<T, B>(),
                       gw ? conv2d_weight_grad(xs.get(), gy, g) : Tensor<T, B>(),
                       gb ? sum(gy, {0, 2, 3}) : Tensor<T, B>()};
  }, {xs.versioned(), w});
}

// gx = conv2dᵀ(gy) for weight w: the gradient of conv2d w.r.t. its input, and the transposed
// convolution. Linear in gy and in w: gy ← conv2d(h, w), w ← weight_grad(h, gy).
template <class T, class B>
Tensor<T, B> conv2d_input_grad(const Tensor<T, B>& gy, const Tensor<T, B>& w, const Conv2dGeom& g) {
  const Precision prec = detail::op_precision<T>();
  auto gx = Tensor<T, B>::empty(detail::conv_x_shape(g));
  {
    const auto gyc = detail::contiguous_values(gy), wc = detail::contiguous_values(w);
    detail::run_conv2d_input_grad<T, B>(prec, g, gyc.data(), wc.data(), gx.data());
  }
  const bool ggy = gy.requires_grad(), gw = w.requires_grad();
  return record(gx, "conv2d_input_grad", {gy, w}, [gy, w, g, ggy, gw, prec](const Tensor<T, B>& h) {
    const amp::Autocast same(prec);
    return Grads<T, B>{ggy ? conv2d(h, w, Tensor<T, B>(), g) : Tensor<T, B>(),
                       gw ? conv2d_weight_grad(h, gy, g) : Tensor<T, B>()};
  }, {gy, w});
}

// gw = Σ_n gy ⋆ x: the gradient of conv2d w.r.t. its weight. Linear in x and in gy:
// x ← input_grad(gy, h), gy ← conv2d(x, h).
template <class T, class B>
Tensor<T, B> conv2d_weight_grad(const Tensor<T, B>& x, const Tensor<T, B>& gy, const Conv2dGeom& g) {
  const Precision prec = detail::op_precision<T>();
  auto gw = Tensor<T, B>::empty(detail::conv_w_shape(g));
  {
    const auto xc = detail::contiguous_values(x), gyc = detail::contiguous_values(gy);
    detail::run_conv2d_weight_grad<T, B>(prec, g, xc.data(), gyc.data(), gw.data());
  }
  const bool gx = x.requires_grad(), ggy = gy.requires_grad();
  return record(gw, "conv2d_weight_grad", {x, gy}, [x, gy, g, gx, ggy, prec](const Tensor<T, B>& h) {
    const amp::Autocast same(prec);
    return Grads<T, B>{gx ? conv2d_input_grad(gy, h, g) : Tensor<T, B>(),
                       ggy ? conv2d(x, h, Tensor<T, B>(), g) : Tensor<T, B>()};
  }, {x, gy});
}

namespace detail {
template <class T, class B>
void check_conv_common(const char* op, const Tensor<T, B>& x, const Tensor<T, B>& w, Int2 stride,
                       Int2 padding, Int2 dilation, int64_t groups) {
  GANLIB_CHECK(x.dim() == 4, op, ": input must be 4-D [N, C, H, W], got ", to_string(x.shape()));
  GANLIB_CHECK(w.dim() == 4, op, ": weight must be 4-D, got ", to_string(w.shape()));
  GANLIB_CHECK(groups >= 1, op, ": groups must be positive, got ", groups);
  GANLIB_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ", to_string(stride));
  GANLIB_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must be non-negative, got ",
               to_string(padding));
  GANLIB_CHECK(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ",
               to_string(dilation));
  GANLIB_CHECK(w.size(2) > 0 && w.size(3) > 0, op, ": weight ", to_string(w.shape()),
               " has an empty kernel");
}

// conv2d's geometry from its operands' shapes, each mismatch an error naming the shapes.
template <class T, class B>
Conv2dGeom conv2d_geom(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias,
                       Int2 stride, Int2 padding, Int2 dilation, int64_t groups) {
  check_conv_common("conv2d", x, w, stride, padding, dilation, groups);
  Conv2dGeom g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.K = w.size(0), g.kh = w.size(2), g.kw = w.size(3);
  g.sh = stride.h, g.sw = stride.w, g.ph = padding.h, g.pw = padding.w;
  g.dh = dilation.h, g.dw = dilation.w, g.groups = groups;
  GANLIB_CHECK(g.C % groups == 0, "conv2d: input ", to_string(x.shape()), " has ", g.C,
               " channels, which groups ", groups, " does not divide");
  GANLIB_CHECK(g.K % groups == 0, "conv2d: weight ", to_string(w.shape()), " has ", g.K,
               " output channels, which groups ", groups, " does not divide");
  GANLIB_CHECK(w.size(1) * groups == g.C, "conv2d: input ", to_string(x.shape()), " has ", g.C,
               " channels but weight ", to_string(w.shape()), " expects ", w.size(1) * groups,
               " (groups ", groups, ")");
  GANLIB_CHECK(!bias.defined() || bias.shape() == Shape{g.K}, "conv2d: bias ",
               to_string(bias.shape()), " does not match weight ", to_string(w.shape()),
               " (need [", g.K, "])");
  const int64_t ekh = g.dh * (g.kh - 1) + 1, ekw = g.dw * (g.kw - 1) + 1;
  GANLIB_CHECK(ekh <= g.H + 2 * g.ph && ekw <= g.W + 2 * g.pw, "conv2d: kernel ", g.kh, "x", g.kw,
               " (dilation ", to_string(dilation), ") is larger than the padded input ",
               g.H + 2 * g.ph, "x", g.W + 2 * g.pw, " (input ", to_string(x.shape()), ", padding ",
               to_string(padding), ")");
  g.Ho = (g.H + 2 * g.ph - ekh) / g.sh + 1;
  g.Wo = (g.W + 2 * g.pw - ekw) / g.sw + 1;
  return g;
}
}  // namespace detail

// y = conv2d(x [N, C, H, W], w [K, C/groups, kh, kw], bias [K]) as F.conv2d.
template <class T, class B>
Tensor<T, B> conv2d(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias = {},
                    Int2 stride = 1, Int2 padding = 0, Int2 dilation = 1, int64_t groups = 1) {
  return conv2d(x, w, bias, detail::conv2d_geom(x, w, bias, stride, padding, dilation, groups));
}

namespace detail {
// conv_transpose2d's geometry, as conv2d's view of it (conv2d's output is our input).
template <class T, class B>
Conv2dGeom conv_transpose2d_geom(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias,
                                 Int2 stride, Int2 padding, Int2 output_padding, int64_t groups,
                                 Int2 dilation) {
  check_conv_common("conv_transpose2d", x, w, stride, padding, dilation, groups);
  const int64_t cin = x.size(1);
  GANLIB_CHECK(w.size(0) == cin, "conv_transpose2d: input ", to_string(x.shape()), " has ", cin,
               " channels but weight ", to_string(w.shape()), " expects ", w.size(0),
               " (weight is [Cin, Cout/groups, kh, kw])");
  GANLIB_CHECK(cin % groups == 0, "conv_transpose2d: input ", to_string(x.shape()), " has ", cin,
               " channels, which groups ", groups, " does not divide");
  GANLIB_CHECK(output_padding.h >= 0 && output_padding.w >= 0 &&
                   (output_padding.h < stride.h || output_padding.h < dilation.h) &&
                   (output_padding.w < stride.w || output_padding.w < dilation.w),
               "conv_transpose2d: output_padding ", to_string(output_padding),
               " must be non-negative and smaller than stride ", to_string(stride),
               " or dilation ", to_string(dilation));
  Conv2dGeom g;  // conv2d's view: its output is our input
  g.N = x.size(0), g.K = cin, g.Ho = x.size(2), g.Wo = x.size(3);
  g.C = w.size(1) * groups, g.kh = w.size(2), g.kw = w.size(3);
  g.sh = stride.h, g.sw = stride.w, g.ph = padding.h, g.pw = padding.w;
  g.dh = dilation.h, g.dw = dilation.w, g.groups = groups;
  g.H = (g.Ho - 1) * g.sh - 2 * g.ph + g.dh * (g.kh - 1) + output_padding.h + 1;
  g.W = (g.Wo - 1) * g.sw - 2 * g.pw + g.dw * (g.kw - 1) + output_padding.w + 1;
  GANLIB_CHECK(g.H > 0 && g.W > 0, "conv_transpose2d: input ", to_string(x.shape()), " with weight ",
               to_string(w.shape()), ", stride ", to_string(stride), ", padding ", to_string(padding),
               " gives an empty output ", g.H, "x", g.W);
  GANLIB_CHECK(!bias.defined() || bias.shape() == Shape{g.C}, "conv_transpose2d: bias ",
               to_string(bias.shape()), " does not match weight ", to_string(w.shape()),
               " (need [", g.C, "])");
  return g;
}
}  // namespace detail

// y = conv_transpose2d(x [N, Cin, H, W], w [Cin, Cout/groups, kh, kw], bias [Cout]) as
// F.conv_transpose2d: conv2d's input gradient, plus a bias. Gradients: x ← conv2d(g, w),
// w ← weight_grad(g, x), bias ← Σ g.
template <class T, class B>
Tensor<T, B> conv_transpose2d(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias = {},
                              Int2 stride = 1, Int2 padding = 0, Int2 output_padding = 0,
                              int64_t groups = 1, Int2 dilation = 1) {
  const Conv2dGeom g =
      detail::conv_transpose2d_geom(x, w, bias, stride, padding, output_padding, groups, dilation);
  const Precision prec = detail::op_precision<T>();
  auto y = Tensor<T, B>::empty(detail::conv_x_shape(g));
  {
    const auto xc = detail::contiguous_values(x), wc = detail::contiguous_values(w);
    detail::run_conv2d_input_grad<T, B>(prec, g, xc.data(), wc.data(), y.data());
    if (bias.defined()) {
      const auto bc = detail::contiguous_values(bias);
      kernels::add_channel_bias(B{}, y.data(), bc.data(), g.N, g.C, g.hw_in());
    }
  }
  const bool gx = x.requires_grad(), gw = w.requires_grad();
  const bool gb = bias.defined() && bias.requires_grad();
  if (!GradMode::enabled() || !(gx || gw || gb)) return y;
  const auto xs = gw ? detail::SavedOperand<T, B>(x, prec) : detail::SavedOperand<T, B>();
  return record(y, "conv_transpose2d", {x, w, bias}, [xs, w, g, gx, gw, gb, prec](const Tensor<T, B>& h) {
    const amp::Autocast same(prec);
    return Grads<T, B>{gx ? conv2d(h, w, Tensor<T, B>(), g) : Tensor<T, B>(),
                       gw ? conv2d_weight_grad(h, xs.get(), g) : Tensor<T, B>(),
                       gb ? sum(h, {0, 2, 3}) : Tensor<T, B>()};
  }, {xs.versioned(), w});
}

}  // namespace ganlib
