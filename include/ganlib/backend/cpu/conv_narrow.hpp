// backend/cpu/conv_narrow.hpp — the forward of a float convolution with few output channels
// (at most 128: a PatchGAN's first layers, a generator's outer layers), for AVX-512 builds.
// Contract: conv_narrow::forward computes what kernels::conv2d_forward computes, for float NCHW
// and the geometries usable() accepts (one group, ≤ 128 outputs, column stride 1 or 2);
// repeatable (every output is one thread's sum over the taps, in one order).
//
// Why: as a GEMM (W · im2col) with M ≤ 128 rows, each packed element of the im2col operand feeds
// only 2·M FLOPs, and packing it (a strided gather for stride 2) took half of a 39→32 4×4
// stride-2 conv's time. Here the roles turn around: the weights, K × 32 per block of 32 output
// channels, are the vector operand (packed once per call, a few hundred KB at most), and the
// image values are the broadcast operand, read straight from a zero-padded copy of x:
//   a tile is R ≤ 14 consecutive output columns of one output row, times 32 output channels
//   (28 accumulators); for each tap k = (c, ki, kj) at offset off[k] in the padded image it
//   loads two weight vectors and broadcasts the R input values base + off[k] + r·sw
//   (r < R): nothing is packed per tile, and the tile's sums are transposed into y at the end.
// Rows of Wo columns are dealt into ⌈Wo / 14⌉ tiles of near-equal width (13/14, never a
// 1-column straggler); the output rows of all images split over the threads.
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
#include <vector>

#include "../geometry.hpp"
#include "gemm_avx512.hpp"
#include "scratch.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels::conv_narrow {

inline constexpr int TR = avx512::MR;  // output columns per tile (the broadcast operand): 14
inline constexpr int64_t TM = 32;   // output channels per block (two weight vectors)
inline constexpr int64_t kMaxOutputs = 128;
inline constexpr int64_t kMaxTaps = 4096;  // K × 32 floats of weights (512 KB) stay in L2

// Which geometries it computes: one group, up to 128 outputs, column stride 1 or 2, rows of at
// least 8 columns (16 independent FMA chains per tile). The 1×1 stride-1 convs need no im2col
// and stay a plain GEMM.
inline bool usable(const Conv2dGeom& g) {
  return g.groups == 1 && g.K >= 1 && g.K <= kMaxOutputs && (g.sw == 1 || g.sw == 2) &&
         !g.pointwise() && g.N > 0 && g.Ho > 0 && g.Wo >= 8 && g.C > 0 && g.ckk() <= kMaxTaps;
}

// Where it beats the implicit-im2col GEMM (conv_implicit.hpp), measured on pix2pixHD's and
// FlowNetS's layers (2 threads, GEMM / here, ms): stride 2 — PatchGAN 39→32 4×4 at 128×256
// 1.39 / 0.81, at 64×128 0.41 / 0.21, 32→64 at 65×129 0.48 / 0.35, the generator's 32→64 3×3
// 0.93 / 0.76, with 128 outputs FlowNetS's 64→128 5×5 2.2–2.6 / 1.9–2.2 and the generator's
// 64→128 3×3 0.76–1.03 / 0.73–0.90, but not on a small map (PatchGAN's 64→128 at 9×17 output:
// 0.16 / 0.23); stride 1 with ≤ 32 outputs — the generator's 7×7 36→32 at 128×256 8.4 / 7.7,
// a transposed conv's 2×2 phase 64→32 at 64×128 0.48 / 0.33. With 64 outputs at stride 1 the
// image values are broadcast twice and the GEMM's direct tiles win (3×3 64→64 at 128×128:
// 2.1 / 2.8), as they do from 256 outputs at stride 2.
inline bool pays(const Conv2dGeom& g) {
  const int64_t positions = g.N * g.hw_out();
  return usable(g) && positions >= 64 &&
         (g.K <= TM || (g.sw == 2 && (g.K <= 2 * TM || positions >= 512)));
}

// The 16 channel sums of each of the R tile columns (acc[r]) written as rows: channel c of the
// 16 gets columns [0, R) of its output row at y + c·ld (+ bias[c]), for c < channels.
template <int R>
inline void store_transposed(const __m512* acc, int64_t channels, const float* bias, float* y,
                             int64_t ld) {
  __m512 t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) t[i] = i < R ? acc[i] : _mm512_setzero_ps();
  avx512::transpose16(t);
  const __mmask16 m = avx512::lanes(R);
  for (int64_t c = 0; c < channels; ++c)
    _mm512_mask_storeu_ps(y + c * ld, m,
                          bias ? _mm512_add_ps(t[c], _mm512_set1_ps(bias[c])) : t[c]);
}

// One tile: y[c][r] = Σ_k b[k][c] · base[off[k] + r·S] (+ bias[c]) for its R columns r and the
// block's `channels` ≤ 32 output channels c (rows of y ld apart); b holds K rows of 32 weights.
template <int R, int S>
inline void tile_kernel(int64_t K, const int64_t* __restrict off, const float* base,
                        const float* __restrict b, int64_t channels, const float* bias, float* y,
                        int64_t ld) {
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k, b += TM) {
    const float* p = base + off[k];
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(p[r * S]);
      acc0[r] = _mm512_fmadd_ps(a, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(a, b1, acc1[r]);
    }
  }
  store_transposed<R>(acc0, std::min<int64_t>(16, channels), bias, y, ld);
  if (channels > 16)
    store_transposed<R>(acc1, channels - 16, bias ? bias + 16 : nullptr, y + 16 * ld, ld);
}

using TileKernel = void (*)(int64_t, const int64_t*, const float*, const float*, int64_t,
                            const float*, float*, int64_t);
// kernels<S>()[r − 1] handles a tile of r columns.
template <int S>
inline const auto& kernels() {
  static constexpr auto table =
      avx512::kernels_by_rows<TileKernel>([]<int R>() { return &tile_kernel<R, S>; });
  return table;
}

// y [N, K, Ho, Wo] = conv2d(x, w) (+ bias).
inline void forward(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                    float* y) {
  const int64_t M = g.K, K = g.ckk(), HoWo = g.hw_out(), kk = g.kh * g.kw;
  const int64_t blocks = (M + TM - 1) / TM;
  // Weights as K rows of 32 per block (zero past M): wb[blk][k][j] = w[blk·32 + j][k].
  cpu_detail::Scratch<float> wb(blocks * K * TM);
  for (int64_t blk = 0; blk < blocks; ++blk)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < TM; ++j) {
        const int64_t m = blk * TM + j;
        wb.data[(blk * K + k) * TM + j] = m < M ? w[m * K + k] : 0.f;
      }
  // The padded image: every tap of every output lies inside it (zeros where x has none).
  const int64_t Hp = std::max(g.H + 2 * g.ph, (g.Ho - 1) * g.sh + (g.kh - 1) * g.dh + 1);
  const int64_t Wp = std::max(g.W + 2 * g.pw, (g.Wo - 1) * g.sw + (g.kw - 1) * g.dw + 1);
  const bool copy = Hp != g.H || Wp != g.W || g.ph != 0 || g.pw != 0;
  const int64_t planes = g.N * g.C;
  cpu_detail::Scratch<float> xpad(copy ? planes * Hp * Wp : 0);
  if (copy)
    parallel_for(planes, 1, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p)
        for (int64_t h = 0; h < Hp; ++h) {
          float* d = xpad.data + (p * Hp + h) * Wp;
          const int64_t ih = h - g.ph;
          std::fill(d, d + Wp, 0.f);
          if (ih < 0 || ih >= g.H) continue;
          const int64_t lo = std::clamp<int64_t>(g.pw, 0, Wp),
                        hi = std::clamp<int64_t>(g.pw + g.W, lo, Wp);
          std::copy(x + (p * g.H + ih) * g.W + (lo - g.pw), x + (p * g.H + ih) * g.W + (hi - g.pw),
                    d + lo);
        }
    });
  const float* xp = copy ? xpad.data : x;
  // Tap k = (c, ki, kj) reads the padded image at off[k] from the tile's first input position.
  std::vector<int64_t> off(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k)
    off[size_t(k)] = (k / kk) * Hp * Wp + (k / g.kw % g.kh) * g.dh * Wp + (k % g.kw) * g.dw;
  // Tiles of a row: ⌈Wo / TR⌉ of near-equal width.
  const int64_t nt = (g.Wo + TR - 1) / TR, tbase = g.Wo / nt, textra = g.Wo % nt;
  auto tile_start = [&](int64_t t) { return t * tbase + std::min(t, textra); };
  const auto& kern = g.sw == 1 ? kernels<1>() : kernels<2>();
  // Output rows of all images split over the threads (a row is nt·blocks tiles of K taps).
  const int64_t rows = g.N * g.Ho, per_row = g.Wo * blocks * K;
  parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, per_row)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t row = r0; row < r1; ++row) {
                   const int64_t n = row / g.Ho, oh = row % g.Ho;
                   const float* img = xp + n * g.C * Hp * Wp + oh * g.sh * Wp;
                   for (int64_t t = 0; t < nt; ++t) {
                     const int64_t ow0 = tile_start(t), R = tile_start(t + 1) - ow0;
                     for (int64_t blk = 0; blk < blocks; ++blk) {
                       const int64_t m0 = blk * TM;
                       kern[R - 1](K, off.data(), img + ow0 * g.sw, wb.data + blk * K * TM,
                                   std::min(TM, M - m0), bias ? bias + m0 : nullptr,
                                   y + (n * M + m0) * HoWo + oh * g.Wo + ow0, HoWo);
                     }
                   }
                 }
               });
}

}  // namespace ganlib::kernels::conv_narrow

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
