// zoo/masknet/targets.hpp — training targets from a label map and an instance map (Panoptic-
// DeepLab): semantic ids, a centre heat-map with a Gaussian at each thing instance's centroid,
// and per-pixel offsets from each instance pixel to its centroid.
// Contract: maps are row-major h·w; instance ids follow Cityscapes (things class·1000 + k,
// everything else < 1000); only ids ≥ 1000 whose class (id / 1000) is a thing get targets.
// Offsets are (dy, dx) = centroid − pixel in pixels; their weight is 1 on instance pixels, else 0.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "ganlib/core/error.hpp"
#include "ganlib/ops/factory.hpp"
#include "options.hpp"

namespace ganlib::zoo::masknet {

// One frame's label and instance maps on the host.
struct PanopticMaps {
  int width = 0, height = 0;
  std::vector<int32_t> label;  // h·w label ids
  std::vector<int32_t> inst;   // h·w instance ids (things class·1000 + k; stuff = label id)
};

struct InstanceCentroid {
  int32_t id = 0;
  double y = 0, x = 0;  // mean pixel coordinates (pixel centres at integers)
  int64_t area = 0;
};

// Centroids of the thing instances in `inst` (ids ≥ 1000 whose class is a thing), by id.
inline std::vector<InstanceCentroid> instance_centroids(const PanopticMaps& m, const std::vector<bool>& thing) {
  GANLIB_CHECK(m.width > 0 && m.height > 0 && m.inst.size() == size_t(m.width) * size_t(m.height),
               "masknet targets: instance map holds ", m.inst.size(), " values for a ", m.width, " x ",
               m.height, " frame");
  std::map<int32_t, InstanceCentroid> acc;
  for (int y = 0; y < m.height; ++y)
    for (int x = 0; x < m.width; ++x) {
      const int32_t id = m.inst[size_t(y) * size_t(m.width) + size_t(x)];
      if (id < 1000) continue;
      const int32_t cls = id / 1000;
      if (cls >= int32_t(thing.size()) || !thing[size_t(cls)]) continue;
      auto& c = acc[id];
      c.id = id, c.y += y, c.x += x, ++c.area;
    }
  std::vector<InstanceCentroid> out;
  for (auto& [id, c] : acc) {
    c.y /= double(c.area), c.x /= double(c.area);
    out.push_back(c);
  }
  return out;
}

// Host targets of one frame.
struct FrameTargets {
  std::vector<float> semantic;       // h·w ids (ignore_index where the id is ≥ num_classes)
  std::vector<float> center;         // h·w heat-map
  std::vector<float> offset;         // 2·h·w: plane 0 dy, plane 1 dx
  std::vector<float> offset_weight;  // h·w
};

inline FrameTargets make_targets(const PanopticMaps& m, int64_t num_classes, const std::vector<bool>& thing,
                                 const LossOptions& lo = {}) {
  GANLIB_CHECK(m.label.size() == size_t(m.width) * size_t(m.height), "masknet targets: label map holds ",
               m.label.size(), " values for a ", m.width, " x ", m.height, " frame");
  GANLIB_CHECK(lo.center_sigma > 0, "masknet targets: centre sigma must be positive, got ", lo.center_sigma);
  const size_t hw = size_t(m.width) * size_t(m.height);
  FrameTargets t;
  t.semantic.resize(hw);
  for (size_t i = 0; i < hw; ++i) {
    const int32_t l = m.label[i];
    t.semantic[i] = (l >= 0 && l < num_classes) ? float(l) : float(lo.ignore_index);
  }
  t.center.assign(hw, 0.f);
  t.offset.assign(2 * hw, 0.f);
  t.offset_weight.assign(hw, 0.f);
  const auto cents = instance_centroids(m, thing);
  const double s2 = 2 * lo.center_sigma * lo.center_sigma;
  const int r = int(std::ceil(3 * lo.center_sigma));
  std::map<int32_t, const InstanceCentroid*> by_id;
  for (auto& c : cents) {
    by_id[c.id] = &c;
    // Gaussian around the centroid, cut at 3σ; overlapping instances keep the larger value.
    const int cy = int(std::lround(c.y)), cx = int(std::lround(c.x));
    for (int y = std::max(0, cy - r); y <= std::min(m.height - 1, cy + r); ++y)
      for (int x = std::max(0, cx - r); x <= std::min(m.width - 1, cx + r); ++x) {
        const double d2 = (y - c.y) * (y - c.y) + (x - c.x) * (x - c.x);
        float& v = t.center[size_t(y) * size_t(m.width) + size_t(x)];
        v = std::max(v, float(std::exp(-d2 / s2)));
      }
  }
  for (int y = 0; y < m.height; ++y)
    for (int x = 0; x < m.width; ++x) {
      const size_t i = size_t(y) * size_t(m.width) + size_t(x);
      auto it = by_id.find(m.inst[i]);
      if (it == by_id.end()) continue;
      t.offset[i] = float(it->second->y - y);
      t.offset[hw + i] = float(it->second->x - x);
      t.offset_weight[i] = 1.f;
    }
  return t;
}

// A batch of targets as tensors: semantic [N, H, W], center [N, 1, H, W], offset [N, 2, H, W],
// offset_weight [N, 1, H, W].
template <class T = float, class B = default_backend>
struct BatchTargets {
  Tensor<T, B> semantic, center, offset, offset_weight;
};

template <class T = float, class B = default_backend>
BatchTargets<T, B> batch_targets(const std::vector<PanopticMaps>& frames, int64_t num_classes,
                                 const std::vector<bool>& thing, const LossOptions& lo = {}) {
  GANLIB_CHECK(!frames.empty(), "masknet targets: empty batch");
  const int w = frames[0].width, h = frames[0].height;
  std::vector<T> s, c, o, ow;
  for (auto& f : frames) {
    GANLIB_CHECK(f.width == w && f.height == h, "masknet targets: frames of different sizes in one batch (",
                 f.width, " x ", f.height, " and ", w, " x ", h, ")");
    const auto t = make_targets(f, num_classes, thing, lo);
    s.insert(s.end(), t.semantic.begin(), t.semantic.end());
    c.insert(c.end(), t.center.begin(), t.center.end());
    o.insert(o.end(), t.offset.begin(), t.offset.end());
    ow.insert(ow.end(), t.offset_weight.begin(), t.offset_weight.end());
  }
  const int64_t N = int64_t(frames.size());
  return {from_vector<T, B>(s, {N, h, w}), from_vector<T, B>(c, {N, 1, h, w}), from_vector<T, B>(o, {N, 2, h, w}),
          from_vector<T, B>(ow, {N, 1, h, w})};
}

}  // namespace ganlib::zoo::masknet
