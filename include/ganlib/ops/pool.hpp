// ops/pool.hpp — avg_pool2d, max_pool2d (NCHW, as torch.nn.functional) and global pools.
// Contract: pooling is linear given its window choice, so each backward is a recorded adjoint
// op whose own backward is the forward map again (avg: avg_pool2d; max: a gather at the
// saved argmax), which makes both differentiable twice.
#pragma once
#include <limits>
#include <memory>

#include "conv.hpp"

namespace ganlib {
namespace detail {
// Argmax positions (within each plane) on the backend, shared by the nodes that use them.
template <class B>
struct PoolIndices {
  int32_t* data = nullptr;
  size_t n = 0;
  explicit PoolIndices(size_t count) : n(count ? count : 1) {
    data = static_cast<int32_t*>(B::allocate(n * sizeof(int32_t)));
  }
  ~PoolIndices() { B::deallocate(data, n * sizeof(int32_t)); }
  PoolIndices(const PoolIndices&) = delete;
  PoolIndices& operator=(const PoolIndices&) = delete;
};

inline Shape pool_in_shape(const PoolGeom& g) { return {g.N, g.C, g.H, g.W}; }
inline Shape pool_out_shape(const PoolGeom& g) { return {g.N, g.C, g.Ho, g.Wo}; }

// PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input
// or its left padding.
inline int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil) {
  const int64_t span = in + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

template <class T, class B>
PoolGeom pool_geom(const char* op, const Tensor<T, B>& x, Int2 kernel, Int2 stride, Int2 padding,
                   Int2 dilation, bool ceil_mode) {
  GANLIB_CHECK(x.dim() == 4, op, ": input must be 4-D [N, C, H, W], got ", to_string(x.shape()));
  if (stride.h == 0 && stride.w == 0) stride = kernel;  // PyTorch's stride=None
  GANLIB_CHECK(kernel.h > 0 && kernel.w > 0, op, ": kernel size must be positive, got ", to_string(kernel));
  GANLIB_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ", to_string(stride));
  GANLIB_CHECK(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ", to_string(dilation));
  GANLIB_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must be non-negative, got ", to_string(padding));
  GANLIB_CHECK(padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2, op, ": padding ",
               to_string(padding), " must be at most half the kernel size ", to_string(kernel));
  PoolGeom g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.kh = kernel.h, g.kw = kernel.w, g.sh = stride.h, g.sw = stride.w;
  g.ph = padding.h, g.pw = padding.w, g.dh = dilation.h, g.dw = dilation.w;
  g.Ho = pool_out_size(g.H, g.kh, g.ph, g.sh, g.dh, ceil_mode);
  g.Wo = pool_out_size(g.W, g.kw, g.pw, g.sw, g.dw, ceil_mode);
  GANLIB_CHECK(g.Ho >= 1 && g.Wo >= 1, op, ": input ", to_string(x.shape()), " is too small for kernel ",
               to_string(kernel), " (dilation ", to_string(dilation), ", padding ", to_string(padding),
               "): the output would be ", g.Ho, "x", g.Wo);
  GANLIB_CHECK(g.H * g.W <= int64_t(std::numeric_limits<int32_t>::max()), op, ": a plane of ", g.H, "x", g.W, " is too large");
  return g;
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> avg_pool2d_backward(const Tensor<T, B>& gy, const PoolGeom& g);

// Average pooling with an explicit geometry; the gradient is avg_pool2d_backward.
template <class T, class B>
Tensor<T, B> avg_pool2d(const Tensor<T, B>& x, const PoolGeom& g) {
  auto y = Tensor<T, B>::empty(detail::pool_out_shape(g));
  {
    const auto xc = detail::contiguous_values(x);
    kernels::avg_pool2d(B{}, g, xc.data(), y.data());
  }
  return record(y, "avg_pool2d", {x}, [g](const Tensor<T, B>& gy) {
    return Grads<T, B>{avg_pool2d_backward(gy, g)};
  });
}

// The adjoint of avg_pool2d (spreads each output gradient over its window); its own gradient
// is avg_pool2d, so a penalty through an average pool differentiates twice.
template <class T, class B>
Tensor<T, B> avg_pool2d_backward(const Tensor<T, B>& gy, const PoolGeom& g) {
  auto gx = Tensor<T, B>::empty(detail::pool_in_shape(g));
  {
    const auto gyc = detail::contiguous_values(gy);
    kernels::avg_pool2d_backward(B{}, g, gyc.data(), gx.data());
  }
  return record(gx, "avg_pool2d_backward", {gy}, [g](const Tensor<T, B>& h) {
    return Grads<T, B>{avg_pool2d(h, g)};
  });
}

// F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad); stride 0 means
// "same as the kernel" (PyTorch's stride=None). pix2pixHD downsamples with
// avg_pool2d(x, 3, 2, 1, false, /*count_include_pad=*/false).
template <class T, class B>
Tensor<T, B> avg_pool2d(const Tensor<T, B>& x, Int2 kernel, Int2 stride = 0, Int2 padding = 0,
                        bool ceil_mode = false, bool count_include_pad = true) {
  auto g = detail::pool_geom("avg_pool2d", x, kernel, stride, padding, 1, ceil_mode);
  g.count_include_pad = count_include_pad;
  return avg_pool2d(x, g);
}

namespace detail {
// h [N, C, Ho, Wo] gathered at idx from x [N, C, H, W], and its adjoint (scatter-add); each is
// the other's gradient.
template <class T, class B>
Tensor<T, B> pool_scatter(const Tensor<T, B>& gy, std::shared_ptr<PoolIndices<B>> idx, const PoolGeom& g);
template <class T, class B>
Tensor<T, B> pool_gather(const Tensor<T, B>& x, std::shared_ptr<PoolIndices<B>> idx, const PoolGeom& g) {
  auto y = Tensor<T, B>::empty(pool_out_shape(g));
  {
    const auto xc = contiguous_values(x);
    kernels::pool_gather(B{}, g.planes(), g.H * g.W, g.Ho * g.Wo, xc.data(), idx->data, y.data());
  }
  return record(y, "max_pool2d_gather", {x}, [idx, g](const Tensor<T, B>& h) {
    return Grads<T, B>{pool_scatter(h, idx, g)};
  });
}
template <class T, class B>
Tensor<T, B> pool_scatter(const Tensor<T, B>& gy, std::shared_ptr<PoolIndices<B>> idx, const PoolGeom& g) {
  auto gx = Tensor<T, B>::empty(pool_in_shape(g));
  {
    const auto gyc = contiguous_values(gy);
    kernels::pool_scatter_add(B{}, g.planes(), g.H * g.W, g.Ho * g.Wo, gyc.data(), idx->data, gx.data());
  }
  return record(gx, "max_pool2d_backward", {gy}, [idx, g](const Tensor<T, B>& h) {
    return Grads<T, B>{pool_gather(h, idx, g)};
  });
}
}  // namespace detail

// F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode); the gradient goes to the first
// maximum of each window (as PyTorch). Padding never wins: it acts as −∞.
template <class T, class B>
Tensor<T, B> max_pool2d(const Tensor<T, B>& x, Int2 kernel, Int2 stride = 0, Int2 padding = 0,
                        Int2 dilation = 1, bool ceil_mode = false) {
  const auto g = detail::pool_geom("max_pool2d", x, kernel, stride, padding, dilation, ceil_mode);
  auto y = Tensor<T, B>::empty(detail::pool_out_shape(g));
  auto idx = std::make_shared<detail::PoolIndices<B>>(size_t(y.numel()));
  {
    const auto xc = detail::contiguous_values(x);
    kernels::max_pool2d(B{}, g, xc.data(), y.data(), idx->data);
  }
  return record(y, "max_pool2d", {x}, [idx, g](const Tensor<T, B>& gy) {
    return Grads<T, B>{detail::pool_scatter(gy, idx, g)};
  });
}

// Σ over H and W: [N, C, H, W] -> [N, C] (BigGAN's discriminator head).
template <class T, class B>
Tensor<T, B> global_sum_pool(const Tensor<T, B>& x) {
  GANLIB_CHECK(x.dim() == 4, "global_sum_pool: input must be 4-D [N, C, H, W], got ", to_string(x.shape()));
  return sum(x, {2, 3});
}
// Mean over H and W: [N, C, H, W] -> [N, C] ([N, C, 1, 1] with keepdim).
template <class T, class B>
Tensor<T, B> global_avg_pool(const Tensor<T, B>& x, bool keepdim = false) {
  GANLIB_CHECK(x.dim() == 4, "global_avg_pool: input must be 4-D [N, C, H, W], got ", to_string(x.shape()));
  return mean(x, {2, 3}, keepdim);
}

}  // namespace ganlib
