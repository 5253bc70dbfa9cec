// backend/cpu/reduce.hpp — sum / max / min over any set of dims.
// Contract: `out` has the input's rank with size 1 on every reduced dim (keepdim form). Each
// output element is reduced by one thread in a fixed order, so sums are repeatable. Sums
// accumulate in double: float inputs lose no precision over long reductions.
#pragma once
#include <algorithm>
#include <limits>
#include <vector>

#include "../../core/op_codes.hpp"
#include "../../core/view.hpp"
#include "tag.hpp"
#include "thread_pool.hpp"

namespace ganlib::kernels {

// Σ p[0, n) in double, as eight interleaved partial sums (added pairwise at the end): one
// running sum would wait on the add latency for every element.
template <class T>
double sum_contiguous(const T* __restrict p, int64_t n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) s[j] += double(p[i + j]);
  for (; i < n; ++i) s[0] += double(p[i]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

template <class T>
void reduce(cpu, Reduce op, const View<const T>& x, const View<T>& out) {
  // Split dims into kept (outer loop, one output each) and reduced (inner loop).
  Shape kept, red;
  Strides kept_in, kept_out, red_in;
  for (size_t d = 0; d < x.shape.size(); ++d) {
    if (x.shape[d] == 1) continue;
    if (out.shape[d] == 1) {
      red.push_back(x.shape[d]);
      red_in.push_back(x.strides[d]);
    } else {
      kept.push_back(x.shape[d]);
      kept_in.push_back(x.strides[d]);
      kept_out.push_back(out.strides[d]);
    }
  }
  const int64_t n_out = numel(kept), n_red = numel(red);
  const int nr = int(red.size()), nk = int(kept.size());
  parallel_for(n_out, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n_red)),
               [&](int64_t b, int64_t e) {
    std::vector<int64_t> idx(std::max(nr, 1));
    for (int64_t o = b; o < e; ++o) {
      int64_t in_off = 0, out_off = 0, rem = o;
      for (int d = nk - 1; d >= 0; --d) {
        const int64_t i = rem % kept[d];
        rem /= kept[d];
        in_off += i * kept_in[d];
        out_off += i * kept_out[d];
      }
      double acc = op == Reduce::sum ? 0.0
                   : op == Reduce::max ? -std::numeric_limits<double>::infinity()
                                       : std::numeric_limits<double>::infinity();
      // Walk the reduced sub-space: innermost dim as a tight loop, the rest as an odometer.
      std::fill(idx.begin(), idx.end(), 0);
      const int64_t inner = nr ? red[nr - 1] : 1, inner_st = nr ? red_in[nr - 1] : 0;
      for (int64_t done = 0; done < n_red; done += inner) {
        int64_t off = in_off;
        for (int d = 0; d < nr - 1; ++d) off += idx[d] * red_in[d];
        const T* p = x.data + off;
        if (op == Reduce::sum && inner_st == 1) {
          acc += sum_contiguous(p, inner);
        } else if (op == Reduce::sum) {
          double s = 0;
          for (int64_t i = 0; i < inner; ++i) s += double(p[i * inner_st]);
          acc += s;
        } else if (op == Reduce::max) {
          for (int64_t i = 0; i < inner; ++i) acc = std::max(acc, double(p[i * inner_st]));
        } else {
          for (int64_t i = 0; i < inner; ++i) acc = std::min(acc, double(p[i * inner_st]));
        }
        for (int d = nr - 2; d >= 0; --d) {
          if (++idx[d] < red[d]) break;
          idx[d] = 0;
        }
      }
      out.data[out_off] = T(acc);
    }
  });
}

}  // namespace ganlib::kernels
