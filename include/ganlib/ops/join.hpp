// ops/join.hpp — concat and stack of tensor lists; split and chunk into views.
// Contract: concat copies each input into its slice of a new tensor, and its backward hands
// each input narrow(g) (a recorded view), so it differentiates twice; split/chunk return
// narrow() views sharing the input's storage, as torch.split / torch.chunk.
#pragma once
#include "view.hpp"

namespace ganlib {

// Joins tensors along an existing dim; all other dims must match.
template <class T, class B>
Tensor<T, B> concat(const std::vector<Tensor<T, B>>& xs, int64_t dim) {
  GANLIB_CHECK(!xs.empty(), "concat: needs at least one tensor");
  const Shape& first = xs[0].shape();
  const int d = wrap_dim(dim, first.size(), "concat");
  Shape out_shape = first;
  out_shape[d] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Shape& s = xs[i].shape();
    bool ok = s.size() == first.size();
    for (size_t k = 0; ok && k < s.size(); ++k) ok = int(k) == d || s[k] == first[k];
    GANLIB_CHECK(ok, "concat: tensor ", i, " has shape ", to_string(s), " but tensor 0 has ",
                 to_string(first), "; all dims except dim ", d, " must match");
    out_shape[d] += s[d];
  }
  auto out = Tensor<T, B>::empty(out_shape);
  std::vector<int64_t> starts, lens;
  int64_t at = 0;
  for (const auto& x : xs) {
    auto slot = Tensor<T, B>::alias(out, x.shape(), out.strides(), at * out.strides()[d]);
    kernels::unary(B{}, Unary::copy, T(0), T(0), x.cview(), slot.view());
    starts.push_back(at);
    lens.push_back(x.shape()[d]);
    at += x.shape()[d];
  }
  return record(out, "concat", xs, [d, starts, lens](const Tensor<T, B>& g) {
    Grads<T, B> gs;
    for (size_t i = 0; i < starts.size(); ++i) gs.push_back(narrow(g, d, starts[i], lens[i]));
    return gs;
  });
}

// Joins same-shaped tensors along a new dim.
template <class T, class B>
Tensor<T, B> stack(const std::vector<Tensor<T, B>>& xs, int64_t dim) {
  GANLIB_CHECK(!xs.empty(), "stack: needs at least one tensor");
  const int d = wrap_dim(dim, xs[0].shape().size() + 1, "stack");
  std::vector<Tensor<T, B>> us;
  for (size_t i = 0; i < xs.size(); ++i) {
    GANLIB_CHECK(xs[i].shape() == xs[0].shape(), "stack: tensor ", i, " has shape ",
                 to_string(xs[i].shape()), " but tensor 0 has ", to_string(xs[0].shape()));
    us.push_back(unsqueeze(xs[i], d));
  }
  return concat(us, d);
}

// Pieces of `size` along dim (the last may be smaller), as torch.split(x, size, dim).
template <class T, class B>
std::vector<Tensor<T, B>> split(const Tensor<T, B>& x, int64_t size, int64_t dim) {
  const int d = wrap_dim(dim, x.shape().size(), "split");
  const int64_t n = x.shape()[d];
  GANLIB_CHECK(size > 0 || n == 0, "split: piece size ", size, " must be positive");
  std::vector<Tensor<T, B>> out;
  for (int64_t s = 0; s < n; s += size) out.push_back(narrow(x, d, s, std::min(size, n - s)));
  if (out.empty()) out.push_back(x);  // torch returns the (empty) tensor itself
  return out;
}

// At most n pieces of ceil(size / n) along dim, as torch.chunk(x, n, dim).
template <class T, class B>
std::vector<Tensor<T, B>> chunk(const Tensor<T, B>& x, int64_t n, int64_t dim) {
  GANLIB_CHECK(n > 0, "chunk: number of chunks ", n, " must be positive");
  const int d = wrap_dim(dim, x.shape().size(), "chunk");
  const int64_t size = x.shape()[d];
  return split(x, std::max<int64_t>(1, (size + n - 1) / n), d);
}

}  // namespace ganlib
