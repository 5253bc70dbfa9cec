// backend/update.hpp — the parameter record of the fused optimizer-update kernels.
// Contract: AdamStep holds one parameter's Adam constants for the current step, already
// bias-corrected (step_size = lr / (1 − β1ᵗ), inv_sqrt_bc2 = 1 / √(1 − β2ᵗ)).
#pragma once

namespace ganlib {

struct AdamStep {
  double beta1 = 0.9, beta2 = 0.999, step_size = 1e-3, inv_sqrt_bc2 = 1, eps = 1e-8, weight_decay = 0;
};

}  // namespace ganlib
