// backend/cuda/allocator.hpp — a caching device allocator, with private pools for CUDA graphs.
// Contract: allocate(bytes) returns device memory (256-byte aligned, from cudaMalloc); a freed
// block goes to a free list keyed by its rounded size and is handed out again without calling
// cudaMalloc/cudaFree (which synchronise the device). Reuse is safe because all work runs on
// the one stream (context.hpp): a kernel queued later runs after the last user of the block.
// When cudaMalloc fails, the cache is returned to the driver and the call retried; if it still
// fails, the error says how many bytes were asked for and how many are free.
// Graph pools (graph.hpp): between begin_capture() and end_capture() every allocation comes from
// that capture's pool (its own free blocks, then the general cache's, then cudaMalloc) and every
// free goes into the pool. A replay writes to those blocks, so they stay out of the general cache,
// even when a tensor made during the capture is freed later, until release_pool() hands them back.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "context.hpp"

namespace ganlib::cuda_detail {

struct AllocatorStats {
  uint64_t device_mallocs = 0;    // cudaMalloc calls made (cache misses)
  uint64_t cache_hits = 0;        // allocations served from the cache (or a graph pool's free blocks)
  size_t in_use_bytes = 0;        // rounded bytes handed out and not yet freed
  size_t cached_bytes = 0;        // rounded bytes held in the general free lists
  size_t graph_reserved_bytes = 0;  // free blocks that live graph pools keep for their replays
};

using PoolId = uint64_t;  // 0: no pool (the general cache)

class CachingAllocator {
 public:
  void* allocate(size_t bytes) {
    const size_t size = round(bytes);
    bool in_capture = false;
    {
      std::lock_guard lock(mu_);
      in_capture = capture_ != 0;
      void* p = in_capture ? take_for_capture(size) : take(free_, size, stats_.cached_bytes);
      if (p) return p;
    }
    void* p = in_capture ? device_malloc_in_capture(bytes, size) : device_malloc(bytes, size);
    std::lock_guard lock(mu_);
    ++stats_.device_mallocs;
    stats_.in_use_bytes += size;
    if (in_capture) owner_[p] = capture_;
    return p;
  }

  void deallocate(void* p, size_t bytes) {
    if (!p) return;
    const size_t size = round(bytes);
    std::lock_guard lock(mu_);
    stats_.in_use_bytes -= size;
    PoolId pool = capture_;  // a block freed during a capture may have been read by it: the pool keeps it
    if (!owner_.empty()) {   // the eager path pays this one test while no graph lives
      auto it = owner_.find(p);
      if (it != owner_.end()) pool = it->second;
    }
    if (pool != 0) {
      owner_[p] = pool;
      pools_[pool][size].push_back(p);
      stats_.graph_reserved_bytes += size;
      return;
    }
    free_[size].push_back(p);
    stats_.cached_bytes += size;
  }

  // Gives every cached block back to the driver (after the queued work that may use them).
  // Graph pools keep theirs.
  void empty_cache() {
    std::lock_guard lock(mu_);
    if (stats_.cached_bytes == 0) return;
    forbid_in_capture("cuda::empty_cache (cudaFree)", "it synchronises the device");
    (void)cudaStreamSynchronize(stream());
    for (auto& [size, list] : free_)
      for (void* p : list) (void)cudaFree(p);
    free_.clear();
    stats_.cached_bytes = 0;
  }

  // ---- graph pools (graph.hpp) ----
  // Routes allocations and frees to a new pool until end_capture(); returns its id.
  PoolId begin_capture() {
    std::lock_guard lock(mu_);
    GANLIB_CHECK(capture_ == 0, "cuda allocator: a CUDA graph is already being captured (captures do not nest)");
    capture_ = next_pool_++;
    pools_[capture_];
    return capture_;
  }
  void end_capture() {
    std::lock_guard lock(mu_);
    capture_ = 0;
  }
  // The graph is gone: its free blocks join the general cache; blocks still held by tensors
  // become ordinary ones (the general cache gets them when they are freed).
  void release_pool(PoolId id) {
    std::lock_guard lock(mu_);
    auto it = pools_.find(id);
    if (it == pools_.end()) return;
    for (auto& [size, list] : it->second)
      for (void* p : list) {
        free_[size].push_back(p);
        stats_.cached_bytes += size;
        stats_.graph_reserved_bytes -= size;
      }
    pools_.erase(it);
    for (auto o = owner_.begin(); o != owner_.end();) o = o->second == id ? owner_.erase(o) : std::next(o);
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
  using FreeLists = std::map<size_t, std::vector<void*>>;
  static double mib(size_t b) { return double(b) / 1048576.0; }

  // A free block of `size` from `lists` (nullptr if none); `held` counts the lists' bytes. Locked.
  void* take(FreeLists& lists, size_t size, size_t& held) {
    auto it = lists.find(size);
    if (it == lists.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    held -= size;
    stats_.in_use_bytes += size;
    ++stats_.cache_hits;
    return p;
  }
  // During a capture: the pool's own free block, else a general one that the pool adopts. Locked.
  void* take_for_capture(size_t size) {
    if (void* p = take(pools_[capture_], size, stats_.graph_reserved_bytes)) return p;
    void* p = take(free_, size, stats_.cached_bytes);
    if (p) owner_[p] = capture_;
    return p;
  }

  void* device_malloc(size_t bytes, size_t size) {
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
    return p;
  }
  // cudaMalloc is not recorded by a capture (the block simply exists from now on) but counts as
  // "potentially unsafe" in the capturing thread's mode: that thread's mode is relaxed for this
  // one call. Without memory there is no retry: emptying the cache would synchronise.
  void* device_malloc_in_capture(size_t bytes, size_t size) {
    void* p = nullptr;
    cudaStreamCaptureMode mode = cudaStreamCaptureModeRelaxed;
    GANLIB_CUDA_CHECK(cudaThreadExchangeStreamCaptureMode(&mode));
    const cudaError_t e = cudaMalloc(&p, size);
    (void)cudaThreadExchangeStreamCaptureMode(&mode);
    if (e == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      const AllocatorStats s = stats();
      detail::fail("cuda: out of memory inside a CUDA graph capture: asked for ", bytes, " bytes (", mib(bytes),
                   " MiB); ganlib holds ", mib(s.in_use_bytes), " MiB in live tensors and ", mib(s.cached_bytes),
                   " MiB cached, which a capture cannot return to the driver (call cuda::empty_cache() "
                   "before capture)");
    }
    if (e != cudaSuccess) cuda_fail(e, "cudaMalloc (inside a CUDA graph capture)", __FILE__, __LINE__);
    return p;
  }

  std::mutex mu_;
  FreeLists free_;
  AllocatorStats stats_;
  PoolId capture_ = 0, next_pool_ = 1;            // the pool being captured into (0: none)
  std::map<PoolId, FreeLists> pools_;             // each live graph's free blocks
  std::unordered_map<void*, PoolId> owner_;       // every block that belongs to a live graph
};

// Never destroyed: tensors with static lifetime may be freed after main() returns.
inline CachingAllocator& allocator() {
  static auto* a = new CachingAllocator;
  return *a;
}

}  // namespace ganlib::cuda_detail
