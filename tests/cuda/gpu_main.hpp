// tests/cuda/gpu_main.hpp — the main() of every CUDA suite: doctest on a machine with a GPU,
// one line and exit 0 on one without (CI builds these suites where no GPU exists).
// Include it once, after doctest with DOCTEST_CONFIG_IMPLEMENT.
#pragma once
#include <cuda_runtime.h>

#include <cstdio>

int main(int argc, char** argv) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("SKIPPED: no CUDA device\n");
    return 0;
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
