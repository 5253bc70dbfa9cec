// tests/cuda/test_cuda_amp.cu — mixed precision on the device against the CPU backend's autocast
// (which rounds operands and outputs to the same half format and accumulates in fp32), so the
// two differ by summation order only: at most about one half-precision unit (fp16 2e-3, bf16
// 1.6e-2 relative, stated per check). Also: GradScaler skips an fp16 overflow on the device as on
// the CPU, and a small conv net trains under fp16 + loss scaling and under bf16.
// Without a GPU it prints "SKIPPED: no CUDA device" and exits 0.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <ganlib/amp.hpp>
#include <ganlib/nn.hpp>
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

#include "gpu_main.hpp"
