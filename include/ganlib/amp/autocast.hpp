// amp/autocast.hpp — the autocast scope of mixed-precision training, as torch.autocast.
// Contract: while an Autocast(p) lives on this thread, convolutions (conv2d, conv_transpose2d and
// their gradients) and matrix products (matmul, bmm, linear) of float tensors run with operands
// in precision p and fp32 accumulation; a convolution's output is stored in p (a matmul's stays
// fp32, as cuBLAS writes it). Everything else (norms, reductions, losses, activations, the
// optimizer) stays fp32, and parameters stay fp32: they are the master weights. An op records
// the precision it ran in and its backward runs in the same one, wherever backward() is called.
// Backends: cuda runs the half operands on tensor cores (backend/cuda/amp.cuh); cpu rounds the
// operands and outputs to p and computes in fp32 (backend/cpu/amp.hpp): the same numbers up to
// summation order, for testing a mixed-precision setup on a machine without a GPU (not faster).
// double tensors ignore autocast.
#pragma once
#include "../core/half.hpp"

namespace ganlib::amp {

namespace detail {
inline Precision& autocast_state() {
  thread_local Precision p = Precision::fp32;
  return p;
}
}  // namespace detail

// The precision convolutions and matrix products of float tensors use now on this thread.
inline Precision autocast_precision() { return detail::autocast_state(); }

// RAII scope: `amp::Autocast on(Precision::bf16);` (Precision::fp32 switches autocast off).
class Autocast {
 public:
  explicit Autocast(Precision p = Precision::bf16) : previous_(detail::autocast_state()) {
    detail::autocast_state() = p;
  }
  ~Autocast() { detail::autocast_state() = previous_; }
  Autocast(const Autocast&) = delete;
  Autocast& operator=(const Autocast&) = delete;

 private:
  Precision previous_;
};

}  // namespace ganlib::amp
