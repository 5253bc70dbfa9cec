// backend/cpu/elementwise.hpp — unary, binary, ternary (where), fill, copy and random fills.
// Contract: operands are Views already broadcast to the output's shape (stride 0 where a
// dim is broadcast); the output is written, never read. Work is split over the pool.
#pragma once
#include <cmath>
#include <type_traits>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "../../core/philox.hpp"
#include "../../core/scalar_ops.hpp"
#include "../../core/view.hpp"
#include "strided_loop.hpp"
#include "tag.hpp"

// GCC 12 warns falsely about the _mm512_undefined_* operand inside its own _mm512_sqrt_*.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace ganlib::cpu_detail {
// y = sqrt(x) over n contiguous elements. GCC does not vectorise std::sqrt without
// -fno-math-errno (it keeps a scalar sqrtss and a call for errno), which made Adam's sqrt pass
// ~5x slower than its neighbours; vsqrtps/pd is correctly rounded like sqrtss/sd, so the
// results are bitwise the same (negative inputs give the same default NaN).
template <class T>
void sqrt_contiguous(const T* __restrict x, T* __restrict y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>)
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_sqrt_ps(_mm512_loadu_ps(x + i)));
  else if constexpr (std::is_same_v<T, double>)
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, _mm512_sqrt_pd(_mm512_loadu_pd(x + i)));
#endif
  for (; i < n; ++i) y[i] = std::sqrt(x[i]);
}
}  // namespace ganlib::cpu_detail
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace ganlib::kernels {

template <class T>
void unary(cpu, Unary op, T p0, T p1, const View<const T>& x, const View<T>& y) {
  visit_unary(op, [&](auto f) {
    cpu_detail::for_each_strided<2>(y.shape, {&y.strides, &x.strides},
                                    [&](auto off, int64_t n, auto st) {
      T* __restrict yo = y.data + off[0];
      const T* __restrict xi = x.data + off[1];
      if constexpr (std::is_same_v<decltype(f), UnaryFn<Unary::sqrt>>)
        if (st[0] == 1 && st[1] == 1) return cpu_detail::sqrt_contiguous(xi, yo, n);
      if (st[0] == 1 && st[1] == 1)
        for (int64_t i = 0; i < n; ++i) yo[i] = f(xi[i], p0, p1);
      else
        for (int64_t i = 0; i < n; ++i) yo[i * st[0]] = f(xi[i * st[1]], p0, p1);
    });
  });
}

template <class T>
void binary(cpu, Binary op, const View<const T>& a, const View<const T>& b, const View<T>& y) {
  visit_binary(op, [&](auto f) {
    cpu_detail::for_each_strided<3>(y.shape, {&y.strides, &a.strides, &b.strides},
                                    [&](auto off, int64_t n, auto st) {
      T* __restrict yo = y.data + off[0];
      const T* __restrict ai = a.data + off[1];
      const T* __restrict bi = b.data + off[2];
      if (st[0] == 1 && st[1] == 1 && st[2] == 1)
        for (int64_t i = 0; i < n; ++i) yo[i] = f(ai[i], bi[i]);
      else if (st[0] == 1 && st[1] == 1 && st[2] == 0)
        for (int64_t i = 0; i < n; ++i) yo[i] = f(ai[i], bi[0]);
      else if (st[0] == 1 && st[1] == 0 && st[2] == 1)
        for (int64_t i = 0; i < n; ++i) yo[i] = f(ai[0], bi[i]);
      else
        for (int64_t i = 0; i < n; ++i) yo[i * st[0]] = f(ai[i * st[1]], bi[i * st[2]]);
    });
  });
}

// y = cond != 0 ? a : b
template <class T>
void where(cpu, const View<const T>& cond, const View<const T>& a, const View<const T>& b,
           const View<T>& y) {
  cpu_detail::for_each_strided<4>(y.shape, {&y.strides, &cond.strides, &a.strides, &b.strides},
                                  [&](auto off, int64_t n, auto st) {
    for (int64_t i = 0; i < n; ++i)
      y.data[off[0] + i * st[0]] = cond.data[off[1] + i * st[1]] != T(0)
                                       ? a.data[off[2] + i * st[2]]
                                       : b.data[off[3] + i * st[3]];
  });
}

template <class T>
void fill(cpu, const View<T>& y, T value) {
  cpu_detail::for_each_strided<1>(y.shape, {&y.strides}, [&](auto off, int64_t n, auto st) {
    for (int64_t i = 0; i < n; ++i) y.data[off[0] + i * st[0]] = value;
  });
}

// Element i of the contiguous output gets draw(i): uniform in [lo, hi) or normal(mean, std).
template <class T>
void random_fill(cpu, T* y, int64_t n, bool normal, double a, double b, uint64_t seed,
                 uint64_t offset) {
  parallel_for(n, 16384, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i)
      y[i] = normal ? T(a + b * philox::normal(seed, offset, uint64_t(i)))
                    : T(a + (b - a) * (1.0 - philox::uniform(seed, offset, uint64_t(i))));
  });
}

}  // namespace ganlib::kernels
