// backend/cuda/amp.cuh — autocast's convolutions and matrix products on the device
// (amp/autocast.hpp): half-precision operands on tensor cores, fp32 accumulation.
// Contract: the signatures of backend/cpu/amp.hpp. Operands are converted from the fp32 tensors
// into half scratch (fp16: __half, bf16: __nv_bfloat16; half.cuh's conversions: round to
// nearest even, fp16 overflow to inf); convolutions run through conv.cuh's cuDNN path with half
// storage and write a half output, converted back to fp32 before the fp32 bias; GEMMs run through cublasGemmEx with half
// A and B and an fp32 C. Geometries with an empty dimension take the fp32 kernels.
#pragma once
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <climits>
#include <cstdint>
#include <type_traits>

#include "../../core/half.hpp"
#include "conv.cuh"
#include "gemm.cuh"
#include "half.cuh"

namespace ganlib::cuda_detail {

// A half copy of n floats in device scratch.
template <class H>
struct HalfCopy {
  DeviceScratch buf;
  HalfCopy(const float* src, int64_t n) : buf(sizeof(H) * size_t(n)) { to_half(src, get(), n); }
  explicit HalfCopy(int64_t n) : buf(sizeof(H) * size_t(n)) {}  // uninitialised, for an output
  H* get() const { return static_cast<H*>(buf.data); }
};

// Calls fn with a value of the storage type of p (fp16 or bf16).
template <class Fn>
void with_half_type(Precision p, Fn&& fn) {
  if (p == Precision::fp16) fn(__half{});
  else fn(__nv_bfloat16{});
}

}  // namespace ganlib::cuda_detail

namespace ganlib::kernels {

inline void conv2d_forward_amp(cuda, Precision p, const Conv2dGeom& g, const float* x, const float* w,
                               const float* bias, float* y) {
  using namespace cuda_detail;
  if (p == Precision::fp32 || !dnn_has_work(g)) return conv2d_forward(cuda{}, g, x, w, bias, y);
  with_half_type(p, [&](auto tag) {
    using H = decltype(tag);
    const int64_t ny = g.N * g.K * g.Ho * g.Wo;
    HalfCopy<H> xh(x, g.N * g.C * g.H * g.W), wh(w, g.K * g.cg() * g.kh * g.kw), yh(ny);
    dnn_forward<H>(g, xh.get(), wh.get(), yh.get());
    to_float(yh.get(), y, ny);
  });
  if (bias) add_channel_bias(cuda{}, y, bias, g.N, g.K, g.hw_out());
}

inline void conv2d_input_grad_amp(cuda, Precision p, const Conv2dGeom& g, const float* gy, const float* w,
                                  float* gx) {
  using namespace cuda_detail;
  if (p == Precision::fp32 || !dnn_has_work(g)) return conv2d_input_grad(cuda{}, g, gy, w, gx);
  with_half_type(p, [&](auto tag) {
    using H = decltype(tag);
    const int64_t ngx = g.N * g.C * g.H * g.W;
    HalfCopy<H> gyh(gy, g.N * g.K * g.Ho * g.Wo), wh(w, g.K * g.cg() * g.kh * g.kw), gxh(ngx);
    dnn_backward_data<H>(g, gyh.get(), wh.get(), gxh.get());
    to_float(gxh.get(), gx, ngx);
  });
}

inline void conv2d_weight_grad_amp(cuda, Precision p, const Conv2dGeom& g, const float* x, const float* gy,
                                   float* gw) {
  using namespace cuda_detail;
  if (p == Precision::fp32 || !dnn_has_work(g)) return conv2d_weight_grad(cuda{}, g, x, gy, gw);
  with_half_type(p, [&](auto tag) {
    using H = decltype(tag);
    const int64_t nw = g.K * g.cg() * g.kh * g.kw;
    HalfCopy<H> xh(x, g.N * g.C * g.H * g.W), gyh(gy, g.N * g.K * g.Ho * g.Wo), gwh(nw);
    dnn_backward_filter<H>(g, xh.get(), gyh.get(), gwh.get());
    to_float(gwh.get(), gw, nw);
  });
}

// C (fp32) = alpha·op(A)·op(B) + beta·C with A and B in half precision, fp32 accumulation
// (cublasGemmEx; cuBLAS is column-major, so the operands swap as in gemm.cuh).
inline void gemm_amp(cuda, Precision p, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                     float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                     float* C, int64_t ldc) {
  using namespace cuda_detail;
  if (p == Precision::fp32 || M == 0 || N == 0 || K == 0)
    return gemm(cuda{}, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  for (int64_t v : {M, N, K, lda, ldb, ldc})
    GANLIB_CHECK(v <= INT_MAX, "gemm (cuda, ", to_string(p), "): size or leading dimension ", v,
                 " exceeds cuBLAS's 32-bit limit (M ", M, ", N ", N, ", K ", K, ")");
  with_half_type(p, [&](auto tag) {
    using H = decltype(tag);
    const cudaDataType_t ht = blas_half_type<H>();
    HalfCopy<H> ah(A, trans_a ? gemm_span(K, M, lda) : gemm_span(M, K, lda));
    HalfCopy<H> bh(B, trans_b ? gemm_span(N, K, ldb) : gemm_span(K, N, ldb));
    GANLIB_CUBLAS_CHECK(cublasGemmEx(blas(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                                     int(N), int(M), int(K), &alpha, bh.get(), ht, int(ldb), ah.get(), ht, int(lda),
                                     &beta, C, CUDA_R_32F, int(ldc), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  });
}

}  // namespace ganlib::kernels
