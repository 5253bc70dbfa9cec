// backend/cuda/update.cuh — fused optimizer updates on the device (see backend/cpu/update.hpp).
// Contract: contiguous arrays of n elements; the same arithmetic and order as the CPU kernel,
// without FMA contraction (__fmul_rn / __fadd_rn), so both backends give the same values. The
// counted form reads the step count from device memory and increments it there: nothing depends
// on a host value that changes per step, so a CUDA graph that captured it counts at each replay.
#pragma once
#include <cstdint>

#include "../update.hpp"
#include "context.hpp"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

__device__ inline float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ inline float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ inline double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ inline double add_rn(double a, double b) { return __dadd_rn(a, b); }

// The grid-stride loop both kernels share; k = inv_sqrt_bc2, neg_step = −step_size.
template <class T>
__device__ void adam_elements(T* p, const T* g, T* m, T* v, int64_t n, T b1, T c1, T b2, T c2, T k, T eps, T wd,
                              bool decay, T neg_step) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const T pi = p[i];
    const T gi = decay ? add_rn(g[i], mul_rn(pi, wd)) : g[i];
    const T mi = add_rn(mul_rn(m[i], b1), mul_rn(c1, gi));
    const T vi = add_rn(mul_rn(v[i], b2), mul_rn(c2, mul_rn(gi, gi)));
    const T den = add_rn(mul_rn(sqrt(vi), k), eps);
    m[i] = mi;
    v[i] = vi;
    p[i] = add_rn(pi, mul_rn(neg_step, mi / den));
  }
}

template <class T>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, int64_t n, T b1, T c1, T b2, T c2, T k, T eps, T wd,
                            bool decay, T neg_step) {
  adam_elements(p, g, m, v, n, b1, c1, b2, c2, k, eps, wd, decay, neg_step);
}

// Step t = count[0] + 1: one thread per block computes its bias corrections (adam_step_at, the
// host's expressions in double) for the block. count is not written here: blocks that start
// later must still read the old value (adam_count_kernel runs next on the stream).
template <class T>
__global__ void adam_counted_kernel(const T* count, AdamHyper h, T* p, const T* g, T* m, T* v, int64_t n, T b1,
                                    T c1, T b2, T c2, T eps, T wd, bool decay) {
  __shared__ T k_and_step[2];
  if (threadIdx.x == 0) {
    const AdamStep s = adam_step_at(h, double(T(count[0] + T(1))));
    k_and_step[0] = T(s.inv_sqrt_bc2);
    k_and_step[1] = T(-s.step_size);
  }
  __syncthreads();
  adam_elements(p, g, m, v, n, b1, c1, b2, c2, k_and_step[0], eps, wd, decay, k_and_step[1]);
}

template <class T>
__global__ void adam_count_kernel(T* count) {
  count[0] = T(count[0] + T(1));
}

}  // namespace ganlib::cuda_detail

namespace ganlib::cuda_detail {
template <class T>
__global__ void unscale_kernel(T* g, int64_t n, T inv, T* found_inf) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  bool bad = false;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const T v = g[i] * inv;
    g[i] = v;
    bad |= !isfinite(v);
  }
  if (bad) *found_inf = T(1);  // every writer stores the same value
}
}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

template <class T>
void adam_update(cuda, const AdamStep& s, T* p, const T* g, T* m, T* v, int64_t n) {
  if (n <= 0) return;
  cuda_detail::adam_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0, cuda_detail::stream()>>>(
      p, g, m, v, n, T(s.beta1), T(1 - s.beta1), T(s.beta2), T(1 - s.beta2), T(s.inv_sqrt_bc2), T(s.eps),
      T(s.weight_decay), s.weight_decay != 0, T(-s.step_size));
  cuda_detail::check_launch("adam_update");
}

// The counted form (see backend/cpu/update.hpp): two launches, the update then the increment.
template <class T>
void adam_update(cuda, const AdamHyper& h, T* count, T* p, const T* g, T* m, T* v, int64_t n) {
  using namespace cuda_detail;
  if (n > 0) {
    adam_counted_kernel<T><<<grid_for(n), kThreads, 0, stream()>>>(
        count, h, p, g, m, v, n, T(h.beta1), T(1 - h.beta1), T(h.beta2), T(1 - h.beta2), T(h.eps),
        T(h.weight_decay), h.weight_decay != 0);
    check_launch("adam_update (counted)");
  }
  adam_count_kernel<T><<<1, 1, 0, stream()>>>(count);
  check_launch("adam_update (step count)");
}

// Whether ganlib's stream is being captured into a CUDA graph (graph.hpp).
inline bool in_graph_capture(cuda) { return cuda_detail::capturing(); }

// g *= inv, found_inf[0] = 1 if any result is inf or NaN: the CPU kernel's contract (cpu/update.hpp).
template <class T>
void unscale_grad(cuda, T* g, int64_t n, T inv, T* found_inf) {
  if (n == 0) return;
  cuda_detail::unscale_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0, cuda_detail::stream()>>>(
      g, n, inv, found_inf);
  cuda_detail::check_launch("unscale_grad");
}

}  // namespace ganlib::kernels
