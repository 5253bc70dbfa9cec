// zoo/pix2pixhd/features.hpp — instance-feature styles (zoo.md §1.6): encode every training
// instance with E, cluster each semantic class's features with k-means, save the centres, and
// paint one centre per instance at inference.
// Contract: an instance id ≥ 1000 belongs to class id / 1000, a smaller id is its own class. Per
// instance, the sample is E's (instance-constant) feature at the instance's middle pixel in
// row-major order plus the area statistic pixels / (H·W / 32); clustering keeps samples with area
// > 0.5 and runs k-means with k = min(n, n_clusters) (k-means++ seeding, n_init 10, seed 0 as
// scikit-learn's defaults; our own implementation, so centres agree up to the local optimum found).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <ganlib/core/philox.hpp>
#include <ganlib/io/safetensors.hpp>

#include "model.hpp"

namespace ganlib::zoo::pix2pixhd {

// Samples per class: rows of feat_num values followed by the area statistic.
using ClassFeatures = std::map<int64_t, std::vector<std::vector<double>>>;
// Cluster centres per class: k rows of feat_num values.
using ClassCenters = std::map<int64_t, std::vector<std::vector<double>>>;

inline int64_t instance_class(int64_t id) { return id < 1000 ? id : id / 1000; }

// One image's instances: feat [1, F, H, W] (E's pooled output), inst [1, 1, H, W].
template <class T, class B>
ClassFeatures instance_samples(const Tensor<T, B>& feat, const Tensor<T, B>& inst) {
  GANLIB_CHECK(feat.dim() == 4 && inst.dim() == 4 && feat.size(0) == 1 && inst.size(0) == 1 && inst.size(1) == 1 &&
                   feat.size(2) == inst.size(2) && feat.size(3) == inst.size(3),
               "pix2pixhd instance_samples: features ", to_string(feat.shape()), " and instance map ",
               to_string(inst.shape()), " must be [1, F, H, W] and [1, 1, H, W]");
  const int64_t F = feat.size(1), H = inst.size(2), W = inst.size(3), HW = H * W;
  const std::vector<T> f = feat.to_vector(), id = inst.to_vector();
  std::map<int64_t, std::vector<int64_t>> pixels;  // sorted ids, as np.unique
  for (int64_t i = 0; i < HW; ++i) pixels[int64_t(id[size_t(i)])].push_back(i);
  const double block = double(HW / 32);  // h * w // block_num
  ClassFeatures out;
  for (auto& [i, px] : pixels) {
    const int64_t mid = px[px.size() / 2];
    std::vector<double> row(size_t(F + 1));
    for (int64_t k = 0; k < F; ++k) row[size_t(k)] = double(f[size_t(k * HW + mid)]);
    row[size_t(F)] = double(px.size()) / block;
    out[instance_class(i)].push_back(std::move(row));
  }
  return out;
}

inline void append(ClassFeatures& all, const ClassFeatures& more) {
  for (auto& [c, rows] : more) all[c].insert(all[c].end(), rows.begin(), rows.end());
}

// Lloyd's k-means with k-means++ seeding, best of n_init runs by inertia. Deterministic in seed.
inline std::vector<std::vector<double>> kmeans(const std::vector<std::vector<double>>& x, int64_t k, uint64_t seed = 0,
                                               int n_init = 10, int max_iter = 300) {
  GANLIB_CHECK(!x.empty() && k >= 1 && k <= int64_t(x.size()), "kmeans: k ", k, " must be in 1..", x.size());
  const size_t n = x.size(), d = x[0].size();
  for (auto& r : x) GANLIB_CHECK(r.size() == d, "kmeans: rows of different lengths (", r.size(), " vs ", d, ")");
  auto dist2 = [&](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
  };
  uint64_t counter = 0;
  auto uniform = [&]() {
    const auto blk = philox::draw(seed, 0x4b4d45414e53ull /* "KMEANS" */, counter++);
    return double((uint64_t(blk.v[0]) << 21) ^ blk.v[1]) * 0x1.0p-53;
  };
  std::vector<std::vector<double>> best;
  double best_inertia = std::numeric_limits<double>::infinity();
  for (int run = 0; run < n_init; ++run) {
    // k-means++: first centre uniform, then each with probability ∝ squared distance.
    std::vector<std::vector<double>> c{x[std::min(n - 1, size_t(uniform() * double(n)))]};
    std::vector<double> dmin(n);
    for (size_t i = 0; i < n; ++i) dmin[i] = dist2(x[i], c[0]);
    while (int64_t(c.size()) < k) {
      double total = 0;
      for (double v : dmin) total += v;
      size_t pick = 0;
      if (total <= 0) {
        pick = std::min(n - 1, size_t(uniform() * double(n)));
      } else {
        double r = uniform() * total;
        for (pick = 0; pick + 1 < n && (r -= dmin[pick]) > 0; ++pick) {}
      }
      c.push_back(x[pick]);
      for (size_t i = 0; i < n; ++i) dmin[i] = std::min(dmin[i], dist2(x[i], c.back()));
    }
    std::vector<size_t> assign(n, 0);
    double inertia = 0;
    for (int it = 0; it < max_iter; ++it) {
      bool changed = it == 0;
      inertia = 0;
      for (size_t i = 0; i < n; ++i) {
        size_t a = 0;
        double bd = dist2(x[i], c[0]);
        for (size_t j = 1; j < c.size(); ++j)
          if (double dj = dist2(x[i], c[j]); dj < bd) bd = dj, a = j;
        if (a != assign[i]) changed = true, assign[i] = a;
        inertia += bd;
      }
      if (!changed) break;
      std::vector<std::vector<double>> sum(c.size(), std::vector<double>(d, 0.0));
      std::vector<size_t> cnt(c.size(), 0);
      for (size_t i = 0; i < n; ++i) {
        ++cnt[assign[i]];
        for (size_t j = 0; j < d; ++j) sum[assign[i]][j] += x[i][j];
      }
      for (size_t j = 0; j < c.size(); ++j)
        if (cnt[j])  // an emptied cluster keeps its centre
          for (size_t t = 0; t < d; ++t) c[j][t] = sum[j][t] / double(cnt[j]);
    }
    if (inertia < best_inertia) best_inertia = inertia, best = c;
  }
  return best;
}

// The reference's encode_features.py clustering: per class, samples with area > 0.5, k-means
// with k = min(n, n_clusters).
inline ClassCenters cluster_features(const ClassFeatures& features, int64_t n_clusters, uint64_t seed = 0) {
  ClassCenters centers;
  for (auto& [cls, rows] : features) {
    std::vector<std::vector<double>> kept;
    for (auto& r : rows)
      if (r.back() > 0.5) kept.emplace_back(r.begin(), r.end() - 1);
    if (kept.empty()) continue;
    centers[cls] = kmeans(kept, std::min<int64_t>(int64_t(kept.size()), n_clusters), seed);
  }
  return centers;
}

// Saved as safetensors: one [k, feat_num] tensor per class named "class_<id>".
inline void save_centers(const std::string& path, const ClassCenters& centers, int64_t feat_num) {
  safetensors::File f;
  for (auto& [cls, c] : centers) {
    std::vector<double> flat;
    for (auto& r : c) flat.insert(flat.end(), r.begin(), r.end());
    f.tensors["class_" + std::to_string(cls)] = safetensors::make_entry(flat, {int64_t(c.size()), feat_num});
  }
  f.metadata["feat_num"] = std::to_string(feat_num);
  safetensors::save(path, f);
}

inline ClassCenters load_centers(const std::string& path, int64_t feat_num) {
  GANLIB_CHECK(std::filesystem::exists(path), "pix2pixhd: cluster file '", path,
               "' does not exist (run pix2pixhd_encode_features first)");
  const safetensors::File f = safetensors::load(path);
  ClassCenters out;
  for (auto& [k, e] : f.tensors) {
    GANLIB_CHECK(k.rfind("class_", 0) == 0 && e.shape.size() == 2 && e.shape[1] == feat_num,
                 "pix2pixhd: cluster file '", path, "': tensor \"", k, "\" ", to_string(e.shape),
                 " is not a class_<id> [k, ", feat_num, "] table (was it made with another --feat_num?)");
    const auto v = e.to_double();
    auto& rows = out[std::stoll(k.substr(6))];
    for (int64_t r = 0; r < e.shape[0]; ++r)
      rows.emplace_back(v.begin() + r * feat_num, v.begin() + (r + 1) * feat_num);
  }
  return out;
}

// sample_features: for each instance of inst [N, 1, H, W], the centre of its class chosen by
// `style` (index mod k) or, when style < 0, uniformly at random from (seed, image, instance).
// Instances of classes without centres get 0 (the reference leaves them uninitialised).
template <class T, class B>
Tensor<T, B> sample_feature_map(const Tensor<T, B>& inst, const ClassCenters& centers, int64_t feat_num,
                                int64_t style, uint64_t seed) {
  GANLIB_CHECK(inst.dim() == 4 && inst.size(1) == 1, "pix2pixhd sample_feature_map: instance map ",
               to_string(inst.shape()), " must be [N, 1, H, W]");
  const int64_t N = inst.size(0), HW = inst.size(2) * inst.size(3);
  const std::vector<T> id = inst.to_vector();
  std::vector<T> out(size_t(N * feat_num * HW), T(0));
  for (int64_t b = 0; b < N; ++b) {
    std::map<int64_t, const std::vector<double>*> chosen;
    for (int64_t i = 0; i < HW; ++i) {
      const int64_t v = int64_t(id[size_t(b * HW + i)]);
      auto it = chosen.find(v);
      if (it == chosen.end()) {
        const std::vector<double>* row = nullptr;
        if (auto c = centers.find(instance_class(v)); c != centers.end() && !c->second.empty()) {
          const int64_t k = int64_t(c->second.size());
          int64_t pick = style >= 0 ? style % k : 0;
          if (style < 0) {
            const auto blk = philox::draw(seed, uint64_t(v), uint64_t(b));
            pick = int64_t(blk.v[0] % uint32_t(k));
          }
          row = &c->second[size_t(pick)];
        }
        it = chosen.emplace(v, row).first;
      }
      if (it->second)
        for (int64_t k = 0; k < feat_num; ++k) out[size_t((b * feat_num + k) * HW + i)] = T((*it->second)[size_t(k)]);
    }
  }
  return from_vector<T, B>(out, {N, feat_num, inst.size(2), inst.size(3)});
}

}  // namespace ganlib::zoo::pix2pixhd
