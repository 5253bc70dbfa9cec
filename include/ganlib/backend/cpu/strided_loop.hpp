// backend/cpu/strided_loop.hpp — the one loop every elementwise kernel runs on.
// Contract: for_each_strided(shape, {strides...}, fn) calls fn(offsets, n, inner_strides)
// for runs of n elements along the innermost dim, with offsets (in elements) of each operand.
// Dims that are contiguous across all operands are merged first, so the common case
// (every operand contiguous) is one run per thread that the compiler vectorises.
#pragma once
#include <array>
#include <cstdint>

#include "../../core/shape.hpp"
#include "thread_pool.hpp"

namespace ganlib::cpu_detail {

template <size_t K>
struct Collapsed {
  Shape shape;
  std::array<Strides, K> strides;
};

// Drops size-1 dims and merges dim i into i+1 where every operand allows it.
template <size_t K>
Collapsed<K> collapse(const Shape& shape, const std::array<const Strides*, K>& strides) {
  Collapsed<K> c;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !c.shape.empty();
    for (size_t k = 0; k < K && merge; ++k)
      merge = c.strides[k].back() == (*strides[k])[d] * shape[d];
    if (merge) {
      c.shape.back() *= shape[d];
      for (size_t k = 0; k < K; ++k) c.strides[k].back() = (*strides[k])[d];
    } else {
      c.shape.push_back(shape[d]);
      for (size_t k = 0; k < K; ++k) c.strides[k].push_back((*strides[k])[d]);
    }
  }
  if (c.shape.empty()) {
    c.shape.push_back(1);
    for (size_t k = 0; k < K; ++k) c.strides[k].push_back(0);
  }
  return c;
}

template <size_t K, class Fn>
void for_each_strided(const Shape& shape, const std::array<const Strides*, K>& strides, Fn&& fn,
                      int64_t grain = 32768) {
  if (numel(shape) == 0) return;  // an empty tensor: nothing to visit
  const auto c = collapse<K>(shape, strides);
  const int rank = int(c.shape.size());
  const int64_t inner = c.shape.back();
  std::array<int64_t, K> inner_strides;
  for (size_t k = 0; k < K; ++k) inner_strides[k] = c.strides[k].back();
  const int64_t outer = numel(c.shape) / inner;
  if (outer == 1) {
    // One long run: split it between threads.
    parallel_for(inner, grain, [&](int64_t b, int64_t e) {
      std::array<int64_t, K> off;
      for (size_t k = 0; k < K; ++k) off[k] = b * inner_strides[k];
      fn(off, e - b, inner_strides);
    });
    return;
  }
  parallel_for(outer, std::max<int64_t>(1, grain / inner), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      std::array<int64_t, K> off{};
      int64_t rem = o;
      for (int d = rank - 2; d >= 0; --d) {
        const int64_t i = rem % c.shape[d];
        rem /= c.shape[d];
        for (size_t k = 0; k < K; ++k) off[k] += i * c.strides[k][d];
      }
      fn(off, inner, inner_strides);
    }
  });
}

}  // namespace ganlib::cpu_detail
