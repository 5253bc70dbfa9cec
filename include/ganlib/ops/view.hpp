// ops/view.hpp — shape ops that share storage where they can: reshape, permute, transpose,
// narrow, select, expand, squeeze/unsqueeze, flatten; plus contiguous() and clone().
// Contract: each returns a view (same storage, new shape/strides/offset) when the layout
// allows, else a copy; the backward of each maps the gradient back to the input's shape.
#pragma once
#include <numeric>

#include "../autograd/node.hpp"
#include "factory.hpp"

namespace ganlib {

template <class T, class B>
Tensor<T, B> clone(const Tensor<T, B>& x) {
  return record(copy_values(x), "clone", {x}, [](const Tensor<T, B>& g) {
    return std::vector<Tensor<T, B>>{g};
  });
}

template <class T, class B>
Tensor<T, B> contiguous(const Tensor<T, B>& x) {
  return x.is_contiguous() ? x : clone(x);
}

template <class T, class B>
Tensor<T, B> reshape(const Tensor<T, B>& x, Shape shape) {
  // One dim may be -1: inferred from the element count.
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      GANLIB_CHECK(infer < 0, "reshape: more than one -1 in ", to_string(shape));
      infer = int64_t(i);
    } else {
      GANLIB_CHECK(shape[i] >= 0, "reshape: negative size in ", to_string(shape));
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    GANLIB_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot reshape ",
                 to_string(x.shape()), " into ", to_string(shape));
    shape[size_t(infer)] = x.numel() / known;
  }
  GANLIB_CHECK(numel(shape) == x.numel(), "reshape: cannot reshape ", to_string(x.shape()),
               " (", x.numel(), " elements) into ", to_string(shape));
  const Tensor<T, B> src = x.is_contiguous() ? x : copy_values(x);
  auto y = Tensor<T, B>::alias(src, shape, contiguous_strides(shape), src.offset());
  const Shape in_shape = x.shape();
  return record(y, "reshape", {x}, [in_shape](const Tensor<T, B>& g) {
    return std::vector<Tensor<T, B>>{reshape(g, in_shape)};
  });
}

template <class T, class B>
Tensor<T, B> flatten(const Tensor<T, B>& x, int64_t start_dim = 1) {
  const int s = wrap_dim(start_dim, x.shape().size(), "flatten");
  Shape shape(x.shape().begin(), x.shape().begin() + s);
  shape.push_back(-1);
  return reshape(x, shape);
}

template <class T, class B>
Tensor<T, B> permute(const Tensor<T, B>& x, const std::vector<int64_t>& dims) {
  GANLIB_CHECK(dims.size() == x.shape().size(), "permute: ", dims.size(),
               " dims given for a tensor of rank ", x.dim());
  Shape shape(dims.size());
  Strides strides(dims.size());
  std::vector<int64_t> inverse(dims.size(), -1);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int d = wrap_dim(dims[i], dims.size(), "permute");
    GANLIB_CHECK(inverse[d] < 0, "permute: dim ", d, " repeated");
    inverse[d] = int64_t(i);
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
  }
  auto y = Tensor<T, B>::alias(x, shape, strides, x.offset());
  return record(y, "permute", {x}, [inverse](const Tensor<T, B>& g) {
    return std::vector<Tensor<T, B>>{permute(g, inverse)};
  });
}

template <class T, class B>
Tensor<T, B> transpose(const Tensor<T, B>& x, int64_t a, int64_t b) {
  std::vector<int64_t> dims(x.shape().size());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(a, dims.size(), "transpose")], dims[wrap_dim(b, dims.size(), "transpose")]);
  return permute(x, dims);
}

template <class T, class B>
Tensor<T, B> narrow(const Tensor<T, B>& x, int64_t dim, int64_t start, int64_t length);

// The adjoint of narrow: g placed at [start, start + len) along dim of a zero tensor.
template <class T, class B>
Tensor<T, B> narrow_backward(const Tensor<T, B>& g, const Shape& full_shape, int dim,
                             int64_t start) {
  auto out = zeros<T, B>(full_shape);
  auto slot = Tensor<T, B>::alias(out, g.shape(), out.strides(), start * out.strides()[dim]);
  kernels::unary(B{}, Unary::copy, T(0), T(0), g.cview(), slot.view());
  const int64_t len = g.shape()[dim];
  return record(out, "narrow_backward", {g}, [dim, start, len](const Tensor<T, B>& gg) {
    return std::vector<Tensor<T, B>>{narrow(gg, dim, start, len)};
  });
}

template <class T, class B>
Tensor<T, B> narrow(const Tensor<T, B>& x, int64_t dim, int64_t start, int64_t length) {
  const int d = wrap_dim(dim, x.shape().size(), "narrow");
  const int64_t size = x.shape()[d];
  if (start < 0) start += size;
  GANLIB_CHECK(start >= 0 && length >= 0 && start + length <= size, "narrow: start ", start,
               " and length ", length, " do not fit dim ", d, " of size ", size, " (shape ",
               to_string(x.shape()), ")");
  Shape shape = x.shape();
  shape[d] = length;
  auto y = Tensor<T, B>::alias(x, shape, x.strides(), x.offset() + start * x.strides()[d]);
  const Shape in_shape = x.shape();
  return record(y, "narrow", {x}, [in_shape, d, start](const Tensor<T, B>& g) {
    return std::vector<Tensor<T, B>>{narrow_backward(g, in_shape, d, start)};
  });
}

template <class T, class B>
Tensor<T, B> unsqueeze(const Tensor<T, B>& x, int64_t dim) {
  const int d = wrap_dim(dim, x.shape().size() + 1, "unsqueeze");
  Shape s = x.shape();
  s.insert(s.begin() + d, 1);
  return reshape(x, s);
}

template <class T, class B>
Tensor<T, B> squeeze(const Tensor<T, B>& x, int64_t dim) {
  const int d = wrap_dim(dim, x.shape().size(), "squeeze");
  if (x.shape()[d] != 1) return x;
  Shape s = x.shape();
  s.erase(s.begin() + d);
  return reshape(x, s);
}

template <class T, class B>
Tensor<T, B> select(const Tensor<T, B>& x, int64_t dim, int64_t index) {
  const int d = wrap_dim(dim, x.shape().size(), "select");
  const int64_t size = x.shape()[d];
  GANLIB_CHECK(index >= -size && index < size, "select: index ", index,
               " is out of range for dim ", d, " of size ", size);
  return squeeze(narrow(x, d, index < 0 ? index + size : index, 1), d);
}

template <class T, class B>
Tensor<T, B> sum_to(const Tensor<T, B>& g, const Shape& shape);  // ops/reduce.hpp

// Broadcasts x to `shape` without copying (stride 0 on expanded dims); -1 keeps a size.
template <class T, class B>
Tensor<T, B> expand(const Tensor<T, B>& x, Shape shape) {
  GANLIB_CHECK(shape.size() >= x.shape().size(), "expand: cannot expand ", to_string(x.shape()),
               " to fewer dims ", to_string(shape));
  const size_t lead = shape.size() - x.shape().size();
  Strides strides(shape.size(), 0);
  for (size_t i = 0; i < x.shape().size(); ++i) {
    if (shape[lead + i] == -1) shape[lead + i] = x.shape()[i];
    GANLIB_CHECK(x.shape()[i] == shape[lead + i] || x.shape()[i] == 1, "expand: size ",
                 x.shape()[i], " of dim ", i, " cannot expand to ", shape[lead + i], " (",
                 to_string(x.shape()), " -> ", to_string(shape), ")");
    strides[lead + i] = x.shape()[i] == 1 ? 0 : x.strides()[i];
  }
  auto y = Tensor<T, B>::alias(x, shape, strides, x.offset());
  const Shape in_shape = x.shape();
  return record(y, "expand", {x}, [in_shape](const Tensor<T, B>& g) {
    return std::vector<Tensor<T, B>>{sum_to(g, in_shape)};
  });
}

// Member sugar.
template <class T, class B> Tensor<T, B> Tensor<T, B>::contiguous() const { return ganlib::contiguous(*this); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::clone() const { return ganlib::clone(*this); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::reshape(const Shape& s) const { return ganlib::reshape(*this, s); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::view_as_shape(const Shape& s) const { return ganlib::reshape(*this, s); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::permute(const std::vector<int64_t>& d) const { return ganlib::permute(*this, d); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::transpose(int64_t a, int64_t b) const { return ganlib::transpose(*this, a, b); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::narrow(int64_t d, int64_t s, int64_t l) const { return ganlib::narrow(*this, d, s, l); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::select(int64_t d, int64_t i) const { return ganlib::select(*this, d, i); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::expand(const Shape& s) const { return ganlib::expand(*this, s); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::squeeze(int64_t d) const { return ganlib::squeeze(*this, d); }
template <class T, class B> Tensor<T, B> Tensor<T, B>::unsqueeze(int64_t d) const { return ganlib::unsqueeze(*this, d); }

}  // namespace ganlib
