// ops/elementwise.hpp — broadcasting arithmetic, math functions and their in-place forms.
// Contract: binary ops broadcast as NumPy; each backward reduces the gradient back to its
// input's shape (sum_to). Backward formulas are written with these same ops, so they are
// differentiable again (double backward). When no graph is being built for the backward, a
// saved output is reused instead of recomputed. In-place forms (add_, mul_, ...) refuse a
// tensor that requires grad while grad mode is on, and bump the storage version.
#pragma once
#include "view.hpp"

namespace ganlib {

// ---- raw (unrecorded) helpers -------------------------------------------------------------
template <class T, class B>
Tensor<T, B> map_unary(Unary op, const Tensor<T, B>& x, T p0 = T(0), T p1 = T(0)) {
  auto y = Tensor<T, B>::empty(x.shape());
  kernels::unary(B{}, op, p0, p1, x.cview(), y.view());
  return y;
}

template <class T, class B>
Tensor<T, B> map_binary(Binary op, const Tensor<T, B>& a, const Tensor<T, B>& b, const char* name) {
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  auto y = Tensor<T, B>::empty(shape);
  kernels::binary(B{}, op, a.broadcast_view(shape), b.broadcast_view(shape), y.view());
  return y;
}

template <class T, class B>
using Grads = std::vector<Tensor<T, B>>;

// ---- binary ops -----------------------------------------------------------------------------
template <class T, class B>
Tensor<T, B> add(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const Shape sa = a.shape(), sb = b.shape();
  return record(map_binary(Binary::add, a, b, "add"), "add", {a, b},
                [sa, sb](const Tensor<T, B>& g) { return Grads<T, B>{sum_to(g, sa), sum_to(g, sb)}; });
}

template <class T, class B>
Tensor<T, B> sub(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const Shape sa = a.shape(), sb = b.shape();
  return record(map_binary(Binary::sub, a, b, "sub"), "sub", {a, b},
                [sa, sb](const Tensor<T, B>& g) { return Grads<T, B>{sum_to(g, sa), sum_to(neg(g), sb)}; });
}

template <class T, class B>
Tensor<T, B> mul(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(map_binary(Binary::mul, a, b, "mul"), "mul", {a, b},
                [a, b, ga, gb](const Tensor<T, B>& g) {
                  return Grads<T, B>{ga ? sum_to(mul(g, b), a.shape()) : Tensor<T, B>(),
                                     gb ? sum_to(mul(g, a), b.shape()) : Tensor<T, B>()};
                }, {a, b});
}

template <class T, class B>
Tensor<T, B> div(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(map_binary(Binary::div, a, b, "div"), "div", {a, b},
                [a, b, ga, gb](const Tensor<T, B>& g) {
                  const Tensor<T, B> g_over_b = div(g, b);
                  return Grads<T, B>{ga ? sum_to(g_over_b, a.shape()) : Tensor<T, B>(),
                                     gb ? sum_to(neg(mul(g_over_b, div(a, b))), b.shape())
                                        : Tensor<T, B>()};
                }, {a, b});
}

// a^b elementwise; the gradient w.r.t. b uses log(a), so give b a gradient only where a > 0.
template <class T, class B>
Tensor<T, B> pow(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return record(map_binary(Binary::pow, a, b, "pow"), "pow", {a, b},
                [a, b, ga, gb](const Tensor<T, B>& g) {
                  return Grads<T, B>{
                      ga ? sum_to(mul(g, mul(b, pow(a, add_scalar(b, T(-1))))), a.shape()) : Tensor<T, B>(),
                      gb ? sum_to(mul(g, mul(pow(a, b), log(a))), b.shape()) : Tensor<T, B>()};
                }, {a, b});
}

// Elementwise max/min: the gradient goes to the larger (smaller) input; ties split it evenly.
template <class T, class B>
Tensor<T, B> maximum(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  return record(map_binary(Binary::max, a, b, "maximum"), "maximum", {a, b},
                [a, b](const Tensor<T, B>& g) {
                  const auto wa = add(map_binary(Binary::gt, a, b, "maximum"),
                                      mul_scalar(map_binary(Binary::eq, a, b, "maximum"), T(0.5)));
                  return Grads<T, B>{sum_to(mul(g, wa), a.shape()),
                                     sum_to(mul(g, rsub_scalar(wa, T(1))), b.shape())};
                }, {a, b});
}
template <class T, class B>
Tensor<T, B> minimum(const Tensor<T, B>& a, const Tensor<T, B>& b) {
  return neg(maximum(neg(a), neg(b)));
}

// Comparisons give 0/1 tensors with no gradient.
template <class T, class B>
Tensor<T, B> gt(const Tensor<T, B>& a, const Tensor<T, B>& b) { return map_binary(Binary::gt, a, b, "gt"); }
template <class T, class B>
Tensor<T, B> lt(const Tensor<T, B>& a, const Tensor<T, B>& b) { return map_binary(Binary::lt, a, b, "lt"); }
template <class T, class B>
Tensor<T, B> eq(const Tensor<T, B>& a, const Tensor<T, B>& b) { return map_binary(Binary::eq, a, b, "eq"); }

// where(cond, a, b): a where cond != 0, else b; cond gets no gradient.
template <class T, class B>
Tensor<T, B> where(const Tensor<T, B>& cond, const Tensor<T, B>& a, const Tensor<T, B>& b) {
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"),
                                       b.shape(), "where");
  auto y = Tensor<T, B>::empty(shape);
  kernels::where(B{}, cond.broadcast_view(shape), a.broadcast_view(shape),
                 b.broadcast_view(shape), y.view());
  const Tensor<T, B> c = cond.detach();
  return record(y, "where", {a, b}, [c, a, b](const Tensor<T, B>& g) {
    const auto z = zeros_like(g);
    return Grads<T, B>{sum_to(where(c, g, z), a.shape()), sum_to(where(c, z, g), b.shape())};
  }, {cond});
}

// ---- scalar forms -------------------------------------------------------------------------
template <class T, class B>
Tensor<T, B> add_scalar(const Tensor<T, B>& x, T s) {
  return record(map_unary(Unary::add_scalar, x, s), "add_scalar", {x},
                [](const Tensor<T, B>& g) { return Grads<T, B>{g}; });
}
template <class T, class B>
Tensor<T, B> mul_scalar(const Tensor<T, B>& x, T s) {
  return record(map_unary(Unary::mul_scalar, x, s), "mul_scalar", {x},
                [s](const Tensor<T, B>& g) { return Grads<T, B>{mul_scalar(g, s)}; });
}
template <class T, class B>
Tensor<T, B> rsub_scalar(const Tensor<T, B>& x, T s) {  // s - x
  return record(map_unary(Unary::rsub_scalar, x, s), "rsub_scalar", {x},
                [](const Tensor<T, B>& g) { return Grads<T, B>{neg(g)}; });
}
template <class T, class B>
Tensor<T, B> pow_scalar(const Tensor<T, B>& x, T p) {
  return record(map_unary(Unary::pow_scalar, x, p), "pow", {x}, [x, p](const Tensor<T, B>& g) {
    return Grads<T, B>{mul(g, mul_scalar(pow_scalar(x, p - T(1)), p))};
  }, {x});
}

// ---- unary math ---------------------------------------------------------------------------
template <class T, class B>
Tensor<T, B> neg(const Tensor<T, B>& x) {
  return record(map_unary(Unary::neg, x), "neg", {x},
                [](const Tensor<T, B>& g) { return Grads<T, B>{neg(g)}; });
}

// For ops whose derivative is cheapest from their output y: reuse y during a plain backward,
// recompute it from x (recorded) when the backward itself is being differentiated.
#define GANLIB_OUTPUT_SAVING_OP(fn, code, grad_expr)                                        \
  template <class T, class B>                                                              \
  Tensor<T, B> fn(const Tensor<T, B>& x) {                                                 \
    const auto y_raw = map_unary(Unary::code, x);                                          \
    const auto y_saved = y_raw.detach();                                                   \
    return record(y_raw, #fn, {x}, [x, y_saved](const Tensor<T, B>& g) {                   \
      const Tensor<T, B> y = GradMode::enabled() ? fn(x) : y_saved;                        \
      return Grads<T, B>{grad_expr};                                                       \
    }, {x, y_saved});                                                                      \
  }
GANLIB_OUTPUT_SAVING_OP(exp, exp, mul(g, y))
GANLIB_OUTPUT_SAVING_OP(sqrt, sqrt, div(g, mul_scalar(y, T(2))))
GANLIB_OUTPUT_SAVING_OP(tanh, tanh, mul(g, rsub_scalar(mul(y, y), T(1))))
GANLIB_OUTPUT_SAVING_OP(sigmoid, sigmoid, mul(g, mul(y, rsub_scalar(y, T(1)))))
#undef GANLIB_OUTPUT_SAVING_OP

template <class T, class B>
Tensor<T, B> log(const Tensor<T, B>& x) {
  return record(map_unary(Unary::log, x), "log", {x},
                [x](const Tensor<T, B>& g) { return Grads<T, B>{div(g, x)}; }, {x});
}
template <class T, class B>
Tensor<T, B> abs(const Tensor<T, B>& x) {
  return record(map_unary(Unary::abs, x), "abs", {x}, [x](const Tensor<T, B>& g) {
    return Grads<T, B>{mul(g, map_unary(Unary::sign, x))};
  }, {x});
}
template <class T, class B>
Tensor<T, B> square(const Tensor<T, B>& x) {
  return record(map_unary(Unary::square, x), "square", {x}, [x](const Tensor<T, B>& g) {
    return Grads<T, B>{mul(g, mul_scalar(x, T(2)))};
  }, {x});
}
template <class T, class B>
Tensor<T, B> softplus(const Tensor<T, B>& x) {
  return record(map_unary(Unary::softplus, x), "softplus", {x},
                [x](const Tensor<T, B>& g) { return Grads<T, B>{mul(g, sigmoid(x))}; }, {x});
}
// Clamp to [lo, hi]; the gradient passes where lo <= x <= hi (PyTorch's convention).
template <class T, class B>
Tensor<T, B> clamp(const Tensor<T, B>& x, T lo, T hi) {
  GANLIB_CHECK(!(lo > hi), "clamp: min ", lo, " is greater than max ", hi);
  return record(map_unary(Unary::clamp, x, lo, hi), "clamp", {x}, [x, lo, hi](const Tensor<T, B>& g) {
    return Grads<T, B>{mul(g, map_unary(Unary::inside, x, lo, hi))};
  }, {x});
}

// ---- operators ----------------------------------------------------------------------------
template <class T, class B> Tensor<T, B> operator+(const Tensor<T, B>& a, const Tensor<T, B>& b) { return add(a, b); }
template <class T, class B> Tensor<T, B> operator-(const Tensor<T, B>& a, const Tensor<T, B>& b) { return sub(a, b); }
template <class T, class B> Tensor<T, B> operator*(const Tensor<T, B>& a, const Tensor<T, B>& b) { return mul(a, b); }
template <class T, class B> Tensor<T, B> operator/(const Tensor<T, B>& a, const Tensor<T, B>& b) { return div(a, b); }
template <class T, class B> Tensor<T, B> operator-(const Tensor<T, B>& a) { return neg(a); }
template <class T, class B> Tensor<T, B> operator+(const Tensor<T, B>& a, T s) { return add_scalar(a, s); }
template <class T, class B> Tensor<T, B> operator-(const Tensor<T, B>& a, T s) { return add_scalar(a, -s); }
template <class T, class B> Tensor<T, B> operator*(const Tensor<T, B>& a, T s) { return mul_scalar(a, s); }
template <class T, class B> Tensor<T, B> operator/(const Tensor<T, B>& a, T s) { return mul_scalar(a, T(1) / s); }
template <class T, class B> Tensor<T, B> operator+(T s, const Tensor<T, B>& a) { return add_scalar(a, s); }
template <class T, class B> Tensor<T, B> operator-(T s, const Tensor<T, B>& a) { return rsub_scalar(a, s); }
template <class T, class B> Tensor<T, B> operator*(T s, const Tensor<T, B>& a) { return mul_scalar(a, s); }

// ---- in place -----------------------------------------------------------------------------
namespace detail {
template <class T, class B>
void check_inplace(const Tensor<T, B>& x, const char* op) {
  GANLIB_CHECK(!GradMode::enabled() || !x.requires_grad(), op, ": in-place update of a tensor "
               "that requires grad (shape ", to_string(x.shape()), ") while grad mode is on; "
               "use the out-of-place op, or do it under ganlib::no_grad");
}
}  // namespace detail

// x += y (y broadcast to x's shape).
template <class T, class B>
Tensor<T, B>& add_(Tensor<T, B>& x, const Tensor<T, B>& y, T alpha = T(1)) {
  detail::check_inplace(x, "add_");
  GANLIB_CHECK(broadcast_shapes(x.shape(), y.shape(), "add_") == x.shape(), "add_: cannot add ",
               to_string(y.shape()), " into ", to_string(x.shape()), " in place");
  if (alpha == T(1)) {
    kernels::binary(B{}, Binary::add, x.cview(), y.broadcast_view(x.shape()), x.view());
  } else {
    const auto ys = map_unary(Unary::mul_scalar, y, alpha);
    kernels::binary(B{}, Binary::add, x.cview(), ys.broadcast_view(x.shape()), x.view());
  }
  x.bump_version();
  return x;
}
template <class T, class B>
Tensor<T, B>& mul_(Tensor<T, B>& x, T s) {
  detail::check_inplace(x, "mul_");
  kernels::unary(B{}, Unary::mul_scalar, s, T(0), x.cview(), x.view());
  x.bump_version();
  return x;
}
template <class T, class B>
Tensor<T, B>& fill_(Tensor<T, B>& x, T v) {
  detail::check_inplace(x, "fill_");
  kernels::fill(B{}, x.view(), v);
  x.bump_version();
  return x;
}
template <class T, class B>
Tensor<T, B>& zero_(Tensor<T, B>& x) { return fill_(x, T(0)); }
// x = src (src broadcast to x's shape).
template <class T, class B>
Tensor<T, B>& copy_(Tensor<T, B>& x, const Tensor<T, B>& src) {
  detail::check_inplace(x, "copy_");
  GANLIB_CHECK(broadcast_shapes(x.shape(), src.shape(), "copy_") == x.shape(), "copy_: cannot copy ",
               to_string(src.shape()), " into ", to_string(x.shape()));
  kernels::unary(B{}, Unary::copy, T(0), T(0), src.broadcast_view(x.shape()), x.view());
  x.bump_version();
  return x;
}

}  // namespace ganlib
