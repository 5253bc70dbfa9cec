// examples/cuda/flownet_infer_cuda.cu — flownet_infer on the GPU: the same program text (examples/flownet_infer.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../flownet_infer.cpp"
