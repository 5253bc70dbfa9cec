// bench/gpu/models_gpu.hpp — the model-level GPU workloads: whole training iterations and
// inference of zoo models on Tensor<float, cuda>, one nvcc translation unit each (model_*.cu).
// Contract: a factory builds its model and inputs once (fixed seed) and returns a step() that
// runs one iteration on ganlib's stream; bench_gpu.cu warms up, synchronises and times it.
#pragma once
#include <functional>

namespace bench_gpu {

using Step = std::function<void()>;

// pix2pixHD global G (ngf 64, 4 downsamplings, 9 blocks, instance norm) + 2-scale D at 1024x512,
// LSGAN + feature matching, Adam: G step then D step (model_pix2pixhd.cu). amp: --fp16 (fp16
// autocast, dynamic loss scaling); graph: the fp32 iteration captured in a CUDA graph (StepGraph)
// and replayed. BigGAN's iteration cannot be captured yet (bench/gpu/README.md).
Step pix2pixhd1024_iter(bool amp = false, bool graph = false);
// BigGAN-128 (ch 96, hierarchical z 120, shared embedding 128, attention at 64, SN, hinge), batch
// 32: one D step and one G step (model_biggan.cu). amp: --G_mixed_precision --D_mixed_precision.
Step biggan128_iter(bool amp = false);
// FlowNet2 (C, S, S, SD, fusion) inference on one 512x384 pair, no grad (model_flownet2.cu).
Step flownet2_infer_512x384();

}  // namespace bench_gpu
