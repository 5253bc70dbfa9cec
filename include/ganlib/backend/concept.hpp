// backend/concept.hpp — what a backend must provide, as one C++20 concept per primitive
// family and `Backend` as their conjunction.
// Contract: require_backend<B>() fails to compile with one sentence naming the first missing
// primitive; Tensor ops call it, so a half-written backend is reported, not a page of errors.
#pragma once
#include <concepts>
#include <cstddef>

#include "../core/op_codes.hpp"
#include "../core/view.hpp"

namespace ganlib {

template <class B>
concept BackendMemory = requires(void* p, const void* cp, size_t n) {
  { B::name } -> std::convertible_to<const char*>;
  { B::allocate(n) } -> std::same_as<void*>;
  B::deallocate(p, n);
  B::copy_to_host(p, cp, n);
  B::copy_from_host(p, cp, n);
  B::copy_within(p, cp, n);
};

template <class B>
concept BackendElementwise = requires(View<const float> in, View<float> out, float* p) {
  kernels::unary(B{}, Unary::copy, 0.f, 0.f, in, out);
  kernels::binary(B{}, Binary::add, in, in, out);
  kernels::where(B{}, in, in, in, out);
  kernels::fill(B{}, out, 0.f);
  kernels::random_fill(B{}, p, int64_t(0), true, 0.0, 1.0, uint64_t(0), uint64_t(0));
};

template <class B>
concept BackendReduce = requires(View<const float> in, View<float> out) {
  kernels::reduce(B{}, Reduce::sum, in, out);
};

template <class B>
concept BackendGemm = requires(const float* a, float* c) {
  kernels::gemm(B{}, false, false, int64_t(1), int64_t(1), int64_t(1), 1.f, a, int64_t(1), a,
                int64_t(1), 0.f, c, int64_t(1));
};

template <class B>
concept Backend = BackendMemory<B> && BackendElementwise<B> && BackendReduce<B> && BackendGemm<B>;

template <class B>
consteval bool require_backend() {
  static_assert(BackendMemory<B>, "this backend lacks the memory primitives: static name, "
                "allocate, deallocate, copy_to_host, copy_from_host and copy_within");
  static_assert(BackendElementwise<B>, "this backend lacks an elementwise kernel: "
                "kernels::unary, binary, where, fill or random_fill taking it first");
  static_assert(BackendReduce<B>, "this backend lacks kernels::reduce(B, Reduce, in, out)");
  static_assert(BackendGemm<B>, "this backend lacks kernels::gemm(B, trans_a, trans_b, M, N, "
                "K, alpha, A, lda, B, ldb, beta, C, ldc)");
  return true;
}

static_assert(require_backend<cpu>());

}  // namespace ganlib
