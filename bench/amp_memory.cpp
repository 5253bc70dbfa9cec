// bench/amp_memory.cpp — what the autograd graph of bench's pix2pixHD configuration (G ngf 32 and
// the 3-scale D with intermediate features, 1×36×128×256) holds after the G-step forward, in fp32
// and under amp::Autocast(bf16): the saved activations. Counts the CPU allocator's live bytes
// (cpu::memory_allocated), so it measures what the graph keeps, not the process's RSS.
// Run: cmake --build build-bench --target amp_memory && ./build-bench/bench/amp_memory
#include <cstdio>
#include <ganlib/amp.hpp>

#include "zoo/pix2pixhd/losses.hpp"
#include "zoo/pix2pixhd/networks.hpp"

using namespace ganlib;
namespace p2p = ganlib::zoo::pix2pixhd;
using TF = Tensor<float, cpu>;

int main() {
  p2p::GlobalGenerator<float, cpu> G(p2p::GlobalGeneratorOptions{36, 3, 32, 4, 9, "instance"});
  p2p::MultiscaleDiscriminator<float, cpu> D(p2p::DiscriminatorOptions{39, 32, 3, 3, "instance", true});
  Generator gen(0);
  const TF label = randn<float, cpu>({1, 36, 128, 256}, gen);
  const TF real = rand<float, cpu>({1, 3, 128, 256}, gen, -1, 1);
  for (Precision p : {Precision::fp32, Precision::bf16, Precision::fp16}) {
    const size_t base = cpu::memory_allocated();
    TF loss_G;
    {
      amp::Autocast on(p);
      auto d_in = [&](const TF& img) { return concat(std::vector<TF>{label, img}, 1); };
      const TF fake = G.forward(label);
      const auto pred_real = D.forward_all(d_in(real));
      const auto pred_fake = D.forward_all(d_in(fake));
      loss_G = add(p2p::gan_loss(pred_fake, true), p2p::feature_matching_loss(pred_fake, pred_real, 3, 10.0));
    }
    std::printf("%s: the graph holds %.1f MB after the forward\n", to_string(p),
                double(cpu::memory_allocated() - base) / 1048576.0);
    loss_G.backward();
    for (auto& q : G.parameters()) q.set_grad(TF());
    for (auto& q : D.parameters()) q.set_grad(TF());
  }
}
