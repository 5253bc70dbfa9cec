// ops/linear.hpp — matmul (2-D), bmm (batched 3-D) and linear (x·Wᵀ + b), over the GEMM.
// Contract: operands may be transposed views: a row- or column-major matrix goes to the GEMM
// as-is with a transpose flag; anything else is made contiguous first. Backward uses matmul
// itself, so these differentiate twice. Under autocast the products run in autocast's
// precision and their backward in the same one.
#pragma once
#include "autocast_policy.hpp"
#include "reduce.hpp"

namespace ganlib {
namespace detail {
// How a strided matrix [rows, cols] (last two dims) is handed to GEMM without copying.
template <class T, class B>
struct GemmOperand {
  Tensor<T, B> t;
  bool trans = false;
  int64_t ld = 0;
};
template <class T, class B>
GemmOperand<T, B> gemm_operand(const Tensor<T, B>& x) {
  const int r = x.dim();
  const int64_t rows = x.shape()[r - 2], cols = x.shape()[r - 1];
  const int64_t sr = x.strides()[r - 2], sc = x.strides()[r - 1];
  if ((sc == 1 || cols == 1) && sr >= std::max<int64_t>(1, cols)) return {x, false, sr};
  if ((sr == 1 || rows == 1) && sc >= std::max<int64_t>(1, rows)) return {x, true, sc};
  auto c = copy_values(x);
  return {c, false, std::max<int64_t>(1, cols)};
}
// Raw batched product: a [batch?, M, K] × b [batch?, K, N] → [batch?, M, N] in precision p; no
// autograd.
template <class T, class B>
Tensor<T, B> matmul_raw(const Tensor<T, B>& a, const Tensor<T, B>& b, Precision p) {
  const int r = a.dim();
  const int64_t M = a.shape()[r - 2], K = a.shape()[r - 1], N = b.shape()[r - 1];
  const int64_t batch = r == 3 ? a.shape()[0] : 1;
  Shape out_shape = r == 3 ? Shape{batch, M, N} : Shape{M, N};
  auto out = Tensor<T, B>::empty(out_shape);
  const auto A = gemm_operand(a), Bm = gemm_operand(b);
  for (int64_t i = 0; i < batch; ++i) {
    const T* pa = A.t.data() + (r == 3 ? i * A.t.strides()[0] : 0);
    const T* pb = Bm.t.data() + (r == 3 ? i * Bm.t.strides()[0] : 0);
    run_gemm<T, B>(p, A.trans, Bm.trans, M, N, K, T(1), pa, A.ld, pb, Bm.ld, T(0), out.data() + i * M * N, N);
  }
  return out;
}
}  // namespace detail

namespace detail {
template <class T, class B>
void check_matmul_shapes(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const bool ok = (a.dim() == 2 && b.dim() == 2) ||
                  (a.dim() == 3 && b.dim() == 3 && a.shape()[0] == b.shape()[0]);
  GANLIB_CHECK(ok && a.shape()[a.dim() - 1] == b.shape()[b.dim() - 2], "matmul: shapes ",
               to_string(a.shape()), " and ", to_string(b.shape()),
               " do not multiply (need [M, K]·[K, N] or [n, M, K]·[n, K, N])");
}
template <class T, class B>
void check_linear_shapes(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias) {
  GANLIB_CHECK(x.dim() == 2 && w.dim() == 2 && x.shape()[1] == w.shape()[1], "linear: input ",
               to_string(x.shape()), " and weight ", to_string(w.shape()),
               " do not match (need [N, in] and [out, in])");
  GANLIB_CHECK(!bias.defined() || bias.shape() == Shape{w.shape()[0]}, "linear: bias ",
               to_string(bias.shape()), " does not match weight ", to_string(w.shape()));
}
}  // namespace detail

// a [M, K] · b [K, N], or batched a [n, M, K] · b [n, K, N].
template <class T, class B>
Tensor<T, B> matmul(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  detail::check_matmul_shapes(a, b);
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  const Precision prec = detail::op_precision<T>();
  return record(detail::matmul_raw(a, b, prec), "matmul", {a, b}, [a, b, ga, gb, prec](const Tensor<T, B>& g) {
    const amp::Autocast same(prec);
    const int r = a.dim();
    return Grads<T, B>{ga ? matmul(g, transpose(b, r - 2, r - 1)) : Tensor<T, B>(),
                       gb ? matmul(transpose(a, r - 2, r - 1), g) : Tensor<T, B>()};
  }, {a, b});
}

template <class T, class B>
Tensor<T, B> bmm(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  GANLIB_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expects 3-D tensors, got ", to_string(a.shape()),
               " and ", to_string(b.shape()));
  return matmul(a, b);
}

// y = x·Wᵀ + b: x [N, in], W [out, in], b [out] (optional), as torch.nn.functional.linear.
template <class T, class B>
Tensor<T, B> linear(const Tensor<T, B>& x, const Tensor<T, B>& w, const Tensor<T, B>& bias = Tensor<T, B>()) {
  detail::check_linear_shapes(x, w, bias);
  auto y = matmul(x, transpose(w, 0, 1));
  return bias.defined() ? add(y, bias) : y;
}

}  // namespace ganlib
