// backend/cuda/error.hpp — CUDA runtime and cuBLAS failures as ganlib::Error.
// Contract: GANLIB_CUDA_CHECK(call) / GANLIB_CUBLAS_CHECK(call) throw a ganlib::Error naming the
// call, the library's own message and where it was made; kernel launches are checked by name.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "../../core/error.hpp"

namespace ganlib::cuda_detail {

[[noreturn]] inline void cuda_fail(cudaError_t e, const char* call, const char* file, int line) {
  (void)cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  detail::fail("cuda: ", call, " failed: ", cudaGetErrorName(e), " (", cudaGetErrorString(e),
               ") at ", file, ":", line);
}

[[noreturn]] inline void cublas_fail(cublasStatus_t s, const char* call, const char* file, int line) {
  detail::fail("cublas: ", call, " failed: ", cublasGetStatusName(s), " (",
               cublasGetStatusString(s), ") at ", file, ":", line);
}

// After a kernel launch: a bad configuration shows here; a fault inside the kernel shows at the
// next synchronising call (a copy to the host), whose message then names that call.
inline void check_launch(const char* kernel) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess)
    detail::fail("cuda: launch of kernel '", kernel, "' failed: ", cudaGetErrorName(e), " (",
                 cudaGetErrorString(e), ")");
}

}  // namespace ganlib::cuda_detail

#define GANLIB_CUDA_CHECK(call)                                                   \
  do {                                                                            \
    const cudaError_t ganlib_err_ = (call);                                       \
    if (ganlib_err_ != cudaSuccess)                                               \
      ::ganlib::cuda_detail::cuda_fail(ganlib_err_, #call, __FILE__, __LINE__);   \
  } while (0)

#define GANLIB_CUBLAS_CHECK(call)                                                 \
  do {                                                                            \
    const cublasStatus_t ganlib_st_ = (call);                                     \
    if (ganlib_st_ != CUBLAS_STATUS_SUCCESS)                                      \
      ::ganlib::cuda_detail::cublas_fail(ganlib_st_, #call, __FILE__, __LINE__);  \
  } while (0)
