// backend/geometry.hpp — the plain geometry structs and mode enums the kernels of every backend
// take (conv, pooling, padding, upsampling, grid sampling, correlation).
// Contract: data only, no kernels; the CPU headers (backend/cpu/) and the CUDA headers
// (backend/cuda/) both include this, so ops build one geometry and pass it to either backend.
#pragma once
#include <cstdint>

namespace ganlib {

// One convolution's geometry, seen as conv2d: x [N, C, H, W] * w [K, C/groups, kh, kw]
// -> y [N, K, Ho, Wo]. Ho/Wo are explicit so that a transposed conv whose output_padding makes
// its input smaller than conv2d's natural output can use the same primitives.
struct Conv2dGeom {
  Conv2dGeom() = default;  // not an aggregate: a braced list never converts to a geometry
  int64_t N = 0, C = 0, H = 0, W = 0, K = 0, kh = 1, kw = 1, Ho = 0, Wo = 0;
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
  int64_t cg() const { return C / groups; }          // input channels per group
  int64_t kg() const { return K / groups; }          // output channels per group
  int64_t ckk() const { return cg() * kh * kw; }     // rows of the im2col matrix
  int64_t hw_in() const { return H * W; }
  int64_t hw_out() const { return Ho * Wo; }
  // A 1×1, stride-1, unpadded conv is a plain GEMM on the image: no im2col needed.
  bool pointwise() const {
    return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && Ho == H && Wo == W;
  }
};

// One pooling's geometry: input [N, C, H, W], output [N, C, Ho, Wo].
struct PoolGeom {
  PoolGeom() = default;  // not an aggregate: a braced list never converts to a geometry
  int64_t N = 0, C = 0, H = 0, W = 0, Ho = 0, Wo = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool count_include_pad = true;  // average pooling only
  int64_t planes() const { return N * C; }
};

enum class PadMode { constant, zeros = constant, reflect, replicate };

// Padding of each plane [H, W] by left/right/top/bottom.
struct PadGeom {
  PadGeom() = default;  // not an aggregate: a braced list never converts to a geometry
  int64_t planes = 0, H = 0, W = 0, left = 0, right = 0, top = 0, bottom = 0;
  PadMode mode = PadMode::constant;
  int64_t Ho() const { return H + top + bottom; }
  int64_t Wo() const { return W + left + right; }
};

enum class UpsampleMode { nearest, bilinear };

// Resampling [H, W] -> [Ho, Wo]; scale_h/scale_w > 0 when the user gave a scale factor, which
// PyTorch then uses (as 1/scale) for the coordinate map instead of H/Ho.
struct UpsampleGeom {
  UpsampleGeom() = default;  // not an aggregate: a braced list never converts to a geometry
  int64_t N = 0, C = 0, H = 0, W = 0, Ho = 0, Wo = 0;
  double scale_h = 0, scale_w = 0;
  UpsampleMode mode = UpsampleMode::nearest;
  bool align_corners = false;
  int64_t planes() const { return N * C; }
};

enum class GridPadding { zeros, border };

// One correlation's geometry, in flownet2-pytorch's parameters. Centres of the k×k patches in
// the zero-padded first map sit at (o·stride1 + max_displacement + kr) for output index o; the
// second map is read at the centre displaced by (dy, dx)·stride2, |dy|, |dx| <= r.
struct CorrelationGeom {
  int64_t N = 0, C = 0, H = 0, W = 0;
  int64_t pad = 0, k = 1, max_disp = 0, stride1 = 1, stride2 = 1;
  int64_t kr() const { return (k - 1) / 2; }
  int64_t r() const { return max_disp / stride2; }  // displacement radius, in stride2 steps
  int64_t D() const { return 2 * r() + 1; }
  int64_t channels_out() const { return D() * D(); }
  int64_t Hp() const { return H + 2 * pad; }
  int64_t Wp() const { return W + 2 * pad; }
  int64_t border() const { return max_disp + kr(); }
  // ceil((padded - 2·border) / stride1), flownet2-pytorch's output size.
  int64_t Ho() const { return (Hp() - 2 * border() + stride1 - 1) / stride1; }
  int64_t Wo() const { return (Wp() - 2 * border() + stride1 - 1) / stride1; }
  int64_t centre(int64_t o) const { return o * stride1 + max_disp + kr(); }
};

// Elements a row-major matrix of `rows` rows of `cols` with leading dimension ld spans (what a
// GEMM operand occupies, for copying it).
inline int64_t gemm_span(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 ? 0 : (rows - 1) * ld + cols; }

}  // namespace ganlib
