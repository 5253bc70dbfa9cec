// backend/update.hpp — the parameter records of the fused optimizer-update kernels.
// Contract: AdamHyper holds one parameter group's Adam options; AdamStep the constants of step t,
// already bias-corrected (step_size = lr / (1 − β1ᵗ), inv_sqrt_bc2 = 1 / √(1 − β2ᵗ)), made by
// adam_step_at, which is compiled for the host and, under nvcc, for kernels that read t from
// device memory (the same expressions on both).
#pragma once
#include <cmath>

#if defined(__CUDACC__)
#define GANLIB_HD __host__ __device__
#else
#define GANLIB_HD
#endif

namespace ganlib {

struct AdamHyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
};

struct AdamStep {
  double beta1 = 0.9, beta2 = 0.999, step_size = 1e-3, inv_sqrt_bc2 = 1, eps = 1e-8, weight_decay = 0;
};

// The constants of step t (t >= 1). ::pow and ::sqrt: libm's on the host, CUDA's in a kernel.
GANLIB_HD inline AdamStep adam_step_at(const AdamHyper& h, double t) {
  AdamStep s;
  s.beta1 = h.beta1, s.beta2 = h.beta2, s.eps = h.eps, s.weight_decay = h.weight_decay;
  s.step_size = h.lr / (1 - ::pow(h.beta1, t));
  s.inv_sqrt_bc2 = 1 / ::sqrt(1 - ::pow(h.beta2, t));
  return s;
}

}  // namespace ganlib
