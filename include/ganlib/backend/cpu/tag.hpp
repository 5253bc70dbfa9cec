// backend/cpu/tag.hpp — the `cpu` backend type and its memory primitives.
// Contract: `cpu` is an empty type whose static members move bytes; its kernels are free
// functions in ganlib::kernels taking a `cpu` first argument, one header per kernel family.
#pragma once
#include <cstddef>
#include <cstring>

#include "allocator.hpp"

namespace ganlib {

struct cpu {
  // Empty tensors may hold null pointers, which memcpy must not see even for 0 bytes.
  static constexpr const char* name = "cpu";
  static void* allocate(size_t bytes) { return cpu_detail::allocator().allocate(bytes); }
  static void deallocate(void* p, size_t bytes) { cpu_detail::allocator().deallocate(p, bytes); }
  static void copy_to_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
  static void copy_from_host(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
  static void copy_within(void* dst, const void* src, size_t bytes) { if (bytes) std::memcpy(dst, src, bytes); }
  // Bytes tensors and scratch hold now / at most since the last reset (allocator blocks).
  static size_t memory_allocated() { return cpu_detail::allocator().live_bytes(); }
  static size_t max_memory_allocated() { return cpu_detail::allocator().peak_live_bytes(); }
  static void reset_peak_memory_stats() { cpu_detail::allocator().reset_peak(); }
};

}  // namespace ganlib
