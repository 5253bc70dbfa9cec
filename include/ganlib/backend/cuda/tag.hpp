// backend/cuda/tag.hpp — the `cuda` backend type and its memory primitives.
// Contract: like `cpu`, an empty type whose static members move bytes, through the caching
// device allocator and on the one stream. copy_to_host returns once the bytes are on the host;
// copy_from_host returns once the source may be reused; copy_within is queued. Kernels are free
// functions in ganlib::kernels taking `cuda` first (backend/cuda/kernels.hpp, nvcc only). The
// host copies fail with a clear error inside a CUDA graph capture (graph.hpp).
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
    cuda_detail::forbid_in_capture("copy_to_host (a device-to-host copy: item(), to_vector(), to<cpu>)",
                                   "the host would read values that a capture only records");
    GANLIB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, cuda_detail::stream()));
    cuda_detail::synchronize();
  }
  // From pageable memory the runtime stages the bytes before returning (the source may then be
  // freed); the device copy itself is ordered on the stream.
  static void copy_from_host(void* dst, const void* src, size_t bytes) {
    if (!bytes) return;
    cuda_detail::forbid_in_capture(
        "copy_from_host (a host-to-device copy: from_vector, to<cuda>, a kernel's host table)",
        "each replay would read the host buffer again, long after it is gone; copy new inputs into "
        "tensors made before the capture");
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
