// tests/cuda/test_cuda_graph.cu — CUDA graphs (backend/cuda/graph.hpp): a captured forward and a
// captured training step (conv + batch norm + linear, MSE, backward, Adam) replayed on new inputs
// give what the eager code gives; host syncs inside a capture are errors naming the call; a
// graph's private pool keeps its blocks while it lives and returns them to the cache after.
// Without a GPU it prints "SKIPPED: no CUDA device" and exits 0.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <ganlib/backend/cuda/graph.hpp>
#include <ganlib/nn.hpp>
#include <ganlib/optim.hpp>

using namespace ganlib;
using TG = Tensor<float, cuda>;

namespace {

// "" when |got - want| <= rtol·|want| + 1e-7·max|want| everywhere; also counts bitwise differences.
std::string close(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
                  double rtol, size_t* bit_differences = nullptr) {
  if (got.size() != want.size()) return what + ": sizes differ";
  double scale = 1;
  for (float v : want) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < got.size(); ++i) {
    if (bit_differences && got[i] != want[i]) ++*bit_differences;
    if (!(std::fabs(double(got[i]) - want[i]) <= rtol * std::fabs(double(want[i])) + 1e-7 * scale))
      return what + ": element " + std::to_string(i) + " is " + std::to_string(got[i]) + " after replay, " +
             std::to_string(want[i]) + " eagerly";
  }
  return "";
}

// conv 2→8 (3×3) → batch norm → relu → conv 8→4 (3×3, stride 2) → relu → linear 64→3, on
// x [4, 2, 8, 8]; the same weights for the same seed.
struct Net {
  Generator gen;
  nn::Conv2d<float, cuda> c1, c2;
  nn::BatchNorm2d<float, cuda> bn;
  nn::Linear<float, cuda> fc;
  explicit Net(uint64_t seed)
      : gen(seed),
        c1(nn::Conv2dOptions{.in = 2, .out = 8, .kernel = 3, .padding = 1, .gen = &gen}),
        c2(nn::Conv2dOptions{.in = 8, .out = 4, .kernel = 3, .stride = 2, .padding = 1, .gen = &gen}),
        bn(8),
        fc(nn::LinearOptions{.in = 64, .out = 3, .gen = &gen}) {}
  TG operator()(const TG& x) { return fc(flatten(relu(c2(relu(bn(c1(x))))))); }
  std::vector<TG> parameters() {
    std::vector<TG> ps;
    for (auto* m : std::vector<nn::Module<float, cuda>*>{&c1, &bn, &c2, &fc})
      for (auto& p : m->parameters()) ps.push_back(p);
    return ps;
  }
  std::vector<TG> buffers() { return {bn.running_mean, bn.running_var, bn.num_batches_tracked}; }
};

std::vector<TG> batches(int n, uint64_t seed) {
  Generator g(seed);
  std::vector<TG> xs;
  for (int i = 0; i < n; ++i) xs.push_back(randn<float, cuda>({4, 2, 8, 8}, g));
  return xs;
}

// One training step on x: the function both the eager run and the capture call.
struct Trainer {
  Net net;
  optim::Adam<float, cuda> opt;
  TG target, loss;
  explicit Trainer(uint64_t seed)
      : net(seed), opt(net.parameters(), {.lr = 1e-2, .beta1 = 0.5, .beta2 = 0.99, .weight_decay = 1e-3}) {
    Generator g(99);
    target = randn<float, cuda>({4, 3}, g);
  }
  void step(const TG& x) {
    opt.zero_grad();
    loss = mse_loss(net(x), target);
    loss.backward();
    opt.step();
  }
};

void set_input(TG& x_in, const TG& x) {
  no_grad ng;
  copy_(x_in, x);
}

}  // namespace

TEST_CASE("a captured forward replayed on new input equals the eager forward on that input") {
  Net net(1);
  net.bn.eval();  // eval: running statistics, so the forward has no side effect to compare
  no_grad ng;
  const auto xs = batches(3, 10);
  TG x_in = copy_values(xs[0]);
  TG y;
  (void)net(x_in);  // warm-up: cuDNN algorithms, cuBLAS
  StepGraph graph;
  graph.capture([&] { y = net(x_in); });
  REQUIRE(graph.captured());
  for (int k = 1; k < 3; ++k) {
    set_input(x_in, xs[size_t(k)]);
    graph.replay();
    const auto want = net(xs[size_t(k)]).to_vector();
    size_t bits = 0;
    CHECK(close("forward on batch " + std::to_string(k), y.to_vector(), want, 1e-6, &bits) == "");
    MESSAGE("forward batch " << k << ": " << bits << " of " << want.size() << " values differ in any bit");
  }
  // the two inputs give different outputs, so equality above means the replay recomputed
  CHECK(close("distinct outputs", net(xs[1]).to_vector(), net(xs[2]).to_vector(), 1e-3) != "");
}

TEST_CASE("a captured training step replayed N times equals N eager steps (parameters, buffers, Adam state)") {
  const int warm = 2, N = 5;
  const auto xs = batches(warm + N, 20);
  Trainer eager(3), graphed(3);
  const auto start = graphed.net.parameters()[0].to_vector();
  for (int k = 0; k < warm + N; ++k) eager.step(xs[size_t(k)]);

  TG x_in = copy_values(xs[0]);
  for (int k = 0; k < warm; ++k) {  // warm-up on the same batches as the eager run
    set_input(x_in, xs[size_t(k)]);
    graphed.step(x_in);
  }
  StepGraph graph;
  graph.capture([&] { graphed.step(x_in); });  // records; runs nothing
  for (int k = warm; k < warm + N; ++k) {
    set_input(x_in, xs[size_t(k)]);
    graph.replay();
  }
  const auto pe = eager.net.parameters(), pg = graphed.net.parameters();
  size_t bits = 0, total = 0;
  for (size_t i = 0; i < pe.size(); ++i) {
    const auto want = pe[i].to_vector();
    total += want.size();
    CHECK(close("parameter " + std::to_string(i), pg[i].to_vector(), want, 1e-6, &bits) == "");
  }
  const auto be = eager.net.buffers(), bg = graphed.net.buffers();
  for (size_t i = 0; i < be.size(); ++i)
    CHECK(close("buffer " + std::to_string(i), bg[i].to_vector(), be[i].to_vector(), 1e-6) == "");
  const auto se = eager.opt.state_dict(), sg = graphed.opt.state_dict();
  for (auto& [k, t] : se) CHECK(close("Adam " + k, sg.at(k).to_vector(), t.to_vector(), 1e-6) == "");
  CHECK(sg.at("state.0.step").item() == float(warm + N));  // the device-side count advanced per replay
  CHECK(close("last loss", graphed.loss.to_vector(), eager.loss.to_vector(), 1e-6) == "");
  MESSAGE(bits << " of " << total << " parameter values differ in any bit from the eager run");
  CHECK(close("trained", pg[0].to_vector(), start, 1e-3) != "");  // the replays did change the weights
}

TEST_CASE("host syncs and first-use work inside a capture are errors naming the call") {
  Net net(5);
  const auto xs = batches(1, 30);
  TG x_in = copy_values(xs[0]);
  { no_grad ng; (void)net(x_in); }  // warm-up for the [4, 2, 8, 8] shapes only
  StepGraph graph;
  auto fails_with = [&](const std::function<void()>& step, const char* text) {
    CHECK_THROWS_WITH_AS(graph.capture(step), doctest::Contains(text), Error);
    CHECK(!graph.captured());
    CHECK(!cuda_detail::capturing());
    CHECK(sum(ones<float, cuda>({10})).item() == 10.f);  // the stream works afterwards
  };
  fails_with([&] { (void)sum(relu(x_in)).item(); }, "copy_to_host");
  fails_with([&] { (void)relu(x_in).to_vector(); }, "cannot run inside a CUDA graph capture");
  fails_with([] { cuda::synchronize(); }, "synchronize (cudaStreamSynchronize) cannot run inside a CUDA graph capture");
  fails_with([] { (void)from_vector<float, cuda>({1.f, 2.f}); }, "copy_from_host");
  fails_with([&] {  // a shape never run eagerly: cuDNN would search for its algorithm
    no_grad ng;
    (void)net.c1(narrow(x_in, 0, 0, 3));
  }, "cudnnFindConvolutionForwardAlgorithmEx");
  optim::Adam<float, cuda> fresh(net.c1.parameters());
  net.c1.weight.set_grad(ones_like(net.c1.weight));
  net.c1.bias.set_grad(ones_like(net.c1.bias));
  fails_with([&] { fresh.step(); }, "first step inside a CUDA graph capture");
  cuda::synchronize();
  // after all that, a capture of the same net works
  TG y;
  graph.capture([&] { no_grad ng; y = net.c1(x_in); });
  CHECK(graph.captured());
}

TEST_CASE("a graph's pool keeps its blocks while it lives; they return to the cache when it is destroyed") {
  auto& alloc = cuda_detail::allocator();
  const auto xs = batches(3, 40);
  Trainer t(7);
  TG x_in = copy_values(xs[0]);
  for (int k = 0; k < 2; ++k) t.step(x_in);
  cuda::synchronize();
  REQUIRE(alloc.stats().graph_reserved_bytes == 0);
  auto held = [](const cuda_detail::AllocatorStats& s) {
    return s.in_use_bytes + s.cached_bytes + s.graph_reserved_bytes;
  };
  TG extra;
  {
    StepGraph graph;
    graph.capture([&] {
      t.step(x_in);
      extra = ones<float, cuda>({1000});  // a plain tensor made by the capture, kept by the caller
    });
    const auto live = alloc.stats();
    CHECK(live.graph_reserved_bytes > 0);  // the step's temporaries, kept for the replays
    graph.replay();
    cuda::synchronize();
    CHECK(extra.to_vector() == std::vector<float>(1000, 1.f));
    // freed after the capture, a block the capture made goes back to the pool, not to the cache
    const auto before_free = alloc.stats();
    extra = TG();
    const auto after_free = alloc.stats();
    CHECK(after_free.graph_reserved_bytes == before_free.graph_reserved_bytes +
                                                 cuda_detail::CachingAllocator::round(1000 * sizeof(float)));
    CHECK(after_free.cached_bytes == before_free.cached_bytes);
    // eager work meanwhile does not take the pool's blocks
    const auto mid = alloc.stats();
    t.step(x_in);
    cuda::synchronize();
    CHECK(alloc.stats().graph_reserved_bytes >= mid.graph_reserved_bytes);
    graph.replay();
    cuda::synchronize();
  }
  const auto after = alloc.stats();
  CHECK(after.graph_reserved_bytes == 0);
  const auto held_after = held(after);
  // nothing was given back to the driver or lost: the pool's blocks are in the general cache now
  t.step(x_in);
  cuda::synchronize();
  const auto again = alloc.stats();
  CHECK(held(again) == held_after);  // served from the cache: no new cudaMalloc
  CHECK(again.device_mallocs == after.device_mallocs);
}

#include "gpu_main.hpp"
