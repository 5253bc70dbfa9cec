// data/synthetic/flying_shapes.hpp — FlyingChairs-like image pairs with exact optical flow
// (zoo spec 4.9): a textured background and N textured sprites, each under its own affine motion.
// Contract: generate_pair(seed, index, w, h) is a pure function of its arguments; flow(p) is the
// closed-form displacement A²(A¹⁻¹(p)) − p of the top-most layer covering p in frame 1, and the
// occlusion mask marks pixels whose target leaves the image or is covered by a higher layer.
//
// Coordinates: continuous pixel coordinates with pixel (x, y)'s centre at (x + 0.5, y + 0.5);
// flow is stored h × w × 2 (u horizontal, v vertical), in pixels.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "ganlib/data/synthetic/png16.hpp"
#include "ganlib/data/synthetic/raster.hpp"

namespace ganlib::synth {

struct FlyingShapesConfig {
  int min_objects = 4, max_objects = 10;
  // motion spreads (standard deviations); translations as fractions of the image width
  double bg_translate = 0.03, bg_rotate_deg = 3.0, bg_scale = 0.03;
  double obj_translate = 0.05, obj_rotate_deg = 10.0, obj_scale = 0.06;
  // cap on any displacement, as a fraction of the width (160 px at 512 wide, FlowNetC's range)
  double max_displacement = 160.0 / 512.0;
};

struct FlowPair {
  int width = 0, height = 0;
  std::vector<uint8_t> img1, img2;  // h·w·3 RGB
  std::vector<float> flow;          // h·w·2, forward flow img1 → img2 in pixels
  std::vector<uint8_t> occlusion;   // h·w, 1 where the frame-1 point is not visible in frame 2
};

namespace shapes_detail {

struct Layer {
  bool background = false;
  bool ellipse = false;
  std::vector<Vec2> poly;  // local outline (sprites)
  double rx = 0, ry = 0;   // ellipse radii (sprites)
  double rmax = 0;         // local bounding radius
  RgbImage tex;            // texel (i, j) sits at local (i + ox, j + oy)
  double ox = 0, oy = 0;
  Affine2 A[2], Ainv[2];   // local → image for frames 1 and 2
  double px_per_unit[2] = {1, 1};
  int bx0[2], by0[2], bx1[2], by1[2];  // screen boxes (inclusive) per frame

  double sdf(Vec2 q) const { return ellipse ? ellipse_sdf(rx, ry, q) : polygon_sdf(poly, q); }
  Rgb sample(Vec2 q) const { return tex.bilinear(q.x - ox, q.y - oy); }
};

// A procedural texture over local coordinates [x0, x0 + w) × [y0, y0 + h).
inline RgbImage make_texture(Rng& rng, double x0, double y0, int w, int h, double scale) {
  RgbImage t(w, h);
  auto rand_rgb = [&] { return Rgb{float(rng.uniform()), float(rng.uniform()), float(rng.uniform())}; };
  const Rgb c0 = rand_rgb(), c1 = rand_rgb(), c2 = rand_rgb();
  const int type = rng.randint(0, 4);
  const uint64_t ns = rng.next_u32();
  const double period = scale * rng.uniform(0.08, 0.3), angle = rng.uniform(0, 3.14159), ns_scale = 1.0 / (scale * rng.uniform(0.05, 0.25));
  const double gx = rng.uniform(-1, 1), gy = rng.uniform(-1, 1);
  for (int j = 0; j < h; ++j)
    for (int i = 0; i < w; ++i) {
      const double x = x0 + i, y = y0 + j;
      const float n = fbm(ns, float(x * ns_scale), float(y * ns_scale), 4);
      Rgb c;
      switch (type) {
        case 0: c = lerp(c0, c1, std::clamp(n * 1.6f - 0.3f, 0.f, 1.f)); break;
        case 1: c = lerp(c0, c1, stripes(float(x), float(y), float(period), float(angle), 0.15f)) * (0.8f + 0.4f * n); break;
        case 2: c = lerp(c0, c1, checker(float(x), float(y), float(period))) * (0.8f + 0.4f * n); break;
        case 3: {
          const BrickSample b = brick(float(x), float(y), float(period * 1.5), float(period * 0.6), float(period * 0.08));
          c = b.mortar ? c2 : lerp(c0, c1, hash01(ns, b.bx, b.by)) * (0.85f + 0.3f * n);
          break;
        }
        default: {
          const float g = float(0.5 + 0.5 * std::tanh((gx * x + gy * y) / (scale * 0.7)));
          c = lerp(lerp(c0, c1, g), c2, std::clamp(n * 2.f - 0.8f, 0.f, 1.f));
          break;
        }
      }
      t.set(i, j, {std::clamp(c.r, 0.f, 1.f), std::clamp(c.g, 0.f, 1.f), std::clamp(c.b, 0.f, 1.f)});
    }
  return t;
}

// Similarity motion about (cx, cy) with spreads (translate in px, rotate in radians, scale).
inline Affine2 random_motion(Rng& rng, double cx, double cy, double t_px, double rot, double sc, double k) {
  const double dx = rng.normal() * t_px * k, dy = rng.normal() * t_px * k;
  const double a = rng.normal() * rot * k, s = 1.0 + rng.normal() * sc * k;
  return Affine2::similarity(a, std::max(0.5, s), cx, cy, dx, dy);
}

inline void screen_box(Layer& L, int k, int W, int H) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (int cx = -1; cx <= 1; cx += 2)
    for (int cy = -1; cy <= 1; cy += 2) {
      const Vec2 p = L.A[k]({cx * L.rmax, cy * L.rmax});
      x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    }
  L.bx0[k] = std::max(0, int(std::floor(x0)) - 2), L.bx1[k] = std::min(W - 1, int(std::ceil(x1)) + 2);
  L.by0[k] = std::max(0, int(std::floor(y0)) - 2), L.by1[k] = std::min(H - 1, int(std::ceil(y1)) + 2);
}

}  // namespace shapes_detail

inline FlowPair generate_pair(uint64_t seed, uint64_t index, int width, int height, const FlyingShapesConfig& cfg = {}) {
  using namespace shapes_detail;
  GANLIB_CHECK(width > 0 && height > 0 && width % 64 == 0 && height % 64 == 0, "flying_shapes::generate_pair: size ",
               width, "x", height, " must be positive multiples of 64 (e.g. 512x384)");
  GANLIB_CHECK(cfg.min_objects >= 0 && cfg.max_objects >= cfg.min_objects, "flying_shapes::generate_pair: bad object range ",
               cfg.min_objects, "…", cfg.max_objects);
  const int W = width, H = height;
  Rng rng(seed, hash_combine(0x464C59494E475348ull /* "FLYINGSH" */, index));
  const double diag = std::min(W, H);
  const double cx = W / 2.0, cy = H / 2.0;
  const int n_obj = rng.randint(cfg.min_objects, cfg.max_objects);
  std::vector<Layer> layers(size_t(n_obj) + 1);
  // frame-1 placement: background centred, sprites anywhere with random size, angle and scale
  layers[0].background = true;
  // Draws are named one by one: the order of function arguments is unspecified in C++ (g++
  // evaluates them right to left, clang left to right), and a seed must give the same data under
  // both. The order below is the one g++ used, so data made before this stays the same.
  {
    const double scale0 = rng.uniform(0.9, 1.2), angle0 = rng.uniform(-0.2, 0.2);
    layers[0].A[0] = Affine2::similarity(angle0, scale0, 0, 0, cx, cy);
  }
  for (int i = 1; i <= n_obj; ++i) {
    Layer& L = layers[size_t(i)];
    const double R = diag * rng.uniform(0.1, 0.28);
    L.ellipse = rng.chance(0.35);
    if (L.ellipse) {
      L.rx = R, L.ry = R * rng.uniform(0.4, 1.0), L.rmax = R;
    } else {
      const int nv = rng.randint(3, 9);
      double a = rng.uniform(0, 6.283185307179586);
      for (int v = 0; v < nv; ++v) {  // star-shaped polygon: sorted angles, varying radii
        const double r = R * rng.uniform(0.45, 1.0);
        L.poly.push_back({r * std::cos(a), r * std::sin(a)});
        a += 6.283185307179586 / nv * rng.uniform(0.6, 1.4);
      }
      L.rmax = R;
    }
    const double py = rng.uniform(0, H), px = rng.uniform(0, W);  // (g++'s order, see above)
    const double scale = rng.uniform(0.7, 1.3), angle = rng.uniform(0, 6.283185307179586);
    L.A[0] = Affine2::similarity(angle, scale, 0, 0, px, py);
  }
  // motions: background M_bg about the image centre; sprite ℓ: M_bg ∘ M_rel(ℓ) about its centre.
  // Shrink all motions until no displacement of any visible part exceeds the cap.
  Rng motion_rng = rng.child(1);
  const double cap = cfg.max_displacement * W;
  for (int attempt = 0;; ++attempt) {
    Rng mr = motion_rng;
    const double k = std::pow(0.6, attempt);
    const double deg = 3.141592653589793 / 180.0;
    const Affine2 Mbg = random_motion(mr, cx, cy, cfg.bg_translate * W, cfg.bg_rotate_deg * deg, cfg.bg_scale, k);
    layers[0].A[1] = Mbg * layers[0].A[0];
    for (int i = 1; i <= n_obj; ++i) {
      const Vec2 c = layers[size_t(i)].A[0]({0, 0});
      const Affine2 Mrel = random_motion(mr, c.x, c.y, cfg.obj_translate * W, cfg.obj_rotate_deg * deg, cfg.obj_scale, k);
      layers[size_t(i)].A[1] = Mbg * Mrel * layers[size_t(i)].A[0];
    }
    double worst = 0;
    for (auto& L : layers) {
      const Affine2 D = L.A[1] * L.A[0].inverse();  // frame-1 image point → frame-2 image point
      std::vector<Vec2> pts;
      if (L.background) pts = {{0, 0}, {double(W), 0}, {0, double(H)}, {double(W), double(H)}};
      else
        for (int sx = -1; sx <= 1; sx += 2)
          for (int sy = -1; sy <= 1; sy += 2) pts.push_back(L.A[0]({sx * L.rmax, sy * L.rmax}));
      for (Vec2 p : pts) {
        const Vec2 q = D(p);
        worst = std::max(worst, std::hypot(q.x - p.x, q.y - p.y));
      }
    }
    if (worst <= cap || attempt > 30) break;
  }
  for (auto& L : layers)
    for (int f = 0; f < 2; ++f) {
      L.Ainv[f] = L.A[f].inverse();
      L.px_per_unit[f] = std::sqrt(std::abs(L.A[f].det()));
      if (!L.background) screen_box(L, f, W, H);
    }
  // textures: cover every local point either frame samples (plus a margin)
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& L = layers[i];
    double x0, y0, x1, y1;
    if (L.background) {
      x0 = y0 = 1e300, x1 = y1 = -1e300;
      for (int f = 0; f < 2; ++f)
        for (Vec2 p : {Vec2{0, 0}, Vec2{double(W), 0}, Vec2{0, double(H)}, Vec2{double(W), double(H)}}) {
          const Vec2 q = L.Ainv[f](p);
          x0 = std::min(x0, q.x), x1 = std::max(x1, q.x), y0 = std::min(y0, q.y), y1 = std::max(y1, q.y);
        }
    } else {
      x0 = y0 = -L.rmax, x1 = y1 = L.rmax;
    }
    x0 = std::floor(x0) - 3, y0 = std::floor(y0) - 3, x1 = std::ceil(x1) + 3, y1 = std::ceil(y1) + 3;
    Rng tr = rng.child(100 + i);
    L.ox = x0, L.oy = y0;
    L.tex = make_texture(tr, x0, y0, int(x1 - x0) + 1, int(y1 - y0) + 1, L.background ? diag : L.rmax * 2);
  }
  FlowPair out;
  out.width = W, out.height = H;
  const size_t N = size_t(W) * size_t(H);
  for (int f = 0; f < 2; ++f) {
    std::vector<uint8_t>& img = f == 0 ? out.img1 : out.img2;
    img.resize(N * 3);
    parallel_rows(H, [&](int y) {
      for (int x = 0; x < W; ++x) {
        const Vec2 p{x + 0.5, y + 0.5};
        Rgb c = layers[0].sample(layers[0].Ainv[f](p));
        for (size_t i = 1; i < layers.size(); ++i) {
          const Layer& L = layers[i];
          if (x < L.bx0[f] || x > L.bx1[f] || y < L.by0[f] || y > L.by1[f]) continue;
          const Vec2 q = L.Ainv[f](p);
          const float a = coverage_from_sdf(L.sdf(q) * L.px_per_unit[f]);
          if (a > 0) c = lerp(c, L.sample(q), a);
        }
        const size_t o = (size_t(y) * W + x) * 3;
        img[o] = to_u8(c.r), img[o + 1] = to_u8(c.g), img[o + 2] = to_u8(c.b);
      }
    });
  }
  out.flow.assign(N * 2, 0.f);
  out.occlusion.assign(N, 0);
  parallel_rows(H, [&](int y) {
    for (int x = 0; x < W; ++x) {
      const Vec2 p{x + 0.5, y + 0.5};
      size_t top = 0;
      for (size_t i = layers.size() - 1; i >= 1; --i) {
        const Layer& L = layers[i];
        if (x < L.bx0[0] || x > L.bx1[0] || y < L.by0[0] || y > L.by1[0]) continue;
        if (L.sdf(L.Ainv[0](p)) <= 0) { top = i; break; }
      }
      const Layer& L = layers[top];
      const Vec2 p2 = L.A[1](L.Ainv[0](p));
      const size_t o = size_t(y) * W + x;
      out.flow[o * 2] = float(p2.x - p.x);
      out.flow[o * 2 + 1] = float(p2.y - p.y);
      bool occ = p2.x < 0 || p2.y < 0 || p2.x > W || p2.y > H;
      for (size_t i = top + 1; i < layers.size() && !occ; ++i) {
        const Layer& U = layers[i];
        if (U.sdf(U.Ainv[1](p2)) <= 0) occ = true;
      }
      out.occlusion[o] = occ ? 1 : 0;
    }
  });
  return out;
}

// Middlebury .flo: float 202021.25, int32 width, int32 height, then h·w·2 float32 (u, v).
inline void write_flo(const std::string& path, int width, int height, const std::vector<float>& flow) {
  GANLIB_CHECK(flow.size() == size_t(width) * size_t(height) * 2, "write_flo: '", path, "': ", flow.size(),
               " floats do not match ", width, "x", height, "x2");
  FILE* f = std::fopen(path.c_str(), "wb");
  GANLIB_CHECK(f, "write_flo: cannot open '", path, "'");
  const float magic = 202021.25f;
  const int32_t wh[2] = {width, height};
  bool ok = std::fwrite(&magic, 4, 1, f) == 1 && std::fwrite(wh, 4, 2, f) == 2 &&
            std::fwrite(flow.data(), 4, flow.size(), f) == flow.size();
  ok = (std::fclose(f) == 0) && ok;
  GANLIB_CHECK(ok, "write_flo: short write to '", path, "'");
}

inline std::vector<float> read_flo(const std::string& path, int& width, int& height) {
  FILE* f = std::fopen(path.c_str(), "rb");
  GANLIB_CHECK(f, "read_flo: cannot open '", path, "'");
  float magic = 0;
  int32_t wh[2] = {0, 0};
  const bool head = std::fread(&magic, 4, 1, f) == 1 && std::fread(wh, 4, 2, f) == 2;
  if (!head || magic != 202021.25f || wh[0] <= 0 || wh[1] <= 0 || wh[0] > 65536 || wh[1] > 65536) {
    std::fclose(f);
    GANLIB_CHECK(false, "read_flo: '", path, "' is not a .flo file");
  }
  std::vector<float> flow(size_t(wh[0]) * size_t(wh[1]) * 2);
  const size_t n = std::fread(flow.data(), 4, flow.size(), f);
  std::fclose(f);
  GANLIB_CHECK(n == flow.size(), "read_flo: '", path, "' is truncated");
  width = wh[0], height = wh[1];
  return flow;
}

// Writes <root>/NNNNN_img1.png, NNNNN_img2.png, NNNNN_flow.flo and NNNNN_occ.png (0/255) for
// pairs 0…count−1 of generate_pair(seed, i, width, height, cfg).
inline void write_flying_shapes_dataset(const std::string& root, int count, int width, int height, uint64_t seed,
                                        const FlyingShapesConfig& cfg = {}) {
  namespace fs = std::filesystem;
  GANLIB_CHECK(count >= 0, "write_flying_shapes_dataset: negative count ", count);
  fs::create_directories(root);
  for (int i = 0; i < count; ++i) {
    const FlowPair p = generate_pair(seed, uint64_t(i), width, height, cfg);
    char stem[32];
    std::snprintf(stem, sizeof stem, "%05d", i);
    const fs::path base = fs::path(root) / stem;
    png::write_png(base.string() + "_img1.png", width, height, 3, 8, p.img1.data());
    png::write_png(base.string() + "_img2.png", width, height, 3, 8, p.img2.data());
    write_flo(base.string() + "_flow.flo", width, height, p.flow);
    std::vector<uint8_t> occ(p.occlusion.size());
    for (size_t j = 0; j < occ.size(); ++j) occ[j] = p.occlusion[j] ? 255 : 0;
    png::write_png(base.string() + "_occ.png", width, height, 1, 8, occ.data());
  }
}

}  // namespace ganlib::synth
