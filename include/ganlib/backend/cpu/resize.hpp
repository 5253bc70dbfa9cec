// backend/cpu/resize.hpp — 2-D padding (constant / reflect / replicate) and upsampling
// (nearest / bilinear) over NCHW planes, with their adjoints (scatter-adds).
// Contract: tensors are contiguous [N·C planes, H, W]; index arithmetic matches PyTorch's CPU
// kernels (F.pad, F.interpolate). Forwards split output rows over the pool; adjoints split
// planes, so no two threads add into the same element.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../geometry.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib {

namespace cpu_detail {
// Source index of padded position i (i may be outside [0, n)); -1 means "the constant".
inline int64_t pad_source(int64_t i, int64_t n, PadMode m) {
  if (i >= 0 && i < n) return i;
  switch (m) {
    case PadMode::reflect: return i < 0 ? -i : 2 * (n - 1) - i;
    case PadMode::replicate: return i < 0 ? 0 : n - 1;
    default: return -1;
  }
}

// F.interpolate(mode="nearest"): floor(dst · scale) in float, as PyTorch's nearest_idx.
inline int64_t nearest_source(int64_t o, int64_t in, int64_t out, double scale) {
  if (out == in) return o;
  if (out == 2 * in) return o >> 1;
  const float s = scale > 0 ? float(1.0 / scale) : float(in) / float(out);
  return std::min<int64_t>(int64_t(std::floor(float(o) * s)), in - 1);
}
inline std::vector<int64_t> nearest_table(int64_t in, int64_t out, double scale) {
  std::vector<int64_t> t(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) t[size_t(o)] = nearest_source(o, in, out, scale);
  return t;
}

// Two taps and their weights for linear interpolation along one axis (PyTorch's
// area_pixel_compute_source_index and compute_source_index_and_lambda).
template <class T>
struct LinearTap {
  int64_t i0, i1;
  T l0, l1;
};
template <class T>
std::vector<LinearTap<T>> linear_taps(int64_t in, int64_t out, bool align_corners, double scale) {
  const T ratio = align_corners ? (out > 1 ? T(in - 1) / T(out - 1) : T(0))
                                : (scale > 0 ? T(1.0 / scale) : T(in) / T(out));
  std::vector<LinearTap<T>> t(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const T src = align_corners ? ratio * T(o) : std::max(ratio * (T(o) + T(0.5)) - T(0.5), T(0));
    const int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
    const T l1 = src - T(i0);
    t[size_t(o)] = {i0, i0 + (i0 < in - 1 ? 1 : 0), T(1) - l1, l1};
  }
  return t;
}

inline int64_t resize_grain(int64_t work) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work)); }
}  // namespace cpu_detail

namespace kernels {

template <class T>
void pad2d(cpu, const PadGeom& g, const T* x, T* y, T value) {
  const int64_t Ho = g.Ho(), Wo = g.Wo();
  std::vector<int64_t> cols(static_cast<size_t>(Wo));  // source column of every output column
  for (int64_t o = 0; o < Wo; ++o) cols[size_t(o)] = cpu_detail::pad_source(o - g.left, g.W, g.mode);
  parallel_for(g.planes * Ho, cpu_detail::resize_grain(Wo), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = r / Ho, ih = cpu_detail::pad_source(r % Ho - g.top, g.H, g.mode);
      T* __restrict d = y + r * Wo;
      if (ih < 0) {
        std::fill(d, d + Wo, value);
        continue;
      }
      const T* __restrict s = x + (p * g.H + ih) * g.W;
      for (int64_t o = 0; o < g.left; ++o) d[o] = cols[size_t(o)] < 0 ? value : s[cols[size_t(o)]];
      std::copy(s, s + g.W, d + g.left);
      for (int64_t o = g.left + g.W; o < Wo; ++o) d[o] = cols[size_t(o)] < 0 ? value : s[cols[size_t(o)]];
    }
  });
}

// gx = pad2dᵀ(gy): each padded position's gradient added to the element it copied.
template <class T>
void pad2d_backward(cpu, const PadGeom& g, const T* gy, T* gx) {
  const int64_t Ho = g.Ho(), Wo = g.Wo();
  std::vector<int64_t> cols(static_cast<size_t>(Wo));
  for (int64_t o = 0; o < Wo; ++o) cols[size_t(o)] = cpu_detail::pad_source(o - g.left, g.W, g.mode);
  parallel_for(g.planes, cpu_detail::resize_grain(Ho * Wo), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = gx + p * g.H * g.W;
      std::fill(plane, plane + g.H * g.W, T(0));
      for (int64_t oh = 0; oh < Ho; ++oh) {
        const int64_t ih = cpu_detail::pad_source(oh - g.top, g.H, g.mode);
        if (ih < 0) continue;
        T* __restrict d = plane + ih * g.W;
        const T* __restrict s = gy + (p * Ho + oh) * Wo;
        for (int64_t o = 0; o < g.left; ++o)
          if (cols[size_t(o)] >= 0) d[cols[size_t(o)]] += s[o];
        for (int64_t i = 0; i < g.W; ++i) d[i] += s[g.left + i];
        for (int64_t o = g.left + g.W; o < Wo; ++o)
          if (cols[size_t(o)] >= 0) d[cols[size_t(o)]] += s[o];
      }
    }
  });
}

template <class T>
void upsample2d(cpu, const UpsampleGeom& g, const T* x, T* y) {
  const int64_t HW = g.H * g.W;
  if (g.mode == UpsampleMode::nearest) {
    const auto rows = cpu_detail::nearest_table(g.H, g.Ho, g.scale_h);
    const auto cols = cpu_detail::nearest_table(g.W, g.Wo, g.scale_w);
    parallel_for(g.planes() * g.Ho, cpu_detail::resize_grain(g.Wo), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* __restrict s = x + (r / g.Ho) * HW + rows[size_t(r % g.Ho)] * g.W;
        T* __restrict d = y + r * g.Wo;
        for (int64_t o = 0; o < g.Wo; ++o) d[o] = s[cols[size_t(o)]];
      }
    });
    return;
  }
  const auto rows = cpu_detail::linear_taps<T>(g.H, g.Ho, g.align_corners, g.scale_h);
  const auto cols = cpu_detail::linear_taps<T>(g.W, g.Wo, g.align_corners, g.scale_w);
  parallel_for(g.planes() * g.Ho, cpu_detail::resize_grain(4 * g.Wo), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const auto& th = rows[size_t(r % g.Ho)];
      const T* s0 = x + (r / g.Ho) * HW + th.i0 * g.W;
      const T* s1 = x + (r / g.Ho) * HW + th.i1 * g.W;
      T* __restrict d = y + r * g.Wo;
      for (int64_t o = 0; o < g.Wo; ++o) {
        const auto& tw = cols[size_t(o)];
        d[o] = th.l0 * (tw.l0 * s0[tw.i0] + tw.l1 * s0[tw.i1]) + th.l1 * (tw.l0 * s1[tw.i0] + tw.l1 * s1[tw.i1]);
      }
    }
  });
}

// gx = upsample2dᵀ(gy): every output's gradient added back to the input taps it read.
template <class T>
void upsample2d_backward(cpu, const UpsampleGeom& g, const T* gy, T* gx) {
  const int64_t HW = g.H * g.W, HWo = g.Ho * g.Wo;
  const bool nearest = g.mode == UpsampleMode::nearest;
  const auto nrows = nearest ? cpu_detail::nearest_table(g.H, g.Ho, g.scale_h) : std::vector<int64_t>();
  const auto ncols = nearest ? cpu_detail::nearest_table(g.W, g.Wo, g.scale_w) : std::vector<int64_t>();
  const auto rows = nearest ? std::vector<cpu_detail::LinearTap<T>>()
                            : cpu_detail::linear_taps<T>(g.H, g.Ho, g.align_corners, g.scale_h);
  const auto cols = nearest ? std::vector<cpu_detail::LinearTap<T>>()
                            : cpu_detail::linear_taps<T>(g.W, g.Wo, g.align_corners, g.scale_w);
  parallel_for(g.planes(), cpu_detail::resize_grain(4 * HWo), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = gx + p * HW;
      std::fill(plane, plane + HW, T(0));
      const T* go = gy + p * HWo;
      for (int64_t oh = 0; oh < g.Ho; ++oh) {
        const T* s = go + oh * g.Wo;
        if (nearest) {
          T* d = plane + nrows[size_t(oh)] * g.W;
          for (int64_t o = 0; o < g.Wo; ++o) d[ncols[size_t(o)]] += s[o];
          continue;
        }
        const auto& th = rows[size_t(oh)];
        T* d0 = plane + th.i0 * g.W;
        T* d1 = plane + th.i1 * g.W;
        for (int64_t o = 0; o < g.Wo; ++o) {
          const auto& tw = cols[size_t(o)];
          const T a = th.l0 * s[o], b = th.l1 * s[o];
          d0[tw.i0] += tw.l0 * a;
          d0[tw.i1] += tw.l1 * a;
          d1[tw.i0] += tw.l0 * b;
          d1[tw.i1] += tw.l1 * b;
        }
      }
    }
  });
}

}  // namespace kernels
}  // namespace ganlib
