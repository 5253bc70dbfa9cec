// zoo/biggan/generator.hpp — BigGAN's generator (BigGAN.py Generator): shared class embedding,
// hierarchical z (skip-z), GBlocks with class-conditional BN, self-attention, BN-ReLU-conv-tanh.
// Contract: keys as the reference ("shared.weight", "linear.weight", "linear.u0",
// "blocks.<i>.0.*" for block i and "blocks.<i>.1.*" for its attention, "output_layer.0.*",
// "output_layer.2.*"); forward(z, c) takes z [N, dim_z] and c = condition(y): the shared
// embedding of class ids y [N] (G_shared) or the ids themselves (without). The embedding is
// looked up outside forward so that classes can be interpolated.
#pragma once
#include "arch.hpp"
#include "layers.hpp"
#include "options.hpp"

namespace ganlib::zoo::biggan {

inline nn::SpectralNormOptions sn_options(const std::string& param, int64_t itrs, double eps) {
  nn::SpectralNormOptions sn;
  sn.enabled = param == "SN";
  sn.n_power_iterations = int(itrs);
  sn.eps = eps;
  sn.style = nn::SNStyle::biggan;
  return sn;
}

template <class T = float, class B = default_backend>
class BigGANGenerator : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  std::shared_ptr<nn::Embedding<T, B>> shared;  // null without G_shared
  std::shared_ptr<nn::Linear<T, B>> linear;
  std::shared_ptr<ModuleList<T, B>> blocks;
  std::shared_ptr<BN<T, B>> out_bn;
  std::shared_ptr<nn::Conv2d<T, B>> out_conv;
  GArch arch;
  int64_t dim_z, z_chunk, num_slots, n_classes, bottom_width = 4;

  explicit BigGANGenerator(const Options& o, Generator& gen = default_generator())
      : arch(g_arch(o.G_ch, o.G_attn, o.resolution)), n_classes(o.n_classes) {
    GANLIB_CHECK(o.n_classes > 0, "biggan G: n_classes must be positive, got ", o.n_classes);
    GANLIB_CHECK(!o.hier || o.G_shared, "biggan G: --hier needs --G_shared (each block's condition is the "
                 "shared class embedding concatenated with a z chunk)");
    const size_t nb = arch.out_channels.size();
    if (o.hier) {
      num_slots = int64_t(nb) + 1;
      z_chunk = o.dim_z / num_slots;
      GANLIB_CHECK(z_chunk > 0, "biggan G: dim_z ", o.dim_z, " is smaller than the ", num_slots, " hierarchical slots");
      dim_z = z_chunk * num_slots;  // rounded down, as the reference
    } else {
      num_slots = 1;
      z_chunk = 0;
      dim_z = o.dim_z;
    }
    const int64_t shared_dim = o.shared_dim > 0 ? o.shared_dim : o.dim_z;
    const auto sn = sn_options(o.G_param, o.num_G_SV_itrs, o.SN_eps);
    const int64_t cond = o.G_shared ? shared_dim + z_chunk : o.n_classes;
    if (o.G_shared)
      shared = this->register_module("shared", std::make_shared<nn::Embedding<T, B>>(
                                                   nn::EmbeddingOptions{o.n_classes, shared_dim, {false}, &gen}));
    linear = this->register_module("linear", std::make_shared<nn::Linear<T, B>>(nn::LinearOptions{
        dim_z / num_slots, arch.in_channels[0] * bottom_width * bottom_width, true, sn, &gen}));
    blocks = this->register_module("blocks", std::make_shared<ModuleList<T, B>>());
    for (size_t i = 0; i < nb; ++i) {
      auto list = blocks->push_back(std::make_shared<ModuleList<T, B>>());
      list->push_back(std::make_shared<GBlock<T, B>>(arch.in_channels[i], arch.out_channels[i], true, cond,
                                                      o.G_shared, sn, o.BN_eps, gen));
      if (arch.attention[i])
        list->push_back(std::make_shared<nn::SelfAttention<T, B>>(
            nn::SelfAttentionOptions{arch.out_channels[i], sn, &gen}));
    }
    auto out = this->register_module("output_layer", std::make_shared<ModuleList<T, B>>());
    out_bn = out->push_back(std::make_shared<BN<T, B>>(arch.out_channels.back()));  // eps 1e-5, as the reference
    out->push_back(std::make_shared<nn::ReLU<T, B>>());
    out_conv = out->push_back(sn_conv<T, B>(arch.out_channels.back(), o.img_channels, 3, sn, gen));
    if (!o.skip_init) init_weights(*this, o.G_init, gen);
  }
  std::string type_name() const override { return "Generator"; }

  // The conditioning input for class ids y [N] (values 0..n_classes-1).
  TensorT condition(const TensorT& y) {
    GANLIB_CHECK(y.dim() == 1, "biggan G: class ids must be a vector [N], got ", to_string(y.shape()));
    for (T v : y.to_vector())
      GANLIB_CHECK(v >= 0 && v < T(n_classes) && v == T(int64_t(v)), "biggan G: class id ", v,
                   " is out of range (n_classes ", n_classes, ")");
    return shared ? shared->forward(y) : y;
  }

  TensorT forward(const TensorT& z, const TensorT& c) {
    GANLIB_CHECK(z.dim() == 2 && z.size(1) == dim_z && c.size(0) == z.size(0), "biggan G: expects z [N, ", dim_z,
                 "] and a condition with N rows, got ", to_string(z.shape()), " and ", to_string(c.shape()));
    const size_t nb = blocks->size();
    std::vector<TensorT> ys(nb, c);
    TensorT z0 = z;
    if (z_chunk > 0) {
      const auto zs = split(z, z_chunk, 1);
      z0 = zs[0];
      for (size_t i = 0; i < nb; ++i) ys[i] = concat(std::vector<TensorT>{c, zs[i + 1]}, 1);
    }
    TensorT h = reshape(linear->forward(z0), {z.size(0), -1, bottom_width, bottom_width});
    for (size_t i = 0; i < nb; ++i) {
      auto* list = static_cast<ModuleList<T, B>*>(blocks->at(i));
      h = static_cast<GBlock<T, B>*>(list->at(0))->forward(h, ys[i]);
      if (list->size() > 1) h = list->at(1)->forward(h);
    }
    return tanh(out_conv->forward(relu(out_bn->forward(h))));
  }
  using Module<T, B>::forward;
};

}  // namespace ganlib::zoo::biggan
