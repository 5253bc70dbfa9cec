// backend/cpu/correlation.hpp — FlowNetC's correlation layer (cost volume) and its two adjoints.
// Contract: inputs and gradients are contiguous NCHW; out is [N, D², Ho, Wo] (CorrelationGeom).
// Inputs are repacked zero-padded and channels-last, so every inner loop is a contiguous dot
// product or weighted sum over channels. Work is split by output row (forward) or by gradient
// row (backward): no two threads write one element, and every sum has a fixed order.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

#include "../geometry.hpp"
#include "scratch.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib {

namespace cpu_detail {

// f [N, C, H, W] -> p [N, Hp, Wp, C], zero outside the image.
template <class T>
void corr_pack(const CorrelationGeom& g, const T* f, T* p) {
  const int64_t C = g.C, H = g.H, W = g.W, Hp = g.Hp(), Wp = g.Wp(), pad = g.pad;
  parallel_for(g.N * Hp, 8, [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const int64_t n = row / Hp, y = row % Hp - pad;
      T* dst = p + row * Wp * C;
      if (y < 0 || y >= H) {
        std::fill(dst, dst + Wp * C, T(0));
        continue;
      }
      std::fill(dst, dst + pad * C, T(0));
      std::fill(dst + (pad + W) * C, dst + Wp * C, T(0));
      T* mid = dst + pad * C;
      for (int64_t c = 0; c < C; ++c) {
        const T* src = f + ((n * C + c) * H + y) * W;
        for (int64_t x = 0; x < W; ++x) mid[x * C + c] = src[x];
      }
    }
  });
}

// The few vector operations the inner loops need, on one register of T: AVX-512 or AVX2+FMA
// intrinsics where compiled for them, else plain lanes. (ISO C++ mode forbids the compiler from
// fusing a·b + c, and it does not vectorise float sums it would have to reassociate.)
template <class T>
struct CorrSimd {  // portable fallback
  static constexpr int L = 4;
  struct V { T x[L]; };
  static V zero() { return V{}; }
  static V set1(T v) { V r; for (int l = 0; l < L; ++l) r.x[l] = v; return r; }
  static V load(const T* p) { V r; for (int l = 0; l < L; ++l) r.x[l] = p[l]; return r; }
  static void store(T* p, V v) { for (int l = 0; l < L; ++l) p[l] = v.x[l]; }
  static V fma(V a, V b, V c) { for (int l = 0; l < L; ++l) c.x[l] += a.x[l] * b.x[l]; return c; }
  static T hsum(V v) { T s = T(0); for (int l = 0; l < L; ++l) s += v.x[l]; return s; }
};
#if defined(__AVX512F__) && (defined(__clang__) || __GNUC__ >= 12)
template <>
struct CorrSimd<float> {
  static constexpr int L = 16;
  using V = __m512;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static float hsum(V v) {
    // Halving tree with generic vector shuffles: GCC 12's 512->256 intrinsics trip its own
    // -Wuninitialized (a known false positive inside avx512fintrin.h).
    using V8 = float __attribute__((vector_size(32)));
    using V4 = float __attribute__((vector_size(16)));
    const V8 s8 = V8(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7)) +
                  V8(__builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
    const V4 s4 = V4(__builtin_shufflevector(s8, s8, 0, 1, 2, 3)) +
                  V4(__builtin_shufflevector(s8, s8, 4, 5, 6, 7));
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
  }
};
template <>
struct CorrSimd<double> {
  static constexpr int L = 8;
  using V = __m512d;
  static V zero() { return _mm512_setzero_pd(); }
  static V set1(double v) { return _mm512_set1_pd(v); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static double hsum(V v) {
    using V4 = double __attribute__((vector_size(32)));
    const V4 s4 = V4(__builtin_shufflevector(v, v, 0, 1, 2, 3)) +
                  V4(__builtin_shufflevector(v, v, 4, 5, 6, 7));
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
  }
};
#elif defined(__AVX2__) && defined(__FMA__)
template <>
struct CorrSimd<float> {
  static constexpr int L = 8;
  using V = __m256;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static float hsum(V v) {
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
  }
};
template <>
struct CorrSimd<double> {
  static constexpr int L = 4;
  using V = __m256d;
  static V zero() { return _mm256_setzero_pd(); }
  static V set1(double v) { return _mm256_set1_pd(v); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static double hsum(V v) {
    alignas(32) double t[4];
    _mm256_store_pd(t, v);
    return (t[0] + t[1]) + (t[2] + t[3]);
  }
};
#endif

// sums[j] += a · b[j·bstride .. + C) for j < NB: one load of a serves NB independent dot
// products (NB accumulator chains hide the FMA latency).
template <int NB, class T>
inline void dot_block(const T* a, const T* b, int64_t bstride, int64_t C, T* sums) {
  using S = CorrSimd<T>;
  typename S::V acc[NB];
  for (int j = 0; j < NB; ++j) acc[j] = S::zero();
  int64_t c = 0;
  for (; c + S::L <= C; c += S::L) {
    const auto va = S::load(a + c);
    for (int j = 0; j < NB; ++j) acc[j] = S::fma(va, S::load(b + j * bstride + c), acc[j]);
  }
  for (int j = 0; j < NB; ++j) {
    T s = S::hsum(acc[j]);
    for (int64_t cc = c; cc < C; ++cc) s += a[cc] * b[j * bstride + cc];
    sums[j] += s;
  }
}

template <class T>
inline void dot_many(const T* a, const T* b, int64_t bstride, int64_t nb, int64_t C, T* sums) {
  int64_t j = 0;
  for (; j + 8 <= nb; j += 8) dot_block<8>(a, b + j * bstride, bstride, C, sums + j);
  if (j + 4 <= nb) { dot_block<4>(a, b + j * bstride, bstride, C, sums + j); j += 4; }
  if (j + 2 <= nb) { dot_block<2>(a, b + j * bstride, bstride, C, sums + j); j += 2; }
  if (j < nb) dot_block<1>(a, b + j * bstride, bstride, C, sums + j);
}

// dst[c .. c + NV·L) += Σ_p w[p] · base[off[p] + c ..], NV vector registers of channels at a
// time; returns where it stopped.
template <int NV, class T>
inline int64_t weighted_sum_block(const T* base, const int64_t* off, const T* w, int64_t cnt,
                                  int64_t c, int64_t C, T* dst) {
  using S = CorrSimd<T>;
  for (; c + NV * S::L <= C; c += NV * S::L) {
    typename S::V acc[NV];
    for (int v = 0; v < NV; ++v) acc[v] = S::load(dst + c + v * S::L);
    for (int64_t p = 0; p < cnt; ++p) {
      const auto wp = S::set1(w[p]);
      const T* s = base + off[p] + c;
      for (int v = 0; v < NV; ++v) acc[v] = S::fma(wp, S::load(s + v * S::L), acc[v]);
    }
    for (int v = 0; v < NV; ++v) S::store(dst + c + v * S::L, acc[v]);
  }
  return c;
}

template <class T>
inline void weighted_sum(const T* base, const int64_t* off, const T* w, int64_t cnt, int64_t C,
                         T* dst) {
  int64_t c = weighted_sum_block<8>(base, off, w, cnt, 0, C, dst);
  c = weighted_sum_block<4>(base, off, w, cnt, c, C, dst);
  c = weighted_sum_block<1>(base, off, w, cnt, c, C, dst);
  for (; c < C; ++c) {
    T s = dst[c];
    for (int64_t p = 0; p < cnt; ++p) s += w[p] * base[off[p] + c];
    dst[c] = s;
  }
}

// Output indices o whose patch (centre o·stride1 + max_disp + kr, radius kr) covers `pos`.
inline int64_t covering_outputs(const CorrelationGeom& g, int64_t pos, int64_t n_out, int64_t* o) {
  int64_t cnt = 0;
  for (int64_t j = -g.kr(); j <= g.kr(); ++j) {
    const int64_t t = pos - j - g.max_disp - g.kr();
    if (t < 0 || t % g.stride1 != 0 || t / g.stride1 >= n_out) continue;
    o[cnt++] = t / g.stride1;
  }
  return cnt;
}

// The shared backward: for each pixel (Y, X) of one input (in padded coordinates), its gradient
// is a weighted sum over displacements d of the other input's channel vector at
// (Y, X) + sign·d·stride2, weighted by Σ g[d, oy, ox] over the outputs whose patch reads it.
// sign = +1 for the first input (its partner is read displaced), -1 for the second.
// Rows of the gradient are independent tasks; within a row, dy is the outer loop so that the
// partner rows read stay in cache (as in the forward).
template <class T>
void corr_backward(const CorrelationGeom& geo, const T* g, const T* other_packed, T* grad,
                   int sign) {
  const int64_t C = geo.C, H = geo.H, W = geo.W, Hp = geo.Hp(), Wp = geo.Wp(), pad = geo.pad;
  const int64_t Ho = geo.Ho(), Wo = geo.Wo(), r = geo.r(), D = geo.D(), D2 = D * D, k = geo.k;
  const int64_t s2 = geo.stride2;
  const T scale = T(1) / T(k * k * C);
  // Output columns covering each (x, dx): the patch column is X itself for the first input,
  // X - dx·stride2 for the second. Shared by every row and image.
  std::vector<int64_t> xcnt(static_cast<size_t>(W * D)), xlist(static_cast<size_t>(W * D * k));
  for (int64_t x = 0; x < W; ++x)
    for (int64_t dx = -r; dx <= r; ++dx) {
      const size_t i = size_t(x * D + dx + r);
      xcnt[i] = covering_outputs(geo, sign > 0 ? x + pad : x + pad - dx * s2, Wo, &xlist[i * size_t(k)]);
    }
  parallel_for(geo.N * H, 1, [&](int64_t b, int64_t e) {
    std::vector<T> row(static_cast<size_t>(W * C)), wts(static_cast<size_t>(D));
    std::vector<int64_t> offs(static_cast<size_t>(D)), oys(static_cast<size_t>(k));
    for (int64_t nr = b; nr < e; ++nr) {
      const int64_t n = nr / H, Y = nr % H + pad;
      const T* gn = g + n * D2 * Ho * Wo;
      const T* pn = other_packed + n * Hp * Wp * C;
      std::fill(row.begin(), row.end(), T(0));
      for (int64_t dy = -r; dy <= r; ++dy) {
        // Output rows covering Y: the patch row is Y itself for the first input, Y - dy·stride2
        // for the second.
        const int64_t ny = covering_outputs(geo, sign > 0 ? Y : Y - dy * s2, Ho, oys.data());
        if (ny == 0) continue;
        const T* gdy = gn + (dy + r) * D * Ho * Wo;
        const int64_t prow = (Y + sign * dy * s2) * Wp;
        for (int64_t x = 0; x < W; ++x) {
          const int64_t X = x + pad;
          int64_t cnt = 0;
          for (int64_t dx = -r; dx <= r; ++dx) {
            const size_t i = size_t(x * D + dx + r);
            const int64_t nx = xcnt[i];
            if (nx == 0) continue;
            const int64_t* oxs = &xlist[i * size_t(k)];
            const T* gd = gdy + (dx + r) * Ho * Wo;
            T w = T(0);
            for (int64_t a = 0; a < ny; ++a)
              for (int64_t c = 0; c < nx; ++c) w += gd[oys[size_t(a)] * Wo + oxs[c]];
            offs[size_t(cnt)] = (prow + X + sign * dx * s2) * C;
            wts[size_t(cnt)] = w * scale;
            ++cnt;
          }
          weighted_sum(pn, offs.data(), wts.data(), cnt, C, row.data() + x * C);
        }
      }
      // Channels-last row -> NCHW.
      for (int64_t c = 0; c < C; ++c) {
        T* dst = grad + ((n * C + c) * H + (Y - pad)) * W;
        for (int64_t x = 0; x < W; ++x) dst[x] = row[size_t(x * C + c)];
      }
    }
  });
}

}  // namespace cpu_detail

namespace kernels {

// out[n, (dy+r)·D + (dx+r), oy, ox] = Σ_{patch, c} f1(p)·f2(p + (dy, dx)·stride2) / (k²·C).
template <class T>
void correlation_forward(cpu, const CorrelationGeom& geo, const T* f1, const T* f2, T* out) {
  const int64_t C = geo.C, Hp = geo.Hp(), Wp = geo.Wp(), Ho = geo.Ho(), Wo = geo.Wo();
  const int64_t r = geo.r(), D = geo.D(), kr = geo.kr(), s2 = geo.stride2;
  cpu_detail::Scratch<T> p1(geo.N * Hp * Wp * C), p2(geo.N * Hp * Wp * C);
  cpu_detail::corr_pack(geo, f1, p1.data);
  cpu_detail::corr_pack(geo, f2, p2.data);
  const T scale = T(1) / T(geo.k * geo.k * C);
  parallel_for(geo.N * Ho, 1, [&](int64_t b, int64_t e) {
    std::vector<T> sums(static_cast<size_t>(D));
    for (int64_t row = b; row < e; ++row) {
      const int64_t n = row / Ho, oy = row % Ho, cy = geo.centre(oy);
      const T* q1 = p1.data + n * Hp * Wp * C;
      const T* q2 = p2.data + n * Hp * Wp * C;
      // dy outer: one row of each padded map is live at a time (L2), and the D vectors of one
      // dot_many call are mostly reused by the next output pixel but one (L1).
      for (int64_t dy = -r; dy <= r; ++dy) {
        for (int64_t ox = 0; ox < Wo; ++ox) {
          const int64_t cx = geo.centre(ox);
          std::fill(sums.begin(), sums.end(), T(0));
          for (int64_t j = -kr; j <= kr; ++j)
            for (int64_t i = -kr; i <= kr; ++i) {
              const T* a = q1 + ((cy + j) * Wp + cx + i) * C;
              const T* bb = q2 + ((cy + j + dy * s2) * Wp + cx + i - r * s2) * C;
              cpu_detail::dot_many(a, bb, s2 * C, D, C, sums.data());
            }
          T* o = out + ((n * D * D + (dy + r) * D) * Ho + oy) * Wo + ox;
          for (int64_t dx = 0; dx < D; ++dx) o[dx * Ho * Wo] = sums[size_t(dx)] * scale;
        }
      }
    }
  });
}

// Gradient w.r.t. the first input: linear in (g, f2).
template <class T>
void correlation_grad_first(cpu, const CorrelationGeom& geo, const T* g, const T* f2, T* gf1) {
  cpu_detail::Scratch<T> p2(geo.N * geo.Hp() * geo.Wp() * geo.C);
  cpu_detail::corr_pack(geo, f2, p2.data);
  cpu_detail::corr_backward(geo, g, p2.data, gf1, +1);
}

// Gradient w.r.t. the second input: linear in (g, f1).
template <class T>
void correlation_grad_second(cpu, const CorrelationGeom& geo, const T* g, const T* f1, T* gf2) {
  cpu_detail::Scratch<T> p1(geo.N * geo.Hp() * geo.Wp() * geo.C);
  cpu_detail::corr_pack(geo, f1, p1.data);
  cpu_detail::corr_backward(geo, g, p1.data, gf2, -1);
}

}  // namespace kernels
}  // namespace ganlib
