// data/synthetic/streets.hpp — deterministic street scenes with Cityscapes label ids, instance
// ids, RGB images and (for sequences) exact forward optical flow, in pix2pixHD/vid2vid layouts.
// Contract: generate(seed, index, w, h) is a pure function of its arguments (any thread count);
// the image is shaded from the same per-pixel surface buffer the label and instance maps come
// from, so label, instance and image agree exactly.
//
// How it works: a street is a small 3-D world (metres; X right, Y up, Z along the street) seen
// by a pinhole camera at height cam_h. The road, sidewalks and terrain are the ground plane,
// building fronts are vertical planes split into segments along Z, and things (cars, trucks,
// buses, persons) and poles, signs, lights and trees are planar polygons. A per-pixel surface
// buffer is filled analytically for the planes and by z-buffered scan conversion for the
// polygons; each pixel's world point then gives texture coordinates (so textures move with
// their surfaces) and, for sequences, the exact image motion to the next frame.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "ganlib/data/synthetic/cityscapes_ids.hpp"
#include "ganlib/data/synthetic/png16.hpp"
#include "ganlib/data/synthetic/raster.hpp"

namespace ganlib::synth {

// ---- public results -------------------------------------------------------------------------

struct StreetInstance {
  int32_t id = 0;      // class·1000 + k
  uint8_t label = 0;   // Cityscapes label id
  std::array<uint8_t, 3> color{};  // body / clothing colour the instance was painted with
  int64_t pixels = 0;  // visible pixels in this frame
};

struct StreetFrame {
  int width = 0, height = 0;
  std::vector<uint8_t> label;   // h·w Cityscapes label ids
  std::vector<int32_t> inst;    // h·w instance ids (stuff: label id; things: class·1000 + k)
  std::vector<uint8_t> image;   // h·w·3 RGB
  std::vector<float> flow;      // h·w·2 forward flow to the next frame (sequences; else empty)
  std::vector<StreetInstance> instances;  // things visible in this frame
};

// ---- the world --------------------------------------------------------------------------------

namespace street_detail {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(Vec3 o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(Vec3 o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double s) const { return {x * s, y * s, z * s}; }
  double dot(Vec3 o) const { return x * o.x + y * o.y + z * o.z; }
};
inline Vec3 cross(Vec3 a, Vec3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
inline Vec3 normalized(Vec3 a) { return a * (1.0 / std::sqrt(a.dot(a))); }

enum class Mat : uint8_t {
  sky, hood, asphalt, pavement, grass, facade, hedge, wall, fence, paint, glass, tyre, rim,
  tail_light, head_light, plate, skin, cloth, hair, metal, sign, housing, lamp_on, lamp_off, foliage, bark
};

struct Material {
  Mat kind = Mat::asphalt;
  Rgb base, alt, third;
  float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  uint64_t seed = 0;
};

struct Surface {
  uint8_t label = 0;
  int object = -1;    // moving object index (things, trees, poles...), -1 for static planes
  int material = 0;
  Vec3 normal{0, 1, 0};
  Vec3 origin, eu{1, 0, 0}, ev{0, 1, 0};  // texture frame in the object's local coordinates
};

struct Object {
  uint8_t label = 0;
  bool thing = false;
  Vec3 pos0, vel;       // position at frame 0 (world) and velocity (metres per frame)
  std::array<uint8_t, 3> color{};
  int k_seq = 0;        // per-class instance number within the sequence
  Vec3 box_lo, box_hi;  // local bounding box (for shadows)
  bool casts_shadow = false;
};

struct Prim {
  std::vector<Vec3> v;  // object-local vertices of a planar polygon
  int surface = 0;
  int object = 0;
  bool two_sided = false;
};

struct Segment {
  double z0 = 0, z1 = 0, height = 0;
  bool gap = false;  // side street: nothing here, the back plane shows through
  int surface = 0;   // surface index
  int vegetation_top = 0;  // nonzero: height varies (hedge / tree line)
};

struct World {
  int W = 0, H = 0;
  double f = 1, xv = 0, yh = 0, cam_h = 1.3, vcam = 0;
  // ground bands (camera-relative X; camera at X = 0)
  double road_l = 0, road_r = 0, walk_l = 0, walk_r = 0, front_l = 0, front_r = 0, back_l = 0, back_r = 0;
  std::vector<std::pair<double, int>> markings;  // (X, type: 0 dashed, 1 solid, 2 double solid)
  std::vector<Segment> front[2], back[2];        // 0 left, 1 right; sorted by z0
  std::vector<Material> mats;
  std::vector<Surface> surfs;
  std::vector<Object> objects;
  std::vector<Prim> prims;
  int s_sky = 0, s_hood = 0, s_road = 0, s_walk = 0, s_grass = 0;
  double hood_h = 0, hood_curve = 0;
  Vec3 sun{0.4, 0.8, -0.45};
  Rgb sky_top, sky_horizon, haze, tint{1, 1, 1};
  float cloudiness = 0, haze_dist = 400;
  uint64_t noise_seed = 0;

  int add_mat(const Material& m) { mats.push_back(m); return int(mats.size()) - 1; }
  int add_surf(const Surface& s) { surfs.push_back(s); return int(surfs.size()) - 1; }
};

// Box-filtered coverage of the interval [a, b] by a pixel footprint [x - fp/2, x + fp/2].
inline float box_cover(double x, double fp, double a, double b) {
  const double lo = std::max(x - fp / 2, a), hi = std::min(x + fp / 2, b);
  return float(std::clamp((hi - lo) / fp, 0.0, 1.0));
}
// Box-filtered duty of a periodic pulse (on for [0, on) in every period P) over a footprint.
inline float periodic_cover(double x, double fp, double P, double on) {
  auto F = [&](double z) { const double q = std::floor(z / P); return q * on + std::min(z - q * P, on); };
  if (fp < 1e-9) { const double m = x - std::floor(x / P) * P; return m < on ? 1.f : 0.f; }
  return float(std::clamp((F(x + fp / 2) - F(x - fp / 2)) / fp, 0.0, 1.0));
}

// ---- building the world ---------------------------------------------------------------------

inline const std::vector<std::array<uint8_t, 3>>& car_palette() {
  static const std::vector<std::array<uint8_t, 3>> p = {
      {238, 238, 236}, {150, 152, 156}, {62, 64, 68},  {22, 22, 26},   {175, 28, 30},  {28, 48, 125},
      {95, 150, 205},  {38, 100, 58},   {222, 182, 40}, {215, 105, 30}, {120, 70, 45},  {110, 20, 45}};
  return p;
}

struct Builder {
  World& w;
  Rng rng;

  Rgb pick_rgb(const std::vector<Rgb>& v) { return jitter(rng.pick(v), rng, 0.08f, 0.04f); }

  int surf(uint8_t label, int object, int mat, Vec3 n, Vec3 o = {}, Vec3 eu = {1, 0, 0}, Vec3 ev = {0, 1, 0}) {
    Surface s;
    s.label = label, s.object = object, s.material = mat, s.normal = n, s.origin = o, s.eu = eu, s.ev = ev;
    return w.add_surf(s);
  }
  void poly(int object, int surface, std::vector<Vec3> v, bool two_sided = false) {
    Prim p;
    p.v = std::move(v), p.surface = surface, p.object = object, p.two_sided = two_sided;
    w.prims.push_back(std::move(p));
  }
  // An axis-aligned box; faces get texture frames so that u runs along the face's width and v up.
  void box(int object, uint8_t label, int mat, Vec3 lo, Vec3 hi, bool bottom = false) {
    const Vec3 c[8] = {{lo.x, lo.y, lo.z}, {hi.x, lo.y, lo.z}, {hi.x, hi.y, lo.z}, {lo.x, hi.y, lo.z},
                       {lo.x, lo.y, hi.z}, {hi.x, lo.y, hi.z}, {hi.x, hi.y, hi.z}, {lo.x, hi.y, hi.z}};
    poly(object, surf(label, object, mat, {0, 0, -1}, lo, {1, 0, 0}, {0, 1, 0}), {c[0], c[1], c[2], c[3]});
    poly(object, surf(label, object, mat, {0, 0, 1}, lo, {1, 0, 0}, {0, 1, 0}), {c[5], c[4], c[7], c[6]});
    poly(object, surf(label, object, mat, {-1, 0, 0}, lo, {0, 0, 1}, {0, 1, 0}), {c[4], c[0], c[3], c[7]});
    poly(object, surf(label, object, mat, {1, 0, 0}, lo, {0, 0, 1}, {0, 1, 0}), {c[1], c[5], c[6], c[2]});
    poly(object, surf(label, object, mat, {0, 1, 0}, lo, {1, 0, 0}, {0, 0, 1}), {c[3], c[2], c[6], c[7]});
    if (bottom) poly(object, surf(label, object, mat, {0, -1, 0}, lo, {1, 0, 0}, {0, 0, 1}), {c[0], c[4], c[5], c[1]});
  }
  Vec3 newell(const std::vector<Vec3>& v) {
    Vec3 n;
    for (size_t i = 0; i < v.size(); ++i) {
      const Vec3 a = v[i], b = v[(i + 1) % v.size()];
      n.x += (a.y - b.y) * (a.z + b.z), n.y += (a.z - b.z) * (a.x + b.x), n.z += (a.x - b.x) * (a.y + b.y);
    }
    return normalized(n) * -1.0;  // X right, Y up, Z forward is left-handed: flip the RH Newell normal
  }
  // A flat polygon with a texture frame given by its first edge and its normal.
  void flat(int object, uint8_t label, int mat, const std::vector<Vec3>& v, bool two_sided = false) {
    const Vec3 n = newell(v);
    Vec3 eu = normalized(v[1] - v[0]);
    const Vec3 ev = cross(n, eu);
    poly(object, surf(label, object, mat, n, v[0], eu, ev), v, two_sided);
  }

  int object(uint8_t label, bool thing, Vec3 pos, Vec3 vel) {
    Object o;
    o.label = label, o.thing = thing, o.pos0 = pos, o.vel = vel;
    w.objects.push_back(o);
    return int(w.objects.size()) - 1;
  }

  int mat(Mat kind, Rgb base, Rgb alt = {}, std::initializer_list<float> p = {}) {
    Material m;
    m.kind = kind, m.base = base, m.alt = alt, m.seed = rng.next_u32();
    int i = 0;
    for (float v : p) m.p[i++] = v;
    return w.add_mat(m);
  }

  // ---- vehicles: local frame X across, Y up, Z from rear (0) to front (L); `toward` mirrors Z
  // so the front faces the camera (oncoming / parked facing us).
  void vehicle(int type, double x, double z, double speed, bool toward, int k_counter[]) {
    struct Dim { double L, W, body0, body1, cab0, cab1, top, slope_r, slope_f; };
    static const Dim dims[5] = {{4.5, 1.8, 0.22, 0.95, 1.05, 3.1, 1.45, 0.45, 0.75},   // sedan
                                {4.0, 1.75, 0.22, 0.98, 0.25, 2.8, 1.5, 0.15, 0.8},    // hatchback
                                {4.8, 1.95, 0.28, 1.1, 0.2, 3.6, 1.95, 0.1, 0.6},      // van / SUV
                                {7.2, 2.3, 0.45, 3.2, 5.1, 7.2, 2.9, 0.0, 0.3},        // box truck
                                {11.5, 2.5, 0.35, 3.1, 0.0, 11.5, 3.1, 0.0, 0.0}};     // bus
    const Dim d = dims[type];
    const uint8_t label = type == 3 ? cityscapes::truck : type == 4 ? cityscapes::bus : cityscapes::car;
    const int ob = object(label, true, {x, 0, z}, {0, 0, speed});
    Object& O = w.objects[size_t(ob)];
    O.k_seq = k_counter[label]++;
    const auto& pal = car_palette();
    std::array<uint8_t, 3> col = pal[size_t(rng.randint(0, int(pal.size()) - 1))];
    if (type == 4) col = rng.pick(std::vector<std::array<uint8_t, 3>>{{222, 182, 40}, {175, 28, 30}, {238, 238, 236}, {28, 48, 125}});
    O.color = col;
    O.box_lo = {-d.W / 2, 0, toward ? -d.L : 0}, O.box_hi = {d.W / 2, d.top, toward ? 0 : d.L};
    O.casts_shadow = true;
    const Rgb paint = rgb8(col[0], col[1], col[2]);
    const int m_paint = mat(Mat::paint, paint);
    const int m_glass = mat(Mat::glass, rgb8(30, 36, 44), rgb8(120, 135, 150));
    const int m_tyre = mat(Mat::tyre, rgb8(24, 24, 26));
    const int m_rim = mat(Mat::rim, rgb8(150, 150, 155));
    const int m_tail = mat(Mat::tail_light, rgb8(190, 20, 20));
    const int m_head = mat(Mat::head_light, rgb8(235, 235, 215));
    const int m_plate = mat(Mat::plate, rgb8(225, 225, 220));
    const int m_cargo = type == 3 ? mat(Mat::paint, rgb8(225, 225, 222)) : m_paint;
    // local→object coordinates: mirror Z for vehicles facing the camera
    const double sz = toward ? -1 : 1;
    auto P = [&](double px, double py, double pz) { return Vec3{px, py, pz * sz}; };
    auto quad = [&](int m, std::array<Vec3, 4> q, bool two = false) {
      std::vector<Vec3> v(q.begin(), q.end());
      if (toward) std::reverse(v.begin(), v.end());  // mirroring flips the winding
      flat(ob, label, m, v, two);
    };
    const double hw = d.W / 2;
    // body (for the truck: the cargo box behind the cab; cab drawn below)
    const double bz1 = type == 3 ? d.cab0 - 0.1 : d.L;
    auto boxq = [&](int m, double x0, double x1, double y0, double y1, double z0, double z1) {
      quad(m, {P(x0, y0, z0), P(x1, y0, z0), P(x1, y1, z0), P(x0, y1, z0)});  // rear (faces -Z)
      quad(m, {P(x1, y0, z1), P(x0, y0, z1), P(x0, y1, z1), P(x1, y1, z1)});  // front
      quad(m, {P(x0, y0, z1), P(x0, y0, z0), P(x0, y1, z0), P(x0, y1, z1)});  // left
      quad(m, {P(x1, y0, z0), P(x1, y0, z1), P(x1, y1, z1), P(x1, y1, z0)});  // right
      quad(m, {P(x0, y1, z0), P(x1, y1, z0), P(x1, y1, z1), P(x0, y1, z1)});  // top
    };
    boxq(type == 3 ? m_cargo : m_paint, -hw, hw, d.body0, d.body1, 0, bz1);
    if (type == 3) {
      boxq(m_paint, -hw + 0.05, hw - 0.05, d.body0, d.top - 0.2, d.cab0, d.L);
      const double e = 0.02;  // windscreen and side windows of the cab
      quad(m_glass, {P(hw - 0.2, 1.7, d.L + e), P(-hw + 0.2, 1.7, d.L + e), P(-hw + 0.2, 2.5, d.L + e), P(hw - 0.2, 2.5, d.L + e)});
      for (int s = -1; s <= 1; s += 2) {
        const double xx = s * (hw - 0.05 + e);
        std::array<Vec3, 4> q = {P(xx, 1.6, d.cab0 + 0.3), P(xx, 1.6, d.L - 0.3), P(xx, 2.4, d.L - 0.3), P(xx, 2.4, d.cab0 + 0.3)};
        if (s < 0) std::reverse(q.begin(), q.end());
        quad(m_glass, q);
      }
    } else if (type == 4) {
      const double e = 0.02;
      for (int s = -1; s <= 1; s += 2) {  // a band of side windows
        const double xx = s * (hw + e);
        std::array<Vec3, 4> q = {P(xx, 1.5, 0.6), P(xx, 1.5, d.L - 0.4), P(xx, 2.7, d.L - 0.4), P(xx, 2.7, 0.6)};
        if (s < 0) std::reverse(q.begin(), q.end());
        quad(m_glass, q);
      }
      quad(m_glass, {P(-hw + 0.2, 1.8, -e), P(hw - 0.2, 1.8, -e), P(hw - 0.2, 2.8, -e), P(-hw + 0.2, 2.8, -e)});
      quad(m_glass, {P(hw - 0.1, 1.2, d.L + e), P(-hw + 0.1, 1.2, d.L + e), P(-hw + 0.1, 2.8, d.L + e), P(hw - 0.1, 2.8, d.L + e)});
    } else {
      // cabin: a frustum whose rear and front faces slope; glass on all four sides
      const double a = hw - 0.06, b = hw - 0.2, y0 = d.body1, y1 = d.top;
      const double r0 = d.cab0, r1 = d.cab0 + d.slope_r, f1 = d.cab1 - d.slope_f, f0 = d.cab1;
      quad(m_paint, {P(-a, y0, r0), P(a, y0, r0), P(b, y1, r1), P(-b, y1, r1)});
      quad(m_paint, {P(a, y0, f0), P(-a, y0, f0), P(-b, y1, f1), P(b, y1, f1)});
      quad(m_paint, {P(-a, y0, f0), P(-a, y0, r0), P(-b, y1, r1), P(-b, y1, f1)});
      quad(m_paint, {P(a, y0, r0), P(a, y0, f0), P(b, y1, f1), P(b, y1, r1)});
      quad(m_paint, {P(-b, y1, r1), P(b, y1, r1), P(b, y1, f1), P(-b, y1, f1)});
      // glass inset on each face, lifted off the face along its normal
      auto inset = [&](Vec3 p0, Vec3 p1, Vec3 p2, Vec3 p3, double m0, Vec3 n) {
        auto L = [](Vec3 p, Vec3 q, double t) { return p + (q - p) * t; };
        const Vec3 c0 = L(L(p0, p1, m0), L(p3, p2, m0), 0.12), c1 = L(L(p0, p1, 1 - m0), L(p3, p2, 1 - m0), 0.12);
        const Vec3 c2 = L(L(p0, p1, 1 - m0), L(p3, p2, 1 - m0), 0.9), c3 = L(L(p0, p1, m0), L(p3, p2, m0), 0.9);
        const Vec3 off = n * 0.015;
        auto M = [&](Vec3 q) { return P(q.x, q.y, q.z); };
        quad(m_glass, {M(c0 + off), M(c1 + off), M(c2 + off), M(c3 + off)});
      };
      const double dy = y1 - y0;
      inset({-a, y0, r0}, {a, y0, r0}, {b, y1, r1}, {-b, y1, r1}, 0.06, normalized({0, d.slope_r, -dy}));
      inset({a, y0, f0}, {-a, y0, f0}, {-b, y1, f1}, {b, y1, f1}, 0.06, normalized({0, d.slope_f, dy}));
      inset({-a, y0, f0}, {-a, y0, r0}, {-b, y1, r1}, {-b, y1, f1}, 0.05, normalized({-dy, a - b, 0}));
      inset({a, y0, r0}, {a, y0, f0}, {b, y1, f1}, {b, y1, r1}, 0.05, normalized({dy, a - b, 0}));
    }
    // lights and plate on the rear (z = 0) and front (z = L) faces
    const double e = 0.012, ly0 = d.body1 - (type >= 3 ? 0.6 : 0.3), ly1 = ly0 + 0.15;
    for (int s = -1; s <= 1; s += 2) {
      const double x0 = s * (hw - 0.08), x1 = s * (hw - 0.4);
      std::array<Vec3, 4> r = {P(x0, ly0, -e), P(x1, ly0, -e), P(x1, ly1, -e), P(x0, ly1, -e)};
      std::array<Vec3, 4> fr = {P(x1, ly0, d.L + e), P(x0, ly0, d.L + e), P(x0, ly1, d.L + e), P(x1, ly1, d.L + e)};
      if (s > 0) std::reverse(r.begin(), r.end()), std::reverse(fr.begin(), fr.end());
      quad(m_tail, r);
      quad(m_head, fr);
    }
    const double py0 = d.body0 + 0.12, py1 = py0 + 0.12;
    quad(m_plate, {P(-0.26, py0, -e), P(0.26, py0, -e), P(0.26, py1, -e), P(-0.26, py1, -e)});
    quad(m_plate, {P(0.26, py0, d.L + e), P(-0.26, py0, d.L + e), P(-0.26, py1, d.L + e), P(0.26, py1, d.L + e)});
    // wheels: discs on both sides, and tyre treads seen from behind / in front
    const double r = type >= 3 ? 0.5 : 0.33;
    const double axles[2] = {type == 4 ? 2.6 : type == 3 ? 1.3 : 0.8, d.L - (type == 4 ? 2.2 : type == 3 ? 1.3 : 0.85)};
    for (double az : axles)
      for (int s = -1; s <= 1; s += 2) {
        std::vector<Vec3> t, rim;
        for (int i = 0; i < 14; ++i) {
          const double th = 6.283185307179586 * i / 14;
          t.push_back(P(s * (hw + 0.01), r + r * std::sin(th), az + r * std::cos(th)));
          rim.push_back(P(s * (hw + 0.02), r + 0.55 * r * std::sin(th), az + 0.55 * r * std::cos(th)));
        }
        flat(ob, label, m_tyre, t, true);
        flat(ob, label, m_rim, rim, true);
        const double xa = s * hw, xb = s * (hw - 0.24);
        quad(m_tyre, {P(xa, 0, az), P(xb, 0, az), P(xb, 2 * r, az), P(xa, 2 * r, az)}, true);
      }
  }

  void person(double x, double z, double speed, int k_counter[]) {
    const int ob = object(cityscapes::person, true, {x, 0, z}, {0, 0, speed});
    Object& O = w.objects[size_t(ob)];
    O.k_seq = k_counter[cityscapes::person]++;
    const double s = rng.uniform(0.9, 1.1);
    static const std::vector<Rgb> shirts = {rgb8(200, 40, 40), rgb8(40, 60, 140), rgb8(230, 230, 225), rgb8(30, 30, 32),
                                            rgb8(90, 120, 60), rgb8(210, 170, 60), rgb8(120, 80, 140), rgb8(150, 150, 150)};
    static const std::vector<Rgb> pants = {rgb8(35, 45, 80), rgb8(30, 30, 32), rgb8(100, 95, 85), rgb8(160, 140, 110)};
    static const std::vector<Rgb> skins = {rgb8(235, 190, 160), rgb8(200, 150, 110), rgb8(140, 95, 65), rgb8(90, 60, 45)};
    const Rgb shirt = pick_rgb(shirts);
    O.color = {to_u8(shirt.r), to_u8(shirt.g), to_u8(shirt.b)};
    O.box_lo = {-0.3 * s, 0, -0.15}, O.box_hi = {0.3 * s, 1.75 * s, 0.15};
    O.casts_shadow = true;
    const int m_shirt = mat(Mat::cloth, shirt), m_pants = mat(Mat::cloth, pick_rgb(pants));
    const int m_skin = mat(Mat::skin, pick_rgb(skins)), m_hair = mat(Mat::hair, jitter(rgb8(40, 30, 22), rng, 0.3f, 0.1f));
    const uint8_t L = cityscapes::person;
    const double stride = rng.uniform(-0.12, 0.12);
    box(ob, L, m_pants, Vec3{-0.17, 0, -0.08 + stride} * s, Vec3{-0.02, 0.86, 0.08 + stride} * s);
    box(ob, L, m_pants, Vec3{0.02, 0, -0.08 - stride} * s, Vec3{0.17, 0.86, 0.08 - stride} * s);
    box(ob, L, m_shirt, Vec3{-0.21, 0.84, -0.12} * s, Vec3{0.21, 1.46, 0.12} * s);
    box(ob, L, m_shirt, Vec3{-0.29, 0.9, -0.07} * s, Vec3{-0.21, 1.44, 0.07} * s);
    box(ob, L, m_shirt, Vec3{0.21, 0.9, -0.07} * s, Vec3{0.29, 1.44, 0.07} * s);
    box(ob, L, m_skin, Vec3{-0.09, 1.47, -0.1} * s, Vec3{0.09, 1.7, 0.1} * s);
    box(ob, L, m_hair, Vec3{-0.1, 1.66, -0.03} * s, Vec3{0.1, 1.76, 0.11} * s);
  }

  void tree(double x, double z) {
    const int ob = object(cityscapes::vegetation, false, {x, 0, z}, {});
    const double hgt = rng.uniform(2.2, 3.2), trunk = rng.uniform(0.12, 0.2);
    const int m_bark = mat(Mat::bark, jitter(rgb8(85, 65, 45), rng, 0.15f, 0.05f));
    box(ob, cityscapes::vegetation, m_bark, {-trunk, 0, -trunk}, {trunk, hgt + 0.5, trunk});
    const Rgb leaf = jitter(rng.pick(std::vector<Rgb>{rgb8(70, 105, 40), rgb8(55, 90, 45), rgb8(95, 120, 50)}), rng, 0.12f, 0.06f);
    const int m_leaf = mat(Mat::foliage, leaf, rgb8(30, 45, 20));
    const double R = rng.uniform(1.6, 2.8);
    const int blobs = rng.randint(3, 5);
    for (int i = 0; i < blobs; ++i) {  // crown: wobbly discs facing the camera, slightly staggered in depth
      const double cx = rng.uniform(-0.5, 0.5) * R, cy = hgt + R * rng.uniform(0.6, 1.2), rr = R * rng.uniform(0.55, 0.85);
      const double cz = -0.3 - 0.2 * i;
      const uint32_t wobble_seed = rng.next_u32();  // (before the uniform: g++'s argument order)
      auto v2 = ellipse_polygon(cx, cy, rr, rr * rng.uniform(0.8, 1.1), 28, 0, 0.25, wobble_seed);
      std::vector<Vec3> v;
      for (auto& p : v2) v.push_back({p.x, p.y, cz});
      std::reverse(v.begin(), v.end());
      poly(ob, surf(cityscapes::vegetation, ob, m_leaf, {0, 0, -1}, {0, 0, cz}, {1, 0, 0}, {0, 1, 0}), v, true);
    }
  }

  void pole_with(double x, double z, int kind, bool right_side) {
    // kind 0: street lamp, 1: traffic sign, 2: traffic light
    const int ob = object(cityscapes::pole, false, {x, 0, z}, {});
    const int m_metal = mat(Mat::metal, jitter(rgb8(110, 112, 115), rng, 0.2f, 0.03f));
    const double t = kind == 0 ? 0.09 : 0.05, hgt = kind == 0 ? rng.uniform(6, 8) : kind == 1 ? rng.uniform(2.6, 3.2) : 4.2;
    box(ob, cityscapes::pole, m_metal, {-t, 0, -t}, {t, hgt, t});
    const double dir = right_side ? -1 : 1;  // toward the road
    if (kind == 0) {
      const double arm = rng.uniform(1.2, 2.0);
      box(ob, cityscapes::pole, m_metal, {std::min(0.0, dir * arm), hgt - 0.1, -0.05}, {std::max(0.0, dir * arm), hgt, 0.05});
      box(ob, cityscapes::pole, mat(Mat::housing, rgb8(60, 62, 65)), {dir * arm - 0.25, hgt - 0.25, -0.15}, {dir * arm + 0.25, hgt - 0.1, 0.15});
    } else if (kind == 1) {
      const int shape = rng.randint(0, 3);
      static const std::vector<Rgb> faces = {rgb8(200, 30, 30), rgb8(30, 80, 170), rgb8(230, 230, 230), rgb8(240, 190, 30)};
      const Rgb c = shape == 0 ? rgb8(200, 30, 30) : shape == 1 ? rgb8(30, 80, 170) : rng.pick(faces);
      const int m = mat(Mat::sign, c, rgb8(240, 240, 240), {float(shape)});
      const double cy = hgt - 0.35, r = 0.35, zz = -t - 0.02;
      std::vector<Vec3> v;
      if (shape == 0 || shape == 3) {
        for (int i = 0; i < 20; ++i) v.push_back({r * std::cos(-6.283185307179586 * i / 20), cy + r * std::sin(-6.283185307179586 * i / 20), zz});
      } else if (shape == 1) {
        v = {{-r, cy - r, zz}, {-r, cy + r, zz}, {r, cy + r, zz}, {r, cy - r, zz}};
      } else {
        v = {{0, cy - r, zz}, {-r * 1.1, cy + 0.7 * r, zz}, {r * 1.1, cy + 0.7 * r, zz}};
      }
      poly(ob, surf(cityscapes::traffic_sign, ob, m, {0, 0, -1}, {0, cy, zz}, {1, 0, 0}, {0, 1, 0}), v, true);
    } else {
      const double arm = rng.uniform(2.5, 4.0);
      box(ob, cityscapes::pole, m_metal, {std::min(0.0, dir * arm), hgt - 0.12, -0.05}, {std::max(0.0, dir * arm), hgt, 0.05});
      const int m_h = mat(Mat::housing, rgb8(35, 37, 38));
      const double hx = dir * arm;
      box(ob, cityscapes::traffic_light, m_h, {hx - 0.17, hgt - 1.0, -0.25}, {hx + 0.17, hgt, -0.05});
      const int lit = rng.randint(0, 2);
      for (int i = 0; i < 3; ++i) {
        const double cy = hgt - 0.2 - 0.3 * i;
        const Rgb c = i == 0 ? rgb8(230, 40, 30) : i == 1 ? rgb8(240, 170, 20) : rgb8(40, 220, 90);
        const int m = mat(i == lit ? Mat::lamp_on : Mat::lamp_off, c);
        auto v2 = ellipse_polygon(hx, cy, 0.1, 0.1, 12);
        std::vector<Vec3> v;
        for (auto& p : v2) v.push_back({p.x, p.y, -0.27});
        poly(ob, surf(cityscapes::traffic_light, ob, m, {0, 0, -1}, {hx, cy, -0.27}, {1, 0, 0}, {0, 1, 0}), v, true);
      }
    }
  }

  // Building fronts / hedges / walls along one side from z_lo to z_hi.
  void facades(int side, double z_lo, double z_hi) {
    static const std::vector<Rgb> walls = {rgb8(196, 182, 160), rgb8(170, 165, 158), rgb8(150, 85, 65), rgb8(222, 215, 198),
                                           rgb8(205, 190, 140), rgb8(120, 118, 115), rgb8(170, 120, 90), rgb8(185, 195, 200),
                                           rgb8(140, 150, 130)};
    double z = z_lo;
    while (z < z_hi) {
      Segment s;
      s.z0 = z;
      const double u = rng.uniform();
      if (u < 0.72) {  // building
        s.z1 = z + rng.uniform(9, 32);
        s.height = rng.uniform(9, 26);
        const Rgb base = pick_rgb(walls);
        const bool brick = rng.chance(0.2);
        Material m;
        m.kind = Mat::facade;
        m.base = brick ? jitter(rgb8(145, 70, 50), rng, 0.1f, 0.05f) : base;
        m.alt = jitter(rng.pick(std::vector<Rgb>{rgb8(40, 48, 58), rgb8(60, 75, 90), rgb8(30, 32, 36), rgb8(80, 95, 105)}), rng, 0.15f, 0.05f);
        m.third = jitter(rng.pick(std::vector<Rgb>{rgb8(60, 60, 62), rgb8(110, 90, 70), rgb8(150, 40, 40), rgb8(40, 60, 90), base * 0.7f}), rng, 0.1f, 0.05f);
        m.p[0] = float(rng.uniform(2.9, 3.6));    // floor height
        m.p[1] = float(rng.uniform(1.8, 3.2));    // window spacing
        m.p[2] = float(rng.uniform(0.35, 0.6));   // window width fraction
        m.p[3] = float(rng.uniform(0.4, 0.6));    // window height fraction
        m.p[4] = float(rng.uniform(3.2, 4.5));    // ground-floor height
        m.p[5] = brick ? 1.f : 0.f;
        m.p[6] = float(s.z1 - s.z0);
        m.p[7] = float(s.height);
        m.seed = rng.next_u32();
        s.surface = surf(cityscapes::building, -1, w.add_mat(m), {side == 0 ? 1.0 : -1.0, 0, 0});
      } else if (u < 0.84) {  // hedge / tree line
        s.z1 = z + rng.uniform(8, 25);
        s.height = rng.uniform(2.5, 7);
        s.vegetation_top = 1;
        s.surface = surf(cityscapes::vegetation, -1, mat(Mat::hedge, jitter(rgb8(65, 95, 40), rng, 0.15f, 0.08f), rgb8(25, 40, 18)),
                         {side == 0 ? 1.0 : -1.0, 0, 0});
      } else if (u < 0.94) {  // wall or fence in front of the back row
        s.z1 = z + rng.uniform(6, 20);
        const bool fence = rng.chance(0.5);
        s.height = rng.uniform(1.6, 2.6);
        // (one draw per statement: argument order is unspecified; this is the order g++ used)
        const float fence_param = fence ? float(rng.uniform(0.12, 0.3)) : 0.f;
        s.surface = fence ? surf(cityscapes::fence, -1, mat(Mat::fence, jitter(rgb8(120, 100, 75), rng, 0.25f, 0.05f), {}, {fence_param}),
                                 {side == 0 ? 1.0 : -1.0, 0, 0})
                          : surf(cityscapes::wall, -1, mat(Mat::wall, jitter(rgb8(165, 160, 150), rng, 0.15f, 0.03f)), {side == 0 ? 1.0 : -1.0, 0, 0});
      } else {  // side street
        s.z1 = z + rng.uniform(10, 16);
        s.gap = true;
      }
      w.front[side].push_back(s);
      z = s.z1;
    }
    z = z_lo - 10;
    while (z < z_hi) {  // back row: tall buildings and trees seen over walls and through side streets
      Segment s;
      s.z0 = z;
      s.z1 = z + rng.uniform(15, 40);
      if (rng.chance(0.7)) {
        s.height = rng.uniform(14, 30);
        Material m;
        m.kind = Mat::facade;
        m.base = pick_rgb(walls) * 0.92f;
        m.alt = jitter(rgb8(45, 52, 60), rng, 0.15f, 0.05f);
        m.third = m.base * 0.8f;
        m.p[0] = float(rng.uniform(2.9, 3.5)), m.p[1] = float(rng.uniform(2, 3)), m.p[2] = 0.5f, m.p[3] = 0.5f;
        m.p[4] = 3.5f, m.p[5] = 0, m.p[6] = float(s.z1 - s.z0), m.p[7] = float(s.height);
        m.seed = rng.next_u32();
        s.surface = surf(cityscapes::building, -1, w.add_mat(m), {side == 0 ? 1.0 : -1.0, 0, 0});
      } else {
        s.height = rng.uniform(6, 12);
        s.vegetation_top = 1;
        s.surface = surf(cityscapes::vegetation, -1, mat(Mat::hedge, jitter(rgb8(60, 90, 38), rng, 0.15f, 0.08f), rgb8(22, 36, 16)),
                         {side == 0 ? 1.0 : -1.0, 0, 0});
      }
      w.back[side].push_back(s);
      z = s.z1;
    }
  }
};

inline World build_world(uint64_t seed, uint64_t stream, int W, int H, int n_frames) {
  World w;
  w.W = W, w.H = H;
  Builder b{w, Rng(seed, stream)};
  Rng& rng = b.rng;
  w.noise_seed = mix64(seed ^ stream);
  // camera: focal length and horizon in units of the image size, so a scene is the same scene
  // at every resolution
  w.f = W * rng.uniform(0.62, 0.78);
  w.xv = W * (0.5 + rng.uniform(-0.04, 0.04));
  w.yh = H * rng.uniform(0.40, 0.47);
  w.cam_h = rng.uniform(1.2, 1.6);
  w.vcam = n_frames > 1 ? rng.uniform(0.35, 0.7) : 0.0;
  // sky and light
  const int sky = rng.randint(0, 2);
  if (sky == 0) w.sky_top = rgb8(70, 120, 190), w.sky_horizon = rgb8(185, 205, 225), w.cloudiness = float(rng.uniform(0.1, 0.45));
  else if (sky == 1) w.sky_top = rgb8(150, 160, 172), w.sky_horizon = rgb8(205, 210, 215), w.cloudiness = float(rng.uniform(0.5, 0.9));
  else w.sky_top = rgb8(105, 140, 185), w.sky_horizon = rgb8(215, 205, 190), w.cloudiness = float(rng.uniform(0.2, 0.6));
  w.haze = lerp(w.sky_horizon, rgb8(200, 200, 200), 0.4f);
  w.haze_dist = float(rng.uniform(350, 700));
  w.sun = normalized({rng.uniform(-0.8, 0.8), rng.uniform(0.5, 1.0), rng.uniform(-0.6, 0.3)});
  w.tint = {float(rng.uniform(0.95, 1.05)), float(rng.uniform(0.97, 1.03)), float(rng.uniform(0.95, 1.05))};
  if (rng.chance(0.6)) w.hood_h = H * rng.uniform(0.07, 0.13), w.hood_curve = rng.uniform(0.02, 0.06) * H;
  // lanes, left to right: [parking] oncoming… forward… [parking]
  const int n_on = rng.randint(1, 2), n_fw = rng.randint(1, 2);
  const bool park_l = rng.chance(0.45), park_r = rng.chance(0.6);
  const double lw = rng.uniform(3.0, 3.6), pw = 2.3;
  const int ego = rng.randint(0, n_fw - 1);
  // X of the left road edge relative to the camera in the centre of forward lane `ego`
  const double left_edge = -((park_l ? pw : 0) + n_on * lw + ego * lw + lw / 2);
  w.road_l = left_edge;
  w.road_r = left_edge + (park_l ? pw : 0) + (n_on + n_fw) * lw + (park_r ? pw : 0);
  double x = left_edge + (park_l ? pw : 0);
  if (park_l) w.markings.push_back({x, 1});
  for (int i = 1; i < n_on; ++i) w.markings.push_back({x + i * lw, 0});
  x += n_on * lw;
  w.markings.push_back({x, rng.chance(0.5) ? 2 : 0});
  for (int i = 1; i < n_fw; ++i) w.markings.push_back({x + i * lw, 0});
  const double fw0 = x;
  x += n_fw * lw;
  if (park_r) w.markings.push_back({x, 1});
  const double walk_lw = rng.uniform(2.0, 4.5), walk_rw = rng.uniform(2.0, 4.5);
  w.walk_l = w.road_l - walk_lw, w.walk_r = w.road_r + walk_rw;
  w.front_l = w.walk_l - (rng.chance(0.3) ? rng.uniform(1, 3) : 0.0);
  w.front_r = w.walk_r + (rng.chance(0.3) ? rng.uniform(1, 3) : 0.0);
  w.back_l = w.front_l - rng.uniform(8, 20), w.back_r = w.front_r + rng.uniform(8, 20);
  // fixed surfaces
  w.s_sky = b.surf(cityscapes::sky, -1, b.mat(Mat::sky, w.sky_top), {0, 0, -1});
  w.s_hood = b.surf(cityscapes::ego_vehicle, -1, b.mat(Mat::hood, jitter(rgb8(40, 42, 48), rng, 0.3f, 0.1f)), {0, 1, 0});
  w.s_road = b.surf(cityscapes::road, -1, b.mat(Mat::asphalt, jitter(rgb8(88, 86, 90), rng, 0.12f, 0.02f), rgb8(235, 235, 230)), {0, 1, 0});
  {  // one draw per statement (argument order is unspecified; this is the order g++ used)
    const float walk_param = float(rng.uniform(0.4, 1.0));
    const Rgb walk_base = rng.pick(std::vector<Rgb>{rgb8(160, 155, 150), rgb8(175, 165, 160), rgb8(150, 140, 135)});
    const Rgb walk_rgb = jitter(walk_base, rng, 0.08f, 0.03f);
    w.s_walk = b.surf(cityscapes::sidewalk, -1, b.mat(Mat::pavement, walk_rgb, {}, {walk_param}), {0, 1, 0});
  }
  w.s_grass = b.surf(cityscapes::terrain, -1, b.mat(Mat::grass, jitter(rgb8(110, 130, 60), rng, 0.12f, 0.06f), rgb8(130, 115, 70)), {0, 1, 0});
  // the street extends over every Z the sequence can see
  const double z_far = 220 + w.vcam * n_frames;
  b.facades(0, -30, z_far);
  b.facades(1, -30, z_far);
  // things
  int k[34] = {0};
  const double speed_fw = w.vcam, zmax = z_far;
  for (int lane = 0; lane < n_fw; ++lane) {  // same direction: we see rears
    const double lx = fw0 + (lane + 0.5) * lw;
    const double v = lane == ego ? speed_fw : speed_fw * rng.uniform(0.7, 1.3);
    double z = lane == ego ? rng.uniform(9, 30) : rng.uniform(-4, 15);
    while (z < zmax) {
      const double u = rng.uniform();
      const int type = u < 0.55 ? 0 : u < 0.72 ? 1 : u < 0.88 ? 2 : u < 0.96 ? 3 : 4;
      b.vehicle(type, lx + rng.uniform(-0.25, 0.25), z, v, false, k);
      z += (type == 4 ? 11.5 : type == 3 ? 7.2 : 4.8) + rng.uniform(6, 40);
    }
  }
  for (int lane = 0; lane < n_on; ++lane) {  // oncoming: fronts toward us
    const double lx = w.road_l + (park_l ? pw : 0) + (lane + 0.5) * lw;
    const double v = -(n_frames > 1 ? rng.uniform(0.3, 0.7) : 0.0);
    double z = rng.uniform(8, 30);
    while (z < zmax + 0.7 * n_frames) {
      const double u = rng.uniform();
      const int type = u < 0.55 ? 0 : u < 0.72 ? 1 : u < 0.88 ? 2 : u < 0.96 ? 3 : 4;
      b.vehicle(type, lx + rng.uniform(-0.25, 0.25), z, v, true, k);
      z += (type == 4 ? 11.5 : type == 3 ? 7.2 : 4.8) + rng.uniform(8, 50);
    }
  }
  for (int side = 0; side < 2; ++side) {  // parked cars along the curb
    if (!(side == 0 ? park_l : park_r)) continue;
    const double lx = side == 0 ? w.road_l + pw / 2 : w.road_r - pw / 2;
    const double occupancy = rng.uniform(0.4, 0.9);
    double z = rng.uniform(-5, 5);
    while (z < zmax) {
      const int type = rng.randint(0, 2);
      if (rng.chance(occupancy)) b.vehicle(type, lx + rng.uniform(-0.15, 0.15), z, 0.0, side == 0, k);
      z += 4.8 + rng.uniform(0.8, 3.0);
    }
  }
  const int n_people = rng.randint(0, 14);
  for (int i = 0; i < n_people; ++i) {
    const int side = rng.randint(0, 1);
    const double px = side == 0 ? rng.uniform(w.walk_l + 0.4, w.road_l - 0.4) : rng.uniform(w.road_r + 0.4, w.walk_r - 0.4);
    const double pz = rng.uniform(4, 70);
    b.person(px, pz, n_frames > 1 ? rng.uniform(-0.06, 0.06) : 0.0, k);
  }
  // stuff on the sidewalks
  const bool trees = rng.chance(0.6);
  for (int side = 0; side < 2; ++side) {
    const double outer = side == 0 ? w.walk_l + 0.8 : w.walk_r - 0.8, curb = side == 0 ? w.road_l + 0.4 : w.road_r - 0.4;
    if (trees) {
      const double spacing = rng.uniform(8, 14);
      for (double z = rng.uniform(2, 10); z < zmax; z += spacing * rng.uniform(0.8, 1.2)) b.tree(outer, z);
    }
    const double lamp = rng.uniform(22, 36);
    for (double z = rng.uniform(4, 20); z < zmax; z += lamp) b.pole_with(curb, z, 0, side == 1);
    const int signs = rng.randint(1, 5);
    for (int i = 0; i < signs; ++i) b.pole_with(curb + (side == 0 ? 0.3 : -0.3), rng.uniform(6, 120), 1, side == 1);
    for (const Segment& s : w.front[side])  // traffic lights at side streets
      if (s.gap && s.z0 > 5 && rng.chance(0.7)) b.pole_with(curb, s.z0 - 1.5, 2, side == 1);
  }
  return w;
}

// ---- rendering --------------------------------------------------------------------------------

struct Buffers {
  std::vector<float> z;       // depth along the optical axis (inf = sky)
  std::vector<int32_t> surf;  // surface index
};

inline const Segment* find_segment(const std::vector<Segment>& segs, double z) {
  auto it = std::upper_bound(segs.begin(), segs.end(), z, [](double v, const Segment& s) { return v < s.z0; });
  if (it == segs.begin()) return nullptr;
  --it;
  return z < it->z1 ? &*it : nullptr;
}

inline double segment_top(const World& w, const Segment& s, double zw) {
  if (!s.vegetation_top) return s.height;
  const float n = fbm(w.noise_seed + 17, float(zw * 0.35), float(s.z0), 3);
  return s.height * (0.65 + 0.7 * n);
}

// Analytic background (sky, ground, building fronts) for one pixel.
inline void cast_background(const World& w, double camz, int x, int y, float& zout, int32_t& sout) {
  const double ax = (x + 0.5 - w.xv) / w.f, ay = (w.yh - (y + 0.5)) / w.f;
  if (w.hood_h > 0) {
    const double xn = (x + 0.5) / w.W - 0.5;
    if (y + 0.5 > w.H - w.hood_h + w.hood_curve * 4 * xn * xn) { zout = 0.0f; sout = w.s_hood; return; }
  }
  const double inf = std::numeric_limits<double>::infinity();
  const double tg = ay < 0 ? w.cam_h / -ay : inf;
  const int side = ax < 0 ? 0 : 1;
  const double xf = side == 0 ? w.front_l : w.front_r, xb = side == 0 ? w.back_l : w.back_r;
  const double tf = ax != 0 ? xf / ax : inf;
  const Segment* crossed = nullptr;
  if (tf < tg) {
    const double zw = tf + camz, Y = w.cam_h + ay * tf;
    crossed = find_segment(w.front[side], zw);
    if (crossed && !crossed->gap && Y <= segment_top(w, *crossed, zw)) { zout = float(tf); sout = crossed->surface; return; }
    const double tb = xb / ax;
    if (tb < tg) {
      const double zb = tb + camz, Yb = w.cam_h + ay * tb;
      const Segment* s = find_segment(w.back[side], zb);
      if (s && Yb <= segment_top(w, *s, zb)) { zout = float(tb); sout = s->surface; return; }
    }
  }
  if (tg == inf) { zout = float(inf); sout = w.s_sky; return; }
  const double X = ax * tg;
  zout = float(tg);
  if (X >= w.road_l && X <= w.road_r) sout = w.s_road;
  else if (X >= w.walk_l && X <= w.walk_r) sout = w.s_walk;
  else if ((X < w.front_l || X > w.front_r) && crossed && crossed->gap) sout = w.s_road;  // side street
  else sout = w.s_grass;
}

inline Vec3 object_pos(const World& w, int ob, int t) {
  const Object& o = w.objects[size_t(ob)];
  return o.pos0 + o.vel * double(t);
}

// z-buffered scan conversion of every polygon of every object near the view.
inline void raster_objects(const World& w, int t, Buffers& buf) {
  const double camz = w.vcam * t, near = 0.4, far = 260;
  std::vector<Vec2> pts;
  std::vector<Vec3> cam, clipped;
  for (const Prim& p : w.prims) {
    const Vec3 op = object_pos(w, p.object, t);
    const Vec3 off{op.x, op.y, op.z - camz};
    cam.clear();
    double zmin = 1e300, zmax = -1e300;
    for (const Vec3& v : p.v) {
      cam.push_back(v + off);
      zmin = std::min(zmin, cam.back().z), zmax = std::max(zmax, cam.back().z);
    }
    if (zmax < near || zmin > far) continue;
    const Surface& s = w.surfs[size_t(p.surface)];
    const Vec3 n = s.normal;
    const Vec3 eye{0, w.cam_h, 0};
    const double facing = n.dot(eye - cam[0]);
    if (!p.two_sided && facing <= 0) continue;  // back face
    // clip against the near plane (Sutherland–Hodgman, one plane)
    clipped.clear();
    for (size_t i = 0; i < cam.size(); ++i) {
      const Vec3 a = cam[i], b = cam[(i + 1) % cam.size()];
      const bool ia = a.z >= near, ib = b.z >= near;
      if (ia) clipped.push_back(a);
      if (ia != ib) clipped.push_back(a + (b - a) * ((near - a.z) / (b.z - a.z)));
    }
    if (clipped.size() < 3) continue;
    pts.clear();
    for (const Vec3& v : clipped) pts.push_back({w.xv + w.f * v.x / v.z, w.yh - w.f * (v.y - w.cam_h) / v.z});
    // depth on the polygon's plane: n·P = d with P = (ax Z, cam_h + ay Z, Z)
    const double d = n.dot(cam[0]) - n.y * w.cam_h;
    const double lo = std::max(near, zmin) * 0.999, hi = zmax * 1.001;
    const float* zb = buf.z.data();
    fill_polygon(pts, w.W, w.H, [&](int x, int y) {
      const double ax = (x + 0.5 - w.xv) / w.f, ay = (w.yh - (y + 0.5)) / w.f;
      const double den = n.x * ax + n.y * ay + n.z;
      double Z = std::abs(den) > 1e-12 ? d / den : hi;
      Z = std::clamp(Z, lo, hi);  // edge-on polygons: keep depth within the polygon's range
      const size_t i = size_t(y) * size_t(w.W) + size_t(x);
      if (float(Z) < zb[i]) buf.z[i] = float(Z), buf.surf[i] = p.surface;
    });
  }
}

inline float lambert(const World& w, Vec3 n) { return float(std::max(0.0, n.dot(w.sun))); }

// The colour of a pixel given its surface and world point.
inline Rgb shade(const World& w, int t, const Surface& s, double Z, double ax, double ay, int x, int y) {
  const Material& m = w.mats[size_t(s.material)];
  const double camz = w.vcam * t;
  const double fp = Z / w.f;  // metres per pixel at this depth
  const Vec3 P{ax * Z, w.cam_h + ay * Z, Z + camz};  // world point
  const uint64_t ns = m.seed;
  Rgb c;
  switch (m.kind) {
    case Mat::sky: {
      const double elev = std::atan(ay);
      const float g = float(std::clamp(elev / 0.6, 0.0, 1.0));
      c = lerp(w.sky_horizon, w.sky_top, std::sqrt(g));
      if (ay > 0.005 && w.cloudiness > 0) {  // clouds on a plane 1 km up, faded toward the horizon
        const double k = 1.0 / ay;
        const float n = fbm(w.noise_seed + 3, float(ax * k * 1.2), float(k * 1.2 + camz * 0.0), 5);
        const float cl = std::clamp((n - (1.f - w.cloudiness) * 0.75f) * 3.f, 0.f, 1.f) * float(std::min(1.0, ay * 12));
        c = lerp(c, rgb8(238, 238, 240) * (0.85f + 0.2f * n), cl * 0.9f);
      }
      return c;
    }
    case Mat::hood: {
      const float g = float((y + 0.5 - (w.H - w.hood_h)) / w.hood_h);
      c = lerp(m.base * 1.6f, m.base * 0.7f, std::clamp(g, 0.f, 1.f));
      const float refl = fbm(ns, float(x * 8.0 / w.W), float(y * 8.0 / w.W), 2);
      return c + w.sky_horizon * (0.08f * refl);
    }
    case Mat::asphalt: {
      const double X = P.x, zw = P.z;
      const float amp = float(std::clamp(0.25 / fp, 0.0, 1.0));  // fine grain fades with distance
      const float n1 = fbm(ns, float(X * 0.6), float(zw * 0.6), 2), n2 = value_noise(ns + 9, float(X * 9), float(zw * 9));
      c = m.base * (0.86f + 0.22f * n1 + amp * 0.12f * (n2 - 0.5f));
      // wheel tracks: slightly darker bands in each lane
      float mark = 0;
      const double fpz = fp * Z / std::max(w.cam_h, 0.1);
      for (auto [mx, type] : w.markings) {
        if (std::abs(X - mx) > 0.6 + fp) continue;
        float cx;
        if (type == 2) cx = box_cover(X, fp, mx - 0.2, mx - 0.08) + box_cover(X, fp, mx + 0.08, mx + 0.2);
        else cx = box_cover(X, fp, mx - 0.07, mx + 0.07);
        const float cz = type == 0 ? periodic_cover(zw, fpz, 9.0, 3.0) : 1.f;
        mark = std::max(mark, cx * cz);
      }
      if (mark > 0) {
        const float wear = 0.75f + 0.25f * n1;
        c = lerp(c, m.alt * wear, mark);
      }
      break;
    }
    case Mat::pavement: {
      const double X = P.x, zw = P.z, tile = m.p[0];
      const float joints = 1.f - periodic_cover(X - w.road_l, fp, tile, tile - 0.02) * periodic_cover(zw, fp * Z / w.cam_h, tile, tile - 0.02);
      const float tone = hash01(ns, int64_t(std::floor(X / tile)), int64_t(std::floor(zw / tile)));
      c = m.base * (0.92f + 0.1f * tone + 0.1f * (fbm(ns + 1, float(X * 0.4), float(zw * 0.4), 2) - 0.5f));
      c = c * (1.f - 0.25f * joints * float(std::clamp(0.05 / fp, 0.0, 1.0)));
      // curb stones along the road edge
      const float curb = std::max(box_cover(X, fp, w.road_l - 0.25, w.road_l), box_cover(X, fp, w.road_r, w.road_r + 0.25));
      c = lerp(c, rgb8(185, 183, 178), curb);
      break;
    }
    case Mat::grass: {
      const float n = fbm(ns, float(P.x * 0.8), float(P.z * 0.8), 3);
      c = lerp(m.base, m.alt, std::clamp(n * 1.4f - 0.3f, 0.f, 1.f)) * (0.85f + 0.3f * value_noise(ns + 2, float(P.x * 6), float(P.z * 6)));
      break;
    }
    case Mat::facade: {
      const double zw = P.z;
      const bool left = s.normal.x > 0;
      const Segment* seg = nullptr;
      for (int layer = 0; layer < 2 && !seg; ++layer) {
        const auto& list = layer == 0 ? w.front[left ? 0 : 1] : w.back[left ? 0 : 1];
        const Segment* cand = find_segment(list, zw);
        if (cand && cand->surface == int(&s - w.surfs.data())) seg = cand;
      }
      const double u = seg ? zw - seg->z0 : zw, v = P.y;
      const double len = m.p[6], height = m.p[7], floor_h = m.p[0], spacing = m.p[1], gf = m.p[4];
      const double dist = std::abs(P.x);  // distance of the plane from the camera axis
      const double fpu = fp * Z / std::max(dist, 0.5), fpv = fp;
      Rgb wall = m.base;
      if (m.p[5] > 0.5f) {
        const BrickSample bs = brick(float(u), float(v), 0.25f, 0.075f, 0.012f);
        const float tone = hash01(ns, bs.bx, bs.by);
        const float detail = float(std::clamp(0.02 / fpv, 0.0, 1.0));
        wall = lerp(m.base * (0.9f + 0.2f * tone), lerp(m.base, rgb8(190, 185, 175), 0.5f), (bs.mortar ? 1.f : 0.f) * detail * 0.6f);
      } else {
        wall = wall * (0.93f + 0.12f * fbm(ns, float(u * 0.5), float(v * 0.5), 3));
      }
      c = wall;
      const double margin = 0.6;
      const double nfloors = std::floor((height - gf - 0.8) / floor_h);
      const double ncols = std::floor((len - 2 * margin) / spacing);
      if (v < gf) {  // ground floor: shop windows and doors, darker band
        c = m.third * (0.9f + 0.1f * fbm(ns + 5, float(u), float(v), 2));
        const float win = box_cover(v, fpv, 0.5, gf - 0.6) * periodic_cover(u - margin, fpu, 4.5, 3.2) * box_cover(u, fpu, margin, len - margin);
        const float sky_refl = float(std::clamp(v / gf, 0.0, 1.0));
        c = lerp(c, lerp(m.alt, m.alt + rgb8(60, 60, 60), sky_refl), win);
        const float sign = box_cover(v, fpv, gf - 0.55, gf - 0.1) * box_cover(u, fpu, margin, len - margin);
        c = lerp(c, m.third * 0.6f + rgb8(40, 40, 40), sign * 0.6f);
      } else if (ncols >= 1 && nfloors >= 1) {
        const double colw = (len - 2 * margin) / ncols;
        const double uu = u - margin, vv = v - gf;
        const double ww = colw * m.p[2], wh = floor_h * m.p[3];
        const float in_cols = periodic_cover(uu - (colw - ww) / 2, fpu, colw, ww) * box_cover(u, fpu, margin, len - margin);
        const float in_rows = periodic_cover(vv - 0.35 * floor_h, fpv, floor_h, wh) * box_cover(vv, fpv, 0, nfloors * floor_h);
        const float win = in_cols * in_rows;
        if (win > 0) {
          const int64_t ci = int64_t(std::floor(uu / colw)), ri = int64_t(std::floor(vv / floor_h));
          const float lit = hash01(ns + 11, ci, ri);
          const float fr = float(std::fmod(vv, floor_h) / floor_h);
          Rgb glass = lerp(m.alt, w.sky_horizon * 0.7f, 0.15f + 0.35f * lit) * (0.8f + 0.3f * fr);
          if (lit > 0.93f) glass = rgb8(215, 190, 130) * 0.8f;  // a few lit rooms
          // frame: lighter border around each window
          c = lerp(c, lerp(c, rgb8(230, 228, 222), 0.5f), std::min(1.f, in_cols * periodic_cover(vv - 0.35 * floor_h - 0.08, fpv, floor_h, wh + 0.16)) * 0.5f);
          c = lerp(c, glass, win);
        }
        // cornice and floor bands
        const float band = box_cover(v, fpv, height - 0.5, height) + 0.5f * periodic_cover(vv, fpv, floor_h, 0.12);
        c = c * (1.f - 0.1f * std::min(1.f, band));
      }
      c = c * (0.96f + 0.04f * float(std::clamp(v / 3.0, 0.0, 1.0)));
      break;
    }
    case Mat::hedge: case Mat::foliage: {
      const double u = s.normal.z != 0 ? P.x : P.z, v = P.y;
      const float n1 = fbm(ns, float(u * 1.6), float(v * 1.6), 3), n2 = value_noise(ns + 4, float(u * 7), float(v * 7));
      const float detail = float(std::clamp(0.08 / fp, 0.0, 1.0));
      c = lerp(m.alt, m.base, std::clamp(0.35f + 0.9f * n1 + detail * 0.35f * (n2 - 0.5f), 0.f, 1.3f));
      break;
    }
    case Mat::wall: c = m.base * (0.9f + 0.15f * fbm(ns, float(P.z * 0.7), float(P.y * 0.7), 3)); break;
    case Mat::fence: {
      const double u = P.z;
      const float slat = periodic_cover(u, fp * Z / std::max(std::abs(P.x), 0.5), m.p[0] * 2, m.p[0]);
      c = lerp(m.base * 0.55f, m.base, slat);
      break;
    }
    default: break;
  }
  if (s.object >= 0) {
    const Vec3 op = object_pos(w, s.object, t);
    const Vec3 L = P - op;                                        // object-local point
    const double u = (L - s.origin).dot(s.eu), v = (L - s.origin).dot(s.ev);
    const float diff = lambert(w, s.normal);
    switch (m.kind) {
      case Mat::paint: {
        // paint: faces toward ±Z keep the body colour; sides and top are lit by sun / sky
        const float k = std::abs(s.normal.z) > 0.9 ? 1.0f : s.normal.y > 0.5 ? 1.12f : 0.86f + 0.2f * diff;
        c = m.base * k + rgb8(255, 255, 255) * (0.04f * float(s.normal.y > 0));
        return c;
      }
      case Mat::glass: {
        const float g = float(std::clamp(v, 0.0, 1.2));
        return lerp(m.base, m.alt, 0.15f + 0.3f * g) * (0.85f + 0.3f * diff);
      }
      case Mat::tyre: return m.base;
      case Mat::rim: return m.base * (0.7f + 0.4f * diff);
      case Mat::tail_light: case Mat::head_light: case Mat::plate: case Mat::lamp_on: return m.base;
      case Mat::lamp_off: return m.base * 0.25f;
      case Mat::skin: case Mat::cloth: case Mat::hair: case Mat::bark: case Mat::housing:
        return m.base * (0.6f + 0.45f * diff + 0.05f * value_noise(ns, float(u * 20), float(v * 20)));
      case Mat::metal: return m.base * (0.6f + 0.5f * diff) * (0.9f + 0.1f * float(std::clamp(v / 6.0, 0.0, 1.0)));
      case Mat::sign: {
        const double r = std::hypot(u, v);
        const int shape = int(m.p[0]);
        if (shape == 0) return r > 0.26 ? m.base : rgb8(235, 235, 235);             // prohibition ring
        if (shape == 1) return r < 0.12 ? rgb8(235, 235, 235) : m.base;             // blue with a white disc
        return m.base * (0.85f + 0.2f * diff);
      }
      case Mat::foliage: return c * (0.75f + 0.35f * diff);
      default: break;
    }
    return c;
  }
  // ground and fronts: sun lighting (contact shadows are applied by the caller)
  const float light = 0.72f + 0.38f * lambert(w, s.normal);
  return c * light;
}

// Renders frame t: labels, instances, image, optional flow to frame t+1.
inline StreetFrame render(const World& w, int t, bool still, bool want_flow, uint64_t noise_key) {
  const int W = w.W, H = w.H;
  const size_t N = size_t(W) * size_t(H);
  Buffers buf;
  buf.z.assign(N, 0.f);
  buf.surf.assign(N, 0);
  const double camz = w.vcam * t;
  parallel_rows(H, [&](int y) {
    for (int x = 0; x < W; ++x) cast_background(w, camz, x, y, buf.z[size_t(y) * W + x], buf.surf[size_t(y) * W + x]);
  });
  // the hood covers everything: keep its pixels out of the object pass by depth 0
  raster_objects(w, t, buf);

  StreetFrame fr;
  fr.width = W, fr.height = H;
  fr.label.resize(N);
  fr.inst.resize(N);
  // instance numbering: per class in object order; stills count only what is visible
  std::vector<int64_t> count(w.objects.size(), 0);
  for (size_t i = 0; i < N; ++i) {
    const int ob = w.surfs[size_t(buf.surf[i])].object;
    if (ob >= 0) ++count[size_t(ob)];
  }
  std::vector<int32_t> ids(w.objects.size(), 0);
  int k[34] = {0};
  for (size_t i = 0; i < w.objects.size(); ++i) {
    const Object& o = w.objects[i];
    if (!o.thing) continue;
    if (still && count[i] == 0) continue;
    ids[i] = int32_t(o.label) * 1000 + (still ? k[o.label]++ : o.k_seq);
    if (count[i] > 0) fr.instances.push_back({ids[i], o.label, o.color, count[i]});
  }
  for (size_t i = 0; i < N; ++i) {
    const Surface& s = w.surfs[size_t(buf.surf[i])];
    fr.label[i] = s.label;
    fr.inst[i] = (s.object >= 0 && w.objects[size_t(s.object)].thing) ? ids[size_t(s.object)] : int32_t(s.label);
  }
  // shading, haze, tint, then sensor noise
  // contact shadows of cars and persons on the ground: each caster darkens the ground pixels
  // inside the screen box of its (widened) footprint
  std::vector<float> shadow(N, 1.f);
  for (size_t i = 0; i < w.objects.size(); ++i) {
    const Object& o = w.objects[i];
    if (!o.casts_shadow) continue;
    const Vec3 op = object_pos(w, int(i), t);
    const double x0 = op.x + o.box_lo.x - 0.4, x1 = op.x + o.box_hi.x + 0.4;
    const double z0 = op.z + o.box_lo.z - 0.4 - camz, z1 = op.z + o.box_hi.z + 0.4 - camz;
    if (z1 < 0.5 || z0 > 170) continue;
    const double zn = std::max(z0, 0.5);
    double bx0 = 1e300, bx1 = -1e300, by0 = 1e300, by1 = -1e300;
    for (double cx : {x0, x1})
      for (double cz : {zn, z1}) {
        const double sx = w.xv + w.f * cx / cz, sy = w.yh + w.f * w.cam_h / cz;
        bx0 = std::min(bx0, sx), bx1 = std::max(bx1, sx), by0 = std::min(by0, sy), by1 = std::max(by1, sy);
      }
    const int px0 = std::max(0, int(std::floor(bx0))), px1 = std::min(W - 1, int(std::ceil(bx1)));
    const int py0 = std::max(0, int(std::floor(by0))), py1 = std::min(H - 1, int(std::ceil(by1)));
    for (int y = py0; y <= py1; ++y)
      for (int x = px0; x <= px1; ++x) {
        const size_t j = size_t(y) * W + x;
        const Surface& s = w.surfs[size_t(buf.surf[j])];
        if (s.object >= 0 || s.normal.y < 0.5 || s.label == cityscapes::ego_vehicle) continue;
        const double Z = buf.z[j], ax = (x + 0.5 - w.xv) / w.f;
        const double lx = ax * Z - op.x, lz = Z + camz - op.z;
        const double out = std::max(std::max(o.box_lo.x - lx, lx - o.box_hi.x), std::max(o.box_lo.z - lz, lz - o.box_hi.z));
        if (out < 0.35) shadow[j] *= float(0.45 + 0.55 * std::clamp((out + 0.15) / 0.5, 0.0, 1.0));
      }
  }
  std::vector<float> rgb(N * 3);
  parallel_rows(H, [&](int y) {
    for (int x = 0; x < W; ++x) {
      const size_t i = size_t(y) * W + x;
      const Surface& s = w.surfs[size_t(buf.surf[i])];
      const double ax = (x + 0.5 - w.xv) / w.f, ay = (w.yh - (y + 0.5)) / w.f;
      const double Z = buf.z[i];
      Rgb c = shade(w, t, s, std::isfinite(Z) ? Z : 1e6, ax, ay, x, y) * shadow[i];
      if (std::isfinite(Z) && s.label != cityscapes::ego_vehicle) {
        const double dist = Z * std::sqrt(1 + ax * ax + ay * ay);
        c = lerp(c, w.haze, float(1.0 - std::exp(-dist / w.haze_dist)));
      }
      c = c * w.tint;
      rgb[i * 3] = c.r, rgb[i * 3 + 1] = c.g, rgb[i * 3 + 2] = c.b;
    }
  });
  fr.image.resize(N * 3);
  parallel_rows(H, [&](int y) {
    for (int x = 0; x < W; ++x) {
      const size_t i = size_t(y) * W + x;
      float acc[3] = {rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]};
      // soften surface boundaries (the image-side anti-aliasing; labels stay hard)
      const int32_t sc = buf.surf[i];
      bool edge = false;
      if (x > 0 && buf.surf[i - 1] != sc) edge = true;
      if (x + 1 < W && buf.surf[i + 1] != sc) edge = true;
      if (y > 0 && buf.surf[i - W] != sc) edge = true;
      if (y + 1 < H && buf.surf[i + W] != sc) edge = true;
      if (edge) {
        float sum[3] = {4 * acc[0], 4 * acc[1], 4 * acc[2]};
        float wsum = 4;
        const int nb[4][2] = {{-1, 0}, {1, 0}, {0, -1}, {0, 1}};
        for (auto& d : nb) {
          const int xx = x + d[0], yy = y + d[1];
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          const size_t j = size_t(yy) * W + xx;
          for (int c = 0; c < 3; ++c) sum[c] += rgb[j * 3 + size_t(c)];
          wsum += 1;
        }
        for (int c = 0; c < 3; ++c) acc[c] = sum[c] / wsum;
      }
      for (int c = 0; c < 3; ++c) {
        const uint64_t h = mix64(noise_key ^ (uint64_t(i) * 3 + uint64_t(c)));
        const float g = (float(h & 0xFFFF) + float((h >> 16) & 0xFFFF) + float((h >> 32) & 0xFFFF)) / 65536.f - 1.5f;
        fr.image[i * 3 + size_t(c)] = to_u8(acc[c] + g * 0.012f);
      }
    }
  });
  if (want_flow) {
    fr.flow.assign(N * 2, 0.f);
    parallel_rows(H, [&](int y) {
      for (int x = 0; x < W; ++x) {
        const size_t i = size_t(y) * W + x;
        const double Z = buf.z[i];
        const Surface& s = w.surfs[size_t(buf.surf[i])];
        if (!std::isfinite(Z) || s.label == cityscapes::ego_vehicle) continue;  // sky at infinity, hood rides along
        const double ax = (x + 0.5 - w.xv) / w.f, ay = (w.yh - (y + 0.5)) / w.f;
        Vec3 P{ax * Z, w.cam_h + ay * Z, Z};
        if (s.object >= 0) P = P + w.objects[size_t(s.object)].vel;
        P.z -= w.vcam;
        if (P.z < 1e-3) P.z = 1e-3;  // passes behind the camera: clamp (only at the very image border)
        const double x2 = w.xv + w.f * P.x / P.z, y2 = w.yh - w.f * (P.y - w.cam_h) / P.z;
        fr.flow[i * 2] = float(x2 - (x + 0.5));
        fr.flow[i * 2 + 1] = float(y2 - (y + 0.5));
      }
    });
  }
  return fr;
}

inline void check_size(const char* op, int width, int height) {
  GANLIB_CHECK(width >= 16 && height >= 16 && width <= 4096 && height <= 4096, op, ": size ", width, "x", height,
               " out of range (16…4096 per side)");
}

inline std::string frame_name(int i) {
  char b[32];
  std::snprintf(b, sizeof b, "%05d.png", i);
  return b;
}

}  // namespace street_detail

// One street scene: a pure function of (seed, index, width, height).
inline StreetFrame generate_street(uint64_t seed, uint64_t index, int width, int height) {
  street_detail::check_size("generate_street", width, height);
  const uint64_t stream = hash_combine(0x5354524545545331ull /* "STREETS1" */, index);
  const auto w = street_detail::build_world(seed, stream, width, height, 1);
  return street_detail::render(w, 0, true, false, hash_combine(seed, stream));
}

// A street video: the camera drives forward, vehicles and persons move. frames[t].flow is the
// exact forward flow t → t+1 at pixel centres (empty for the last frame); instance ids persist
// over the sequence (k numbers instances of a class over the whole sequence).
inline std::vector<StreetFrame> generate_street_sequence(uint64_t seed, uint64_t seq, int n_frames, int width, int height) {
  street_detail::check_size("generate_street_sequence", width, height);
  GANLIB_CHECK(n_frames >= 1, "generate_street_sequence: n_frames must be >= 1, got ", n_frames);
  const uint64_t stream = hash_combine(0x5354524545545651ull /* "STREETVQ" */, seq);
  const auto w = street_detail::build_world(seed, stream, width, height, std::max(n_frames, 2));
  std::vector<StreetFrame> out;
  for (int t = 0; t < n_frames; ++t)
    out.push_back(street_detail::render(w, t, false, t + 1 < n_frames, hash_combine(hash_combine(seed, stream), uint64_t(t))));
  return out;
}

// Colourised label map (pix2pixHD's 35-entry palette), h·w·3 RGB.
inline std::vector<uint8_t> colorize_labels(const StreetFrame& f) { return cityscapes::colorize(f.label); }

namespace street_detail {
inline void write_frame(const StreetFrame& f, const std::string& label_path, const std::string& inst_path, const std::string& img_path) {
  png::write_png(label_path, f.width, f.height, 1, 8, f.label.data());
  std::vector<uint16_t> inst16(f.inst.size());
  for (size_t i = 0; i < f.inst.size(); ++i) inst16[i] = uint16_t(f.inst[i]);
  png::write_png(inst_path, f.width, f.height, 1, 16, inst16.data());
  png::write_png(img_path, f.width, f.height, 3, 8, f.image.data());
}
}  // namespace street_detail

// pix2pixHD layout: <root>/<phase>_label/NNNNN.png (8-bit ids), <phase>_inst/NNNNN.png (16-bit),
// <phase>_img/NNNNN.png (RGB). Scene i is generate_street(seed, i, width, height).
inline void write_streets_dataset(const std::string& root, const std::string& phase, int count, int width, int height,
                                  uint64_t seed) {
  namespace fs = std::filesystem;
  GANLIB_CHECK(count >= 0, "write_streets_dataset: negative count ", count);
  for (const char* sub : {"_label", "_inst", "_img"}) fs::create_directories(fs::path(root) / (phase + sub));
  for (int i = 0; i < count; ++i) {
    const StreetFrame f = generate_street(seed, uint64_t(i), width, height);
    const std::string name = street_detail::frame_name(i);
    street_detail::write_frame(f, (fs::path(root) / (phase + "_label") / name).string(),
                               (fs::path(root) / (phase + "_inst") / name).string(),
                               (fs::path(root) / (phase + "_img") / name).string());
  }
}

// vid2vid layout: <root>/<phase>_A/<seq>/NNNNN.png (labels), <phase>_B/<seq>/ (images),
// <phase>_inst/<seq>/ (16-bit instances); with write_flow also <phase>_flow/<seq>/NNNNN.flo
// (forward flow t → t+1, n_frames − 1 files). Sequence names are seq_NNNNN.
inline void write_streets_video_dataset(const std::string& root, const std::string& phase, int n_sequences, int n_frames,
                                        int width, int height, uint64_t seed, bool write_flow = false) {
  namespace fs = std::filesystem;
  GANLIB_CHECK(n_sequences >= 0, "write_streets_video_dataset: negative sequence count ", n_sequences);
  for (int s = 0; s < n_sequences; ++s) {
    char sq[32];
    std::snprintf(sq, sizeof sq, "seq_%05d", s);
    const fs::path A = fs::path(root) / (phase + "_A") / sq, B = fs::path(root) / (phase + "_B") / sq,
                   I = fs::path(root) / (phase + "_inst") / sq, F = fs::path(root) / (phase + "_flow") / sq;
    fs::create_directories(A), fs::create_directories(B), fs::create_directories(I);
    if (write_flow) fs::create_directories(F);
    const auto frames = generate_street_sequence(seed, uint64_t(s), n_frames, width, height);
    for (int t = 0; t < n_frames; ++t) {
      const std::string name = street_detail::frame_name(t);
      street_detail::write_frame(frames[size_t(t)], (A / name).string(), (I / name).string(), (B / name).string());
      if (write_flow && !frames[size_t(t)].flow.empty()) {
        const std::string fname = name.substr(0, 5) + ".flo";
        FILE* f = std::fopen((F / fname).string().c_str(), "wb");
        GANLIB_CHECK(f, "write_streets_video_dataset: cannot write ", (F / fname).string());
        const float magic = 202021.25f;
        const int32_t wh[2] = {width, height};
        std::fwrite(&magic, 4, 1, f);
        std::fwrite(wh, 4, 2, f);
        const size_t n = std::fwrite(frames[size_t(t)].flow.data(), 4, frames[size_t(t)].flow.size(), f);
        const int rc = std::fclose(f);
        GANLIB_CHECK(n == frames[size_t(t)].flow.size() && rc == 0, "write_streets_video_dataset: short write ", fname);
      }
    }
  }
}

}  // namespace ganlib::synth
