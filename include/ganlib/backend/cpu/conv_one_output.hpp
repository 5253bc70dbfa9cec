// backend/cpu/conv_one_output.hpp — the three primitives of a float convolution with one output
// channel (a PatchGAN's last layer, 4×4 256→1 in pix2pixHD's discriminators), and the forward
// with two to four on wide maps (a generator's last 7×7 32→3), for AVX-512 builds.
// Contract: one_output::forward / input_grad / weight_grad compute what kernels::conv2d_forward /
// _input_grad / _weight_grad compute, for the geometries usable() accepts (column stride 1, one
// group, K = 1); repeatable for a thread count (every output is one thread's sum, in one order).
//
// Why: as a GEMM this conv is a single row against a deep K, so each packed element of the
// im2col operand feeds one FMA and the packing is nearly all the cost (8 GFLOP/s measured);
// on the im2col path the input gradient and weight gradient of a small map (the coarser
// scales' 10×18 and 6×10) wrote and read a C·kh·kw × Ho·Wo column buffer for a few MFLOP.
// Here nothing is packed or lowered; every load comes straight from the tensors (masked at the
// image's edges, where the zero padding is), and the work is split by output rows:
//   forward      per output row of y: V 16-lane sums (V·16 ≥ Wo, up to 128 columns a chunk),
//                for each tap (c, ki, kj) V loads of an input row and V FMAs; with V < 8 the
//                channels are dealt round-robin over 8 / V sets of sums (enough independent
//                FMA chains), added at the end
//   input grad   per row (n, c, ih) of gx: for each tap whose output row exists, the gy row
//                shifted by the tap's column offset, times the tap's weight
//   weight grad  per (c, ki): kw 16-lane sums, one per tap column; for each image and output
//                row one gy vector and kw shifted x vectors per 16 columns
//   forward, 2-4 outputs (usable_few): KO·V sums, one input vector load for KO FMAs
// With more outputs the GEMM's register tile amortises its packing and wins; on narrow maps even
// three lose (3 outputs of a 256-channel 3×3 conv at 32×32 ran 4× slower here, its inputs
// strided 4 KiB apart), hence usable_few's 128-column floor.
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

inline bool usable(const Conv2dGeom& g) {
  return g.sw == 1 && g.groups == 1 && g.K == 1 && g.N > 0 && g.hw_out() > 0 && g.ckk() > 0 &&
         g.kw <= 16;
}

// Vectors per row chunk: the fewest powers of two that cover Wo, at most 8 (128 columns).
inline int vectors_for(int64_t Wo) { return Wo > 64 ? 8 : Wo > 32 ? 4 : Wo > 16 ? 2 : 1; }

// The load masks of a row chunk starting at output column ow0: vector v of tap column kj reads
// input columns iw = ow0 + 16·v + lane − pw + kj·dw, and the lanes with iw in [0, W) are loaded
// (the rest is padding, read as zero and never touched). Entry [kj][v], kw ≤ 16.
template <int V>
inline std::array<std::array<__mmask16, V>, 16> edge_masks(const Conv2dGeom& g, int64_t ow0) {
  std::array<std::array<__mmask16, V>, 16> mask{};
  for (int64_t kj = 0; kj < g.kw; ++kj)
    for (int v = 0; v < V; ++v) {
      const int64_t iw0 = ow0 + 16 * v - g.pw + kj * g.dw;
      mask[size_t(kj)][size_t(v)] = avx512::lanes_between(-iw0, g.W - iw0);
    }
  return mask;
}

// y[oh][ow0 : ow0 + V·16) of one image (the lanes past Wo are not stored), with the bias.
// P = 8 / V sets of sums, channel c adding into set c % P.
template <int V>
inline void row_chunk(const Conv2dGeom& g, const float* x, const float* w, float bias, int64_t oh,
                      int64_t ow0, float* y) {
  constexpr int P = 8 / V;
  __m512 acc[P][V];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[p][v] = _mm512_setzero_ps();
  const auto mask = edge_masks<V>(g, ow0);
  auto taps = [&](int64_t c, __m512* sums) {
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      const float* row = x + (c * g.H + ih) * g.W + ow0 - g.pw;
      const float* wt = w + (c * g.kh + ki) * g.kw;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        const __m512 a = _mm512_set1_ps(wt[kj]);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v)
          sums[v] = _mm512_fmadd_ps(
              a, _mm512_maskz_loadu_ps(mask[size_t(kj)][size_t(v)], row + kj * g.dw + 16 * v),
              sums[v]);
      }
    }
  };
  int64_t c = 0;
  for (; c + P <= g.C; c += P)
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) taps(c + p, acc[p]);
  for (int p = 0; c < g.C; ++c, ++p) taps(c, acc[p]);
#pragma GCC unroll 8
  for (int v = 0; v < V; ++v) {
    __m512 sum = _mm512_set1_ps(bias);
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) sum = _mm512_add_ps(sum, acc[p][v]);
    _mm512_mask_storeu_ps(y + oh * g.Wo + ow0 + 16 * v, avx512::lanes(g.Wo - ow0 - 16 * v), sum);
  }
}

// A few outputs (2 to 4) on wide maps, forward only: the same row kernel with KO·V sums, each
// input vector loaded once for KO FMAs (FMA-bound, where one output is load-bound). Not on
// narrow maps: a 32×32 map's channel planes lie 4 KiB apart and alias in L1 and L2 (BigGAN's
// 256→3 3×3 ran 4× slower so); rows of ≥ 128 columns are what the generators' last 7×7 has.
inline bool usable_few(const Conv2dGeom& g) {
  return g.sw == 1 && g.groups == 1 && g.K >= 2 && g.K <= 4 && g.Wo >= 128 && g.N > 0 &&
         g.Ho > 0 && g.ckk() > 0 && g.kw <= 16;
}

// y[o][oh][ow0 : ow0 + V·16) for the KO outputs o of one image, with the bias.
template <int KO>
inline void row_chunk_few(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                          int64_t oh, int64_t ow0, float* y) {
  constexpr int V = KO == 4 ? 6 : 8;  // KO·V ≤ 24 sums, leaving registers for KO weights
  __m512 acc[KO][V];
#pragma GCC unroll 4
  for (int o = 0; o < KO; ++o)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[o][v] = _mm512_setzero_ps();
  const auto mask = edge_masks<V>(g, ow0);
  const int64_t per_output = g.ckk();  // output o's weights start at w + o·ckk
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t ki = 0; ki < g.kh; ++ki) {
      const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      const float* row = x + (c * g.H + ih) * g.W + ow0 - g.pw;
      const float* wt = w + (c * g.kh + ki) * g.kw;
      for (int64_t kj = 0; kj < g.kw; ++kj) {
        __m512 a[KO];
#pragma GCC unroll 4
        for (int o = 0; o < KO; ++o) a[o] = _mm512_set1_ps(wt[o * per_output + kj]);
#pragma GCC unroll 8
        for (int v = 0; v < V; ++v) {
          const __m512 b =
              _mm512_maskz_loadu_ps(mask[size_t(kj)][size_t(v)], row + kj * g.dw + 16 * v);
#pragma GCC unroll 4
          for (int o = 0; o < KO; ++o) acc[o][v] = _mm512_fmadd_ps(a[o], b, acc[o][v]);
        }
      }
    }
#pragma GCC unroll 4
  for (int o = 0; o < KO; ++o) {
    const __m512 b0 = _mm512_set1_ps(bias ? bias[o] : 0.f);
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v)
      _mm512_mask_storeu_ps(y + o * g.hw_out() + oh * g.Wo + ow0 + 16 * v,
                            avx512::lanes(g.Wo - ow0 - 16 * v), _mm512_add_ps(b0, acc[o][v]));
  }
}

// y [N, K, Ho, Wo] = conv2d(x, w) (+ bias), K = 2 .. 4.
inline void forward_few(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                        float* y) {
  using Chunk = void (*)(const Conv2dGeom&, const float*, const float*, const float*, int64_t,
                         int64_t, float*);
  const Chunk chunk = g.K == 2 ? &row_chunk_few<2> : g.K == 3 ? &row_chunk_few<3> : &row_chunk_few<4>;
  const int64_t span = g.K == 4 ? 96 : 128;  // 16·V columns per chunk
  const int64_t per_row = std::max<int64_t>(1, g.K * g.Wo * g.ckk());
  parallel_for(g.N * g.Ho, std::max<int64_t>(1, (int64_t(1) << 18) / per_row),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t n = r / g.Ho, oh = r % g.Ho;
                   for (int64_t ow0 = 0; ow0 < g.Wo; ow0 += span)
                     chunk(g, x + n * g.C * g.hw_in(), w, bias, oh, ow0, y + n * g.K * g.hw_out());
                 }
               });
}

// y [N, 1, Ho, Wo] = conv2d(x, w) (+ bias).
inline void forward(const Conv2dGeom& g, const float* x, const float* w, const float* bias,
                    float* y) {
  const int vectors = vectors_for(g.Wo);
  using Chunk = void (*)(const Conv2dGeom&, const float*, const float*, float, int64_t, int64_t, float*);
  const Chunk chunk = vectors == 8 ? &row_chunk<8> : vectors == 4 ? &row_chunk<4>
                    : vectors == 2 ? &row_chunk<2> : &row_chunk<1>;
  const int64_t per_row = std::max<int64_t>(1, g.Wo * g.ckk());  // FMAs (lanes) per output row
  parallel_for(g.N * g.Ho, std::max<int64_t>(1, (int64_t(1) << 18) / per_row),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t n = r / g.Ho, oh = r % g.Ho;
                   for (int64_t ow0 = 0; ow0 < g.Wo; ow0 += 16 * vectors)
                     chunk(g, x + n * g.C * g.hw_in(), w, bias ? bias[0] : 0.f, oh, ow0,
                           y + n * g.hw_out());
                 }
               });
}

// gx [N, C, H, W] from gy [N, 1, Ho, Wo]: gx[n, c, ih, iw] = Σ w[c, ki, kj] · gy[n, oh, ow] over
// the taps with oh·sh = ih + ph − ki·dh and ow = iw + pw − kj·dw inside the output.
inline void input_grad(const Conv2dGeom& g, const float* gy, const float* w, float* gx) {
  constexpr int V = 8;
  const int64_t per_plane = std::max<int64_t>(1, g.hw_in() * g.kh * g.kw);
  parallel_for(g.N * g.C, std::max<int64_t>(1, (int64_t(1) << 16) / per_plane), [&](int64_t p0, int64_t p1) {
    std::array<std::array<__mmask16, V>, 16> mask;
    for (int64_t plane = p0; plane < p1; ++plane) {
      const int64_t n = plane / g.C, c = plane % g.C;
      const float* gyn = gy + n * g.hw_out();
      const float* wc = w + c * g.kh * g.kw;
      for (int64_t iw0 = 0; iw0 < g.W; iw0 += 16 * V) {
        const int vn = int(std::min<int64_t>(V, (g.W - iw0 + 15) / 16));
        // Lane l of vector v for tap column kj reads output column o + l (zero outside).
        for (int64_t kj = 0; kj < g.kw; ++kj)
          for (int v = 0; v < V; ++v) {
            const int64_t o = iw0 + 16 * v + g.pw - kj * g.dw;
            mask[size_t(kj)][size_t(v)] = avx512::lanes_between(-o, g.Wo - o);
          }
        for (int64_t ih = 0; ih < g.H; ++ih) {
          __m512 acc[V];
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v) acc[v] = _mm512_setzero_ps();
          for (int64_t ki = 0; ki < g.kh; ++ki) {
            const int64_t t = ih + g.ph - ki * g.dh;  // = oh·sh
            if (t < 0 || (g.sh > 1 && t % g.sh != 0) || t / g.sh >= g.Ho) continue;
            const float* grow = gyn + t / g.sh * g.Wo + iw0 + g.pw;
            for (int64_t kj = 0; kj < g.kw; ++kj) {
              const __m512 a = _mm512_set1_ps(wc[ki * g.kw + kj]);
              const float* src = grow - kj * g.dw;
#pragma GCC unroll 8
              for (int v = 0; v < V; ++v) {  // unrolled, so acc stays in registers
                if (v >= vn) break;
                acc[v] = _mm512_fmadd_ps(
                    a, _mm512_maskz_loadu_ps(mask[size_t(kj)][size_t(v)], src + 16 * v), acc[v]);
              }
            }
          }
          float* out = gx + (plane * g.H + ih) * g.W + iw0;
#pragma GCC unroll 8
          for (int v = 0; v < V; ++v)
            if (v < vn) _mm512_mask_storeu_ps(out + 16 * v, avx512::lanes(g.W - iw0 - 16 * v), acc[v]);
        }
      }
    }
  });
}

// gw [1, C, kh, kw] = Σ over images and output positions of gy · (the tap's input value).
inline void weight_grad(const Conv2dGeom& g, const float* x, const float* gy, float* gw) {
  const int64_t pairs = g.C * g.kh;  // (c, ki): one thread's kw outputs
  const int64_t per_pair = std::max<int64_t>(1, g.N * g.hw_out() * g.kw);
  parallel_for(pairs, std::max<int64_t>(1, (int64_t(1) << 16) / per_pair), [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t c = q / g.kh, ki = q % g.kh;
      // The kj loops run to 16 (kw ≤ 16), unrolled, so that the sums stay in registers.
      __m512 acc[16];
#pragma GCC unroll 16
      for (int kj = 0; kj < 16; ++kj) acc[kj] = _mm512_setzero_ps();
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oh = 0; oh < g.Ho; ++oh) {
          const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          const float* grow = gy + n * g.hw_out() + oh * g.Wo;
          const float* xrow = x + ((n * g.C + c) * g.H + ih) * g.W - g.pw;
          for (int64_t ow0 = 0; ow0 < g.Wo; ow0 += 16) {
            const __mmask16 out = avx512::lanes(g.Wo - ow0);
            const __m512 b = _mm512_maskz_loadu_ps(out, grow + ow0);
#pragma GCC unroll 16
            for (int kj = 0; kj < 16; ++kj) {
              if (kj >= g.kw) break;
              const int64_t iw0 = ow0 - g.pw + kj * g.dw;  // input column of lane 0
              const __mmask16 in = out & avx512::lanes_between(-iw0, g.W - iw0);
              acc[kj] = _mm512_fmadd_ps(b, _mm512_maskz_loadu_ps(in, xrow + ow0 + kj * g.dw), acc[kj]);
            }
          }
        }
#pragma GCC unroll 16
      for (int kj = 0; kj < 16; ++kj)
        if (kj < g.kw) gw[q * g.kw + kj] = _mm512_reduce_add_ps(acc[kj]);
    }
  });
}

}  // namespace ganlib::kernels::one_output

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif  // __AVX512F__
