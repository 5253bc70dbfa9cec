// backend/cpu/gemm_skinny.hpp — SGEMM C = alpha·Aᵀ·op(B) + beta·C for a few columns (N ≤ 32)
// against a large A: the input gradients of an encoder's deep convs (FlowNetS's 1024-channel
// layers at 2×4, its first decoder's forward), Wᵀ · gy with W a weight matrix of tens of MB.
// Contract: skinny::sgemm computes what avx512::sgemm(true, trans_b, ...) computes (row-major,
// beta == 0 never reads C) for the shapes usable() accepts; AVX-512 builds only.
//
// Why: the packed kernel (gemm_avx512.hpp) packs every MR-row panel of Aᵀ by a strided walk
// (MR floats from each of K rows) for the one or two column tiles it meets, and its 14 × 32
// register tile wastes three quarters of its FMAs on 8 columns: those GEMMs read A at 5–10
// GB/s. Here A is read in place: a row of A is a run of m, so
//   16·V columns of m at a time, V × NB accumulators (NB ∈ {2, 4, 8, 16} columns of C, a
//   zero-padded copy of op(B) in L2); for each k one vector per 16 m times a broadcast of
//   B[k][n]. A is walked down a strip of columns, each walk prefetching the next strip's lines,
//   so the DRAM reads overlap the FMAs. The strips are split over the threads.
// (The same idea for op(A) = A — dot products along rows of A — lost to the packed kernel on
// cold weights: Bᵀ is re-read from L2 for every few rows of A.)
#pragma once
#if defined(__AVX512F__)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "gemm_avx512.hpp"
#include "scratch.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels::avx512::skinny {

inline constexpr int64_t kMaxColumns = 32;

// Aᵀ (a weight matrix, ≥ 4 MB: reading it is the cost) against a few columns.
inline bool usable(bool trans_a, int64_t M, int64_t N, int64_t K) {
  return trans_a && N >= 1 && N <= kMaxColumns && M * K >= (int64_t(1) << 20);
}

// Columns per group: the smallest of 2, 4, 8, 16 holding N (16 for more).
inline int group_width(int64_t N) { return N <= 2 ? 2 : N <= 4 ? 4 : N <= 8 ? 8 : 16; }
// Register blocking: V × NB accumulators, at most 24 of them.
template <int NB>
inline constexpr int kBlock = std::clamp(24 / NB, 1, 4);

// C[i, n] (n < n_real) = alpha·s[n] + beta·C[i, n], for one row of C.
inline void store_row(float* c, const float* s, int64_t n_real, float alpha, float beta) {
  for (int64_t n = 0; n < n_real; ++n)
    c[n] = beta == 0.f ? alpha * s[n] : alpha * s[n] + beta * c[n];
}

// outer: C[m0 : m0 + cols, group] (cols ≤ 16·V) from A's columns m0… (a = A + m0, K rows lda
// apart) and B of the group (K rows of ldbp floats, zero-padded to NB).
template <int NB>
inline void outer_block(int64_t K, const float* a, int64_t lda, int64_t cols, const float* bp,
                        int64_t ldbp, float* c, int64_t ldc, int64_t n_real, float alpha,
                        float beta) {
  constexpr int V = kBlock<NB>;
  __mmask16 mv[V];
  for (int v = 0; v < V; ++v) mv[v] = lanes(cols - 16 * v);
  __m512 acc[V][NB];
#pragma GCC unroll 16
  for (int v = 0; v < V; ++v)
#pragma GCC unroll 16
    for (int n = 0; n < NB; ++n) acc[v][n] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    const float* ak = a + k * lda;
    __m512 av[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      av[v] = _mm512_maskz_loadu_ps(mv[v], ak + 16 * v);
      _mm_prefetch(reinterpret_cast<const char*>(ak + 16 * (V + v)), _MM_HINT_T1);  // next strip
    }
    const float* bk = bp + k * ldbp;
#pragma GCC unroll 16
    for (int n = 0; n < NB; ++n) {
      const __m512 b = _mm512_set1_ps(bk[n]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[v][n] = _mm512_fmadd_ps(av[v], b, acc[v][n]);
    }
  }
  // acc[v][n] holds C[m0 + 16v + lane, n]: transpose each 16 × NB block into rows of C.
  for (int v = 0; v < V && 16 * v < cols; ++v) {
    __m512 t[16];
    for (int n = 0; n < 16; ++n) t[n] = n < NB ? acc[v][n] : _mm512_setzero_ps();
    transpose16(t);
    const int64_t rows = std::min<int64_t>(16, cols - 16 * v);
    for (int64_t l = 0; l < rows; ++l) {
      float s[16];
      _mm512_storeu_ps(s, t[l]);
      store_row(c + (16 * v + l) * ldc, s, n_real, alpha, beta);
    }
  }
}

// C [M × N] = alpha·Aᵀ·op(B) + beta·C, columns in groups of NB.
template <int NB>
inline void sgemm_groups(bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                         int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                         int64_t ldc) {
  const int64_t groups = (N + NB - 1) / NB, npad = groups * NB;
  cpu_detail::Scratch<float> bp(K * npad);  // op(B), zero-padded to npad columns
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < npad; ++n)
      bp.data[k * npad + n] = n >= N ? 0.f : trans_b ? B[n * ldb + k] : B[k * ldb + n];
  constexpr int V = kBlock<NB>;
  const int64_t strips = (M + 16 * V - 1) / (16 * V);
  parallel_for(strips, 2, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t m0 = s * 16 * V, cols = std::min<int64_t>(16 * V, M - m0);
      for (int64_t gr = 0; gr < groups; ++gr)
        outer_block<NB>(K, A + m0, lda, cols, bp.data + gr * NB, npad, C + m0 * ldc + gr * NB, ldc,
                        std::min<int64_t>(NB, N - gr * NB), alpha, beta);
    }
  });
}

// C = alpha·Aᵀ·op(B) + beta·C (A stored K × M).
inline void sgemm_at(bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  switch (group_width(N)) {
    case 2:
      return sgemm_groups<2>(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    case 4:
      return sgemm_groups<4>(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    case 8:
      return sgemm_groups<8>(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    default:
      return sgemm_groups<16>(trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  }
}

}  // namespace ganlib::kernels::avx512::skinny

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
