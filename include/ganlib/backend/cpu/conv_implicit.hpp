// backend/cpu/conv_implicit.hpp — float convolution without an im2col buffer: the im2col
// operand is read straight from the image (implicit im2col), for AVX-512 builds.
// Contract: conv_implicit::forward / input_grad / weight_grad compute what kernels::conv2d_forward
// / conv2d_input_grad / conv2d_weight_grad compute for float NCHW, for the geometries usable() /
// usable_input_grad() / usable_weight_grad() accept; results are repeatable for a thread count.
//
// Why: the im2col path writes a CKK × HoWo column buffer (38 MB for a 64-channel 3×3 conv at
// 128×128) and the GEMM then reads it back to pack it; with M = 64 output channels there are
// too few FMAs per packed element to hide those two passes through memory (bench/PROFILE.md).
//
// col[r][s] is the implicit im2col matrix, r = (c·kh + ki)·kw + kj, s = oh·Wo + ow. Blocking
// (the micro-kernel shape and A packing of gemm_avx512.hpp: A broadcast, B the vector operand):
//  forward    y_g [Kg × HoWo] = W_g [Kg × CKK] · col [CKK × HoWo]
//    all of W packed once (shared, read-only); the output tiles of all images split over the
//    threads, so each thread owns whole tiles of y
//    per thread, per image piece and group:
//      for a block of NC columns (6 tiles)          C block Kg × NC (with the bias) in L2
//        for pc in CKK by KC                        the first slice applies beta / the bias
//          pack B for the block from the image                                        (L1/L2)
//          for each A micro-panel (MR × KC, L1)  for each NR-wide tile: micro-kernel
//    B comes in one of two forms:
//      direct tiles (column stride 1): a tile is NR columns of one output row; one "wide"
//        input row per (c, ki) serves all kw taps (the kernel loads B at offset kj·dw), so
//        the packing is kw times smaller than im2col's
//      packed columns (other strides, narrow rows): col[pc:+KC, block] copied into NR-column
//        panels, row by row, each a shifted (or, for stride 2, deinterleaved) input row
//  input grad (stride s > 1, dilation 1): one such conv per phase of the input, with the taps
//    of that phase (see strided_input_grad), spread into gx: also conv_transpose2d's forward
//  input grad (stride 1): gx = conv(gy, W with in/out channels swapped and the taps flipped,
//    padding d·(k−1) − p): the forward above; no col2im, no scatter
//  weight grad gw_g [Kg × CKK] = Σ_images Σ_s gy_g[:, s] · col[:, s]ᵀ
//  (column stride 1; a strided conv with ≥ 64 output columns runs one such direct gradient per
//  column phase on a gathered phase image, see strided_weight_grad; narrower ones keep im2col)
//    direct (Wo ≥ 32): dot products along output rows, WM × WR tiles of 16-lane sums in
//      registers, loads straight from gy and a zero-padded copy of x (see
//      weight_grad_direct); the r tiles split over the threads. Row stride 1 with rows that
//      fill their vectors badly (Wo = 34): along the flattened map, on kw shifted copies of x
//    packed (narrower rows): split K over the threads, each summing into its own C (thread 0 into
//      gw), the partial sums added in a fixed order; per thread, for pc in its positions by
//      KC (never across an image): for each group pack gy_g[:, pc:+KC] (A), then for jc in CKK
//      by NC pack colᵀ[pc:+KC, jc:+NC] through 16×16 register transposes, then micro-kernels
#pragma once
#if defined(__AVX512F__)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "../geometry.hpp"
#include "allocator.hpp"
#include "conv_narrow.hpp"
#include "scratch.hpp"
#include "gemm_avx512.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels::conv_implicit {

using avx512::MR;
using avx512::NR;

#ifndef GANLIB_CONV_KC
#define GANLIB_CONV_KC 512
#endif
#ifndef GANLIB_CONV_NC
#define GANLIB_CONV_NC 192
#endif
// KC: an MR × KC A micro-panel (28 KiB) stays in L1; KC × NC of B (384 KiB) in L2.
inline constexpr int64_t KC = GANLIB_CONV_KC;
inline constexpr int64_t NC = GANLIB_CONV_NC / NR * NR;

using Buffer = cpu_detail::Scratch<float>;  // the packed weights, partial sums of one call
using cpu_detail::floor_div;

// Lanes [at, at + n) of a 16-lane mask (0 ≤ at, at + n ≤ 16).
inline __mmask16 lane_range(int at, int n) {
  return n <= 0 ? __mmask16(0) : __mmask16(((1u << n) - 1u) << at);
}

// One row r = (c·kh + ki)·kw + kj of the implicit im2col matrix of an image group (channels
// at x): col[r][oh·Wo + ow] = x[off + ih·W + ow·sw] with ih = oh·sh + ki_off, when ih ∈ [0, H)
// and ow ∈ [lo, hi) (the output columns whose input column is inside the image), else 0.
struct ColRow {
  int64_t off;     // c·H·W + kj·dw − pw
  int64_t ki_off;  // ki·dh − ph
  int64_t lo, hi;
};

// The rows of the whole matrix, worked out once per call (no divisions in the packing loops).
inline std::vector<ColRow> col_rows(const Conv2dGeom& g) {
  std::vector<ColRow> rows(size_t(g.ckk()));
  for (int64_t r = 0; r < g.ckk(); ++r) {
    const int64_t c = r / (g.kh * g.kw), ki = (r / g.kw) % g.kh, kj = r % g.kw,
                  kj_off = kj * g.dw - g.pw;
    // iw = ow·sw + kj_off ∈ [0, W)  ⇔  ow ∈ [ceil(−kj_off / sw), floor((W − 1 − kj_off) / sw)]
    const int64_t lo = std::clamp<int64_t>(-floor_div(kj_off, g.sw), 0, g.Wo);
    const int64_t hi = std::clamp<int64_t>(floor_div(g.W - 1 - kj_off, g.sw) + 1, lo, g.Wo);
    rows[size_t(r)] = {c * g.hw_in() + kj_off, ki * g.dh - g.ph, lo, hi};
  }
  return rows;
}

// A stretch of one output row: lanes [at, at + len) of a 16-lane group hold output columns
// ow .. ow + len − 1 of output row oh.
struct Piece {
  int64_t oh, ow;
  int at, len;
};

// Splits the 16-lane group starting at spatial position (oh, ow) with `count` lanes into
// pieces of single output rows; advances (oh, ow) past it. Returns the number of pieces.
inline int split_group(const Conv2dGeom& g, int64_t& oh, int64_t& ow, int count, Piece* out) {
  int n = 0;
  for (int at = 0; at < count;) {
    const int len = int(std::min<int64_t>(count - at, g.Wo - ow));
    out[n++] = {oh, ow, at, len};
    at += len;
    ow += len;
    if (ow == g.Wo) ow = 0, ++oh;
  }
  return n;
}

// Lane t of the result is base[t·sw] for the lanes in m, zero elsewhere; lanes outside m are
// never read. Column stride 2 (the downsampling convs) is two loads and an even-lane permute;
// other strides gather.
inline __m512 load_lanes(const float* base, int64_t sw, __mmask16 m) {
  if (sw == 1) return _mm512_maskz_loadu_ps(m, base);
  if (sw == 2) {
    // Lane t < 8 comes from element 2t of the first 16, lane t ≥ 8 from the second 16.
    auto spread = [](unsigned bits) {  // bit t → bit 2t, for t < 8 (no loop: masks vary per call)
      bits = (bits | (bits << 4)) & 0x0F0Fu;
      bits = (bits | (bits << 2)) & 0x3333u;
      bits = (bits | (bits << 1)) & 0x5555u;
      return __mmask16(bits);
    };
    const __m512 lo = _mm512_maskz_loadu_ps(spread(m & 0xFFu), base);
    const __m512 hi = _mm512_maskz_loadu_ps(spread(unsigned(m) >> 8), base + 16);
    const __m512i even =
        _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    return _mm512_permutex2var_ps(lo, even, hi);
  }
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m,
                                  _mm512_mullo_epi32(lane, _mm512_set1_epi32(int(sw))), base, 4);
}

// v with the lanes of piece p replaced by col[row][p's positions] (zero outside the image).
inline __m512 load_piece(__m512 v, const Conv2dGeom& g, const float* x, const ColRow& cr,
                         const Piece& p) {
  v = _mm512_mask_mov_ps(v, lane_range(p.at, p.len), _mm512_setzero_ps());
  const int64_t ih = p.oh * g.sh + cr.ki_off;
  if (ih < 0 || ih >= g.H) return v;
  const int64_t t0 = std::max<int64_t>(cr.lo - p.ow, 0),
                t1 = std::min<int64_t>(cr.hi - p.ow, p.len);
  if (t1 <= t0) return v;
  const __mmask16 m = lane_range(p.at + int(t0), int(t1 - t0));
  // Lane p.at + t reads the input column (p.ow + t)·sw + kj_off of row ih.
  const float* row = x + cr.off + ih * g.W + p.ow * g.sw;
  return _mm512_mask_mov_ps(v, m, load_lanes(row - p.at * g.sw, g.sw, m));
}

// Lanes [q0, q1) of one row of packed B panels (lane q of the row at row + (q / NR)·NR·kc
// + q % NR) get src[(q − q0)·sw], or zero when src is null. Whole 16-lane groups are aligned
// stores; the ends of a span are masked (masked-off lanes are not read).
inline void put_span(float* row, int64_t kc, int64_t q0, int64_t q1, const float* src, int64_t sw) {
  while (q0 < q1) {
    const int at = int(q0 & 15), n = int(std::min<int64_t>(q1 - q0, 16 - at));
    float* d = row + (q0 / NR) * NR * kc + (q0 % NR - at);
    if (n == 16) {
      _mm512_store_ps(d, !src      ? _mm512_setzero_ps()
                         : sw == 1 ? _mm512_loadu_ps(src)
                                   : load_lanes(src, sw, 0xFFFF));
    } else {
      const __mmask16 m = lane_range(at, n);
      _mm512_mask_store_ps(d, m, src ? load_lanes(src - at * sw, sw, m) : _mm512_setzero_ps());
    }
    if (src) src += n * sw;
    q0 += n;
  }
}

// Lanes [q0, q1) of one row of packed B panels (as put_span) get src[j] for j = q − q0 in
// [lo, hi) and zero for the other j: one masked load and one store per 16-lane group, the
// window's zeros included (a 16-column output row is one load and one store per kernel tap).
inline void put_window(float* row, int64_t kc, int64_t q0, int64_t q1, const float* src,
                       int64_t lo, int64_t hi) {
  for (int64_t j0 = 0; q0 < q1;) {
    const int at = int(q0 & 15), n = int(std::min<int64_t>(q1 - q0, 16 - at));
    float* d = row + (q0 / NR) * NR * kc + (q0 % NR - at);
    const int64_t a = std::clamp<int64_t>(lo - j0, 0, n), b = std::clamp<int64_t>(hi - j0, a, n);
    const __m512 v = _mm512_maskz_loadu_ps(lane_range(at + int(a), int(b - a)), src + j0 - at);
    if (n == 16) _mm512_store_ps(d, v);
    else _mm512_mask_store_ps(d, lane_range(at, n), v);
    q0 += n, j0 += n;
  }
}

// Packs col[pc:pc+kc, s0:s0+nc] of one image group (channels at x) into NR-column panels
// (panel q holds columns s0 + q·NR ..; row k of a panel is NR consecutive floats, zero-padded).
// Row by row: the block's columns are cut into output-row segments once, and each segment of
// each row is a shifted copy of one input row with zeros where the window leaves the image.
inline void pack_col(const Conv2dGeom& g, const float* x, const ColRow* rows, int64_t kc,
                     int64_t s0, int64_t nc, float* dst) {
  struct Segment {
    int64_t oh, ow0, ow1, q0;  // output row oh, columns [ow0, ow1) go to lanes q0 ..
  };
  constexpr int kMaxSegments = 64;
  Segment seg[kMaxSegments];
  int nseg = 0;
  const int64_t padded = (nc + NR - 1) / NR * NR;
  for (int64_t q = 0, oh = s0 / g.Wo, ow = s0 % g.Wo; q < nc;) {
    const int64_t len = std::min(nc - q, g.Wo - ow);
    if (nseg == kMaxSegments) break;  // very narrow outputs: the remaining lanes go below
    seg[nseg++] = {oh, ow, ow + len, q};
    q += len, ow = 0, ++oh;
  }
  const int64_t covered = nseg ? seg[nseg - 1].q0 + seg[nseg - 1].ow1 - seg[nseg - 1].ow0 : 0;
  for (int64_t k = 0; k < kc; ++k) {
    const ColRow& cr = rows[k];
    float* d = dst + k * NR;
    for (int i = 0; i < nseg; ++i) {
      const Segment& sg = seg[i];
      const int64_t ih = sg.oh * g.sh + cr.ki_off, end = sg.q0 + sg.ow1 - sg.ow0;
      if (ih < 0 || ih >= g.H) {
        put_span(d, kc, sg.q0, end, nullptr, 1);
        continue;
      }
      const float* src = x + cr.off + ih * g.W;  // src[ow·sw] is col[row][oh·Wo + ow]
      if (g.sw == 1) {
        put_window(d, kc, sg.q0, end, src + sg.ow0, cr.lo - sg.ow0, cr.hi - sg.ow0);
        continue;
      }
      // Strided: the zeros apart (measured faster than masked strided loads over the window).
      const int64_t a = std::clamp(cr.lo, sg.ow0, sg.ow1), b = std::clamp(cr.hi, a, sg.ow1);
      put_span(d, kc, sg.q0, sg.q0 + a - sg.ow0, nullptr, 1);
      put_span(d, kc, sg.q0 + a - sg.ow0, sg.q0 + b - sg.ow0, src + a * g.sw, g.sw);
      put_span(d, kc, sg.q0 + b - sg.ow0, end, nullptr, 1);
    }
    // Past the segments: the tail of an output narrower than 64 segments' worth (packed
    // lane by lane) and the zero padding of the last panel.
    for (int64_t q = covered; q < nc; ++q) {
      const int64_t s = s0 + q, oh = s / g.Wo, ow = s % g.Wo, ih = oh * g.sh + cr.ki_off;
      const bool in = ih >= 0 && ih < g.H && ow >= cr.lo && ow < cr.hi;
      d[(q / NR) * NR * kc + q % NR] = in ? x[cr.off + ih * g.W + ow * g.sw] : 0.f;
    }
    put_span(d, kc, nc, padded, nullptr, 1);
  }
}

// Packs colᵀ: B[k][n] = col[r0 + n][s0 + k] for k < kc, n < nc, into NR-column panels (the
// weight gradient's B), through 16×16 register transposes.
inline void pack_col_transposed(const Conv2dGeom& g, const float* x, const ColRow* rows, int64_t nc,
                                int64_t s0, int64_t kc, float* dst) {
  __m512 reg[16];
  Piece pieces[17];
  for (int64_t n0 = 0; n0 < (nc + NR - 1) / NR * NR; n0 += 16) {
    const int nrows = int(std::clamp<int64_t>(nc - n0, 0, 16));
    float* d = dst + (n0 / NR) * NR * kc + n0 % NR;
    int64_t oh = s0 / g.Wo, ow = s0 % g.Wo;
    for (int64_t k0 = 0; k0 < kc; k0 += 16) {
      const int kk = int(std::min<int64_t>(16, kc - k0));
      const int np = split_group(g, oh, ow, kk, pieces);
      for (int i = 0; i < 16; ++i) {
        reg[i] = _mm512_setzero_ps();
        if (i < nrows)
          for (int j = 0; j < np; ++j) reg[i] = load_piece(reg[i], g, x, rows[n0 + i], pieces[j]);
      }
      avx512::transpose16(reg);
      for (int j = 0; j < kk; ++j) _mm512_storeu_ps(d + (k0 + j) * NR, reg[j]);
    }
  }
}

// Chunks of [0, total) for the pool: at most one per thread and each at least `min_items`.
inline int chunk_count(int64_t total, int64_t min_items) {
  return int(std::clamp<int64_t>(total / std::max<int64_t>(min_items, 1), 1, num_threads()));
}

// y_g[:, s0:s1] of one image group: C[m][s] (ldc HoWo) = Σ_r A[m][r]·col[r][s] (+ bias[m]),
// with all of A (Kg × CKK) pre-packed at pa (avx512::packed_a_offset layout).
inline void forward_tile(const Conv2dGeom& g, const ColRow* rows, const float* pa, int64_t kcb,
                         const float* x, const float* bias, int64_t s0, int64_t s1, float* y,
                         float* pb) {
  const int64_t M = g.kg(), K = g.ckk(), ldc = g.hw_out(), mcb = avx512::block_mc(M);
  const auto& kern = avx512::kernels();
  for (int64_t jc = s0; jc < s1; jc += NC) {
    const int64_t nc = std::min(NC, s1 - jc);
    if (bias)
      for (int64_t m = 0; m < M; ++m) std::fill(y + m * ldc + jc, y + m * ldc + jc + nc, bias[m]);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = std::min(kcb, K - pc);
      const float beta = (pc > 0 || bias) ? 1.f : 0.f;
      pack_col(g, x, rows + pc, kc, jc, nc, pb);
      for (int64_t ic = 0; ic < M; ic += mcb) {
        const avx512::RowPanels rp(std::min(mcb, M - ic));
        const float* a = pa + avx512::packed_a_offset(M, K, ic, pc);
        for (int64_t p = 0; p < rp.np; ++p) {
          const int64_t r = rp.row(p), rows = rp.row(p + 1) - r;
          float* c = y + (ic + r) * ldc + jc;
          for (int64_t jr = 0; jr < nc; jr += NR)
            kern[rows - 1](kc, a + p * MR * kc, pb + jr * kc, c + jr, ldc,
                           std::min<int64_t>(NR, nc - jr), 1.f, beta, nullptr);
        }
      }
    }
  }
}

// ---- Direct tiles (column stride 1): one packed input row serves all kw taps ----------------
// An output tile is NR consecutive columns ow0 .. of one output row oh. For a column stride of
// 1 the im2col rows (c, ki, kj) of that tile are one input row, x[c][ih][ow0 − pw + t], read
// at the shifts t = kj·dw + lane: so B is packed as one "wide" row of ww ≥ NR + (kw−1)·dw
// floats per (c, ki), and the micro-kernel loads its two B vectors at offset kj·dw. Packing
// work drops kw-fold (3× for 3×3, 7× for 7×7), which is what a 64-row GEMM cannot hide.

//
// Outputs exactly 16 columns wide (BigGAN's 16×16 maps) take two-row tiles instead: lanes 0–15
// are output row oh, lanes 16–31 row oh + 1, which are consecutive positions of y, and each
// (c, ki) packs two half rows (one per output row) of half_width floats; the kernel's second
// B vector is read half_width floats after the first.

// Two-row tiles: a 16-column output (any narrower would leave lanes idle).
inline bool two_row_tiles(const Conv2dGeom& g) { return g.Wo == 16; }
inline int64_t half_width(const Conv2dGeom& g) { return (16 + (g.kw - 1) * g.dw + 15) / 16 * 16; }
inline int64_t wide_width(const Conv2dGeom& g) {
  return two_row_tiles(g) ? 2 * half_width(g) : (NR + (g.kw - 1) * g.dw + 15) / 16 * 16;
}
// Where the kernel's second B vector starts, from its first.
inline int64_t second_vector(const Conv2dGeom& g) { return two_row_tiles(g) ? half_width(g) : 16; }
inline constexpr int64_t kMaxWide = 1024;  // direct tiles need wide_width ≤ kMaxWide

// C[0:R, 0:nr] = Σ_{i < nck, kj < kw} A[(i·kw + kj)][r] · wide_i[kj·dw + lane] + beta·C, where
// a is an MR-row A panel (k-major, k = i·kw + kj) and b holds nck wide rows of ww floats;
// lanes 16–31 are read at wide_i[b1 + kj·dw + lane − 16] (b1 = 16 but for two-row tiles).
template <int R>
inline void direct_kernel(int64_t nck, int64_t kw, int64_t dw, int64_t ww, int64_t b1_off,
                          const float* __restrict a, const float* __restrict b, float* c,
                          int64_t ldc, int64_t nr, float beta) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    acc0[r] = acc1[r] = _mm512_setzero_ps();
    __builtin_prefetch(c + r * ldc, 1, 3);
    __builtin_prefetch(c + r * ldc + 16, 1, 3);
  }
  for (int64_t i = 0; i < nck; ++i, b += ww)
    for (int64_t kj = 0; kj < kw; ++kj, a += MR) {
      const __m512 b0 = _mm512_loadu_ps(b + kj * dw), b1 = _mm512_loadu_ps(b + kj * dw + b1_off);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) {
        const __m512 ar = _mm512_set1_ps(a[r]);
        acc0[r] = _mm512_fmadd_ps(ar, b0, acc0[r]);
        acc1[r] = _mm512_fmadd_ps(ar, b1, acc1[r]);
      }
    }
  const __mmask16 m0 = avx512::lanes(nr), m1 = avx512::lanes(nr - 16);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    if (beta != 0.f) {
      acc0[r] = _mm512_add_ps(acc0[r], _mm512_maskz_loadu_ps(m0, cr));
      acc1[r] = _mm512_add_ps(acc1[r], _mm512_maskz_loadu_ps(m1, cr + 16));
    }
    _mm512_mask_storeu_ps(cr, m0, acc0[r]);
    _mm512_mask_storeu_ps(cr + 16, m1, acc1[r]);
  }
}

using DirectKernel = void (*)(int64_t, int64_t, int64_t, int64_t, int64_t, const float*,
                              const float*, float*, int64_t, int64_t, float);
// direct_kernels()[r − 1] handles a tile of r rows.
inline const auto& direct_kernels() {
  static constexpr auto table =
      avx512::kernels_by_rows<DirectKernel>([]<int R>() { return &direct_kernel<R>; });
  return table;
}

// Tiles of an image: output row oh has tiles_per_row(g) tiles starting at ow0 = 0, NR, ...;
// two-row tiles cover output rows 2u and 2u + 1.
inline int64_t tiles_per_row(const Conv2dGeom& g) { return (g.Wo + NR - 1) / NR; }
inline int64_t direct_tiles(const Conv2dGeom& g) {
  return two_row_tiles(g) ? (g.Ho + 1) / 2 : g.Ho * tiles_per_row(g);
}
struct DirectTile {
  int64_t oh, ow0, n;  // first output row and column, positions (consecutive in y)
};
inline DirectTile direct_tile(const Conv2dGeom& g, int64_t u) {
  if (two_row_tiles(g)) return {2 * u, 0, std::min<int64_t>(2, g.Ho - 2 * u) * g.Wo};
  const int64_t tpr = tiles_per_row(g), ow0 = u % tpr * NR;
  return {u / tpr, ow0, std::min<int64_t>(NR, g.Wo - ow0)};
}

// Packs the wide rows (c, ki) = ck0 .. ck0 + nck − 1 (ck = c·kh + ki) of tiles u0 .. u0 + nt − 1:
// tile q's rows are at dst + q·nck·ww (a two-row tile's: its two half rows, one after the other).
inline void pack_wide(const Conv2dGeom& g, const float* x, int64_t ck0, int64_t nck, int64_t u0,
                      int64_t nt, int64_t ww, float* dst) {
  const bool two = two_row_tiles(g);
  const int64_t seg = two ? ww / 2 : ww, nv = seg / 16;  // floats, vectors per input row piece
  __mmask16 mask[kMaxWide / 16];
  for (int64_t q = 0; q < nt; ++q) {
    const DirectTile t = direct_tile(g, u0 + q);
    const int64_t iw0 = t.ow0 - g.pw;
    // Vector v holds the input columns iw0 + 16·v + lane: the lanes inside the row.
    for (int64_t v = 0; v < nv; ++v) {
      const int64_t l0 = std::clamp<int64_t>(-iw0 - 16 * v, 0, 16),
                    l1 = std::clamp<int64_t>(g.W - iw0 - 16 * v, l0, 16);
      mask[v] = lane_range(int(l0), int(l1 - l0));
    }
    // The same tile of the next block (nt tiles on): its rows are fetched into L2 now, as the
    // channels' short row pieces are too scattered for the hardware prefetcher.
    const DirectTile tn = direct_tile(g, u0 + q + nt);
    const int64_t pf0 = std::clamp<int64_t>(tn.ow0 - g.pw, 0, g.W - 1);
    const int64_t pf1 = std::clamp<int64_t>(pf0 + ww, pf0 + 1, g.W);
    int64_t c = ck0 / g.kh, ki = ck0 % g.kh;
    for (int64_t i = 0; i < nck; ++i) {
      float* d = dst + (q * nck + i) * ww;
      const float* plane = x + c * g.hw_in();
      for (int64_t half = 0; half < (two ? 2 : 1); ++half, d += seg) {
        const int64_t ih = (t.oh + half) * g.sh - g.ph + ki * g.dh,
                      ih_next = (tn.oh + half) * g.sh - g.ph + ki * g.dh;
        if (ih_next >= 0 && ih_next < g.H)
          for (int64_t col = pf0; col < pf1; col += 16)
            _mm_prefetch(reinterpret_cast<const char*>(plane + ih_next * g.W + col), _MM_HINT_T1);
        const float* src = plane + ih * g.W + iw0;
        const bool row_in = ih >= 0 && ih < g.H && (half == 0 || t.n > g.Wo);
        for (int64_t v = 0; v < nv; ++v)
          _mm512_store_ps(d + 16 * v, _mm512_maskz_loadu_ps(row_in ? mask[v] : 0, src + 16 * v));
      }
      if (++ki == g.kh) ki = 0, ++c;
    }
  }
}

// Tiles [u0, u1) of one image group: y_g[:, tile] = W_g · col[:, tile] (+ bias), all of W_g
// pre-packed at pa with K slices of kcb (a multiple of kw).
inline void forward_direct(const Conv2dGeom& g, const float* pa, int64_t kcb, const float* x,
                           const float* bias, int64_t u0, int64_t u1, float* y, float* pb) {
  const int64_t M = g.kg(), K = g.ckk(), ldc = g.hw_out(), ww = wide_width(g),
                b1 = second_vector(g);
  const int64_t mcb = avx512::block_mc(M), tiles = NC / NR;
  const auto& kern = direct_kernels();
  for (int64_t ub = u0; ub < u1; ub += tiles) {
    const int64_t nt = std::min(tiles, u1 - ub);
    auto tile_c = [&](int64_t q, int64_t m) {
      const DirectTile t = direct_tile(g, ub + q);
      return y + m * ldc + t.oh * g.Wo + t.ow0;
    };
    auto tile_nr = [&](int64_t q) { return direct_tile(g, ub + q).n; };
    if (bias)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t q = 0; q < nt; ++q)
          std::fill(tile_c(q, m), tile_c(q, m) + tile_nr(q), bias[m]);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = std::min(kcb, K - pc), nck = kc / g.kw;
      const float beta = (pc > 0 || bias) ? 1.f : 0.f;
      pack_wide(g, x, pc / g.kw, nck, ub, nt, ww, pb);
      for (int64_t ic = 0; ic < M; ic += mcb) {
        const avx512::RowPanels rp(std::min(mcb, M - ic));
        const float* a = pa + avx512::packed_a_offset(M, K, ic, pc);
        for (int64_t p = 0; p < rp.np; ++p) {
          const int64_t r = rp.row(p), rows = rp.row(p + 1) - r;
          for (int64_t q = 0; q < nt; ++q)
            kern[rows - 1](nck, g.kw, g.dw, ww, b1, a + p * MR * kc, pb + q * nck * ww,
                           tile_c(q, ic + r), ldc, tile_nr(q), beta);
        }
      }
    }
  }
}

// Direct tiles when the column stride is 1 and the NR-wide tiles are mostly full (a row of
// Wo columns is cut into tiles_per_row tiles; at least 3/4 of their lanes must be real), or
// the output is 16 columns wide (two-row tiles).
inline bool use_direct(const Conv2dGeom& g) {
  return g.sw == 1 && (two_row_tiles(g) || 4 * g.Wo >= 3 * NR * tiles_per_row(g)) &&
         wide_width(g) <= kMaxWide;
}

// Which geometries the implicit path takes: not the 1×1 convs that need no im2col, and only
// when the output has enough columns (over all images: the tiles of a batch of 8×8 maps are
// split over the threads just the same) to fill the B panels of both threads.
inline bool usable(const Conv2dGeom& g) {
  return !g.pointwise() && g.N > 0 && g.N * g.hw_out() >= 256 && g.kg() > 0 && g.ckk() > 0;
}

// y [N, K, Ho, Wo] = conv2d(x, w) (+ bias).
inline void forward(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                    float* y) {
  const int64_t M = g.kg(), K = g.ckk(), HoWo = g.hw_out();
  const bool direct = use_direct(g);
  // K slices: whole rows of taps (a multiple of kw) for the direct tiles, of 16 otherwise; the
  // cap is a multiple of the unit so that balanced() keeps the slices multiples of it.
  const int64_t unit = direct ? g.kw : 16, mcb = avx512::block_mc(M);
  const int64_t kcb = avx512::balanced(K, std::max(unit, KC / unit * unit), unit);
  // All groups' weights packed once, by both threads (megabytes for 256 channels, too long to
  // leave one core idle): group gr's panels start at gr·packed_a_size(M, K).
  const int64_t asz = avx512::packed_a_size(M, K);
  Buffer pa(g.groups * asz);
  {
    const int64_t nic = (M + mcb - 1) / mcb, npc = (K + kcb - 1) / kcb,
                  np = avx512::RowPanels(std::min(mcb, M)).np;  // panels of a full ic block
    parallel_for(g.groups * nic * npc * np, 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t p = i % np, pc = i / np % npc * kcb, ic = i / (np * npc) % nic * mcb,
                      gr = i / (np * npc * nic);
        const avx512::RowPanels rp(std::min(mcb, M - ic));
        if (p >= rp.np) continue;  // the last ic block may have fewer panels
        const int64_t kc = std::min(kcb, K - pc), r = rp.row(p);
        avx512::pack_a(false, w + gr * M * K, K, ic + r, pc, rp.row(p + 1) - r, kc,
                       pa.data + gr * asz + avx512::packed_a_offset(M, K, ic, pc) + p * MR * kc);
      }
    });
  }
  const std::vector<ColRow> rows = direct ? std::vector<ColRow>() : col_rows(g);
  // Output tiles (direct) or NR-column panels of all images, split over the threads.
  const int64_t per_image = direct ? direct_tiles(g) : (HoWo + NR - 1) / NR,
                total = g.N * per_image;
  const size_t pb_size =
      size_t(direct ? (NC / NR) * (kcb / g.kw) * wide_width(g) : NC * std::min(K, kcb));
  parallel_for(total, std::max<int64_t>(1, total / chunk_count(total, 8)),
               [&](int64_t b, int64_t e) {
                 static thread_local avx512::PackBuffer pbuf;
                 float* pb = pbuf.get(pb_size);
                 for (int64_t n = b / per_image; n * per_image < e; ++n) {
                   const int64_t u0 = std::max<int64_t>(b - n * per_image, 0),
                                 u1 = std::min<int64_t>(e - n * per_image, per_image);
                   for (int64_t gr = 0; gr < g.groups; ++gr) {
                     const float* xg = x + (n * g.C + gr * g.cg()) * g.hw_in();
                     const float* bg = bias ? bias + gr * M : nullptr;
                     float* yg = y + (n * g.K + gr * M) * HoWo;
                     if (direct)
                       forward_direct(g, pa.data + gr * asz, kcb, xg, bg, u0, u1, yg, pb);
                     else
                       forward_tile(g, rows.data(), pa.data + gr * asz, kcb, xg, bg, u0 * NR,
                                    std::min(u1 * NR, HoWo), yg, pb);
                   }
                 }
               });
}

// The forward of the input gradients below: few outputs by conv_narrow.hpp where it pays.
inline void forward_any(const Conv2dGeom& g, const float* x, const float* w, float* y) {
  if (conv_narrow::pays(g)) conv_narrow::forward(g, x, w, nullptr, y);
  else forward(g, x, w, nullptr, y);
}

// The input gradient of a stride-1 conv is itself a stride-1 conv of gy (when the output size
// is the exact one, so every input pixel is covered by the transform).
// Small maps with many output channels keep the im2col path for both gradients: there the GEMMs
// (taps × positions × channels for the input gradient, channels × taps × positions for the
// weight gradient) have hundreds of rows to amortise their packing, while the implicit input
// gradient packs a narrow map's rows piece by piece and the direct weight gradient's dot
// products are bound by L2 reads. Measured (2 threads, implicit or direct / im2col, ms):
// PatchGAN's 128→256 4×4 at 18×34 input gradient 1.92 / 1.61, weight gradient 2.05 / 1.60;
// FlowNetS's 512→512 3×3 at 16×32 weight gradient 7.7–8.3 / 5.9; at 2048 positions the direct
// weight gradient still wins (FlowNetS's 128→256 5×5 stride 2, 9.0 / 10.3).
inline bool small_map_many_channels(const Conv2dGeom& g) {
  return g.kg() >= 256 && g.N * g.hw_out() <= 1024;
}

inline bool usable_input_grad(const Conv2dGeom& g) {
  return g.sh == 1 && g.sw == 1 && !g.pointwise() && g.N > 0 && g.N * g.hw_in() >= 256 &&
         g.Ho == g.H + 2 * g.ph - g.dh * (g.kh - 1) && g.Wo == g.W + 2 * g.pw - g.dw * (g.kw - 1) &&
         !small_map_many_channels(g);
}

// gx [N, C, H, W] from gy [N, K, Ho, Wo] for a stride-1 conv: gx = conv(gy, w'), where w'
// [C, K/groups, kh, kw] is w with each group's in/out channels swapped and the taps flipped,
// padding d·(k−1) − p (possibly negative: a crop).
inline void input_grad(const Conv2dGeom& g, const float* gy, const float* w, float* gx) {
  Conv2dGeom t = g;
  t.C = g.K, t.H = g.Ho, t.W = g.Wo, t.K = g.C, t.Ho = g.H, t.Wo = g.W;
  t.ph = g.dh * (g.kh - 1) - g.ph, t.pw = g.dw * (g.kw - 1) - g.pw;
  const int64_t cg = g.cg(), kg = g.kg(), kk = g.kh * g.kw;
  Buffer wt(g.C * kg * kk);
  parallel_for(g.groups * kg, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t gr = i / kg, k = i % kg;
      for (int64_t c = 0; c < cg; ++c) {
        const float* src = w + ((gr * kg + k) * cg + c) * kk;
        float* dst = wt.data + ((gr * cg + c) * kg + k) * kk;
        for (int64_t j = 0; j < kk; ++j) dst[kk - 1 - j] = src[j];
      }
    }
  });
  forward_any(t, gy, wt.data, gx);
}

// ---- Strided input gradient (and so the transposed convs' forward) -------------------------
// For stride s (dilation 1) the input positions y = s·Y + ry of one phase ry receive only the
// taps i ≡ ry + p (mod s), i = ti + s·m, from gy rows oy = Y − m + qy (qy = (ry + p − ti)/s): a
// stride-1 conv of gy with the flipped sub-kernel w[ti + s·(nI − 1 − a)], padding nI − 1 − qy,
// and ⌈(H − ry)/s⌉ output rows. Each of the sh·sw phases runs the forward above into a scratch
// image that is then spread into gx (every input position lies in exactly one phase), so a
// strided input gradient does the GEMM work of the stride-1 one with no col2im.
struct Phase {
  int64_t r, t, n, q, out;  // phase, first tap, taps, gy offset, output rows (or columns)
};
inline Phase phase_of(int64_t r, int64_t k, int64_t s, int64_t p, int64_t size) {
  Phase ph;
  ph.r = r;
  ph.t = (r + p) % s;
  ph.n = ph.t < k ? (k - ph.t + s - 1) / s : 0;
  ph.q = (r + p - ph.t) / s;
  ph.out = size > r ? (size - r + s - 1) / s : 0;
  return ph;
}
// The stride-1 forward geometry of phase (py, px): gy [N, K, Ho, Wo] → [N, C, py.out, px.out].
inline Conv2dGeom phase_geom(const Conv2dGeom& g, const Phase& py, const Phase& px) {
  Conv2dGeom t;
  t.N = g.N, t.C = g.K, t.H = g.Ho, t.W = g.Wo, t.K = g.C, t.groups = g.groups;
  t.kh = py.n, t.kw = px.n, t.Ho = py.out, t.Wo = px.out;
  t.ph = py.n - 1 - py.q, t.pw = px.n - 1 - px.q;
  return t;
}

// Taken where it beats the im2col path, whose col2im pass costs about 1/K of its GEMM (K = gy's
// channels per group): so the phases pay with few gy channels, on large maps, or with large
// kernels, and each phase's forward re-reads its whole weight panel per output tile. Measured
// (2 threads, phases / im2col ms): K 32 at 65×129, 4×4: 1.33 / 2.6; K 64 at 64×128, 3×3: 1.16 /
// 1.29, but at 33×65, 4×4: 0.58 / 0.52; K 128 at 32×64, 5×5: 2.46 / 2.62, but 3×3: 1.02 / 0.94,
// and at 17×33, 4×4: 0.63 / 0.45; K 256 at 16×32: 1.34 / 0.81 (3×3), 3.25 / 2.48 (5×5).
inline constexpr int64_t kMaxPhaseChannels = 128;
inline bool phases_pay(const Conv2dGeom& g) {
  const int64_t K = g.kg(), positions = g.N * g.hw_out();
  return K <= 32 || (K <= 64 && positions >= 4096) ||
         (K <= kMaxPhaseChannels && g.kh * g.kw >= 25);
}

inline bool usable_strided_input_grad(const Conv2dGeom& g) {
  if (g.sh * g.sw == 1 || g.dh != 1 || g.dw != 1 || g.N == 0 || g.kg() == 0 || g.cg() == 0 ||
      !phases_pay(g))
    return false;
  for (int64_t ry = 0; ry < g.sh; ++ry)
    for (int64_t rx = 0; rx < g.sw; ++rx) {
      const Phase py = phase_of(ry, g.kh, g.sh, g.ph, g.H), px = phase_of(rx, g.kw, g.sw, g.pw, g.W);
      if (py.n == 0 || px.n == 0) continue;  // no taps: zeros
      const Conv2dGeom t = phase_geom(g, py, px);
      if (!t.pointwise() && !usable(t)) return false;  // a 1×1 phase is a plain GEMM
    }
  return true;
}

inline void strided_input_grad(const Conv2dGeom& g, const float* gy, const float* w, float* gx) {
  const int64_t cg = g.cg(), kg = g.kg();
  for (int64_t ry = 0; ry < g.sh; ++ry)
    for (int64_t rx = 0; rx < g.sw; ++rx) {
      const Phase py = phase_of(ry, g.kh, g.sh, g.ph, g.H), px = phase_of(rx, g.kw, g.sw, g.pw, g.W);
      const int64_t planes = g.N * g.C, area = py.out * px.out;
      Buffer part(planes * area);
      if (py.n > 0 && px.n > 0) {
        const Conv2dGeom t = phase_geom(g, py, px);
        const int64_t taps = py.n * px.n;
        Buffer wt(g.C * kg * taps);  // [C, K/groups, nI, nJ]: in/out swapped, sub-kernel flipped
        for (int64_t gr = 0; gr < g.groups; ++gr)
          for (int64_t k = 0; k < kg; ++k)
            for (int64_t c = 0; c < cg; ++c) {
              const float* src = w + ((gr * kg + k) * cg + c) * g.kh * g.kw;
              float* dst = wt.data + ((gr * cg + c) * kg + k) * taps;
              for (int64_t a = 0; a < py.n; ++a)
                for (int64_t b = 0; b < px.n; ++b)
                  dst[a * px.n + b] = src[(py.t + g.sh * (py.n - 1 - a)) * g.kw + px.t + g.sw * (px.n - 1 - b)];
            }
        if (!t.pointwise()) {
          forward_any(t, gy, wt.data, part.data);
        } else {  // a 1×1 phase: part_n,g [C/groups, HoWo] = wt_g [C/groups, K/groups] · gy_n,g
          for (int64_t n = 0; n < g.N; ++n)
            for (int64_t gr = 0; gr < g.groups; ++gr)
              avx512::sgemm(false, false, cg, area, kg, 1.0f, wt.data + gr * cg * kg, kg,
                            gy + (n * g.K + gr * kg) * area, area, 0.0f, part.data + (n * g.C + gr * cg) * area,
                            area);
        }
      } else {
        std::fill(part.data, part.data + planes * area, 0.0f);
      }
      parallel_for(planes * py.out, 64, [&](int64_t b, int64_t e) {
        for (int64_t row = b; row < e; ++row) {
          const int64_t plane = row / py.out, Y = row % py.out;
          const float* src = part.data + row * px.out;
          float* dst = gx + (plane * g.H + g.sh * Y + ry) * g.W + rx;
          for (int64_t X = 0; X < px.out; ++X) dst[g.sw * X] = src[X];
        }
      });
    }
}

// gw (or a thread's partial sum) over the spatial positions [b, e) of the flattened
// (image, position) space: C = Σ gy_g[:, s]·col[:, s]ᵀ, the first slice overwriting C.
inline void weight_grad_range(const Conv2dGeom& g, const ColRow* rows, const float* x,
                              const float* gy, int64_t b, int64_t e, float* out) {
  static thread_local avx512::PackBuffer abuf, bbuf;
  const int64_t M = g.kg(), N = g.ckk(), HoWo = g.hw_out();
  const int64_t ncb = avx512::balanced(N, NC, NR);
  const auto& kern = avx512::kernels();
  const avx512::RowPanels rp(M);
  float* pa = abuf.get(size_t(rp.np * MR * KC));
  float* pb = bbuf.get(size_t(std::min(ncb, (N + NR - 1) / NR * NR) * KC));
  bool first = true;
  for (int64_t pos = b; pos < e;) {
    const int64_t n = pos / HoWo, s = pos % HoWo;
    const int64_t kc = std::min({KC, e - pos, HoWo - s});
    for (int64_t gr = 0; gr < g.groups; ++gr) {
      const float* xg = x + (n * g.C + gr * g.cg()) * g.hw_in();
      const float* gyg = gy + (n * g.K + gr * M) * HoWo;
      float* cg = out + gr * M * N;
      avx512::pack_a(false, gyg, HoWo, 0, s, M, kc, pa);
      for (int64_t jc = 0; jc < N; jc += ncb) {
        const int64_t nc = std::min(ncb, N - jc);
        pack_col_transposed(g, xg, rows + jc, nc, s, kc, pb);
        for (int64_t p = 0; p < rp.np; ++p) {
          const int64_t r = rp.row(p), rows = rp.row(p + 1) - r;
          for (int64_t jr = 0; jr < nc; jr += NR)
            kern[rows - 1](kc, pa + p * MR * kc, pb + jr * kc, cg + r * N + jc + jr, N,
                           std::min<int64_t>(NR, nc - jr), 1.f, first ? 0.f : 1.f, nullptr);
        }
      }
    }
    first = false;
    pos += kc;
  }
}

// ---- Direct weight gradient (column stride 1): dot products along the output rows ---------
// gw[m][r] = Σ_{oh, ow} gy[m][oh·Wo + ow] · xp[c][oh·sh + ki·dh][ow + kj·dw], r = (c, ki, kj),
// where xp is x with its zero padding made explicit (a padded copy when ph or pw > 0), so
// every load is a plain one.
// A tile of WM output channels × WR im2col rows keeps WM·WR 16-lane partial sums in
// registers; per 16 output columns it loads WM vectors of gy and WR of xp, straight from the
// tensors (no packing, no transposes), for WM·WR FMAs. Blocking:
//   the (group, r-tile) pairs split over the threads: each thread owns its columns of gw
//   for each image, for oh in Ho by WB rows (WB·Wo ≈ WSPAN = 8192: a tile's gy rows in L2)
//     for each m tile, for each of the thread's r tiles: the block's dot products, whose
//       16 lanes are then added into gw
inline constexpr int WM = 4, WR = 6;
#ifndef GANLIB_CONV_WSPAN
#define GANLIB_CONV_WSPAN 8192
#endif
inline constexpr int64_t WSPAN = GANLIB_CONV_WSPAN;  // output positions per block (WB·Wo)

// out[i][j] = Σ_{oh ∈ [0, rows), ow < Wo} gy_i[oh·Wo + ow] · xs_j[oh·xstep + ow].
inline void wgrad_block(int64_t rows, int64_t Wo, const float* const* gyc, const float* const* xsc,
                        int64_t xstep, float (*out)[WR]) {
  __m512 acc[WM][WR];
#pragma GCC unroll 8
  for (int i = 0; i < WM; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < WR; ++j) acc[i][j] = _mm512_setzero_ps();
  const float* gyr[WM];
  const float* xs[WR];
  for (int i = 0; i < WM; ++i) gyr[i] = gyc[i];
  for (int j = 0; j < WR; ++j) xs[j] = xsc[j];
  const int64_t full = Wo / 16 * 16;
  const __mmask16 tail = avx512::lanes(Wo - full);
  for (int64_t oh = 0; oh < rows; ++oh) {
    for (int64_t ow = 0; ow < full; ow += 16) {
      __m512 a[WM];
#pragma GCC unroll 8
      for (int i = 0; i < WM; ++i) a[i] = _mm512_loadu_ps(gyr[i] + ow);
#pragma GCC unroll 8
      for (int j = 0; j < WR; ++j) {
        __m512 b = _mm512_loadu_ps(xs[j] + ow);
        // Keep b in a register: folded into the FMAs, the load would repeat WM times.
        asm("" : "+v"(b));
#pragma GCC unroll 8
        for (int i = 0; i < WM; ++i) acc[i][j] = _mm512_fmadd_ps(a[i], b, acc[i][j]);
      }
    }
    if (tail) {
      __m512 a[WM];
#pragma GCC unroll 8
      for (int i = 0; i < WM; ++i) a[i] = _mm512_maskz_loadu_ps(tail, gyr[i] + full);
#pragma GCC unroll 8
      for (int j = 0; j < WR; ++j) {
        const __m512 b = _mm512_maskz_loadu_ps(tail, xs[j] + full);
#pragma GCC unroll 8
        for (int i = 0; i < WM; ++i) acc[i][j] = _mm512_fmadd_ps(a[i], b, acc[i][j]);
      }
    }
#pragma GCC unroll 8
    for (int i = 0; i < WM; ++i) gyr[i] += Wo;
#pragma GCC unroll 8
    for (int j = 0; j < WR; ++j) xs[j] += xstep;
  }
  for (int i = 0; i < WM; ++i)
    for (int j = 0; j < WR; ++j) out[i][j] = _mm512_reduce_add_ps(acc[i][j]);
}

inline bool use_direct_weight_grad(const Conv2dGeom& g) { return g.sw == 1 && g.Wo >= 32; }

// gw [K, C/groups, kh, kw] for a column stride of 1, by direct dot products.
// Row stride 1 with output rows that fill their vectors badly (Wo = 34: three vectors for 34
// columns): the dot products run over the flattened map instead (s = oh·Wo + ow), on kw copies
// of the padded input shifted by kj·dw with rows of Wo columns, so that tap (c, ki, kj) reads
// copy kj at s + ki·dh·Wo: one stretch of Ho·Wo positions, a partial vector only at its end.
inline bool flat_weight_grad(const Conv2dGeom& g) {
  return g.sh == 1 && (g.Wo + 15) / 16 * 16 * 10 > 11 * g.Wo;
}

inline void weight_grad_direct(const Conv2dGeom& g, const float* x, const float* gy, float* gw) {
  const int64_t M = g.kg(), R = g.ckk(), HoWo = g.hw_out(), kk = g.kh * g.kw, NC = g.N * g.C;
  const int64_t mtiles = (M + WM - 1) / WM, rtiles = (R + WR - 1) / WR;
  const bool flat = flat_weight_grad(g);
  // Blocks of output positions: wb rows of Wo (or, flat, one stretch of up to WSPAN).
  const int64_t wb = flat ? 1 : std::max<int64_t>(1, WSPAN / g.Wo);
  const int64_t blocks = flat ? (HoWo + WSPAN - 1) / WSPAN : (g.Ho + wb - 1) / wb;
  // The padded input xp: Hp rows of rowlen columns per channel (out-of-image taps read zeros);
  // flat, kw of them, copy kj holding columns kj·dw onwards.
  const int64_t Hp = std::max(g.H + 2 * g.ph, (g.Ho - 1) * g.sh + (g.kh - 1) * g.dh + 1);
  const int64_t Wp = std::max(g.W + 2 * g.pw, g.Wo + (g.kw - 1) * g.dw);
  const int64_t rowlen = flat ? g.Wo : Wp, copies = flat ? g.kw : 1;
  const bool copy = flat || Hp != g.H || Wp != g.W;
  Buffer xpad(copy ? copies * NC * Hp * rowlen : 0);
  if (copy)
    parallel_for(copies * NC, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        // Column col of the copy is x's column col + shift − pw.
        const int64_t shift = flat ? p / NC * g.dw : 0, plane = p % NC;
        const int64_t lo = std::clamp<int64_t>(g.pw - shift, 0, rowlen),
                      hi = std::clamp<int64_t>(g.W + g.pw - shift, lo, rowlen);
        for (int64_t h = 0; h < Hp; ++h) {
          float* d = xpad.data + (p * Hp + h) * rowlen;
          std::fill(d, d + rowlen, 0.f);
          if (h >= g.ph && h < g.ph + g.H) {
            const float* src = x + (plane * g.H + h - g.ph) * g.W + shift - g.pw;
            std::copy(src + lo, src + hi, d + lo);
          }
        }
      }
    });
  const float* xp = copy ? xpad.data : x;
  std::fill(gw, gw + g.K * R, 0.f);
  const int64_t total = g.groups * rtiles;
  parallel_for(
      total, std::max<int64_t>(1, total / chunk_count(total, 4)), [&](int64_t b, int64_t e) {
        for (int64_t n = 0; n < g.N; ++n)
          for (int64_t blk = 0; blk < blocks; ++blk)
            for (int64_t gr = b / rtiles; gr * rtiles < e; ++gr) {
              const int64_t t0 = std::max(b - gr * rtiles, int64_t(0)),
                            t1 = std::min(e - gr * rtiles, rtiles);
              // Positions [s0, s0 + len) of the map: rows × width.
              const int64_t oh0 = blk * wb, s0 = flat ? blk * WSPAN : oh0 * g.Wo;
              const int64_t rows = flat ? 1 : std::min(g.Ho, oh0 + wb) - oh0;
              const int64_t width = flat ? std::min(WSPAN, HoWo - s0) : g.Wo;
              for (int64_t mt = 0; mt < mtiles; ++mt) {
                // A ragged tile repeats its last row (the repeats are computed but not stored).
                const float* gyc[WM];
                for (int i = 0; i < WM; ++i)
                  gyc[i] = gy + (n * g.K + gr * M + std::min(mt * WM + i, M - 1)) * HoWo + s0;
                for (int64_t t = t0; t < t1; ++t) {
                  const float* xs[WR];  // xs[j][ow] is x's column ow·sw + kj·dw of the tap's row
                  for (int j = 0; j < WR; ++j) {
                    const int64_t r = std::min(t * WR + j, R - 1), c = r / kk, ki = r / g.kw % g.kh,
                                  kj = r % g.kw;
                    const int64_t plane = n * g.C + gr * g.cg() + c;
                    xs[j] = flat ? xp + ((kj * NC + plane) * Hp + ki * g.dh) * rowlen + s0
                                 : xp + (plane * Hp + oh0 * g.sh + ki * g.dh) * rowlen + kj * g.dw;
                  }
                  float out[WM][WR];
                  wgrad_block(rows, width, gyc, xs, g.sh * rowlen, out);
                  for (int64_t i = 0; i < std::min<int64_t>(WM, M - mt * WM); ++i)
                    for (int64_t j = 0; j < std::min<int64_t>(WR, R - t * WR); ++j)
                      gw[(gr * M + mt * WM + i) * R + t * WR + j] += out[i][j];
                }
              }
            }
      });
}

// ---- Strided weight gradient by column phases ----------------------------------------------
// For column stride s (dilation 1) the taps kj = rx + s·b of column phase rx read input columns
// s·(ow + b) + rx − pw: with the phase image xr[c][h][j] = xp[c][h][s·j + rx − pw] (xp: x with
// its row padding made explicit, zeros outside), j < Wo + nb − 1, they are a conv of column
// stride 1 (row stride kept) with the phase's nb column taps, padding 0 — the direct kernel's
// case. So each phase gathers its image once (together the phases hold x once, where im2col
// would write kh·kw/s copies of it) and its taps of gw come from weight_grad_direct.
inline int64_t column_taps(const Conv2dGeom& g, int64_t rx) {
  return rx < g.kw ? (g.kw - rx + g.sw - 1) / g.sw : 0;
}
inline Conv2dGeom column_phase_geom(const Conv2dGeom& g, int64_t rx) {
  Conv2dGeom t = g;
  t.kw = column_taps(g, rx), t.sw = 1, t.pw = 0, t.ph = 0;
  t.H = std::max(g.H + 2 * g.ph, (g.Ho - 1) * g.sh + (g.kh - 1) * g.dh + 1);
  t.W = g.Wo + t.kw - 1;
  return t;
}
// Measured (pix2pixHD's and FlowNetS's strided layers): 1.6–2.5× the im2col path's speed from
// 64 output columns, slower at 32 (short rows: the dot products end every 32 columns).
inline bool usable_strided_weight_grad(const Conv2dGeom& g) {
  if (g.sw == 1 || g.dw != 1 || g.N == 0 || g.kg() == 0 || g.cg() == 0 || g.Wo < 64) return false;
  for (int64_t rx = 0; rx < std::min(g.sw, g.kw); ++rx)
    if (!use_direct_weight_grad(column_phase_geom(g, rx))) return false;
  return true;
}

inline void strided_weight_grad(const Conv2dGeom& g, const float* x, const float* gy, float* gw) {
  const int64_t cg = g.cg(), kk = g.kh * g.kw;
  std::fill(gw, gw + g.K * cg * kk, 0.f);  // phases rx ≥ kw have no taps
  for (int64_t rx = 0; rx < std::min(g.sw, g.kw); ++rx) {
    const Conv2dGeom t = column_phase_geom(g, rx);
    Buffer xr(g.N * g.C * t.H * t.W), part(g.K * cg * g.kh * t.kw);
    parallel_for(g.N * g.C, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p)
        for (int64_t h = 0; h < t.H; ++h) {
          float* d = xr.data + (p * t.H + h) * t.W;
          const int64_t ih = h - g.ph;
          if (ih < 0 || ih >= g.H) {
            std::fill(d, d + t.W, 0.f);
            continue;
          }
          const float* src = x + (p * g.H + ih) * g.W + rx - g.pw;  // src[s·j] is column s·j + rx − pw
          for (int64_t j = 0; j < t.W; ++j) {
            const int64_t iw = g.sw * j + rx - g.pw;
            d[j] = iw >= 0 && iw < g.W ? src[g.sw * j] : 0.f;
          }
        }
    });
    weight_grad_direct(t, xr.data, gy, part.data);
    for (int64_t f = 0; f < g.K * cg * g.kh; ++f)  // (k, c, ki) rows: taps b → kj = rx + s·b
      for (int64_t b = 0; b < t.kw; ++b) gw[f * g.kw + rx + g.sw * b] = part.data[f * t.kw + b];
  }
}

// Column stride 1 only (strided convs take strided_weight_grad above, or the im2col path).
inline bool usable_weight_grad(const Conv2dGeom& g) {
  // One A block must hold all output channels of a group (block_mc rows).
  return g.sw == 1 && usable(g) && g.kg() <= avx512::MC && !small_map_many_channels(g);
}

// gw [K, C/groups, kh, kw] = Σ over images and positions of gy · colᵀ.
inline void weight_grad(const Conv2dGeom& g, const float* x, const float* gy, float* gw) {
  if (use_direct_weight_grad(g)) return weight_grad_direct(g, x, gy, gw);
  const int64_t total = g.N * g.hw_out(), wsize = g.K * g.ckk();
  // Split K over the threads when each share has a few hundred positions: a share costs
  // wsize FMAs per position, the final sum of the partial gradients wsize adds in all.
  const int chunks = chunk_count(total, 256);
  const std::vector<ColRow> rows = col_rows(g);
  if (chunks == 1) {
    weight_grad_range(g, rows.data(), x, gy, 0, total, gw);
    return;
  }
  Buffer partial((chunks - 1) * wsize);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c)
      weight_grad_range(g, rows.data(), x, gy, total * c / chunks, total * (c + 1) / chunks,
                        c == 0 ? gw : partial.data + (c - 1) * wsize);
  });
  for (int c = 1; c < chunks; ++c) {
    const float* __restrict p = partial.data + (c - 1) * wsize;
    for (int64_t i = 0; i < wsize; ++i) gw[i] += p[i];
  }
}

}  // namespace ganlib::kernels::conv_implicit

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
