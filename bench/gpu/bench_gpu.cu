// bench/gpu/bench_gpu.cu — ganlib's CUDA backend on the GPU benchmark workloads (fp32 unless named _amp):
//   elementwise_chain  y = sigmoid(1.5·x + 0.5)·x on 4096×4096 (four kernels, no autograd)
//   matmul_4096        4096×4096 · 4096×4096
//   linear_fwd_bwd     y = linear(x [1024, 4096], W [4096, 4096], b [4096]); sum(y).backward()
//   conv3x3_256_fwd_bwd  pix2pixHD-like: y = conv2d(x [1, 256, 128, 256], W [256, 256, 3, 3], b,
//                      padding 1); sum(y).backward() into x, W and b (cuDNN)
//   biggan_gblock_fwd_bwd  a BigGAN-128 generator block (ch 96, batch 32, 384 -> 192 channels,
//                      32² -> 64²): bn-relu-up2-conv3-bn-relu-conv3 + up2-conv1 shortcut, with
//                      batch norm's affine parameters (no class conditioning); sum(y).backward()
//   pix2pixhd1024_iter, biggan128_iter, flownet2_infer_512x384  whole zoo models (models_gpu.hpp);
//   pix2pixhd1024_iter_amp, biggan128_iter_amp  the same training iterations with fp16 autocast
//                      and dynamic loss scaling (amp/; PyTorch: torch.autocast + GradScaler)
//   pix2pixhd1024_iter_graph  the fp32 iteration captured once in a CUDA graph and replayed
//                      (model_pix2pixhd.cu; compared with PyTorch's eager pix2pixhd1024_iter)
// Prints one JSON line per workload: {"workload", "ganlib_ms"} (mean over timed iterations
// after 3 warm-ups, the stream synchronised around them). bench_torch.py runs the same shapes in
// PyTorch and joins the two. Usage: bench_gpu [iterations] [--only NAME[,NAME...]] | --list
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <ganlib/ganlib.hpp>
#include <string>
#include <vector>

#include "models_gpu.hpp"

using namespace ganlib;
using TG = Tensor<float, cuda>;

namespace {

double time_ms(const std::function<void()>& step, int iters) {
  for (int i = 0; i < 3; ++i) step();  // warm-up: allocator cache, cuBLAS heuristics
  cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) step();
  cuda::synchronize();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count() / iters;
}

void report(const char* workload, double ms) {
  std::printf("{\"workload\": \"%s\", \"ganlib_ms\": %.4f}\n", workload, ms);
  std::fflush(stdout);
}

// The workloads by name; each builds its inputs, times `iters` steps and frees what it built.
std::vector<std::pair<std::string, std::function<double(int)>>> workloads() {
  std::vector<std::pair<std::string, std::function<double(int)>>> w;
  w.emplace_back("elementwise_chain", [](int iters) {
    Generator gen(0);
    const TG x = randn<float, cuda>({4096, 4096}, gen);
    no_grad ng;
    TG y;
    return time_ms([&] { y = sigmoid(x * 1.5f + 0.5f) * x; }, iters);
  });
  w.emplace_back("matmul_4096", [](int iters) {
    Generator gen(1);
    const TG a = randn<float, cuda>({4096, 4096}, gen), b = randn<float, cuda>({4096, 4096}, gen);
    no_grad ng;
    TG c;
    return time_ms([&] { c = matmul(a, b); }, iters);
  });
  w.emplace_back("linear_fwd_bwd", [](int iters) {
    Generator gen(2);
    const TG x = randn<float, cuda>({1024, 4096}, gen);
    TG w = randn<float, cuda>({4096, 4096}, gen, 0.0, 0.02);
    TG b = zeros<float, cuda>({4096});
    w.requires_grad_();
    b.requires_grad_();
    return time_ms([&] {
      w.set_grad(TG());
      b.set_grad(TG());
      sum(linear(x, w, b)).backward();
    }, iters);
  });
  w.emplace_back("conv3x3_256_fwd_bwd", [](int iters) {
    Generator gen(3);
    TG x = randn<float, cuda>({1, 256, 128, 256}, gen);
    TG w = randn<float, cuda>({256, 256, 3, 3}, gen, 0.0, 0.02);
    TG b = zeros<float, cuda>({256});
    for (TG* t : {&x, &w, &b}) t->requires_grad_();
    return time_ms([&] {
      for (TG* t : {&x, &w, &b}) t->set_grad(TG());
      sum(conv2d(x, w, b, 1, 1)).backward();
    }, iters);
  });
  w.emplace_back("biggan_gblock_fwd_bwd", [](int iters) {
    Generator gen(4);
    const int64_t cin = 384, cout = 192;
    TG x = randn<float, cuda>({32, cin, 32, 32}, gen);
    TG g1 = ones<float, cuda>({cin}), b1 = zeros<float, cuda>({cin});
    TG g2 = ones<float, cuda>({cout}), b2 = zeros<float, cuda>({cout});
    TG w1 = randn<float, cuda>({cout, cin, 3, 3}, gen, 0.0, 0.02), c1 = zeros<float, cuda>({cout});
    TG w2 = randn<float, cuda>({cout, cout, 3, 3}, gen, 0.0, 0.02), c2 = zeros<float, cuda>({cout});
    TG ws = randn<float, cuda>({cout, cin, 1, 1}, gen, 0.0, 0.02), cs = zeros<float, cuda>({cout});
    const std::vector<TG*> params = {&x, &g1, &b1, &g2, &b2, &w1, &c1, &w2, &c2, &ws, &cs};
    for (TG* t : params) t->requires_grad_();
    return time_ms([&] {
      for (TG* t : params) t->set_grad(TG());
      TG h = relu(batch_norm(x, TG(), TG(), g1, b1, true));
      h = conv2d(upsample2d(h, Scale2(2.0)), w1, c1, 1, 1);
      h = conv2d(relu(batch_norm(h, TG(), TG(), g2, b2, true)), w2, c2, 1, 1);
      const TG sc = conv2d(upsample2d(x, Scale2(2.0)), ws, cs);
      sum(add(h, sc)).backward();
    }, iters);
  });
  w.emplace_back("pix2pixhd1024_iter", [](int iters) { return time_ms(bench_gpu::pix2pixhd1024_iter(), iters); });
  w.emplace_back("pix2pixhd1024_iter_amp",
                 [](int iters) { return time_ms(bench_gpu::pix2pixhd1024_iter(true), iters); });
  w.emplace_back("pix2pixhd1024_iter_graph",
                 [](int iters) { return time_ms(bench_gpu::pix2pixhd1024_iter(false, true), iters); });
  w.emplace_back("biggan128_iter", [](int iters) { return time_ms(bench_gpu::biggan128_iter(), iters); });
  w.emplace_back("biggan128_iter_amp", [](int iters) { return time_ms(bench_gpu::biggan128_iter(true), iters); });
  w.emplace_back("flownet2_infer_512x384",
                 [](int iters) { return time_ms(bench_gpu::flownet2_infer_512x384(), iters); });
  return w;
}

std::vector<std::string> split_names(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto all = workloads();
  int iters = 20;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--list") {
      for (auto& [name, f] : all) std::printf("%s\n", name.c_str());
      return 0;
    }
    if (a == "--only" && i + 1 < argc) {
      only = split_names(argv[++i]);
    } else if (!a.empty() && a[0] != '-' && std::atoi(a.c_str()) > 0) {
      iters = std::atoi(a.c_str());
    } else {
      std::fprintf(stderr, "bench_gpu: bad argument '%s' (usage: bench_gpu [iterations] [--only NAME[,NAME...]] | "
                           "--list)\n", a.c_str());
      return 2;
    }
  }
  for (auto& n : only) {
    bool known = false;
    for (auto& [name, f] : all) known = known || name == n;
    if (!known) {
      std::fprintf(stderr, "bench_gpu: unknown workload '%s' (bench_gpu --list names them)\n", n.c_str());
      return 2;
    }
  }
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("SKIPPED: no CUDA device\n");
    return 0;
  }
  int rc = 0;
  for (auto& [name, f] : all) {
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    try {
      report(name.c_str(), f(iters));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_gpu %s: %s\n", name.c_str(), e.what());
      rc = 1;
    }
    cuda_detail::allocator().empty_cache();  // the next workload starts with the device's memory free
  }
  return rc;
}
