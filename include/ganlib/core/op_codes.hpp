// core/op_codes.hpp — the elementwise and reduction primitives a backend implements.
// Contract: tinygrad-style, a short fixed list; every differentiable elementwise op in ops/
// is built from these codes, so a new backend writes a switch, not a new op library.
#pragma once

namespace ganlib {

// y = f(x; p0, p1). p0/p1 are the op's scalar parameters where it has any.
enum class Unary {
  copy, neg, exp, log, sqrt, abs, sign, tanh, sigmoid, softplus,
  relu, leaky_relu /*p0 = slope*/, elu /*p0 = alpha*/, elu_grad /*p0 = alpha, f'(x)*/,
  step /*x > 0 ? 1 : 0*/, step_slope /*x > 0 ? 1 : p0*/,
  clamp /*[p0, p1]*/, inside /*p0 <= x <= p1 ? 1 : 0*/,
  pow_scalar /*x^p0*/, add_scalar /*x + p0*/, mul_scalar /*x * p0*/, rsub_scalar /*p0 - x*/,
  reciprocal, square, cos, sin
};

enum class Binary { add, sub, mul, div, pow, max, min, eq, gt, ge, lt, le };

enum class Reduce { sum, max, min };

}  // namespace ganlib
