// backend/cpu/conv.hpp — 2-D convolution lowered to GEMM: im2col / col2im and the three
// primitives every conv needs (forward, input gradient, weight gradient), NCHW, contiguous.
// Contract: shapes come in a Conv2dGeom (conv2d's view: input C×H×W, output K×Ho×Wo); the
// transposed conv is the input-gradient primitive. Results are repeatable for a thread count.
// float on an AVX-512 build takes conv_one_output.hpp (K = 1; the forward also K ≤ 4 on wide
// maps), conv_winograd.hpp (3×3 stride 1, many channels and tiles), conv_narrow.hpp (forwards
// with few outputs) or conv_implicit.hpp (im2col packed straight into the GEMM's panels) where
// they apply; this file's im2col / col2im path is the general one and the
// reference the others are tested against (tests/ops/test_conv_paths.cpp).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../geometry.hpp"
#include "conv_one_output.hpp"
#include "conv_implicit.hpp"
#include "conv_winograd.hpp"
#include "gemm.hpp"
#include "scratch.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib {

namespace cpu_detail {

// Output columns ow whose input column ow·s − p + j·d lies in [0, size): [lo, hi).
inline void valid_range(int64_t out, int64_t size, int64_t s, int64_t p, int64_t off,
                        int64_t& lo, int64_t& hi) {
  lo = std::min<int64_t>(out, std::max<int64_t>(0, ceil_div(p - off, s)));
  hi = std::min<int64_t>(out, floor_div(size - 1 + p - off, s) + 1);
  if (hi < lo) hi = lo;
}

// Work per chunk worth a thread hand-off.
inline int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work_per_item));
}

// Images are split over the pool when there are enough of them; otherwise each image's
// im2col/GEMM is itself parallel. Either way every output is written by one thread.
inline bool images_in_parallel(const Conv2dGeom& g) { return g.N >= num_threads() && g.N > 1; }
}  // namespace cpu_detail

namespace cpu_detail {
// Output rows per im2col band: the column buffer stays near 4M elements however large the
// image (a 64-channel 3×3 conv at 1024×512 would otherwise need 1.2 GB), while each band's GEMM
// still has thousands of columns.
inline int64_t band_rows(const Conv2dGeom& g) {
  if (g.pointwise()) return std::max<int64_t>(g.Ho, 1);
  const int64_t per_row = std::max<int64_t>(1, g.ckk() * g.Wo);
  return std::clamp<int64_t>((int64_t(1) << 22) / per_row, 1, std::max<int64_t>(g.Ho, 1));
}
inline int64_t col_elems(const Conv2dGeom& g) { return g.pointwise() ? 0 : g.ckk() * band_rows(g) * g.Wo; }
}  // namespace cpu_detail

namespace kernels {

// col [C·kh·kw, (oh1−oh0)·Wo] from one image's channels x [C, H, W] (C = channels of one
// group), for output rows [oh0, oh1).
template <class T>
void im2col(cpu, const T* x, int64_t C, const Conv2dGeom& g, int64_t oh0, int64_t oh1, T* col) {
  const int64_t rows = C * g.kh * g.kw, cols = (oh1 - oh0) * g.Wo;
  parallel_for(rows, cpu_detail::grain_for(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / (g.kh * g.kw), ki = (r / g.kw) % g.kh, kj = r % g.kw;
      const T* plane = x + c * g.hw_in();
      T* dst = col + r * cols;
      int64_t lo, hi;
      cpu_detail::valid_range(g.Wo, g.W, g.sw, g.pw, kj * g.dw, lo, hi);
      for (int64_t oh = oh0; oh < oh1; ++oh) {
        T* __restrict d = dst + (oh - oh0) * g.Wo;
        const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
        if (ih < 0 || ih >= g.H) {
          std::fill(d, d + g.Wo, T(0));
          continue;
        }
        const T* __restrict s = plane + ih * g.W - g.pw + kj * g.dw;  // s[ow·sw] is x[ih, iw]
        std::fill(d, d + lo, T(0));
        if (g.sw == 1)
          for (int64_t ow = lo; ow < hi; ++ow) d[ow] = s[ow];
        else
          for (int64_t ow = lo; ow < hi; ++ow) d[ow] = s[ow * g.sw];
        std::fill(d + hi, d + g.Wo, T(0));
      }
    }
  });
}

// x [C, H, W] += the adjoint of im2col applied to col (output rows [oh0, oh1); overlapping
// windows summed). Parallel over channels: a channel's rows of col write only that channel.
template <class T>
void col2im(cpu, const T* col, int64_t C, const Conv2dGeom& g, int64_t oh0, int64_t oh1, T* x) {
  const int64_t cols = (oh1 - oh0) * g.Wo;
  parallel_for(C, cpu_detail::grain_for(g.kh * g.kw * cols), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      T* plane = x + c * g.hw_in();
      for (int64_t ki = 0; ki < g.kh; ++ki)
        for (int64_t kj = 0; kj < g.kw; ++kj) {
          const T* src = col + ((c * g.kh + ki) * g.kw + kj) * cols;
          int64_t lo, hi;
          cpu_detail::valid_range(g.Wo, g.W, g.sw, g.pw, kj * g.dw, lo, hi);
          for (int64_t oh = oh0; oh < oh1; ++oh) {
            const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
            if (ih < 0 || ih >= g.H) continue;
            T* __restrict d = plane + ih * g.W - g.pw + kj * g.dw;
            const T* __restrict s = src + (oh - oh0) * g.Wo;
            if (g.sw == 1)
              for (int64_t ow = lo; ow < hi; ++ow) d[ow] += s[ow];
            else
              for (int64_t ow = lo; ow < hi; ++ow) d[ow * g.sw] += s[ow];
          }
        }
    }
  });
}

// y [N, K, Ho, Wo] = conv2d(x, w) (+ bias[K] when bias is not null). Per image, group and
// band of output rows one GEMM: y_g[:, band] [K/g, rows·Wo] = w_g [K/g, C/g·kh·kw] · col.
template <class T>
void conv2d_forward_im2col(cpu, const Conv2dGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t kg = g.kg(), ckk = g.ckk(), HoWo = g.hw_out(), band = cpu_detail::band_rows(g);
  auto images = [&](int64_t n0, int64_t n1) {
    cpu_detail::Scratch<T> col(cpu_detail::col_elems(g));
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* xg = x + (n * g.C + gr * g.cg()) * g.hw_in();
        T* yg = y + (n * g.K + gr * kg) * HoWo;
        if (bias)
          for (int64_t k = 0; k < kg; ++k) std::fill(yg + k * HoWo, yg + (k + 1) * HoWo, bias[gr * kg + k]);
        for (int64_t oh0 = 0; oh0 < g.Ho; oh0 += band) {
          const int64_t oh1 = std::min(g.Ho, oh0 + band), cols = (oh1 - oh0) * g.Wo;
          const T* b = xg;
          if (!g.pointwise()) {
            im2col(cpu{}, xg, g.cg(), g, oh0, oh1, col.data);
            b = col.data;
          }
          gemm(cpu{}, false, false, kg, cols, ckk, T(1), w + gr * kg * ckk, ckk, b, cols,
               bias ? T(1) : T(0), yg + oh0 * g.Wo, HoWo);
        }
      }
  };
  if (cpu_detail::images_in_parallel(g)) parallel_for(g.N, 1, images);
  else images(0, g.N);
}

// gx [N, C, H, W] from gy [N, K, Ho, Wo]: per image, group and band gcol = w_gᵀ · gy_g[:, band],
// then col2im. This is also the transposed convolution's forward.
template <class T>
void conv2d_input_grad_im2col(cpu, const Conv2dGeom& g, const T* gy, const T* w, T* gx) {
  const int64_t kg = g.kg(), ckk = g.ckk(), HoWo = g.hw_out(), band = cpu_detail::band_rows(g);
  auto images = [&](int64_t n0, int64_t n1) {
    cpu_detail::Scratch<T> col(cpu_detail::col_elems(g));
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        T* gxg = gx + (n * g.C + gr * g.cg()) * g.hw_in();
        const T* gyg = gy + (n * g.K + gr * kg) * HoWo;
        const T* wg = w + gr * kg * ckk;
        if (g.pointwise()) {  // gx_g = w_gᵀ · gy_g straight into the image
          gemm(cpu{}, true, false, ckk, HoWo, kg, T(1), wg, ckk, gyg, HoWo, T(0), gxg, HoWo);
          continue;
        }
        const int64_t plane = g.cg() * g.hw_in();
        parallel_for(plane, 65536, [&](int64_t i0, int64_t i1) { std::fill(gxg + i0, gxg + i1, T(0)); });
        for (int64_t oh0 = 0; oh0 < g.Ho; oh0 += band) {
          const int64_t oh1 = std::min(g.Ho, oh0 + band), cols = (oh1 - oh0) * g.Wo;
          gemm(cpu{}, true, false, ckk, cols, kg, T(1), wg, ckk, gyg + oh0 * g.Wo, HoWo, T(0), col.data, cols);
          col2im(cpu{}, col.data, g.cg(), g, oh0, oh1, gxg);
        }
      }
  };
  if (cpu_detail::images_in_parallel(g)) parallel_for(g.N, 1, images);
  else images(0, g.N);
}

// gw [K, C/g, kh, kw] = Σ_n Σ_band gy_g[:, band] · colᵀ. With images split over threads, each
// chunk sums into its own buffer and the chunks are added in order (repeatable for a thread
// count).
template <class T>
void conv2d_weight_grad_im2col(cpu, const Conv2dGeom& g, const T* x, const T* gy, T* gw) {
  const int64_t kg = g.kg(), ckk = g.ckk(), HoWo = g.hw_out(), wsize = g.K * ckk;
  const int64_t band = cpu_detail::band_rows(g);
  auto images = [&](int64_t n0, int64_t n1, T* out) {
    cpu_detail::Scratch<T> col(cpu_detail::col_elems(g));
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* xg = x + (n * g.C + gr * g.cg()) * g.hw_in();
        const T* gyg = gy + (n * g.K + gr * kg) * HoWo;
        for (int64_t oh0 = 0; oh0 < g.Ho; oh0 += band) {
          const int64_t oh1 = std::min(g.Ho, oh0 + band), cols = (oh1 - oh0) * g.Wo;
          const T* b = xg;
          if (!g.pointwise()) {
            im2col(cpu{}, xg, g.cg(), g, oh0, oh1, col.data);
            b = col.data;
          }
          const bool first = n == n0 && oh0 == 0;
          gemm(cpu{}, false, true, kg, ckk, cols, T(1), gyg + oh0 * g.Wo, HoWo, b, cols,
               first ? T(0) : T(1), out + gr * kg * ckk, ckk);
        }
      }
  };
  if (g.N == 0 || g.Ho == 0 || g.Wo == 0) {
    std::fill(gw, gw + wsize, T(0));
    return;
  }
  if (!cpu_detail::images_in_parallel(g)) {
    images(0, g.N, gw);
    return;
  }
  const int chunks = int(std::min<int64_t>(num_threads(), g.N));
  cpu_detail::Scratch<T> partial(int64_t(chunks) * wsize);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c)
      images(g.N * c / chunks, g.N * (c + 1) / chunks, partial.data + c * wsize);
  });
  std::memcpy(gw, partial.data, sizeof(T) * size_t(wsize));
  for (int c = 1; c < chunks; ++c) {
    const T* __restrict p = partial.data + c * wsize;
    for (int64_t i = 0; i < wsize; ++i) gw[i] += p[i];
  }
}

// The three primitives: Winograd or the implicit-im2col kernels where they apply (float,
// AVX-512), else the im2col path above.
template <class T>
void conv2d_forward(cpu, const Conv2dGeom& g, const T* x, const T* w, const T* bias, T* y) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    if (one_output::usable(g)) return one_output::forward(g, x, w, bias, y);
    if (one_output::usable_few(g)) return one_output::forward_few(g, x, w, bias, y);
    if (winograd::usable(g)) return winograd::forward(g, x, w, bias, y);
    if (conv_narrow::pays(g)) return conv_narrow::forward(g, x, w, bias, y);
    if (conv_implicit::usable(g)) return conv_implicit::forward(g, x, w, bias, y);
  }
#endif
  conv2d_forward_im2col(cpu{}, g, x, w, bias, y);
}

template <class T>
void conv2d_input_grad(cpu, const Conv2dGeom& g, const T* gy, const T* w, T* gx) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    if (winograd::usable_input_grad(g)) return winograd::input_grad(g, gy, w, gx);
    if (conv_implicit::usable_input_grad(g)) return conv_implicit::input_grad(g, gy, w, gx);
    if (conv_implicit::usable_strided_input_grad(g)) return conv_implicit::strided_input_grad(g, gy, w, gx);
    if (one_output::usable(g)) return one_output::input_grad(g, gy, w, gx);  // small maps
  }
#endif
  conv2d_input_grad_im2col(cpu{}, g, gy, w, gx);
}

template <class T>
void conv2d_weight_grad(cpu, const Conv2dGeom& g, const T* x, const T* gy, T* gw) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    if (winograd::usable_weight_grad(g)) return winograd::weight_grad(g, x, gy, gw);
    if (conv_implicit::usable_weight_grad(g)) return conv_implicit::weight_grad(g, x, gy, gw);
    if (conv_implicit::usable_strided_weight_grad(g))
      return conv_implicit::strided_weight_grad(g, x, gy, gw);
    if (one_output::usable(g)) return one_output::weight_grad(g, x, gy, gw);  // small maps
  }
#endif
  conv2d_weight_grad_im2col(cpu{}, g, x, gy, gw);
}

// y[n, c, :] += bias[c] for y [N, C, HW].
template <class T>
void add_channel_bias(cpu, T* y, const T* bias, int64_t N, int64_t C, int64_t HW) {
  parallel_for(N * C, cpu_detail::grain_for(HW), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const T b = bias[p % C];
      T* __restrict d = y + p * HW;
      for (int64_t i = 0; i < HW; ++i) d[i] += b;
    }
  });
}

}  // namespace kernels
}  // namespace ganlib
