// ops/kernels.hpp — brings every backend's kernels into view for the ops layer.
// Contract: ops call kernels as kernels::name(B{}, ...); the overload for each backend must be
// declared before the ops' templates, which is what this header guarantees.
#pragma once
#include "../backend/cpu/amp.hpp"
#include "../backend/cpu/conv.hpp"
#include "../backend/cpu/correlation.hpp"
#include "../backend/cpu/elementwise.hpp"
#include "../backend/cpu/gemm.hpp"
#include "../backend/cpu/half.hpp"
#include "../backend/cpu/grid_sample.hpp"
#include "../backend/cpu/instance.hpp"
#include "../backend/cpu/norm.hpp"
#include "../backend/cpu/pool.hpp"
#include "../backend/cpu/reduce.hpp"
#include "../backend/cpu/resize.hpp"
#include "../backend/cpu/update.hpp"
#if defined(__CUDACC__) && defined(GANLIB_CUDA)
#include "../backend/cuda/kernels.hpp"
#endif
#include "../backend/concept.hpp"
