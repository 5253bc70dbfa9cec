// data/synthetic/raster.hpp — drawing helpers shared by the synthetic data generators.
// Contract: plain C++ (no tensors, no Eigen); every function is a pure function of its
// arguments and a seed, so whatever draws with them is reproducible and thread-count free.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ganlib/backend/cpu/thread_pool.hpp"
#include "ganlib/core/error.hpp"
#include "ganlib/core/philox.hpp"

namespace ganlib::synth {

// ---- random numbers -------------------------------------------------------------------------

// A splitmix64 finaliser: a cheap, well-mixed hash used to derive stream ids and noise lattices.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
inline uint64_t hash_combine(uint64_t a, uint64_t b) { return mix64(a ^ mix64(b + 0x632BE59BD9B4E019ull)); }

// A sequential stream over Philox 4x32-10: key = seed, counter = (stream, i). Two Rngs with the
// same (seed, stream) give the same numbers; different streams are independent.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  uint32_t next_u32() {
    if ((i_ & 3) == 0) block_ = philox::draw(seed_, stream_, i_ >> 2);
    return block_.v[(i_++) & 3];
  }
  double uniform() { return philox::to_unit(next_u32()); }                 // (0, 1]
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  int randint(int lo, int hi) {  // inclusive
    return lo + int(std::min<double>(hi - lo, std::floor(uniform() * (hi - lo + 1) - 1e-12)));
  }
  bool chance(double p) { return uniform() < p; }
  double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  template <class V>
  const auto& pick(const V& v) { return v[size_t(randint(0, int(v.size()) - 1))]; }
  // A child stream: independent of this one and of how many numbers were drawn here.
  Rng child(uint64_t tag) const { return Rng(seed_, hash_combine(stream_, tag)); }
  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }

 private:
  uint64_t seed_, stream_, i_ = 0;
  philox::Block block_{};
};

// ---- colours ------------------------------------------------------------------------------

struct Rgb {
  float r = 0, g = 0, b = 0;
  Rgb operator+(Rgb o) const { return {r + o.r, g + o.g, b + o.b}; }
  Rgb operator-(Rgb o) const { return {r - o.r, g - o.g, b - o.b}; }
  Rgb operator*(float s) const { return {r * s, g * s, b * s}; }
  Rgb operator*(Rgb o) const { return {r * o.r, g * o.g, b * o.b}; }
};
inline Rgb rgb8(int r, int g, int b) { return {r / 255.f, g / 255.f, b / 255.f}; }
inline Rgb lerp(Rgb a, Rgb b, float t) { return a + (b - a) * t; }
inline uint8_t to_u8(float v) { return uint8_t(std::clamp(v * 255.f + 0.5f, 0.f, 255.f)); }
// Random variation of a base colour: brightness and a small hue jitter.
inline Rgb jitter(Rgb c, Rng& rng, float bright, float tint) {
  const float k = 1.f + float(rng.uniform(-bright, bright));
  return {c.r * k * (1.f + float(rng.uniform(-tint, tint))), c.g * k * (1.f + float(rng.uniform(-tint, tint))),
          c.b * k * (1.f + float(rng.uniform(-tint, tint)))};
}

// ---- procedural noise and textures (all pure functions of seed and coordinates) ----------

inline float hash01(uint64_t seed, int64_t x, int64_t y) {
  return float(mix64(seed ^ (uint64_t(x) * 0x9E3779B97F4A7C15ull) ^ (uint64_t(y) * 0xC2B2AE3D27D4EB4Full)) >> 40) *
         (1.f / 16777216.f);
}
inline float smooth(float t) { return t * t * (3.f - 2.f * t); }
// Value noise in [0, 1] on the integer lattice, smoothly interpolated.
inline float value_noise(uint64_t seed, float x, float y) {
  const float fx = std::floor(x), fy = std::floor(y);
  const int64_t ix = int64_t(fx), iy = int64_t(fy);
  const float tx = smooth(x - fx), ty = smooth(y - fy);
  const float a = hash01(seed, ix, iy), b = hash01(seed, ix + 1, iy);
  const float c = hash01(seed, ix, iy + 1), d = hash01(seed, ix + 1, iy + 1);
  return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}
// Fractal sum of octaves, normalised to [0, 1].
inline float fbm(uint64_t seed, float x, float y, int octaves) {
  float sum = 0, amp = 1, norm = 0;
  for (int o = 0; o < octaves; ++o) {
    sum += amp * value_noise(seed + uint64_t(o) * 7919u, x, y);
    norm += amp;
    amp *= 0.5f;
    x *= 2.03f;
    y *= 2.03f;
  }
  return sum / norm;
}
// Stripes of period `period` along direction angle: returns 0/1 with a soft edge `soft` (0..0.5).
inline float stripes(float x, float y, float period, float angle, float soft) {
  const float t = (x * std::cos(angle) + y * std::sin(angle)) / period;
  const float f = t - std::floor(t);
  const float d = std::min(std::fabs(f - 0.25f), std::fabs(f - 0.75f));  // distance to an edge
  const float s = std::clamp((0.25f - d) / std::max(soft, 1e-4f), 0.f, 1.f);
  return f < 0.5f ? 0.5f + 0.5f * s : 0.5f - 0.5f * s;
}
inline float checker(float x, float y, float cell) {
  return float((int64_t(std::floor(x / cell)) + int64_t(std::floor(y / cell))) & 1);
}
// Brick bond: `mortar` is true in the joints; `brick` identifies the brick (for per-brick tone).
struct BrickSample {
  bool mortar;
  int64_t bx, by;
};
inline BrickSample brick(float x, float y, float bw, float bh, float joint) {
  const float row = std::floor(y / bh);
  const float xs = x / bw + ((int64_t(row) & 1) ? 0.5f : 0.f);
  const float col = std::floor(xs);
  const float fx = (xs - col) * bw, fy = (y / bh - row) * bh;
  return {fx < joint || fy < joint, int64_t(col), int64_t(row)};
}

// ---- 2-D geometry ---------------------------------------------------------------------------

struct Vec2 {
  double x = 0, y = 0;
};

// A 2-D affine map p -> [a b; c d] p + [tx ty].
struct Affine2 {
  double a = 1, b = 0, c = 0, d = 1, tx = 0, ty = 0;
  Vec2 operator()(Vec2 p) const { return {a * p.x + b * p.y + tx, c * p.x + d * p.y + ty}; }
  Affine2 operator*(const Affine2& o) const {  // (this ∘ o)(p) = this(o(p))
    return {a * o.a + b * o.c, a * o.b + b * o.d, c * o.a + d * o.c, c * o.b + d * o.d,
            a * o.tx + b * o.ty + tx, c * o.tx + d * o.ty + ty};
  }
  double det() const { return a * d - b * c; }
  Affine2 inverse() const {
    const double k = 1.0 / det();
    const double ia = d * k, ib = -b * k, ic = -c * k, id = a * k;
    return {ia, ib, ic, id, -(ia * tx + ib * ty), -(ic * tx + id * ty)};
  }
  static Affine2 translate(double x, double y) { return {1, 0, 0, 1, x, y}; }
  // Rotation by `angle` and isotropic scale `s` about the point (cx, cy), then a translation.
  static Affine2 similarity(double angle, double s, double cx, double cy, double dx = 0, double dy = 0) {
    const double co = std::cos(angle) * s, si = std::sin(angle) * s;
    return {co, -si, si, co, cx - (co * cx - si * cy) + dx, cy - (si * cx + co * cy) + dy};
  }
};

// Even-odd inside test (pixel-centre convention is the caller's).
inline bool point_in_polygon(const std::vector<Vec2>& poly, Vec2 p) {
  bool inside = false;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const Vec2 a = poly[i], b = poly[j];
    if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}
// Signed distance to a polygon's outline: negative inside.
inline double polygon_sdf(const std::vector<Vec2>& poly, Vec2 p) {
  double best = 1e300;
  for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const double ex = poly[i].x - poly[j].x, ey = poly[i].y - poly[j].y;
    const double wx = p.x - poly[j].x, wy = p.y - poly[j].y;
    const double t = std::clamp((wx * ex + wy * ey) / std::max(ex * ex + ey * ey, 1e-300), 0.0, 1.0);
    const double dx = wx - ex * t, dy = wy - ey * t;
    best = std::min(best, dx * dx + dy * dy);
  }
  const double d = std::sqrt(best);
  return point_in_polygon(poly, p) ? -d : d;
}
// Approximate signed distance to an axis-aligned ellipse with radii (rx, ry) at the origin
// (exact on the axes, good near the outline, which is where anti-aliasing needs it).
inline double ellipse_sdf(double rx, double ry, Vec2 p) {
  const double k1 = std::hypot(p.x / rx, p.y / ry);
  const double k2 = std::hypot(p.x / (rx * rx), p.y / (ry * ry));
  if (k2 < 1e-300) return -std::min(rx, ry);
  return k1 * (k1 - 1.0) / k2;
}
// Anti-aliased coverage of a pixel from a signed distance measured in pixels.
inline float coverage_from_sdf(double sd_px) { return float(std::clamp(0.5 - sd_px, 0.0, 1.0)); }
// Supersampled coverage (ss×ss samples) of pixel (x, y) by a polygon in pixel coordinates.
inline float polygon_coverage(const std::vector<Vec2>& poly, int x, int y, int ss) {
  int hits = 0;
  for (int j = 0; j < ss; ++j)
    for (int i = 0; i < ss; ++i)
      hits += point_in_polygon(poly, {x + (i + 0.5) / ss, y + (j + 0.5) / ss});
  return float(hits) / float(ss * ss);
}
// Vertices of an ellipse (or a wobbly blob when `wobble` > 0, radius modulated by noise).
inline std::vector<Vec2> ellipse_polygon(double cx, double cy, double rx, double ry, int n, double rot = 0,
                                         double wobble = 0, uint64_t seed = 0) {
  std::vector<Vec2> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double t = 6.283185307179586 * i / n;
    double k = 1.0;
    if (wobble > 0) k += wobble * (2.0 * value_noise(seed, float(4.0 * std::cos(t) + 8), float(4.0 * std::sin(t) + 8)) - 1.0);
    const double ex = rx * k * std::cos(t), ey = ry * k * std::sin(t);
    v[size_t(i)] = {cx + ex * std::cos(rot) - ey * std::sin(rot), cy + ex * std::sin(rot) + ey * std::cos(rot)};
  }
  return v;
}

// Scanline fill of a polygon (even-odd rule): calls fn(x, y) for every pixel whose centre
// (x + 0.5, y + 0.5) lies inside, clipped to [0, w) × [0, h). Handles concave polygons.
template <class Fn>
void fill_polygon(const std::vector<Vec2>& poly, int w, int h, Fn&& fn) {
  if (poly.size() < 3) return;
  double ymin = 1e300, ymax = -1e300;
  for (auto& p : poly) ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
  const int y0 = std::max(0, int(std::ceil(ymin - 0.5))), y1 = std::min(h - 1, int(std::floor(ymax - 0.5)));
  std::vector<double> xs;
  for (int y = y0; y <= y1; ++y) {
    const double yc = y + 0.5;
    xs.clear();
    for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
      const Vec2 a = poly[i], b = poly[j];
      if ((a.y > yc) != (b.y > yc)) xs.push_back(a.x + (yc - a.y) * (b.x - a.x) / (b.y - a.y));
    }
    std::sort(xs.begin(), xs.end());
    for (size_t k = 0; k + 1 < xs.size(); k += 2) {
      // pixel centre x + 0.5 in [xs[k], xs[k+1])
      const int xa = std::max(0, int(std::ceil(xs[k] - 0.5))), xb = std::min(w - 1, int(std::ceil(xs[k + 1] - 0.5)) - 1);
      for (int x = xa; x <= xb; ++x) fn(x, y);
    }
  }
}

// ---- raster images --------------------------------------------------------------------------

// A float RGB raster, sampled bilinearly (clamp to edge) at continuous pixel-centre coords.
struct RgbImage {
  int w = 0, h = 0;
  std::vector<float> px;  // h × w × 3
  RgbImage() = default;
  RgbImage(int w_, int h_) : w(w_), h(h_), px(size_t(w_) * size_t(h_) * 3, 0.f) {}
  void set(int x, int y, Rgb c) {
    float* p = &px[(size_t(y) * size_t(w) + size_t(x)) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  Rgb at(int x, int y) const {
    const float* p = &px[(size_t(y) * size_t(w) + size_t(x)) * 3];
    return {p[0], p[1], p[2]};
  }
  // (x, y): coordinates where pixel (i, j)'s centre is (i, j).
  Rgb bilinear(double x, double y) const {
    x = std::clamp(x, 0.0, double(w - 1));
    y = std::clamp(y, 0.0, double(h - 1));
    const int x0 = std::min(int(x), w - 2 < 0 ? 0 : w - 2), y0 = std::min(int(y), h - 2 < 0 ? 0 : h - 2);
    const int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
    const float tx = float(x - x0), ty = float(y - y0);
    const Rgb a = at(x0, y0), b = at(x1, y0), c = at(x0, y1), d = at(x1, y1);
    return lerp(lerp(a, b, tx), lerp(c, d, tx), ty);
  }
  std::vector<uint8_t> to_u8() const {
    std::vector<uint8_t> out(px.size());
    for (size_t i = 0; i < px.size(); ++i) out[i] = synth::to_u8(px[i]);
    return out;
  }
};

// Rows [0, h) split over the thread pool; every pixel is a pure function, so the result does
// not depend on the thread count.
template <class Fn>
void parallel_rows(int h, Fn&& fn) {
  ganlib::parallel_for(h, 8, [&](int64_t b, int64_t e) {
    for (int64_t y = b; y < e; ++y) fn(int(y));
  });
}

}  // namespace ganlib::synth
