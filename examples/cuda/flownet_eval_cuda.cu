// examples/cuda/flownet_eval_cuda.cu — flownet_eval on the GPU: the same program text (examples/flownet_eval.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../flownet_eval.cpp"
