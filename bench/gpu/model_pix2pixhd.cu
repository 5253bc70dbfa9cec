// bench/gpu/model_pix2pixhd.cu — the pix2pixhd1024_iter workload: one pix2pixHD training
// iteration at 1024x512 through zoo/pix2pixhd's model (Pix2PixHDModel::train_step) on CUDA.
// Configuration (the reference's defaults): global G ngf 64, n_downsample_global 4,
// n_blocks_global 9, instance norm; MultiscaleDiscriminator num_D 2, n_layers_D 3, ndf 64;
// LSGAN + feature matching (lambda_feat 10); no VGG loss (no ImageNet VGG19 weights here);
// Adam 2e-4, betas (0.5, 0.999); batch 1. G sees 36 channels (35 one-hot labels + the instance
// boundary map), D 39. That input is built once outside the timed step, so the model runs with
// --label_nc 0 --input_nc 36 --no_instance: the same channel counts without the per-iteration
// label encoding (bench_torch.py feeds PyTorch a tensor of the same shape). Variants: amp (--fp16)
// and graph (the fp32 iteration captured once in a CUDA graph and replayed).
#include <ganlib/backend/cuda/graph.hpp>
#include <ganlib/ops.hpp>
#include <memory>
#include <sstream>

#include "models_gpu.hpp"
#include "zoo/pix2pixhd/model.hpp"

namespace bench_gpu {

Step pix2pixhd1024_iter(bool amp, bool graph) {
  using namespace ganlib;
  namespace p2p = ganlib::zoo::pix2pixhd;
  p2p::Options o;
  o.label_nc = 0;
  o.input_nc = 36;
  o.no_instance = true;
  o.no_vgg_loss = true;
  o.fp16 = amp;
  auto log = std::make_shared<std::ostringstream>();  // the model's one-time messages
  auto model = std::make_shared<p2p::Pix2PixHDModel<float, cuda>>(o, true, *log);
  Generator gen(7);
  const auto label = randn<float, cuda>({1, 36, 512, 1024}, gen);
  const auto real = rand<float, cuda>({1, 3, 512, 1024}, gen, -1, 1);
  const Tensor<float, cuda> inst;  // unused with --no_instance
  if (!graph) return [model, log, label, real, inst] { model->train_step(label, inst, real); };
  // The CUDA graph variant: the iteration is capturable because nothing in it reads the device on
  // the host (labels enter ready-made, no loss is read back, the scaler is off in fp32, Adam keeps
  // its step count on the device). Warm-up first: cuDNN picks each shape's algorithms, Adam
  // makes its state.
  GANLIB_CHECK(!amp, "pix2pixhd1024_iter: the graph variant is fp32 (the loss scaler reads the device)");
  for (int i = 0; i < 2; ++i) model->train_step(label, inst, real);
  auto step_graph = std::make_shared<StepGraph>();
  step_graph->capture([&] { model->train_step(label, inst, real); });
  // The graph reads and writes model, label and real: the closure keeps them alive.
  return [model, log, label, real, inst, step_graph] { step_graph->replay(); };
}

}  // namespace bench_gpu
