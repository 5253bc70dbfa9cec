// bench/gpu/models_graph.hpp — model workloads replayed from a CUDA graph (model_graph.cu).
// Contract: the Step of models_gpu.hpp; the factory builds the model, runs its step eagerly to
// warm up (cuDNN algorithms, Adam state, allocator cache), captures one step with
// ganlib::StepGraph (backend/cuda/graph.hpp) and returns a step() that replays it.
#pragma once
#include "models_gpu.hpp"

namespace bench_gpu {

// pix2pixhd1024_iter's model, inputs and settings in fp32 (model_pix2pixhd.cu): the whole
// training iteration (G forward, D passes, losses, G step, D step, Adam) as one graph launch.
// BigGAN's iteration cannot be captured yet (bench/gpu/README.md, "CUDA graph row").
Step pix2pixhd1024_iter_graph();

}  // namespace bench_gpu
