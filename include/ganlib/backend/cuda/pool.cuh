// backend/cuda/pool.cuh — average and max pooling over NCHW planes on the device, and their
// adjoints.
// Contract: the CPU signatures and window arithmetic (backend/cpu/pool.hpp): clipped windows,
// count_include_pad, ceil_mode, dilation, first maximum wins, NaN propagates, argmax stored as
// the position in the plane. Hand kernels rather than cuDNN's pooling: cuDNN has no dilation,
// no argmax output and other tie/NaN rules. The average pool's adjoint gathers (each input sums
// the outputs whose window holds it; deterministic). pool_scatter_add gets no geometry, only
// indices, so it adds with atomics: the order of the (at most kh·kw) terms per element may
// vary between runs, at the level of fp32 rounding.
#pragma once
#include <cstdint>

#include "../geometry.hpp"
#include "elementwise.cuh"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

// Valid span [lo, hi) of an average window along one axis and its padded length (the CPU's
// avg_spans, per output).
struct Span {
  int64_t lo, hi, padded;
};
__host__ __device__ inline Span avg_span(int64_t o, int64_t in, int64_t k, int64_t s, int64_t p) {
  const int64_t start = o * s - p;
  const int64_t end = start + k < in + p ? start + k : in + p;
  return {start > 0 ? start : 0, end < in ? end : in, end - start};
}

__host__ __device__ inline int64_t avg_div(const PoolGeom& g, const Span& r, const Span& c) {
  return g.count_include_pad ? r.padded * c.padded : (r.hi - r.lo) * (c.hi - c.lo);
}

template <class T>
__global__ void avg_pool_kernel(PoolGeom g, const T* x, T* y, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, p = i / (g.Wo * g.Ho);
    const Span r = avg_span(oh, g.H, g.kh, g.sh, g.ph), c = avg_span(ow, g.W, g.kw, g.sw, g.pw);
    if (r.lo >= r.hi || c.lo >= c.hi) {
      y[i] = T(0);
      continue;
    }
    const T* plane = x + p * g.H * g.W;
    T acc = T(0);
    for (int64_t ih = r.lo; ih < r.hi; ++ih)
      for (int64_t iw = c.lo; iw < c.hi; ++iw) acc += plane[ih * g.W + iw];
    y[i] = acc / T(avg_div(g, r, c));
  }
}

// First output index o (along one axis) whose window start o·s − p can reach position i, and
// the last: o·s − p <= i < o·s − p + k.
__device__ inline void covering(int64_t i, int64_t out, int64_t k, int64_t s, int64_t p, int64_t& lo,
                                int64_t& hi) {
  const int64_t a = i + p - k + 1;  // o·s >= a
  lo = a <= 0 ? 0 : (a + s - 1) / s;
  hi = (i + p) / s + 1;  // o·s <= i + p
  if (hi > out) hi = out;
}

template <class T>
__global__ void avg_pool_backward_kernel(PoolGeom g, const T* gy, T* gx, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t iw = i % g.W, ih = (i / g.W) % g.H, p = i / (g.W * g.H);
    int64_t oh0, oh1, ow0, ow1;
    covering(ih, g.Ho, g.kh, g.sh, g.ph, oh0, oh1);
    covering(iw, g.Wo, g.kw, g.sw, g.pw, ow0, ow1);
    const T* go = gy + p * g.Ho * g.Wo;
    T acc = T(0);
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const Span r = avg_span(oh, g.H, g.kh, g.sh, g.ph);
      if (ih < r.lo || ih >= r.hi) continue;
      for (int64_t ow = ow0; ow < ow1; ++ow) {
        const Span c = avg_span(ow, g.W, g.kw, g.sw, g.pw);
        if (iw < c.lo || iw >= c.hi) continue;
        acc += go[oh * g.Wo + ow] / T(avg_div(g, r, c));
      }
    }
    gx[i] = acc;
  }
}

template <class T>
__global__ void max_pool_kernel(PoolGeom g, const T* x, T* y, int32_t* idx, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, p = i / (g.Wo * g.Ho);
    const T* plane = x + p * g.H * g.W;
    int64_t hs = oh * g.sh - g.ph;
    const int64_t he = hs + (g.kh - 1) * g.dh + 1 < g.H ? hs + (g.kh - 1) * g.dh + 1 : g.H;
    while (hs < 0) hs += g.dh;
    int64_t ws = ow * g.sw - g.pw;
    const int64_t we = ws + (g.kw - 1) * g.dw + 1 < g.W ? ws + (g.kw - 1) * g.dw + 1 : g.W;
    while (ws < 0) ws += g.dw;
    int64_t best_i = hs * g.W + ws;
    T best = -INFINITY;
    for (int64_t ih = hs; ih < he; ih += g.dh)
      for (int64_t iw = ws; iw < we; iw += g.dw) {
        const T v = plane[ih * g.W + iw];
        if (v > best || v != v) {  // NaN wins, and then stays (nothing compares above it)
          best = v;
          best_i = ih * g.W + iw;
        }
      }
    y[i] = best;
    idx[i] = int32_t(best_i);
  }
}

template <class T>
__global__ void pool_scatter_kernel(int64_t in_hw, int64_t out_hw, const T* gy, const int32_t* idx, T* gx,
                                    int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < n; o += step)
    atomicAdd(gx + (o / out_hw) * in_hw + idx[o], gy[o]);
}

template <class T>
__global__ void pool_gather_kernel(int64_t in_hw, int64_t out_hw, const T* x, const int32_t* idx, T* y,
                                   int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < n; o += step)
    y[o] = x[(o / out_hw) * in_hw + idx[o]];
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

template <class T>
void avg_pool2d(cuda, const PoolGeom& g, const T* x, T* y) {
  const int64_t n = g.planes() * g.Ho * g.Wo;
  if (n == 0) return;
  cuda_detail::avg_pool_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                    cuda_detail::stream()>>>(g, x, y, n);
  cuda_detail::check_launch("avg_pool2d");
}

// gx = avg_pool2dᵀ(gy), gathered per input element (no atomics).
template <class T>
void avg_pool2d_backward(cuda, const PoolGeom& g, const T* gy, T* gx) {
  const int64_t n = g.planes() * g.H * g.W;
  if (n == 0) return;
  cuda_detail::avg_pool_backward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                             cuda_detail::stream()>>>(g, gy, gx, n);
  cuda_detail::check_launch("avg_pool2d_backward");
}

template <class T>
void max_pool2d(cuda, const PoolGeom& g, const T* x, T* y, int32_t* idx) {
  const int64_t n = g.planes() * g.Ho * g.Wo;
  if (n == 0) return;
  cuda_detail::max_pool_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                    cuda_detail::stream()>>>(g, x, y, idx, n);
  cuda_detail::check_launch("max_pool2d");
}

// gx[idx[o]] += gy[o] per plane (zeroed first; atomics, see the contract).
template <class T>
void pool_scatter_add(cuda, int64_t planes, int64_t in_hw, int64_t out_hw, const T* gy, const int32_t* idx,
                      T* gx) {
  if (planes * in_hw == 0) return;
  fill(cuda{}, View<T>{gx, Shape{planes * in_hw}, Strides{1}}, T(0));
  const int64_t n = planes * out_hw;
  if (n == 0) return;
  cuda_detail::pool_scatter_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                        cuda_detail::stream()>>>(in_hw, out_hw, gy, idx, gx, n);
  cuda_detail::check_launch("pool_scatter_add");
}

template <class T>
void pool_gather(cuda, int64_t planes, int64_t in_hw, int64_t out_hw, const T* x, const int32_t* idx, T* y) {
  const int64_t n = planes * out_hw;
  if (n == 0) return;
  cuda_detail::pool_gather_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                       cuda_detail::stream()>>>(in_hw, out_hw, x, idx, y, n);
  cuda_detail::check_launch("pool_gather");
}

}  // namespace ganlib::kernels
