// examples/cuda/pix2pixhd_encode_features_cuda.cu — pix2pixhd_encode_features on the GPU: the same program text (examples/pix2pixhd_encode_features.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../pix2pixhd_encode_features.cpp"
