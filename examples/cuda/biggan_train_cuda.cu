// examples/cuda/biggan_train_cuda.cu — biggan_train on the GPU: the same program text (examples/biggan_train.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../biggan_train.cpp"
