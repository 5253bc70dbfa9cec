// backend/cpu/pool.hpp — average and max pooling over NCHW planes, and their adjoints.
// Contract: tensors are contiguous [N·C planes, H, W]; window arithmetic follows PyTorch's CPU
// kernels exactly (clipped windows, count_include_pad, ceil_mode, first maximum wins, NaN
// propagates). Forward work is split over output rows, adjoints over planes (no races).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "../geometry.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib {

namespace cpu_detail {
// An average window along one axis: the valid input span [lo, hi) and the padded length
// that count_include_pad divides by.
struct AvgSpan {
  int64_t lo, hi, padded;
};
inline std::vector<AvgSpan> avg_spans(int64_t out, int64_t in, int64_t k, int64_t s, int64_t p) {
  std::vector<AvgSpan> v(size_t(std::max<int64_t>(out, 0)));
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * s - p, end = std::min(start + k, in + p);
    v[size_t(o)] = {std::max<int64_t>(start, 0), std::min(end, in), end - start};
  }
  return v;
}
inline int64_t pool_grain(int64_t work) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work)); }
}  // namespace cpu_detail

namespace kernels {

template <class T>
void avg_pool2d(cpu, const PoolGeom& g, const T* x, T* y) {
  // Separable: the window's input rows are summed into one row first (a vector pass per row),
  // then each output adds its kw columns of that sum, instead of kh·kw scalar loads apiece.
  const auto rs = cpu_detail::avg_spans(g.Ho, g.H, g.kh, g.sh, g.ph);
  const auto cs = cpu_detail::avg_spans(g.Wo, g.W, g.kw, g.sw, g.pw);
  parallel_for(g.planes() * g.Ho, cpu_detail::pool_grain(g.Wo * g.kh * g.kw), [&](int64_t r0, int64_t r1) {
    std::vector<T> rowsum(size_t(g.W));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = r / g.Ho, oh = r % g.Ho;
      const T* plane = x + p * g.H * g.W;
      T* out = y + r * g.Wo;
      const auto& rh = rs[size_t(oh)];
      if (rh.lo >= rh.hi) {
        std::fill(out, out + g.Wo, T(0));
        continue;
      }
      T* __restrict sum = rowsum.data();
      std::copy(plane + rh.lo * g.W, plane + (rh.lo + 1) * g.W, sum);
      for (int64_t ih = rh.lo + 1; ih < rh.hi; ++ih) {
        const T* __restrict in = plane + ih * g.W;
        for (int64_t iw = 0; iw < g.W; ++iw) sum[iw] += in[iw];
      }
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        const auto& cw = cs[size_t(ow)];
        T acc = T(0);
        for (int64_t iw = cw.lo; iw < cw.hi; ++iw) acc += sum[iw];
        const int64_t div = g.count_include_pad ? rh.padded * cw.padded : (rh.hi - rh.lo) * (cw.hi - cw.lo);
        out[ow] = cw.lo < cw.hi ? acc / T(div) : T(0);
      }
    }
  });
}

// gx = avg_pool2dᵀ(gy): each output's gradient spread evenly over its window. Separable too:
// per output row, the gradients are spread along one row, which is then added to each of the
// window's input rows (a vector pass per row).
template <class T>
void avg_pool2d_backward(cpu, const PoolGeom& g, const T* gy, T* gx) {
  const auto rs = cpu_detail::avg_spans(g.Ho, g.H, g.kh, g.sh, g.ph);
  const auto cs = cpu_detail::avg_spans(g.Wo, g.W, g.kw, g.sw, g.pw);
  parallel_for(g.planes(), cpu_detail::pool_grain(g.Ho * g.Wo * g.kh * g.kw), [&](int64_t p0, int64_t p1) {
    std::vector<T> spread(size_t(g.W));
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = gx + p * g.H * g.W;
      std::fill(plane, plane + g.H * g.W, T(0));
      const T* go = gy + p * g.Ho * g.Wo;
      for (int64_t oh = 0; oh < g.Ho; ++oh) {
        const auto& rh = rs[size_t(oh)];
        if (rh.lo >= rh.hi) continue;
        T* __restrict row = spread.data();
        std::fill(row, row + g.W, T(0));
        for (int64_t ow = 0; ow < g.Wo; ++ow) {
          const auto& cw = cs[size_t(ow)];
          if (cw.lo >= cw.hi) continue;
          const int64_t div = g.count_include_pad ? rh.padded * cw.padded : (rh.hi - rh.lo) * (cw.hi - cw.lo);
          const T v = go[oh * g.Wo + ow] / T(div);
          for (int64_t iw = cw.lo; iw < cw.hi; ++iw) row[iw] += v;
        }
        for (int64_t ih = rh.lo; ih < rh.hi; ++ih) {
          T* __restrict d = plane + ih * g.W;
          for (int64_t iw = 0; iw < g.W; ++iw) d[iw] += row[iw];
        }
      }
    }
  });
}

// y = max over each (dilated) window, idx = its position in the plane (first maximum; NaN wins).
template <class T>
void max_pool2d(cpu, const PoolGeom& g, const T* x, T* y, int32_t* idx) {
  parallel_for(g.planes() * g.Ho, cpu_detail::pool_grain(g.Wo * g.kh * g.kw), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t p = r / g.Ho, oh = r % g.Ho;
      const T* plane = x + p * g.H * g.W;
      int64_t hs = oh * g.sh - g.ph;
      const int64_t he = std::min(hs + (g.kh - 1) * g.dh + 1, g.H);
      while (hs < 0) hs += g.dh;
      for (int64_t ow = 0; ow < g.Wo; ++ow) {
        int64_t ws = ow * g.sw - g.pw;
        const int64_t we = std::min(ws + (g.kw - 1) * g.dw + 1, g.W);
        while (ws < 0) ws += g.dw;
        int64_t best_i = hs * g.W + ws;
        T best = -std::numeric_limits<T>::infinity();
        for (int64_t ih = hs; ih < he; ih += g.dh)
          for (int64_t iw = ws; iw < we; iw += g.dw) {
            const T v = plane[ih * g.W + iw];
            const bool take = (v > best) | std::isnan(v);  // branch-free select
            best = take ? v : best;
            best_i = take ? ih * g.W + iw : best_i;
          }
        y[r * g.Wo + ow] = best;
        idx[r * g.Wo + ow] = int32_t(best_i);
      }
    }
  });
}

// gx[idx[o]] += gy[o] per plane: the adjoint of gathering at idx.
template <class T>
void pool_scatter_add(cpu, int64_t planes, int64_t in_hw, int64_t out_hw, const T* gy,
                      const int32_t* idx, T* gx) {
  parallel_for(planes, cpu_detail::pool_grain(in_hw + out_hw), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* plane = gx + p * in_hw;
      std::fill(plane, plane + in_hw, T(0));
      const T* go = gy + p * out_hw;
      const int32_t* id = idx + p * out_hw;
      for (int64_t o = 0; o < out_hw; ++o) plane[id[o]] += go[o];
    }
  });
}

// y[o] = x[idx[o]] per plane.
template <class T>
void pool_gather(cpu, int64_t planes, int64_t in_hw, int64_t out_hw, const T* x,
                 const int32_t* idx, T* y) {
  parallel_for(planes * out_hw, 16384, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) y[o] = x[(o / out_hw) * in_hw + idx[o]];
  });
}

}  // namespace kernels
}  // namespace ganlib
