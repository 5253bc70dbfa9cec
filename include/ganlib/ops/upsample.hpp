// ops/upsample.hpp — upsample2d: F.interpolate for NCHW in nearest or bilinear mode.
// Contract: given a scale, the output is floor(in·scale) and the coordinate map uses 1/scale
// (PyTorch's default, recompute_scale_factor off); given a size, it uses in/out. The backward
// is the adjoint (a scatter-add), recorded so that its own backward is upsample2d again.
#pragma once
#include <cmath>

#include "conv.hpp"

namespace ganlib {

// Scale factors (height, width); one number means both.
struct Scale2 {
  double h = 1, w = 1;
  constexpr Scale2(double v) : h(v), w(v) {}  // NOLINT: implicit, like PyTorch's float-or-tuple
  constexpr Scale2(double h_, double w_) : h(h_), w(w_) {}
};

namespace detail {
inline Shape up_in_shape(const UpsampleGeom& g) { return {g.N, g.C, g.H, g.W}; }
inline Shape up_out_shape(const UpsampleGeom& g) { return {g.N, g.C, g.Ho, g.Wo}; }
}  // namespace detail

template <class T, class B>
Tensor<T, B> upsample2d(const Tensor<T, B>& x, const UpsampleGeom& g);

// The adjoint of upsample2d: gy [N, C, Ho, Wo] -> gx [N, C, H, W].
template <class T, class B>
Tensor<T, B> upsample2d_backward(const Tensor<T, B>& gy, const UpsampleGeom& g) {
  auto gx = Tensor<T, B>::empty(detail::up_in_shape(g));
  {
    const auto gyc = detail::contiguous_values(gy);
    kernels::upsample2d_backward(B{}, g, gyc.data(), gx.data());
  }
  return record(gx, "upsample2d_backward", {gy}, [g](const Tensor<T, B>& h) {
    return Grads<T, B>{upsample2d(h, g)};
  });
}

// upsample2d with a checked geometry.
template <class T, class B>
Tensor<T, B> upsample2d(const Tensor<T, B>& x, const UpsampleGeom& g) {
  auto y = Tensor<T, B>::empty(detail::up_out_shape(g));
  {
    const auto xc = detail::contiguous_values(x);
    kernels::upsample2d(B{}, g, xc.data(), y.data());
  }
  return record(y, "upsample2d", {x}, [g](const Tensor<T, B>& gy) {
    return Grads<T, B>{upsample2d_backward(gy, g)};
  });
}

namespace detail {
template <class T, class B>
UpsampleGeom upsample_geom(const char* op, const Tensor<T, B>& x, UpsampleMode mode, bool align_corners) {
  GANLIB_CHECK(x.dim() == 4, op, ": input must be 4-D [N, C, H, W], got ", to_string(x.shape()));
  GANLIB_CHECK(!(align_corners && mode == UpsampleMode::nearest), op,
               ": align_corners only applies to bilinear mode, not nearest");
  GANLIB_CHECK(x.size(2) > 0 && x.size(3) > 0, op, ": input ", to_string(x.shape()), " is empty");
  UpsampleGeom g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.mode = mode, g.align_corners = align_corners;
  return g;
}
}  // namespace detail

// F.interpolate(x, scale_factor=scale, mode, align_corners): output floor(H·scale.h) ×
// floor(W·scale.w); e.g. pix2pixHD's upsample2d(x, 2.0) or a non-integer 1.5.
template <class T, class B>
Tensor<T, B> upsample2d(const Tensor<T, B>& x, Scale2 scale, UpsampleMode mode = UpsampleMode::nearest,
                        bool align_corners = false) {
  auto g = detail::upsample_geom("upsample2d", x, mode, align_corners);
  GANLIB_CHECK(scale.h > 0 && scale.w > 0 && std::isfinite(scale.h) && std::isfinite(scale.w),
               "upsample2d: scale factors (", scale.h, ", ", scale.w, ") must be positive and finite");
  g.Ho = int64_t(std::floor(double(g.H) * scale.h));
  g.Wo = int64_t(std::floor(double(g.W) * scale.w));
  GANLIB_CHECK(g.Ho > 0 && g.Wo > 0, "upsample2d: scale (", scale.h, ", ", scale.w, ") makes input ",
               to_string(x.shape()), " empty (", g.Ho, "x", g.Wo, ")");
  g.scale_h = scale.h, g.scale_w = scale.w;
  return upsample2d(x, g);
}

// F.interpolate(x, size=size, mode, align_corners): resample to exactly size.h × size.w.
template <class T, class B>
Tensor<T, B> upsample2d_to(const Tensor<T, B>& x, Int2 size, UpsampleMode mode = UpsampleMode::nearest,
                           bool align_corners = false) {
  auto g = detail::upsample_geom("upsample2d_to", x, mode, align_corners);
  GANLIB_CHECK(size.h > 0 && size.w > 0, "upsample2d_to: output size ", to_string(size), " must be positive");
  g.Ho = size.h, g.Wo = size.w;
  return upsample2d(x, g);
}

}  // namespace ganlib
