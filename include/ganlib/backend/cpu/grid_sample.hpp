// backend/cpu/grid_sample.hpp — bilinear grid sampling (torch.nn.functional.grid_sample) and its
// gradients with respect to the image and to the grid.
// Contract: x [N, C, H, W], grid [N, Ho, Wo, 2] (x then y, in [-1, 1]) and out [N, C, Ho, Wo] are
// contiguous. The coordinate formulas (unnormalisation, border clipping, out-of-bounds taps)
// are PyTorch's, so values and gradients agree with it to rounding.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../geometry.hpp"
#include "scratch.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib {

namespace cpu_detail {

// One grid coordinate in pixel units, and d(pixel)/d(grid): PyTorch's
// grid_sampler_compute_source_index_set_grad for bilinear, zeros/border padding.
template <class T>
inline T source_index(T coord, int64_t size, GridPadding pad, bool align_corners, T& grad) {
  if (align_corners) {
    coord = (coord + T(1)) / T(2) * T(size - 1);
    grad = T(size - 1) / T(2);
  } else {
    coord = ((coord + T(1)) * T(size) - T(1)) / T(2);
    grad = T(size) / T(2);
  }
  if (pad == GridPadding::border) {
    // Borders count as outside for the gradient (PyTorch's clip_coordinates_set_grad).
    if (!(coord > T(0))) {
      coord = T(0);  // also maps NaN to the first pixel
      grad = T(0);
    } else if (coord >= T(size - 1)) {
      coord = T(size - 1);
      grad = T(0);
    }
  } else if (!(coord > T(-100)) || !(coord < T(size + 100))) {
    coord = T(-100);  // far outside (and NaN/inf): samples zeros, as PyTorch's safe downgrade
  }
  return coord;
}

// The four taps of one sample: plane offsets (clamped to a valid pixel so reads are safe),
// in-bounds masks, bilinear weights (mask folded in), fractional parts and coordinate scales.
template <class T>
struct BilinearTaps {
  int32_t off[4];  // nw, ne, sw, se
  T m[4];
  T w[4];
  T tx, ty, dx, dy;
};

template <class T>
inline BilinearTaps<T> bilinear_taps(T gx, T gy, int64_t H, int64_t W, GridPadding pad,
                                     bool align_corners) {
  BilinearTaps<T> t;
  const T ix = source_index(gx, W, pad, align_corners, t.dx);
  const T iy = source_index(gy, H, pad, align_corners, t.dy);
  const T fx = std::floor(ix), fy = std::floor(iy);
  const int64_t x0 = int64_t(fx), y0 = int64_t(fy);
  t.tx = ix - fx;
  t.ty = iy - fy;
  const T bw[4] = {(T(1) - t.tx) * (T(1) - t.ty), t.tx * (T(1) - t.ty), (T(1) - t.tx) * t.ty,
                   t.tx * t.ty};
  for (int k = 0; k < 4; ++k) {
    const int64_t xx = x0 + (k & 1), yy = y0 + (k >> 1);
    const bool in = xx >= 0 && xx < W && yy >= 0 && yy < H;
    t.off[k] = in ? int32_t(yy * W + xx) : 0;
    t.m[k] = in ? T(1) : T(0);
    t.w[k] = in ? bw[k] : T(0);
  }
  return t;
}

}  // namespace cpu_detail

namespace kernels {

// out[n, c, h, w] = bilinear sample of x[n, c] at grid[n, h, w]. Parallel over N×Ho rows.
template <class T>
void grid_sample_forward(cpu, const T* x, const T* grid, T* out, int64_t N, int64_t C, int64_t H,
                         int64_t W, int64_t Ho, int64_t Wo, GridPadding pad, bool align_corners) {
  const int64_t plane = H * W, oplane = Ho * Wo;
  parallel_for(N * Ho, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C * Wo)),
               [&](int64_t b, int64_t e) {
    // Taps of one output row as structure-of-arrays: the channel loop then runs over w with
    // four gathers and no branches.
    std::vector<int32_t> off(size_t(4 * Wo));
    std::vector<T> wt(size_t(4 * Wo));
    for (int64_t row = b; row < e; ++row) {
      const int64_t n = row / Ho, h = row % Ho;
      const T* g = grid + (n * Ho + h) * Wo * 2;
      for (int64_t w = 0; w < Wo; ++w) {
        const auto t = cpu_detail::bilinear_taps(g[2 * w], g[2 * w + 1], H, W, pad, align_corners);
        for (int k = 0; k < 4; ++k) {
          off[size_t(k * Wo + w)] = t.off[k];
          wt[size_t(k * Wo + w)] = t.w[k];
        }
      }
      const int32_t *o0 = off.data(), *o1 = o0 + Wo, *o2 = o1 + Wo, *o3 = o2 + Wo;
      const T *w0 = wt.data(), *w1 = w0 + Wo, *w2 = w1 + Wo, *w3 = w2 + Wo;
      for (int64_t c = 0; c < C; ++c) {
        const T* p = x + (n * C + c) * plane;
        T* __restrict y = out + (n * C + c) * oplane + h * Wo;
        for (int64_t w = 0; w < Wo; ++w)
          y[w] = w0[w] * p[o0[w]] + w1[w] * p[o1[w]] + w2[w] * p[o2[w]] + w3[w] * p[o3[w]];
      }
    }
  });
}

// Gradients of grid_sample: gx (if not null) gets the adjoint of the sampling (scatter-add of
// g with the bilinear weights), ggrid (if not null) the derivative through the coordinates.
// gx is computed per (n, c) plane and ggrid per output row, so no two threads write the
// same element and the sums' order is fixed.
template <class T>
void grid_sample_backward(cpu, const T* g, const T* x, const T* grid, T* gx, T* ggrid, int64_t N,
                          int64_t C, int64_t H, int64_t W, int64_t Ho, int64_t Wo, GridPadding pad,
                          bool align_corners) {
  const int64_t plane = H * W, oplane = Ho * Wo;
  if (gx) {
    // Taps for every output pixel of the batch, shared by all channels of an image.
    cpu_detail::Scratch<int32_t> off(4 * N * oplane);
    cpu_detail::Scratch<T> wt(4 * N * oplane);
    parallel_for(N * oplane, 1024, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const auto t = cpu_detail::bilinear_taps(grid[2 * i], grid[2 * i + 1], H, W, pad,
                                                 align_corners);
        for (int k = 0; k < 4; ++k) {
          off.data[4 * i + k] = t.off[k];
          wt.data[4 * i + k] = t.w[k];
        }
      }
    });
    parallel_for(N * C, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, oplane)),
                 [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        const int64_t n = nc / C;
        T* __restrict dst = gx + nc * plane;
        std::fill(dst, dst + plane, T(0));
        const T* src = g + nc * oplane;
        const int32_t* o = off.data + 4 * n * oplane;
        const T* wk = wt.data + 4 * n * oplane;
        for (int64_t i = 0; i < oplane; ++i) {
          const T v = src[i];
          dst[o[4 * i]] += wk[4 * i] * v;  // masked taps have weight 0 at a valid offset
          dst[o[4 * i + 1]] += wk[4 * i + 1] * v;
          dst[o[4 * i + 2]] += wk[4 * i + 2] * v;
          dst[o[4 * i + 3]] += wk[4 * i + 3] * v;
        }
      }
    });
  }
  if (ggrid) {
    parallel_for(N * Ho, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, C * Wo)),
                 [&](int64_t b, int64_t e) {
      std::vector<cpu_detail::BilinearTaps<T>> taps(static_cast<size_t>(Wo));
      std::vector<T> gix(static_cast<size_t>(Wo)), giy(static_cast<size_t>(Wo));
      for (int64_t row = b; row < e; ++row) {
        const int64_t n = row / Ho, h = row % Ho;
        const T* gr = grid + (n * Ho + h) * Wo * 2;
        for (int64_t w = 0; w < Wo; ++w)
          taps[size_t(w)] = cpu_detail::bilinear_taps(gr[2 * w], gr[2 * w + 1], H, W, pad,
                                                      align_corners);
        std::fill(gix.begin(), gix.end(), T(0));
        std::fill(giy.begin(), giy.end(), T(0));
        for (int64_t c = 0; c < C; ++c) {
          const T* p = x + (n * C + c) * plane;
          const T* go = g + (n * C + c) * oplane + h * Wo;
          for (int64_t w = 0; w < Wo; ++w) {
            const auto& t = taps[size_t(w)];
            const T nw = t.m[0] * p[t.off[0]], ne = t.m[1] * p[t.off[1]];
            const T sw = t.m[2] * p[t.off[2]], se = t.m[3] * p[t.off[3]];
            const T gv = go[w];
            gix[size_t(w)] += gv * ((ne - nw) * (T(1) - t.ty) + (se - sw) * t.ty);
            giy[size_t(w)] += gv * ((sw - nw) * (T(1) - t.tx) + (se - ne) * t.tx);
          }
        }
        T* dst = ggrid + (n * Ho + h) * Wo * 2;
        for (int64_t w = 0; w < Wo; ++w) {
          dst[2 * w] = gix[size_t(w)] * taps[size_t(w)].dx;
          dst[2 * w + 1] = giy[size_t(w)] * taps[size_t(w)].dy;
        }
      }
    });
  }
}

}  // namespace kernels
}  // namespace ganlib
