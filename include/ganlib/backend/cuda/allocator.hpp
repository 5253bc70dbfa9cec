// backend/cuda/allocator.hpp — a caching device allocator.
// Contract: allocate(bytes) returns device memory (256-byte aligned, from cudaMalloc); a freed
// block goes to a free list keyed by its rounded size and is handed out again without calling
// cudaMalloc/cudaFree (which synchronise the device). Reuse is safe because all work runs on
// the one stream (context.hpp): a kernel queued later runs after the last user of the block.
// When cudaMalloc fails, the cache is returned to the driver and the call retried; if it still
// fails, the error says how many bytes were asked for and how many are free.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "context.hpp"

namespace ganlib::cuda_detail {

struct AllocatorStats {
  uint64_t device_mallocs = 0;  // cudaMalloc calls made (cache misses)
  uint64_t cache_hits = 0;      // allocations served from the cache
  size_t in_use_bytes = 0;      // rounded bytes handed out and not yet freed
  size_t cached_bytes = 0;      // rounded bytes held in the free lists
};

class CachingAllocator {
 public:
  void* allocate(size_t bytes) {
    const size_t size = round(bytes);
    {
      std::lock_guard lock(mu_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        stats_.cached_bytes -= size;
        stats_.in_use_bytes += size;
        ++stats_.cache_hits;
        return p;
      }
    }
    context();  // a clear error if there is no device, before cudaMalloc's own
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      empty_cache();
      e = cudaMalloc(&p, size);
    }
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      (void)cudaMemGetInfo(&free_b, &total_b);
      detail::fail("cuda: out of memory: asked for ", bytes, " bytes (", mib(bytes),
                   " MiB), but only ", free_b, " bytes (", mib(free_b), " MiB) of ", mib(total_b),
                   " MiB are free on device ", context().device, "; ganlib holds ",
                   mib(in_use_bytes()), " MiB in live tensors");
    }
    if (e != cudaSuccess) cuda_fail(e, "cudaMalloc", __FILE__, __LINE__);
    std::lock_guard lock(mu_);
    ++stats_.device_mallocs;
    stats_.in_use_bytes += size;
    return p;
  }

  void deallocate(void* p, size_t bytes) {
    if (!p) return;
    const size_t size = round(bytes);
    std::lock_guard lock(mu_);
    free_[size].push_back(p);
    stats_.cached_bytes += size;
    stats_.in_use_bytes -= size;
  }

  // Gives every cached block back to the driver (after the queued work that may use them).
  void empty_cache() {
    std::lock_guard lock(mu_);
    if (stats_.cached_bytes == 0) return;
    (void)cudaStreamSynchronize(stream());
    for (auto& [size, list] : free_)
      for (void* p : list) (void)cudaFree(p);
    free_.clear();
    stats_.cached_bytes = 0;
  }

  AllocatorStats stats() {
    std::lock_guard lock(mu_);
    return stats_;
  }
  size_t in_use_bytes() {
    std::lock_guard lock(mu_);
    return stats_.in_use_bytes;
  }

  // Blocks up to 1 MiB round to 512 bytes; larger ones to 1/8 of their power of two (at most
  // 12.5% waste, while nearby sizes share blocks).
  static size_t round(size_t bytes) {
    bytes = bytes ? bytes : 1;
    if (bytes <= (size_t(1) << 20)) return (bytes + 511) & ~size_t(511);
    size_t p = size_t(1) << 20;
    while (p < bytes) p <<= 1;
    const size_t step = p / 8;
    return (bytes + step - 1) / step * step;
  }

 private:
  static double mib(size_t b) { return double(b) / 1048576.0; }

  std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;
  AllocatorStats stats_;
};

// Never destroyed: tensors with static lifetime may be freed after main() returns.
inline CachingAllocator& allocator() {
  static auto* a = new CachingAllocator;
  return *a;
}

}  // namespace ganlib::cuda_detail
