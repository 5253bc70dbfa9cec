// backend/cpu/gemm.hpp — C = alpha·op(A)·op(B) + beta·C, row-major, the kernel conv and
// matmul lower to.
// Contract: A is M×K (K×M if trans_a), B is K×N (N×K if trans_b), C is M×N, each with its
// leading dimension; beta == 0 overwrites C without reading it (NaN garbage is fine).
// Paths: float on an AVX-512 build uses the packed micro-kernel GEMM in gemm_avx512.hpp
// (87-95% of the FMA peak on one core for 1024², 2048² and conv-like shapes, vs Eigen's
// 63-68%; bench/GEMM.md), or gemm_skinny.hpp for Aᵀ against a few columns (a deep conv's
// input gradient); double, and float without AVX-512, use gemm_eigen: one Eigen GEMM
// per thread on a panel of N (or M when N is small).
#pragma once
// GCC 12 reports false -W(maybe-)uninitialized inside its own AVX-512 intrinsics (their
// _mm512_undefined_* pass-through operands) when Eigen's kernels or ours are inlined; silence
// exactly those warnings for the GEMM and nothing else.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <Eigen/Core>
#include <type_traits>

#include "gemm_avx512.hpp"
#include "gemm_skinny.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels {

// The Eigen path (any T); M, N, K > 0. Each panel is an Eigen GEMM running single-threaded
// (Eigen's own threading needs OpenMP), so the pool keeps both cores busy.
template <class T>
void gemm_eigen(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Stride = Eigen::OuterStride<>;
  using CMap = Eigen::Map<const Mat, 0, Stride>;
  using OMap = Eigen::Map<Mat, 0, Stride>;
  // Work on the block C[m0:m1, n0:n1].
  auto block = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const int64_t m = m1 - m0, n = n1 - n0;
    const T* a = trans_a ? A + m0 : A + m0 * lda;
    const T* b = trans_b ? B + n0 * ldb : B + n0;
    OMap c(C + m0 * ldc + n0, m, n, Stride(ldc));
    if (beta == T(0)) c.setZero();
    else if (beta != T(1)) c *= beta;
    auto am = trans_a ? CMap(a, K, m, Stride(lda)) : CMap(a, m, K, Stride(lda));
    auto bm = trans_b ? CMap(b, n, K, Stride(ldb)) : CMap(b, K, n, Stride(ldb));
    if (!trans_a && !trans_b) c.noalias() += alpha * am * bm;
    else if (trans_a && !trans_b) c.noalias() += alpha * am.transpose() * bm;
    else if (!trans_a && trans_b) c.noalias() += alpha * am * bm.transpose();
    else c.noalias() += alpha * am.transpose() * bm.transpose();
  };
  const double flops = double(M) * double(N) * double(K);
  if (flops < 1e6 || num_threads() == 1) {
    block(0, M, 0, N);
  } else if (N >= M) {
    // Panels of N, rounded to 16 columns so each panel's edge stays vector-aligned.
    const int64_t panels = (N + 15) / 16;
    parallel_for(panels, 1,
                 [&](int64_t b, int64_t e) { block(0, M, b * 16, std::min(N, e * 16)); });
  } else {
    parallel_for(M, 8, [&](int64_t b, int64_t e) { block(b, e, 0, N); });
  }
}

template <class T>
void gemm(cpu, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha,
          const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
    return;
  }
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    if (avx512::skinny::usable(trans_a, M, N, K))
      return avx512::skinny::sgemm_at(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    avx512::sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#endif
  gemm_eigen(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace ganlib::kernels

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
