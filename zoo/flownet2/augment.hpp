// zoo/flownet2/augment.hpp — FlowNet's online augmentations (FlowNet 2015 / flownet2 Caffe
// training; zoo spec 4.9): geometric (translation ±20 % of the size, rotation ±17°, zoom
// [0.9, 2.0], plus a small extra translation of frame 2) applied consistently to both frames and
// the flow, and photometric (Gaussian noise σ ∈ [0, 0.04], additive brightness N(0, 0.2),
// contrast [−0.8, 0.4], per-channel colour [0.5, 2], gamma [0.7, 1.5]) with the same draw for both
// frames (noise drawn per pixel).
// Contract: a FlowSample holds images h·w·3 in [0, 1] and flow h·w·2 in pixels (u, v), with pixel
// centres at integer coordinates. After augment(), warping img2 by the flow reproduces img1
// wherever the point stays visible (the geometric map is a similarity, so the new flow is
// s·R·flow(T⁻¹p) + d exactly). Draws come from a seeded engine: same seed → same sample.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "ganlib/core/error.hpp"

namespace ganlib::zoo::flownet2 {

struct FlowSample {
  int width = 0, height = 0;
  std::vector<float> img1, img2;  // h·w·3, [0, 1]
  std::vector<float> flow;        // h·w·2, pixels
};

struct AugmentOptions {
  bool geometric = true, photometric = true;
  double translate = 0.2, rotate_deg = 17, zoom_min = 0.9, zoom_max = 2.0;
  double relative_translate = 0.02;  // frame 2's extra shift, as a fraction of the size
  double noise_max = 0.04, brightness_sigma = 0.2, contrast_min = -0.8, contrast_max = 0.4;
  double color_min = 0.5, color_max = 2.0, gamma_min = 0.7, gamma_max = 1.5;
};

// The geometric map, output pixel p → source point T⁻¹(p) = c + (1/s)·Rᵀ·(p − c − t).
struct SimilarityMap {
  double s = 1, cos_a = 1, sin_a = 0, tx = 0, ty = 0, dx = 0, dy = 0, cx = 0, cy = 0;
  // source point of output pixel (x, y) for frame k (frame 2 also undoes the extra shift d)
  std::array<double, 2> inverse(double x, double y, int k) const {
    const double px = x - cx - tx - (k ? dx : 0), py = y - cy - ty - (k ? dy : 0);
    return {cx + (cos_a * px + sin_a * py) / s, cy + (-sin_a * px + cos_a * py) / s};
  }
  // s·R·f + d: a source flow vector seen in the output frame
  std::array<double, 2> map_flow(double u, double v) const {
    return {s * (cos_a * u - sin_a * v) + dx, s * (sin_a * u + cos_a * v) + dy};
  }
};

namespace aug_detail {
// Bilinear sample of an h·w·C array at (x, y), coordinates clamped to the border.
inline void sample(const std::vector<float>& a, int w, int h, int C, double x, double y, float* out) {
  x = std::clamp(x, 0.0, double(w - 1));
  y = std::clamp(y, 0.0, double(h - 1));
  const int x0 = std::min(int(x), w - 1), y0 = std::min(int(y), h - 1);
  const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
  const double fx = x - x0, fy = y - y0;
  for (int c = 0; c < C; ++c) {
    const double v00 = a[(size_t(y0) * w + x0) * C + c], v01 = a[(size_t(y0) * w + x1) * C + c];
    const double v10 = a[(size_t(y1) * w + x0) * C + c], v11 = a[(size_t(y1) * w + x1) * C + c];
    out[c] = float((1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11));
  }
}
inline bool inside(const SimilarityMap& m, int w, int h) {
  for (int k = 0; k < 2; ++k)
    for (double x : {0.0, double(w - 1)})
      for (double y : {0.0, double(h - 1)}) {
        const auto q = m.inverse(x, y, k);
        if (q[0] < 0 || q[1] < 0 || q[0] > w - 1 || q[1] > h - 1) return false;
      }
  return true;
}
}  // namespace aug_detail

// Draws a similarity whose output window stays inside both source frames (rejection sampling,
// as the Caffe augmentation layer discards transforms that leave the image); identity if none
// of 100 draws fits.
inline SimilarityMap draw_geometry(std::mt19937_64& rng, int w, int h, const AugmentOptions& o) {
  std::uniform_real_distribution<double> U(0, 1);
  auto uni = [&](double a, double b) { return a + (b - a) * U(rng); };
  SimilarityMap m;
  m.cx = (w - 1) / 2.0, m.cy = (h - 1) / 2.0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    SimilarityMap c = m;
    const double a = uni(-o.rotate_deg, o.rotate_deg) * 3.14159265358979323846 / 180;
    c.cos_a = std::cos(a), c.sin_a = std::sin(a);
    c.s = uni(o.zoom_min, o.zoom_max);
    c.tx = uni(-o.translate, o.translate) * w, c.ty = uni(-o.translate, o.translate) * h;
    c.dx = uni(-o.relative_translate, o.relative_translate) * w;
    c.dy = uni(-o.relative_translate, o.relative_translate) * h;
    if (aug_detail::inside(c, w, h)) return c;
  }
  return m;
}

inline void apply_geometry(FlowSample& s, const SimilarityMap& m) {
  const int w = s.width, h = s.height;
  std::vector<float> a(s.img1.size()), b(s.img2.size()), f(s.flow.size());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const size_t i = size_t(y) * w + x;
      const auto q1 = m.inverse(x, y, 0), q2 = m.inverse(x, y, 1);
      aug_detail::sample(s.img1, w, h, 3, q1[0], q1[1], &a[i * 3]);
      aug_detail::sample(s.img2, w, h, 3, q2[0], q2[1], &b[i * 3]);
      float uv[2];
      aug_detail::sample(s.flow, w, h, 2, q1[0], q1[1], uv);
      const auto g = m.map_flow(uv[0], uv[1]);
      f[i * 2] = float(g[0]), f[i * 2 + 1] = float(g[1]);
    }
  s.img1.swap(a), s.img2.swap(b), s.flow.swap(f);
}

inline void apply_photometric(FlowSample& s, std::mt19937_64& rng, const AugmentOptions& o) {
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N(0, 1);
  auto uni = [&](double a, double b) { return a + (b - a) * U(rng); };
  const double contrast = 1 + uni(o.contrast_min, o.contrast_max);
  const double color[3] = {uni(o.color_min, o.color_max), uni(o.color_min, o.color_max), uni(o.color_min, o.color_max)};
  const double gamma = uni(o.gamma_min, o.gamma_max);
  const double bright = N(rng) * o.brightness_sigma;
  const double sigma = uni(0, o.noise_max);
  for (auto* img : {&s.img1, &s.img2})
    for (size_t i = 0; i < img->size(); ++i) {
      double v = ((*img)[i] - 0.5) * contrast + 0.5;
      v = std::clamp(v * color[i % 3], 0.0, 1.0);
      v = std::pow(v, gamma) + bright + N(rng) * sigma;
      (*img)[i] = float(std::clamp(v, 0.0, 1.0));
    }
}

// Both augmentations, drawn from `seed`.
inline void augment(FlowSample& s, uint64_t seed, const AugmentOptions& o = {}) {
  GANLIB_CHECK(s.width > 0 && s.height > 0 && s.img1.size() == size_t(s.width) * s.height * 3 &&
                   s.img2.size() == s.img1.size() && s.flow.size() == size_t(s.width) * s.height * 2,
               "augment: sample sizes do not match its ", s.width, "x", s.height, " frame");
  std::mt19937_64 rng(seed);
  if (o.geometric) apply_geometry(s, draw_geometry(rng, s.width, s.height, o));
  if (o.photometric) apply_photometric(s, rng, o);
}

}  // namespace ganlib::zoo::flownet2
