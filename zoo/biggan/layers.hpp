// zoo/biggan/layers.hpp — BigGAN-PyTorch's layers (layers.py) that the nn/ library does not
// already have: bn (output BN with "gain"/"bias"), ccbn, GBlock, DBlock, ModuleList, init.
// Contract: state_dict keys as the reference (e.g. "blocks.0.0.bn1.gain.weight",
// "blocks.0.0.conv1.u0", "output_layer.0.stored_mean"); every SN layer is BigGAN-style
// (buffers u0 [1, out] and sv0 [1]). Standing statistics: set_standing(k) makes BN average
// the k-th batch with weight 1/k, so N train-mode passes leave the mean of N batch statistics.
#pragma once
#include <memory>
#include <string>

#include <ganlib/nn.hpp>

namespace ganlib::zoo::biggan {

using nn::Module;

// torch.nn.ModuleList: children "0", "1", ... without a forward.
template <class T, class B>
class ModuleList : public Module<T, B> {
 public:
  std::string type_name() const override { return "ModuleList"; }
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> m) {
    return this->register_module(std::to_string(this->children().size()), std::move(m));
  }
  size_t size() const { return this->children().size(); }
  Module<T, B>* at(size_t i) const { return this->children().at(i).second.get(); }
};

// layers.bn with plain F.batch_norm: learnable "gain" (ones) and "bias" (zeros), buffers
// "stored_mean", "stored_var".
template <class T, class B>
class BN : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  TensorT gain, bias, stored_mean, stored_var;
  double momentum = 0.1, eps;
  BN(int64_t C, double eps_ = 1e-5) : eps(eps_) {
    gain = this->register_parameter("gain", ones<T, B>({C}));
    bias = this->register_parameter("bias", zeros<T, B>({C}));
    stored_mean = this->register_buffer("stored_mean", zeros<T, B>({C}));
    stored_var = this->register_buffer("stored_var", ones<T, B>({C}));
  }
  std::string type_name() const override { return "bn"; }
  TensorT forward(const TensorT& x) override {
    return batch_norm(x, stored_mean, stored_var, gain, bias, this->training_, momentum, eps);
  }
  using Module<T, B>::operator();
};

// layers.ccbn: y = BN(x)·(1 + gain(c)) + bias(c). With G_shared, gain/bias are bias-free (SN)
// linears of the conditioning vector c [N, input_size]; without, nn.Embedding(n_classes, C)
// looked up by class ids y [N].
template <class T, class B>
class CCBN : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  std::shared_ptr<nn::WeightedModule<T, B>> gain, bias;
  TensorT stored_mean, stored_var;
  double momentum = 0.1, eps;

  CCBN(int64_t C, int64_t input_size, bool linear, nn::SpectralNormOptions sn, double eps_, Generator& gen)
      : eps(eps_), C_(C), linear_(linear) {
    if (linear) {
      const nn::LinearOptions lo{input_size, C, false, sn, &gen};
      gain = this->register_module("gain", std::make_shared<nn::Linear<T, B>>(lo));
      bias = this->register_module("bias", std::make_shared<nn::Linear<T, B>>(lo));
    } else {
      const nn::EmbeddingOptions eo{input_size, C, {false}, &gen};
      gain = this->register_module("gain", std::make_shared<nn::Embedding<T, B>>(eo));
      bias = this->register_module("bias", std::make_shared<nn::Embedding<T, B>>(eo));
    }
    stored_mean = this->register_buffer("stored_mean", zeros<T, B>({C}));
    stored_var = this->register_buffer("stored_var", ones<T, B>({C}));
  }
  std::string type_name() const override { return "ccbn"; }
  TensorT forward(const TensorT& x, const TensorT& c) {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == C_ && c.size(0) == x.size(0), "biggan ccbn: expects x [N, ", C_,
                 ", H, W] and a condition with N rows, got ", to_string(x.shape()), " and ", to_string(c.shape()));
    const Shape s{x.size(0), C_, 1, 1};
    const TensorT g = reshape(add_scalar(gain->forward(c), T(1)), s);
    const TensorT b = reshape(bias->forward(c), s);
    const TensorT h = batch_norm(x, stored_mean, stored_var, TensorT(), TensorT(), this->training_, momentum, eps);
    return add(mul(h, g), b);
  }
  using Module<T, B>::forward;

 private:
  int64_t C_;
  bool linear_;
};

// An SN conv (BigGAN's SNConv2d: bias on, kernel 3 pad 1 unless told).
template <class T, class B>
std::shared_ptr<nn::Conv2d<T, B>> sn_conv(int64_t in, int64_t out, int64_t k, const nn::SpectralNormOptions& sn,
                                          Generator& gen, bool bias = true) {
  return std::make_shared<nn::Conv2d<T, B>>(nn::Conv2dOptions{.in = in, .out = out, .kernel = k, .stride = 1,
                                                              .padding = k / 2, .bias = bias, .sn = sn, .gen = &gen});
}

// layers.GBlock: h = conv2(relu(bn2(conv1(up(relu(bn1(x, y)))), y))); out = h + conv_sc(up(x)).
template <class T, class B>
class GBlock : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  std::shared_ptr<nn::Conv2d<T, B>> conv1, conv2, conv_sc;
  std::shared_ptr<CCBN<T, B>> bn1, bn2;
  bool upsample;

  GBlock(int64_t in, int64_t out, bool up, int64_t cond, bool linear_bn, const nn::SpectralNormOptions& sn,
         double bn_eps, Generator& gen)
      : upsample(up) {
    conv1 = this->register_module("conv1", sn_conv<T, B>(in, out, 3, sn, gen));
    conv2 = this->register_module("conv2", sn_conv<T, B>(out, out, 3, sn, gen));
    if (in != out || up) conv_sc = this->register_module("conv_sc", sn_conv<T, B>(in, out, 1, sn, gen));
    bn1 = this->register_module("bn1", std::make_shared<CCBN<T, B>>(in, cond, linear_bn, sn, bn_eps, gen));
    bn2 = this->register_module("bn2", std::make_shared<CCBN<T, B>>(out, cond, linear_bn, sn, bn_eps, gen));
  }
  std::string type_name() const override { return "GBlock"; }
  TensorT forward(const TensorT& x0, const TensorT& y) {
    TensorT x = x0;
    TensorT h = relu(bn1->forward(x, y));
    if (upsample) {
      h = upsample2d(h, 2);
      x = upsample2d(x, 2);
    }
    h = conv1->forward(h);
    h = conv2->forward(relu(bn2->forward(h, y)));
    if (conv_sc) x = conv_sc->forward(x);
    return add(h, x);
  }
  using Module<T, B>::forward;
};

// layers.DBlock ("wide": hidden = out channels). Block 0 has no pre-activation and pools
// before its shortcut conv; later blocks pre-activate (out of place) and convolve first.
template <class T, class B>
class DBlock : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  std::shared_ptr<nn::Conv2d<T, B>> conv1, conv2, conv_sc;
  bool preactivation, downsample;

  DBlock(int64_t in, int64_t out, bool wide, bool preact, bool down, const nn::SpectralNormOptions& sn, Generator& gen)
      : preactivation(preact), downsample(down) {
    const int64_t hidden = wide ? out : in;
    conv1 = this->register_module("conv1", sn_conv<T, B>(in, hidden, 3, sn, gen));
    conv2 = this->register_module("conv2", sn_conv<T, B>(hidden, out, 3, sn, gen));
    if (in != out || down) conv_sc = this->register_module("conv_sc", sn_conv<T, B>(in, out, 1, sn, gen));
  }
  std::string type_name() const override { return "DBlock"; }
  TensorT forward(const TensorT& x) override {
    TensorT h = preactivation ? relu(x) : x;
    h = conv2->forward(relu(conv1->forward(h)));
    if (downsample) h = avg_pool2d(h, 2);
    return add(h, shortcut(x));
  }
  using Module<T, B>::operator();

 private:
  TensorT shortcut(TensorT x) {
    if (preactivation) {
      if (conv_sc) x = conv_sc->forward(x);
      if (downsample) x = avg_pool2d(x, 2);
    } else {
      if (downsample) x = avg_pool2d(x, 2);
      if (conv_sc) x = conv_sc->forward(x);
    }
    return x;
  }
};

// init_weights: Conv2d, Linear and Embedding weights -> orthogonal / N(0, 0.02) / Xavier uniform.
template <class T, class B>
void init_weights(Module<T, B>& root, const std::string& scheme, Generator& gen) {
  for (auto& [name, m] : root.named_modules()) {
    auto* w = dynamic_cast<nn::WeightedModule<T, B>*>(m);
    if (!w) continue;
    if (scheme == "ortho") nn::init::orthogonal_(w->weight, 1, gen);
    else if (scheme == "N02") nn::init::normal_(w->weight, 0, 0.02, gen);
    else nn::init::xavier_uniform_(w->weight, 1, gen);
  }
}

// Standing statistics: momentum 1/k for the k-th accumulation pass (k >= 1); k = 0 restores
// the reference's 0.1. Returns how many BN layers it touched.
template <class T, class B>
int set_bn_momentum(Module<T, B>& root, double momentum) {
  int n = 0;
  for (auto& [name, m] : root.named_modules()) {
    if (auto* c = dynamic_cast<CCBN<T, B>*>(m)) { c->momentum = momentum; ++n; }
    if (auto* b = dynamic_cast<BN<T, B>*>(m)) { b->momentum = momentum; ++n; }
  }
  return n;
}
template <class T, class B>
void reset_bn_stats(Module<T, B>& root) {
  no_grad guard;
  for (auto& [name, m] : root.named_modules()) {
    if (auto* c = dynamic_cast<CCBN<T, B>*>(m)) { fill_(c->stored_mean, T(0)); fill_(c->stored_var, T(1)); }
    if (auto* b = dynamic_cast<BN<T, B>*>(m)) { fill_(b->stored_mean, T(0)); fill_(b->stored_var, T(1)); }
  }
}

}  // namespace ganlib::zoo::biggan
