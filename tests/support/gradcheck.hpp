// tests/support/gradcheck.hpp — finite-difference checks of first and second derivatives.
// Contract: gradcheck(f, inputs) compares autograd's gradient of sum(f(x)·r), r random, with
// central differences in double, for every input that requires grad; it returns a message
// naming the worst element on failure and "" on success. gradgradcheck does the same for the
// gradient of a scalar function of the first gradient (what a gradient penalty needs).
#pragma once
#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <ganlib/ops.hpp>

namespace ganlib::testing {

using TD = Tensor<double, cpu>;
using Fn = std::function<TD(const std::vector<TD>&)>;

inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// Compares analytic and numeric vectors; "" when every element is within atol + rtol·|num|.
inline std::string compare(const std::string& what, const std::vector<double>& analytic,
                           const std::vector<double>& numeric, double atol, double rtol) {
  if (analytic.size() != numeric.size()) return what + ": size mismatch";
  for (size_t i = 0; i < numeric.size(); ++i)
    if (!(std::abs(analytic[i] - numeric[i]) <= atol + rtol * std::abs(numeric[i]))) {
      std::ostringstream os;
      os << what << ": element " << i << " analytic " << analytic[i] << " vs numeric " << numeric[i];
      return os.str();
    }
  return "";
}

// Replaces element i of a leaf's storage, for finite differences.
inline void poke(TD& t, size_t i, double v) { t.data()[i] = v; }

inline std::string gradcheck(const Fn& f, std::vector<TD> inputs, double eps = 1e-6,
                             double atol = 1e-5, double rtol = 1e-4, uint64_t seed = 7) {
  for (auto& x : inputs) x = x.is_contiguous() ? x : copy_values(x);  // poke() needs contiguous
  std::vector<bool> wants;
  for (auto& x : inputs) wants.push_back(x.requires_grad());
  TD out = f(inputs);
  Generator gen(seed);
  const TD r = randn<double, cpu>(out.shape(), gen);
  // Evaluated with grad mode on: f itself may differentiate (a gradient penalty).
  const auto scalar = [&](const std::vector<TD>& in) { return sum(mul(f(in), r)).item(); };
  sum(mul(out, r)).backward();
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!wants[k]) continue;
    TD x = inputs[k];
    const TD g = x.grad();
    std::vector<double> analytic = g.defined() ? g.to_vector() : std::vector<double>(size_t(x.numel()), 0.0);
    std::vector<double> numeric(size_t(x.numel()));
    for (size_t i = 0; i < numeric.size(); ++i) {
      const double orig = x.data()[i];
      poke(x, i, orig + eps);
      const double up = scalar(inputs);
      poke(x, i, orig - eps);
      const double down = scalar(inputs);
      poke(x, i, orig);
      numeric[i] = (up - down) / (2 * eps);
    }
    const double scale = std::max(1.0, max_abs(numeric));
    auto msg = compare("input " + std::to_string(k), analytic, numeric, atol * scale, rtol);
    if (!msg.empty()) return msg;
  }
  return "";
}

// Checks d/dx of  s(x) = sum(grad_x(sum(f(x)·r)) · v)  against finite differences of the first
// gradient: the second derivative a gradient penalty backpropagates through.
inline std::string gradgradcheck(const Fn& f, std::vector<TD> inputs, double eps = 1e-6,
                                 double atol = 1e-5, double rtol = 1e-4, uint64_t seed = 11) {
  for (auto& x : inputs) x = x.is_contiguous() ? x : copy_values(x);
  Generator gen(seed);
  const TD r = randn<double, cpu>(f(inputs).shape(), gen);
  std::vector<TD> vs;
  for (auto& x : inputs) vs.push_back(randn<double, cpu>(x.shape(), gen));
  std::vector<TD> leaves;
  for (auto& x : inputs) if (x.requires_grad()) leaves.push_back(x);
  // s(x) with a graph through the first gradient.
  auto s_of = [&](bool build) {
    GradMode::Guard mode(true);
    const TD y = sum(mul(f(inputs), r));
    auto gs = grad(y, leaves, TD(), /*create_graph=*/build);
    TD s = scalar_tensor<double, cpu>(0.0);
    size_t j = 0;
    for (size_t k = 0; k < inputs.size(); ++k)
      if (inputs[k].requires_grad()) s = add(s, sum(mul(gs[j++], vs[k])));
    return s;
  };
  const TD s = s_of(true);
  if (!s.requires_grad()) return "";  // linear in every input: the second derivative is zero
  const auto analytic = grad(s, leaves);
  size_t j = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k].requires_grad()) continue;
    TD x = inputs[k];
    std::vector<double> numeric(size_t(x.numel()));
    for (size_t i = 0; i < numeric.size(); ++i) {
      const double orig = x.data()[i];
      poke(x, i, orig + eps);
      const double up = s_of(false).item();
      poke(x, i, orig - eps);
      const double down = s_of(false).item();
      poke(x, i, orig);
      numeric[i] = (up - down) / (2 * eps);
    }
    const double scale = std::max(1.0, max_abs(numeric));
    auto msg = compare("second derivative, input " + std::to_string(k), analytic[j++].to_vector(),
                       numeric, atol * scale, rtol);
    if (!msg.empty()) return msg;
  }
  return "";
}

}  // namespace ganlib::testing
