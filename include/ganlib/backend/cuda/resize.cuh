// backend/cuda/resize.cuh — 2-D padding (constant / reflect / replicate) and upsampling
// (nearest / bilinear) over NCHW planes on the device, with their adjoints.
// Contract: the CPU signatures (backend/cpu/resize.hpp). The upsampling index and weight tables
// are built on the host by the CPU's own functions (cpu_detail::nearest_table, linear_taps) and
// copied to the device, so source indices and weights are bit-identical to the CPU's. Every
// adjoint is a gather (each input element sums the outputs that read it, found through the
// inverse of those tables or of the padding map): deterministic, no atomics.
#pragma once
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "../cpu/resize.hpp"
#include "../geometry.hpp"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

// Host vectors copied into one device block (freed when the scope ends, ordered on the stream).
struct DeviceTables {
  char* data = nullptr;
  size_t bytes = 0;
  std::vector<char> host;
  template <class V>
  size_t add(const std::vector<V>& v) {  // returns the byte offset of v in the block
    const size_t off = (host.size() + 15) & ~size_t(15);
    host.resize(off + v.size() * sizeof(V));
    if (!v.empty()) std::memcpy(host.data() + off, v.data(), v.size() * sizeof(V));
    return off;
  }
  void upload() {
    bytes = host.size() ? host.size() : 1;
    data = static_cast<char*>(cuda::allocate(bytes));
    if (!host.empty()) cuda::copy_from_host(data, host.data(), host.size());  // staged: host may go
  }
  template <class V>
  const V* at(size_t off) const { return reinterpret_cast<const V*>(data + off); }
  ~DeviceTables() {
    if (data) cuda::deallocate(data, bytes);
  }
};

// Source of padded position i along an axis of n (the CPU's pad_source); -1: the constant.
__host__ __device__ inline int64_t pad_src(int64_t i, int64_t n, PadMode m) {
  if (i >= 0 && i < n) return i;
  if (m == PadMode::reflect) return i < 0 ? -i : 2 * (n - 1) - i;
  if (m == PadMode::replicate) return i < 0 ? 0 : n - 1;
  return -1;
}

// The padded positions o (in [0, n + before + after)) whose source is i, as up to three
// ranges [lo, hi): the inverse of pad_src.
struct Ranges {
  int count = 0;
  int64_t lo[3], hi[3];
  __device__ void push(int64_t a, int64_t b) {
    lo[count] = a;
    hi[count] = b;
    ++count;
  }
};
__device__ inline Ranges pad_sources_of(int64_t i, int64_t n, int64_t before, int64_t after, PadMode m) {
  Ranges r;
  if (m == PadMode::replicate) {
    r.push(i == 0 ? 0 : i + before, i == n - 1 ? n + before + after : i + before + 1);
    return r;
  }
  r.push(i + before, i + before + 1);
  if (m == PadMode::reflect) {
    if (i > 0 && i <= before) r.push(before - i, before - i + 1);
    const int64_t o = before + 2 * (n - 1) - i;
    if (i < n - 1 && o < n + before + after) r.push(o, o + 1);
  }
  return r;
}

template <class T>
__global__ void pad_kernel(PadGeom g, const T* x, T* y, T value, int64_t n) {
  const int64_t Ho = g.H + g.top + g.bottom, Wo = g.W + g.left + g.right;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t ow = i % Wo, oh = (i / Wo) % Ho, p = i / (Wo * Ho);
    const int64_t ih = pad_src(oh - g.top, g.H, g.mode), iw = pad_src(ow - g.left, g.W, g.mode);
    y[i] = (ih < 0 || iw < 0) ? value : x[(p * g.H + ih) * g.W + iw];
  }
}

template <class T>
__global__ void pad_backward_kernel(PadGeom g, const T* gy, T* gx, int64_t n) {
  const int64_t Ho = g.H + g.top + g.bottom, Wo = g.W + g.left + g.right;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t iw = i % g.W, ih = (i / g.W) % g.H, p = i / (g.W * g.H);
    const Ranges rr = pad_sources_of(ih, g.H, g.top, g.bottom, g.mode);
    const Ranges rc = pad_sources_of(iw, g.W, g.left, g.right, g.mode);
    const T* go = gy + p * Ho * Wo;
    T acc = T(0);
    for (int a = 0; a < rr.count; ++a)
      for (int64_t oh = rr.lo[a]; oh < rr.hi[a]; ++oh)
        for (int b = 0; b < rc.count; ++b)
          for (int64_t ow = rc.lo[b]; ow < rc.hi[b]; ++ow) acc += go[oh * Wo + ow];
    gx[i] = acc;
  }
}

template <class T>
__global__ void upsample_nearest_kernel(UpsampleGeom g, const int64_t* rows, const int64_t* cols, const T* x,
                                        T* y, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, p = i / (g.Wo * g.Ho);
    y[i] = x[(p * g.H + rows[oh]) * g.W + cols[ow]];
  }
}

template <class T>
__global__ void upsample_bilinear_kernel(UpsampleGeom g, const cpu_detail::LinearTap<T>* rows,
                                         const cpu_detail::LinearTap<T>* cols, const T* x, T* y, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, p = i / (g.Wo * g.Ho);
    const cpu_detail::LinearTap<T> th = rows[oh], tw = cols[ow];
    const T* s0 = x + (p * g.H + th.i0) * g.W;
    const T* s1 = x + (p * g.H + th.i1) * g.W;
    y[i] = th.l0 * (tw.l0 * s0[tw.i0] + tw.l1 * s0[tw.i1]) + th.l1 * (tw.l0 * s1[tw.i0] + tw.l1 * s1[tw.i1]);
  }
}

// The transpose of a tap table, as compressed rows: for input index j, the outputs that read
// it are src[begin[j] .. begin[j+1]) with weights w[...] (a tap read twice appears twice).
template <class T>
struct Inverse {
  std::vector<int64_t> begin, src;
  std::vector<T> w;
};
template <class T>
Inverse<T> invert(int64_t in, const std::vector<cpu_detail::LinearTap<T>>& taps) {
  std::vector<std::vector<std::pair<int64_t, T>>> lists(static_cast<size_t>(in));
  for (size_t o = 0; o < taps.size(); ++o) {
    lists[size_t(taps[o].i0)].push_back({int64_t(o), taps[o].l0});
    lists[size_t(taps[o].i1)].push_back({int64_t(o), taps[o].l1});
  }
  Inverse<T> inv;
  inv.begin.push_back(0);
  for (const auto& l : lists) {
    for (const auto& [o, w] : l) {
      inv.src.push_back(o);
      inv.w.push_back(w);
    }
    inv.begin.push_back(int64_t(inv.src.size()));
  }
  return inv;
}
template <class T>
Inverse<T> invert(int64_t in, const std::vector<int64_t>& table) {
  std::vector<cpu_detail::LinearTap<T>> taps(table.size());
  for (size_t o = 0; o < table.size(); ++o) taps[o] = {table[o], table[o], T(1), T(0)};
  Inverse<T> inv = invert<T>(in, taps);
  // drop the weight-0 second taps: nearest reads one input
  Inverse<T> out;
  out.begin.push_back(0);
  for (int64_t j = 0; j < in; ++j) {
    for (int64_t k = inv.begin[size_t(j)]; k < inv.begin[size_t(j) + 1]; ++k)
      if (inv.w[size_t(k)] != T(0)) {
        out.src.push_back(inv.src[size_t(k)]);
        out.w.push_back(T(1));
      }
    out.begin.push_back(int64_t(out.src.size()));
  }
  return out;
}

template <class T>
__global__ void upsample_backward_kernel(UpsampleGeom g, const int64_t* rb, const int64_t* rs, const T* rw,
                                         const int64_t* cb, const int64_t* cs, const T* cw, bool nearest,
                                         const T* gy, T* gx, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) {
    const int64_t iw = i % g.W, ih = (i / g.W) % g.H, p = i / (g.W * g.H);
    const T* go = gy + p * g.Ho * g.Wo;
    T acc = T(0);
    for (int64_t a = rb[ih]; a < rb[ih + 1]; ++a) {
      const T* row = go + rs[a] * g.Wo;
      if (nearest) {
        for (int64_t b = cb[iw]; b < cb[iw + 1]; ++b) acc += row[cs[b]];
      } else {
        const T wr = rw[a];
        for (int64_t b = cb[iw]; b < cb[iw + 1]; ++b) acc += cw[b] * (wr * row[cs[b]]);
      }
    }
    gx[i] = acc;
  }
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

template <class T>
void pad2d(cuda, const PadGeom& g, const T* x, T* y, T value) {
  const int64_t n = g.planes * g.Ho() * g.Wo();
  if (n == 0) return;
  cuda_detail::pad_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0, cuda_detail::stream()>>>(
      g, x, y, value, n);
  cuda_detail::check_launch("pad2d");
}

// gx = pad2dᵀ(gy), gathered per input element.
template <class T>
void pad2d_backward(cuda, const PadGeom& g, const T* gy, T* gx) {
  const int64_t n = g.planes * g.H * g.W;
  if (n == 0) return;
  cuda_detail::pad_backward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                        cuda_detail::stream()>>>(g, gy, gx, n);
  cuda_detail::check_launch("pad2d_backward");
}

template <class T>
void upsample2d(cuda, const UpsampleGeom& g, const T* x, T* y) {
  const int64_t n = g.planes() * g.Ho * g.Wo;
  if (n == 0) return;
  cuda_detail::DeviceTables t;
  const dim3 grid{cuda_detail::grid_for(n)}, block{unsigned(cuda_detail::kThreads)};
  if (g.mode == UpsampleMode::nearest) {
    const size_t r = t.add(cpu_detail::nearest_table(g.H, g.Ho, g.scale_h));
    const size_t c = t.add(cpu_detail::nearest_table(g.W, g.Wo, g.scale_w));
    t.upload();
    cuda_detail::upsample_nearest_kernel<T><<<grid, block, 0, cuda_detail::stream()>>>(
        g, t.at<int64_t>(r), t.at<int64_t>(c), x, y, n);
  } else {
    const size_t r = t.add(cpu_detail::linear_taps<T>(g.H, g.Ho, g.align_corners, g.scale_h));
    const size_t c = t.add(cpu_detail::linear_taps<T>(g.W, g.Wo, g.align_corners, g.scale_w));
    t.upload();
    cuda_detail::upsample_bilinear_kernel<T><<<grid, block, 0, cuda_detail::stream()>>>(
        g, t.at<cpu_detail::LinearTap<T>>(r), t.at<cpu_detail::LinearTap<T>>(c), x, y, n);
  }
  cuda_detail::check_launch("upsample2d");
}

// gx = upsample2dᵀ(gy): each input element sums the outputs that read it (inverse tables).
template <class T>
void upsample2d_backward(cuda, const UpsampleGeom& g, const T* gy, T* gx) {
  const int64_t n = g.planes() * g.H * g.W;
  if (n == 0) return;
  const bool nearest = g.mode == UpsampleMode::nearest;
  const auto rows = nearest ? cuda_detail::invert<T>(g.H, cpu_detail::nearest_table(g.H, g.Ho, g.scale_h))
                            : cuda_detail::invert<T>(g.H, cpu_detail::linear_taps<T>(g.H, g.Ho, g.align_corners,
                                                                                      g.scale_h));
  const auto cols = nearest ? cuda_detail::invert<T>(g.W, cpu_detail::nearest_table(g.W, g.Wo, g.scale_w))
                            : cuda_detail::invert<T>(g.W, cpu_detail::linear_taps<T>(g.W, g.Wo, g.align_corners,
                                                                                      g.scale_w));
  cuda_detail::DeviceTables t;
  const size_t rb = t.add(rows.begin), rs = t.add(rows.src), rw = t.add(rows.w);
  const size_t cb = t.add(cols.begin), cs = t.add(cols.src), cw = t.add(cols.w);
  t.upload();
  cuda_detail::upsample_backward_kernel<T><<<cuda_detail::grid_for(n), cuda_detail::kThreads, 0,
                                             cuda_detail::stream()>>>(
      g, t.at<int64_t>(rb), t.at<int64_t>(rs), t.at<T>(rw), t.at<int64_t>(cb), t.at<int64_t>(cs), t.at<T>(cw),
      nearest, gy, gx, n);
  cuda_detail::check_launch("upsample2d_backward");
}

}  // namespace ganlib::kernels
