// backend/cpu/conv_winograd.hpp — 3×3 stride-1 float convolutions by Winograd's minimal
// filtering F(2×2, 3×3) (Lavin & Gray 2015), for AVX-512 builds.
// Contract: winograd::forward / input_grad / weight_grad compute what kernels::conv2d_forward /
// conv2d_input_grad / conv2d_weight_grad compute, for the geometries fits() accepts (3×3, stride
// 1, dilation 1, one group, padding ≤ 2); results are repeatable for a thread count. They agree
// with the direct convolution to float rounding (a few ulps of Σ|terms|, tested against a
// double convolution in tests/ops/test_conv_paths.cpp); conv.hpp takes them where usable() says
// the channels and tiles are many enough to pay.
//
// Why: each 2×2 output tile costs 16 multiplications per (input, output) channel pair instead
// of 36, so a 3×3 conv's arithmetic, which bounds BigGAN's training step (bench/PROFILE.md),
// falls 2.25×. The price is three cheap transforms and a 16/9 larger weight operand.
//
// The algorithm, per 4×4 input patch d (stride 2, so patches overlap by 2) and 3×3 filter g:
//   y (2×2) = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        with Bᵀ, G, Aᵀ below.
// Over all channels, for each of the 16 positions ξ of the 4×4 transform domain:
//   M_ξ [K × P] = U_ξ [K × C] · V_ξ [C × P]       (U = G g Gᵀ, V = Bᵀ d B, P tiles)
// sixteen GEMMs run on gemm_avx512.hpp's serial kernel with U_ξ packed once per call.
//   forward      tiles of all images in blocks of ~kBlockTiles, split over the threads; per
//                block: transform the input patches (16 tiles per vector, one tile row at a
//                time), sixteen GEMMs, transform back into y (+ bias)
//   input grad   the forward on gy with w's channels swapped and taps flipped, padding 2 − p
//   weight grad  dU_ξ [K × C] = Σ_tiles (A dy Aᵀ)_ξ · V_ξᵀ, summed per thread over its blocks,
//                the thread sums added in order, then dg = Gᵀ dU G
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
#include <cstdlib>

#include "../geometry.hpp"
#include "gemm_avx512.hpp"
#include "scratch.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels::winograd {

using Buffer = cpu_detail::Scratch<float>;

#ifndef GANLIB_WINOGRAD_TILES
#define GANLIB_WINOGRAD_TILES 128
#endif
// Tiles per block: the block's V (16·C·P floats) and M (16·K·P) are 2 MB each at 256 channels,
// and each GEMM has P columns for its packed U_ξ panels to sweep.
inline constexpr int64_t kBlockTiles = GANLIB_WINOGRAD_TILES;
inline constexpr int kPositions = 16;  // the 4×4 transform domain

// The geometries the transforms are written for.
inline bool fits(const Conv2dGeom& g) {
  return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
         g.groups == 1 && g.ph >= 0 && g.ph <= 2 && g.pw >= 0 && g.pw <= 2 && g.N > 0 && g.Ho > 0 &&
         g.Wo > 0 && g.C > 0 && g.K > 0;
}

// 2×2 output tiles of an output map.
inline int64_t tiles_of(int64_t Ho, int64_t Wo) { return ((Ho + 1) / 2) * ((Wo + 1) / 2); }

// Where the transforms pay (measured on BigGAN's and FlowNetS's layers, bench/PROFILE.md): both
// channel counts large enough for the GEMMs to dwarf the transforms, and enough tiles that the
// 16/9 larger weights are read for many columns. The weight gradient needs more (each thread
// sums a 16·K·C dU of its own).
inline bool worth_it(int64_t C, int64_t K, int64_t tiles, int64_t min_tiles) {
  return C >= 64 && K >= 64 && tiles >= min_tiles;
}
// GANLIB_CONV_WINOGRAD=0 in the environment turns the path off (the direct kernels then run
// every conv, e.g. to compare results bit for bit with an earlier run).
inline bool enabled() {
  static const bool on = [] {
    const char* e = std::getenv("GANLIB_CONV_WINOGRAD");
    return !(e && e[0] == '0');
  }();
  return on;
}
inline bool usable(const Conv2dGeom& g) {
  return enabled() && fits(g) && worth_it(g.C, g.K, g.N * tiles_of(g.Ho, g.Wo), 128);
}
inline bool usable_input_grad(const Conv2dGeom& g) {
  return enabled() && fits(g) && worth_it(g.K, g.C, g.N * tiles_of(g.H, g.W), 128);
}
inline bool usable_weight_grad(const Conv2dGeom& g) {
  return enabled() && fits(g) && worth_it(g.C, g.K, g.N * tiles_of(g.Ho, g.Wo), 256);
}

// ---- Tiles and blocks ----------------------------------------------------------------------
// A unit is a run of up to `seg` tiles of one tile row of one image; a block is a run of
// units, its tiles numbered in that order (the GEMMs' columns).
struct Tiling {
  int64_t N, H, W, Ho, Wo, ph, pw;  // the conv being tiled (input H×W, output Ho×Wo)
  int64_t th, tw, seg, segs, units, per_block, blocks;
  Tiling(const Conv2dGeom& g, int threads)
      : N(g.N), H(g.H), W(g.W), Ho(g.Ho), Wo(g.Wo), ph(g.ph), pw(g.pw) {
    th = (Ho + 1) / 2, tw = (Wo + 1) / 2;
    seg = std::min<int64_t>(tw, kBlockTiles);
    segs = (tw + seg - 1) / seg;
    units = N * th * segs;
    // Enough blocks for the target size, a multiple of the thread count (parallel_for splits
    // them evenly), then as even as whole units allow.
    const int64_t want = std::max<int64_t>(1, (units * seg + kBlockTiles - 1) / kBlockTiles);
    const int64_t b = (want + threads - 1) / threads * threads;
    per_block = std::max<int64_t>(1, (units + b - 1) / b);
    blocks = (units + per_block - 1) / per_block;
  }
  struct Unit {
    int64_t n, i, j0, count;  // image, tile row, first tile column, tiles
  };
  Unit unit(int64_t u) const {
    const int64_t r = u / segs, j0 = u % segs * seg;
    return {r / th, r % th, j0, std::min(seg, tw - j0)};
  }
  int64_t block_tiles() const { return per_block * seg; }  // an upper bound, for buffers
  int64_t first_unit(int64_t b) const { return b * per_block; }
  int64_t end_unit(int64_t b) const { return std::min(units, (b + 1) * per_block); }
  int64_t columns(int64_t b) const {  // the tiles of block b
    int64_t n = 0;
    for (int64_t u = first_unit(b); u < end_unit(b); ++u) n += unit(u).count;
    return n;
  }
};

// ---- Transforms ----------------------------------------------------------------------------
// Lanes l with 0 ≤ at + l < size.
inline __mmask16 inside(int64_t at, int64_t size) { return avx512::lanes_between(-at, size - at); }
inline __m512 evens(__m512 a, __m512 b) {
  return _mm512_permutex2var_ps(
      a, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), b);
}
inline __m512 odds(__m512 a, __m512 b) {
  return _mm512_permutex2var_ps(
      a, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), b);
}

// d·B for one patch row (4 columns, one tile per lane), B as in Bᵀ = [1 0 −1 0; 0 1 1 0;
// 0 −1 1 0; 0 1 0 −1]; applied to rows and then to columns it gives V = Bᵀ d B.
inline void times_b(const __m512 d[4], __m512 t[4]) {
  t[0] = _mm512_sub_ps(d[0], d[2]);
  t[1] = _mm512_add_ps(d[1], d[2]);
  t[2] = _mm512_sub_ps(d[2], d[1]);
  t[3] = _mm512_sub_ps(d[1], d[3]);
}

// V for the 16 tiles starting at tile column j of tile row i, channel plane x (H × W):
// v[4a + b] holds position (a, b) of each lane's 4×4 transformed patch.
inline void input_tiles(const Tiling& t, const float* x, int64_t i, int64_t j, __m512 v[16]) {
  __m512 rows[4][4];
  const int64_t c0 = 2 * j - t.pw;  // the first input column of lane 0's patch
  const __mmask16 m0 = inside(c0, t.W), m1 = inside(c0 + 16, t.W), m2 = inside(c0 + 2, t.W),
                  m3 = inside(c0 + 18, t.W);
  for (int r = 0; r < 4; ++r) {
    const int64_t ih = 2 * i - t.ph + r;
    __m512 d[4];
    if (ih < 0 || ih >= t.H) {
      d[0] = d[1] = d[2] = d[3] = _mm512_setzero_ps();
    } else {
      const float* s = x + ih * t.W + c0;  // lane l's patch columns: s[2l .. 2l + 3]
      const __m512 a = _mm512_maskz_loadu_ps(m0, s), b = _mm512_maskz_loadu_ps(m1, s + 16);
      const __m512 c = _mm512_maskz_loadu_ps(m2, s + 2), e = _mm512_maskz_loadu_ps(m3, s + 18);
      d[0] = evens(a, b), d[1] = odds(a, b), d[2] = evens(c, e), d[3] = odds(c, e);
    }
    times_b(d, rows[r]);
  }
  for (int b = 0; b < 4; ++b) {
    const __m512 col[4] = {rows[0][b], rows[1][b], rows[2][b], rows[3][b]};
    __m512 out[4];
    times_b(col, out);
    for (int a = 0; a < 4; ++a) v[4 * a + b] = out[a];
  }
}

// Aᵀ m A for 16 tiles (Aᵀ = [1 1 1 0; 0 1 −1 −1]), plus bias, written to output rows 2i, 2i+1
// of plane y from tile column j, `count` tiles (≤ 16) of them.
inline void output_tiles(const Tiling& t, const __m512 m[16], float bias, float* y, int64_t i,
                         int64_t j, int64_t count) {
  __m512 s[2][4];
  for (int b = 0; b < 4; ++b) {
    s[0][b] = _mm512_add_ps(_mm512_add_ps(m[b], m[4 + b]), m[8 + b]);
    s[1][b] = _mm512_sub_ps(_mm512_sub_ps(m[4 + b], m[8 + b]), m[12 + b]);
  }
  const __m512 vb = _mm512_set1_ps(bias);
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi =
      _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  const int64_t c0 = 2 * j, cols = std::min(t.Wo - c0, 2 * count);
  for (int r = 0; r < 2; ++r) {
    const int64_t oh = 2 * i + r;
    if (oh >= t.Ho) break;
    const __m512 y0 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[r][0], s[r][1]), s[r][2]), vb);
    const __m512 y1 = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s[r][1], s[r][2]), s[r][3]), vb);
    float* d = y + oh * t.Wo + c0;
    _mm512_mask_storeu_ps(d, avx512::lanes(cols), _mm512_permutex2var_ps(y0, lo, y1));
    _mm512_mask_storeu_ps(d + 16, avx512::lanes(cols - 16), _mm512_permutex2var_ps(y0, hi, y1));
  }
}

// A dy Aᵀ for the 16 tiles starting at tile column j of tile row i of plane gy (Ho × Wo):
// the output gradient in the transform domain (zero beyond the output's edge).
inline void grad_tiles(const Tiling& t, const float* gy, int64_t i, int64_t j, __m512 z[16]) {
  __m512 rows[2][4];
  const int64_t c0 = 2 * j;
  const __mmask16 m0 = inside(c0, t.Wo), m1 = inside(c0 + 16, t.Wo);
  for (int r = 0; r < 2; ++r) {
    const int64_t oh = 2 * i + r;
    __m512 g0 = _mm512_setzero_ps(), g1 = g0;
    if (oh < t.Ho) {
      const float* s = gy + oh * t.Wo + c0;
      const __m512 a = _mm512_maskz_loadu_ps(m0, s), b = _mm512_maskz_loadu_ps(m1, s + 16);
      g0 = evens(a, b), g1 = odds(a, b);
    }
    // row · Aᵀ: [g0, g0 + g1, g0 − g1, −g1]
    rows[r][0] = g0;
    rows[r][1] = _mm512_add_ps(g0, g1);
    rows[r][2] = _mm512_sub_ps(g0, g1);
    rows[r][3] = _mm512_sub_ps(_mm512_setzero_ps(), g1);
  }
  for (int b = 0; b < 4; ++b) {
    z[b] = rows[0][b];
    z[4 + b] = _mm512_add_ps(rows[0][b], rows[1][b]);
    z[8 + b] = _mm512_sub_ps(rows[0][b], rows[1][b]);
    z[12 + b] = _mm512_sub_ps(_mm512_setzero_ps(), rows[1][b]);
  }
}

// The 16 positions of G g Gᵀ for 16 filters at once (g[e] holds tap e of each lane's filter),
// G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
inline void filter_transform(const __m512 g[9], __m512 u[16]) {
  const __m512 half = _mm512_set1_ps(0.5f);
  // a, (a + b + c)/2, (a − b + c)/2, c
  auto times_gt = [&](__m512 a, __m512 b, __m512 c, __m512* out, int step) {
    const __m512 ac = _mm512_add_ps(a, c);
    out[0] = a;
    out[step] = _mm512_mul_ps(half, _mm512_add_ps(ac, b));
    out[2 * step] = _mm512_mul_ps(half, _mm512_sub_ps(ac, b));
    out[3 * step] = c;
  };
  __m512 h[3][4];  // g Gᵀ, a filter row at a time
  for (int r = 0; r < 3; ++r) times_gt(g[3 * r], g[3 * r + 1], g[3 * r + 2], h[r], 1);
  for (int q = 0; q < 4; ++q) times_gt(h[0][q], h[1][q], h[2][q], u + q, 4);
}

// The adjoint: dg = Gᵀ du G for one filter's 16 transform-domain gradients.
inline void filter_transform_adjoint(const double du[16], float g[9]) {
  double e[4][3];  // du G
  for (int a = 0; a < 4; ++a) {
    const double* r = du + 4 * a;
    e[a][0] = r[0] + 0.5 * (r[1] + r[2]);
    e[a][1] = 0.5 * (r[1] - r[2]);
    e[a][2] = 0.5 * (r[1] + r[2]) + r[3];
  }
  for (int q = 0; q < 3; ++q) {
    g[q] = float(e[0][q] + 0.5 * (e[1][q] + e[2][q]));
    g[3 + q] = float(0.5 * (e[1][q] - e[2][q]));
    g[6 + q] = float(0.5 * (e[1][q] + e[2][q]) + e[3][q]);
  }
}

// All of the M × Kd matrix A (row-major) packed as gemm_avx512.hpp's sgemm_serial reads a
// pre-packed A.
inline void pack_whole_a(const float* A, int64_t M, int64_t Kd, float* dst) {
  const int64_t mc = avx512::block_mc(M), kc = avx512::block_kc(Kd);
  for (int64_t ic = 0; ic < M; ic += mc)
    for (int64_t pc = 0; pc < Kd; pc += kc)
      avx512::pack_a(false, A, Kd, ic, pc, std::min(mc, M - ic), std::min(kc, Kd - pc),
                     dst + avx512::packed_a_offset(M, Kd, ic, pc));
}

// U_ξ [rows × cols] for the forward (rows = K output channels, cols = C) or, flipped, for the
// input gradient (rows = C, cols = K, filter w[k][c] rotated by 180°), packed: U_ξ starts at
// ξ·packed_a_size(rows, cols) of the result.
inline void packed_filters(const float* w, int64_t K, int64_t C, bool flipped, Buffer& packed) {
  const int64_t rows = flipped ? C : K, cols = flipped ? K : C, plane = rows * cols;
  Buffer u(kPositions * plane);
  // 16 filters of one U row per step: lane l's taps gathered from w, 9 (or 9·C) floats apart.
  const int64_t stride = flipped ? 9 * C : 9;
  const __m512i at =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(int(stride)));
  parallel_for(rows, 4, [&](int64_t r0, int64_t r1) {
    __m512 f[9], t[16];
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t q = 0; q < cols; q += 16) {
        const __mmask16 m = avx512::lanes(cols - q);
        const float* src = flipped ? w + (q * C + r) * 9 : w + (r * C + q) * 9;
        for (int e = 0; e < 9; ++e)
          f[e] =
              _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, at, src + (flipped ? 8 - e : e), 4);
        filter_transform(f, t);
        for (int x = 0; x < kPositions; ++x)
          _mm512_mask_storeu_ps(u.data + x * plane + r * cols + q, m, t[x]);
      }
  });
  const int64_t size = avx512::packed_a_size(rows, cols);
  parallel_for(kPositions, 1, [&](int64_t x0, int64_t x1) {
    for (int64_t x = x0; x < x1; ++x)
      pack_whole_a(u.data + x * plane, rows, cols, packed.data + x * size);
  });
}

// The 16 transform-domain positions of every tile of block b, for `channels` planes of src
// (plane_size floats each): dst[(ξ·channels + c)·ld + tile]. tiles(t, plane, i, j, out)
// transforms the 16 tiles from tile column j of tile row i (input_tiles or grad_tiles).
template <class Tiles>
inline void transform_block(const Tiling& t, int64_t b, const float* src, int64_t channels,
                            int64_t plane_size, Tiles tiles, float* dst, int64_t ld) {
  __m512 out[kPositions];
  for (int64_t c = 0; c < channels; ++c) {
    int64_t col = 0;
    for (int64_t u = t.first_unit(b); u < t.end_unit(b); ++u) {
      const Tiling::Unit un = t.unit(u);
      const float* plane = src + (un.n * channels + c) * plane_size;
      for (int64_t q = 0; q < un.count; q += 16) {
        tiles(t, plane, un.i, un.j0 + q, out);
        const __mmask16 m = avx512::lanes(un.count - q);
        for (int x = 0; x < kPositions; ++x)
          _mm512_mask_storeu_ps(dst + (x * channels + c) * ld + col + q, m, out[x]);
      }
      col += un.count;
    }
  }
}
// V of block b for all C channels of x.
inline void transform_input_block(const Tiling& t, int64_t b, const float* x, int64_t C, float* v,
                                  int64_t ld) {
  transform_block(t, b, x, C, t.H * t.W, input_tiles, v, ld);
}

// ---- The three primitives ------------------------------------------------------------------
// y = conv(x, filters) + bias for the tiling's geometry, U packed by packed_filters.
inline void forward_packed(const Conv2dGeom& g, const float* x, const float* pu, const float* bias,
                           float* y) {
  const Tiling t(g, num_threads());
  const int64_t C = g.C, K = g.K, P = t.block_tiles(), usize = avx512::packed_a_size(K, C);
  parallel_for(t.blocks, 1, [&](int64_t b0, int64_t b1) {
    static thread_local avx512::PackBuffer vbuf, mbuf;
    float* v = vbuf.get(size_t(kPositions * C * P));
    float* m = mbuf.get(size_t(kPositions * K * P));
    __m512 mm[kPositions];
    for (int64_t b = b0; b < b1; ++b) {
      transform_input_block(t, b, x, C, v, P);
      const int64_t u0 = t.first_unit(b), u1 = t.end_unit(b), cols = t.columns(b);
      for (int x = 0; x < kPositions; ++x)
        avx512::sgemm_serial(false, false, K, cols, C, 1.f, nullptr, C, v + x * C * P, P, 0.f,
                             m + x * K * P, P, pu + x * usize);
      for (int64_t k = 0; k < K; ++k) {
        int64_t col = 0;
        for (int64_t u = u0; u < u1; ++u) {
          const Tiling::Unit un = t.unit(u);
          float* plane = y + (un.n * K + k) * g.Ho * g.Wo;
          for (int64_t q = 0; q < un.count; q += 16) {
            const __mmask16 lanes = avx512::lanes(un.count - q);
            for (int x = 0; x < kPositions; ++x)
              mm[x] = _mm512_maskz_loadu_ps(lanes, m + (x * K + k) * P + col + q);
            output_tiles(t, mm, bias ? bias[k] : 0.f, plane, un.i, un.j0 + q,
                         std::min<int64_t>(16, un.count - q));
          }
          col += un.count;
        }
      }
    }
  });
}

inline void forward(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                    float* y) {
  Buffer pu(kPositions * avx512::packed_a_size(g.K, g.C));
  packed_filters(w, g.K, g.C, false, pu);
  forward_packed(g, x, pu.data, bias, y);
}

// gx = conv(gy, w with in/out channels swapped and taps flipped), padding 2 − p.
inline void input_grad(const Conv2dGeom& g, const float* gy, const float* w, float* gx) {
  Conv2dGeom t = g;
  t.C = g.K, t.H = g.Ho, t.W = g.Wo, t.K = g.C, t.Ho = g.H, t.Wo = g.W;
  t.ph = 2 - g.ph, t.pw = 2 - g.pw;
  Buffer pu(kPositions * avx512::packed_a_size(g.C, g.K));
  packed_filters(w, g.K, g.C, true, pu);
  forward_packed(t, gy, pu.data, nullptr, gx);
}

// gw [K, C, 3, 3] = Σ over tiles, as above.
inline void weight_grad(const Conv2dGeom& g, const float* x, const float* gy, float* gw) {
  const Tiling t(g, num_threads());
  const int64_t C = g.C, K = g.K, P = t.block_tiles(), plane = K * C;
  const int chunks = int(std::min<int64_t>(num_threads(), t.blocks));
  Buffer du(int64_t(chunks) * kPositions * plane);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    static thread_local avx512::PackBuffer vbuf, zbuf;
    float* v = vbuf.get(size_t(kPositions * C * P));
    float* z = zbuf.get(size_t(kPositions * K * P));
    for (int64_t ch = c0; ch < c1; ++ch) {
      float* acc = du.data + ch * kPositions * plane;
      const int64_t b0 = t.blocks * ch / chunks, b1 = t.blocks * (ch + 1) / chunks;
      for (int64_t b = b0; b < b1; ++b) {
        transform_input_block(t, b, x, C, v, P);
        transform_block(t, b, gy, K, g.Ho * g.Wo, grad_tiles, z, P);  // A dy Aᵀ
        const int64_t cols = t.columns(b);
        for (int x = 0; x < kPositions; ++x)
          avx512::sgemm_serial(false, true, K, C, cols, 1.f, z + x * K * P, P, v + x * C * P, P,
                               b == b0 ? 0.f : 1.f, acc + x * plane, C);
      }
    }
  });
  // dg = Gᵀ (Σ_chunks dU) G, per filter, the chunks summed in order (in double).
  parallel_for(plane, 256, [&](int64_t f0, int64_t f1) {
    for (int64_t f = f0; f < f1; ++f) {
      double s[kPositions];
      for (int x = 0; x < kPositions; ++x) {
        s[x] = 0;
        for (int ch = 0; ch < chunks; ++ch)
          s[x] += du.data[(int64_t(ch) * kPositions + x) * plane + f];
      }
      filter_transform_adjoint(s, gw + f * 9);
    }
  });
}

}  // namespace ganlib::kernels::winograd

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
