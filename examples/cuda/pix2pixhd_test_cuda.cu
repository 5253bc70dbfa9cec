// examples/cuda/pix2pixhd_test_cuda.cu — pix2pixhd_test on the GPU: the same program text (examples/pix2pixhd_test.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../pix2pixhd_test.cpp"
