// zoo/biggan/sample.hpp — sampling from a trained BigGAN generator: latents with truncation
// (both kinds), class-wise sheets, interpolation sheets (in z, in class, in both), fixed-z
// sheets, and the image grid they are drawn on.
// Contract: truncation "resample" redraws every |z_i| > threshold until none is left (the
// paper's trick: a truncated normal); "std" draws N(0, σ²) with σ the truncation (what the
// reference's --sample_trunc_curves sweeps, z_var used as a std). Sheets are [C, H, W] in
// [−1, 1], one row per class (or per interpolation), ready for io::tensor_to_image.
#pragma once
#include <vector>

#include "generator.hpp"

namespace ganlib::zoo::biggan {

enum class Truncation { none, resample, std_scale };

// z [n, dim] ~ N(0, 1) truncated at `threshold` by resampling (threshold <= 0: no truncation).
template <class T = float, class B = default_backend>
Tensor<T, B> sample_z_resample(int64_t n, int64_t dim, double threshold, Generator& gen) {
  Tensor<T, B> z = randn<T, B>({n, dim}, gen);
  if (threshold <= 0) return z;
  GANLIB_CHECK(threshold >= 0.05, "biggan sample: truncation threshold ", threshold,
               " is too small to resample (use >= 0.05)");
  std::vector<T> v = z.to_vector();
  for (int round = 0;; ++round) {
    std::vector<size_t> bad;
    for (size_t i = 0; i < v.size(); ++i)
      if (std::abs(double(v[i])) > threshold) bad.push_back(i);
    if (bad.empty()) break;
    const auto fresh = randn<T, B>({int64_t(bad.size())}, gen).to_vector();
    for (size_t k = 0; k < bad.size(); ++k) v[bad[k]] = fresh[k];
    GANLIB_CHECK(round < 100000, "biggan sample: resampling did not finish");
  }
  return from_vector<T, B>(v, {n, dim});
}

// z [n, dim] ~ N(0, std²): the reference's reduced-variance "truncation".
template <class T = float, class B = default_backend>
Tensor<T, B> sample_z_std(int64_t n, int64_t dim, double std, Generator& gen) {
  GANLIB_CHECK(std > 0, "biggan sample: z std must be positive, got ", std);
  return randn<T, B>({n, dim}, gen, 0, std);
}

template <class T = float, class B = default_backend>
Tensor<T, B> sample_z(int64_t n, int64_t dim, Truncation kind, double value, Generator& gen) {
  switch (kind) {
    case Truncation::resample: return sample_z_resample<T, B>(n, dim, value, gen);
    case Truncation::std_scale: return sample_z_std<T, B>(n, dim, value, gen);
    default: return randn<T, B>({n, dim}, gen);
  }
}

// Uniform class ids [n] in 0..n_classes-1.
template <class T = float, class B = default_backend>
Tensor<T, B> sample_y(int64_t n, int64_t n_classes, Generator& gen) {
  auto u = rand<T, B>({n}, gen).to_vector();
  for (auto& v : u) v = T(std::min<int64_t>(int64_t(double(v) * double(n_classes)), n_classes - 1));
  return from_vector<T, B>(u, {n});
}

// Images [N, C, H, W] -> one grid [C, rows·(H+pad)+pad, cols·(W+pad)+pad], padding value `fill`.
template <class T, class B>
Tensor<T, B> make_grid(const Tensor<T, B>& images, int64_t ncol, int64_t pad = 2, T fill = T(1)) {
  GANLIB_CHECK(images.dim() == 4 && images.size(0) > 0 && ncol > 0, "make_grid: expects [N, C, H, W] images "
               "and ncol > 0, got ", to_string(images.shape()), " and ", ncol);
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  const int64_t nrow = (N + ncol - 1) / ncol;
  const int64_t GH = nrow * (H + pad) + pad, GW = ncol * (W + pad) + pad;
  const auto v = images.contiguous().to_vector();
  std::vector<T> g(size_t(C * GH * GW), fill);
  for (int64_t n = 0; n < N; ++n) {
    const int64_t r = n / ncol, c = n % ncol;
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x)
          g[size_t((ch * GH + pad + r * (H + pad) + y) * GW + pad + c * (W + pad) + x)] =
              v[size_t(((n * C + ch) * H + y) * W + x)];
  }
  return from_vector<T, B>(g, {C, GH, GW});
}

// Runs G in batches of at most `batch` without recording gradients.
template <class T, class B>
Tensor<T, B> generate(BigGANGenerator<T, B>& G, const Tensor<T, B>& z, const Tensor<T, B>& cond, int64_t batch = 64) {
  no_grad ng;
  std::vector<Tensor<T, B>> outs;
  for (int64_t s = 0; s < z.size(0); s += batch) {
    const int64_t n = std::min(batch, z.size(0) - s);
    outs.push_back(G.forward(narrow(z, 0, s, n), narrow(cond, 0, s, n)));
  }
  return outs.size() == 1 ? outs[0] : concat(outs, 0);
}

// Class-wise sheet: one row per class in [first, first+classes), `per_class` samples each.
template <class T, class B>
Tensor<T, B> class_sheet(BigGANGenerator<T, B>& G, int64_t first, int64_t classes, int64_t per_class,
                         Truncation kind, double value, Generator& gen) {
  GANLIB_CHECK(first >= 0 && classes > 0 && first + classes <= G.n_classes && per_class > 0,
               "biggan class_sheet: classes [", first, ", ", first + classes, ") are not within 0..", G.n_classes - 1);
  std::vector<T> ids;
  for (int64_t c = 0; c < classes; ++c)
    for (int64_t k = 0; k < per_class; ++k) ids.push_back(T(first + c));
  const auto y = from_vector<T, B>(ids, {int64_t(ids.size())});
  const auto z = sample_z<T, B>(y.size(0), G.dim_z, kind, value, gen);
  no_grad ng;
  return make_grid(generate(G, z, G.condition(y)), per_class);
}

// Interpolation sheet (utils.interp_sheet): `rows` rows of `midpoints` + 2 columns; in each row
// z and/or the class embedding go linearly from one random endpoint to another (fix_z: one z per
// row; fix_y: one class per row).
template <class T, class B>
Tensor<T, B> interp_sheet(BigGANGenerator<T, B>& G, int64_t rows, int64_t midpoints, bool fix_z, bool fix_y,
                          Generator& gen) {
  GANLIB_CHECK(rows > 0 && midpoints >= 0, "biggan interp_sheet: rows must be positive and midpoints >= 0");
  GANLIB_CHECK(G.shared || fix_y, "biggan interp_sheet: class interpolation needs a shared embedding (--G_shared)");
  no_grad ng;
  const int64_t cols = midpoints + 2, dz = G.dim_z;
  auto lerp = [&](const Tensor<T, B>& a, const Tensor<T, B>& b) {  // a, b [rows, d] -> [rows*cols, d]
    const auto va = a.to_vector(), vb = b.to_vector();
    const int64_t d = a.size(1);
    std::vector<T> out(size_t(rows * cols * d));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < cols; ++k) {
        const double t = double(k) / double(cols - 1);
        for (int64_t j = 0; j < d; ++j)
          out[size_t((r * cols + k) * d + j)] = T((1 - t) * va[size_t(r * d + j)] + t * vb[size_t(r * d + j)]);
      }
    return from_vector<T, B>(out, {rows * cols, d});
  };
  const auto z0 = randn<T, B>({rows, dz}, gen);
  const auto z1 = fix_z ? z0 : randn<T, B>({rows, dz}, gen);
  const auto y0 = sample_y<T, B>(rows, G.n_classes, gen);
  const auto y1 = fix_y ? y0 : sample_y<T, B>(rows, G.n_classes, gen);
  Tensor<T, B> cond;
  if (G.shared) {
    cond = lerp(G.condition(y0), G.condition(y1));
  } else {  // fix_y without a shared embedding: repeat the ids
    std::vector<T> ids;
    for (T v : y0.to_vector())
      for (int64_t k = 0; k < cols; ++k) ids.push_back(v);
    cond = from_vector<T, B>(ids, {rows * cols});
  }
  return make_grid(generate(G, lerp(z0, z1), cond), cols);
}

}  // namespace ganlib::zoo::biggan
