// ops/grid_sample.hpp — bilinear resampling: grid_sample (as torch.nn.functional.grid_sample) and
// flow_warp (backward warping by a pixel flow, as vid2vid's resample / FlowNet2's Resample2d).
// Contract: gradients flow to the image and to the grid (or flow). The image gradient is a
// recorded linear op whose own backward is grid_sample again; a second derivative through the
// grid coordinates is not provided and throws a ganlib::Error if asked for.
#pragma once
#include "elementwise.hpp"

namespace ganlib {

namespace detail {
template <class T, class B>
Tensor<T, B> grid_dense(const Tensor<T, B>& x) {
  return x.is_contiguous() ? x : copy_values(x);
}

// Raw (unrecorded) gradients of grid_sample; either pointer target may be skipped.
template <class T, class B>
void grid_sample_grads(const Tensor<T, B>& g, const Tensor<T, B>& x, const Shape& x_shape,
                       const Tensor<T, B>& grid, Tensor<T, B>* gx, Tensor<T, B>* ggrid,
                       GridPadding pad, bool align_corners) {
  const auto gc = grid_dense(g), gridc = grid_dense(grid);
  const auto xc = ggrid ? grid_dense(x) : Tensor<T, B>();
  if (gx) *gx = Tensor<T, B>::empty(x_shape);
  if (ggrid) *ggrid = Tensor<T, B>::empty(grid.shape());
  kernels::grid_sample_backward(B{}, gc.data(), ggrid ? xc.data() : nullptr, gridc.data(),
                                gx ? gx->data() : nullptr, ggrid ? ggrid->data() : nullptr,
                                x_shape[0], x_shape[1], x_shape[2], x_shape[3], grid.shape()[1],
                                grid.shape()[2], pad, align_corners);
}
}  // namespace detail

template <class T, class B>
Tensor<T, B> grid_sample(const Tensor<T, B>& x, const Tensor<T, B>& grid,
                         GridPadding padding = GridPadding::zeros, bool align_corners = false);

// The gradient of grid_sample w.r.t. its image: the adjoint of sampling, g [N, C, Ho, Wo] ->
// [N, C, H, W] (x_shape). Linear in g, so its own gradient w.r.t. g is grid_sample(h, grid).
template <class T, class B>
Tensor<T, B> grid_sample_input_grad(const Tensor<T, B>& g, const Tensor<T, B>& grid,
                                    const Shape& x_shape, GridPadding padding = GridPadding::zeros,
                                    bool align_corners = false) {
  GANLIB_CHECK(g.dim() == 4 && grid.dim() == 4 && x_shape.size() == 4 && grid.shape()[3] == 2 &&
                   g.shape()[0] == x_shape[0] && g.shape()[1] == x_shape[1] &&
                   grid.shape()[0] == x_shape[0] && g.shape()[2] == grid.shape()[1] &&
                   g.shape()[3] == grid.shape()[2],
               "grid_sample_input_grad: gradient ", to_string(g.shape()), ", grid ",
               to_string(grid.shape()), " and input shape ", to_string(x_shape), " do not match");
  Tensor<T, B> gx;
  detail::grid_sample_grads<T, B>(g, Tensor<T, B>(), x_shape, grid, &gx, nullptr, padding, align_corners);
  const bool grid_grad = grid.requires_grad();
  return record(gx, "grid_sample_input_grad", {g, grid},
                [grid, padding, align_corners, grid_grad](const Tensor<T, B>& h) {
    GANLIB_CHECK(!grid_grad, "grid_sample: double backward is not supported through the grid "
                 "(the image gradient is differentiable w.r.t. the upstream gradient only)");
    return Grads<T, B>{grid_sample(h, grid, padding, align_corners), Tensor<T, B>()};
  }, {grid});
}

// Bilinear sampling of x [N, C, H, W] at grid [N, Ho, Wo, 2] -> [N, C, Ho, Wo]. Grid values are
// (x, y) in [-1, 1]: with align_corners, -1 and 1 are the centres of the corner pixels; without,
// the outer edges of the corner pixels. Outside the image `zeros` reads 0, `border` clamps
// the coordinate to the edge (and its gradient is then 0), exactly as PyTorch.
template <class T, class B>
Tensor<T, B> grid_sample(const Tensor<T, B>& x, const Tensor<T, B>& grid, GridPadding padding,
                         bool align_corners) {
  GANLIB_CHECK(x.dim() == 4, "grid_sample: input must be 4-D [N, C, H, W], got ",
               to_string(x.shape()));
  GANLIB_CHECK(grid.dim() == 4 && grid.shape()[3] == 2, "grid_sample: grid must be [N, Ho, Wo, 2] "
               "(x, y last), got ", to_string(grid.shape()), " for input ", to_string(x.shape()));
  GANLIB_CHECK(grid.shape()[0] == x.shape()[0], "grid_sample: input ", to_string(x.shape()),
               " and grid ", to_string(grid.shape()), " have different batch sizes (",
               x.shape()[0], " vs ", grid.shape()[0], ")");
  const int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const int64_t Ho = grid.shape()[1], Wo = grid.shape()[2];
  GANLIB_CHECK(H > 0 && W > 0, "grid_sample: input ", to_string(x.shape()),
               " has an empty spatial size");
  GANLIB_CHECK(H * W < (int64_t(1) << 31), "grid_sample: input plane ", H, "x", W,
               " is too large (more than 2^31 pixels)");
  auto out = Tensor<T, B>::empty({N, C, Ho, Wo});
  {
    const auto xc = detail::grid_dense(x), gc = detail::grid_dense(grid);
    kernels::grid_sample_forward(B{}, xc.data(), gc.data(), out.data(), N, C, H, W, Ho, Wo,
                                 padding, align_corners);
  }
  const bool need_x = x.requires_grad(), need_grid = grid.requires_grad();
  const Shape x_shape = x.shape();
  return record(out, "grid_sample", {x, grid},
                [x, grid, x_shape, padding, align_corners, need_x, need_grid](const Tensor<T, B>& g) {
    Tensor<T, B> gx, ggrid;
    if (need_x) gx = grid_sample_input_grad(g, grid, x_shape, padding, align_corners);
    if (need_grid) {
      detail::grid_sample_grads<T, B>(g, x, x_shape, grid, nullptr, &ggrid, padding, align_corners);
      // Not linear in anything: a further derivative would need the sampler's second
      // derivatives, which we do not provide. Say so instead of returning zeros.
      ggrid = record(ggrid, "grid_sample_grid_grad", {g, x, grid}, [](const Tensor<T, B>&) -> Grads<T, B> {
        detail::fail("grid_sample: double backward is not supported through the grid "
                     "gradient (grid_sample_grid_grad)");
      });
    }
    return Grads<T, B>{gx, ggrid};
  }, {x, grid});
}

// Backward warp of x [N, C, H, W] by a flow [N, 2, H, W] in pixels (channel 0 = x, 1 = y):
// out[n, c, i, j] = bilinear sample of x[n, c] at (j + flow_x, i + flow_y), coordinates outside
// the image clamped to the border. This is vid2vid's resample (base grid + flow normalised by
// (W-1)/2, (H-1)/2, grid_sample with align_corners=True and padding 'border'), built here the
// same way so that gradients reach both the image and the flow. FlowNet2's Resample2d (clamped
// neighbour indices) gives the same values and gradients almost everywhere.
template <class T, class B>
Tensor<T, B> flow_warp(const Tensor<T, B>& x, const Tensor<T, B>& flow) {
  GANLIB_CHECK(x.dim() == 4, "flow_warp: input must be 4-D [N, C, H, W], got ", to_string(x.shape()));
  GANLIB_CHECK(flow.dim() == 4 && flow.shape()[1] == 2 && flow.shape()[0] == x.shape()[0] &&
                   flow.shape()[2] == x.shape()[2] && flow.shape()[3] == x.shape()[3],
               "flow_warp: flow ", to_string(flow.shape()), " must be [N, 2, H, W] = [",
               x.shape()[0], ", 2, ", x.shape()[2], ", ", x.shape()[3], "] for input ",
               to_string(x.shape()));
  const int64_t H = x.shape()[2], W = x.shape()[3];
  GANLIB_CHECK(H > 0 && W > 0, "flow_warp: input ", to_string(x.shape()), " has an empty spatial size");
  // Pixels per unit of normalised coordinate; a size-1 axis has a single sample position.
  const T sx = W > 1 ? T(2) / T(W - 1) : T(0), sy = H > 1 ? T(2) / T(H - 1) : T(0);
  std::vector<T> base(size_t(H * W * 2));
  for (int64_t i = 0; i < H; ++i)
    for (int64_t j = 0; j < W; ++j) {
      base[size_t((i * W + j) * 2)] = T(j) * sx - T(1);
      base[size_t((i * W + j) * 2 + 1)] = T(i) * sy - T(1);
    }
  const auto base_grid = from_vector<T, B>(base, {H, W, 2});
  const auto scale = from_vector<T, B>({sx, sy}, {1, 2, 1, 1});
  const auto grid = add(permute(mul(flow, scale), {0, 2, 3, 1}), base_grid);
  return grid_sample(x, grid, GridPadding::border, true);
}

}  // namespace ganlib
