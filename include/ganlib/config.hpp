// config.hpp — the one visible place where the default backend is chosen.
// Contract: `default_backend` is `cpu` unless the program defines GANLIB_DEFAULT_CUDA before
// including ganlib (and compiles with nvcc), in which case it is `cuda`.
#pragma once
#include "backend/cpu/tag.hpp"

#if defined(GANLIB_DEFAULT_CUDA)
#include "backend/cuda/tag.hpp"
namespace ganlib { using default_backend = cuda; }
#else
namespace ganlib { using default_backend = cpu; }
#endif
