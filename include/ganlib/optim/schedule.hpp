// optim/schedule.hpp — learning-rate schedules as pure functions of the epoch.
// Contract: lr(epoch) is the rate to use *during* that epoch (1-based, as the reference loops
// count); a trainer calls optimizer.set_lr(schedule.lr(epoch)) at the start of each epoch, so
// a resumed run recomputes its rate instead of storing it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../core/error.hpp"

namespace ganlib::optim {

struct ConstantLR {
  double base;
  double lr(int64_t /*epoch*/) const { return base; }
};

// pix2pixHD: `niter` epochs at base, then after each epoch > niter the rate drops by
// base / niter_decay, reaching base / niter_decay in the last epoch (niter + niter_decay).
struct LinearDecayLR {
  double base;
  int64_t niter, niter_decay;
  double lr(int64_t epoch) const {
    GANLIB_CHECK(epoch >= 1 && niter >= 0 && niter_decay > 0, "LinearDecayLR: epoch ", epoch,
                 " (1-based), niter ", niter, ", niter_decay ", niter_decay, " out of range");
    const int64_t decayed = std::max<int64_t>(0, epoch - 1 - niter);
    return std::max(0.0, base - double(decayed) * base / double(niter_decay));
  }
};

// torch.optim.lr_scheduler.StepLR: base · gamma^floor((epoch − 1) / step_size).
struct StepLR {
  double base;
  int64_t step_size;
  double gamma = 0.1;
  double lr(int64_t epoch) const {
    GANLIB_CHECK(epoch >= 1 && step_size > 0, "StepLR: epoch ", epoch, " (1-based) and step_size ",
                 step_size, " must be positive");
    return base * std::pow(gamma, double((epoch - 1) / step_size));
  }
};

}  // namespace ganlib::optim
