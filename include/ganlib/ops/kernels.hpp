// ops/kernels.hpp — brings every backend's kernels into view for the ops layer.
// Contract: ops call kernels as kernels::name(B{}, ...); the overload for each backend must be
// declared before the ops' templates, which is what this header guarantees.
#pragma once
#include "../backend/cpu/elementwise.hpp"
#include "../backend/cpu/gemm.hpp"
#include "../backend/cpu/reduce.hpp"
#if defined(__CUDACC__) && defined(GANLIB_CUDA)
#include "../backend/cuda/kernels.hpp"
#endif
#include "../backend/concept.hpp"
