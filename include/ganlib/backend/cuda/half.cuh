// backend/cuda/half.cuh — the kernels of half-precision tensors (Tensor<fp16|bf16, cuda>,
// ops/half.hpp) on the device, and the float ↔ half conversions autocast uses (amp.cuh).
// Contract: the signatures of backend/cpu/half.hpp. ganlib's fp16/bf16 have the layout of
// __half/__nv_bfloat16, so device pointers are reinterpreted, never copied. Conversions round
// to nearest, ties to even (cuda_fp16/cuda_bf16), as core/half.hpp. Convolutions run through
// conv.cuh's cuDNN path with half storage (tensor cores, fp32 accumulation) and GEMMs through
// cublasGemmEx (16F/16BF operands and output, 32F compute): the output is rounded once; a bias
// is a second pass, summed in fp32 and rounded again.
#pragma once
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <climits>
#include <cstdint>
#include <type_traits>

#include "../../core/half.hpp"
#include "../geometry.hpp"
#include "conv.cuh"
#include "gemm.cuh"

namespace ganlib::cuda_detail {

// The CUDA type with the layout of ganlib's half storage type H (identity for CUDA's own).
template <class H> struct device_half { using type = H; };
template <> struct device_half<fp16> { using type = __half; };
template <> struct device_half<bf16> { using type = __nv_bfloat16; };
template <class H> using device_half_t = typename device_half<H>::type;
static_assert(sizeof(__half) == sizeof(fp16) && sizeof(__nv_bfloat16) == sizeof(bf16),
              "ganlib's fp16/bf16 must have the layout of CUDA's __half/__nv_bfloat16");

template <class H> device_half_t<H>* dev(H* p) { return reinterpret_cast<device_half_t<H>*>(p); }
template <class H> const device_half_t<H>* dev(const H* p) { return reinterpret_cast<const device_half_t<H>*>(p); }

template <class D> __device__ inline D round_half(float f) {
  if constexpr (std::is_same_v<D, __half>) return __float2half_rn(f);
  else return __float2bfloat16_rn(f);
}
template <class D> __device__ inline float widen_half(D h) {
  if constexpr (std::is_same_v<D, __half>) return __half2float(h);
  else return __bfloat162float(h);
}

template <class D>
__global__ void to_half_kernel(const float* src, D* dst, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) dst[i] = round_half<D>(src[i]);
}
template <class D>
__global__ void to_float_kernel(const D* src, float* dst, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) dst[i] = widen_half(src[i]);
}
template <class D>
__global__ void half_bias_kernel(D* y, const D* bias, int64_t C, int64_t HW, int64_t n) {
  const int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step)
    y[i] = round_half<D>(widen_half(y[i]) + widen_half(bias[(i / HW) % C]));
}

// dst = round(src), n elements, D a CUDA half type.
template <class D>
void to_half(const float* src, D* dst, int64_t n) {
  if (n == 0) return;
  to_half_kernel<D><<<grid_for(n), kThreads, 0, stream()>>>(src, dst, n);
  check_launch("float to half");
}
template <class D>
void to_float(const D* src, float* dst, int64_t n) {
  if (n == 0) return;
  to_float_kernel<D><<<grid_for(n), kThreads, 0, stream()>>>(src, dst, n);
  check_launch("half to float");
}

template <class D>
constexpr cudaDataType_t blas_half_type() { return std::is_same_v<D, __half> ? CUDA_R_16F : CUDA_R_16BF; }

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

template <class H>
  requires is_half_v<H>
void convert(cuda, const float* src, H* dst, int64_t n) { cuda_detail::to_half(src, cuda_detail::dev(dst), n); }

template <class H>
  requires is_half_v<H>
void convert(cuda, const H* src, float* dst, int64_t n) { cuda_detail::to_float(cuda_detail::dev(src), dst, n); }

template <class H>
  requires is_half_v<H>
void add_channel_bias(cuda, H* y, const H* bias, int64_t N, int64_t C, int64_t HW) {
  using namespace cuda_detail;
  const int64_t n = N * C * HW;
  if (n == 0) return;
  half_bias_kernel<<<grid_for(n), kThreads, 0, stream()>>>(dev(y), dev(bias), C, HW, n);
  check_launch("add_channel_bias (half)");
}

// y = conv2d(x, w), half storage, fp32 accumulation (no bias: add_channel_bias after).
template <class H>
  requires is_half_v<H>
void conv2d_forward(cuda, const Conv2dGeom& g, const H* x, const H* w, H* y) {
  using namespace cuda_detail;
  const int64_t ny = g.N * g.K * g.Ho * g.Wo;
  if (ny == 0) return;
  if (!dnn_has_work(g)) {  // no input channels: zeros (all-zero bits are +0 in both formats)
    GANLIB_CUDA_CHECK(cudaMemsetAsync(y, 0, sizeof(H) * size_t(ny), stream()));
    return;
  }
  dnn_forward(g, dev(x), dev(w), dev(y));
}

// gx = conv2dᵀ(gy) for weight w (the transposed convolution), half storage.
template <class H>
  requires is_half_v<H>
void conv2d_input_grad(cuda, const Conv2dGeom& g, const H* gy, const H* w, H* gx) {
  using namespace cuda_detail;
  const int64_t ngx = g.N * g.C * g.H * g.W;
  if (ngx == 0) return;
  if (!dnn_has_work(g)) {
    GANLIB_CUDA_CHECK(cudaMemsetAsync(gx, 0, sizeof(H) * size_t(ngx), stream()));
    return;
  }
  dnn_backward_data(g, dev(gy), dev(w), dev(gx));
}

// C = op(A)·op(B), row-major, half A, B, C, fp32 accumulation (cuBLAS is column-major, so the
// operands swap as in gemm.cuh).
template <class H>
  requires is_half_v<H>
void gemm(cuda, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const H* A, int64_t lda,
          const H* B, int64_t ldb, H* C, int64_t ldc) {
  using namespace cuda_detail;
  using D = device_half_t<H>;
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      GANLIB_CUDA_CHECK(cudaMemsetAsync(C + i * ldc, 0, sizeof(H) * size_t(N), stream()));
    return;
  }
  for (int64_t v : {M, N, K, lda, ldb, ldc})
    GANLIB_CHECK(v <= INT_MAX, "gemm (cuda, half): size or leading dimension ", v,
                 " exceeds cuBLAS's 32-bit limit (M ", M, ", N ", N, ", K ", K, ")");
  const float one = 1.0f, zero = 0.0f;
  const cudaDataType_t t = blas_half_type<D>();
  GANLIB_CUBLAS_CHECK(cublasGemmEx(blas(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   int(N), int(M), int(K), &one, B, t, int(ldb), A, t, int(lda), &zero, C, t,
                                   int(ldc), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

}  // namespace ganlib::kernels
