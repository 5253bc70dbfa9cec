// backend/cpu/conv_one_output.hpp — the forward of a float convolution with one output channel
// (a PatchGAN's last layer, 4×4 256→1 in pix2pixHD's discriminators), for AVX-512 builds.
// Contract: one_output::forward computes what kernels::conv2d_forward computes, for the
// geometries usable() accepts (column stride 1, one group, K = 1); repeatable for a thread count.
//
// Why: as a GEMM this conv is a single row against a deep K, so each packed element of the
// im2col operand feeds one FMA and the packing is nearly all the cost (8 GFLOP/s measured).
// Here nothing is packed: the kernel keeps V = 8 16-lane output sums of one output row in
// registers and, for every tap (c, ki, kj), loads the input row's vectors straight from x
// (masked at the image's edges, where the zero padding is) for V FMAs.
//   rows of all images split over the threads (each output row written by one thread)
//   per output row: for each chunk of 128 columns, for c, ki, kj: V loads and V FMAs; store
// With more outputs the GEMM's register tile amortises its packing and wins (measured: 3
// outputs of a 256-channel 3×3 conv at 32×32 ran 4× slower here, its inputs strided 4 KiB
// apart); so this path is for K = 1 only.
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

#include "../geometry.hpp"
#include "gemm_avx512.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels::one_output {

inline constexpr int V = 8;  // 16-lane sums per chunk: enough independent chains for the FMA latency

inline bool usable(const Conv2dGeom& g) {
  return g.sw == 1 && g.groups == 1 && g.K == 1 && g.N > 0 && g.hw_out() > 0 && g.ckk() > 0 &&
         g.kw <= 16;
}

// y[oh][ow0 : ow0 + V·16) of one image (the lanes past Wo are not stored), with the bias.
inline void row_chunk(const Conv2dGeom& g, const float* x, const float* w, float bias, int64_t oh,
                      int64_t ow0, float* y) {
  __m512 acc[V];
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) acc[v] = _mm512_set1_ps(bias);
  // Vector v of tap column kj reads input columns iw = ow0 + 16·v + lane − pw + kj·dw: the
  // lanes with iw in [0, W) (the rest is padding, read as zero and never touched).
  std::array<std::array<__mmask16, V>, 16> mask;
  for (int64_t kj = 0; kj < g.kw; ++kj)
    for (int v = 0; v < V; ++v) {
      const int64_t iw0 = ow0 + 16 * v - g.pw + kj * g.dw;
      mask[size_t(kj)][size_t(v)] = avx512::lanes_between(-iw0, g.W - iw0);
    }
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      const float* row = x + (c * g.H + ih) * g.W + ow0 - g.pw;
      const float* wt = w + (c * g.kh + ki) * g.kw;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const __m512 a = _mm512_set1_ps(wt[kj]);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          acc[v] = _mm512_fmadd_ps(
              a, _mm512_maskz_loadu_ps(mask[size_t(kj)][size_t(v)], row + kj * g.dw + 16 * v),
              acc[v]);
      }
    }
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v)
    _mm512_mask_storeu_ps(y + oh * g.Wo + ow0 + 16 * v, avx512::lanes(g.Wo - ow0 - 16 * v), acc[v]);
}

// y [N, 1, Ho, Wo] = conv2d(x, w) (+ bias).
inline void forward(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                    float* y) {
  const int64_t per_row = std::max<int64_t>(1, g.Wo * g.ckk());  // FMAs (lanes) per output row
  parallel_for(g.N * g.Ho, std::max<int64_t>(1, (int64_t(1) << 18) / per_row),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t n = r / g.Ho, oh = r % g.Ho;
                   for (int64_t ow0 = 0; ow0 < g.Wo; ow0 += 16 * V)
                     row_chunk(g, x + n * g.C * g.hw_in(), w, bias ? bias[0] : 0.f, oh, ow0,
                               y + n * g.hw_out());
                 }
               });
}

}  // namespace ganlib::kernels::one_output

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
