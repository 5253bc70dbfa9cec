// tests/optim/test_amp.cpp — mixed precision on the CPU backend: autocast's policy (convolutions
// and products with half operands, the rest fp32, backward in the recorded precision) against
// the same computation written out with explicitly rounded tensors, and GradScaler's dynamic loss
// scaling (skip on overflow, backoff, growth, checkpoint state), and a small net that still learns.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <ganlib/amp.hpp>
#include <ganlib/nn.hpp>
#include <ganlib/optim.hpp>

#include "../support/amp_small_net.hpp"

using namespace ganlib;
using TF = Tensor<float, cpu>;

namespace {

// t rounded elementwise to precision p, as a new fp32 tensor (no autograd).
TF rounded(const TF& t, Precision p) {
  TF r = copy_values(t.detach());
  float* d = r.data();
  for (int64_t i = 0; i < r.numel(); ++i) d[i] = half::round_to(p, d[i]);
  return r;
}

float max_abs_diff(const TF& a, const TF& b) {
  REQUIRE(a.shape() == b.shape());
  const TF ac = copy_values(a.detach()), bc = copy_values(b.detach());
  float m = 0;
  for (int64_t i = 0; i < ac.numel(); ++i) m = std::max(m, std::fabs(ac.data()[i] - bc.data()[i]));
  return m;
}

TF randn_f(const Shape& s, Generator& gen, bool grad = false) {
  TF t = randn<float, cpu>(s, gen);
  if (grad) t.requires_grad_(true);
  return t;
}

}  // namespace

TEST_CASE("autocast conv2d: half operands and output, fp32 bias, backward in the recorded precision") {
  for (Precision p : {Precision::bf16, Precision::fp16}) {
    INFO(to_string(p));
    Generator gen(7);
    TF x = randn_f({2, 3, 9, 7}, gen, true), w = randn_f({5, 3, 3, 3}, gen, true), b = randn_f({5}, gen, true);
    TF r = randn_f({2, 5, 5, 4}, gen);  // d loss / d y
    TF y;
    {
      amp::Autocast on(p);
      CHECK(amp::autocast_precision() == p);
      y = conv2d(x, w, b, /*stride*/ 2, /*padding*/ 1);
    }
    CHECK(amp::autocast_precision() == Precision::fp32);
    sum(mul(y, r)).backward();  // after the scope: the recorded precision still applies

    // The same numbers written out: round the operands, convolve in fp32, round, add the bias.
    const TF xr = rounded(x, p), wr = rounded(w, p), rr = rounded(r, p);
    const TF want_y = add(rounded(conv2d(xr, wr, TF(), 2, 1), p), reshape(b.detach(), {1, 5, 1, 1}));
    CHECK(max_abs_diff(y, want_y) == 0.0f);
    const TF y32 = conv2d(x.detach(), w.detach(), b.detach(), 2, 1);
    CHECK(max_abs_diff(y, y32) > 0.0f);  // autocast did round
    CHECK(max_abs_diff(y, y32) < (p == Precision::bf16 ? 0.2f : 0.02f));

    Conv2dGeom g;
    g.N = 2, g.C = 3, g.H = 9, g.W = 7, g.K = 5, g.kh = 3, g.kw = 3, g.sh = g.sw = 2, g.ph = g.pw = 1;
    g.Ho = 5, g.Wo = 4;
    CHECK(max_abs_diff(x.grad(), rounded(conv2d_input_grad(rr, wr, g), p)) == 0.0f);
    CHECK(max_abs_diff(w.grad(), rounded(conv2d_weight_grad(xr, rr, g), p)) == 0.0f);
    CHECK(max_abs_diff(b.grad(), sum(r, {0, 2, 3})) == 0.0f);  // the bias gradient stays fp32
  }
}

TEST_CASE("autocast keeps a convolution's input for backward as half values: the fp32 activation is freed") {
  Generator gen(4);
  TF x = randn_f({1, 16, 62, 62}, gen, true), w = randn_f({16, 16, 3, 3}, gen, true);
  // Bytes the graph of conv2d(reflect-pad(x)) holds after the forward; the padded activation
  // (16·64·64 floats: a power of two, which the allocator does not round) is kept whole in
  // fp32, as half values under autocast.
  auto held_after_forward = [&](Precision p) {
    const size_t before = cpu::memory_allocated();
    TF y;
    {
      amp::Autocast on(p);
      y = conv2d(pad2d(x, {1, 1, 1, 1}, PadMode::reflect), w);
    }
    const size_t held = cpu::memory_allocated() - before;
    x.set_grad(TF()), w.set_grad(TF());
    sum(y).backward();
    CHECK(x.grad().defined());
    return held;
  };
  const size_t fp32 = held_after_forward(Precision::fp32), bf16 = held_after_forward(Precision::bf16);
  const size_t fp16 = held_after_forward(Precision::fp16);
  CHECK(fp32 - bf16 == 16 * 64 * 64 * 2);  // 4 bytes per value → 2
  CHECK(fp16 == bf16);
}

TEST_CASE("autocast: an R1 penalty trains; a second derivative through the half-saved input is an error") {
  Generator gen(8);
  TF x = randn_f({1, 2, 6, 6}, gen, true), w = randn_f({3, 2, 3, 3}, gen, true);
  auto r1_weight_grad = [&](Precision p) {
    TF y;
    {
      amp::Autocast on(p);
      y = conv2d(tanh(x), w, TF(), 1, 1);
    }
    const TF gx = grad(sum(mul(y, y)), {x}, TF(), /*create_graph=*/true)[0];
    w.set_grad(TF());
    sum(mul(gx, gx)).backward();
    return w.grad();
  };
  const TF g32 = r1_weight_grad(Precision::fp32), g16 = r1_weight_grad(Precision::bf16);
  CHECK(max_abs_diff(g16, g32) > 0.0f);
  CHECK(max_abs_diff(g16, g32) < 0.05f * max_abs_diff(g32, zeros_like(g32)));

  TF y;
  {
    amp::Autocast on(Precision::bf16);
    y = conv2d(x, w, TF(), 1, 1);
  }
  const TF gw = grad(sum(y), {w}, TF(), /*create_graph=*/true)[0];
  std::string msg = "no error";
  try {
    sum(mul(gw, gw)).backward();
  } catch (const Error& e) {
    msg = e.what();
  }
  CHECK(msg.find("kept in half precision") != std::string::npos);
}

TEST_CASE("autocast conv_transpose2d runs in half precision too") {
  Generator gen(3);
  TF x = randn_f({1, 4, 5, 6}, gen), w = randn_f({4, 2, 4, 4}, gen);
  TF y;
  {
    amp::Autocast on(Precision::bf16);
    y = conv_transpose2d(x, w, TF(), 2, 1);
  }
  const TF want = rounded(conv_transpose2d(rounded(x, Precision::bf16), rounded(w, Precision::bf16), TF(), 2, 1),
                          Precision::bf16);
  CHECK(max_abs_diff(y, want) == 0.0f);
}

TEST_CASE("autocast matmul/linear: half operands, fp32 result; double and other ops untouched") {
  Generator gen(11);
  TF x = randn_f({6, 10}, gen, true), w = randn_f({4, 10}, gen, true), b = randn_f({4}, gen);
  TF y;
  {
    amp::Autocast on(Precision::fp16);
    y = linear(x, w, b);
  }
  const Precision p = Precision::fp16;
  const TF want = add(matmul(rounded(x, p), transpose(rounded(w, p), 0, 1)), b);
  CHECK(max_abs_diff(y, want) == 0.0f);  // C is not rounded (cuBLAS writes fp32)
  CHECK(max_abs_diff(y, linear(x.detach(), w.detach(), b)) > 0.0f);
  TF gy = randn_f({6, 4}, gen);
  sum(mul(y, gy)).backward();
  CHECK(max_abs_diff(x.grad(), matmul(rounded(gy, p), rounded(w, p))) == 0.0f);

  // Non-product ops stay fp32 under autocast.
  TF z = randn_f({3, 5}, gen);
  {
    amp::Autocast on(Precision::bf16);
    CHECK(max_abs_diff(tanh(z), rounded(tanh(z), Precision::bf16)) > 0.0f);
  }
  // double ignores autocast.
  Generator gd(5);
  Tensor<double, cpu> xd = randn<double, cpu>({2, 3, 6, 6}, gd), wd = randn<double, cpu>({2, 3, 3, 3}, gd);
  const auto yd = conv2d(xd, wd);
  Tensor<double, cpu> yd_amp;
  {
    amp::Autocast on(Precision::bf16);
    yd_amp = conv2d(xd, wd);
  }
  const auto dd = copy_values(sub(yd, yd_amp));
  double m = 0;
  for (int64_t i = 0; i < dd.numel(); ++i) m = std::max(m, std::fabs(dd.data()[i]));
  CHECK(m == 0.0);
}

TEST_CASE("GradScaler: an fp16 overflow skips the step and backs off; clean steps match an unscaled run") {
  Generator gen(1);
  nn::Linear<float, cpu> lin(8, 3);
  TF x = randn_f({4, 8}, gen);
  optim::Adam<float, cpu> opt(lin.parameters(), {.lr = 1e-2});
  amp::GradScaler<float, cpu> scaler({.init_scale = 131072.0});  // 2^17 > fp16's largest, 65504
  const TF w0 = copy_values(lin.weight.detach());
  std::vector<bool> stepped;
  std::vector<double> scales;
  for (int it = 0; it < 3; ++it) {
    opt.zero_grad();
    TF loss;
    {
      amp::Autocast on(Precision::fp16);
      loss = sum(lin(x));
    }
    scaler.scale(loss).backward();  // d loss / d y = scale: inf once rounded to fp16 above 65504
    scales.push_back(scaler.scale());
    stepped.push_back(scaler.step(opt));
    scaler.update();
    if (it < 2) CHECK(max_abs_diff(lin.weight, w0) == 0.0f);  // skipped: untouched
  }
  CHECK(stepped == std::vector<bool>{false, false, true});
  CHECK(scales == std::vector<double>{131072.0, 65536.0, 32768.0});  // 65536 still rounds to inf
  CHECK(scaler.scale() == 32768.0);
  CHECK(scaler.skipped_steps() == 2);
  CHECK(max_abs_diff(lin.weight, w0) > 0.0f);

  // The unscaled gradients equal those of the same step without scaling (powers of two are exact).
  opt.zero_grad();
  {
    amp::Autocast on(Precision::fp16);
    scaler.scale(sum(lin(x))).backward();
  }
  scaler.unscale(opt);
  const TF g_scaled = copy_values(lin.weight.grad());
  CHECK_THROWS_WITH_AS(scaler.unscale(opt), doctest::Contains("already unscaled"), Error);
  opt.zero_grad();
  {
    amp::Autocast on(Precision::fp16);
    sum(lin(x)).backward();
  }
  CHECK(max_abs_diff(g_scaled, lin.weight.grad()) == 0.0f);
}

TEST_CASE("GradScaler: one inf or NaN anywhere in any gradient skips the step; finite ones are divided exactly") {
  for (float bad : {INFINITY, -INFINITY, NAN}) {
    for (int64_t at : {int64_t(0), int64_t(40000), int64_t(99999)}) {  // across the kernel's chunks
      TF a = zeros<float, cpu>({100000}).requires_grad_(true), b = zeros<float, cpu>({7}).requires_grad_(true);
      optim::Adam<float, cpu> opt(std::vector<TF>{a, b}, {.lr = 1e-2});
      amp::GradScaler<float, cpu> scaler({.init_scale = 1024.0});
      std::vector<float> ga(100000, 3072.0f);
      ga[size_t(at)] = bad;
      a.set_grad(from_vector<float, cpu>(ga, {100000}));
      b.set_grad(full<float, cpu>({7}, 512.0f));
      CHECK_FALSE(scaler.step(opt));
      const auto got = a.grad().to_vector();
      CHECK(got[size_t((at + 1) % 100000)] == 3.0f);
      CHECK(b.grad().to_vector() == std::vector<float>(7, 0.5f));
      CHECK(max_abs_diff(a, zeros_like(a)) == 0.0f);  // not stepped
    }
  }
  TF c = zeros<float, cpu>({5}).requires_grad_(true);
  optim::Adam<float, cpu> opt(std::vector<TF>{c}, {.lr = 1e-2});
  amp::GradScaler<float, cpu> scaler({.init_scale = 4.0});
  c.set_grad(full<float, cpu>({5}, 8.0f));
  CHECK(scaler.step(opt));  // all finite: steps
  CHECK(c.grad().to_vector() == std::vector<float>(5, 2.0f));
}

TEST_CASE("GradScaler: growth after growth_interval clean steps, state survives a checkpoint") {
  Generator gen(2);
  nn::Linear<float, cpu> lin(4, 2);
  TF x = randn_f({3, 4}, gen);
  optim::SGD<float, cpu> opt(lin.parameters(), {.lr = 1e-3});
  amp::GradScaler<float, cpu> scaler({.init_scale = 8.0, .growth_interval = 3});
  auto iteration = [&](amp::GradScaler<float, cpu>& s) {
    opt.zero_grad();
    s.scale(sum(lin(x))).backward();
    CHECK(s.step(opt));
    s.update();
  };
  iteration(scaler);
  iteration(scaler);
  CHECK(scaler.scale() == 8.0);
  const auto state = scaler.state_dict();
  iteration(scaler);
  CHECK(scaler.scale() == 16.0);  // the third clean step grows it

  amp::GradScaler<float, cpu> resumed({.init_scale = 1.0, .growth_interval = 3});
  resumed.load_state_dict(state);
  CHECK(resumed.scale() == 8.0);
  iteration(resumed);
  CHECK(resumed.scale() == 16.0);  // one more clean step, as the uninterrupted run

  CHECK_THROWS_WITH_AS(resumed.load_state_dict({{"scale", scalar_tensor<float, cpu>(2.0f)}}),
                       doctest::Contains("growth_tracker"), Error);
  using Scaler = amp::GradScaler<float, cpu>;
  CHECK_THROWS_WITH_AS(Scaler({.backoff_factor = 2.0}), doctest::Contains("backoff_factor"), Error);
  amp::GradScaler<float, cpu> off({.enabled = false});
  TF l = scalar_tensor<float, cpu>(3.0f);
  CHECK(off.scale(l).item() == 3.0f);
}

TEST_CASE("mixed precision training: a small conv net learns under bf16 and under fp16 with loss scaling") {
  for (Precision p : {Precision::bf16, Precision::fp16}) {
    INFO(to_string(p));
    const auto [first, last] = amp_test::train_small_net<cpu>(p);
    CHECK(std::isfinite(last));
    CHECK(last < first / 4);
  }
}
