// backend/cuda/grid_sample.cuh — bilinear grid sampling on the device and its gradients with
// respect to the image and to the grid.
// Contract: the CPU signatures and coordinate formulas (backend/cpu/grid_sample.hpp, PyTorch's).
// One thread per output pixel computes the four taps once and walks the channels. The grid
// gradient is a per-pixel sum over channels (deterministic). The image gradient is a scatter-add
// through arbitrary sample positions, done with atomics as PyTorch does: the order of the terms
// landing on one pixel may vary between runs, at the level of fp32 rounding.
#pragma once
#include <cstdint>

#include "../geometry.hpp"
#include "elementwise.cuh"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

// The CPU's source_index (PyTorch's grid_sampler_compute_source_index_set_grad).
template <class T>
__device__ inline T gs_source_index(T coord, int64_t size, GridPadding pad, bool align_corners, T& grad) {
  if (align_corners) {
    coord = (coord + T(1)) / T(2) * T(size - 1);
    grad = T(size - 1) / T(2);
  } else {
    coord = ((coord + T(1)) * T(size) - T(1)) / T(2);
    grad = T(size) / T(2);
  }
  if (pad == GridPadding::border) {
    if (!(coord > T(0))) {
      coord = T(0);
      grad = T(0);
    } else if (coord >= T(size - 1)) {
      coord = T(size - 1);
      grad = T(0);
    }
  } else if (!(coord > T(-100)) || !(coord < T(size + 100))) {
    coord = T(-100);
  }
  return coord;
}

template <class T>
struct GsTaps {
  int32_t off[4];  // nw, ne, sw, se (0 where out of bounds)
  T m[4];          // in-bounds masks
  T w[4];          // bilinear weights, mask folded in
  T tx, ty, dx, dy;
};

template <class T>
__device__ inline GsTaps<T> gs_taps(T gx, T gy, int64_t H, int64_t W, GridPadding pad, bool align_corners) {
  GsTaps<T> t;
  const T ix = gs_source_index(gx, W, pad, align_corners, t.dx);
  const T iy = gs_source_index(gy, H, pad, align_corners, t.dy);
  const T fx = floor(ix), fy = floor(iy);
  const int64_t x0 = int64_t(fx), y0 = int64_t(fy);
  t.tx = ix - fx;
  t.ty = iy - fy;
  const T bw[4] = {(T(1) - t.tx) * (T(1) - t.ty), t.tx * (T(1) - t.ty), (T(1) - t.tx) * t.ty, t.tx * t.ty};
#pragma unroll
  for (int k = 0; k < 4; ++k) {
    const int64_t xx = x0 + (k & 1), yy = y0 + (k >> 1);
    const bool in = xx >= 0 && xx < W && yy >= 0 && yy < H;
    t.off[k] = in ? int32_t(yy * W + xx) : 0;
    t.m[k] = in ? T(1) : T(0);
    t.w[k] = in ? bw[k] : T(0);
  }
  return t;
}

struct GsDims {
  int64_t N, C, H, W, Ho, Wo;
  GridPadding pad;
  bool align_corners;
};

template <class T>
__global__ void gs_forward_kernel(GsDims d, const T* x, const T* grid, T* out, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  const int64_t plane = d.H * d.W, oplane = d.Ho * d.Wo;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t b = i / oplane, o = i - b * oplane;  // image, output pixel
    const GsTaps<T> t = gs_taps(grid[2 * i], grid[2 * i + 1], d.H, d.W, d.pad, d.align_corners);
    for (int64_t c = 0; c < d.C; ++c) {
      const T* p = x + (b * d.C + c) * plane;
      out[(b * d.C + c) * oplane + o] =
          t.w[0] * p[t.off[0]] + t.w[1] * p[t.off[1]] + t.w[2] * p[t.off[2]] + t.w[3] * p[t.off[3]];
    }
  }
}

template <class T>
__global__ void gs_backward_kernel(GsDims d, const T* g, const T* x, const T* grid, T* gx, T* ggrid, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  const int64_t plane = d.H * d.W, oplane = d.Ho * d.Wo;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t b = i / oplane, o = i - b * oplane;
    const GsTaps<T> t = gs_taps(grid[2 * i], grid[2 * i + 1], d.H, d.W, d.pad, d.align_corners);
    T gix = T(0), giy = T(0);
    for (int64_t c = 0; c < d.C; ++c) {
      const T gv = g[(b * d.C + c) * oplane + o];
      if (gx) {
        T* dst = gx + (b * d.C + c) * plane;
#pragma unroll
        for (int k = 0; k < 4; ++k)
          if (t.m[k] != T(0)) atomicAdd(dst + t.off[k], t.w[k] * gv);
      }
      if (ggrid) {
        const T* p = x + (b * d.C + c) * plane;
        const T nw = t.m[0] * p[t.off[0]], ne = t.m[1] * p[t.off[1]];
        const T sw = t.m[2] * p[t.off[2]], se = t.m[3] * p[t.off[3]];
        gix += gv * ((ne - nw) * (T(1) - t.ty) + (se - sw) * t.ty);
        giy += gv * ((sw - nw) * (T(1) - t.tx) + (se - ne) * t.tx);
      }
    }
    if (ggrid) {
      ggrid[2 * i] = gix * t.dx;
      ggrid[2 * i + 1] = giy * t.dy;
    }
  }
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// out[n, c, h, w] = bilinear sample of x[n, c] at grid[n, h, w].
template <class T>
void grid_sample_forward(cuda, const T* x, const T* grid, T* out, int64_t N, int64_t C, int64_t H, int64_t W,
                         int64_t Ho, int64_t Wo, GridPadding pad, bool align_corners) {
  const int64_t n = N * Ho * Wo;
  if (n == 0 || C == 0) return;
  const cuda_detail::GsDims d{N, C, H, W, Ho, Wo, pad, align_corners};
  cuda_detail::gs_forward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                      cuda_detail::stream()>>>(d, x, grid, out, n);
  cuda_detail::check_launch("grid_sample_forward");
}

// gx (if not null): the adjoint of the sampling (atomics); ggrid (if not null): the derivative
// through the coordinates (x must then be given).
template <class T>
void grid_sample_backward(cuda, const T* g, const T* x, const T* grid, T* gx, T* ggrid, int64_t N, int64_t C,
                          int64_t H, int64_t W, int64_t Ho, int64_t Wo, GridPadding pad, bool align_corners) {
  if (gx && N * C * H * W > 0) fill(cuda{}, View<T>{gx, Shape{N * C * H * W}, Strides{1}}, T(0));
  const int64_t n = N * Ho * Wo;
  if (n == 0 || (!gx && !ggrid)) return;
  const cuda_detail::GsDims d{N, C, H, W, Ho, Wo, pad, align_corners};
  cuda_detail::gs_backward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                       cuda_detail::stream()>>>(d, g, x, grid, gx, ggrid, n);
  cuda_detail::check_launch("grid_sample_backward");
}

}  // namespace ganlib::kernels
