// bench/workloads_models.hpp — ganlib's side of the two model-level training workloads,
// pix2pixhd_iter and biggan32_iter, built from the zoo's own networks, losses and Adam.
// Contract: each configuration and step is bench/pytorch_models.py's, line for line (same
// layers, parameter counts, loss terms, zero_grad/backward/step order, fixed-seed inputs);
// GFLOP is 0 here: compare.py takes the count PyTorch's side measures with forward hooks.
#pragma once
#include <functional>
#include <ganlib/ops.hpp>
#include <ganlib/optim/adam.hpp>
#include <memory>

#include "zoo/biggan/discriminator.hpp"
#include "zoo/biggan/generator.hpp"
#include "zoo/biggan/losses.hpp"
#include "zoo/biggan/sample.hpp"
#include "zoo/pix2pixhd/losses.hpp"
#include "zoo/pix2pixhd/networks.hpp"

namespace bench {
using namespace ganlib;
using TF = Tensor<float, cpu>;

template <class M>
int64_t count_parameters(const M& m) {
  int64_t n = 0;
  for (auto& p : m.parameters()) n += p.numel();
  return n;
}

// The parameter counts PyTorch's side has for the same networks: a mismatch means the two
// configurations drifted apart, and the comparison would be unfair.
inline void check_parameters(const char* what, int64_t ours, int64_t pytorch) {
  GANLIB_CHECK(ours == pytorch, "bench: ", what, " has ", ours, " parameters, bench/pytorch_models.py's has ",
               pytorch, " (the two configurations differ)");
}

// pix2pixHD: G 45 672 611 parameters, D 2 138 019, on both sides (G: ngf 32 → 512 channels in
// the 9 residual blocks, 42.5 M of them). D is not frozen while G's adversarial branch is
// recorded, as PyTorch's side (the zoo's trainer freezes it and skips D's weight gradients).
inline std::function<void()> pix2pixhd_iter() {
  namespace p2p = ganlib::zoo::pix2pixhd;
  using Adam = optim::Adam<float, cpu>;
  auto G = std::make_shared<p2p::GlobalGenerator<float, cpu>>(p2p::GlobalGeneratorOptions{36, 3, 32, 4, 9, "instance"});
  auto D = std::make_shared<p2p::MultiscaleDiscriminator<float, cpu>>(
      p2p::DiscriminatorOptions{39, 32, 3, 3, "instance", /*intermediate_features=*/true});
  check_parameters("pix2pixHD G", count_parameters(*G), 45672611);
  check_parameters("pix2pixHD D", count_parameters(*D), 2138019);
  const optim::AdamOptions ao{2e-4, 0.5, 0.999, 1e-8, 0};
  auto oG = std::make_shared<Adam>(G->parameters(), ao);
  auto oD = std::make_shared<Adam>(D->parameters(), ao);
  Generator gen(0);
  const TF label = randn<float, cpu>({1, 36, 128, 256}, gen);  // as PyTorch's side: randn, not one-hot
  const TF real = rand<float, cpu>({1, 3, 128, 256}, gen, -1, 1);
  return [G, D, oG, oD, label, real] {
    auto d_in = [&](const TF& img) { return concat(std::vector<TF>{label, img}, 1); };
    const TF fake = G->forward(label);
    const TF loss_D_fake = p2p::gan_loss(D->forward_all(d_in(fake.detach())), false);
    const auto pred_real = D->forward_all(d_in(real));
    const TF loss_D_real = p2p::gan_loss(pred_real, true);
    const auto pred_fake = D->forward_all(d_in(fake));
    const TF loss_G_GAN = p2p::gan_loss(pred_fake, true);
    // Σ (1/num_D)·(4/(n_layers+1))·10·L1(fake_j, real_j.detach()) over scales and stages.
    const TF loss_G_feat = p2p::feature_matching_loss(pred_fake, pred_real, 3, 10.0);
    const TF loss_G = add(loss_G_GAN, loss_G_feat);
    const TF loss_D = mul_scalar(add(loss_D_fake, loss_D_real), 0.5f);
    oG->zero_grad();
    loss_G.backward();
    oG->step();
    oD->zero_grad();
    loss_D.backward();
    oD->step();
  };
}

// BigGAN-32: G 4 373 251 parameters, D 4 207 361, on both sides. PyTorch's defaults for the
// initial weights (skip_init), D called on real and fake separately, D not frozen in the G step,
// as PyTorch's side.
inline std::function<void()> biggan32_iter() {
  namespace bg = ganlib::zoo::biggan;
  using Adam = optim::Adam<float, cpu>;
  bg::Options o;
  o.G_ch = o.D_ch = 64;
  o.dim_z = 128;
  o.hier = true;
  o.G_shared = true;
  o.shared_dim = 128;
  o.n_classes = 10;
  o.img_channels = 3;
  o.resolution = 32;
  o.G_attn = o.D_attn = "0";
  o.G_param = o.D_param = "SN";
  o.num_G_SV_itrs = o.num_D_SV_itrs = 1;
  o.skip_init = true;
  Generator init_gen(0);
  auto G = std::make_shared<bg::BigGANGenerator<float, cpu>>(o, init_gen);
  auto D = std::make_shared<bg::BigGANDiscriminator<float, cpu>>(o, init_gen);
  check_parameters("BigGAN-32 G", count_parameters(*G), 4373251);
  check_parameters("BigGAN-32 D", count_parameters(*D), 4207361);
  G->train();
  D->train();
  auto oG = std::make_shared<Adam>(G->parameters(), optim::AdamOptions{2e-4, 0.0, 0.999, 1e-8, 0});
  auto oD = std::make_shared<Adam>(D->parameters(), optim::AdamOptions{2e-4, 0.0, 0.999, 1e-8, 0});
  auto gen = std::make_shared<Generator>(1);
  const TF real = rand<float, cpu>({32, 3, 32, 32}, *gen, -1, 1);
  const TF y_real = bg::sample_y<float, cpu>(32, 10, *gen);
  return [G, D, oG, oD, gen, real, y_real] {
    for (int s = 0; s < 2; ++s) {
      const TF z = randn<float, cpu>({32, 128}, *gen), y = bg::sample_y<float, cpu>(32, 10, *gen);
      TF fake;
      {
        no_grad ng;
        fake = G->forward(z, G->condition(y));
      }
      oD->zero_grad();
      const auto [loss_real, loss_fake] = bg::hinge_dis(D->forward(fake, y), D->forward(real, y_real));
      add(loss_real, loss_fake).backward();
      oD->step();
    }
    const TF z = randn<float, cpu>({32, 128}, *gen), y = bg::sample_y<float, cpu>(32, 10, *gen);
    oG->zero_grad();
    bg::hinge_gen(D->forward(G->forward(z, G->condition(y)), y)).backward();
    oG->step();
  };
}

}  // namespace bench
