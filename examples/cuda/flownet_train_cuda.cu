// examples/cuda/flownet_train_cuda.cu — flownet_train on the GPU: the same program text (examples/flownet_train.cpp)
// compiled by nvcc with cuda as the default backend (include/ganlib/config.hpp).
#define GANLIB_DEFAULT_CUDA
#include "../flownet_train.cpp"
