// tests/autograd/test_autograd.cpp — the engine's contract: accumulation, adopted and copied
// leaf gradients, shared nodes, no_grad,
// detach, graph release, version counters, non-scalar seeds, grad(), and double backward
// (an R1 gradient penalty checked by finite differences).
#include <doctest/doctest.h>

#include "../support/gradcheck.hpp"

using namespace ganlib;
using ganlib::testing::TD;

TEST_CASE("backward adds into .grad and never overwrites") {
  auto x = from_vector<double>({1, 2, 3}).requires_grad_();
  sum(square(x)).backward();
  sum(mul_scalar(x, 3.0)).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{2 + 3, 4 + 3, 6 + 3});
}

TEST_CASE("a leaf adopts a fresh gradient but never one another leaf or tensor shares") {
  // add's backward hands the same gradient to both inputs: each .grad must be its own buffer.
  auto a = from_vector<double>({1, 2}).requires_grad_();
  auto b = from_vector<double>({3, 4}).requires_grad_();
  sum(add(a, b)).backward();
  auto ga = a.grad();
  add_(ga, from_vector<double>({10, 10}));
  CHECK(b.grad().to_vector() == std::vector<double>{1, 1});
  CHECK(a.grad().to_vector() == std::vector<double>{11, 11});
  CHECK(!a.grad().same_storage(b.grad()));
  // A seed the caller keeps is copied too, so accumulating into .grad leaves it alone.
  auto c = from_vector<double>({5, 6}).requires_grad_();
  const auto seed = from_vector<double>({1, 2});
  c.backward(seed);
  c.backward(seed);
  CHECK(seed.to_vector() == std::vector<double>{1, 2});
  CHECK(c.grad().to_vector() == std::vector<double>{2, 4});
  // What sole_owner() accepts: a whole buffer with one handle; not a view, an alias or a leaf.
  auto t = from_vector<double>({1, 2, 3});
  CHECK(t.sole_owner());
  CHECK(!t.narrow(0, 0, 2).sole_owner());
  {
    const auto alias = t.detach();
    CHECK(!t.sole_owner());
  }
  CHECK(t.sole_owner());
  CHECK(!from_vector<double>({1}).requires_grad_().sole_owner());
}

TEST_CASE("a value used twice gets both gradients (shared node, summed before its backward)") {
  auto x = from_vector<double>({2}).requires_grad_();
  auto y = mul(x, x);       // y = x²
  auto z = add(y, mul(y, x));  // z = x² + x³, y shared
  z.backward();
  CHECK(x.grad().item() == doctest::Approx(2 * 2 + 3 * 4));
}

TEST_CASE("a deep chain backpropagates without recursion") {
  auto x = from_vector<double>({1}).requires_grad_();
  auto y = x;
  for (int i = 0; i < 20000; ++i) y = add_scalar(y, 1e-4);
  y.backward();
  CHECK(x.grad().item() == 1.0);
}

TEST_CASE("no_grad and detach cut the graph") {
  auto x = from_vector<double>({1, 2}).requires_grad_();
  {
    no_grad guard;
    auto y = mul_scalar(x, 2.0);
    CHECK(!y.requires_grad());
  }
  auto d = x.detach();
  CHECK(!d.requires_grad());
  CHECK(d.same_storage(x));
  auto y = add(mul(x, d), x);  // d is a constant
  sum(y).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{2, 3});
}

TEST_CASE("a freed graph cannot be walked twice; retain_graph allows it") {
  auto x = from_vector<double>({3}).requires_grad_();
  auto y = exp(x);
  y.backward(TD(), /*retain_graph=*/true);
  y.backward();
  CHECK(x.grad().item() == doctest::Approx(2 * std::exp(3.0)));
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("the graph was freed by an earlier backward()"), Error);
}

TEST_CASE("modifying a saved tensor in place is reported at backward") {
  auto w = from_vector<double>({1, 2}).requires_grad_();
  auto x = from_vector<double>({3, 4});
  auto y = sum(mul(w, x));
  fill_(x, 0.0);  // x was saved by mul for w's gradient
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("mul backward: a tensor saved for the gradient"), Error);
  // ...and in-place on a tensor that requires grad is refused while recording.
  CHECK_THROWS_WITH_AS(fill_(w, 0.0), doctest::Contains("fill_: in-place update of a tensor that requires grad"), Error);
  {
    no_grad guard;  // what an optimizer step does
    fill_(w, 0.0);
  }
  CHECK(w.to_vector() == std::vector<double>{0, 0});
}

TEST_CASE("backward on a non-scalar needs a seed of the same shape") {
  auto x = from_vector<double>({1, 2}).requires_grad_();
  auto y = mul_scalar(x, 2.0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("backward: called on a non-scalar tensor of shape [2] without a gradient"), Error);
  CHECK_THROWS_WITH_AS(y.backward(zeros<double>({3})), doctest::Contains("gradient of shape [3] does not match the tensor's shape [2]"), Error);
  y.backward(from_vector<double>({1, 10}));
  CHECK(x.grad().to_vector() == std::vector<double>{2, 20});
  auto c = from_vector<double>({1});
  CHECK_THROWS_WITH_AS(c.backward(), doctest::Contains("does not require grad"), Error);
}

TEST_CASE("grad() returns gradients without touching any .grad") {
  auto w = from_vector<double>({1, 2}).requires_grad_();
  auto x = from_vector<double>({3, 5}).requires_grad_();
  auto y = sum(mul(square(w), x));
  auto g = grad(y, {x});
  CHECK(g[0].to_vector() == std::vector<double>{1, 4});
  CHECK(!w.grad().defined());
  CHECK(!x.grad().defined());
}

TEST_CASE("views backpropagate into the right elements") {
  auto x = arange<double>(0, 12).reshape({3, 4}).detach().requires_grad_();
  auto y = sum(mul(x.transpose(0, 1).narrow(0, 1, 2), from_vector<double>({1, 2, 3}, {1, 3})));
  y.backward();
  // y = sum over rows r of x[r, 1..2] * (r + 1)
  CHECK(x.grad().to_vector() == std::vector<double>{0, 1, 1, 0, 0, 2, 2, 0, 0, 3, 3, 0});
}

// R1: λ/2 · E‖∂D(x)/∂x‖², trained through. D here is a small MLP with the ops that the real
// discriminators use (linear, smooth nonlinearity, mean).
TEST_CASE("an R1 gradient penalty differentiates correctly (double backward vs finite differences)") {
  Generator gen(3);
  auto w1 = randn<double>({5, 3}, gen).requires_grad_();
  auto b1 = randn<double>({5}, gen).requires_grad_();
  auto w2 = randn<double>({1, 5}, gen).requires_grad_();
  auto x = randn<double>({4, 3}, gen).requires_grad_();
  auto r1 = [&](const std::vector<TD>& in) {
    auto d = linear(tanh(linear(in[3], in[0], in[1])), in[2]);
    auto gx = grad(sum(d), {in[3]}, TD(), /*create_graph=*/true)[0];
    return mul_scalar(sum(square(gx)), 0.5);
  };
  CHECK(ganlib::testing::gradcheck(r1, {w1, b1, w2, x}) == "");
  // And it trains: a few gradient steps on w1, b1, w2 lower the penalty.
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    for (auto* p : {&w1, &b1, &w2}) p->set_grad(TD());
    auto loss = r1({w1, b1, w2, x});
    loss.backward();
    (step == 0 ? first : last) = loss.item();
    no_grad guard;
    for (auto* p : {&w1, &b1, &w2}) add_(*p, p->grad(), -0.05);
  }
  CHECK(last < 0.5 * first);
}
