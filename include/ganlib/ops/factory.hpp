// ops/factory.hpp — making tensors: zeros, ones, full, arange, from a vector, random; copies.
// Contract: results are contiguous and do not require grad (call requires_grad_() on a leaf).
// Random tensors take a Generator (default_generator() when omitted) and draw element i from
// Philox counter offset + i, so CPU and CUDA give the same numbers for the same seed.
#pragma once
#include <cstring>
#include <iomanip>
#include <ostream>
#include <vector>

#include "../core/generator.hpp"
#include "../core/tensor.hpp"
#include "kernels.hpp"

namespace ganlib {

template <class T = float, class B = default_backend>
Tensor<T, B> full(const Shape& shape, T value) {
  auto t = Tensor<T, B>::empty(shape);
  kernels::fill(B{}, t.view(), value);
  return t;
}
template <class T = float, class B = default_backend>
Tensor<T, B> zeros(const Shape& shape) { return full<T, B>(shape, T(0)); }
template <class T = float, class B = default_backend>
Tensor<T, B> ones(const Shape& shape) { return full<T, B>(shape, T(1)); }

template <class T, class B>
Tensor<T, B> zeros_like(const Tensor<T, B>& x) { return zeros<T, B>(x.shape()); }
template <class T, class B>
Tensor<T, B> ones_like(const Tensor<T, B>& x) { return ones<T, B>(x.shape()); }
template <class T, class B>
Tensor<T, B> full_like(const Tensor<T, B>& x, T v) { return full<T, B>(x.shape(), v); }

// Copies host values into a new tensor of the given shape (default: 1-D).
template <class T = float, class B = default_backend>
Tensor<T, B> from_vector(const std::vector<T>& values, Shape shape = {}) {
  if (shape.empty() && values.size() != 1) shape = {int64_t(values.size())};
  GANLIB_CHECK(numel(shape) == int64_t(values.size()), "from_vector: ", values.size(),
               " values do not fill shape ", to_string(shape));
  auto t = Tensor<T, B>::empty(shape);
  B::copy_from_host(t.data(), values.data(), values.size() * sizeof(T));
  return t;
}

template <class T = float, class B = default_backend>
Tensor<T, B> scalar_tensor(T v) { return from_vector<T, B>({v}, Shape{}); }

// 0, step, 2·step, … below `end`.
template <class T = float, class B = default_backend>
Tensor<T, B> arange(double start, double end, double step = 1) {
  GANLIB_CHECK(step != 0, "arange: step must not be 0");
  const int64_t n = std::max<int64_t>(0, int64_t(std::ceil((end - start) / step)));
  std::vector<T> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = T(start + double(i) * step);
  return from_vector<T, B>(v, {n});
}

template <class T = float, class B = default_backend>
Tensor<T, B> randn(const Shape& shape, Generator& gen = default_generator(), double mean = 0,
                   double std = 1) {
  auto t = Tensor<T, B>::empty(shape);
  kernels::random_fill(B{}, t.data(), t.numel(), true, mean, std, gen.seed(),
                       gen.next_offset(uint64_t(t.numel())));
  return t;
}
template <class T = float, class B = default_backend>
Tensor<T, B> rand(const Shape& shape, Generator& gen = default_generator(), double lo = 0,
                  double hi = 1) {
  auto t = Tensor<T, B>::empty(shape);
  kernels::random_fill(B{}, t.data(), t.numel(), false, lo, hi, gen.seed(),
                       gen.next_offset(uint64_t(t.numel())));
  return t;
}

// A contiguous copy of x's values (no autograd link; see ops/view.hpp for the recorded one).
template <class T, class B>
Tensor<T, B> copy_values(const Tensor<T, B>& x) {
  auto y = Tensor<T, B>::empty(x.shape());
  if (x.is_contiguous()) {
    B::copy_within(y.data(), x.data(), size_t(x.numel()) * sizeof(T));
  } else {
    if constexpr (is_compute_type_v<T>)
      kernels::unary(B{}, Unary::copy, T(0), T(0), x.cview(), y.view());
    else  // half tensors have no strided kernels
      GANLIB_CHECK(false, "a half-precision tensor must be contiguous to be copied; got shape ",
                   to_string(x.shape()), " with strides ", to_string(x.strides()));
  }
  return y;
}

template <class T, class B>
std::vector<T> Tensor<T, B>::to_vector() const {
  const Tensor c = is_contiguous() ? *this : copy_values(*this);
  std::vector<T> v(size_t(c.numel()));
  B::copy_to_host(v.data(), c.data(), v.size() * sizeof(T));
  return v;
}

template <class T, class B>
T Tensor<T, B>::item() const {
  GANLIB_CHECK(numel() == 1, "item: tensor of shape ", to_string(shape()),
               " has ", numel(), " elements, not 1");
  T v;
  B::copy_to_host(&v, data(), sizeof(T));
  return v;
}

// Prints shape, backend and up to 6 values per row of the last dim, as PyTorch does roughly.
template <class T, class B>
std::ostream& operator<<(std::ostream& os, const Tensor<T, B>& t) {
  if (!t.defined()) return os << "Tensor(undefined)";
  const auto v = t.to_vector();
  const int64_t last = t.dim() ? t.shape().back() : 1;
  os << "Tensor" << to_string(t.shape()) << " on " << B::name << " {";
  const int64_t rows = last ? int64_t(v.size()) / last : 0;
  for (int64_t r = 0; r < rows && r < 8; ++r) {
    os << (r ? ",\n  " : "\n  ") << "[";
    for (int64_t i = 0; i < last && i < 6; ++i)
      os << (i ? ", " : "") << std::setprecision(5) << v[size_t(r * last + i)];
    if (last > 6) os << ", ...";
    os << "]";
  }
  if (rows > 8) os << ",\n  ...";
  return os << (t.requires_grad() ? "\n} requires_grad" : "\n}");
}

}  // namespace ganlib
