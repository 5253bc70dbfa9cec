// tests/ops/test_half_tensor.cpp — half-precision tensors (Tensor<fp16|bf16, cpu>, ops/half.hpp):
// conversions round as core/half.hpp (checked per element); conv2d, conv_transpose2d, matmul
// and linear on half tensors equal the fp32 op on the widened operands with the output rounded
// (and a bias added in fp32, rounded again), and stay within a half-precision unit of a double
// reference; safetensors stores them as F16/BF16 bit for bit; misuse is a clear error.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <ganlib/io/safetensors.hpp>
#include <ganlib/ops.hpp>

using namespace ganlib;
using TF = Tensor<float, cpu>;

namespace {

// t's values rounded to p (host copy).
std::vector<float> rounded(const std::vector<float>& v, Precision p) {
  std::vector<float> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) r[i] = half::round_to(p, v[i]);
  return r;
}

template <class H>
std::vector<uint16_t> bits_of(const Tensor<H, cpu>& h) {
  std::vector<uint16_t> b;
  for (H v : h.to_vector()) b.push_back(v.bits);
  return b;
}

template <class H>
std::vector<uint16_t> bits_of(const std::vector<float>& v) {
  std::vector<uint16_t> b;
  for (float f : v) b.push_back(H(f).bits);
  return b;
}

// y_half = round(round(op(widened operands)) + bias): bias[c] broadcast over [N, C, inner].
std::vector<float> add_bias_rounded(std::vector<float> y, const std::vector<float>& bias, int64_t inner,
                                    Precision p) {
  const int64_t C = int64_t(bias.size());
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = half::round_to(p, half::round_to(p, y[i]) + bias[(int64_t(i) / inner) % C]);
  return y;
}

// Largest |a - b| over max|b|.
double rel_err(const std::vector<float>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double m = 0, s = 1e-12;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i])), s = std::max(s, std::fabs(b[i]));
  return m / s;
}

Tensor<double, cpu> as_double(const TF& t) {
  const auto v = t.to_vector();
  return from_vector<double, cpu>(std::vector<double>(v.begin(), v.end()), t.shape());
}

double unit(Precision p) { return p == Precision::bf16 ? 1.0 / 256 : 1.0 / 2048; }  // half an ulp at 1

template <class H>
void check_conversions() {
  const Precision p = precision_of<H>();
  INFO(to_string(p));
  Generator gen(3);
  TF x = randn<float, cpu>({3, 5, 7}, gen, 0.0, 300.0);  // up to ~1000: rounding at every scale
  std::vector<float> v = x.to_vector();
  v[0] = 70000.f, v[1] = -1e-7f, v[2] = 3e-6f, v[3] = 65519.f, v[4] = 0.5f + 1.0f / 4096;  // overflow, subnormals, a tie
  x = from_vector<float, cpu>(v, x.shape());
  const auto h = to_half<H>(x);
  CHECK(h.shape() == x.shape());
  CHECK(bits_of<H>(h) == bits_of<H>(v));
  CHECK(to_float(h).to_vector() == rounded(v, p));
  // A transposed (non-contiguous) float input converts by value.
  const auto ht = to_half<H>(x.transpose(0, 2));
  CHECK(to_float(ht).to_vector() == rounded(x.transpose(0, 2).contiguous().to_vector(), p));
  // Cut from the graph: a half tensor carries no gradient.
  TF xg = x.clone().requires_grad_(true);
  CHECK_FALSE(to_half<H>(xg).requires_grad());
}

template <class H>
void check_conv_ops() {
  const Precision p = precision_of<H>();
  INFO(to_string(p));
  Generator gen(11);
  const TF x = randn<float, cpu>({2, 6, 11, 9}, gen), w = randn<float, cpu>({8, 3, 3, 3}, gen);
  const TF b = randn<float, cpu>({8}, gen);
  const auto xh = to_half<H>(x), wh = to_half<H>(w), bh = to_half<H>(b);
  const TF xr = to_float(xh), wr = to_float(wh), br = to_float(bh);

  // conv2d, stride 2, padding 1, 2 groups.
  const auto yh = conv2d(xh, wh, bh, 2, 1, 1, 2);
  const TF yf = conv2d(xr, wr, TF(), 2, 1, 1, 2);
  CHECK(yh.shape() == yf.shape());
  CHECK(to_float(yh).to_vector() == add_bias_rounded(yf.to_vector(), br.to_vector(), yf.size(2) * yf.size(3), p));
  {  // independent of the fp32 kernel: a double convolution of the same half operands
    const auto yd = conv2d(as_double(xr), as_double(wr), as_double(br), 2, 1, 1, 2).to_vector();
    CHECK(rel_err(to_float(yh).to_vector(), yd) < 2 * unit(p));
  }

  // conv_transpose2d, stride 2, padding 1, output_padding 1.
  const TF wt = randn<float, cpu>({6, 4, 4, 4}, gen), bt = randn<float, cpu>({4}, gen);
  const auto wth = to_half<H>(wt), bth = to_half<H>(bt);
  const auto th = conv_transpose2d(xh, wth, bth, 2, 1, 1);
  const TF tf = conv_transpose2d(xr, to_float(wth), TF(), 2, 1, 1);
  CHECK(th.shape() == tf.shape());
  CHECK(to_float(th).to_vector() ==
        add_bias_rounded(tf.to_vector(), to_float(bth).to_vector(), tf.size(2) * tf.size(3), p));
}

template <class H>
void check_products() {
  const Precision p = precision_of<H>();
  INFO(to_string(p));
  Generator gen(17);
  const TF a = randn<float, cpu>({5, 33}, gen), b = randn<float, cpu>({33, 7}, gen);
  const auto ah = to_half<H>(a), bh = to_half<H>(b);
  const TF af = to_float(ah), bf = to_float(bh);
  CHECK(to_float(matmul(ah, bh)).to_vector() == rounded(matmul(af, bf).to_vector(), p));

  const TF a3 = randn<float, cpu>({3, 4, 9}, gen), b3 = randn<float, cpu>({3, 9, 6}, gen);
  const auto a3h = to_half<H>(a3), b3h = to_half<H>(b3);
  CHECK(to_float(matmul(a3h, b3h)).to_vector() == rounded(matmul(to_float(a3h), to_float(b3h)).to_vector(), p));

  const TF w = randn<float, cpu>({10, 33}, gen), bias = randn<float, cpu>({10}, gen);
  const auto wh = to_half<H>(w), biash = to_half<H>(bias);
  const auto yh = linear(ah, wh, biash);
  CHECK(yh.shape() == Shape{5, 10});
  const TF yf = linear(af, to_float(wh));
  CHECK(to_float(yh).to_vector() == add_bias_rounded(yf.to_vector(), to_float(biash).to_vector(), 1, p));
  const auto yd = linear(as_double(af), as_double(to_float(wh)), as_double(to_float(biash))).to_vector();
  CHECK(rel_err(to_float(yh).to_vector(), yd) < 2 * unit(p));
}

}  // namespace

TEST_CASE("half tensors: to_half rounds as core/half.hpp, to_float widens exactly") {
  check_conversions<fp16>();
  check_conversions<bf16>();
}

TEST_CASE("half tensors: conv2d and conv_transpose2d with fp32 accumulation and one rounding") {
  check_conv_ops<fp16>();
  check_conv_ops<bf16>();
}

TEST_CASE("half tensors: matmul (2-D, batched) and linear") {
  check_products<fp16>();
  check_products<bf16>();
}

TEST_CASE("half tensors: safetensors stores F16 / BF16 bit for bit and converts on load") {
  Generator gen(5);
  const TF x = randn<float, cpu>({4, 6}, gen);
  const auto h = to_half<fp16>(x);
  const auto e = safetensors::entry_from(h);
  CHECK(e.dtype == safetensors::DType::F16);
  CHECK(e.bytes.size() == 2 * 24);
  const auto back = safetensors::to_tensor<fp16, cpu>(e);
  CHECK(bits_of(back) == bits_of(h));
  CHECK(safetensors::to_tensor<float, cpu>(e).to_vector() == to_float(h).to_vector());  // F16 file → float
  const auto as_bf16 = safetensors::to_tensor<bf16, cpu>(safetensors::entry_from(x));  // F32 file → bf16
  CHECK(bits_of(as_bf16) == bits_of(to_half<bf16>(x)));
  CHECK(safetensors::entry_from(as_bf16).dtype == safetensors::DType::BF16);
}

TEST_CASE("half tensors: misuse is an error naming the problem") {
  const auto h = to_half<fp16>(zeros<float, cpu>({2, 3}));
  auto msg = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto hh = h;
  CHECK(msg([&] { hh.requires_grad_(true); }).find("holds values without gradients") != std::string::npos);
  const auto strided = Tensor<fp16, cpu>::alias(h, {3, 2}, {1, 3}, 0);
  CHECK(msg([&] { to_float(strided); }).find("must be contiguous") != std::string::npos);
  const auto x4 = to_half<fp16>(zeros<float, cpu>({1, 3, 5, 5})), w4 = to_half<fp16>(zeros<float, cpu>({2, 4, 3, 3}));
  CHECK(msg([&] { conv2d(x4, w4); }).find("has 3 channels but weight") != std::string::npos);
  CHECK(msg([&] { matmul(h, h); }).find("do not multiply") != std::string::npos);
}
