// backend/cpu/instance.hpp — index-driven kernels: embedding gather / scatter-add, instance-wise
// average pooling and the 4-neighbour boundary map of an instance map. Contract: contiguous
// inputs, ids stored as T and already range-checked by the op; sums are made in a fixed order.
#pragma once
#include <algorithm>
#include <cstring>
#include <vector>

#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels {

// out[i, :] = weight[ids[i], :] for n ids, rows of D.
template <class T>
void embedding_gather(cpu, const T* ids, int64_t n, const T* weight, int64_t D, T* out) {
  parallel_for(n, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, D)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      std::memcpy(out + i * D, weight + int64_t(ids[i]) * D, size_t(D) * sizeof(T));
  });
}

// gw (zeroed by the caller) [num, D] += g[i, :] at row ids[i]. Threads own column ranges, and
// each walks the ids in order, so repeated ids accumulate deterministically without races.
template <class T>
void embedding_scatter_add(cpu, const T* ids, int64_t n, const T* g, int64_t D, T* gw) {
  parallel_for(D, 64, [&](int64_t b, int64_t e) {
    for (int64_t i = 0; i < n; ++i) {
      T* __restrict dst = gw + int64_t(ids[i]) * D;
      const T* __restrict src = g + i * D;
      for (int64_t d = b; d < e; ++d) dst[d] += src[d];
    }
  });
}

// y[n, c, p] = mean of x[n, c, q] over the pixels q of image n whose id equals inst[n, p].
// x, y: [N, C, HW]; inst: [N, HW].
template <class T>
void instance_avg_pool(cpu, const T* x, const T* inst, int64_t N, int64_t C, int64_t HW, T* y) {
  std::vector<int32_t> idx(static_cast<size_t>(HW));
  for (int64_t n = 0; n < N; ++n) {
    const T* ip = inst + n * HW;
    std::vector<T> ids(ip, ip + HW);  // the distinct ids of this image, sorted
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const size_t K = ids.size();
    std::vector<double> count(K, 0.0);
    for (int64_t p = 0; p < HW; ++p) {
      idx[size_t(p)] = int32_t(std::lower_bound(ids.begin(), ids.end(), ip[p]) - ids.begin());
      count[size_t(idx[size_t(p)])] += 1;
    }
    parallel_for(C, 1, [&](int64_t cb, int64_t ce) {
      std::vector<double> acc(K);
      for (int64_t c = cb; c < ce; ++c) {
        const T* xp = x + (n * C + c) * HW;
        T* yp = y + (n * C + c) * HW;
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t p = 0; p < HW; ++p) acc[size_t(idx[size_t(p)])] += double(xp[p]);
        for (size_t k = 0; k < K; ++k) acc[k] /= count[k];
        for (int64_t p = 0; p < HW; ++p) yp[p] = T(acc[size_t(idx[size_t(p)])]);
      }
    });
  }
}

// e = 1 where a 4-neighbour (same plane) has a different value, else 0; planes of H×W.
template <class T>
void boundary_map(cpu, const T* t, int64_t planes, int64_t H, int64_t W, T* e) {
  parallel_for(planes * H, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, W)), [&](int64_t b, int64_t end) {
    for (int64_t r = b; r < end; ++r) {
      const int64_t h = r % H;
      const T* row = t + r * W;
      T* out = e + r * W;
      for (int64_t w = 0; w < W; ++w) {
        const T v = row[w];
        const bool edge = (w > 0 && row[w - 1] != v) || (w + 1 < W && row[w + 1] != v) ||
                          (h > 0 && row[w - W] != v) || (h + 1 < H && row[w + W] != v);
        out[w] = edge ? T(1) : T(0);
      }
    }
  });
}

}  // namespace ganlib::kernels
