// tests/support/amp_small_net.hpp — a two-layer conv net trained 60 Adam steps under autocast
// (with dynamic loss scaling for fp16), on either backend: the CPU and the CUDA mixed-precision
// suites check that its loss falls. Returns {first loss, last loss}.
#pragma once
#include <utility>
#include <vector>

#include <ganlib/amp.hpp>
#include <ganlib/nn.hpp>
#include <ganlib/optim.hpp>

namespace amp_test {

template <class B>
std::pair<double, double> train_small_net(ganlib::Precision p) {
  using namespace ganlib;
  using TB = Tensor<float, B>;
  Generator gen(4);
  nn::Conv2d<float, B> c1(2, 8, 3, 1, 1, true), c2(8, 1, 3, 1, 1, true);
  TB x;
  {
    no_grad ng;
    x = to<B>(randn<float, cpu>({4, 2, 8, 8}, gen));
  }
  const TB target = mul_scalar(sub(narrow(x, 1, 0, 1), narrow(x, 1, 1, 1)), 0.5f);  // a linear map to learn
  std::vector<TB> params = c1.parameters();
  for (auto& t : c2.parameters()) params.push_back(t);
  optim::Adam<float, B> opt(params, {.lr = 1e-2});
  amp::GradScaler<float, B> scaler({.enabled = p == Precision::fp16});
  double first = 0, last = 0;
  for (int it = 0; it < 60; ++it) {
    opt.zero_grad();
    TB loss;
    {
      amp::Autocast on(p);
      loss = mean(square(sub(c2(relu(c1(x))), target)));
    }
    scaler.scale(loss).backward();
    scaler.step(opt);
    scaler.update();
    (it == 0 ? first : last) = loss.item();
  }
  return {first, last};
}

}  // namespace amp_test
