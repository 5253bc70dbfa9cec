// ops/embedding.hpp — embedding lookup (rows of a weight table by id) and one_hot of label maps.
// Contract: ids are integers stored as floats and are checked on the host (an out-of-range id
// is an error naming it and the limit). embedding and its scatter-add backward are each other's
// adjoints, both recorded, so the pair differentiates any number of times; one_hot has no gradient.
#pragma once
#include <cmath>

#include "view.hpp"

namespace ganlib {
namespace detail {
// Every id must be an integer in [0, limit).
template <class T, class B>
void check_ids(const Tensor<T, B>& ids, int64_t limit, const char* op, const char* what) {
  const auto v = ids.to_vector();
  for (size_t i = 0; i < v.size(); ++i) {
    GANLIB_CHECK(v[i] == std::floor(v[i]), op, ": id ", v[i], " at index ", i, " is not an integer");
    GANLIB_CHECK(v[i] >= 0 && v[i] < T(limit), op, ": id ", int64_t(v[i]), " at index ", i,
                 " is out of range: ", what, " is ", limit, " (valid ids 0..", limit - 1, ")");
  }
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> embedding(const Tensor<T, B>& ids, const Tensor<T, B>& weight);

// The adjoint of embedding w.r.t. the weight: g [..., D] scatter-added into a [num, D] table.
// Linear in g; its own backward is embedding(ids, gg).
template <class T, class B>
Tensor<T, B> embedding_backward(const Tensor<T, B>& g, const Tensor<T, B>& ids, int64_t num) {
  const int64_t D = g.shape().back();
  auto gw = zeros<T, B>({num, D});
  const Tensor<T, B> idc = ids.is_contiguous() ? ids.detach() : copy_values(ids);
  const Tensor<T, B> gc = g.is_contiguous() ? g : copy_values(g);
  kernels::embedding_scatter_add(B{}, idc.data(), ids.numel(), gc.data(), D, gw.data());
  return record(gw, "embedding_backward", {g}, [idc](const Tensor<T, B>& gg) {
    return Grads<T, B>{embedding(idc, gg)};
  }, {idc});
}

// weight [num, D] rows picked by ids of any shape → [ids..., D], as F.embedding.
template <class T, class B>
Tensor<T, B> embedding(const Tensor<T, B>& ids, const Tensor<T, B>& weight) {
  GANLIB_CHECK(weight.dim() == 2, "embedding: weight ", to_string(weight.shape()), " must be [num, dim]");
  const int64_t num = weight.shape()[0], D = weight.shape()[1];
  detail::check_ids(ids, num, "embedding", "the table size");
  Shape out_shape = ids.shape();
  out_shape.push_back(D);
  auto out = Tensor<T, B>::empty(out_shape);
  const Tensor<T, B> idc = ids.is_contiguous() ? ids.detach() : copy_values(ids);
  const Tensor<T, B> wc = weight.is_contiguous() ? weight : copy_values(weight);
  kernels::embedding_gather(B{}, idc.data(), idc.numel(), wc.data(), D, out.data());
  return record(out, "embedding", {weight}, [idc, num](const Tensor<T, B>& g) {
    return Grads<T, B>{embedding_backward(g, idc, num)};
  }, {idc});
}

// label_map [N, 1, ...] of class ids → [N, num_classes, ...] with 1 at the id's channel.
template <class T, class B>
Tensor<T, B> one_hot(const Tensor<T, B>& label_map, int64_t num_classes) {
  GANLIB_CHECK(label_map.dim() >= 2 && label_map.shape()[1] == 1, "one_hot: label map ",
               to_string(label_map.shape()), " must be [N, 1, ...]");
  GANLIB_CHECK(num_classes > 0, "one_hot: num_classes ", num_classes, " must be positive");
  detail::check_ids(label_map, num_classes, "one_hot", "num_classes");
  Shape cls_shape(size_t(label_map.dim()), 1);
  cls_shape[1] = num_classes;
  const auto classes = reshape(arange<T, B>(0, double(num_classes)), cls_shape);
  return map_binary(Binary::eq, label_map.detach(), classes, "one_hot");
}

}  // namespace ganlib
