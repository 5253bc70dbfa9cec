// backend/cuda/update.cuh — fused optimizer updates on the device (see backend/cpu/update.hpp).
// Contract: contiguous arrays of n elements; the same arithmetic and order as the CPU kernel,
// without FMA contraction (__fmul_rn / __fadd_rn), so both backends give the same values.
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

template <class T>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, int64_t n, T b1, T c1, T b2, T c2, T k, T eps, T wd,
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

}  // namespace ganlib::kernels
