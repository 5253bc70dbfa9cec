// bench/gpu/model_biggan.cu — the biggan128_iter workload: one BigGAN-128 training iteration
// through zoo/biggan's Trainer::train_step on CUDA (1 D step on 32 fake + 32 real images in one
// D pass, as the reference without --split_D; then 1 G step of batch 32 with D frozen).
// Configuration (BigGAN-PyTorch's launch_BigGAN_bs256x8.sh, batch 32): G_ch = D_ch = 96,
// dim_z 120 hierarchical, G_shared with shared_dim 128, 1000 classes, self-attention at 64 in G
// and D, spectral norm on G and D (SN_eps 1e-6), hinge loss, Adam G 1e-4 / D 4e-4, betas
// (0, 0.999), adam_eps 1e-6, num_D_steps 1. Not the launch script's: no EMA copy of G, and N(0,
// 0.02) initialisation instead of orthogonal (which ganlib computes on the host; weights' values
// do not change the work timed).
#include <ganlib/ops.hpp>
#include <memory>
#include <vector>

#include "models_gpu.hpp"
#include "zoo/biggan/train.hpp"

namespace bench_gpu {

Step biggan128_iter(bool amp) {
  using namespace ganlib;
  namespace bg = ganlib::zoo::biggan;
  bg::Options o;
  o.dataset = "I128_hdf5";  // resolution 128, 1000 classes
  o.G_ch = o.D_ch = 96;
  o.dim_z = 120;
  o.hier = true;
  o.G_shared = true;
  o.shared_dim = 128;
  o.G_attn = o.D_attn = "64";
  o.SN_eps = 1e-6;
  o.G_lr = 1e-4;
  o.D_lr = 4e-4;
  o.G_B1 = o.D_B1 = 0.0;
  o.G_B2 = o.D_B2 = 0.999;
  o.adam_eps = 1e-6;
  o.batch_size = 32;
  o.num_D_steps = 1;
  o.G_init = o.D_init = "N02";
  o.ema = false;
  o.G_mixed_precision = o.D_mixed_precision = amp;
  bg::finalize(o);
  auto trainer = std::make_shared<bg::Trainer<float, cuda>>(o);
  Generator gen(11);
  const auto x = rand<float, cuda>({32, 3, 128, 128}, gen, -1, 1);
  std::vector<float> ids(32);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = float((i * 37) % 1000);
  const auto y = from_vector<float, cuda>(ids, {32});
  return [trainer, x, y] { trainer->train_step(x, y); };
}

}  // namespace bench_gpu
