// zoo/biggan/discriminator.hpp — BigGAN's discriminator (BigGAN.py Discriminator): residual
// DBlocks (the first without pre-activation), self-attention, ReLU, global sum pooling,
// SNLinear output plus the projection term with an SNEmbedding of the class.
// Contract: keys "blocks.<i>.0.conv1.weight", ..., "linear.weight", "embed.weight" (+ "u0",
// "sv0"); forward(x [N, C, R, R], y [N] class ids) -> [N, 1].
#pragma once
#include "arch.hpp"
#include "generator.hpp"
#include "layers.hpp"
#include "options.hpp"

namespace ganlib::zoo::biggan {

template <class T = float, class B = default_backend>
class BigGANDiscriminator : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  std::shared_ptr<ModuleList<T, B>> blocks;
  std::shared_ptr<nn::Linear<T, B>> linear;
  std::shared_ptr<nn::Embedding<T, B>> embed;
  DArch arch;
  int64_t n_classes, resolution;

  explicit BigGANDiscriminator(const Options& o, Generator& gen = default_generator())
      : arch(d_arch(o.D_ch, o.D_attn, o.resolution, o.img_channels)), n_classes(o.n_classes), resolution(o.resolution) {
    GANLIB_CHECK(o.n_classes > 0, "biggan D: n_classes must be positive, got ", o.n_classes);
    const auto sn = sn_options(o.D_param, o.num_D_SV_itrs, o.SN_eps);
    blocks = this->register_module("blocks", std::make_shared<ModuleList<T, B>>());
    for (size_t i = 0; i < arch.out_channels.size(); ++i) {
      auto list = blocks->push_back(std::make_shared<ModuleList<T, B>>());
      list->push_back(std::make_shared<DBlock<T, B>>(arch.in_channels[i], arch.out_channels[i], o.D_wide, i > 0,
                                                      arch.downsample[i], sn, gen));
      if (arch.attention[i])
        list->push_back(std::make_shared<nn::SelfAttention<T, B>>(
            nn::SelfAttentionOptions{arch.out_channels[i], sn, &gen}));
    }
    const int64_t C = arch.out_channels.back();
    linear = this->register_module("linear", std::make_shared<nn::Linear<T, B>>(nn::LinearOptions{C, 1, true, sn, &gen}));
    embed = this->register_module("embed", std::make_shared<nn::Embedding<T, B>>(nn::EmbeddingOptions{n_classes, C, sn, &gen}));
    if (!o.skip_init) init_weights(*this, o.D_init, gen);
  }
  std::string type_name() const override { return "Discriminator"; }

  TensorT forward(const TensorT& x, const TensorT& y) {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == arch.in_channels[0] && x.size(2) == resolution && x.size(3) == resolution,
                 "biggan D: expects images [N, ", arch.in_channels[0], ", ", resolution, ", ", resolution, "], got ",
                 to_string(x.shape()));
    GANLIB_CHECK(y.dim() == 1 && y.size(0) == x.size(0), "biggan D: expects class ids [", x.size(0), "], got ",
                 to_string(y.shape()));
    for (T v : y.to_vector())
      GANLIB_CHECK(v >= 0 && v < T(n_classes) && v == T(int64_t(v)), "biggan D: class id ", v,
                   " is out of range (n_classes ", n_classes, ")");
    TensorT h = x;
    for (size_t i = 0; i < blocks->size(); ++i) {
      auto* list = static_cast<ModuleList<T, B>*>(blocks->at(i));
      for (size_t j = 0; j < list->size(); ++j) h = list->at(j)->forward(h);
    }
    h = sum(relu(h), {2, 3});                                      // global sum pooling [N, C]
    const TensorT out = linear->forward(h);                        // [N, 1]
    const TensorT proj = sum(mul(embed->forward(y), h), {1}, true);  // projection [N, 1]
    return add(out, proj);
  }
  using Module<T, B>::forward;
};

}  // namespace ganlib::zoo::biggan
