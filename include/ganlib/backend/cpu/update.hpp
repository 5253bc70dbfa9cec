// backend/cpu/update.hpp — fused optimizer updates: one pass over a parameter, its gradient and
// its state instead of the nine of the op-by-op form (Adam was ~17% of a pix2pixHD iteration).
// Contract: every array is contiguous with n elements; the arithmetic is torch.optim.Adam's in
// T, in its order, so results equal the op-by-op form: g' = g + wd·p; m = β1·m + (1−β1)·g';
// v = β2·v + (1−β2)·g'²; p = p − step_size · m / (√v · inv_sqrt_bc2 + eps).
#pragma once
#include <limits>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <type_traits>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "../update.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

// GCC 12 warns falsely about the _mm512_undefined_* operand inside its own _mm512_sqrt_*.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace ganlib::kernels {

template <class T>
void adam_update(cpu, const AdamStep& s, T* p, const T* g, T* m, T* v, int64_t n) {
  const T b1 = T(s.beta1), c1 = T(1 - s.beta1), b2 = T(s.beta2), c2 = T(1 - s.beta2);
  const T k = T(s.inv_sqrt_bc2), eps = T(s.eps), wd = T(s.weight_decay), neg_step = T(-s.step_size);
  const bool decay = s.weight_decay != 0;
  parallel_for(n, 1 << 14, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
#if defined(__AVX512F__)
    // 16 lanes at a time: std::sqrt does not vectorise (errno), vsqrtps rounds the same way.
    // Separate multiplies and adds (no FMA), as the scalar form.
    if constexpr (std::is_same_v<T, float>) {
      const __m512 B1 = _mm512_set1_ps(b1), C1 = _mm512_set1_ps(c1), B2 = _mm512_set1_ps(b2),
                   C2 = _mm512_set1_ps(c2), K = _mm512_set1_ps(k), E = _mm512_set1_ps(eps),
                   W = _mm512_set1_ps(wd), S = _mm512_set1_ps(neg_step);
      for (; i + 16 <= end; i += 16) {
        __m512 pv = _mm512_loadu_ps(p + i), gv = _mm512_loadu_ps(g + i);
        if (decay) gv = _mm512_add_ps(gv, _mm512_mul_ps(pv, W));
        const __m512 mv = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(m + i), B1), _mm512_mul_ps(C1, gv));
        const __m512 vv = _mm512_add_ps(_mm512_mul_ps(_mm512_loadu_ps(v + i), B2), _mm512_mul_ps(C2, _mm512_mul_ps(gv, gv)));
        const __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vv), K), E);
        _mm512_storeu_ps(m + i, mv);
        _mm512_storeu_ps(v + i, vv);
        _mm512_storeu_ps(p + i, _mm512_add_ps(pv, _mm512_mul_ps(S, _mm512_div_ps(mv, den))));
      }
    }
#endif
    for (; i < end; ++i) {
      const T gi = decay ? T(g[i] + p[i] * wd) : g[i];
      const T mi = T(m[i] * b1) + T(c1 * gi);
      const T vi = T(v[i] * b2) + T(c2 * T(gi * gi));
      const T den = T(std::sqrt(vi) * k) + eps;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] + T(neg_step * T(mi / den));
    }
  });
}

// Adam with its step count in tensor memory: count[0] holds the steps taken; this is step
// t = count[0] + 1 (its bias corrections), and count[0] becomes t. The CUDA kernel does the same
// on the device, so a captured CUDA graph counts at every replay (backend/cuda/update.cuh).
template <class T>
void adam_update(cpu, const AdamHyper& h, T* count, T* p, const T* g, T* m, T* v, int64_t n) {
  const T t = T(count[0] + T(1));
  adam_update(cpu{}, adam_step_at(h, double(t)), p, g, m, v, n);
  count[0] = t;
}

// g[i] *= inv for i < n, and found_inf[0] = 1 if any result is inf or NaN (left unchanged
// otherwise): GradScaler's unscale and finiteness check in one pass over each gradient.
template <class T>
void unscale_grad(cpu, T* g, int64_t n, T inv, T* found_inf) {
  std::atomic<bool> bad{false};
  parallel_for(n, 1 << 14, [&](int64_t begin, int64_t end) {
    bool local = false;
    for (int64_t i = begin; i < end; ++i) {
      g[i] *= inv;
      local |= !(std::fabs(g[i]) <= std::numeric_limits<T>::max());  // inf and NaN fail the test
    }
    if (local) bad.store(true, std::memory_order_relaxed);
  });
  if (bad.load()) found_inf[0] = T(1);
}

// Whether the backend is recording a CUDA graph (never on the CPU); asked by the optimizers.
inline bool in_graph_capture(cpu) { return false; }

}  // namespace ganlib::kernels
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
