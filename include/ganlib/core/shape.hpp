// core/shape.hpp — shapes, strides and the broadcasting rule.
// Contract: a Shape is a list of 0..8 non-negative sizes; strides are in elements, and may be
// 0 (broadcast) but never negative. Helpers here are pure functions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "error.hpp"

namespace ganlib {

inline constexpr int kMaxRank = 8;

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

inline Strides contiguous_strides(const Shape& s) {
  Strides st(s.size());
  int64_t acc = 1;
  for (int i = int(s.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

inline std::string to_string(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

// Wraps a possibly negative dim into [0, rank), or throws naming the op.
inline int wrap_dim(int64_t dim, size_t rank, const char* op) {
  const int64_t r = int64_t(rank);
  GANLIB_CHECK((dim >= -r && dim < r) || (r == 0 && (dim == 0 || dim == -1)), op, ": dim ",
               dim, " is out of range for a tensor of rank ", r);
  return int(dim < 0 ? dim + r : dim);
}

// NumPy/PyTorch broadcasting: align right; sizes must match or be 1.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    GANLIB_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", to_string(a), " and ",
                 to_string(b), " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace ganlib
