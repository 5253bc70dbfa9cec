// tests/cuda/test_cuda.cu — the CUDA backend against the CPU backend, on the same inputs.
// Checks: every op of the core op table (tests/ops/registry_core.cpp, the same lambdas) forward
// and backward in fp32 (1e-4 relative); every unary and binary op code with broadcasting and
// strided operands; reductions on each kernel path; GEMM in all transpose forms; the fused Adam
// update; Philox streams equal on both backends; allocator reuse; error messages; gradients across to<cuda>/to<cpu>.
// Without a GPU it prints "SKIPPED: no CUDA device" and exits 0.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <ganlib/io/safetensors.hpp>
#include <ganlib/optim/adam.hpp>
#include <map>
#include <string>
#include <vector>

#include "../support/op_registry.hpp"

// ---- the core op table, registered once more for both backends ----------------------------
// registry_core.cpp's generic lambdas are compiled here for Tensor<float, cpu> and
// Tensor<float, cuda>, through this file's GANLIB_REGISTER_OP.
namespace cuda_parity {
using namespace ganlib;
template <class B>
using Fn = std::function<Tensor<float, B>(const std::vector<Tensor<float, B>>&,
                                          const testing::json&)>;
struct Entry {
  Fn<cpu> on_cpu;
  Fn<cuda> on_cuda;
};
inline std::map<std::string, Entry>& table() {
  static std::map<std::string, Entry> t;
  return t;
}
struct Registrar {
  template <class F>
  Registrar(const std::string& name, F f) {
    table()[name] = Entry{Fn<cpu>(f), Fn<cuda>(f)};
  }
};
}  // namespace cuda_parity

#undef GANLIB_REGISTER_OP
#define GANLIB_REGISTER_OP(name, ...) \
  static ::cuda_parity::Registrar GANLIB_CAT(ganlib_cuda_op_, __LINE__)(name, __VA_ARGS__)
#include "../ops/registry_core.cpp"

using namespace ganlib;
using TC = Tensor<float, cpu>;
using TG = Tensor<float, cuda>;

namespace {

// "" when got matches want within |got - want| <= rtol·|want| + atol·max(1, max|want|).
template <class T>
std::string close(const std::string& what, const std::vector<T>& got, const std::vector<T>& want,
                  double rtol = 1e-4, double atol = 1e-5) {
  if (got.size() != want.size())
    return what + ": " + std::to_string(got.size()) + " values vs " + std::to_string(want.size());
  double scale = 1;
  for (T v : want) scale = std::max(scale, std::fabs(double(v)));
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = double(got[i]), w = double(want[i]);
    const bool both_nan = std::isnan(g) && std::isnan(w);
    if (!both_nan && !(std::fabs(g - w) <= rtol * std::fabs(w) + atol * scale))
      return what + ": element " + std::to_string(i) + " is " + std::to_string(g) +
             " on cuda but " + std::to_string(w) + " on cpu";
  }
  return "";
}

template <class T>
Tensor<T, cuda> on_gpu(const Tensor<T, cpu>& x) {
  no_grad ng;
  return to<cuda>(x);
}

TC host_tensor(const safetensors::Entry& e) {
  const auto v = e.to_double();
  return from_vector<float, cpu>(std::vector<float>(v.begin(), v.end()), e.shape);
}

// One op-table case on both backends: "" or what differs.
std::string parity_case(const testing::json& c, const safetensors::File& f) {
  const std::string name = c["name"];
  const auto& entry = cuda_parity::table().at(c["op"]);
  const auto mask = c["grad"].get<std::vector<bool>>();
  std::vector<TC> xc;
  std::vector<TG> xg;
  for (int i = 0; i < int(c["n_inputs"]); ++i) {
    auto t = host_tensor(f.tensors.at(name + ".in" + std::to_string(i)));
    auto g = on_gpu(t);
    if (mask[size_t(i)]) {
      t.requires_grad_();
      g.requires_grad_();
    }
    xc.push_back(t);
    xg.push_back(g);
  }
  const auto yc = entry.on_cpu(xc, c["args"]);
  const auto yg = entry.on_cuda(xg, c["args"]);
  if (yc.shape() != yg.shape())
    return "output shape " + to_string(yg.shape()) + " on cuda vs " + to_string(yc.shape());
  auto msg = close("output", yg.to_vector(), yc.to_vector());
  if (!msg.empty() || !yc.requires_grad()) return msg;
  if (!yg.requires_grad()) return "the cuda output does not require grad";
  const auto gout = host_tensor(f.tensors.at(name + ".gout"));
  yc.backward(gout);
  yg.backward(on_gpu(gout));
  for (size_t i = 0; i < xc.size(); ++i) {
    if (!mask[i]) continue;
    const auto gc = xc[i].grad();
    const auto gg = xg[i].grad();
    if (gc.defined() != gg.defined()) return "gradient " + std::to_string(i) + " defined on one backend only";
    if (!gc.defined()) continue;
    msg = close("gradient of input " + std::to_string(i), gg.to_vector(), gc.to_vector());
    if (!msg.empty()) return msg;
  }
  return "";
}

// Same values on both backends, from one Philox stream.
template <class T>
Tensor<T, cpu> sample(const Shape& s, uint64_t seed, double lo = -2, double hi = 2) {
  Generator g(seed);
  return rand<T, cpu>(s, g, lo, hi);
}

}  // namespace

TEST_CASE("core op table: CUDA forward and backward match the CPU") {
  const auto file = safetensors::load(std::string(GANLIB_REF_DIR) + "/core.safetensors");
  const auto cases = testing::json::parse(file.metadata.at("cases"));
  int n = 0;
  for (const auto& c : cases) {
    INFO("case " << c["name"].get<std::string>() << " (op " << c["op"].get<std::string>() << ")");
    REQUIRE(cuda_parity::table().count(c["op"].get<std::string>()));
    std::string err;
    try { err = parity_case(c, file); } catch (const std::exception& e) { err = std::string("threw: ") + e.what(); }
    CHECK_MESSAGE(err.empty(), err);
    ++n;
  }
  CHECK(n == int(cases.size()));
  MESSAGE(n << " core op-table cases compared");
}

TEST_CASE("every unary op code, on contiguous and strided inputs") {
  struct U { Unary op; float p0, p1; bool positive; };
  const std::vector<U> ops = {
      {Unary::copy, 0, 0, false},       {Unary::neg, 0, 0, false},
      {Unary::exp, 0, 0, false},        {Unary::log, 0, 0, true},
      {Unary::sqrt, 0, 0, true},        {Unary::abs, 0, 0, false},
      {Unary::sign, 0, 0, false},       {Unary::tanh, 0, 0, false},
      {Unary::sigmoid, 0, 0, false},    {Unary::softplus, 0, 0, false},
      {Unary::relu, 0, 0, false},       {Unary::leaky_relu, 0.2f, 0, false},
      {Unary::elu, 1.3f, 0, false},     {Unary::elu_grad, 1.3f, 0, false},
      {Unary::step, 0, 0, false},       {Unary::step_slope, 0.1f, 0, false},
      {Unary::clamp, -0.5f, 0.7f, false}, {Unary::inside, -0.5f, 0.7f, false},
      {Unary::pow_scalar, 2.5f, 0, true}, {Unary::add_scalar, 1.5f, 0, false},
      {Unary::mul_scalar, -3, 0, false}, {Unary::rsub_scalar, 2, 0, false},
      {Unary::reciprocal, 0, 0, true},  {Unary::square, 0, 0, false},
      {Unary::cos, 0, 0, false},        {Unary::sin, 0, 0, false}};
  CHECK(ops.size() == 26);  // one entry per Unary code
  for (const auto& u : ops) {
    INFO("unary op code " << int(u.op));
    const auto x = sample<float>({37, 29}, 7, u.positive ? 0.1 : -3, 3);
    const auto xg = on_gpu(x);
    // contiguous (odd size: vector body plus tail), transposed, and an offset (unaligned) slice
    CHECK(close("contiguous", map_unary(u.op, xg, u.p0, u.p1).to_vector(),
                map_unary(u.op, x, u.p0, u.p1).to_vector()) == "");
    CHECK(close("transposed", map_unary(u.op, transpose(xg, 0, 1), u.p0, u.p1).to_vector(),
                map_unary(u.op, transpose(x, 0, 1), u.p0, u.p1).to_vector()) == "");
    CHECK(close("offset", map_unary(u.op, narrow(xg, 1, 1, 27), u.p0, u.p1).to_vector(),
                map_unary(u.op, narrow(x, 1, 1, 27), u.p0, u.p1).to_vector()) == "");
  }
  // double precision goes through the same kernels
  const auto xd = sample<double>({1001}, 8, 0.1, 3);
  CHECK(close("double log", map_unary(Unary::log, on_gpu(xd)).to_vector(),
              map_unary(Unary::log, xd).to_vector(), 1e-12, 1e-14) == "");
}

TEST_CASE("every binary op code, with broadcasting and strided operands") {
  const std::vector<Binary> ops = {Binary::add, Binary::sub, Binary::mul, Binary::div,
                                   Binary::pow, Binary::max, Binary::min, Binary::eq,
                                   Binary::gt,  Binary::ge,  Binary::lt,  Binary::le};
  for (Binary op : ops) {
    INFO("binary op code " << int(op));
    const bool pos = op == Binary::pow || op == Binary::div;
    auto a = sample<float>({4, 1, 33}, 11, pos ? 0.2 : -2, 2);
    auto b = sample<float>({5, 1}, 12, pos ? 0.2 : -2, 2);
    // a few equal values, so eq/ge/le see ties
    auto bt = sample<float>({4, 5, 33}, 13, pos ? 0.2 : -2, 2);
    const auto ag = on_gpu(a), bg = on_gpu(b), btg = on_gpu(bt);
    CHECK(close("broadcast", map_binary(op, ag, bg, "t").to_vector(),
                map_binary(op, a, b, "t").to_vector()) == "");
    CHECK(close("ties", map_binary(op, btg, btg, "t").to_vector(),
                map_binary(op, bt, bt, "t").to_vector()) == "");
    // a permuted (non-contiguous) left operand against a broadcast row
    CHECK(close("strided", map_binary(op, permute(btg, {2, 0, 1}), narrow(bg, 0, 0, 1), "t").to_vector(),
                map_binary(op, permute(bt, {2, 0, 1}), narrow(b, 0, 0, 1), "t").to_vector()) == "");
  }
  // a large contiguous add: the vectorised path with a tail
  const auto a = sample<float>({1000003}, 14), b = sample<float>({1000003}, 15);
  CHECK(close("large add", map_binary(Binary::add, on_gpu(a), on_gpu(b), "t").to_vector(),
              map_binary(Binary::add, a, b, "t").to_vector()) == "");
}

TEST_CASE("where, fill and copy_ on views") {
  const auto c = map_unary(Unary::step, sample<float>({6, 7}, 21));
  const auto a = sample<float>({6, 7}, 22), b = sample<float>({1, 7}, 23);
  CHECK(close("where", where(on_gpu(c), on_gpu(a), on_gpu(b)).to_vector(), where(c, a, b).to_vector()) == "");
  auto xc = zeros<float, cpu>({5, 9});
  auto xg = zeros<float, cuda>({5, 9});
  auto vc = narrow(xc, 1, 2, 4);
  auto vg = narrow(xg, 1, 2, 4);
  fill_(vc, 3.5f);
  fill_(vg, 3.5f);
  CHECK(close("fill on a slice", xg.to_vector(), xc.to_vector()) == "");
  auto src = sample<float>({5, 1}, 24);
  copy_(vc, src);
  auto srcg = on_gpu(src);
  copy_(vg, srcg);
  CHECK(close("broadcast copy into a slice", xg.to_vector(), xc.to_vector()) == "");
}

TEST_CASE("reductions on every kernel path") {
  struct R { Shape shape; std::vector<int64_t> dims; const char* what; };
  const std::vector<R> cases = {
      {{2, 3, 4, 5}, {0, 2}, "mixed dims"},
      {{1 << 20}, {}, "one output, split over blocks"},
      {{1000, 3}, {0}, "few outputs along a strided dim, split"},
      {{3, 1000}, {1}, "contiguous rows"},
      {{256, 4096}, {0}, "bias gradient shape (outer)"},
      {{4096, 64}, {1}, "many short rows"},
      {{7, 1, 5}, {1}, "reduce a size-1 dim"},
      {{2, 0, 3}, {1}, "sum over an empty dim"},
  };
  for (const auto& r : cases) {
    INFO(r.what << " " << to_string(r.shape));
    const auto x = sample<float>(r.shape, 31);
    const auto xg = on_gpu(x);
    CHECK(close("sum", sum(xg, r.dims, true).to_vector(), sum(x, r.dims, true).to_vector(), 1e-5, 1e-6) == "");
    if (x.numel() > 0) {
      CHECK(close("max", ganlib::max(xg, r.dims).to_vector(), ganlib::max(x, r.dims).to_vector(), 0, 0) == "");
      CHECK(close("min", ganlib::min(xg, r.dims).to_vector(), ganlib::min(x, r.dims).to_vector(), 0, 0) == "");
    }
  }
  // a permuted input, and double
  const auto x = sample<float>({6, 50, 40}, 32);
  CHECK(close("permuted sum", sum(permute(on_gpu(x), {2, 0, 1}), {0, 2}).to_vector(),
              sum(permute(x, {2, 0, 1}), {0, 2}).to_vector(), 1e-5, 1e-6) == "");
  const auto xd = sample<double>({300, 70}, 33);
  CHECK(close("double sum", sum(on_gpu(xd), {0}).to_vector(), sum(xd, {0}).to_vector(), 1e-12, 1e-13) == "");
}

TEST_CASE("gemm: every transpose form, leading dims, alpha/beta, K = 0") {
  const int64_t M = 33, N = 65, K = 17, pad = 3;
  for (int form = 0; form < 4; ++form) {
    const bool ta = form & 1, tb = form & 2;
    INFO("trans_a " << ta << " trans_b " << tb);
    const int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
    const auto A = sample<float>({(ta ? K : M) * lda}, 41), B = sample<float>({(tb ? N : K) * ldb}, 42);
    auto Cc = sample<float>({M * ldc}, 43);
    auto Cg = on_gpu(Cc);
    const auto Ag = on_gpu(A), Bg = on_gpu(B);
    kernels::gemm(cpu{}, ta, tb, M, N, K, 0.5f, A.data(), lda, B.data(), ldb, 0.25f, Cc.data(), ldc);
    kernels::gemm(cuda{}, ta, tb, M, N, K, 0.5f, Ag.data(), lda, Bg.data(), ldb, 0.25f, Cg.data(), ldc);
    CHECK(close("C", Cg.to_vector(), Cc.to_vector()) == "");
  }
  auto Cc = sample<float>({4 * 5}, 44);
  auto Cg = on_gpu(Cc);
  kernels::gemm(cpu{}, false, false, 4, 5, 0, 1.f, Cc.data(), 1, Cc.data(), 5, 2.f, Cc.data(), 5);
  kernels::gemm(cuda{}, false, false, 4, 5, 0, 1.f, Cg.data(), 1, Cg.data(), 5, 2.f, Cg.data(), 5);
  CHECK(close("K = 0", Cg.to_vector(), Cc.to_vector()) == "");
  // double
  const auto Ad = sample<double>({20, 30}, 45), Bd = sample<double>({30, 10}, 46);
  CHECK(close("double matmul", matmul(on_gpu(Ad), on_gpu(Bd)).to_vector(), matmul(Ad, Bd).to_vector(),
              1e-12, 1e-13) == "");
}

TEST_CASE("matmul, bmm and linear at layer sizes, forward and backward") {
  auto check_grads = [](auto make) {
    std::vector<TC> xc;
    std::vector<TG> xg;
    make(xc, xg);
    for (auto& t : xc) t.requires_grad_();
    for (auto& t : xg) t.requires_grad_();
    return std::pair(xc, xg);
  };
  {
    auto [xc, xg] = check_grads([](auto& c, auto& g) {
      c = {sample<float>({64, 128}, 51), sample<float>({96, 128}, 52), sample<float>({96}, 53)};
      for (auto& t : c) g.push_back(on_gpu(t));
    });
    const auto yc = linear(xc[0], xc[1], xc[2]);
    const auto yg = linear(xg[0], xg[1], xg[2]);
    CHECK(close("linear", yg.to_vector(), yc.to_vector()) == "");
    sum(square(yc)).backward();
    sum(square(yg)).backward();
    for (size_t i = 0; i < 3; ++i) CHECK(close("linear grad " + std::to_string(i), xg[i].grad().to_vector(), xc[i].grad().to_vector()) == "");
  }
  {
    auto [xc, xg] = check_grads([](auto& c, auto& g) {
      c = {sample<float>({3, 40, 24}, 54), sample<float>({3, 40, 56}, 55)};
      for (auto& t : c) g.push_back(on_gpu(t));
    });
    // aᵀ·b through a transposed view (the GEMM's transpose flag)
    const auto yc = bmm(transpose(xc[0], 1, 2), xc[1]);
    const auto yg = bmm(transpose(xg[0], 1, 2), xg[1]);
    CHECK(close("bmm", yg.to_vector(), yc.to_vector()) == "");
    sum(yc).backward();
    sum(yg).backward();
    for (size_t i = 0; i < 2; ++i) CHECK(close("bmm grad " + std::to_string(i), xg[i].grad().to_vector(), xc[i].grad().to_vector()) == "");
  }
}

TEST_CASE("fused Adam: CUDA matches the CPU step for step, with weight decay and a state reload") {
  // 1000 elements (many full blocks) and 37 (a ragged tail on the CPU's 16-lane path).
  std::vector<TC> pc = {sample<float>({10, 100}, 71).requires_grad_(), sample<float>({37}, 72).requires_grad_()};
  std::vector<TG> pg;
  for (auto& t : pc) pg.push_back(on_gpu(t).requires_grad_());
  const optim::AdamOptions o{.lr = 0.01, .beta1 = 0.5, .beta2 = 0.99, .eps = 1e-6, .weight_decay = 0.01};
  optim::Adam<float, cpu> oc(pc, o);
  optim::Adam<float, cuda> og(pg, o);
  std::map<std::string, TG> saved;
  for (int step = 0; step < 4; ++step) {
    if (step == 2) {
      for (auto& [k, t] : og.state_dict()) saved[k] = copy_values(t);
    }
    for (size_t i = 0; i < pc.size(); ++i) {
      const TC g = sample<float>(pc[i].shape(), 80 + 10 * step + i);
      pc[i].set_grad(g);
      pg[i].set_grad(on_gpu(g));
    }
    oc.step();
    og.step();
    for (size_t i = 0; i < pc.size(); ++i)
      CHECK(close("Adam step " + std::to_string(step) + " param " + std::to_string(i), pg[i].to_vector(),
                  pc[i].to_vector(), 1e-5, 1e-6) == "");
  }
  const auto sc = oc.state_dict();
  for (auto& [k, t] : og.state_dict()) {
    const std::string what = "Adam state " + k;
    CHECK(close(what, t.to_vector(), sc.at(k).to_vector(), 1e-5, 1e-6) == "");
  }
  og.load_state_dict(saved);  // back to step 2: the step counts (device tensors) come back too
  og.step();
  CHECK(og.state_dict().at("state.0.step").item() == 3.f);
}

TEST_CASE("Philox: the same seed draws the same stream on CPU and CUDA") {
  const Shape s{1000003};
  Generator g1(2024), g2(2024);
  const auto uc = rand<float, cpu>(s, g1);
  const auto ug = rand<float, cuda>(s, g2);
  const auto vc = uc.to_vector(), vg = ug.to_vector();
  CHECK(std::memcmp(vc.data(), vg.data(), vc.size() * sizeof(float)) == 0);  // bit for bit
  const auto nc = randn<float, cpu>(s, g1, 0.5, 2.0).to_vector();
  const auto ng = randn<float, cuda>(s, g2, 0.5, 2.0).to_vector();
  size_t differ = 0;
  for (size_t i = 0; i < nc.size(); ++i) differ += nc[i] != ng[i];
  MESSAGE(differ << " of " << nc.size() << " normal draws differ in any bit (device libm)");
  CHECK(close("randn", ng, nc, 1e-6, 1e-7) == "");
  CHECK(g1.offset() == g2.offset());
  Generator d1(7), d2(7);
  const auto dc = rand<double, cpu>({4099}, d1, -1, 3).to_vector();
  const auto dg = rand<double, cuda>({4099}, d2, -1, 3).to_vector();
  CHECK(std::memcmp(dc.data(), dg.data(), dc.size() * sizeof(double)) == 0);
}

TEST_CASE("caching allocator: freed blocks are reused, empty_cache returns them") {
  { auto warm = TG::empty({1000, 1000}); }
  const auto before = cuda_detail::allocator().stats();
  for (int i = 0; i < 100; ++i) {
    auto t = TG::empty({1000, 1000});
    auto u = TG::empty({999, 1001});  // rounds to the same block size class or a neighbour
  }
  const auto after = cuda_detail::allocator().stats();
  CHECK(after.device_mallocs - before.device_mallocs <= 1);
  CHECK(after.cache_hits - before.cache_hits >= 199);
  CHECK(after.in_use_bytes == before.in_use_bytes);
  cuda::empty_cache();
  CHECK(cuda_detail::allocator().stats().cached_bytes == 0);
  auto again = TG::empty({10});  // still works after the cache was emptied
  CHECK(again.numel() == 10);
}

TEST_CASE("errors name the call and the numbers") {
  CHECK_THROWS_WITH_AS(TG::empty({int64_t(1) << 42}), doctest::Contains("out of memory: asked for 17592186044416 bytes"),
                       Error);
  CHECK_THROWS_WITH_AS(GANLIB_CUDA_CHECK(cudaSetDevice(1 << 20)), doctest::Contains("cudaSetDevice"), Error);
  // the device is still usable afterwards
  CHECK(sum(ones<float, cuda>({10})).item() == 10.f);
}

TEST_CASE("to<cuda> / to<cpu>: values, and gradients across the boundary") {
  const auto x0 = sample<float>({8, 5}, 61), w0 = sample<float>({3, 5}, 62);
  // all on the CPU
  TC xc = x0.detach().clone(), wc = w0.detach().clone();
  xc.requires_grad_();
  wc.requires_grad_();
  sum(square(linear(xc, wc))).backward();
  // x stays on the CPU, the layer runs on the GPU
  TC x = x0.detach().clone();
  x.requires_grad_();
  TG w = on_gpu(w0);
  w.requires_grad_();
  const TG y = linear(to<cuda>(x), w);
  CHECK(y.requires_grad());
  sum(square(y)).backward();
  REQUIRE(x.grad().defined());
  CHECK(close("x.grad through to<cuda>", x.grad().to_vector(), xc.grad().to_vector()) == "");
  CHECK(close("w.grad on the GPU", w.grad().to_vector(), wc.grad().to_vector()) == "");
  // and back: a GPU leaf used on the CPU
  TG g = on_gpu(x0);
  g.requires_grad_();
  sum(ganlib::exp(to<cpu>(g))).backward();
  CHECK(close("grad through to<cpu>", g.grad().to_vector(), ganlib::exp(x0).to_vector()) == "");
  // a non-contiguous source, and to<> of the same backend
  CHECK(close("transposed copy", to<cpu>(to<cuda>(transpose(x0, 0, 1))).to_vector(),
              transpose(x0, 0, 1).contiguous().to_vector()) == "");
  CHECK(to<cpu>(x0).same_storage(x0));
}

#include "gpu_main.hpp"
