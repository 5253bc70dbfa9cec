// nn/init.hpp — weight initialisers as torch.nn.init: normal, uniform, constant, xavier, kaiming,
// orthogonal. Each overwrites a tensor in place (under no_grad) and draws from a Generator.
// Contract: fan_in = size(1)·receptive field, fan_out = size(0)·receptive field (PyTorch's rule);
// orthogonal_ gives rows (or columns, whichever are fewer) that are orthonormal, times gain.
#pragma once
#include <cmath>
#include <string>

#include "../ops.hpp"  // first: Eigen/Core arrives through backend/cpu/gemm.hpp's guarded include

// Eigen's QR (Householder, double) for orthogonal_; its headers warn under -Wall -Wextra.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wunused-variable"
#endif
#include <Eigen/QR>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace ganlib::nn::init {

template <class T, class B>
Tensor<T, B>& normal_(Tensor<T, B>& t, double mean = 0, double std = 1,
                      Generator& gen = default_generator()) {
  no_grad guard;
  copy_(t, randn<T, B>(t.shape(), gen, mean, std));
  return t;
}
template <class T, class B>
Tensor<T, B>& uniform_(Tensor<T, B>& t, double lo = 0, double hi = 1,
                       Generator& gen = default_generator()) {
  no_grad guard;
  copy_(t, rand<T, B>(t.shape(), gen, lo, hi));
  return t;
}
template <class T, class B>
Tensor<T, B>& constant_(Tensor<T, B>& t, double v) {
  no_grad guard;
  fill_(t, T(v));
  return t;
}

struct Fans {
  double in, out;
};
template <class T, class B>
Fans fans(const Tensor<T, B>& t, const char* who) {
  GANLIB_CHECK(t.dim() >= 2, who, ": fan in/out need a tensor with at least 2 dims, got ",
               to_string(t.shape()));
  double receptive = 1;
  for (int i = 2; i < t.dim(); ++i) receptive *= double(t.size(i));
  return {double(t.size(1)) * receptive, double(t.size(0)) * receptive};
}

// torch.nn.init.calculate_gain for the nonlinearities GANs use.
inline double calculate_gain(const std::string& nonlinearity, double param = 0.01) {
  if (nonlinearity == "linear" || nonlinearity == "conv2d" || nonlinearity == "sigmoid" ||
      nonlinearity == "conv_transpose2d")
    return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1 + param * param));
  detail::fail("calculate_gain: unknown nonlinearity \"", nonlinearity, "\"");
}

template <class T, class B>
Tensor<T, B>& xavier_uniform_(Tensor<T, B>& t, double gain = 1, Generator& gen = default_generator()) {
  const Fans f = fans(t, "xavier_uniform_");
  const double a = gain * std::sqrt(6.0 / (f.in + f.out));
  return uniform_(t, -a, a, gen);
}
template <class T, class B>
Tensor<T, B>& xavier_normal_(Tensor<T, B>& t, double gain = 1, Generator& gen = default_generator()) {
  const Fans f = fans(t, "xavier_normal_");
  return normal_(t, 0, gain * std::sqrt(2.0 / (f.in + f.out)), gen);
}

// a: the negative slope of the leaky ReLU that follows (0 for ReLU); fan_out mode when
// fan_in is false. Defaults are PyTorch's (a = 0, fan_in, leaky_relu).
template <class T, class B>
Tensor<T, B>& kaiming_normal_(Tensor<T, B>& t, double a = 0, bool fan_in = true,
                              Generator& gen = default_generator()) {
  const Fans f = fans(t, "kaiming_normal_");
  const double std = calculate_gain("leaky_relu", a) / std::sqrt(fan_in ? f.in : f.out);
  return normal_(t, 0, std, gen);
}
template <class T, class B>
Tensor<T, B>& kaiming_uniform_(Tensor<T, B>& t, double a = 0, bool fan_in = true,
                               Generator& gen = default_generator()) {
  const Fans f = fans(t, "kaiming_uniform_");
  const double bound = calculate_gain("leaky_relu", a) * std::sqrt(3.0 / (fan_in ? f.in : f.out));
  return uniform_(t, -bound, bound, gen);
}

// As torch.nn.init.orthogonal_: a standard normal [rows, cols] matrix (rows = size(0)),
// transposed to be tall, Householder QR in double, Q's columns signed so diag(R) > 0, transposed
// back, times gain.
template <class T, class B>
Tensor<T, B>& orthogonal_(Tensor<T, B>& t, double gain = 1, Generator& gen = default_generator()) {
  GANLIB_CHECK(t.dim() >= 2, "orthogonal_: needs a tensor with at least 2 dims, got ",
               to_string(t.shape()));
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  const std::vector<T> draw = randn<T, B>({rows, cols}, gen).to_vector();
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const bool flip = rows < cols;
  const int64_t m = flip ? cols : rows, n = flip ? rows : cols;  // tall: m >= n
  Mat a(m, n);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) (flip ? a(j, i) : a(i, j)) = double(draw[size_t(i * cols + j)]);
  Eigen::HouseholderQR<Mat> qr(a);
  Mat q = qr.householderQ() * Mat::Identity(m, n);
  for (int64_t j = 0; j < n; ++j) {
    const double r = qr.matrixQR()(j, j);
    if (r < 0) q.col(j) *= -1;
  }
  std::vector<T> out(size_t(rows * cols));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out[size_t(i * cols + j)] = T(gain * (flip ? q(j, i) : q(i, j)));
  no_grad guard;
  copy_(t, from_vector<T, B>(out, t.shape()));
  return t;
}

}  // namespace ganlib::nn::init
