// ops/autocast_policy.hpp — the one place where autocast (amp/autocast.hpp) picks a kernel.
// Contract: op_precision<T>() is the precision an op on T tensors runs in now (autocast's for
// float, fp32 for double); the four run_* functions call the half-precision kernel for a
// precision other than fp32 and the plain kernel otherwise. conv.hpp and linear.hpp call these
// instead of the kernels, and record the precision so that backward runs in the same one.
// SavedOperand keeps what a backward reads of an activation: under autocast, a convolution's
// weight gradient reads its input only as half operands, so the half copy is kept (half the
// bytes, as PyTorch's autocast) and the fp32 input can be freed after the forward.
#pragma once
#include <memory>
#include <type_traits>

#include "../amp/autocast.hpp"
#include "../autograd/node.hpp"
#include "factory.hpp"
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

// A tensor saved for a backward: whole, or (float under autocast) as its half-precision values.
// get() returns it as T; a half-saved one is widened into a new tensor, equal to the input
// rounded, which is all the half-precision kernel reads of it. Under create_graph that copy is
// not linked to the input: a second derivative reaching the input through it is an error
// naming the cause, never a silent zero.
template <class T, class B>
class SavedOperand {
 public:
  SavedOperand() = default;
  SavedOperand(const Tensor<T, B>& x, Precision p) : shape_(x.shape()), precision_(p) {
    if constexpr (std::is_same_v<T, float>) {
      if (p != Precision::fp32) {
        linked_ = x.requires_grad();
        const Tensor<T, B> xc = x.is_contiguous() ? x : copy_values(x);
        if (p == Precision::fp16) store(xc, fp16_);
        else store(xc, bf16_);
        return;
      }
    }
    whole_ = x;
  }

  bool defined() const { return whole_.defined() || fp16_.defined() || bf16_.defined(); }
  // The tensor for the version check: the whole one, or none (a half copy is a snapshot).
  Tensor<T, B> versioned() const { return whole_; }

  Tensor<T, B> get() const {
    if constexpr (!std::is_same_v<T, float>) return whole_;  // only float is saved in half
    else return widened();
  }

 private:
  Tensor<T, B> widened() const {
    if (whole_.defined() || !defined()) return whole_;
    auto x = Tensor<T, B>::empty(shape_);
    if (fp16_.defined()) kernels::convert(B{}, static_cast<const fp16*>(fp16_.data()), x.data(), x.numel());
    else kernels::convert(B{}, static_cast<const bf16*>(bf16_.data()), x.data(), x.numel());
    if (linked_ && GradMode::enabled()) {
      auto node = std::make_shared<Node<T, B>>();
      node->name = "autocast_saved_input";
      node->backward = [p = precision_](const Tensor<T, B>&) -> std::vector<Tensor<T, B>> {
        fail("backward: a second derivative reaches the input of a convolution run under amp::Autocast(",
             to_string(p), ") through its weight gradient; that input was kept in half precision "
             "without its graph. Compute this derivative outside autocast");
      };
      x.set_grad_fn(std::move(node));
    }
    return x;
  }

  template <class H>
  static void store(const Tensor<T, B>& xc, Tensor<H, B>& dst) {
    dst = Tensor<H, B>::empty(xc.shape());
    kernels::convert(B{}, static_cast<const float*>(xc.data()), dst.data(), dst.numel());
  }

  Tensor<T, B> whole_;
  Tensor<fp16, B> fp16_;
  Tensor<bf16, B> bf16_;
  Shape shape_;
  Precision precision_ = Precision::fp32;
  bool linked_ = false;
};

}  // namespace ganlib::detail
