// backend/cpu/scratch.hpp — a kernel's temporary buffer, and the integer divisions the
// convolution index arithmetic needs.
// Contract: Scratch<T>(n) holds n uninitialised T (at least one) from the caching allocator
// (backend/cpu/allocator.hpp) for the life of one call; a training loop asks for the same sizes
// every step, so after the first step these come from the allocator's free lists, not malloc.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "tag.hpp"

namespace ganlib::cpu_detail {

template <class T>
struct Scratch {
  T* data = nullptr;
  size_t bytes = 0;
  explicit Scratch(int64_t n) : bytes(sizeof(T) * size_t(std::max<int64_t>(n, 1))) {
    data = static_cast<T*>(cpu::allocate(bytes));
  }
  ~Scratch() { cpu::deallocate(data, bytes); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// Division rounding toward −∞ / +∞ (C++'s rounds toward 0), for b > 0.
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

}  // namespace ganlib::cpu_detail
