// tests/ops/errors_sample.cpp — misuse of grid_sample, flow_warp and correlation throws a
// ganlib::Error naming the op and the shapes or values; plus the few properties the op table
// cannot express (FlowNetC's shapes, identities of the warp, unsupported double backward).
#include <doctest/doctest.h>

#include <ganlib/ops.hpp>

using namespace ganlib;
using TF = Tensor<float, cpu>;
using TD = Tensor<double, cpu>;

TEST_CASE("grid_sample / flow_warp: misuse is reported with the shapes") {
  const auto x = zeros<float>({2, 3, 5, 6});
  CHECK_THROWS_WITH_AS(grid_sample(x, zeros<float>({2, 4, 4, 3})),
                       doctest::Contains("grid_sample: grid must be [N, Ho, Wo, 2] (x, y last), got [2, 4, 4, 3]"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(grid_sample(x, zeros<float>({2, 4, 2})),
                       doctest::Contains("grid_sample: grid must be [N, Ho, Wo, 2]"), ganlib::Error);
  CHECK_THROWS_WITH_AS(grid_sample(x, zeros<float>({3, 4, 4, 2})),
                       doctest::Contains("grid_sample: input [2, 3, 5, 6] and grid [3, 4, 4, 2] have different batch sizes (2 vs 3)"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(grid_sample(zeros<float>({3, 5, 6}), zeros<float>({3, 4, 4, 2})),
                       doctest::Contains("grid_sample: input must be 4-D [N, C, H, W], got [3, 5, 6]"),
                       ganlib::Error);
  // (TF::empty: zeros() of an empty shape is not what is under test here)
  CHECK_THROWS_WITH_AS(grid_sample(TF::empty({2, 3, 0, 6}), zeros<float>({2, 4, 4, 2})),
                       doctest::Contains("grid_sample: input [2, 3, 0, 6] has an empty spatial size"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(flow_warp(x, zeros<float>({2, 3, 5, 6})),
                       doctest::Contains("flow_warp: flow [2, 3, 5, 6] must be [N, 2, H, W] = [2, 2, 5, 6] for input [2, 3, 5, 6]"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(flow_warp(x, zeros<float>({2, 2, 5, 7})),
                       doctest::Contains("flow_warp: flow [2, 2, 5, 7] must be [N, 2, H, W]"), ganlib::Error);
  CHECK_THROWS_WITH_AS(flow_warp(x, zeros<float>({1, 2, 5, 6})),
                       doctest::Contains("flow_warp: flow [1, 2, 5, 6] must be [N, 2, H, W]"), ganlib::Error);
}

TEST_CASE("grid_sample: a second derivative through the grid is refused, not wrong") {
  Generator gen(3);
  auto x = randn<double, cpu>({1, 2, 4, 4}, gen).requires_grad_();
  auto g = mul_scalar(rand<double, cpu>({1, 3, 3, 2}, gen), 1.6).requires_grad_();
  auto y = sum(square(grid_sample(x, g, GridPadding::border, true)));
  auto gs = grad(y, {x, g}, TD(), /*create_graph=*/true);
  CHECK_THROWS_WITH_AS(sum(gs[1]).backward(),
                       doctest::Contains("grid_sample: double backward is not supported"), ganlib::Error);
  // The image gradient depends on the grid as well: differentiating it w.r.t. anything while
  // the grid requires grad is refused too.
  auto gs2 = grad(sum(square(grid_sample(x, g))), {x, g}, TD(), true);
  CHECK_THROWS_WITH_AS(sum(gs2[0]).backward(),
                       doctest::Contains("grid_sample: double backward is not supported"), ganlib::Error);
}

TEST_CASE("flow_warp: zero flow is the identity, an integer flow shifts with border clamping") {
  Generator gen(5);
  const auto x = randn<float, cpu>({2, 3, 5, 7}, gen);
  const auto same = flow_warp(x, zeros<float>({2, 2, 5, 7}));
  const auto a = x.to_vector(), b = same.to_vector();
  for (size_t i = 0; i < a.size(); ++i) CHECK(b[i] == doctest::Approx(a[i]).epsilon(1e-5));
  // flow_x = +2 everywhere: out[.., i, j] = x[.., i, min(j + 2, W - 1)].
  std::vector<float> fv(2 * 2 * 5 * 7, 0.f);
  for (size_t n = 0; n < 2; ++n)
    for (size_t k = 0; k < 35; ++k) fv[n * 70 + k] = 2.f;
  const auto shifted = flow_warp(x, from_vector<float, cpu>(fv, {2, 2, 5, 7})).to_vector();
  for (int64_t p = 0; p < 2 * 3 * 5; ++p)
    for (int64_t j = 0; j < 7; ++j)
      CHECK(shifted[size_t(p * 7 + j)] ==
            doctest::Approx(a[size_t(p * 7 + std::min<int64_t>(j + 2, 6))]).epsilon(1e-5));
}

TEST_CASE("correlation: FlowNetC's geometry and misuse") {
  Generator gen(7);
  // FlowNetC: conv3 maps at 48x64, pad 20, kernel 1, max_displacement 20, strides 1 and 2.
  const auto f1 = randn<float, cpu>({1, 4, 48, 64}, gen), f2 = randn<float, cpu>({1, 4, 48, 64}, gen);
  const auto c = correlation(f1, f2, 20, 1, 20, 1, 2);
  CHECK(c.shape() == Shape{1, 441, 48, 64});
  // Zero displacement (centre channel 220) is the channel mean of f1·f2.
  const auto v = c.to_vector(), a = f1.to_vector(), b = f2.to_vector();
  for (int64_t p : {0, 777, 48 * 64 - 1}) {
    double m = 0;
    for (int64_t ch = 0; ch < 4; ++ch) m += double(a[size_t(ch * 3072 + p)]) * b[size_t(ch * 3072 + p)];
    CHECK(v[size_t(220 * 3072 + p)] == doctest::Approx(m / 4).epsilon(1e-5));
  }
  // Non-contiguous inputs give the same values.
  const auto t1 = transpose(randn<float, cpu>({1, 3, 9, 8}, gen), 2, 3);
  const auto t2 = transpose(randn<float, cpu>({1, 3, 9, 8}, gen), 2, 3);
  const auto r1 = correlation(t1, t2, 2, 3, 2, 2, 1).to_vector();
  const auto r2 = correlation(t1.contiguous(), t2.contiguous(), 2, 3, 2, 2, 1).to_vector();
  CHECK(r1 == r2);

  const auto x = zeros<float>({1, 3, 8, 8});
  CHECK_THROWS_WITH_AS(correlation(x, zeros<float>({1, 3, 8, 9}), 4, 1, 4, 1, 2),
                       doctest::Contains("correlation: inputs [1, 3, 8, 8] and [1, 3, 8, 9] must both be [N, C, H, W] of the same shape"),
                       ganlib::Error);
  CHECK_THROWS_WITH_AS(correlation(zeros<float>({3, 8, 8}), zeros<float>({3, 8, 8}), 4, 1, 4, 1, 2),
                       doctest::Contains("correlation: inputs [3, 8, 8] and [3, 8, 8] must both be"), ganlib::Error);
  CHECK_THROWS_WITH_AS(correlation(x, x, 4, 2, 4, 1, 2),
                       doctest::Contains("correlation: kernel_size 2 must be odd and >= 1"), ganlib::Error);
  CHECK_THROWS_WITH_AS(correlation(x, x, -1, 1, 4, 1, 2),
                       doctest::Contains("correlation: pad_size -1 and max_displacement 4 must be >= 0"), ganlib::Error);
  CHECK_THROWS_WITH_AS(correlation(x, x, 4, 1, 4, 0, 2),
                       doctest::Contains("correlation: stride1 0 and stride2 2 must be >= 1"), ganlib::Error);
  CHECK_THROWS_WITH_AS(correlation(x, x, 4, 1, 4, 1, 2, 0),
                       doctest::Contains("correlation: corr_multiply 0 is not supported"), ganlib::Error);
  CHECK_THROWS_WITH_AS(correlation(x, x, 0, 3, 4, 1, 1),
                       doctest::Contains("correlation: input [1, 3, 8, 8] padded by 0 is 8x8, not larger than twice the border max_displacement + (kernel_size-1)/2 = 5"),
                       ganlib::Error);
  // max_displacement need not be a multiple of stride2 (flownet2-pytorch takes max_disp / stride2).
  CHECK(correlation(x, x, 4, 1, 5, 1, 2).shape() == Shape{1, 25, 6, 6});
}

TEST_CASE("grid_sample / correlation: bitwise the same on 1 and 3 threads") {
  // Every output element (and gradient element) is summed by one task in a fixed order.
  auto run = [](int threads) {
    set_num_threads(threads);
    Generator gen(11);
    auto x = randn<float, cpu>({2, 5, 24, 31}, gen).requires_grad_();
    auto grid = mul_scalar(randn<float, cpu>({2, 64, 64, 2}, gen), 0.7f).requires_grad_();  // > 1 task
    auto f2 = randn<float, cpu>({2, 5, 24, 31}, gen).requires_grad_();
    auto y = grid_sample(x, grid, GridPadding::zeros, false);
    auto c = correlation(x, f2, 3, 1, 3, 1, 1);
    (sum(square(y)) + sum(square(c))).backward();
    std::vector<float> all;
    for (const auto& t : {y, c, x.grad(), grid.grad(), f2.grad()}) {
      const auto v = t.to_vector();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  };
  const int before = num_threads();
  const auto one = run(1), three = run(3);
  set_num_threads(before);
  CHECK(one == three);
}
