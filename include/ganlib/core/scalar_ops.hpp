// core/scalar_ops.hpp — the math of each elementwise op code, on one scalar.
// Contract: UnaryFn<U>{}(x, p0, p1) and BinaryFn<B>{}(a, b) are the single definition of each
// op's value, shared by the CPU loops and the CUDA kernels (GANLIB_HD). visit_unary/visit_binary
// turn a runtime op code into a compile-time functor once per kernel call, not per element.
#pragma once
#include <cmath>

#include "error.hpp"
#include "op_codes.hpp"
#include "philox.hpp"  // GANLIB_HD

namespace ganlib {

template <Unary U>
struct UnaryFn {
  template <class T>
  GANLIB_HD T operator()(T x, T p0, T p1) const {
    using std::abs, std::exp, std::log, std::sqrt, std::tanh, std::pow, std::log1p, std::cos,
        std::sin;
    if constexpr (U == Unary::copy) return x;
    else if constexpr (U == Unary::neg) return -x;
    else if constexpr (U == Unary::exp) return exp(x);
    else if constexpr (U == Unary::log) return log(x);
    else if constexpr (U == Unary::sqrt) return sqrt(x);
    else if constexpr (U == Unary::abs) return abs(x);
    else if constexpr (U == Unary::sign) return T((x > T(0)) - (x < T(0)));
    else if constexpr (U == Unary::tanh) return tanh(x);
    else if constexpr (U == Unary::sigmoid) return T(1) / (T(1) + exp(-x));
    // log(1 + e^x) without overflow for large x.
    else if constexpr (U == Unary::softplus) return x > T(0) ? x + log1p(exp(-x)) : log1p(exp(x));
    else if constexpr (U == Unary::relu) return x > T(0) ? x : T(0);
    else if constexpr (U == Unary::leaky_relu) return x > T(0) ? x : x * p0;
    else if constexpr (U == Unary::elu) return x > T(0) ? x : p0 * (exp(x) - T(1));
    else if constexpr (U == Unary::elu_grad) return x > T(0) ? T(1) : p0 * exp(x);
    else if constexpr (U == Unary::step) return x > T(0) ? T(1) : T(0);
    else if constexpr (U == Unary::step_slope) return x > T(0) ? T(1) : p0;
    else if constexpr (U == Unary::clamp) return x < p0 ? p0 : (x > p1 ? p1 : x);
    else if constexpr (U == Unary::inside) return (x >= p0 && x <= p1) ? T(1) : T(0);
    else if constexpr (U == Unary::pow_scalar) return pow(x, p0);
    else if constexpr (U == Unary::add_scalar) return x + p0;
    else if constexpr (U == Unary::mul_scalar) return x * p0;
    else if constexpr (U == Unary::rsub_scalar) return p0 - x;
    else if constexpr (U == Unary::reciprocal) return T(1) / x;
    else if constexpr (U == Unary::square) return x * x;
    else if constexpr (U == Unary::cos) return cos(x);
    else if constexpr (U == Unary::sin) return sin(x);
  }
};

template <Binary B>
struct BinaryFn {
  template <class T>
  GANLIB_HD T operator()(T a, T b) const {
    using std::pow;
    if constexpr (B == Binary::add) return a + b;
    else if constexpr (B == Binary::sub) return a - b;
    else if constexpr (B == Binary::mul) return a * b;
    else if constexpr (B == Binary::div) return a / b;
    else if constexpr (B == Binary::pow) return pow(a, b);
    else if constexpr (B == Binary::max) return a > b ? a : b;
    else if constexpr (B == Binary::min) return a < b ? a : b;
    else if constexpr (B == Binary::eq) return T(a == b);
    else if constexpr (B == Binary::gt) return T(a > b);
    else if constexpr (B == Binary::ge) return T(a >= b);
    else if constexpr (B == Binary::lt) return T(a < b);
    else if constexpr (B == Binary::le) return T(a <= b);
  }
};

#define GANLIB_UNARY_CASE(name) \
  case Unary::name: return fn(UnaryFn<Unary::name>{});
template <class Fn>
decltype(auto) visit_unary(Unary op, Fn&& fn) {
  switch (op) {
    GANLIB_UNARY_CASE(copy) GANLIB_UNARY_CASE(neg) GANLIB_UNARY_CASE(exp)
    GANLIB_UNARY_CASE(log) GANLIB_UNARY_CASE(sqrt) GANLIB_UNARY_CASE(abs)
    GANLIB_UNARY_CASE(sign) GANLIB_UNARY_CASE(tanh) GANLIB_UNARY_CASE(sigmoid)
    GANLIB_UNARY_CASE(softplus) GANLIB_UNARY_CASE(relu) GANLIB_UNARY_CASE(leaky_relu)
    GANLIB_UNARY_CASE(elu) GANLIB_UNARY_CASE(elu_grad) GANLIB_UNARY_CASE(step)
    GANLIB_UNARY_CASE(step_slope) GANLIB_UNARY_CASE(clamp) GANLIB_UNARY_CASE(inside)
    GANLIB_UNARY_CASE(pow_scalar) GANLIB_UNARY_CASE(add_scalar) GANLIB_UNARY_CASE(mul_scalar)
    GANLIB_UNARY_CASE(rsub_scalar) GANLIB_UNARY_CASE(reciprocal) GANLIB_UNARY_CASE(square)
    GANLIB_UNARY_CASE(cos) GANLIB_UNARY_CASE(sin)
  }
  detail::fail("unknown unary op code ", int(op));
}
#undef GANLIB_UNARY_CASE

#define GANLIB_BINARY_CASE(name) \
  case Binary::name: return fn(BinaryFn<Binary::name>{});
template <class Fn>
decltype(auto) visit_binary(Binary op, Fn&& fn) {
  switch (op) {
    GANLIB_BINARY_CASE(add) GANLIB_BINARY_CASE(sub) GANLIB_BINARY_CASE(mul)
    GANLIB_BINARY_CASE(div) GANLIB_BINARY_CASE(pow) GANLIB_BINARY_CASE(max)
    GANLIB_BINARY_CASE(min) GANLIB_BINARY_CASE(eq) GANLIB_BINARY_CASE(gt)
    GANLIB_BINARY_CASE(ge) GANLIB_BINARY_CASE(lt) GANLIB_BINARY_CASE(le)
  }
  detail::fail("unknown binary op code ", int(op));
}
#undef GANLIB_BINARY_CASE

}  // namespace ganlib
