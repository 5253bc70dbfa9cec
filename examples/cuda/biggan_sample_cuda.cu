// examples/cuda/biggan_sample_cuda.cu — biggan_sample on the GPU: the same program text (examples/biggan_sample.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../biggan_sample.cpp"
