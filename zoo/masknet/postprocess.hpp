// zoo/masknet/postprocess.hpp — from head outputs to label and instance maps (Panoptic-DeepLab's
// post-processing): argmax labels; centres = local maxima of the heat-map (NMS by a k×k max-pool)
// above a threshold, top-k; each thing pixel is grouped to the centre nearest to pixel + offset;
// each group takes the majority class of its pixels and the id class·1000 + k.
// Contract: k counts a class's instances from 0 in descending centre score; groups smaller than
// min_area are dropped (their pixels keep id = label id, Cityscapes' convention for thing pixels
// without an instance); in the returned panoptic maps a grouped pixel's label is its instance's
// class, so label and instance maps agree (id / 1000 == label) as pix2pixHD expects.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "ganlib/autograd/grad_mode.hpp"
#include "ganlib/ops/pool.hpp"
#include "heads.hpp"
#include "options.hpp"
#include "targets.hpp"

namespace ganlib::zoo::masknet {

struct Center {
  int y = 0, x = 0;
  float score = 0;
};

// Per image, the argmax over dim 1 of logits [N, C, H, W] (ties: the lowest class id).
template <class T, class B>
std::vector<std::vector<int32_t>> argmax_labels(const Tensor<T, B>& logits) {
  GANLIB_CHECK(logits.dim() == 4, "masknet argmax_labels: logits must be [N, C, H, W], got ", to_string(logits.shape()));
  const auto v = logits.to_vector();
  const int64_t N = logits.size(0), C = logits.size(1), hw = logits.size(2) * logits.size(3);
  std::vector<std::vector<int32_t>> out(static_cast<size_t>(N));
  std::vector<T> best(static_cast<size_t>(hw));
  for (int64_t n = 0; n < N; ++n) {
    auto& lab = out[size_t(n)];
    lab.assign(size_t(hw), 0);
    const T* p = v.data() + n * C * hw;
    std::copy(p, p + hw, best.begin());
    for (int64_t c = 1; c < C; ++c) {
      const T* q = p + c * hw;
      for (int64_t i = 0; i < hw; ++i)
        if (q[i] > best[size_t(i)]) best[size_t(i)] = q[i], lab[size_t(i)] = int32_t(c);
    }
  }
  return out;
}

// Centres of each image of a heat-map [N, 1, H, W]: pixels equal to their k×k max-pool and
// above the threshold, highest score first, at most top_k.
template <class T, class B>
std::vector<std::vector<Center>> find_centers(const Tensor<T, B>& center, const PostprocessOptions& o) {
  GANLIB_CHECK(center.dim() == 4 && center.size(1) == 1, "masknet find_centers: heat-map must be [N, 1, H, W], got ",
               to_string(center.shape()));
  GANLIB_CHECK(o.nms_kernel >= 1 && o.nms_kernel % 2 == 1, "masknet find_centers: nms_kernel ", o.nms_kernel,
               " must be odd and positive");
  GANLIB_CHECK(o.top_k >= 1 && o.top_k <= 1000, "masknet find_centers: top_k ", o.top_k,
               " must be in 1..1000 (instance ids are class·1000 + k)");
  no_grad guard;
  const auto pooled = max_pool2d(center.detach(), o.nms_kernel, 1, o.nms_kernel / 2).to_vector();
  const auto v = center.to_vector();
  const int64_t N = center.size(0), H = center.size(2), W = center.size(3);
  std::vector<std::vector<Center>> out(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    auto& cs = out[size_t(n)];
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        const size_t i = size_t((n * H + y) * W + x);
        if (v[i] == pooled[i] && double(v[i]) > o.center_threshold) cs.push_back({int(y), int(x), float(v[i])});
      }
    std::stable_sort(cs.begin(), cs.end(), [](const Center& a, const Center& b) { return a.score > b.score; });
    if (int64_t(cs.size()) > o.top_k) cs.resize(size_t(o.top_k));
  }
  return out;
}

// For each pixel of a thing class (by `labels`), the index of the centre nearest to
// (y + dy, x + dx); −1 for stuff pixels or when there is no centre. offset: 2·h·w (dy plane, dx plane).
inline std::vector<int32_t> group_pixels(const std::vector<int32_t>& labels, const std::vector<float>& offset, int width,
                                         int height, const std::vector<Center>& centers, const std::vector<bool>& thing) {
  const size_t hw = size_t(width) * size_t(height);
  GANLIB_CHECK(labels.size() == hw && offset.size() == 2 * hw, "masknet group_pixels: ", labels.size(),
               " labels and ", offset.size(), " offset values for a ", width, " x ", height, " frame");
  std::vector<int32_t> g(hw, -1);
  if (centers.empty()) return g;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const size_t i = size_t(y) * size_t(width) + size_t(x);
      const int32_t l = labels[i];
      if (l < 0 || l >= int32_t(thing.size()) || !thing[size_t(l)]) continue;
      const float py = float(y) + offset[i], px = float(x) + offset[hw + i];
      float best = 0;
      int32_t arg = -1;
      for (size_t k = 0; k < centers.size(); ++k) {
        const float dy = py - float(centers[k].y), dx = px - float(centers[k].x);
        const float d = dy * dy + dx * dx;
        if (arg < 0 || d < best) best = d, arg = int32_t(k);
      }
      g[i] = arg;
    }
  return g;
}

// Panoptic maps from semantic labels and pixel groups (see the file's contract).
inline PanopticMaps assemble_panoptic(const std::vector<int32_t>& labels, const std::vector<int32_t>& groups, int width,
                                      int height, size_t n_centers, const std::vector<bool>& thing,
                                      const PostprocessOptions& o) {
  const size_t hw = size_t(width) * size_t(height);
  GANLIB_CHECK(labels.size() == hw && groups.size() == hw, "masknet assemble_panoptic: ", labels.size(), " labels and ",
               groups.size(), " groups for a ", width, " x ", height, " frame");
  const size_t C = thing.size();
  std::vector<int64_t> votes(n_centers * C, 0), area(n_centers, 0);
  for (size_t i = 0; i < hw; ++i) {
    const int32_t g = groups[i];
    if (g < 0) continue;
    GANLIB_CHECK(size_t(g) < n_centers, "masknet assemble_panoptic: group ", g, " of pixel ", i, " but only ",
                 n_centers, " centres");
    ++votes[size_t(g) * C + size_t(labels[i])], ++area[size_t(g)];
  }
  std::vector<int32_t> id(n_centers, -1), cls(n_centers, -1);
  std::vector<int32_t> next_k(C, 0);
  for (size_t k = 0; k < n_centers; ++k) {  // centres come sorted by score: k follows it
    if (area[k] == 0 || area[k] < o.min_area) continue;
    const auto* v = votes.data() + k * C;
    cls[k] = int32_t(std::max_element(v, v + C) - v);
    id[k] = cls[k] * 1000 + next_k[size_t(cls[k])]++;
  }
  PanopticMaps m;
  m.width = width, m.height = height;
  m.label = labels;
  m.inst.resize(hw);
  for (size_t i = 0; i < hw; ++i) {
    const int32_t g = groups[i];
    if (g >= 0 && id[size_t(g)] >= 0) m.label[i] = cls[size_t(g)], m.inst[i] = id[size_t(g)];
    else m.inst[i] = labels[i];
  }
  return m;
}

struct PanopticResult {
  std::vector<int32_t> semantic;  // argmax labels (before the instance vote)
  PanopticMaps panoptic;          // consistent label and instance maps
  std::vector<Center> centers;
};

// The whole post-processing for full-resolution head outputs.
template <class T, class B>
std::vector<PanopticResult> postprocess(const MaskNetOutput<T, B>& out, const std::vector<bool>& thing,
                                        const PostprocessOptions& o = {}) {
  GANLIB_CHECK(out.logits.dim() == 4 && out.offset.dim() == 4 && out.offset.size(1) == 2 &&
                   out.offset.size(2) == out.logits.size(2) && out.offset.size(3) == out.logits.size(3),
               "masknet postprocess: logits ", to_string(out.logits.shape()), " and offsets ",
               to_string(out.offset.shape()), " do not match");
  GANLIB_CHECK(int64_t(thing.size()) == out.logits.size(1), "masknet postprocess: ", thing.size(),
               " thing flags for ", out.logits.size(1), " classes");
  const auto labels = argmax_labels(out.logits);
  const auto centers = find_centers(out.center, o);
  const auto off = out.offset.to_vector();
  const int H = int(out.logits.size(2)), W = int(out.logits.size(3));
  const size_t hw = size_t(H) * size_t(W);
  std::vector<PanopticResult> res;
  for (size_t n = 0; n < labels.size(); ++n) {
    std::vector<float> o2(off.begin() + ptrdiff_t(n * 2 * hw), off.begin() + ptrdiff_t((n + 1) * 2 * hw));
    const auto g = group_pixels(labels[n], o2, W, H, centers[n], thing);
    res.push_back({labels[n], assemble_panoptic(labels[n], g, W, H, centers[n].size(), thing, o), centers[n]});
  }
  return res;
}

}  // namespace ganlib::zoo::masknet
