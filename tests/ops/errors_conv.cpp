// tests/ops/errors_conv.cpp — misuse of the conv, pool, pad and upsample ops throws a
// ganlib::Error whose message names the op and the offending shapes or values.
#include <doctest/doctest.h>

#include <ganlib/ops.hpp>

using namespace ganlib;
using TF = Tensor<float, cpu>;

TEST_CASE("conv2d: misuse is reported with the shapes") {
  const auto x = zeros<float>({1, 3, 8, 8});
  CHECK_THROWS_WITH_AS(conv2d(x, zeros<float>({4, 2, 3, 3})),
                       doctest::Contains("conv2d: input [1, 3, 8, 8] has 3 channels but weight [4, 2, 3, 3] expects 2 (groups 1)"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros<float>({4, 1, 3, 3}), TF(), 1, 0, 1, 2),
                       doctest::Contains("groups 2 does not divide"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros<float>({1, 4, 8, 8}), zeros<float>({3, 2, 3, 3}), TF(), 1, 0, 1, 2),
                       doctest::Contains("3 output channels, which groups 2 does not divide"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros<float>({4, 3, 3, 3}), TF(), 1, {-1, 0}),
                       doctest::Contains("conv2d: padding must be non-negative, got (-1, 0)"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros<float>({4, 3, 3, 3}), TF(), 0),
                       doctest::Contains("conv2d: stride must be positive"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros<float>({1, 3, 4, 4}), zeros<float>({4, 3, 7, 7}), TF(), 1, 1),
                       doctest::Contains("conv2d: kernel 7x7 (dilation (1, 1)) is larger than the padded input 6x6"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(zeros<float>({3, 8, 8}), zeros<float>({4, 3, 3, 3})),
                       doctest::Contains("conv2d: input must be 4-D [N, C, H, W], got [3, 8, 8]"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros<float>({4, 3, 3})),
                       doctest::Contains("conv2d: weight must be 4-D"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros<float>({4, 3, 3, 3}), zeros<float>({3})),
                       doctest::Contains("conv2d: bias [3] does not match weight [4, 3, 3, 3]"), ganlib::Error);
}

TEST_CASE("conv_transpose2d: misuse is reported with the shapes") {
  const auto x = zeros<float>({1, 3, 4, 4});
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros<float>({2, 3, 3, 3})),
                       doctest::Contains("conv_transpose2d: input [1, 3, 4, 4] has 3 channels but weight [2, 3, 3, 3] expects 2"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros<float>({3, 2, 3, 3}), TF(), 2, 1, 2),
                       doctest::Contains("output_padding (2, 2) must be non-negative and smaller than stride"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(x, zeros<float>({3, 2, 3, 3}), TF(), 1, 0, 0, 2),
                       doctest::Contains("groups 2 does not divide"), ganlib::Error);
  CHECK_THROWS_WITH_AS(conv_transpose2d(zeros<float>({1, 3, 1, 1}), zeros<float>({3, 2, 1, 1}), TF(), 1, 1),
                       doctest::Contains("gives an empty output"), ganlib::Error);
}

TEST_CASE("conv2d: an R1-style penalty trains through a two-layer conv net") {
  // d/dw of |∂D(x)/∂x|² needs conv2d's second derivative; compare against finite differences.
  Generator gen(3);
  auto x = randn<double, cpu>({2, 2, 5, 5}, gen).requires_grad_();
  auto w1 = randn<double, cpu>({3, 2, 3, 3}, gen).requires_grad_();
  auto w2 = randn<double, cpu>({1, 3, 3, 3}, gen).requires_grad_();
  auto penalty = [&] {
    auto h = tanh(conv2d(x, w1, {}, 2, 1));
    auto d = sum(conv2d(h, w2, {}, 1, 1));
    auto gx = grad(d, {x}, {}, /*create_graph=*/true)[0];
    return sum(square(gx));
  };
  auto p = penalty();
  auto gw = grad(p, {w1, w2});
  const double eps = 1e-6;
  for (int which = 0; which < 2; ++which) {
    auto& w = which == 0 ? w1 : w2;
    for (int64_t i = 0; i < w.numel(); i += 5) {
      const double orig = w.data()[i];
      w.data()[i] = orig + eps;
      const double up = penalty().item();
      w.data()[i] = orig - eps;
      const double down = penalty().item();
      w.data()[i] = orig;
      CHECK(gw[which].to_vector()[size_t(i)] == doctest::Approx((up - down) / (2 * eps)).epsilon(1e-5));
    }
  }
}

TEST_CASE("conv2d: batch split over threads gives the same values as one image at a time") {
  Generator gen(5);
  auto x = randn<float>({4, 3, 9, 7}, gen), w = randn<float>({5, 3, 3, 3}, gen);
  auto gy = randn<float>({4, 5, 5, 4}, gen);
  auto y = conv2d(x, w, {}, 2, 1);
  auto gw = conv2d_weight_grad(x, gy, [&] { Conv2dGeom g; g.N = 4; g.C = 3; g.H = 9; g.W = 7; g.K = 5;
    g.kh = g.kw = 3; g.Ho = 5; g.Wo = 4; g.sh = g.sw = 2; g.ph = g.pw = 1; return g; }());
  for (int64_t n = 0; n < 4; ++n) {
    auto yn = conv2d(narrow(x, 0, n, 1), w, {}, 2, 1).to_vector();
    auto all = narrow(y, 0, n, 1).to_vector();
    for (size_t i = 0; i < yn.size(); ++i) CHECK(yn[i] == doctest::Approx(all[i]).epsilon(1e-6));
  }
  auto ref = zeros<float>({5, 3, 3, 3});
  for (int64_t n = 0; n < 4; ++n) {
    Conv2dGeom g; g.N = 1; g.C = 3; g.H = 9; g.W = 7; g.K = 5; g.kh = g.kw = 3; g.Ho = 5; g.Wo = 4;
    g.sh = g.sw = 2; g.ph = g.pw = 1;
    add_(ref, conv2d_weight_grad(narrow(x, 0, n, 1), narrow(gy, 0, n, 1), g));
  }
  const auto a = gw.to_vector(), b = ref.to_vector();
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-5));
}

TEST_CASE("pooling: misuse is reported with the shapes") {
  const auto x = zeros<float>({1, 2, 5, 5});
  CHECK_THROWS_WITH_AS(avg_pool2d(zeros<float>({2, 5, 5}), 2),
                       doctest::Contains("avg_pool2d: input must be 4-D [N, C, H, W], got [2, 5, 5]"), ganlib::Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, 3, 2, 2),
                       doctest::Contains("avg_pool2d: padding (2, 2) must be at most half the kernel size (3, 3)"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 3, 1, -1),
                       doctest::Contains("max_pool2d: padding must be non-negative"), ganlib::Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, 6),
                       doctest::Contains("max_pool2d: input [1, 2, 5, 5] is too small for kernel (6, 6)"), ganlib::Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, 2, -1), doctest::Contains("avg_pool2d: stride must be positive"), ganlib::Error);
  CHECK_THROWS_WITH_AS(global_sum_pool(zeros<float>({2, 3})),
                       doctest::Contains("global_sum_pool: input must be 4-D"), ganlib::Error);
}

TEST_CASE("pad2d and upsample2d: misuse is reported with the shapes") {
  const auto x = zeros<float>({1, 2, 3, 4});
  CHECK_THROWS_WITH_AS(pad2d(x, {1, 1, 3, 0}, PadMode::reflect),
                       doctest::Contains("pad2d: reflect padding (1, 1, 3, 0) must be smaller than the padded dims (H 3, W 4) of input [1, 2, 3, 4]"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(pad2d(x, {-1, 0, 0, 0}), doctest::Contains("pad2d: padding (-1, 0, 0, 0) must be non-negative"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(pad2d(zeros<float>({3, 4}), {1, 1, 1, 1}),
                       doctest::Contains("pad2d: input must be 3-D [C, H, W] or 4-D [N, C, H, W], got [3, 4]"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(pad2d(TF::empty({1, 1, 0, 3}), {1, 1, 1, 1}, PadMode::replicate),
                       doctest::Contains("pad2d: replicate padding needs a non-empty input"), ganlib::Error);
  CHECK_THROWS_WITH_AS(upsample2d(zeros<float>({2, 3, 4}), 2.0),
                       doctest::Contains("upsample2d: input must be 4-D [N, C, H, W], got [2, 3, 4]"), ganlib::Error);
  CHECK_THROWS_WITH_AS(upsample2d(x, 2.0, UpsampleMode::nearest, true),
                       doctest::Contains("align_corners only applies to bilinear mode"), ganlib::Error);
  CHECK_THROWS_WITH_AS(upsample2d(x, 0.2), doctest::Contains("makes input [1, 2, 3, 4] empty (0x0)"), ganlib::Error);
  CHECK_THROWS_WITH_AS(upsample2d(x, -1.0), doctest::Contains("must be positive and finite"), ganlib::Error);
  CHECK_THROWS_WITH_AS(upsample2d_to(x, {0, 4}), doctest::Contains("upsample2d_to: output size (0, 4) must be positive"),
                       ganlib::Error);
}

TEST_CASE("conv2d: a large image is processed in row bands with the same results") {
  // 64 channels × 3×3 × 300 columns: the im2col buffer is cut into bands of output rows.
  Generator gen(9);
  using TD = Tensor<double, cpu>;
  auto x = randn<double, cpu>({1, 64, 40, 300}, gen), w = randn<double, cpu>({8, 64, 3, 3}, gen);
  auto y = conv2d(x, w, {}, 1, 1);
  REQUIRE(y.shape() == Shape{1, 8, 40, 300});
  const auto xv = x.to_vector(), wv = w.to_vector(), yv = y.to_vector();
  for (int64_t k : {0, 7})
    for (int64_t oh : {0, 17, 39})
      for (int64_t ow : {0, 150, 299}) {
        double ref = 0;
        for (int64_t c = 0; c < 64; ++c)
          for (int64_t i = 0; i < 3; ++i)
            for (int64_t j = 0; j < 3; ++j) {
              const int64_t ih = oh - 1 + i, iw = ow - 1 + j;
              if (ih >= 0 && ih < 40 && iw >= 0 && iw < 300)
                ref += xv[size_t((c * 40 + ih) * 300 + iw)] * wv[size_t(((k * 64 + c) * 3 + i) * 3 + j)];
            }
        CHECK(yv[size_t((k * 40 + oh) * 300 + ow)] == doctest::Approx(ref).epsilon(1e-10));
      }
  // Adjoint identities: <conv(x, w), gy> = <x, input_grad(gy, w)> = <w, weight_grad(x, gy)>.
  Conv2dGeom g;
  g.N = 1, g.C = 64, g.H = 40, g.W = 300, g.K = 8, g.kh = g.kw = 3, g.Ho = 40, g.Wo = 300, g.ph = g.pw = 1;
  auto gy = randn<double, cpu>({1, 8, 40, 300}, gen);
  const double a = sum(mul(y, gy)).item();
  const double b = sum(mul(x, conv2d_input_grad(gy, w, g))).item();
  const double c = sum(mul(w, conv2d_weight_grad(x, gy, g))).item();
  CHECK(b == doctest::Approx(a).epsilon(1e-10));
  CHECK(c == doctest::Approx(a).epsilon(1e-10));
  (void)TD();
}
