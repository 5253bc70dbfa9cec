// tests/ops/errors_misc.cpp — what the op table cannot express for the activation, norm, loss,
// join, embedding, instance and dropout families: error messages on misuse, dropout's Philox
// mask (statistics, reproducibility, gradient), and views/aliasing of split and chunk.
#include <doctest/doctest.h>

#include <ganlib/ops.hpp>

using namespace ganlib;
using TF = Tensor<float, cpu>;
using TD = Tensor<double, cpu>;

TEST_CASE("activation, norm, loss, join, embedding, instance ops: misuse is reported") {
  Generator gen(1);
  const TF x = randn<float, cpu>({2, 3}, gen);
  CHECK_THROWS_WITH_AS(softmax(x, 2), doctest::Contains("softmax: dim 2 is out of range for a tensor of rank 2"),
                       Error);
  CHECK_THROWS_WITH_AS(log_softmax(x, -3), doctest::Contains("log_softmax: dim -3 is out of range"), Error);

  const TF img = randn<float, cpu>({2, 3, 4, 4}, gen);
  const TF c3 = ones<float, cpu>({3}), c4 = ones<float, cpu>({4});
  CHECK_THROWS_WITH_AS(batch_norm(img, c3, c3, c4, c3, true),
                       doctest::Contains("batch_norm: input [2, 3, 4, 4] has 3 channels but weight has shape [4]"),
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(img, c4, c3, TF(), TF(), true),
                       doctest::Contains("batch_norm: input [2, 3, 4, 4] has 3 channels but running_mean has shape [4]"),
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(img, TF(), TF(), c3, c3, false),
                       doctest::Contains("batch_norm: eval mode (training = false) needs running_mean"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(randn<float, cpu>({1, 3}, gen), c3, c3, c3, c3, true),
                       doctest::Contains("batch_norm: expected more than 1 value per channel"), Error);
  CHECK_THROWS_WITH_AS(instance_norm(img, TF(), TF(), c4),
                       doctest::Contains("instance_norm: input [2, 3, 4, 4] has 3 channels but weight has shape [4]"),
                       Error);

  const TF logits = randn<float, cpu>({2, 5}, gen);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector<float, cpu>({1, 7})),
                       doctest::Contains("cross_entropy: target id 7 at index 1 is out of range for 5 classes"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector<float, cpu>({1.5f, 2})),
                       doctest::Contains("cross_entropy: target value 1.5 at index 0 is not an integer"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(logits, from_vector<float, cpu>({1, 2, 3})),
                       doctest::Contains("cross_entropy: target [3] does not match logits [2, 5]"), Error);
  CHECK_THROWS_WITH_AS(mse_loss(logits, x), doctest::Contains("mse_loss: input [2, 5] and target [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(reduction_from_string("avg"), doctest::Contains("unknown reduction 'avg'"), Error);

  const TF labels = from_vector<float, cpu>({0, 1, 5, 2}, {1, 1, 2, 2});
  CHECK_THROWS_WITH_AS(one_hot(labels, 5),
                       doctest::Contains("one_hot: id 5 at index 2 is out of range: num_classes is 5"), Error);
  CHECK_THROWS_WITH_AS(embedding(from_vector<float, cpu>({3, -1}), ones<float, cpu>({4, 2})),
                       doctest::Contains("embedding: id -1 at index 1 is out of range: the table size is 4"), Error);

  const TF feats = randn<float, cpu>({1, 3, 4, 4}, gen);
  CHECK_THROWS_WITH_AS(instance_avg_pool(feats, zeros<float, cpu>({1, 1, 4, 5})),
                       doctest::Contains("instance_avg_pool: instance map [1, 1, 4, 5] does not match features "
                                         "[1, 3, 4, 4] (expected [1, 1, 4, 4])"),
                       Error);
  CHECK_THROWS_WITH_AS(boundary_map(zeros<float, cpu>({4, 4})),
                       doctest::Contains("boundary_map: instance map [4, 4] must be [N, 1, H, W]"), Error);

  CHECK_THROWS_WITH_AS(concat(std::vector<TF>{zeros<float, cpu>({3, 4}), zeros<float, cpu>({2, 4})}, 1),
                       doctest::Contains("concat: tensor 1 has shape [2, 4] but tensor 0 has [3, 4]; all dims "
                                         "except dim 1 must match"),
                       Error);
  CHECK_THROWS_WITH_AS(stack(std::vector<TF>{zeros<float, cpu>({3}), zeros<float, cpu>({2})}, 0),
                       doctest::Contains("stack: tensor 1 has shape [2] but tensor 0 has [3]"), Error);
  CHECK_THROWS_WITH_AS(chunk(x, 0, 0), doctest::Contains("chunk: number of chunks 0 must be positive"), Error);
  CHECK_THROWS_WITH_AS(dropout(x, 1.5, true, gen), doctest::Contains("dropout: probability 1.5 must be in [0, 1]"),
                       Error);
}

TEST_CASE("split and chunk return views of the input") {
  TF x = arange<float, cpu>(0, 10).reshape({2, 5});
  const auto parts = split(x, 2, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].shape() == Shape{2, 1});
  CHECK(parts[1].same_storage(x));
  CHECK(parts[1].to_vector() == std::vector<float>{2, 3, 7, 8});
  const auto cs = chunk(x, 2, 0);
  REQUIRE(cs.size() == 2);
  CHECK(cs[1].to_vector() == std::vector<float>{5, 6, 7, 8, 9});
}

TEST_CASE("dropout: Philox mask, reproducible, unbiased, and the gradient uses the same mask") {
  const double p = 0.3;
  const int64_t n = 200000;
  TF x = ones<float, cpu>({n});
  x.requires_grad_();
  Generator g1(42), g2(42), g3(43);
  const TF y1 = dropout(x, p, true, g1);
  const TF y2 = dropout(x, p, true, g2);
  const TF y3 = dropout(x, p, true, g3);
  const auto v1 = y1.to_vector(), v2 = y2.to_vector(), v3 = y3.to_vector();
  CHECK(v1 == v2);  // same seed and offset: same mask
  CHECK(v1 != v3);
  // Kept values are x / (1 − p); the kept fraction is 1 − p within 5 standard deviations.
  int64_t kept = 0;
  bool values_ok = true;
  for (float v : v1) {
    if (v != 0.f) ++kept;
    values_ok &= v == 0.f || std::abs(v - float(1 / (1 - p))) < 1e-6f;
  }
  CHECK(values_ok);
  const double frac = double(kept) / double(n), sd = std::sqrt(p * (1 - p) / double(n));
  CHECK(std::abs(frac - (1 - p)) < 5 * sd);
  // The generator moved on: the next call draws a different mask.
  const auto v1b = dropout(x, p, true, g1).to_vector();
  CHECK(v1b != v1);
  // Neighbouring elements are not correlated (each draw is its own counter).
  int64_t both = 0;
  for (int64_t i = 0; i + 1 < n; ++i) both += (v1[size_t(i)] != 0.f) && (v1[size_t(i + 1)] != 0.f);
  CHECK(std::abs(double(both) / double(n - 1) - (1 - p) * (1 - p)) < 0.01);
  // The gradient of sum(y) is the mask itself (0 or 1/(1 − p)), i.e. y / x with x = 1.
  sum(y1).backward();
  CHECK(x.grad().to_vector() == v1);
  // Eval mode and p = 0 are the identity; p = 1 drops everything.
  CHECK(dropout(x, p, false, g1).id() == x.id());
  CHECK(dropout(x, 0.0, true, g1).id() == x.id());
  CHECK(sum(dropout(x, 1.0, true, g1)).item() == 0.f);
}

TEST_CASE("dropout: the same seed gives the same mask whatever the tensor's shape or element type") {
  Generator ga(7), gb(7);
  const auto a = dropout(ones<double, cpu>({4, 25}), 0.5, true, ga).to_vector();
  const auto b = dropout(ones<float, cpu>({100}), 0.5, true, gb).to_vector();
  bool same = true;
  for (size_t i = 0; i < a.size(); ++i) same &= (a[i] != 0) == (b[i] != 0.f);
  CHECK(same);
}

TEST_CASE("batch_norm: eval after training uses the running statistics it accumulated") {
  Generator gen(5);
  const TD x = randn<double, cpu>({8, 2, 3, 3}, gen, 2.0, 3.0);
  TD rm = zeros<double, cpu>({2}), rv = ones<double, cpu>({2});
  for (int i = 0; i < 200; ++i) batch_norm(x, rm, rv, TD(), TD(), true, 0.1);
  // After many steps on one batch the running stats are that batch's mean / unbiased var.
  const auto want_m = mean(x, {0, 2, 3}).to_vector(), want_v = var(x, {0, 2, 3}, true).to_vector();
  for (int c = 0; c < 2; ++c) {
    CHECK(rm.to_vector()[size_t(c)] == doctest::Approx(want_m[size_t(c)]).epsilon(1e-9));
    CHECK(rv.to_vector()[size_t(c)] == doctest::Approx(want_v[size_t(c)]).epsilon(1e-9));
  }
  // Eval output then equals the training output up to the n/(n − 1) variance correction.
  const auto ye = batch_norm(x, rm, rv, TD(), TD(), false).to_vector();
  const auto yt = batch_norm(x, TD(), TD(), TD(), TD(), true).to_vector();
  const double k = std::sqrt(71.0 / 72.0);  // n = 8·3·3 = 72 per channel
  double worst = 0;
  for (size_t i = 0; i < ye.size(); ++i) worst = std::max(worst, std::abs(ye[i] - yt[i] * k));
  CHECK(worst < 1e-4);
}

TEST_CASE("instance_norm: the fused kernel's backward matches the composed one (create_graph)") {
  Generator gen(9);
  TD x = randn<double, cpu>({2, 4, 16, 12}, gen);
  TD w = randn<double, cpu>({4}, gen), b = randn<double, cpu>({4}, gen);
  x.requires_grad_();
  w.requires_grad_();
  b.requires_grad_();
  const TD gy = randn<double, cpu>({2, 4, 16, 12}, gen);
  const TD y = instance_norm(x, TD(), TD(), w, b);
  const auto fused = grad(y, {x, w, b}, gy, /*create_graph=*/false, /*retain_graph=*/true);
  const auto composed = grad(y, {x, w, b}, gy, /*create_graph=*/true);
  for (size_t k = 0; k < 3; ++k) {
    const auto a = fused[k].to_vector(), c = composed[k].to_vector();
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - c[i]));
    CHECK_MESSAGE(worst < 1e-10, "gradient " << k << " differs by " << worst);
  }
}
