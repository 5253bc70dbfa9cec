// ops/autocast_policy.hpp — the one place where autocast (amp/autocast.hpp) picks a kernel.
// Contract: op_precision<T>() is the precision an op on T tensors runs in now (autocast's for
// float, fp32 for double); the four run_* functions call the half-precision kernel for a
// precision other than fp32 and the plain kernel otherwise. conv.hpp and linear.hpp call these
// instead of the kernels, and record the precision so that backward runs in the same one.
#pragma once
#include <type_traits>

#include "../amp/autocast.hpp"
#include "kernels.hpp"

namespace ganlib::detail {

template <class T>
Precision op_precision() {
  if constexpr (std::is_same_v<T, float>) return amp::autocast_precision();
  else return Precision::fp32;
}

template <class T, class B>
void run_conv2d_forward(Precision p, const Conv2dGeom& g, const T* x, const T* w, const T* bias, T* y) {
  if constexpr (std::is_same_v<T, float>)
    if (p != Precision::fp32) return kernels::conv2d_forward_amp(B{}, p, g, x, w, bias, y);
  kernels::conv2d_forward(B{}, g, x, w, bias, y);
}

template <class T, class B>
void run_conv2d_input_grad(Precision p, const Conv2dGeom& g, const T* gy, const T* w, T* gx) {
  if constexpr (std::is_same_v<T, float>)
    if (p != Precision::fp32) return kernels::conv2d_input_grad_amp(B{}, p, g, gy, w, gx);
  kernels::conv2d_input_grad(B{}, g, gy, w, gx);
}

template <class T, class B>
void run_conv2d_weight_grad(Precision p, const Conv2dGeom& g, const T* x, const T* gy, T* gw) {
  if constexpr (std::is_same_v<T, float>)
    if (p != Precision::fp32) return kernels::conv2d_weight_grad_amp(B{}, p, g, x, gy, gw);
  kernels::conv2d_weight_grad(B{}, g, x, gy, gw);
}

template <class T, class B>
void run_gemm(Precision p, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
              int64_t lda, const T* Bm, int64_t ldb, T beta, T* C, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>)
    if (p != Precision::fp32)
      return kernels::gemm_amp(B{}, p, trans_a, trans_b, M, N, K, alpha, A, lda, Bm, ldb, beta, C, ldc);
  kernels::gemm(B{}, trans_a, trans_b, M, N, K, alpha, A, lda, Bm, ldb, beta, C, ldc);
}

}  // namespace ganlib::detail
