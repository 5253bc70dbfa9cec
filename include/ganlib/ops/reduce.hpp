// ops/reduce.hpp — sum, mean, var, max, min over any dims (keepdim or not), and sum_to.
// Contract: an empty dim list means every dim. Backward formulas are built from view and
// elementwise ops, so reductions differentiate twice. max/min spread the gradient evenly
// over tied maxima (as torch.amax).
#pragma once
#include <algorithm>

#include "elementwise.hpp"

namespace ganlib {
namespace detail {
// Sorted, unique, wrapped dims; empty → all.
inline std::vector<int> reduce_dims(const std::vector<int64_t>& dims, size_t rank, const char* op) {
  std::vector<int> out;
  if (dims.empty())
    for (size_t i = 0; i < rank; ++i) out.push_back(int(i));
  for (auto d : dims) out.push_back(wrap_dim(d, rank, op));
  std::sort(out.begin(), out.end());
  GANLIB_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), op, ": a dim is repeated");
  return out;
}
inline Shape keepdim_shape(Shape s, const std::vector<int>& dims) {
  for (int d : dims) s[size_t(d)] = 1;
  return s;
}
inline Shape dropdim_shape(const Shape& s, const std::vector<int>& dims) {
  Shape out;
  for (size_t i = 0; i < s.size(); ++i)
    if (std::find(dims.begin(), dims.end(), int(i)) == dims.end()) out.push_back(s[i]);
  return out;
}
template <class T, class B>
Tensor<T, B> reduce_raw(Reduce op, const Tensor<T, B>& x, const std::vector<int>& dims, const char* name) {
  if (op != Reduce::sum)
    for (int d : dims)
      GANLIB_CHECK(x.shape()[size_t(d)] > 0, name, ": cannot reduce over dim ", d,
                   " of size 0 (shape ", to_string(x.shape()), ")");
  auto out = Tensor<T, B>::empty(keepdim_shape(x.shape(), dims));
  kernels::reduce(B{}, op, x.cview(), out.view());
  return out;
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> sum(const Tensor<T, B>& x, const std::vector<int64_t>& dims = {}, bool keepdim = false) {
  const auto ds = detail::reduce_dims(dims, x.shape().size(), "sum");
  auto kept = detail::reduce_raw(Reduce::sum, x, ds, "sum");
  Tensor<T, B> y = keepdim ? kept
                           : Tensor<T, B>::alias(kept, detail::dropdim_shape(x.shape(), ds),
                                                 contiguous_strides(detail::dropdim_shape(x.shape(), ds)), 0);
  const Shape in_shape = x.shape(), kshape = kept.shape();
  return record(y, "sum", {x}, [in_shape, kshape](const Tensor<T, B>& g) {
    return Grads<T, B>{expand(reshape(g, kshape), in_shape)};
  });
}

template <class T, class B>
Tensor<T, B> mean(const Tensor<T, B>& x, const std::vector<int64_t>& dims = {}, bool keepdim = false) {
  const auto ds = detail::reduce_dims(dims, x.shape().size(), "mean");
  int64_t count = 1;
  for (int d : ds) count *= x.shape()[size_t(d)];
  GANLIB_CHECK(count > 0, "mean: reducing over an empty set of elements (shape ", to_string(x.shape()), ")");
  return mul_scalar(sum(x, dims, keepdim), T(1) / T(count));
}

// Variance over dims; unbiased divides by n - 1 (PyTorch's default), else by n.
template <class T, class B>
Tensor<T, B> var(const Tensor<T, B>& x, const std::vector<int64_t>& dims = {}, bool unbiased = true,
                 bool keepdim = false) {
  const auto ds = detail::reduce_dims(dims, x.shape().size(), "var");
  int64_t count = 1;
  for (int d : ds) count *= x.shape()[size_t(d)];
  GANLIB_CHECK(count > (unbiased ? 1 : 0), "var: ", count, " element(s) per group is too few (shape ",
               to_string(x.shape()), ")");
  const auto centred = sub(x, mean(x, dims, true));
  return mul_scalar(sum(square(centred), dims, keepdim), T(1) / T(unbiased ? count - 1 : count));
}

namespace detail {
template <class T, class B>
Tensor<T, B> extremum(Reduce op, const Tensor<T, B>& x, const std::vector<int64_t>& dims, bool keepdim,
                      const char* name) {
  const auto ds = reduce_dims(dims, x.shape().size(), name);
  auto kept = reduce_raw(op, x, ds, name);
  const Shape drop = dropdim_shape(x.shape(), ds);
  Tensor<T, B> y = keepdim ? kept : Tensor<T, B>::alias(kept, drop, contiguous_strides(drop), 0);
  const Tensor<T, B> m = kept.detach();
  std::vector<int64_t> dl(ds.begin(), ds.end());
  return record(y, name, {x}, [x, m, dl](const Tensor<T, B>& g) {
    const auto mask = map_binary(Binary::eq, x.detach(), m, "max");
    const auto count = detail::reduce_raw(Reduce::sum, mask, std::vector<int>(dl.begin(), dl.end()), "max");
    return Grads<T, B>{mul(expand(reshape(g, m.shape()), x.shape()), div(mask, count))};
  }, {x});
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> max(const Tensor<T, B>& x, const std::vector<int64_t>& dims = {}, bool keepdim = false) {
  return detail::extremum(Reduce::max, x, dims, keepdim, "max");
}
template <class T, class B>
Tensor<T, B> min(const Tensor<T, B>& x, const std::vector<int64_t>& dims = {}, bool keepdim = false) {
  return detail::extremum(Reduce::min, x, dims, keepdim, "min");
}

// Sums g down to `shape` (the inverse of broadcasting): used by every broadcasting backward.
template <class T, class B>
Tensor<T, B> sum_to(const Tensor<T, B>& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const size_t lead = g.shape().size() - shape.size();
  std::vector<int64_t> dims;
  for (size_t i = 0; i < g.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) dims.push_back(int64_t(i));
  return reshape(sum(g, dims, true), shape);
}

template <class T, class B> Tensor<T, B> Tensor<T, B>::sum(const std::vector<int64_t>& d, bool k) const { return ganlib::sum(*this, d, k); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::mean(const std::vector<int64_t>& d, bool k) const { return ganlib::mean(*this, d, k); }

}  // namespace ganlib
