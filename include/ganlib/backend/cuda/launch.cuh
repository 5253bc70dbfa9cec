// backend/cuda/launch.cuh — what the CUDA kernels share: strided index maps passed by value,
// and the launch geometry.
// Contract: StridedMap<N> carries the (coalesced) sizes and N operands' element strides of a
// View set, at most kMaxRank dims, so a kernel turns a linear index into N offsets without
// touching host memory. Dims that are 1 are dropped, and adjacent dims that are contiguous in
// every operand are merged: most elementwise work ends up rank 1 (the contiguous fast path).
#pragma once
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>

#include "../../core/view.hpp"
#include "context.hpp"

// `#pragma unroll` for functions that are also compiled for the host (where g++ would warn).
#if defined(__CUDA_ARCH__)
#define GANLIB_UNROLL _Pragma("unroll")
#else
#define GANLIB_UNROLL
#endif

namespace ganlib::cuda_detail {

template <int N>
struct StridedMap {
  int rank = 0;
  int64_t sizes[kMaxRank] = {};
  int64_t strides[N][kMaxRank] = {};

  // Offsets of linear index i (row-major over sizes) in each operand.
  template <class I>
  __host__ __device__ void offsets(I i, I (&off)[N]) const {
GANLIB_UNROLL
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const I size = I(sizes[d]);
      const I idx = i % size;
      i /= size;
GANLIB_UNROLL
      for (int k = 0; k < N; ++k) off[k] += idx * I(strides[k][d]);
    }
  }

  bool contiguous() const {
    if (rank == 0) return true;
    if (rank > 1) return false;
    for (int k = 0; k < N; ++k)
      if (strides[k][0] != 1) return false;
    return true;
  }

  // True when every offset fits in 32 bits (cheaper index arithmetic on the device).
  bool fits_int32(int64_t n) const {
    if (n >= INT_MAX) return false;
    for (int k = 0; k < N; ++k) {
      int64_t last = 0;
      for (int d = 0; d < rank; ++d) last += (sizes[d] - 1) * strides[k][d];
      if (last >= INT_MAX) return false;
    }
    return true;
  }
};

// Builds the map for `shape` and the operands' strides (each of shape's rank).
template <int N>
StridedMap<N> make_map(const Shape& shape, const std::array<const Strides*, N>& st) {
  StridedMap<N> m;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    // Merge into the previous kept dim when d continues it in every operand.
    bool merge = m.rank > 0;
    for (int k = 0; k < N && merge; ++k)
      merge = m.strides[k][m.rank - 1] == (*st[k])[d] * shape[d];
    if (merge) {
      m.sizes[m.rank - 1] *= shape[d];
      for (int k = 0; k < N; ++k) m.strides[k][m.rank - 1] = (*st[k])[d];
    } else {
      m.sizes[m.rank] = shape[d];
      for (int k = 0; k < N; ++k) m.strides[k][m.rank] = (*st[k])[d];
      ++m.rank;
    }
  }
  return m;
}

inline constexpr int kThreads = 256;

// Blocks for a grid-stride loop over `work` items: enough to fill every SM several times.
inline unsigned grid_for(int64_t work, int threads = kThreads) {
  const int64_t want = (work + threads - 1) / threads;
  const int64_t cap = int64_t(context().sm_count) * 16;
  return unsigned(std::max<int64_t>(1, std::min(want, cap)));
}

}  // namespace ganlib::cuda_detail
