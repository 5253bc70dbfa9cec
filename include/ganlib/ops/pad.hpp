// ops/pad.hpp — pad2d: F.pad on the last two dims with constant, reflect or replicate modes.
// Contract: padding is {left, right, top, bottom}, non-negative; reflect needs each pad smaller
// than its dim. The backward is the adjoint (a scatter-add), a recorded op whose own backward
// is pad2d again (with value 0), so padding differentiates twice.
#pragma once
#include <array>

#include "conv.hpp"

namespace ganlib {
namespace detail {
inline Shape pad_in_shape(const Shape& like, const PadGeom& g) {
  Shape s = like;
  s[s.size() - 2] = g.H, s[s.size() - 1] = g.W;
  return s;
}
inline Shape pad_out_shape(const Shape& like, const PadGeom& g) {
  Shape s = like;
  s[s.size() - 2] = g.Ho(), s[s.size() - 1] = g.Wo();
  return s;
}
inline const char* pad_mode_name(PadMode m) {
  return m == PadMode::reflect ? "reflect" : m == PadMode::replicate ? "replicate" : "constant";
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> pad2d(const Tensor<T, B>& x, const PadGeom& g, T value = T(0));

// The adjoint of pad2d: gy [..., Ho, Wo] -> gx [..., H, W].
template <class T, class B>
Tensor<T, B> pad2d_backward(const Tensor<T, B>& gy, const PadGeom& g) {
  auto gx = Tensor<T, B>::empty(detail::pad_in_shape(gy.shape(), g));
  {
    const auto gyc = detail::contiguous_values(gy);
    kernels::pad2d_backward(B{}, g, gyc.data(), gx.data());
  }
  return record(gx, "pad2d_backward", {gy}, [g](const Tensor<T, B>& h) {
    return Grads<T, B>{pad2d(h, g, T(0))};
  });
}

// pad2d with a checked geometry.
template <class T, class B>
Tensor<T, B> pad2d(const Tensor<T, B>& x, const PadGeom& g, T value) {
  auto y = Tensor<T, B>::empty(detail::pad_out_shape(x.shape(), g));
  {
    const auto xc = detail::contiguous_values(x);
    kernels::pad2d(B{}, g, xc.data(), y.data(), value);
  }
  return record(y, "pad2d", {x}, [g](const Tensor<T, B>& gy) {
    return Grads<T, B>{pad2d_backward(gy, g)};
  });
}

// F.pad(x, (left, right, top, bottom), mode, value) for x [N, C, H, W] or [C, H, W].
// pix2pixHD's generator starts with pad2d(x, {3, 3, 3, 3}, PadMode::reflect).
template <class T, class B>
Tensor<T, B> pad2d(const Tensor<T, B>& x, std::array<int64_t, 4> padding,
                   PadMode mode = PadMode::constant, T value = T(0)) {
  const auto [l, r, t, b] = padding;
  const char* name = detail::pad_mode_name(mode);
  GANLIB_CHECK(x.dim() == 3 || x.dim() == 4, "pad2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got ",
               to_string(x.shape()));
  GANLIB_CHECK(l >= 0 && r >= 0 && t >= 0 && b >= 0, "pad2d: padding (", l, ", ", r, ", ", t, ", ", b,
               ") must be non-negative");
  PadGeom g;
  g.H = x.size(-2), g.W = x.size(-1), g.planes = x.numel() / std::max<int64_t>(1, g.H * g.W);
  g.left = l, g.right = r, g.top = t, g.bottom = b, g.mode = mode;
  if (mode == PadMode::reflect)
    GANLIB_CHECK(l < g.W && r < g.W && t < g.H && b < g.H, "pad2d: reflect padding (", l, ", ", r, ", ",
                 t, ", ", b, ") must be smaller than the padded dims (H ", g.H, ", W ", g.W,
                 ") of input ", to_string(x.shape()));
  if (mode != PadMode::constant)
    GANLIB_CHECK(g.H > 0 && g.W > 0, "pad2d: ", name, " padding needs a non-empty input, got ",
                 to_string(x.shape()));
  return pad2d(x, g, mode == PadMode::constant ? value : T(0));
}

}  // namespace ganlib
