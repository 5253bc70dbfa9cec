// backend/cuda/tag.hpp — the `cuda` backend type and its memory primitives.
// Contract: like `cpu`, an empty type whose static members move bytes, through the caching
// device allocator and on the one stream. copy_to_host returns once the bytes are on the host;
// copy_from_host returns once the source may be reused; copy_within is queued. Kernels are free
// functions in ganlib::kernels taking `cuda` first (backend/cuda/kernels.hpp, nvcc only).
#pragma once
#include <cstddef>

#include "allocator.hpp"

namespace ganlib {

struct cuda {
  static constexpr const char* name = "cuda";
  static void* allocate(size_t bytes) { return cuda_detail::allocator().allocate(bytes); }
  static void deallocate(void* p, size_t bytes) { cuda_detail::allocator().deallocate(p, bytes); }
  static void copy_to_host(void* dst, const void* src, size_t bytes) {
    if (!bytes) return;
    GANLIB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, cuda_detail::stream()));
    cuda_detail::synchronize();
  }
  // From pageable memory the runtime stages the bytes before returning (the source may then be
  // freed); the device copy itself is ordered on the stream.
  static void copy_from_host(void* dst, const void* src, size_t bytes) {
    if (!bytes) return;
    GANLIB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, cuda_detail::stream()));
  }
  static void copy_within(void* dst, const void* src, size_t bytes) {
    if (!bytes) return;
    GANLIB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, cuda_detail::stream()));
  }
  // Waits for all queued work; returns the cached blocks to the driver.
  static void synchronize() { cuda_detail::synchronize(); }
  static void empty_cache() { cuda_detail::allocator().empty_cache(); }
};

}  // namespace ganlib
