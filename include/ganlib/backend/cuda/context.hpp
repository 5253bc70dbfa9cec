// backend/cuda/context.hpp — the one stream and the one cuBLAS handle every CUDA kernel uses.
// Contract: created on first use, on the device that is current then (cudaSetDevice before the
// first CUDA tensor picks another); all work is queued on stream(), so kernels, copies and the
// caching allocator's reuse of freed blocks are ordered without events. Never destroyed: the
// driver may be torn down before static destructors run. While the stream is captured into a CUDA
// graph (graph.hpp), calls that wait for the device or read its memory on the host fail with a
// ganlib::Error naming them (forbid_in_capture) instead of invalidating the capture.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "error.hpp"

namespace ganlib::cuda_detail {

struct Context {
  int device = 0;
  int sm_count = 1;
  cudaStream_t stream = nullptr;

  Context() {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0) {
      (void)cudaGetLastError();
      detail::fail("cuda: no CUDA device is available (cudaGetDeviceCount: ",
                   e == cudaSuccess ? "0 devices" : cudaGetErrorString(e),
                   "); use the cpu backend on this machine");
    }
    GANLIB_CUDA_CHECK(cudaGetDevice(&device));
    GANLIB_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device));
    GANLIB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  }
};

inline Context& context() {
  static auto* c = new Context;
  return *c;
}
inline cudaStream_t stream() { return context().stream; }

// Whether stream() is being captured into a CUDA graph (an invalidated capture counts too).
inline bool capturing() {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  GANLIB_CUDA_CHECK(cudaStreamIsCapturing(stream(), &status));
  return status != cudaStreamCaptureStatusNone;
}

// A graph records work on the stream; it cannot record the host waiting for that work or reading
// its results, so such calls fail here with their name and the reason.
inline void forbid_in_capture(const char* what, const char* why) {
  if (capturing())
    detail::fail("cuda: ", what, " cannot run inside a CUDA graph capture: ", why,
                 ". Do it before StepGraph::capture or after replay() (backend/cuda/graph.hpp)");
}

// cuBLAS is initialised only when a GEMM first runs (cublasCreate costs a noticeable fraction
// of a second and some memory).
inline cublasHandle_t blas() {
  static cublasHandle_t h = [] {
    forbid_in_capture("cuBLAS initialisation (cublasCreate, at the first matrix product)",
                      "it allocates and synchronises; run the step once eagerly before capture");
    cublasHandle_t handle = nullptr;
    GANLIB_CUBLAS_CHECK(cublasCreate(&handle));
    GANLIB_CUBLAS_CHECK(cublasSetStream(handle, stream()));
    return handle;
  }();
  return h;
}

// Waits for everything queued so far (timers, and before the host reads device memory).
inline void synchronize() {
  forbid_in_capture("synchronize (cudaStreamSynchronize)",
                    "the host would wait for work that a capture only records");
  GANLIB_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

}  // namespace ganlib::cuda_detail
