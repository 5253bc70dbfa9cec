// backend/cuda/reduce.cuh — sum / max / min over any set of dims, on the device.
// Contract: the CPU signature (backend/cpu/reduce.hpp): `out` has the input's rank with size 1
// on every reduced dim. Sums accumulate in double like the CPU's; the order is fixed for a
// given shape and GPU model (no atomics), so results repeat run to run, and differ from the
// CPU's only by rounding. max/min skip NaNs exactly as the CPU's std::max/std::min loop does.
// Layout: a block is TX outputs × TY threads along the reduction; threads of a warp walk
// contiguous memory whichever side is contiguous. When there are too few outputs to fill the
// GPU, the reduction is cut into splits whose partials a second kernel combines in order.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "../../core/op_codes.hpp"
#include "../../core/view.hpp"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

struct ReduceMap {
  int kept_rank = 0, red_rank = 0;
  int64_t kept[kMaxRank] = {}, kept_in[kMaxRank] = {}, kept_out[kMaxRank] = {};
  int64_t red[kMaxRank] = {}, red_in[kMaxRank] = {};

  __host__ __device__ void kept_offsets(int64_t o, int64_t& in, int64_t& out) const {
    in = 0;
    out = 0;
    for (int d = kept_rank - 1; d >= 0; --d) {
      const int64_t i = o % kept[d];
      o /= kept[d];
      in += i * kept_in[d];
      out += i * kept_out[d];
    }
  }
  __host__ __device__ int64_t red_offset(int64_t r) const {
    if (red_rank == 1) return r * red_in[0];
    int64_t off = 0;
    for (int d = red_rank - 1; d >= 0; --d) {
      off += (r % red[d]) * red_in[d];
      r /= red[d];
    }
    return off;
  }
};

template <Reduce R, class Acc>
struct Combine {
  __host__ __device__ static Acc identity() {
    if constexpr (R == Reduce::sum) return Acc(0);
    else if constexpr (R == Reduce::max) return -INFINITY;
    else return INFINITY;
  }
  // Same comparisons as std::max(acc, v) / std::min(acc, v) in the CPU loop.
  __host__ __device__ static Acc apply(Acc acc, Acc v) {
    if constexpr (R == Reduce::sum) return acc + v;
    else if constexpr (R == Reduce::max) return acc < v ? v : acc;
    else return v < acc ? v : acc;
  }
};

inline constexpr int kReduceThreads = 256;

// One thread's share of output o: reduced indices begin + ty, begin + ty + TY, ... below end.
template <class T, class Acc, Reduce R>
__host__ __device__ Acc reduce_share(const T* x, const ReduceMap& m, int64_t in_off, int64_t begin,
                                     int64_t end, int ty, int TY) {
  Acc acc = Combine<R, Acc>::identity();
  for (int64_t r = begin + ty; r < end; r += TY)
    acc = Combine<R, Acc>::apply(acc, Acc(x[in_off + m.red_offset(r)]));
  return acc;
}

// Block (TX, TY) = (blockDim.x, blockDim.y), TX·TY = kReduceThreads, TY a power of two.
// Split s = blockIdx.y covers reduced indices [s·chunk, (s+1)·chunk).
template <class T, class Acc, Reduce R>
__global__ void reduce_kernel(const T* x, T* out, Acc* partial, ReduceMap m, int64_t n_out,
                              int64_t n_red, int64_t chunk) {
  using C = Combine<R, Acc>;
  __shared__ Acc sh[kReduceThreads];
  const int tx = threadIdx.x, ty = threadIdx.y, TX = blockDim.x, TY = blockDim.y;
  const int64_t o = int64_t(blockIdx.x) * TX + tx;
  const int64_t begin = int64_t(blockIdx.y) * chunk;
  const int64_t end = begin + chunk < n_red ? begin + chunk : n_red;
  Acc acc = C::identity();
  int64_t in_off = 0, out_off = 0;
  if (o < n_out) {
    m.kept_offsets(o, in_off, out_off);
    acc = reduce_share<T, Acc, R>(x, m, in_off, begin, end, ty, TY);
  }
  sh[ty * TX + tx] = acc;
  __syncthreads();
  for (int s = TY / 2; s > 0; s >>= 1) {
    if (ty < s) sh[ty * TX + tx] = C::apply(sh[ty * TX + tx], sh[(ty + s) * TX + tx]);
    __syncthreads();
  }
  if (ty == 0 && o < n_out) {
    if (partial) partial[int64_t(blockIdx.y) * n_out + o] = sh[tx];
    else out[out_off] = T(sh[tx]);
  }
}

// Combines the splits' partials of each output, in split order.
template <class T, class Acc, Reduce R>
__global__ void reduce_finish(const Acc* partial, T* out, ReduceMap m, int64_t n_out, int splits) {
  using C = Combine<R, Acc>;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t o = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; o < n_out; o += step) {
    Acc acc = C::identity();
    for (int s = 0; s < splits; ++s) acc = C::apply(acc, partial[int64_t(s) * n_out + o]);
    int64_t in_off, out_off;
    m.kept_offsets(o, in_off, out_off);
    out[out_off] = T(acc);
  }
}

inline int64_t pow2_at_least(int64_t v) {
  int64_t p = 1;
  while (p < v) p <<= 1;
  return p;
}

// Appends dim (size, strides...) to a list, merging it into the last one when contiguous.
inline void push_dim(int& rank, int64_t* size, int64_t* s0, int64_t* s1, int64_t n, int64_t t0,
                     int64_t t1) {
  if (rank > 0 && s0[rank - 1] == t0 * n && (!s1 || s1[rank - 1] == t1 * n)) {
    size[rank - 1] *= n;
    s0[rank - 1] = t0;
    if (s1) s1[rank - 1] = t1;
    return;
  }
  size[rank] = n;
  s0[rank] = t0;
  if (s1) s1[rank] = t1;
  ++rank;
}

// How a reduction is cut into blocks (host side; see the kernel for the layout).
struct ReducePlan {
  ReduceMap m;
  int64_t n_out = 1, n_red = 1;
  int64_t tx = 1, ty = 1, blocks_x = 1, splits = 1, chunk = 1;
};

template <class T>
ReducePlan plan_reduce(const View<const T>& x, const View<T>& out, int64_t sm_count) {
  ReducePlan p;
  ReduceMap& m = p.m;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (x.shape[d] == 1) continue;
    if (out.shape[d] == 1) {
      push_dim(m.red_rank, m.red, m.red_in, nullptr, x.shape[d], x.strides[d], 0);
      p.n_red *= x.shape[d];
    } else {
      push_dim(m.kept_rank, m.kept, m.kept_in, m.kept_out, x.shape[d], x.strides[d], out.strides[d]);
      p.n_out *= x.shape[d];
    }
  }
  if (p.n_out == 0) return p;
  // Threads along the reduction where it is contiguous in memory, else along the outputs.
  const bool inner = p.n_out == 1 || (m.red_rank > 0 && m.red_in[m.red_rank - 1] == 1);
  p.ty = inner ? std::min<int64_t>(kReduceThreads, pow2_at_least(p.n_red))
               : kReduceThreads / std::min<int64_t>(kReduceThreads, pow2_at_least(p.n_out));
  p.ty = std::max<int64_t>(1, p.ty);
  p.tx = kReduceThreads / p.ty;
  p.blocks_x = (p.n_out + p.tx - 1) / p.tx;
  // Splits: enough blocks for two waves over the SMs, each split at least 16 steps long.
  if (p.blocks_x < 2 * sm_count && p.n_red > 0)
    p.splits = std::max<int64_t>(1, std::min((2 * sm_count + p.blocks_x - 1) / p.blocks_x,
                                             p.n_red / (p.ty * 16)));
  p.splits = std::min<int64_t>(p.splits, 65535);
  p.chunk = (std::max<int64_t>(p.n_red, 1) + p.splits - 1) / p.splits;
  return p;
}

template <class T, class Acc, Reduce R>
void reduce_impl(const View<const T>& x, const View<T>& out) {
  const ReducePlan p = plan_reduce(x, out, context().sm_count);
  if (p.n_out == 0) return;
  cudaStream_t s = stream();
  const dim3 block{unsigned(p.tx), unsigned(p.ty)};
  const dim3 grid{unsigned(p.blocks_x), unsigned(p.splits)};
  if (p.splits == 1) {
    reduce_kernel<T, Acc, R><<<grid, block, 0, s>>>(x.data, out.data, nullptr, p.m, p.n_out,
                                                    p.n_red, p.chunk);
    check_launch("reduce");
    return;
  }
  const size_t bytes = sizeof(Acc) * size_t(p.splits * p.n_out);
  Acc* partial = static_cast<Acc*>(cuda::allocate(bytes));
  reduce_kernel<T, Acc, R><<<grid, block, 0, s>>>(x.data, out.data, partial, p.m, p.n_out,
                                                  p.n_red, p.chunk);
  check_launch("reduce");
  reduce_finish<T, Acc, R><<<grid_for(p.n_out), kThreads, 0, s>>>(partial, out.data, p.m,
                                                                  p.n_out, int(p.splits));
  check_launch("reduce_finish");
  cuda::deallocate(partial, bytes);  // reused only by work queued after this on the stream
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

template <class T>
void reduce(cuda, Reduce op, const View<const T>& x, const View<T>& out) {
  switch (op) {
    case Reduce::sum: return cuda_detail::reduce_impl<T, double, Reduce::sum>(x, out);
    case Reduce::max: return cuda_detail::reduce_impl<T, T, Reduce::max>(x, out);
    case Reduce::min: return cuda_detail::reduce_impl<T, T, Reduce::min>(x, out);
  }
  detail::fail("reduce: unknown reduction code ", int(op));
}

}  // namespace ganlib::kernels
