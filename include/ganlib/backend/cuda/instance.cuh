// backend/cuda/instance.cuh — index-driven kernels on the device: embedding gather / scatter-add,
// instance-wise average pooling and the 4-neighbour boundary map.
// Contract: the CPU signatures (backend/cpu/instance.hpp); ids stored as T, already checked by
// the op. Deterministic, no atomics: the embedding scatter-add gives each thread one column and
// walks the ids in order (the CPU's order: bitwise the CPU's result; meant for GAN-sized batches
// of ids). instance_avg_pool reads the instance map back to the host to number each image's
// instances (sorted distinct ids, as the CPU) and group its pixels; the per-instance sums then
// run on the device in double, one block per (image, channel, instance) with a fixed tree order.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

template <class T>
__global__ void embedding_gather_kernel(const T* ids, int64_t D, const T* weight, T* out, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t row = i / D, d = i - row * D;
    out[i] = weight[int64_t(ids[row]) * D + d];
  }
}

template <class T>
__global__ void embedding_scatter_kernel(const T* ids, int64_t n, const T* g, int64_t D, T* gw) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t d = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; d < D; d += step)
    for (int64_t i = 0; i < n; ++i) gw[int64_t(ids[i]) * D + d] += g[i * D + d];
}

inline constexpr int kInstThreads = 128;

// Block b = (segment s, channel c) with s = (image n, instance k): mean of x[n, c, q] over the
// pixels q of segment s (pix[seg_begin[s] .. seg_begin[s+1]), plane positions).
template <class T>
__global__ void instance_mean_kernel(const T* x, const int32_t* pix, const int64_t* seg_begin,
                                     const int64_t* seg_image, int64_t C, int64_t HW, double* means) {
  __shared__ double sh[kInstThreads];
  const int64_t s = blockIdx.x, c = blockIdx.y;
  const int64_t b = seg_begin[s], e = seg_begin[s + 1];
  const T* plane = x + (seg_image[s] * C + c) * HW;
  double acc = 0;
  for (int64_t q = b + threadIdx.x; q < e; q += blockDim.x) acc += double(plane[pix[q]]);
  sh[threadIdx.x] = acc;
  __syncthreads();
  for (int w = kInstThreads / 2; w > 0; w >>= 1) {
    if (int(threadIdx.x) < w) sh[threadIdx.x] += sh[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) means[s * C + c] = sh[0] / double(e - b);
}

// y[n, c, p] = means[seg(n, p), c] with seg = the pixel's segment (global instance number).
template <class T>
__global__ void instance_spread_kernel(const double* means, const int32_t* seg_of, int64_t C, int64_t HW, T* y,
                                       int64_t total) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += step) {
    const int64_t p = i % HW, n = i / (C * HW), c = (i / HW) % C;
    y[i] = T(means[int64_t(seg_of[n * HW + p]) * C + c]);
  }
}

template <class T>
__global__ void boundary_kernel(const T* t, int64_t H, int64_t W, T* e, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t w = i % W, h = (i / W) % H;
    const T v = t[i];
    const bool edge = (w > 0 && t[i - 1] != v) || (w + 1 < W && t[i + 1] != v) || (h > 0 && t[i - W] != v) ||
                      (h + 1 < H && t[i + W] != v);
    e[i] = edge ? T(1) : T(0);
  }
}

template <class V>
struct InstScratch {
  V* data = nullptr;
  size_t bytes;
  explicit InstScratch(size_t count) : bytes(sizeof(V) * std::max<size_t>(count, 1)) {
    data = static_cast<V*>(cuda::allocate(bytes));
  }
  ~InstScratch() { cuda::deallocate(data, bytes); }
  InstScratch(const InstScratch&) = delete;
  InstScratch& operator=(const InstScratch&) = delete;
};

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

// out[i, :] = weight[ids[i], :] for n ids, rows of D.
template <class T>
void embedding_gather(cuda, const T* ids, int64_t n, const T* weight, int64_t D, T* out) {
  const int64_t total = n * D;
  if (total == 0) return;
  cuda_detail::embedding_gather_kernel<T><<<cuda_detail::grid_for(total), cuda_detail::kThreads, 0,
                                            cuda_detail::stream()>>>(ids, D, weight, out, total);
  cuda_detail::check_launch("embedding_gather");
}

// gw (zeroed by the caller) [num, D] += g[i, :] at row ids[i]; one thread per column, ids in order.
template <class T>
void embedding_scatter_add(cuda, const T* ids, int64_t n, const T* g, int64_t D, T* gw) {
  if (n == 0 || D == 0) return;
  cuda_detail::embedding_scatter_kernel<T><<<cuda_detail::grid_for(D, 64), 64, 0, cuda_detail::stream()>>>(
      ids, n, g, D, gw);
  cuda_detail::check_launch("embedding_scatter_add");
}

// y[n, c, p] = mean of x[n, c, q] over the pixels q of image n whose id equals inst[n, p].
template <class T>
void instance_avg_pool(cuda, const T* x, const T* inst, int64_t N, int64_t C, int64_t HW, T* y) {
  using namespace cuda_detail;
  if (N * C * HW == 0) return;
  std::vector<T> ids_host(size_t(N * HW));
  cuda::copy_to_host(ids_host.data(), inst, ids_host.size() * sizeof(T));
  // Segments: (image, distinct id) in image order, ids ascending; pixels grouped per segment.
  std::vector<int32_t> seg_of(size_t(N * HW)), pix(size_t(N * HW));
  std::vector<int64_t> seg_begin{0}, seg_image;
  for (int64_t n = 0; n < N; ++n) {
    const T* ip = ids_host.data() + n * HW;
    std::vector<T> ids(ip, ip + HW);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const int64_t first = int64_t(seg_image.size()), K = int64_t(ids.size());
    std::vector<int64_t> count(size_t(K), 0);
    for (int64_t p = 0; p < HW; ++p) {
      const int64_t k = std::lower_bound(ids.begin(), ids.end(), ip[p]) - ids.begin();
      seg_of[size_t(n * HW + p)] = int32_t(first + k);
      ++count[size_t(k)];
    }
    std::vector<int64_t> cursor;  // next free slot of each segment in pix
    cursor.reserve(size_t(K));
    for (int64_t k = 0; k < K; ++k) {
      const int64_t start = seg_begin.back();
      cursor.push_back(start);
      seg_begin.push_back(start + count[size_t(k)]);
      seg_image.push_back(n);
    }
    for (int64_t p = 0; p < HW; ++p) {
      const size_t k = size_t(seg_of[size_t(n * HW + p)] - first);
      pix[size_t(cursor[k])] = int32_t(p);
      ++cursor[k];
    }
  }
  const int64_t S = int64_t(seg_image.size());
  GANLIB_CHECK(S <= int64_t(INT32_MAX) && C <= 65535, "instance_avg_pool (cuda): ", S, " instances over ", C,
               " channels exceed the kernel's grid");
  InstScratch<int32_t> d_seg_of(seg_of.size()), d_pix(pix.size());
  InstScratch<int64_t> d_begin(seg_begin.size()), d_image(seg_image.size());
  InstScratch<double> means(size_t(S * C));
  cuda::copy_from_host(d_seg_of.data, seg_of.data(), seg_of.size() * sizeof(int32_t));
  cuda::copy_from_host(d_pix.data, pix.data(), pix.size() * sizeof(int32_t));
  cuda::copy_from_host(d_begin.data, seg_begin.data(), seg_begin.size() * sizeof(int64_t));
  cuda::copy_from_host(d_image.data, seg_image.data(), seg_image.size() * sizeof(int64_t));
  instance_mean_kernel<T><<<dim3{unsigned(S), unsigned(C)}, kInstThreads, 0, stream()>>>(
      x, d_pix.data, d_begin.data, d_image.data, C, HW, means.data);
  check_launch("instance_avg_pool means");
  const int64_t total = N * C * HW;
  instance_spread_kernel<T><<<grid_for(total), kThreads, 0, stream()>>>(means.data, d_seg_of.data, C, HW, y, total);
  check_launch("instance_avg_pool spread");
}

// e = 1 where a 4-neighbour (same plane) has a different value, else 0; planes of H×W.
template <class T>
void boundary_map(cuda, const T* t, int64_t planes, int64_t H, int64_t W, T* e) {
  const int64_t n = planes * H * W;
  if (n == 0) return;
  cuda_detail::boundary_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0, cuda_detail::stream()>>>(
      t, H, W, e, n);
  cuda_detail::check_launch("boundary_map");
}

}  // namespace ganlib::kernels
