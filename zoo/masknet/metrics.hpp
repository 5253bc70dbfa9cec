// zoo/masknet/metrics.hpp — segmentation metrics: pixel accuracy, per-class IoU and mean IoU
// (a confusion matrix accumulated over a set, as Cityscapes' evaluation), and panoptic quality
// PQ = SQ·RQ (Kirillov et al.; the matching rules of cocodataset/panopticapi's pq_compute).
// Contract: pixels whose ground-truth label is not an evaluated class are void: they count in no
// metric. IoU and PQ are averaged over evaluated classes that occur (in truth or prediction) in
// the set; a class that never occurs is NaN and left out of the means.
// PQ: a segment is a thing instance (id ≥ 1000) or all pixels of a stuff class; predicted and
// true segments of the same class match when IoU > 0.5 (unique); void pixels are removed from a
// predicted segment's area, and an unmatched prediction that is over half void or over half on
// a same-class crowd region (thing pixels without instance id) is not a false positive.
// Predicted thing pixels without an instance id are void predictions (no segment).
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "ganlib/core/error.hpp"
#include "ganlib/data/synthetic/cityscapes_ids.hpp"
#include "targets.hpp"

namespace ganlib::zoo::masknet {

// The Cityscapes evaluation classes (the 19 with a training id), as label-id flags.
inline std::vector<bool> cityscapes_eval_classes(int64_t num_classes) {
  std::vector<bool> e(size_t(num_classes), false);
  for (int64_t c = 0; c < num_classes && c < int64_t(cityscapes::train_id.size()); ++c)
    e[size_t(c)] = cityscapes::train_id[size_t(c)] != 255;
  return e;
}

class ConfusionMatrix {
 public:
  // evaluated[c]: whether class c is scored; the matrix is num_classes × num_classes.
  explicit ConfusionMatrix(std::vector<bool> evaluated) : eval_(std::move(evaluated)), n_(eval_.size()), m_(n_ * n_, 0) {
    GANLIB_CHECK(n_ > 0, "masknet ConfusionMatrix: no classes");
  }
  size_t num_classes() const { return n_; }

  // Adds one frame. Ground-truth pixels of unevaluated classes are void; a predicted id outside
  // 0…num_classes−1 is an error.
  void add(const std::vector<int32_t>& truth, const std::vector<int32_t>& pred) {
    GANLIB_CHECK(truth.size() == pred.size(), "masknet ConfusionMatrix: ", truth.size(), " true labels but ",
                 pred.size(), " predicted");
    for (size_t i = 0; i < truth.size(); ++i) {
      const int32_t t = truth[i], p = pred[i];
      if (t < 0 || size_t(t) >= n_ || !eval_[size_t(t)]) continue;
      GANLIB_CHECK(p >= 0 && size_t(p) < n_, "masknet ConfusionMatrix: predicted label ", p, " at pixel ", i,
                   " is outside 0…", n_ - 1);
      ++m_[size_t(t) * n_ + size_t(p)];
    }
  }
  int64_t at(size_t truth, size_t pred) const { return m_[truth * n_ + pred]; }

  // Correct / all non-void pixels (NaN when there are none).
  double pixel_accuracy() const {
    int64_t ok = 0, all = 0;
    for (size_t t = 0; t < n_; ++t)
      for (size_t p = 0; p < n_; ++p) all += at(t, p), ok += t == p ? at(t, p) : 0;
    return all ? double(ok) / double(all) : std::numeric_limits<double>::quiet_NaN();
  }
  // IoU of class c = TP / (TP + FP + FN), over non-void pixels; NaN if c is not evaluated or never occurs.
  double iou(size_t c) const {
    if (c >= n_ || !eval_[c]) return std::numeric_limits<double>::quiet_NaN();
    int64_t tp = at(c, c), fp = 0, fn = 0;
    for (size_t k = 0; k < n_; ++k)
      if (k != c) fp += at(k, c), fn += at(c, k);
    const int64_t u = tp + fp + fn;
    return u ? double(tp) / double(u) : std::numeric_limits<double>::quiet_NaN();
  }
  std::vector<double> per_class_iou() const {
    std::vector<double> v(n_);
    for (size_t c = 0; c < n_; ++c) v[c] = iou(c);
    return v;
  }
  double mean_iou() const {
    double s = 0;
    int n = 0;
    for (size_t c = 0; c < n_; ++c) {
      const double v = iou(c);
      if (!std::isnan(v)) s += v, ++n;
    }
    return n ? s / n : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  std::vector<bool> eval_;
  size_t n_;
  std::vector<int64_t> m_;
};

struct PQClassStats {
  double iou_sum = 0;
  int64_t tp = 0, fp = 0, fn = 0;
};

struct PQResult {
  double pq = 0, sq = 0, rq = 0;  // means over classes that occur
  double pq_things = 0, pq_stuff = 0;
  int n_classes = 0, n_things = 0, n_stuff = 0;
  std::vector<double> per_class_pq;  // NaN where a class never occurs
};

class PanopticQuality {
 public:
  PanopticQuality(std::vector<bool> evaluated, std::vector<bool> thing)
      : eval_(std::move(evaluated)), thing_(std::move(thing)), stats_(eval_.size()) {
    GANLIB_CHECK(eval_.size() == thing_.size() && !eval_.empty(), "masknet PanopticQuality: ", eval_.size(),
                 " evaluated flags but ", thing_.size(), " thing flags");
  }

  void add(const PanopticMaps& truth, const PanopticMaps& pred) {
    const size_t hw = size_t(truth.width) * size_t(truth.height);
    GANLIB_CHECK(truth.width == pred.width && truth.height == pred.height && truth.label.size() == hw &&
                     truth.inst.size() == hw && pred.label.size() == hw && pred.inst.size() == hw,
                 "masknet PanopticQuality: truth ", truth.width, " x ", truth.height, " and prediction ", pred.width,
                 " x ", pred.height, " maps differ in size");
    constexpr int64_t kVoid = -1;
    struct Seg {
      int32_t cls = 0;
      int64_t area = 0;
      bool crowd = false;
    };
    std::map<int64_t, Seg> gt, pr;
    std::map<std::pair<int64_t, int64_t>, int64_t> inter;  // (gt key or kVoid, pred key) → pixels
    for (size_t i = 0; i < hw; ++i) {
      const int64_t gk = key(truth.label[i], truth.inst[i], true);
      const int64_t pk = key(pred.label[i], pred.inst[i], false);
      if (gk != kVoid) {
        auto& s = gt[gk];
        s.cls = truth.label[i], ++s.area, s.crowd = is_crowd(gk);
      }
      if (pk != kVoid) {
        auto& s = pr[pk];
        s.cls = pred.label[i], ++s.area;
        ++inter[{gk, pk}];
      }
    }
    std::map<int64_t, bool> gt_matched, pr_matched;
    for (auto& [k, n] : inter) {
      const auto [gk, pk] = k;
      if (gk == kVoid) continue;
      const Seg& g = gt[gk];
      const Seg& p = pr[pk];
      if (g.crowd || g.cls != p.cls) continue;
      const int64_t void_in_pred = lookup(inter, kVoid, pk);
      const double iou = double(n) / double(g.area + p.area - n - void_in_pred);
      if (iou > 0.5) {
        auto& s = stats_[size_t(g.cls)];
        s.iou_sum += iou, ++s.tp;
        gt_matched[gk] = pr_matched[pk] = true;
      }
    }
    for (auto& [gk, g] : gt)
      if (!g.crowd && !gt_matched.count(gk)) ++stats_[size_t(g.cls)].fn;
    for (auto& [pk, p] : pr) {
      if (pr_matched.count(pk)) continue;
      const int64_t ignored = lookup(inter, kVoid, pk) + lookup(inter, crowd_key(p.cls), pk);
      if (double(ignored) / double(p.area) > 0.5) continue;
      ++stats_[size_t(p.cls)].fp;
    }
  }

  const std::vector<PQClassStats>& stats() const { return stats_; }

  PQResult result() const {
    PQResult r;
    r.per_class_pq.assign(stats_.size(), std::numeric_limits<double>::quiet_NaN());
    double pq_th = 0, pq_st = 0;
    for (size_t c = 0; c < stats_.size(); ++c) {
      const auto& s = stats_[c];
      const double denom = double(s.tp) + 0.5 * double(s.fp) + 0.5 * double(s.fn);
      if (!eval_[c] || denom == 0) continue;
      const double pq = s.iou_sum / denom, sq = s.tp ? s.iou_sum / double(s.tp) : 0, rq = double(s.tp) / denom;
      r.per_class_pq[c] = pq;
      r.pq += pq, r.sq += sq, r.rq += rq, ++r.n_classes;
      if (thing_[c]) pq_th += pq, ++r.n_things;
      else pq_st += pq, ++r.n_stuff;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (r.n_classes) r.pq /= r.n_classes, r.sq /= r.n_classes, r.rq /= r.n_classes;
    else r.pq = r.sq = r.rq = nan;
    r.pq_things = r.n_things ? pq_th / r.n_things : nan;
    r.pq_stuff = r.n_stuff ? pq_st / r.n_stuff : nan;
    return r;
  }

 private:
  // Segment keys: a thing instance → its id (≥ 1000); a stuff class c → c; a thing class c's
  // pixels without an instance id → crowd_key(c) in the truth, void in the prediction;
  // unevaluated or out-of-range classes → void (−1).
  static int64_t crowd_key(int32_t cls) { return -2 - int64_t(cls); }
  static bool is_crowd(int64_t k) { return k <= -2; }
  int64_t key(int32_t label, int32_t inst, bool truth) const {
    if (label < 0 || size_t(label) >= eval_.size() || !eval_[size_t(label)]) return -1;
    if (!thing_[size_t(label)]) return label;
    if (inst >= 1000) return inst;
    return truth ? crowd_key(label) : -1;
  }
  static int64_t lookup(const std::map<std::pair<int64_t, int64_t>, int64_t>& m, int64_t a, int64_t b) {
    auto it = m.find({a, b});
    return it == m.end() ? 0 : it->second;
  }
  std::vector<bool> eval_, thing_;
  std::vector<PQClassStats> stats_;
};

}  // namespace ganlib::zoo::masknet
