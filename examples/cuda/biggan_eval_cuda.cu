// examples/cuda/biggan_eval_cuda.cu — biggan_eval on the GPU: the same program text (examples/biggan_eval.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../biggan_eval.cpp"
