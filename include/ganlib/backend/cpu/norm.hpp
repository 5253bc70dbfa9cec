// backend/cpu/norm.hpp — fused batch/instance normalisation: statistics, forward, backward.
// Contract: x is contiguous [A, C, L]; statistics are per channel c over (A, L) (instance norm
// passes A = 1, C = N·channels). Per-channel sums run in double in a fixed order on one thread,
// so results are repeatable; work is split over channels, then over (a, c) rows.
#pragma once
#include <cmath>
#include <vector>

#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels {
namespace norm_detail {
// Sums in double over 8 fixed lanes (then lane 0..7 in order): vectorisable, and the order
// depends only on L, so results are repeatable.
constexpr int kLanes = 8;
template <class F>
double lane_sum(int64_t L, F&& term) {
  double acc[kLanes] = {};
  int64_t l = 0;
  for (; l + kLanes <= L; l += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] += term(l + k);
  for (; l < L; ++l) acc[0] += term(l);
  double s = 0;
  for (int k = 0; k < kLanes; ++k) s += acc[k];
  return s;
}
}  // namespace norm_detail

// mean[c] and biased var[c] over (A, L), two passes (no cancellation from Σx² − (Σx)²).
template <class T>
void norm_stats(cpu, const T* x, int64_t A, int64_t C, int64_t L, T* mean, T* var) {
  const double n = double(A * L);
  parallel_for(C, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      double s = 0;
      for (int64_t a = 0; a < A; ++a) {
        const T* p = x + (a * C + c) * L;
        s += norm_detail::lane_sum(L, [p](int64_t l) { return double(p[l]); });
      }
      const double m = s / n;
      double q = 0;
      for (int64_t a = 0; a < A; ++a) {
        const T* p = x + (a * C + c) * L;
        q += norm_detail::lane_sum(L, [p, m](int64_t l) {
          const double dv = double(p[l]) - m;
          return dv * dv;
        });
      }
      mean[c] = T(m);
      var[c] = T(q / n);
    }
  });
}

// y = (x − mean[c])·invstd[c]·w[c % Cw] + b[c % Cw]; weight/bias may be null (1 and 0).
template <class T>
void norm_forward(cpu, const T* x, int64_t A, int64_t C, int64_t L, const T* mean,
                  const T* invstd, const T* weight, const T* bias, int64_t Cw, T* y) {
  parallel_for(A * C, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, L)),
               [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const int64_t c = r % C;
      const T scale = invstd[c] * (weight ? weight[c % Cw] : T(1));
      const T shift = (bias ? bias[c % Cw] : T(0)) - mean[c] * scale;
      const T* __restrict p = x + r * L;
      T* __restrict q = y + r * L;
      for (int64_t l = 0; l < L; ++l) q[l] = p[l] * scale + shift;
    }
  });
}

// Given gy, per channel: sum_gy[c] = Σ gy and sum_gy_xhat[c] = Σ gy·x̂ (x̂ = (x − mean)·invstd),
// then gx = invstd·w·(gy − sum_gy/n − x̂·sum_gy_xhat/n). gx may be null (only the sums).
template <class T>
void norm_backward(cpu, const T* x, const T* gy, int64_t A, int64_t C, int64_t L, const T* mean,
                   const T* invstd, const T* weight, int64_t Cw, T* gx, T* sum_gy, T* sum_gy_xhat) {
  const double n = double(A * L);
  parallel_for(C, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      const double m = double(mean[c]);
      double sg = 0, sgx = 0;
      for (int64_t a = 0; a < A; ++a) {
        const T* p = x + (a * C + c) * L;
        const T* g = gy + (a * C + c) * L;
        sg += norm_detail::lane_sum(L, [g](int64_t l) { return double(g[l]); });
        sgx += norm_detail::lane_sum(L, [g, p, m](int64_t l) { return double(g[l]) * (double(p[l]) - m); });
      }
      sgx *= double(invstd[c]);
      sum_gy[c] = T(sg);
      sum_gy_xhat[c] = T(sgx);
      if (!gx) continue;
      // gx = k·gy + k1·x + k0, with the per-channel constants folded once.
      const double is = double(invstd[c]);
      const double k = is * (weight ? double(weight[c % Cw]) : 1.0);
      const double k1 = -k * is * sgx / n;
      const double k0 = -k * sg / n - k1 * m;
      const T tk = T(k), tk1 = T(k1), tk0 = T(k0);
      for (int64_t a = 0; a < A; ++a) {
        const T* __restrict p = x + (a * C + c) * L;
        const T* __restrict g = gy + (a * C + c) * L;
        T* __restrict o = gx + (a * C + c) * L;
        for (int64_t l = 0; l < L; ++l) o[l] = tk * g[l] + tk1 * p[l] + tk0;
      }
    }
  });
}

}  // namespace ganlib::kernels
