// backend/cuda/random.cuh — uniform and normal fills from the Philox stream.
// Contract: the CPU signature (backend/cpu/elementwise.hpp): element i of the contiguous output
// is draw(seed, offset + i) from core/philox.hpp, the same function the CPU calls, so a seed
// gives the same tensor on both backends. The affine step is written with explicitly rounded
// double operations (no fused multiply-add), as the CPU's plain x86-64 build computes it, so
// uniform draws match bit for bit; normal draws go through the device's log/sin/cos, whose last
// double bit may differ from the host's libm, which a float result almost never shows.
#pragma once
#include <cstdint>

#include "../../core/philox.hpp"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

template <class T>
__global__ void random_fill_kernel(T* y, int64_t n, bool normal, double a, double b,
                                   uint64_t seed, uint64_t offset) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    if (normal) {
      y[i] = T(__dadd_rn(a, __dmul_rn(b, philox::normal(seed, offset, uint64_t(i)))));
    } else {
      const double u = __dsub_rn(1.0, philox::uniform(seed, offset, uint64_t(i)));
      y[i] = T(__dadd_rn(a, __dmul_rn(__dsub_rn(b, a), u)));
    }
  }
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// Element i of the contiguous output gets draw(i): uniform in [lo, hi) or normal(mean, std).
template <class T>
void random_fill(cuda, T* y, int64_t n, bool normal, double a, double b, uint64_t seed,
                 uint64_t offset) {
  if (n <= 0) return;
  cuda_detail::random_fill_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                       cuda_detail::stream()>>>(y, n, normal, a, b, seed, offset);
  cuda_detail::check_launch("random_fill");
}

}  // namespace ganlib::kernels
