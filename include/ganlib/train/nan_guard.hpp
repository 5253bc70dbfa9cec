// train/nan_guard.hpp — stops training on a NaN or Inf loss with a message that names the step,
// the loss term and its value, and the last good checkpoint to resume from; or, in skip mode
// (mixed precision), skips the step and lowers the loss scale.
// Contract: check(step, terms) returns true when every term is finite. Otherwise, in Stop mode
// it throws NonFiniteLoss (a ganlib::Error); in Skip mode it halves loss_scale() (not below
// min_scale) and returns false, and throws once max_skips steps in a row were skipped. After
// good_steps finite steps in a row the scale grows back by growth (capped at its start value).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"

namespace ganlib::train {

struct NonFiniteLoss : Error {
  int64_t step;
  std::string term;
  double value;
  NonFiniteLoss(const std::string& msg, int64_t s, std::string t, double v)
      : Error(msg), step(s), term(std::move(t)), value(v) {}
};

struct NanGuardOptions {
  enum class Mode { Stop, Skip } mode = Mode::Stop;
  double loss_scale = 1.0;  // Skip: the starting (and largest) scale
  double min_scale = 1.0 / 65536;
  int max_skips = 10;       // Skip: this many non-finite steps in a row is an error after all
  int good_steps = 2000;    // Skip: finite steps in a row before the scale doubles back
  double growth = 2.0;
};

class NanGuard {
 public:
  using Terms = std::vector<std::pair<std::string, double>>;

  explicit NanGuard(NanGuardOptions o = {}) : o_(o), scale_(o.loss_scale) {
    GANLIB_CHECK(o_.loss_scale > 0 && o_.min_scale > 0 && o_.max_skips >= 1 && o_.good_steps >= 1 && o_.growth >= 1,
                 "NanGuard: bad options (loss_scale ", o_.loss_scale, ", min_scale ", o_.min_scale, ", max_skips ",
                 o_.max_skips, ", good_steps ", o_.good_steps, ", growth ", o_.growth, ")");
  }

  // The loop calls this after each checkpoint it writes (the path CheckpointManager::save returns).
  void saved(std::string path) { last_checkpoint_ = std::move(path); }
  const std::string& last_checkpoint() const { return last_checkpoint_; }
  double loss_scale() const { return scale_; }
  int64_t skipped_steps() const { return skipped_total_; }

  bool check(int64_t step, const Terms& terms) {
    for (auto& [name, v] : terms) {
      if (std::isfinite(v)) continue;
      if (o_.mode == NanGuardOptions::Mode::Skip && run_ < o_.max_skips) {
        ++run_, ++skipped_total_, good_ = 0;
        scale_ = std::max(o_.min_scale, scale_ / 2);
        return false;
      }
      throw NonFiniteLoss(message(step, name, v), step, name, v);
    }
    run_ = 0;
    if (o_.mode == NanGuardOptions::Mode::Skip && ++good_ >= o_.good_steps) {
      good_ = 0;
      scale_ = std::min(o_.loss_scale, scale_ * o_.growth);
    }
    return true;
  }

 private:
  std::string message(int64_t step, const std::string& term, double v) const {
    std::string what = std::isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
    std::string s = "training stopped at step " + std::to_string(step) + ": loss term '" + term + "' is " + what;
    if (run_ > 0) s += " (after " + std::to_string(run_) + " skipped steps in a row; loss scale " + std::to_string(scale_) + ")";
    s += last_checkpoint_.empty() ? "; no checkpoint has been written yet"
                                  : "; the last good checkpoint is '" + last_checkpoint_ +
                                        "' (resume from it, e.g. with a lower learning rate)";
    return s;
  }

  NanGuardOptions o_;
  double scale_;
  int run_ = 0, good_ = 0;
  int64_t skipped_total_ = 0;
  std::string last_checkpoint_;
};

}  // namespace ganlib::train
