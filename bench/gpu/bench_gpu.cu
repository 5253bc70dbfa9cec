// bench/gpu/bench_gpu.cu — ganlib's CUDA backend on three workloads, in fp32:
//   elementwise_chain  y = sigmoid(1.5·x + 0.5)·x on 4096×4096 (four kernels, no autograd)
//   matmul_4096        4096×4096 · 4096×4096
//   linear_fwd_bwd     y = linear(x [1024, 4096], W [4096, 4096], b [4096]); sum(y).backward()
// Prints one JSON line per workload: {"workload", "ganlib_ms"} (mean over timed iterations
// after warm-up, the stream synchronised around them). bench_torch.py runs the same shapes in
// PyTorch and joins the two. Usage: bench_gpu [iterations]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <ganlib/ganlib.hpp>
#include <string>

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

}  // namespace

int main(int argc, char** argv) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("SKIPPED: no CUDA device\n");
    return 0;
  }
  const int iters = argc > 1 ? std::atoi(argv[1]) : 20;
  Generator gen(0);
  {
    const TG x = randn<float, cuda>({4096, 4096}, gen);
    no_grad ng;
    TG y;
    report("elementwise_chain", time_ms([&] { y = sigmoid(x * 1.5f + 0.5f) * x; }, iters));
  }
  {
    const TG a = randn<float, cuda>({4096, 4096}, gen), b = randn<float, cuda>({4096, 4096}, gen);
    no_grad ng;
    TG c;
    report("matmul_4096", time_ms([&] { c = matmul(a, b); }, iters));
  }
  {
    const TG x = randn<float, cuda>({1024, 4096}, gen);
    TG w = randn<float, cuda>({4096, 4096}, gen, 0.0, 0.02);
    TG b = zeros<float, cuda>({4096});
    w.requires_grad_();
    b.requires_grad_();
    report("linear_fwd_bwd", time_ms([&] {
             w.set_grad(TG());
             b.set_grad(TG());
             sum(linear(x, w, b)).backward();
           }, iters));
  }
  return 0;
}
