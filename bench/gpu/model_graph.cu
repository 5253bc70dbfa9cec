// bench/gpu/model_graph.cu — the pix2pixhd1024_iter_graph workload: pix2pixhd1024_iter's
// training iteration (model_pix2pixhd.cu: same options, seed and inputs, fp32) captured once into
// a CUDA graph and replayed, so the row differs from pix2pixhd1024_iter by the launch work only.
// The iteration is capturable because nothing in it reads the device on the host: labels enter
// as a ready [1, 36, 512, 1024] tensor (--label_nc 0 --no_instance), no loss is read back, the
// GradScaler is off (fp32) and Adam keeps its step count on the device.
#include <ganlib/backend/cuda/graph.hpp>
#include <ganlib/ops.hpp>
#include <memory>
#include <sstream>

#include "models_graph.hpp"
#include "zoo/pix2pixhd/model.hpp"

namespace bench_gpu {

Step pix2pixhd1024_iter_graph() {
  using namespace ganlib;
  namespace p2p = ganlib::zoo::pix2pixhd;
  // model_pix2pixhd.cu's configuration (its factory returns only the step, so it is repeated here).
  p2p::Options o;
  o.label_nc = 0;
  o.input_nc = 36;
  o.no_instance = true;
  o.no_vgg_loss = true;
  auto log = std::make_shared<std::ostringstream>();
  auto model = std::make_shared<p2p::Pix2PixHDModel<float, cuda>>(o, true, *log);
  Generator gen(7);
  const auto label = randn<float, cuda>({1, 36, 512, 1024}, gen);
  const auto real = rand<float, cuda>({1, 3, 512, 1024}, gen, -1, 1);
  const Tensor<float, cuda> inst;
  // Warm-up before capture: each convolution shape gets its cuDNN algorithm, Adam its state.
  for (int i = 0; i < 2; ++i) model->train_step(label, inst, real);
  auto graph = std::make_shared<StepGraph>();
  graph->capture([&] { model->train_step(label, inst, real); });
  // The graph reads and writes model, label and real: the closure keeps them alive.
  return [model, log, label, real, graph] { graph->replay(); };
}

}  // namespace bench_gpu
