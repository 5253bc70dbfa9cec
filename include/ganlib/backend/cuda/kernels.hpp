// backend/cuda/kernels.hpp — every CUDA kernel family, for ops/kernels.hpp (nvcc only).
// Contract: after this header, `cuda` satisfies ganlib::Backend (backend/concept.hpp): the
// kernels are overloads of the CPU ones with `cuda` first, so ops run unchanged on the device.
#pragma once
#if !defined(__CUDACC__)
#error "ganlib/backend/cuda/kernels.hpp is CUDA code: compile this file with nvcc (a .cu file)"
#endif
// The CPU kernels first: concept.hpp checks both backends where it is first included.
#include "../cpu/elementwise.hpp"
#include "../cpu/gemm.hpp"
#include "../cpu/reduce.hpp"
#include "../cpu/amp.hpp"
#include "../cpu/half.hpp"
#include "amp.cuh"
#include "conv.cuh"
#include "correlation.cuh"
#include "elementwise.cuh"
#include "gemm.cuh"
#include "grid_sample.cuh"
#include "half.cuh"
#include "instance.cuh"
#include "norm.cuh"
#include "pool.cuh"
#include "random.cuh"
#include "reduce.cuh"
#include "resize.cuh"
#include "update.cuh"
#include "tag.hpp"
#include "../concept.hpp"

namespace ganlib {
static_assert(require_backend<cuda>());
}  // namespace ganlib
