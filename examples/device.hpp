// examples/device.hpp — what an example program needs to know about the device it runs on: the
// CUDA build (examples/cuda/<name>_cuda.cu, GANLIB_DEFAULT_CUDA) must find a GPU, and timings wait for it.
// Contract: with the cpu default backend device_ready() is true and device_sync() does nothing;
// with cuda, device_ready("name") is false after one line "name_cuda: no CUDA device found (...)" on
// stderr when no device is usable, and device_sync() returns once all queued GPU work is done.
#pragma once
#include <ganlib/config.hpp>

#if defined(GANLIB_DEFAULT_CUDA)
#include <cuda_runtime.h>

#include <cstdio>
#endif

namespace ganlib::examples {

// Checked before a program reads or writes anything, so that a CUDA build started on a machine
// without a GPU stops with one clear line (exit code 1) instead of failing mid-run.
inline bool device_ready([[maybe_unused]] const char* program) {
#if defined(GANLIB_DEFAULT_CUDA)
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e == cudaSuccess && count > 0) return true;
  (void)cudaGetLastError();  // clear the sticky error of a failed query
  std::fprintf(stderr, "%s_cuda: no CUDA device found (cudaGetDeviceCount: %s); %s (the CPU build) runs without one\n",
               program, e == cudaSuccess ? "0 devices" : cudaGetErrorString(e), program);
  return false;
#else
  return true;
#endif
}

// Kernels are queued asynchronously on a GPU: a timer must wait for them before it reads the clock.
// (A template: a requires-expression naming a missing member is an error outside one.)
template <class B = default_backend>
void device_sync() {
  if constexpr (requires { B::synchronize(); }) B::synchronize();
}

}  // namespace ganlib::examples
