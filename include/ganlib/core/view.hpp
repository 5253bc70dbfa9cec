// core/view.hpp — what a kernel sees of a tensor: a pointer, sizes and element strides.
// Contract: no ownership, no autograd; kernels in backend/ take and write Views only.
#pragma once
#include "shape.hpp"

namespace ganlib {

template <class T>
struct View {
  T* data = nullptr;
  Shape shape;
  Strides strides;
  int64_t numel() const { return ganlib::numel(shape); }
  bool contiguous() const { return strides == contiguous_strides(shape) || numel() <= 1; }
};

}  // namespace ganlib
