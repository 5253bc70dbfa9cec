// tests/cuda/test_cuda_ops.cu — the CUDA kernels of the op families beyond the core (conv, pool,
// pad, upsample, norm, activation, loss, join, misc, sample, correlation) against the CPU backend.
// Checks: every case of those families' op tables (tests/reference/data/<family>.safetensors, the
// lambdas of tests/ops/registry_<family>.cpp compiled once more for Tensor<float, cuda>), forward
// and input gradients, fp32, |cuda − cpu| <= 1e-4·|cpu| + atol·max(1, max|cpu|) with atol 1e-5,
// looser where stated in loose_atol() below; the same ops at layer sizes (the kernels' multi-block
// paths: norm splits, cuDNN's algorithms on real shapes, large planes); repeatability of the
// deterministic kernels; cuDNN errors as ganlib::Error.
// Without a GPU it prints "SKIPPED: no CUDA device" and exits 0.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <ganlib/io/safetensors.hpp>
#include <map>
#include <string>
#include <vector>

#include "../support/op_registry.hpp"

// ---- the op tables of the families, registered once more for both backends -----------------
namespace cuda_ops_parity {
using namespace ganlib;
template <class B>
using Fn = std::function<Tensor<float, B>(const std::vector<Tensor<float, B>>&, const testing::json&)>;
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
}  // namespace cuda_ops_parity

// Several registry files share helper names in their anonymous namespaces (int2_arg,
// maybe_square): each is included inside its own namespace, and registrars are numbered by
// __COUNTER__ rather than by line.
#undef GANLIB_REGISTER_OP
#define GANLIB_REGISTER_OP(name, ...) \
  static ::cuda_ops_parity::Registrar GANLIB_CAT(ganlib_cuda_ops_, __COUNTER__)(name, __VA_ARGS__)
// clang-format off
namespace reg_activation {
#include "../ops/registry_activation.cpp"
}
namespace reg_conv {
#include "../ops/registry_conv.cpp"
}
namespace reg_correlation {
#include "../ops/registry_correlation.cpp"
}
namespace reg_join {
#include "../ops/registry_join.cpp"
}
namespace reg_loss {
#include "../ops/registry_loss.cpp"
}
namespace reg_misc {
#include "../ops/registry_misc.cpp"
}
namespace reg_norm {
#include "../ops/registry_norm.cpp"
}
namespace reg_pool {
#include "../ops/registry_pool.cpp"
}
namespace reg_resize {
#include "../ops/registry_resize.cpp"
}
namespace reg_sample {
#include "../ops/registry_sample.cpp"
}
// clang-format on

using namespace ganlib;
using TC = Tensor<float, cpu>;
using TG = Tensor<float, cuda>;

namespace {

// The absolute part of the tolerance (times max(1, max|cpu|)), per op, where 1e-5 is too tight:
// - conv2d / conv_transpose2d: cuDNN may pick FFT or Winograd algorithms (deterministic, but
//   their rounding error scales with the whole output's magnitude, not each element's);
// - max_pool2d's backward and grid_sample's image gradient add with atomics (order varies).
double loose_atol(const std::string& op) {
  if (op == "conv2d" || op == "conv_transpose2d") return 1e-4;
  if (op == "max_pool2d" || op.rfind("grid_sample", 0) == 0 || op.rfind("flow_warp", 0) == 0) return 3e-5;
  return 1e-5;
}

// "" when got matches want within |got - want| <= rtol·|want| + atol·max(1, max|want|).
std::string close(const std::string& what, const std::vector<float>& got, const std::vector<float>& want,
                  double rtol = 1e-4, double atol = 1e-5) {
  if (got.size() != want.size())
    return what + ": " + std::to_string(got.size()) + " values vs " + std::to_string(want.size());
  double scale = 1;
  for (float v : want) scale = std::max(scale, std::fabs(double(v)));
  for (size_t i = 0; i < got.size(); ++i) {
    const double g = double(got[i]), w = double(want[i]);
    const bool both_nan = std::isnan(g) && std::isnan(w);
    if (!both_nan && !(std::fabs(g - w) <= rtol * std::fabs(w) + atol * scale))
      return what + ": element " + std::to_string(i) + " is " + std::to_string(g) + " on cuda but " +
             std::to_string(w) + " on cpu";
  }
  return "";
}

TG on_gpu(const TC& x) {
  no_grad ng;
  return to<cuda>(x);
}

TC host_tensor(const safetensors::Entry& e) {
  const auto v = e.to_double();
  return from_vector<float, cpu>(std::vector<float>(v.begin(), v.end()), e.shape);
}

// One op-table case on both backends: "" or what differs.
std::string parity_case(const testing::json& c, const safetensors::File& f) {
  const std::string name = c["name"], op = c["op"];
  const auto& entry = cuda_ops_parity::table().at(op);
  const auto mask = c["grad"].get<std::vector<bool>>();
  const double atol = loose_atol(op);
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
  if (yc.shape() != yg.shape()) return "output shape " + to_string(yg.shape()) + " on cuda vs " + to_string(yc.shape());
  auto msg = close("output", yg.to_vector(), yc.to_vector(), 1e-4, atol);
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
    msg = close("gradient of input " + std::to_string(i), gg.to_vector(), gc.to_vector(), 1e-4, atol);
    if (!msg.empty()) return msg;
  }
  return "";
}

TC sample(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  return rand<float, cpu>(s, g, lo, hi);
}

// f on both backends with the same inputs (those in `grad` require grad), then the backward of
// Σ y·r for a random r: "" or what differs. f is generic over the tensor type.
template <class F>
std::string layer_parity(const F& f, const std::vector<TC>& inputs, const std::vector<bool>& grad,
                         double atol = 1e-5, double rtol = 1e-4) {
  std::vector<TC> xc;
  std::vector<TG> xg;
  for (size_t i = 0; i < inputs.size(); ++i) {
    TC c = inputs[i].detach().clone();
    TG g = on_gpu(inputs[i]);
    if (grad[i]) {
      c.requires_grad_();
      g.requires_grad_();
    }
    xc.push_back(c);
    xg.push_back(g);
  }
  const TC yc = f(xc);
  const TG yg = f(xg);
  if (yc.shape() != yg.shape()) return "output shape " + to_string(yg.shape()) + " on cuda vs " + to_string(yc.shape());
  auto msg = close("output", yg.to_vector(), yc.to_vector(), rtol, atol);
  if (!msg.empty() || !yc.requires_grad()) return msg;
  const TC r = sample(yc.shape(), 99);
  sum(mul(yc, r)).backward();
  sum(mul(yg, on_gpu(r))).backward();
  for (size_t i = 0; i < xc.size(); ++i) {
    if (!grad[i]) continue;
    // No gradient on either side means zero on both (e.g. a piecewise-linear path); one side only is a bug.
    if (!xc[i].grad().defined() && !xg[i].grad().defined()) continue;
    if (!xc[i].grad().defined() || !xg[i].grad().defined()) return "gradient " + std::to_string(i) + " missing on one side";
    msg = close("gradient of input " + std::to_string(i), xg[i].grad().to_vector(), xc[i].grad().to_vector(), rtol,
                atol);
    if (!msg.empty()) return msg;
  }
  return "";
}

}  // namespace

TEST_CASE("op tables of the other families: CUDA forward and backward match the CPU") {
  const std::vector<std::string> families = {"activation", "conv", "correlation", "join", "loss", "misc",
                                             "norm",       "pad",  "pool",        "sample", "upsample"};
  int n = 0;
  for (const auto& fam : families) {
    const auto file = safetensors::load(std::string(GANLIB_REF_DIR) + "/" + fam + ".safetensors");
    const auto cases = testing::json::parse(file.metadata.at("cases"));
    int here = 0;
    for (const auto& c : cases) {
      const std::string op = c["op"];
      INFO(fam << " case " << c["name"].get<std::string>() << " (op " << op << ")");
      REQUIRE_MESSAGE(cuda_ops_parity::table().count(op), "op '" << op << "' is not registered");
      std::string err;
      try { err = parity_case(c, file); } catch (const std::exception& e) { err = std::string("threw: ") + e.what(); }
      CHECK_MESSAGE(err.empty(), err);
      ++here;
    }
    MESSAGE(fam << ": " << here << " cases compared");
    n += here;
  }
  MESSAGE(n << " op-table cases compared in all");
}

TEST_CASE("conv2d and conv_transpose2d at layer sizes (cuDNN), forward and backward") {
  // pix2pixHD-like 3×3 conv with bias
  CHECK(layer_parity([](const auto& in) { return conv2d(in[0], in[1], in[2], 1, 1); },
                     {sample({2, 32, 40, 48}, 1), sample({64, 32, 3, 3}, 2, -0.1, 0.1), sample({64}, 3)},
                     {true, true, true}, 1e-4) == "");
  // reflect-padded 7×7 front conv, stride-2 down conv, 1×1 conv, grouped dilated conv
  CHECK(layer_parity([](const auto& in) { return conv2d(pad2d(in[0], {3, 3, 3, 3}, PadMode::reflect), in[1]); },
                     {sample({1, 3, 64, 32}, 4), sample({16, 3, 7, 7}, 5, -0.1, 0.1)}, {true, true}, 1e-4) == "");
  CHECK(layer_parity([](const auto& in) { return conv2d(in[0], in[1], {}, 2, 1); },
                     {sample({3, 16, 33, 31}, 6), sample({32, 16, 3, 3}, 7, -0.1, 0.1)}, {true, true}, 1e-4) == "");
  CHECK(layer_parity([](const auto& in) { return conv2d(in[0], in[1]); },
                     {sample({4, 64, 16, 16}, 8), sample({96, 64, 1, 1}, 9, -0.1, 0.1)}, {true, true}, 1e-4) == "");
  CHECK(layer_parity([](const auto& in) { return conv2d(in[0], in[1], {}, 1, 2, 2, 4); },
                     {sample({2, 16, 20, 20}, 10), sample({32, 4, 3, 3}, 11, -0.1, 0.1)}, {true, true}, 1e-4) == "");
  // pix2pixHD up conv: conv_transpose2d(k3, s2, p1, output_padding 1) with bias
  CHECK(layer_parity([](const auto& in) { return conv_transpose2d(in[0], in[1], in[2], 2, 1, 1); },
                     {sample({2, 32, 17, 12}, 12), sample({32, 16, 3, 3}, 13, -0.1, 0.1), sample({16}, 14)},
                     {true, true, true}, 1e-4) == "");
  // output_padding reaching the stride (dilation 2): cuDNN runs on a padded gradient
  CHECK(layer_parity([](const auto& in) { return conv_transpose2d(in[0], in[1], {}, 1, 1, 1, 1, 2); },
                     {sample({2, 8, 9, 10}, 15), sample({8, 4, 3, 3}, 16, -0.1, 0.1)}, {true, true}, 1e-4) == "");
}

TEST_CASE("double backward through conv on CUDA (the R1-penalty path) matches the CPU") {
  auto r1 = [](const auto& in) {
    // tanh, not leaky ReLU: a smooth activation gives x a non-zero second-order gradient.
    const auto y = conv2d(tanh(conv2d(in[0], in[1], {}, 1, 1)), in[2], {}, 2, 1);
    using TensorT = std::decay_t<decltype(in[0])>;
    const auto gx = ganlib::grad(sum(y), {in[0]}, TensorT(), /*create_graph=*/true)[0];
    return sum(square(gx), {1, 2, 3});
  };
  CHECK(layer_parity(r1, {sample({2, 3, 16, 16}, 21), sample({8, 3, 3, 3}, 22, -0.3, 0.3),
                          sample({4, 8, 3, 3}, 23, -0.3, 0.3)},
                     {true, true, true}, 1e-4) == "");
}

TEST_CASE("norm, pooling, resampling, correlation and instance ops at layer sizes") {
  // batch norm over 8192 elements per channel, instance norm over 128×128 planes: several splits
  CHECK(layer_parity([](const auto& in) {
          using TensorT = std::decay_t<decltype(in[0])>;
          return batch_norm(in[0], TensorT(), TensorT(), in[1], in[2], true);
        },
        {sample({8, 16, 32, 32}, 31, -2, 3), sample({16}, 32), sample({16}, 33)}, {true, true, true}) == "");
  CHECK(layer_parity([](const auto& in) {
          using TensorT = std::decay_t<decltype(in[0])>;
          return relu(instance_norm(in[0], TensorT(), TensorT(), in[1], in[2]));
        },
        {sample({2, 4, 128, 128}, 34, -1, 2), sample({4}, 35), sample({4}, 36)}, {true, true, true}) == "");
  CHECK(layer_parity([](const auto& in) { return avg_pool2d(in[0], 3, 2, 1, false, false); },
                     {sample({2, 3, 257, 129}, 37)}, {true}) == "");
  CHECK(layer_parity([](const auto& in) { return max_pool2d(in[0], 3, 2, 1); }, {sample({2, 8, 65, 63}, 38)},
                     {true}, 3e-5) == "");
  CHECK(layer_parity([](const auto& in) { return upsample2d(in[0], Scale2(2.0), UpsampleMode::bilinear, false); },
                     {sample({2, 8, 33, 47}, 39)}, {true}) == "");
  CHECK(layer_parity([](const auto& in) { return upsample2d(in[0], Scale2(2.0), UpsampleMode::nearest); },
                     {sample({2, 8, 33, 47}, 40)}, {true}) == "");
  CHECK(layer_parity([](const auto& in) { return pad2d(in[0], {2, 3, 1, 2}, PadMode::replicate); },
                     {sample({2, 4, 30, 20}, 41)}, {true}) == "");
  CHECK(layer_parity([](const auto& in) { return grid_sample(in[0], in[1], GridPadding::border, false); },
                     {sample({2, 6, 48, 64}, 42), sample({2, 40, 50, 2}, 43, -1.2, 1.2)}, {true, true}, 3e-5) == "");
  CHECK(layer_parity([](const auto& in) { return flow_warp(in[0], in[1]); },
                     {sample({1, 3, 40, 56}, 44), sample({1, 2, 40, 56}, 45, -6, 6)}, {true, true}, 3e-5) == "");
  // FlowNetC's layer, smaller: pad 4, k 1, max displacement 4, stride2 2; and a k=3, stride1=2 one
  CHECK(layer_parity([](const auto& in) { return correlation(in[0], in[1], 4, 1, 4, 1, 2); },
                     {sample({2, 32, 24, 32}, 46), sample({2, 32, 24, 32}, 47)}, {true, true}) == "");
  CHECK(layer_parity([](const auto& in) { return correlation(in[0], in[1], 3, 3, 2, 2, 1); },
                     {sample({1, 8, 15, 17}, 48), sample({1, 8, 15, 17}, 49)}, {true, true}) == "");
  // instance-wise average pooling over a blocky instance map with a few dozen instances
  std::vector<float> ids_map(2 * 64 * 96);
  for (size_t i = 0; i < ids_map.size(); ++i) {
    const size_t x = i % 96, y = (i / 96) % 64, n = i / (96 * 64);
    ids_map[i] = float((y / 11) * 10 + (x / 13) + (n ? 100 : 0));
  }
  const TC inst = from_vector<float, cpu>(ids_map, {2, 1, 64, 96});
  CHECK(layer_parity([](const auto& in) { return instance_avg_pool(in[0], in[1]); },
                     {sample({2, 3, 64, 96}, 51), inst}, {true, false}) == "");
  CHECK(close("boundary_map", boundary_map(on_gpu(inst)).to_vector(), boundary_map(inst).to_vector(), 0, 0) == "");
  // embedding at BigGAN's shared-embedding size, repeated ids
  TC ids = from_vector<float, cpu>({3, 1, 3, 0, 7, 3, 9, 1}, {8});
  CHECK(layer_parity([&](const auto& in) { return embedding(in[0], in[1]); }, {ids, sample({10, 128}, 52)},
                     {false, true}) == "");
}

TEST_CASE("deterministic kernels repeat bit for bit") {
  const TG x = on_gpu(sample({4, 32, 24, 24}, 61)), w = on_gpu(sample({32, 32, 3, 3}, 62, -0.1, 0.1));
  const TG gy = on_gpu(sample({4, 32, 24, 24}, 63));
  Conv2dGeom g;
  g.N = 4, g.C = 32, g.H = 24, g.W = 24, g.K = 32, g.kh = 3, g.kw = 3, g.Ho = 24, g.Wo = 24, g.ph = 1, g.pw = 1;
  std::vector<float> first;
  for (int rep = 0; rep < 3; ++rep) {
    TG gw = TG::empty({32, 32, 3, 3});
    kernels::conv2d_weight_grad(cuda{}, g, x.data(), gy.data(), gw.data());
    const auto v = gw.to_vector();
    if (rep == 0) first = v;
    else CHECK(std::memcmp(v.data(), first.data(), v.size() * sizeof(float)) == 0);
  }
  const TG big = on_gpu(sample({8, 16, 64, 64}, 64));
  const auto n1 = batch_norm(big, TG(), TG(), TG(), TG(), true).to_vector();
  const auto n2 = batch_norm(big, TG(), TG(), TG(), TG(), true).to_vector();
  CHECK(std::memcmp(n1.data(), n2.data(), n1.size() * sizeof(float)) == 0);
}

TEST_CASE("cuDNN errors become ganlib::Error naming the call") {
  cudnnTensorDescriptor_t d = nullptr;
  GANLIB_CUDNN_CHECK(cudnnCreateTensorDescriptor(&d));
  CHECK_THROWS_WITH_AS(GANLIB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(d, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, -1, 1, 1, 1)),
                       doctest::Contains("cudnn: cudnnSetTensor4dDescriptor"), Error);
  GANLIB_CUDNN_CHECK(cudnnDestroyTensorDescriptor(d));
  // the device and cuDNN still work afterwards
  const TG x = ones<float, cuda>({1, 1, 3, 3}), w = ones<float, cuda>({1, 1, 3, 3});
  CHECK(conv2d(x, w, {}, 1, 1).to_vector()[4] == 9.f);
}

#include "gpu_main.hpp"
