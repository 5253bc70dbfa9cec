// ops/instance.hpp — pix2pixHD's instance-map ops: instance-wise average pooling of features
// and the 4-neighbour boundary map. Contract: instance maps are [N, 1, H, W] of ids (any
// exact values; grouped per image). Pooling is a self-adjoint projection, so its backward is
// the same op on the gradient (differentiable again); boundary_map has no gradient.
#pragma once
#include "view.hpp"

namespace ganlib {

// features [N, C, H, W]: each pixel gets its instance's per-channel mean over that instance's
// pixels in the same image. Gradient: each pixel gets its instance's mean of the output grads
// (the sum of the grads / pixel count).
template <class T, class B>
Tensor<T, B> instance_avg_pool(const Tensor<T, B>& features, const Tensor<T, B>& instance_map) {
  const Shape& fs = features.shape();
  const Shape& is = instance_map.shape();
  GANLIB_CHECK(fs.size() == 4, "instance_avg_pool: features ", to_string(fs), " must be [N, C, H, W]");
  GANLIB_CHECK(is.size() == 4 && is[0] == fs[0] && is[1] == 1 && is[2] == fs[2] && is[3] == fs[3],
               "instance_avg_pool: instance map ", to_string(is), " does not match features ",
               to_string(fs), " (expected [", fs[0], ", 1, ", fs[2], ", ", fs[3], "])");
  const Tensor<T, B> inst = instance_map.is_contiguous() ? instance_map.detach() : copy_values(instance_map);
  const Tensor<T, B> xc = features.is_contiguous() ? features : copy_values(features);
  auto y = Tensor<T, B>::empty(fs);
  kernels::instance_avg_pool(B{}, xc.data(), inst.data(), fs[0], fs[1], fs[2] * fs[3], y.data());
  return record(y, "instance_avg_pool", {features}, [inst](const Tensor<T, B>& g) {
    return Grads<T, B>{instance_avg_pool(g, inst)};
  }, {inst});
}

// 1 where a pixel's left, right, upper or lower neighbour has a different id, else 0
// (pix2pixHD's get_edges: both pixels of a differing pair are marked). [N, C, H, W] → same.
template <class T, class B>
Tensor<T, B> boundary_map(const Tensor<T, B>& instance_map) {
  const Shape& s = instance_map.shape();
  GANLIB_CHECK(s.size() == 4, "boundary_map: instance map ", to_string(s), " must be [N, 1, H, W]");
  const Tensor<T, B> inst = instance_map.is_contiguous() ? instance_map.detach() : copy_values(instance_map);
  auto e = Tensor<T, B>::empty(s);
  kernels::boundary_map(B{}, inst.data(), s[0] * s[1], s[2], s[3], e.data());
  return e;
}

}  // namespace ganlib
