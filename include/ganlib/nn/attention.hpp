// nn/attention.hpp — SelfAttention: the SAGAN / BigGAN non-local block (layers.Attention).
// Contract: children "theta" (C→C/8), "phi" (C→C/8), "g" (C→C/2), "o" (C/2→C), all bias-free
// 1×1 convs (spectrally normalised when sn.enabled), and a scalar parameter "gamma" (init 0).
// y = x + γ·o(g·βᵀ) with β = softmax over keys of θᵀφ; φ and g are 2×2 max-pooled, so H and
// W must be even and C a multiple of 8.
#pragma once
#include "../ops/activation.hpp"
#include "../ops/pool.hpp"
#include "conv.hpp"

namespace ganlib::nn {

struct SelfAttentionOptions {
  int64_t channels = 0;
  SpectralNormOptions sn{false};  // BigGAN: {.eps = 1e-6, .style = SNStyle::biggan}
  Generator* gen = nullptr;
};

template <class T = float, class B = default_backend>
class SelfAttention : public Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  using Conv = Conv2d<T, B>;
  TensorT gamma;
  std::shared_ptr<Conv> theta, phi, g, o;

  explicit SelfAttention(int64_t channels) : SelfAttention(SelfAttentionOptions{channels}) {}
  explicit SelfAttention(SelfAttentionOptions opt) : ch_(opt.channels) {
    GANLIB_CHECK(ch_ >= 8 && ch_ % 8 == 0, "SelfAttention: channels must be a positive multiple of 8, got ", ch_);
    auto conv = [&](int64_t in, int64_t out) {
      return std::make_shared<Conv>(Conv2dOptions{.in = in, .out = out, .kernel = 1, .bias = false,
                                                  .sn = opt.sn, .gen = opt.gen});
    };
    theta = this->register_module("theta", conv(ch_, ch_ / 8));
    phi = this->register_module("phi", conv(ch_, ch_ / 8));
    g = this->register_module("g", conv(ch_, ch_ / 2));
    o = this->register_module("o", conv(ch_ / 2, ch_));
    gamma = this->register_parameter("gamma", zeros<T, B>({}));
  }
  std::string type_name() const override { return "SelfAttention"; }

  TensorT forward(const TensorT& x) override {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == ch_ && x.size(2) % 2 == 0 && x.size(3) % 2 == 0,
                 "SelfAttention: expects x [N, ", ch_, ", H, W] with even H and W, got ", to_string(x.shape()));
    const int64_t N = x.size(0), H = x.size(2), W = x.size(3), HW = H * W;
    const TensorT th = reshape(theta->forward(x), {N, ch_ / 8, HW});
    const TensorT ph = reshape(max_pool2d(phi->forward(x), 2), {N, ch_ / 8, HW / 4});
    const TensorT gg = reshape(max_pool2d(g->forward(x), 2), {N, ch_ / 2, HW / 4});
    const TensorT beta = softmax(bmm(transpose(th, 1, 2), ph), -1);  // [N, HW, HW/4]
    const TensorT attn = reshape(bmm(gg, transpose(beta, 1, 2)), {N, ch_ / 2, H, W});
    return add(mul(gamma, o->forward(attn)), x);
  }
  using Module<T, B>::operator();

 private:
  int64_t ch_;
};

}  // namespace ganlib::nn
