// backend/cuda/gemm.cuh — C = alpha·op(A)·op(B) + beta·C, row-major, through cuBLAS.
// Contract: the CPU signature (backend/cpu/gemm.hpp). cuBLAS is column-major; a row-major M×N
// matrix is the column-major N×M matrix Cᵀ = op(B)ᵀ·op(A)ᵀ, so the call swaps A and B (and M
// and N) and keeps each transpose flag: no copies. One handle on the one stream (context.hpp).
// float stays in full fp32 (no TF32), like PyTorch's default for matmul.
#pragma once
#include <climits>
#include <cstdint>
#include <type_traits>

#include "../../core/error.hpp"
#include "context.hpp"
#include "elementwise.cuh"
#include "tag.hpp"

namespace ganlib::kernels {

template <class T>
void gemm(cuda, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
          const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {  // no products: C = beta·C (beta 0 clears, even NaNs)
    const View<T> c{C, Shape{M, N}, Strides{ldc, 1}};
    if (beta == T(0)) fill(cuda{}, c, T(0));
    else unary(cuda{}, Unary::mul_scalar, beta, T(0), View<const T>{C, c.shape, c.strides}, c);
    return;
  }
  for (int64_t v : {M, N, K, lda, ldb, ldc})
    GANLIB_CHECK(v <= INT_MAX, "gemm (cuda): size or leading dimension ", v,
                 " exceeds cuBLAS's 32-bit limit (M ", M, ", N ", N, ", K ", K, ")");
  const cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasHandle_t h = cuda_detail::blas();
  if constexpr (std::is_same_v<T, float>) {
    GANLIB_CUBLAS_CHECK(cublasSgemm(h, op_b, op_a, int(N), int(M), int(K), &alpha, B, int(ldb), A,
                                    int(lda), &beta, C, int(ldc)));
  } else {
    static_assert(std::is_same_v<T, double>, "gemm (cuda): T must be float or double");
    GANLIB_CUBLAS_CHECK(cublasDgemm(h, op_b, op_a, int(N), int(M), int(K), &alpha, B, int(ldb), A,
                                    int(lda), &beta, C, int(ldc)));
  }
}

}  // namespace ganlib::kernels
