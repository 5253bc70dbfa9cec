// backend/cuda/elementwise.cuh — unary, binary, where and fill on the device.
// Contract: the CPU signatures exactly (backend/cpu/elementwise.hpp): operands are Views already
// broadcast to the output's shape (stride 0 on broadcast dims); the output is written, never
// read, except elementwise in place (input and output the same elements). The value of each op
// code is UnaryFn/BinaryFn of core/scalar_ops.hpp, the same function the CPU loops call.
// Paths: contiguous and 16-byte aligned → one 16-byte load/store per operand per step;
// otherwise strided (32-bit index arithmetic where every offset fits, else 64-bit).
#pragma once
#include <cstdint>
#include <utility>

#include "../../core/scalar_ops.hpp"
#include "../../core/view.hpp"
#include "error.hpp"
#include "launch.cuh"
#include "tag.hpp"

namespace ganlib::cuda_detail {

// Output pointer and NIn input pointers, passed to the kernel by value.
template <class T, int NIn>
struct Operands {
  T* out;
  const T* in[NIn > 0 ? NIn : 1];
};

template <class T, int V>
struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

template <class Op, class T, int NIn, class I, int... K>
__device__ __forceinline__ T apply_at(const Op& op, const Operands<T, NIn>& p, const I* off,
                                      std::integer_sequence<int, K...>) {
  return op(p.in[K][off[K + 1]]...);
}

template <class T, int NIn, class Op, class I>
__global__ void ew_strided(Op op, Operands<T, NIn> p, StridedMap<NIn + 1> m, I n) {
  const I step = I(gridDim.x) * I(blockDim.x);
  for (I i = I(blockIdx.x) * I(blockDim.x) + I(threadIdx.x); i < n; i += step) {
    I off[NIn + 1];
    m.offsets(i, off);
    p.out[off[0]] = apply_at(op, p, off, std::make_integer_sequence<int, NIn>{});
  }
}

template <class Op, class T, int NIn, int V, int... K>
__device__ __forceinline__ T apply_pack(const Op& op, const Pack<T, V> (&in)[NIn > 0 ? NIn : 1],
                                        int j, std::integer_sequence<int, K...>) {
  return op(in[K].v[j]...);
}

// Contiguous operands, all 16-byte aligned: V elements per load.
template <class T, int NIn, class Op>
__global__ void ew_contiguous(Op op, Operands<T, NIn> p, int64_t n) {
  constexpr int V = 16 / sizeof(T);
  using P = Pack<T, V>;
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  const int64_t first = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / V;
  for (int64_t i = first; i < packs; i += step) {
    P in[NIn > 0 ? NIn : 1];
#pragma unroll
    for (int k = 0; k < NIn; ++k) in[k] = reinterpret_cast<const P*>(p.in[k])[i];
    P r;
#pragma unroll
    for (int j = 0; j < V; ++j)
      r.v[j] = apply_pack<Op, T, NIn, V>(op, in, j, std::make_integer_sequence<int, NIn>{});
    reinterpret_cast<P*>(p.out)[i] = r;
  }
  for (int64_t i = packs * V + first; i < n; i += step) {  // the tail, fewer than V
    int64_t off[NIn + 1];
#pragma unroll
    for (int k = 0; k <= NIn; ++k) off[k] = i;
    p.out[i] = apply_at(op, p, off, std::make_integer_sequence<int, NIn>{});
  }
}

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

// Runs y = op(inputs...) elementwise over y's shape; `name` is for the launch error.
template <class T, int NIn, class Op>
void elementwise(const char* name, const Op& op, const View<T>& y,
                 const std::array<const View<const T>*, NIn>& ins) {
  const int64_t n = y.numel();
  if (n == 0) return;
  std::array<const Strides*, NIn + 1> st;
  st[0] = &y.strides;
  Operands<T, NIn> p{};
  p.out = y.data;
  bool aligned = aligned16(y.data);
  for (int k = 0; k < NIn; ++k) {
    st[k + 1] = &ins[k]->strides;
    p.in[k] = ins[k]->data;
    aligned = aligned && aligned16(ins[k]->data);
  }
  const StridedMap<NIn + 1> m = make_map<NIn + 1>(y.shape, st);
  cudaStream_t s = stream();
  if (m.contiguous() && aligned) {
    ew_contiguous<T, NIn><<<grid_for(n / (16 / sizeof(T)) + 1), kThreads, 0, s>>>(op, p, n);
  } else if (m.fits_int32(n)) {
    ew_strided<T, NIn, Op, uint32_t><<<grid_for(n), kThreads, 0, s>>>(op, p, m, uint32_t(n));
  } else {
    ew_strided<T, NIn, Op, int64_t><<<grid_for(n), kThreads, 0, s>>>(op, p, m, n);
  }
  check_launch(name);
}

template <class T, class F>
struct UnaryOp {
  F f;
  T p0, p1;
  __device__ T operator()(T x) const { return f(x, p0, p1); }
};
template <class T, class F>
struct BinaryOp {
  F f;
  __device__ T operator()(T a, T b) const { return f(a, b); }
};
template <class T>
struct WhereOp {
  __device__ T operator()(T c, T a, T b) const { return c != T(0) ? a : b; }
};
template <class T>
struct FillOp {
  T value;
  __device__ T operator()() const { return value; }
};

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

template <class T>
void unary(cuda, Unary op, T p0, T p1, const View<const T>& x, const View<T>& y) {
  visit_unary(op, [&](auto f) {
    cuda_detail::elementwise<T, 1>("unary", cuda_detail::UnaryOp<T, decltype(f)>{f, p0, p1}, y, {&x});
  });
}

template <class T>
void binary(cuda, Binary op, const View<const T>& a, const View<const T>& b, const View<T>& y) {
  visit_binary(op, [&](auto f) {
    cuda_detail::elementwise<T, 2>("binary", cuda_detail::BinaryOp<T, decltype(f)>{f}, y, {&a, &b});
  });
}

// y = cond != 0 ? a : b
template <class T>
void where(cuda, const View<const T>& cond, const View<const T>& a, const View<const T>& b,
           const View<T>& y) {
  cuda_detail::elementwise<T, 3>("where", cuda_detail::WhereOp<T>{}, y, {&cond, &a, &b});
}

template <class T>
void fill(cuda, const View<T>& y, T value) {
  cuda_detail::elementwise<T, 0>("fill", cuda_detail::FillOp<T>{value}, y, {});
}

}  // namespace ganlib::kernels
