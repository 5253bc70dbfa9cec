// tests/cuda/test_cuda_amp.cu — mixed precision on the device against the CPU backend's autocast
// (which rounds operands and outputs to the same half format and accumulates in fp32), so the
// two differ by summation order only: at most about one half-precision unit (fp16 2e-3, bf16
// 1.6e-2 relative, stated per check). Also: GradScaler skips an fp16 overflow on the device as on
// the CPU, and a small conv net trains under fp16 + loss scaling and under bf16. Half-precision
// tensors (ops/half.hpp): conversions equal the CPU's bit for bit, their conv / matmul / linear
// are within the same tolerances.
// Without a GPU it prints "SKIPPED: no CUDA device" and exits 0.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <ganlib/amp.hpp>
#include <ganlib/nn.hpp>
#include <ganlib/ops.hpp>
#include <ganlib/optim.hpp>

#include "../support/amp_small_net.hpp"

using namespace ganlib;
using TC = Tensor<float, cpu>;
using TG = Tensor<float, cuda>;

namespace {

double tolerance(Precision p) { return p == Precision::bf16 ? 1.6e-2 : 2e-3; }

// "" when |got - want| <= rtol·(|want| + max|want| / 64) everywhere.
std::string close(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
                  double rtol) {
  if (got.size() != want.size()) return what + ": sizes differ";
  double scale = 1e-6;
  for (float v : want) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(double(got[i]) - want[i]) <= rtol * (std::fabs(double(want[i])) + scale / 64)))
      return what + ": element " + std::to_string(i) + " is " + std::to_string(got[i]) + " on cuda, " +
             std::to_string(want[i]) + " on cpu";
  return "";
}

TG gpu(const TC& x, bool grad = false) {
  TG g;
  {
    no_grad ng;
    g = to<cuda>(x.detach());
  }
  if (grad) g.requires_grad_(true);
  return g;
}

}  // namespace

TEST_CASE("autocast conv2d / conv_transpose2d / linear on cuda match the cpu autocast") {
  for (Precision p : {Precision::fp16, Precision::bf16}) {
    INFO(to_string(p));
    Generator gen(9);
    TC x = randn<float, cpu>({2, 16, 17, 13}, gen), w = randn<float, cpu>({32, 16, 3, 3}, gen);
    TC b = randn<float, cpu>({32}, gen), r = randn<float, cpu>({2, 32, 9, 7}, gen);
    x.requires_grad_(true), w.requires_grad_(true);
    TG xg = gpu(x, true), wg = gpu(w, true), bg = gpu(b), rg = gpu(r);
    TC yc;
    TG yg;
    {
      amp::Autocast on(p);
      yc = conv2d(x, w, b, 2, 1);
      yg = conv2d(xg, wg, bg, 2, 1);
    }
    sum(mul(yc, r)).backward();
    sum(mul(yg, rg)).backward();
    CHECK(close("conv2d", yg.to_vector(), yc.to_vector(), tolerance(p)) == "");
    CHECK(close("conv2d input grad", xg.grad().to_vector(), x.grad().to_vector(), tolerance(p)) == "");
    CHECK(close("conv2d weight grad", wg.grad().to_vector(), w.grad().to_vector(), tolerance(p)) == "");

    TC wt = randn<float, cpu>({32, 8, 4, 4}, gen);
    TC yt;
    TG ytg;
    {
      amp::Autocast on(p);
      yt = conv_transpose2d(yc.detach(), wt, TC(), 2, 1);
      ytg = conv_transpose2d(gpu(yc), gpu(wt), TG(), 2, 1);
    }
    CHECK(close("conv_transpose2d", ytg.to_vector(), yt.to_vector(), tolerance(p)) == "");

    TC a = randn<float, cpu>({33, 70}, gen), lw = randn<float, cpu>({20, 70}, gen), lb = randn<float, cpu>({20}, gen);
    TC lc;
    TG lg;
    {
      amp::Autocast on(p);
      lc = linear(a, lw, lb);
      lg = linear(gpu(a), gpu(lw), gpu(lb));
    }
    CHECK(close("linear", lg.to_vector(), lc.to_vector(), tolerance(p)) == "");
  }
}

TEST_CASE("GradScaler on cuda: fp16 overflow skips the step and backs off, as on the cpu") {
  Generator gen(1);
  nn::Linear<float, cuda> lin(8, 3);
  TG x = gpu(randn<float, cpu>({4, 8}, gen));
  optim::Adam<float, cuda> opt(lin.parameters(), {.lr = 1e-2});
  amp::GradScaler<float, cuda> scaler({.init_scale = 131072.0});
  std::vector<bool> stepped;
  for (int it = 0; it < 3; ++it) {
    opt.zero_grad();
    TG loss;
    {
      amp::Autocast on(Precision::fp16);
      loss = sum(lin(x));
    }
    scaler.scale(loss).backward();
    stepped.push_back(scaler.step(opt));
    scaler.update();
  }
  CHECK(stepped == std::vector<bool>{false, false, true});
  CHECK(scaler.scale() == 32768.0);
}

TEST_CASE("a small conv net trains on cuda under fp16 with loss scaling and under bf16") {
  for (Precision p : {Precision::fp16, Precision::bf16}) {
    INFO(to_string(p));
    const auto [first, last] = amp_test::train_small_net<cuda>(p);
    CHECK(std::isfinite(last));
    CHECK(last < first / 4);
  }
}

TEST_CASE("half tensors on cuda: conversions bit for bit, conv / transposed conv / matmul / linear near the cpu") {
  auto check = [](auto tag) {
    using H = decltype(tag);
    const Precision p = precision_of<H>();
    INFO(to_string(p));
    Generator gen(21);
    TC x = randn<float, cpu>({2, 6, 11, 9}, gen, 0.0, 300.0);
    const auto xh = to_half<H>(x);
    const auto xhg = to_half<H>(gpu(x));
    std::vector<uint16_t> bc, bg;
    for (H v : xh.to_vector()) bc.push_back(v.bits);
    for (H v : to<cpu>(xhg).to_vector()) bg.push_back(v.bits);
    CHECK(bc == bg);
    CHECK(to_float(xhg).to_vector() == to_float(xh).to_vector());

    x = randn<float, cpu>({2, 6, 11, 9}, gen);
    const TC w = randn<float, cpu>({8, 3, 3, 3}, gen), b = randn<float, cpu>({8}, gen);
    const auto xc = to_half<H>(x), wc = to_half<H>(w), bcv = to_half<H>(b);
    const auto xd = to<cuda>(xc), wd = to<cuda>(wc), bd = to<cuda>(bcv);
    CHECK(close("conv2d", to_float(conv2d(xd, wd, bd, 2, 1, 1, 2)).to_vector(),
                to_float(conv2d(xc, wc, bcv, 2, 1, 1, 2)).to_vector(), tolerance(p)) == "");
    const auto wt = to_half<H>(randn<float, cpu>({6, 4, 4, 4}, gen));
    CHECK(close("conv_transpose2d", to_float(conv_transpose2d(xd, to<cuda>(wt), {}, 2, 1, 1)).to_vector(),
                to_float(conv_transpose2d(xc, wt, {}, 2, 1, 1)).to_vector(), tolerance(p)) == "");
    const auto a = to_half<H>(randn<float, cpu>({3, 5, 33}, gen)), m = to_half<H>(randn<float, cpu>({3, 33, 7}, gen));
    CHECK(close("matmul", to_float(matmul(to<cuda>(a), to<cuda>(m))).to_vector(), to_float(matmul(a, m)).to_vector(),
                tolerance(p)) == "");
    const auto l = to_half<H>(randn<float, cpu>({5, 33}, gen)), lw = to_half<H>(randn<float, cpu>({10, 33}, gen));
    const auto lb = to_half<H>(randn<float, cpu>({10}, gen));
    CHECK(close("linear", to_float(linear(to<cuda>(l), to<cuda>(lw), to<cuda>(lb))).to_vector(),
                to_float(linear(l, lw, lb)).to_vector(), tolerance(p)) == "");
  };
  check(fp16{});
  check(bf16{});
}

#include "gpu_main.hpp"
