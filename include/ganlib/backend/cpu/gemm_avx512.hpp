// backend/cpu/gemm_avx512.hpp — a packed, cache-blocked AVX-512 SGEMM (BLIS-style).
// Contract: avx512::sgemm(...) computes C = alpha·op(A)·op(B) + beta·C for row-major float
// matrices exactly like kernels::gemm (beta == 0 never reads C); only built with __AVX512F__.
//
// Blocking scheme (sized for Zen 5: 48 KiB L1d, 1 MiB L2 per core, 2×512-bit FMA pipes;
// chosen by measurement, bench/GEMM.md). The register-broadcast operand is A, the vector
// operand is B, so the loops are BLIS's with the roles of A and B exchanged:
//   split C into one column slab per thread (row slabs when N is small) — both cores busy
//   for ic in M by MC (2016)         A block  MC×KC packed in MR-row panels         (L3)
//     for pc in K by KC (512)        (the first K slice applies beta, the rest accumulate)
//       pack A[ic:+MC, pc:+KC]
//       for jc in N by NC (192)      B block  KC×NC packed in NR-column panels, 384 KiB (L2)
//         pack B[pc:+KC, jc:+NC]
//         for each A micro-panel     KC×MR, 28 KiB, stays in L1 across the jr loop
//           for jr in NC by NR       micro-kernel: an MR×NR tile of C in 28 zmm registers
// Block sizes are balanced (1024 rows = 2×518, never 1008 + 16). While a block computes, its
// kernels prefetch the source of the next block's packing (PrefetchCursor), so packing reads
// cache instead of waiting on memory. The micro-kernel is MR×NR = 14×32: per k it loads two
// B vectors, broadcasts 14 A values and issues 28 FMAs (14 cycles on two pipes), enough
// independent chains to hide the FMA latency. Edges: the rows of an A block are dealt into
// micro-panels of near-equal height (13/14, never a 2-row straggler) run by a kernel
// instantiated for that height; packed panels are zero-padded; partial columns use masked
// loads/stores.
#pragma once
#if defined(__AVX512F__)
// GCC 12 warns falsely about the _mm512_undefined_* operands inside its own intrinsics.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "allocator.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels::avx512 {

#ifndef GANLIB_SGEMM_MR
#define GANLIB_SGEMM_MR 14
#endif
#ifndef GANLIB_SGEMM_KC
#define GANLIB_SGEMM_KC 512
#endif
#ifndef GANLIB_SGEMM_MC
#define GANLIB_SGEMM_MC 2016
#endif
#ifndef GANLIB_SGEMM_NC
#define GANLIB_SGEMM_NC 192
#endif

inline constexpr int MR = GANLIB_SGEMM_MR;
inline constexpr int NR = 32;  // two zmm vectors
inline constexpr int64_t KC = GANLIB_SGEMM_KC;
inline constexpr int64_t MC = GANLIB_SGEMM_MC / MR * MR;
inline constexpr int64_t NC = GANLIB_SGEMM_NC / NR * NR;
#ifndef GANLIB_SGEMM_PF
#define GANLIB_SGEMM_PF 4
#endif
inline constexpr int64_t PF_ROWS = GANLIB_SGEMM_PF;
static_assert(MR >= 1 && MR <= 14, "MR x 2 accumulators must leave registers for B and A");

// Lane mask for the first n (0..16) lanes.
inline __mmask16 lanes(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << std::max<int64_t>(n, 0)) - 1u);
}
// Lane mask for lanes [lo, hi), both clamped to 0..16 (empty when hi ≤ lo).
inline __mmask16 lanes_between(int64_t lo, int64_t hi) {
  return __mmask16(lanes(hi) & ~lanes(lo));
}

// Per-thread packing buffers, grown on demand and kept for the thread's lifetime (the pool's
// workers live as long as the process, so steady-state GEMMs allocate nothing).
// Buffers of 256 KB and more are 2 MB-aligned and advised as huge pages: a packed B block is
// re-read from L2 for every A panel, and on 4 KB pages its lines fall into L2 sets as the pages'
// physical addresses happen to (L2 is physically indexed). The residual convs' forward GEMM
// (512 × 128 × 4608, 2 threads) measured 1.35–1.45 ms on huge pages and 1.45–1.67 ms without,
// in four interleaved pairs of processes.
struct PackBuffer {
  float* p = nullptr;
  size_t n = 0;
  ~PackBuffer() { std::free(p); }
  float* get(size_t need) {
    if (need > n) {
      std::free(p);
      using cpu_detail::kHugePage;
      const size_t bytes = need * sizeof(float);
      if (bytes >= (size_t(256) << 10)) {
        const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        p = static_cast<float*>(cpu_detail::huge_page_alloc(rounded, rounded));
      } else {
        p = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
      }
      if (!p) throw std::bad_alloc();
      n = need;
    }
    return p;
  }
};

// In-register transpose of a 16×16 block: r[i] holds row i; afterwards r[k] holds column k.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // Now lane L of r[4i+j] holds rows 4i..4i+3 of column 4L+j; gather the lanes.
  for (int j = 0; j < 4; ++j) {
    const __m512 u0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    const __m512 u1 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
    const __m512 u2 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    const __m512 u3 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
    t[j] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(u0, u2, 0xdd);
    t[4 + j] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(u1, u3, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// Packs a kc × w slice into consecutive panels of width W (W values per k, zero-padded).
// Element (k, x) of the slice is src[k * ld + x]: the panel rows are contiguous in memory.
template <int W>
inline void pack_direct(int64_t kc, int64_t w, const float* src, int64_t ld, float* dst) {
  // Row by row (k outer) so each source row is read front to back, which the hardware
  // prefetcher follows; the panels are written in parallel streams.
  const int64_t panels = (w + W - 1) / W;
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * ld;
    // Rows are short (one block wide) and each starts a new stream: fetch a few rows ahead.
    if (k + PF_ROWS < kc)
      for (int64_t x = 0; x < w; x += 16)
        _mm_prefetch(reinterpret_cast<const char*>(s + PF_ROWS * ld + x), _MM_HINT_T0);
    float* d = dst + k * W;
    for (int64_t p = 0; p < panels; ++p, s += W, d += W * kc) {
      const int64_t wx = std::min<int64_t>(W, w - p * W);
#pragma GCC unroll 2
      for (int v = 0; v < W; v += 16) {
        const __m512 x = _mm512_maskz_loadu_ps(lanes(wx - v), s + v);
        _mm512_mask_storeu_ps(d + v, lanes(W - v), x);
      }
    }
  }
}

// Same panels, but element (k, x) is src[x * ld + k]: transposed through 16×16 registers.
template <int W>
inline void pack_transposed(int64_t kc, int64_t w, const float* src, int64_t ld, float* dst) {
  __m512 r[16];
  for (int64_t x0 = 0; x0 < w; x0 += W, dst += W * kc) {
    const int64_t wx = std::min<int64_t>(W, w - x0);
    for (int v = 0; v < W; v += 16) {
      const int64_t rows = std::clamp<int64_t>(wx - v, 0, 16);
      const __mmask16 store = lanes(W - v);
      for (int64_t k0 = 0; k0 < kc; k0 += 16) {
        const int64_t kk = std::min<int64_t>(16, kc - k0);
        const __mmask16 load = lanes(kk);
        for (int i = 0; i < 16; ++i)
          r[i] = i < rows ? _mm512_maskz_loadu_ps(load, src + (x0 + v + i) * ld + k0)
                          : _mm512_setzero_ps();
        transpose16(r);
        for (int64_t j = 0; j < kk; ++j) _mm512_mask_storeu_ps(dst + (k0 + j) * W + v, store, r[j]);
      }
    }
  }
}

// Walks the source of the next block's packing (up to two row-major regions: B's, then A's
// when the next block starts a new K slice), handing out one 64-byte line at a time. The
// micro-kernels issue these prefetches while they compute, so the next packing pass reads
// from cache instead of stalling on memory between kernels.
struct PrefetchCursor {
  struct Region {
    const float* p = nullptr;
    int64_t ld = 0, per_row = 0, rows = 0;
  };
  Region r[2];
  int cur = 0;
  int64_t col = 0, per_call = 0;  // lines each kernel call prefetches
  void add(const float* p, int64_t ld, int64_t row_floats, int64_t rows) {
    if (rows <= 0 || row_floats <= 0) return;
    // Start at p's cache line, so a row that straddles two lines has both fetched.
    const int64_t skew = int64_t(reinterpret_cast<uintptr_t>(p) % 64) / int64_t(sizeof(float));
    Region& g = r[r[0].rows > 0 ? 1 : 0];
    g = {p - skew, ld, (row_floats + skew + 15) / 16, rows};
  }
  int64_t lines() const { return r[0].per_row * r[0].rows + r[1].per_row * r[1].rows; }
  bool done() const { return cur > 1 || r[cur].rows <= 0; }
  const float* next() {
    Region& g = r[cur];
    const float* q = g.p + col * 16;
    if (++col == g.per_row) {
      col = 0;
      g.p += g.ld;
      if (--g.rows == 0) ++cur;
    }
    return q;
  }
};

// C[0:R, 0:nr] = alpha · (packed A panel rows 0:R) · (packed B panel) + beta · C.
template <int R>
inline void micro_kernel(int64_t kc, const float* __restrict a, const float* __restrict b, float* c,
                         int64_t ldc, int64_t nr, float alpha, float beta, PrefetchCursor* pf) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    acc0[r] = acc1[r] = _mm512_setzero_ps();
    // The C tile is touched only after the k loop: start fetching it now (for writing).
    __builtin_prefetch(c + r * ldc, 1, 3);
    __builtin_prefetch(c + r * ldc + 16, 1, 3);
  }
  int64_t pf_left = pf ? pf->per_call : 0;
  for (int64_t k = 0; k < kc; ++k) {
    if (pf_left > 0) {
      if (pf->done())
        pf_left = 0;
      else
        _mm_prefetch(reinterpret_cast<const char*>(pf->next()), _MM_HINT_T1), --pf_left;
    }
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      acc0[r] = _mm512_fmadd_ps(ar, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(ar, b1, acc1[r]);
    }
    a += MR;
    b += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __mmask16 m0 = lanes(nr), m1 = lanes(nr - 16);
  if (beta == 0.f) {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      _mm512_mask_storeu_ps(c + r * ldc, m0, _mm512_mul_ps(va, acc0[r]));
      _mm512_mask_storeu_ps(c + r * ldc + 16, m1, _mm512_mul_ps(va, acc1[r]));
    }
  } else {
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      float* cr = c + r * ldc;
      const __m512 c0 = _mm512_maskz_loadu_ps(m0, cr), c1 = _mm512_maskz_loadu_ps(m1, cr + 16);
      _mm512_mask_storeu_ps(cr, m0, _mm512_fmadd_ps(va, acc0[r], _mm512_mul_ps(vb, c0)));
      _mm512_mask_storeu_ps(cr + 16, m1, _mm512_fmadd_ps(va, acc1[r], _mm512_mul_ps(vb, c1)));
    }
  }
}

using MicroKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, int64_t, float,
                             float, PrefetchCursor*);

// A table of a kernel instantiated for each panel height: entry r − 1 is
// make.operator()<r>() for r = 1 .. MR (the GEMM's and the direct conv's micro-kernels).
template <class Kernel, class Make>
constexpr std::array<Kernel, MR> kernels_by_rows(Make make) {
  return [&]<int... R>(std::integer_sequence<int, R...>) {
    return std::array<Kernel, MR>{make.template operator()<R + 1>()...};
  }(std::make_integer_sequence<int, MR>{});
}
// kernels()[r - 1] handles a tile of r rows.
inline const auto& kernels() {
  static constexpr auto table =
      kernels_by_rows<MicroKernel>([]<int R>() { return &micro_kernel<R>; });
  return table;
}

// Balanced blocks: as few blocks as the cap allows, of near-equal size rounded up to unit
// (1024 rows with a 1008 cap give two 518-row blocks, not 1008 + 16).
inline int64_t balanced(int64_t n, int64_t cap, int64_t unit) {
  const int64_t blocks = (n + cap - 1) / cap;
  return std::min(cap, ((n + blocks - 1) / blocks + unit - 1) / unit * unit);
}
inline int64_t block_mc(int64_t M) { return balanced(M, MC, MR); }
inline int64_t block_kc(int64_t K) { return balanced(K, KC, 16); }  // 16: the transposer's width

// An A block of mc rows is dealt into np micro-panels of near-equal height (MR or MR-1 rows,
// ...), so a ragged edge never falls to a 1- or 2-row kernel that cannot keep the FMA pipes
// busy. Panel p covers rows [row(p), row(p + 1)).
struct RowPanels {
  int64_t np, base, extra;
  explicit RowPanels(int64_t mc) : np((mc + MR - 1) / MR), base(mc / np), extra(mc % np) {}
  int64_t row(int64_t p) const { return p * base + std::min(p, extra); }
};

// Packs A[ic:ic+mc, pc:pc+kc] (of op(A)) into np consecutive MR×kc panels at dst.
inline void pack_a(bool trans_a, const float* A, int64_t lda, int64_t ic, int64_t pc, int64_t mc,
                   int64_t kc, float* dst) {
  const RowPanels rp(mc);
  for (int64_t p = 0; p < rp.np; ++p) {
    const int64_t r0 = ic + rp.row(p), rows = rp.row(p + 1) - rp.row(p);
    if (trans_a)
      pack_direct<MR>(kc, rows, A + pc * lda + r0, lda, dst + p * MR * kc);
    else
      pack_transposed<MR>(kc, rows, A + r0 * lda + pc, lda, dst + p * MR * kc);
  }
}

// Where block (ic, pc) of a fully pre-packed A starts: blocks are stored in (ic, pc) order,
// every ic block but the last holding mc = block_mc(M) rows.
inline int64_t packed_a_offset(int64_t M, int64_t K, int64_t ic, int64_t pc) {
  const int64_t mc = block_mc(M), mci = std::min(mc, M - ic);
  return (ic / mc) * RowPanels(mc).np * MR * K + RowPanels(mci).np * MR * pc;
}
inline int64_t packed_a_size(int64_t M, int64_t K) {
  return packed_a_offset(M, K, (M - 1) / block_mc(M) * block_mc(M), K);
}

// op(A) = Aᵀ: panels are packed GROUP at a time, each source row read as one contiguous run of
// GROUP·MR floats. One panel at a time read 14 floats from each of kc rows lda apart: with lda
// a multiple of 2 KiB (a conv's C·kh·kw = 4608) those rows fall into two L1 sets and few L2
// sets, and the neighbouring panel's half of each cache line was evicted before it was read.
#ifndef GANLIB_SGEMM_GROUP
#define GANLIB_SGEMM_GROUP 4
#endif
inline constexpr int64_t GROUP = GANLIB_SGEMM_GROUP;

// Panels [p0, p0 + count) of the rows rp deals out, from op(A) = Aᵀ: element (k, r) of the
// source is src[k·lda + r] (src at row pc, column ic); panel q at dst + q·MR·kc, zero-padded.
inline void pack_panel_group(int64_t kc, const RowPanels& rp, int64_t p0, int64_t count,
                             const float* src, int64_t lda, float* dst) {
  const int64_t r0 = rp.row(p0), width = rp.row(p0 + count) - r0;
  for (int64_t k = 0; k < kc; ++k) {
    const float* s = src + k * lda + r0;
    if (k + PF_ROWS < kc)
      for (int64_t x = 0; x < width; x += 16)
        _mm_prefetch(reinterpret_cast<const char*>(s + PF_ROWS * lda + x), _MM_HINT_T0);
    for (int64_t q = 0; q < count; ++q) {
      const int64_t r = rp.row(p0 + q) - r0, rows = rp.row(p0 + q + 1) - rp.row(p0 + q);
      const __m512 v = _mm512_maskz_loadu_ps(lanes(rows), s + r);
      _mm512_mask_storeu_ps(dst + q * MR * kc + k * MR, lanes(MR), v);
    }
  }
}

// sgemm_serial for N ≤ NC, when each A micro-panel meets a single B block: packing all of an
// A block first (MC × KC, megabytes for a weight matrix) would write it out and read it back
// for one use. Instead the panels are packed into L1 just before their kernels, while these
// prefetch the source of the next ones: one panel at a time for op(A) = A (14 rows of A), GROUP
// at a time for op(A) = Aᵀ (pack_panel_group: each of kc rows read as one run).
//   for pc in K by KC:  pack B[pc:+KC, 0:N] (L2)
//     for each pass of 1 (or GROUP) MR-row panels of A:  pack them (L1), then micro-kernels across N
inline void sgemm_streamed_a(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                             float alpha, const float* A, int64_t lda, const float* B,
                             int64_t ldb, float beta, float* C, int64_t ldc, float* pb) {
  static thread_local PackBuffer panel;
  const int64_t KC = block_kc(K), MC = block_mc(M), tiles = (N + NR - 1) / NR;
  const int64_t per_pass = trans_a ? GROUP : 1;
  float* pa = panel.get(size_t(per_pass * MR * std::min(KC, K)));
  const auto& kern = kernels();
  // The source of op(A)[r0 : r0 + rows, pc : pc + kc].
  auto a_source = [&](int64_t r0, int64_t rows, int64_t pc, int64_t kc, PrefetchCursor& pf) {
    if (trans_a) pf.add(A + pc * lda + r0, lda, rows, kc);
    else pf.add(A + r0 * lda + pc, lda, kc, rows);
  };
  for (int64_t pc = 0; pc < K; pc += KC) {
    const int64_t kc = std::min(KC, K - pc);
    const float bet = pc == 0 ? beta : 1.f;
    if (trans_b) pack_transposed<NR>(kc, N, B + pc, ldb, pb);
    else pack_direct<NR>(kc, N, B + pc * ldb, ldb, pb);
    for (int64_t ic = 0; ic < M; ic += MC) {  // MC only groups rows into balanced panels
      const RowPanels rp(std::min(MC, M - ic));
      for (int64_t p0 = 0; p0 < rp.np; p0 += per_pass) {
        const int64_t count = std::min(per_pass, rp.np - p0);
        if (trans_a) pack_panel_group(kc, rp, p0, count, A + pc * lda + ic, lda, pa);
        else pack_a(false, A, lda, ic + rp.row(p0), pc, rp.row(p0 + 1) - rp.row(p0), kc, pa);
        // The next pass's source: this K slice's next rows, or the next slice's first.
        PrefetchCursor pf;
        const int64_t rn = ic + rp.row(p0 + count);
        if (rn < M) a_source(rn, std::min(per_pass * MR, M - rn), pc, kc, pf);
        else if (pc + kc < K)
          a_source(0, std::min(per_pass * MR, M), pc + kc, std::min(KC, K - pc - kc), pf);
        pf.per_call = (pf.lines() + count * tiles - 1) / (count * tiles);
        for (int64_t q = 0; q < count; ++q) {
          const int64_t r0 = ic + rp.row(p0 + q), rows = rp.row(p0 + q + 1) - rp.row(p0 + q);
          for (int64_t jr = 0; jr < N; jr += NR)
            kern[rows - 1](kc, pa + q * MR * kc, pb + jr * kc, C + r0 * ldc + jr, ldc,
                           std::min<int64_t>(NR, N - jr), alpha, bet, &pf);
        }
      }
    }
  }
}

// The serial blocked GEMM on C[0:M, 0:N] (A, B, C already offset to the block). If a_packed
// is given it holds all of op(A) packed (the threads of a column split share it).
inline void sgemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                         const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                         float* C, int64_t ldc, const float* a_packed = nullptr) {
  static thread_local PackBuffer abuf, bbuf;
  const int64_t NC = balanced(N, avx512::NC, NR), MC = block_mc(M), KC = block_kc(K);
  const int64_t nc_max = std::min(NC, (N + NR - 1) / NR * NR);
  const int64_t mc_max = std::min(MC, (M + MR - 1) / MR * MR);
  const int64_t kc_max = std::min(KC, K);
  float* pb = bbuf.get(size_t(nc_max * kc_max));
  if (!a_packed && N <= avx512::NC) {  // one B block: no MC × KC A buffer is needed
    sgemm_streamed_a(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, pb);
    return;
  }
  float* pa_own = a_packed ? nullptr : abuf.get(size_t(mc_max * kc_max));
  const auto& kern = kernels();
  for (int64_t ic = 0; ic < M; ic += MC) {
    const int64_t mc = std::min(MC, M - ic);
    const RowPanels rp(mc);
    const int64_t np = rp.np;
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const float bet = pc == 0 ? beta : 1.f;
      const float* pa = a_packed ? a_packed + packed_a_offset(M, K, ic, pc) : pa_own;
      if (!a_packed) pack_a(trans_a, A, lda, ic, pc, mc, kc, pa_own);
      for (int64_t jc = 0; jc < N; jc += NC) {
        const int64_t nc = std::min(NC, N - jc);
        if (trans_b)
          pack_transposed<NR>(kc, nc, B + jc * ldb + pc, ldb, pb);
        else
          pack_direct<NR>(kc, nc, B + pc * ldb + jc, ldb, pb);
        // Prefetch what the next block packs: B[pc', jc'] and, with a new pc', A's slice.
        PrefetchCursor pf;
        {
          int64_t jn = jc + NC, pn = pc, in = ic;
          if (jn >= N) jn = 0, pn += KC;
          if (pn >= K) pn = 0, in += MC;
          if (in < M) {
            const int64_t kn = std::min(KC, K - pn), nn = std::min(NC, N - jn);
            if (trans_b)
              pf.add(B + jn * ldb + pn, ldb, kn, nn);
            else
              pf.add(B + pn * ldb + jn, ldb, nn, kn);
            if (!a_packed && (pn != pc || in != ic)) {
              const int64_t mn = std::min(MC, M - in);
              if (trans_a)
                pf.add(A + pn * lda + in, lda, mn, kn);
              else
                pf.add(A + in * lda + pn, lda, kn, mn);
            }
          }
          const int64_t calls = np * ((nc + NR - 1) / NR);
          pf.per_call = std::min<int64_t>(kc, (pf.lines() + calls - 1) / calls);
        }
        for (int64_t p = 0; p < np; ++p) {
          const int64_t r0 = rp.row(p), rows = rp.row(p + 1) - r0;
          const float* ap = pa + p * MR * kc;
          float* cp = C + (ic + r0) * ldc + jc;
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int64_t nr = std::min<int64_t>(NR, nc - jr);
            kern[rows - 1](kc, ap, pb + jr * kc, cp + jr, ldc, nr, alpha, bet, &pf);
          }
        }
      }
    }
  }
}

// Splits C into one slab per thread (columns when N is wide enough, else rows), each slab a
// serial GEMM; the threads share only read-only data (the inputs, and A packed once).
inline void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                  int64_t ldc) {
  const int threads = num_threads();
  const double flops = 2.0 * double(M) * double(N) * double(K);
  const int64_t col_panels = (N + NR - 1) / NR, row_panels = (M + MR - 1) / MR;
  if (threads == 1 || flops < 2e6 || (col_panels < 2 && row_panels < 2)) {
    sgemm_serial(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Prefer splitting N: the slabs share one packed copy of A (packed in parallel first, when
  // it is not too large), and each packs only its own columns of B.
  if (col_panels >= threads && (N >= M || row_panels < threads)) {
    static thread_local PackBuffer shared_a;
    float* pa = nullptr;
    if (packed_a_size(M, K) <= (int64_t(6) << 20)) {
      pa = shared_a.get(size_t(packed_a_size(M, K)));
      const int64_t mc = block_mc(M), kc = block_kc(K), kb = (K + kc - 1) / kc;
      const int64_t blocks = (M + mc - 1) / mc * kb;
      parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const int64_t ic = i / kb * mc, pc = i % kb * kc;
          pack_a(trans_a, A, lda, ic, pc, std::min(mc, M - ic), std::min(kc, K - pc),
                 pa + packed_a_offset(M, K, ic, pc));
        }
      });
    }
    parallel_for(col_panels, 1, [&](int64_t b, int64_t e) {
      const int64_t n0 = b * NR, n1 = std::min(N, e * NR);
      sgemm_serial(trans_a, trans_b, M, n1 - n0, K, alpha, A, lda, trans_b ? B + n0 * ldb : B + n0,
                   ldb, beta, C + n0, ldc, pa);
    });
  } else {
    // Equal row slabs (each deals its rows into balanced panels): slabs of whole panels would
    // split 512 rows 252 / 260.
    parallel_for(M, MR, [&](int64_t m0, int64_t m1) {
      sgemm_serial(trans_a, trans_b, m1 - m0, N, K, alpha, trans_a ? A + m0 : A + m0 * lda, lda, B,
                   ldb, beta, C + m0 * ldc, ldc);
    });
  }
}

}  // namespace ganlib::kernels::avx512

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
