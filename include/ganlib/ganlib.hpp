// ganlib.hpp — the umbrella header: tensors, autograd, ops, layers, optimizers, I/O.
//
// A two-minute tour (define, build, compute, differentiate):
//
//   #include <ganlib/ganlib.hpp>
//   using namespace ganlib;
//   Generator gen(42);
//   auto w = randn<float>({3, 4}, gen).requires_grad_();   // a leaf parameter
//   auto x = randn<float>({8, 4}, gen);                    // a batch of inputs
//   auto y = relu(linear(x, w));                            // ops record the graph
//   auto loss = mean(square(y));
//   loss.backward();                                        // w.grad() now holds dloss/dw
//
// Backends are types: Tensor<float, cpu> or Tensor<float, cuda>; `default_backend` (config.hpp)
// is what Tensor<float> means. Each header under ganlib/ states its contract at the top.
// Each layer also has its own umbrella (ops.hpp, nn.hpp, optim.hpp, data.hpp, train.hpp) and
// each file under io/ stands alone: include only what a file needs to keep builds fast.
#pragma once
#include "amp.hpp"
#include "data.hpp"
#include "io/flo.hpp"
#include "io/idx.hpp"
#include "io/image.hpp"
#include "io/safetensors.hpp"
#include "nn.hpp"
#include "ops.hpp"
#include "optim.hpp"
#include "train.hpp"
