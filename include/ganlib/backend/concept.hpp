// backend/concept.hpp — what a backend must provide, as one C++20 concept per primitive
// family and `Backend` as their conjunction.
// Contract: require_backend<B>() fails to compile with one sentence naming the first missing
// primitive; Tensor ops call it, so a half-written backend is reported, not a page of errors.
#pragma once
#include <concepts>
#include <cstddef>

#include "../core/half.hpp"
#include "../core/op_codes.hpp"
#include "../core/view.hpp"
#include "geometry.hpp"
#include "update.hpp"

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

// The op families' kernels (ops/conv.hpp, pool.hpp, pad.hpp, upsample.hpp, norm.hpp,
// embedding.hpp, instance.hpp, grid_sample.hpp, correlation.hpp call exactly these).
template <class B>
concept BackendConv = requires(const Conv2dGeom& g, const float* x, float* y) {
  kernels::conv2d_forward(B{}, g, x, x, x, y);
  kernels::conv2d_input_grad(B{}, g, x, x, y);
  kernels::conv2d_weight_grad(B{}, g, x, x, y);
};

template <class B>
concept BackendPoolResize = requires(const PoolGeom& pg, const PadGeom& dg, const UpsampleGeom& ug,
                                     const float* x, float* y, int32_t* idx, const int32_t* cidx) {
  kernels::avg_pool2d(B{}, pg, x, y);
  kernels::avg_pool2d_backward(B{}, pg, x, y);
  kernels::max_pool2d(B{}, pg, x, y, idx);
  kernels::pool_scatter_add(B{}, int64_t(1), int64_t(1), int64_t(1), x, cidx, y);
  kernels::pool_gather(B{}, int64_t(1), int64_t(1), int64_t(1), x, cidx, y);
  kernels::pad2d(B{}, dg, x, y, 0.f);
  kernels::pad2d_backward(B{}, dg, x, y);
  kernels::upsample2d(B{}, ug, x, y);
  kernels::upsample2d_backward(B{}, ug, x, y);
};

template <class B>
concept BackendNorm = requires(const float* x, float* y, int64_t n) {
  kernels::norm_stats(B{}, x, n, n, n, y, y);
  kernels::norm_forward(B{}, x, n, n, n, x, x, x, x, n, y);
  kernels::norm_backward(B{}, x, x, n, n, n, x, x, x, n, y, y, y);
};

template <class B>
concept BackendInstance = requires(const float* x, float* y, int64_t n) {
  kernels::embedding_gather(B{}, x, n, x, n, y);
  kernels::embedding_scatter_add(B{}, x, n, x, n, y);
  kernels::instance_avg_pool(B{}, x, x, n, n, n, y);
  kernels::boundary_map(B{}, x, n, n, n, y);
};

template <class B>
concept BackendResample = requires(const CorrelationGeom& cg, const float* x, float* y, int64_t n) {
  kernels::grid_sample_forward(B{}, x, x, y, n, n, n, n, n, n, GridPadding::zeros, false);
  kernels::grid_sample_backward(B{}, x, x, x, y, y, n, n, n, n, n, n, GridPadding::zeros, false);
  kernels::correlation_forward(B{}, cg, x, x, y);
  kernels::correlation_grad_first(B{}, cg, x, x, y);
  kernels::correlation_grad_second(B{}, cg, x, x, y);
};

// Fused optimizer updates (optim/adam.hpp).
template <class B>
concept BackendUpdate = requires(const AdamStep& s, float* p, const float* g, int64_t n) {
  kernels::adam_update(B{}, s, p, g, p, p, n);
  kernels::unscale_grad(B{}, p, n, 1.0f, p);
};

// Autocast's half-precision convolutions and GEMM (amp/autocast.hpp).
template <class B>
concept BackendMixedPrecision = requires(Precision pr, const Conv2dGeom& g, const float* x, float* y) {
  kernels::conv2d_forward_amp(B{}, pr, g, x, x, x, y);
  kernels::conv2d_input_grad_amp(B{}, pr, g, x, x, y);
  kernels::conv2d_weight_grad_amp(B{}, pr, g, x, x, y);
  kernels::gemm_amp(B{}, pr, false, false, int64_t(1), int64_t(1), int64_t(1), 1.0f, x, int64_t(1), x,
                    int64_t(1), 0.0f, y, int64_t(1));
};

// Half-precision tensors' kernels (ops/half.hpp), shown for fp16 (bf16 has the same).
template <class B>
concept BackendHalf = requires(const Conv2dGeom& g, const float* f, float* fo, const fp16* h, fp16* ho, int64_t n) {
  kernels::convert(B{}, f, ho, n);
  kernels::convert(B{}, h, fo, n);
  kernels::add_channel_bias(B{}, ho, h, n, n, n);
  kernels::conv2d_forward(B{}, g, h, h, ho);
  kernels::conv2d_input_grad(B{}, g, h, h, ho);
  kernels::gemm(B{}, false, false, n, n, n, h, n, h, n, ho, n);
};

template <class B>
concept Backend = BackendMemory<B> && BackendElementwise<B> && BackendReduce<B> && BackendGemm<B> &&
                  BackendConv<B> && BackendPoolResize<B> && BackendNorm<B> && BackendInstance<B> &&
                  BackendResample<B> && BackendUpdate<B> && BackendMixedPrecision<B> && BackendHalf<B>;

template <class B>
consteval bool require_backend() {
  static_assert(BackendMemory<B>, "this backend lacks the memory primitives: static name, "
                "allocate, deallocate, copy_to_host, copy_from_host and copy_within");
  static_assert(BackendElementwise<B>, "this backend lacks an elementwise kernel: "
                "kernels::unary, binary, where, fill or random_fill taking it first");
  static_assert(BackendReduce<B>, "this backend lacks kernels::reduce(B, Reduce, in, out)");
  static_assert(BackendGemm<B>, "this backend lacks kernels::gemm(B, trans_a, trans_b, M, N, "
                "K, alpha, A, lda, B, ldb, beta, C, ldc)");
  static_assert(BackendConv<B>, "this backend lacks a convolution kernel: kernels::conv2d_forward, "
                "conv2d_input_grad or conv2d_weight_grad (see backend/cpu/conv.hpp)");
  static_assert(BackendPoolResize<B>, "this backend lacks a pooling, padding or upsampling kernel "
                "(avg_pool2d[_backward], max_pool2d, pool_scatter_add, pool_gather, pad2d[_backward], "
                "upsample2d[_backward]; see backend/cpu/pool.hpp and resize.hpp)");
  static_assert(BackendNorm<B>, "this backend lacks a normalisation kernel: kernels::norm_stats, "
                "norm_forward or norm_backward (see backend/cpu/norm.hpp)");
  static_assert(BackendInstance<B>, "this backend lacks an id kernel: kernels::embedding_gather, "
                "embedding_scatter_add, instance_avg_pool or boundary_map (see backend/cpu/instance.hpp)");
  static_assert(BackendResample<B>, "this backend lacks a resampling kernel: kernels::grid_sample_forward/"
                "backward or correlation_forward/grad_first/grad_second (see backend/cpu/grid_sample.hpp "
                "and correlation.hpp)");
  static_assert(BackendUpdate<B>, "this backend lacks a fused optimizer kernel: kernels::adam_update(B, "
                "AdamStep, p, g, m, v, n) or unscale_grad(B, g, n, inv, found_inf) (see backend/cpu/update.hpp)");
  static_assert(BackendMixedPrecision<B>, "this backend lacks autocast's kernels: kernels::"
                "conv2d_forward_amp, conv2d_input_grad_amp, conv2d_weight_grad_amp or gemm_amp taking "
                "it and a Precision (see backend/cpu/amp.hpp)");
  static_assert(BackendHalf<B>, "this backend lacks a half-precision tensor kernel: kernels::convert "
                "(float <-> fp16/bf16), add_channel_bias, conv2d_forward, conv2d_input_grad or gemm on "
                "fp16/bf16 pointers (see backend/cpu/half.hpp)");
  return true;
}

static_assert(require_backend<cpu>());

}  // namespace ganlib
