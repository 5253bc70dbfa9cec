// backend/cuda/correlation.cuh — FlowNetC's correlation layer (cost volume) on the device, and
// its two adjoints.
// Contract: the CPU signatures and geometry (backend/cpu/correlation.hpp, CorrelationGeom):
// inputs NCHW contiguous, out [N, D², Ho, Wo], zero padding by `pad`, normalised by k²·C.
// Forward: one thread per output element, a dot product over the k×k patch and the channels
// (threads of a warp take neighbouring output columns, so their reads are coalesced).
// Backward: a gather per input element over the displacements and the outputs whose patch reads
// it (the CPU's covering_outputs); no atomics, deterministic.
#pragma once
#include <cstdint>

#include "../geometry.hpp"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

// Plain copy of the geometry for the device (CorrelationGeom's helpers are host functions).
struct CorrDims {
  int64_t N, C, H, W, pad, k, kr, max_disp, s1, s2, r, D, Ho, Wo;
};
inline CorrDims corr_dims(const CorrelationGeom& g) {
  return {g.N, g.C, g.H, g.W, g.pad, g.k, g.kr(), g.max_disp, g.stride1, g.stride2, g.r(), g.D(), g.Ho(), g.Wo()};
}

template <class T>
__global__ void corr_forward_kernel(CorrDims d, const T* f1, const T* f2, T* out, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  const int64_t plane = d.H * d.W;
  const T scale = T(1) / T(d.k * d.k * d.C);
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t ox = i % d.Wo, oy = (i / d.Wo) % d.Ho, q = (i / (d.Wo * d.Ho)) % (d.D * d.D);
    const int64_t b = i / (d.Wo * d.Ho * d.D * d.D);
    const int64_t dy = q / d.D - d.r, dx = q % d.D - d.r;
    // patch centre in unpadded coordinates of the first map, and the partner's offset
    const int64_t cy = oy * d.s1 + d.max_disp + d.kr - d.pad, cx = ox * d.s1 + d.max_disp + d.kr - d.pad;
    const int64_t oy2 = dy * d.s2, ox2 = dx * d.s2;
    T acc = T(0);
    for (int64_t j = -d.kr; j <= d.kr; ++j) {
      const int64_t y1 = cy + j, y2 = y1 + oy2;
      if (y1 < 0 || y1 >= d.H || y2 < 0 || y2 >= d.H) continue;
      for (int64_t t = -d.kr; t <= d.kr; ++t) {
        const int64_t x1 = cx + t, x2 = x1 + ox2;
        if (x1 < 0 || x1 >= d.W || x2 < 0 || x2 >= d.W) continue;
        const T* a = f1 + b * d.C * plane + y1 * d.W + x1;
        const T* c2 = f2 + b * d.C * plane + y2 * d.W + x2;
        for (int64_t c = 0; c < d.C; ++c) acc += a[c * plane] * c2[c * plane];
      }
    }
    out[i] = acc * scale;
  }
}

// Output indices o (along one axis) whose patch (centre o·s1 + max_disp + kr, radius kr) covers
// padded position pos; returns how many (at most k), written to o[].
__device__ inline int corr_covering(const CorrDims& d, int64_t pos, int64_t n_out, int64_t* o) {
  int cnt = 0;
  for (int64_t j = -d.kr; j <= d.kr; ++j) {
    const int64_t t = pos - j - d.max_disp - d.kr;
    if (t < 0 || t % d.s1 != 0 || t / d.s1 >= n_out) continue;
    o[cnt++] = t / d.s1;
  }
  return cnt;
}

// grad[b, c, y, x] for the first input (sign +1: its partner `other` is read displaced by +d) or
// the second (sign -1: the patch sits at the position displaced by −d).
template <class T, int MaxK>
__global__ void corr_backward_kernel(CorrDims d, const T* g, const T* other, T* grad, int sign, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  const int64_t plane = d.H * d.W, oplane = d.Ho * d.Wo;
  const T scale = T(1) / T(d.k * d.k * d.C);
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t x = i % d.W, y = (i / d.W) % d.H, c = (i / plane) % d.C, b = i / (plane * d.C);
    const int64_t Y = y + d.pad, X = x + d.pad;
    const T* gb = g + b * d.D * d.D * oplane;
    const T* ob = other + (b * d.C + c) * plane;
    T acc = T(0);
    int64_t oys[MaxK], oxs[MaxK];
    for (int64_t dy = -d.r; dy <= d.r; ++dy) {
      const int64_t py = y + sign * dy * d.s2;  // partner row, unpadded
      if (py < 0 || py >= d.H) continue;
      const int ny = corr_covering(d, sign > 0 ? Y : Y - dy * d.s2, d.Ho, oys);
      if (ny == 0) continue;
      for (int64_t dx = -d.r; dx <= d.r; ++dx) {
        const int64_t px = x + sign * dx * d.s2;
        if (px < 0 || px >= d.W) continue;
        const int nx = corr_covering(d, sign > 0 ? X : X - dx * d.s2, d.Wo, oxs);
        if (nx == 0) continue;
        const T* gd = gb + ((dy + d.r) * d.D + (dx + d.r)) * oplane;
        T w = T(0);
        for (int a = 0; a < ny; ++a)
          for (int e = 0; e < nx; ++e) w += gd[oys[a] * d.Wo + oxs[e]];
        acc += w * ob[py * d.W + px];
      }
    }
    grad[i] = acc * scale;
  }
}

template <class T>
void corr_backward(const CorrelationGeom& geo, const T* g, const T* other, T* grad, int sign, const char* name) {
  const CorrDims d = corr_dims(geo);
  const int64_t n = d.N * d.C * d.H * d.W;
  if (n == 0) return;
  GANLIB_CHECK(d.k <= 31, "correlation (cuda): kernel size ", d.k, " is larger than the kernel supports (31)");
  corr_backward_kernel<T, 31><<<grid_for(n), kThreads, 0, stream()>>>(d, g, other, grad, sign, n);
  check_launch(name);
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// out[n, (dy+r)·D + (dx+r), oy, ox] = Σ_{patch, c} f1(p)·f2(p + (dy, dx)·stride2) / (k²·C).
template <class T>
void correlation_forward(cuda, const CorrelationGeom& geo, const T* f1, const T* f2, T* out) {
  const cuda_detail::CorrDims d = cuda_detail::corr_dims(geo);
  const int64_t n = d.N * d.D * d.D * d.Ho * d.Wo;
  if (n == 0) return;
  cuda_detail::corr_forward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                        cuda_detail::stream()>>>(d, f1, f2, out, n);
  cuda_detail::check_launch("correlation_forward");
}

// Gradient w.r.t. the first input: linear in (g, f2).
template <class T>
void correlation_grad_first(cuda, const CorrelationGeom& geo, const T* g, const T* f2, T* gf1) {
  cuda_detail::corr_backward(geo, g, f2, gf1, +1, "correlation_grad_first");
}

// Gradient w.r.t. the second input: linear in (g, f1).
template <class T>
void correlation_grad_second(cuda, const CorrelationGeom& geo, const T* g, const T* f1, T* gf2) {
  cuda_detail::corr_backward(geo, g, f1, gf2, -1, "correlation_grad_second");
}

}  // namespace ganlib::kernels
