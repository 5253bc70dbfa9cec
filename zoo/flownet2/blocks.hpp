// zoo/flownet2/blocks.hpp — FlowNet2's building blocks (flownet2-pytorch networks/submodules.py):
// conv + LeakyReLU(0.1), i_conv, predict_flow, deconv, the 2→2 flow upsamplers, ChannelNorm,
// the reference initialisation, and the width multiplier used for reduced-size models.
// Contract: blocks are torch.nn.Sequential-shaped so state_dict keys match the reference
// ("conv1.0.weight", "deconv5.0.bias", "inter_conv5.0.weight", "predict_flow6.weight").
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "ganlib/nn.hpp"

namespace ganlib::zoo::flownet2 {

// Channel widths: width 1.0 is the reference; others scale every feature width (flow
// channels, the correlation's 441 displacements and the image inputs stay as they are).
struct Width {
  double mult = 1.0;
  int64_t operator()(int64_t c) const {
    GANLIB_CHECK(mult > 0 && std::isfinite(mult), "flownet2: width multiplier ", mult, " must be positive");
    return std::max<int64_t>(1, int64_t(std::llround(double(c) * mult)));
  }
};

template <class T, class B>
using SeqPtr = std::shared_ptr<nn::Sequential<T, B>>;

// conv(batchNorm=False, in, out, k, s): Conv k×k, stride s, padding (k−1)/2, bias, LeakyReLU(0.1).
template <class T, class B>
SeqPtr<T, B> conv_lrelu(int64_t in, int64_t out, int64_t k = 3, int64_t s = 1) {
  auto seq = std::make_shared<nn::Sequential<T, B>>();
  seq->push_back(std::make_shared<nn::Conv2d<T, B>>(in, out, k, s, (k - 1) / 2, true));
  seq->push_back(std::make_shared<nn::LeakyReLU<T, B>>(0.1));
  return seq;
}

// i_conv: the same convolution without an activation (SD / Fusion "inter" convs).
template <class T, class B>
SeqPtr<T, B> i_conv(int64_t in, int64_t out, int64_t k = 3, int64_t s = 1) {
  auto seq = std::make_shared<nn::Sequential<T, B>>();
  seq->push_back(std::make_shared<nn::Conv2d<T, B>>(in, out, k, s, (k - 1) / 2, true));
  return seq;
}

// predict_flow: Conv 3×3 to the 2 flow channels, with bias.
template <class T, class B>
std::shared_ptr<nn::Conv2d<T, B>> predict_flow(int64_t in) {
  return std::make_shared<nn::Conv2d<T, B>>(in, 2, 3, 1, 1, true);
}

// deconv: ConvTranspose 4×4, stride 2, padding 1 (doubles H and W), bias, LeakyReLU(0.1).
template <class T, class B>
SeqPtr<T, B> deconv(int64_t in, int64_t out) {
  auto seq = std::make_shared<nn::Sequential<T, B>>();
  seq->push_back(std::make_shared<nn::ConvTranspose2d<T, B>>(in, out, 4, 2, 1, 0, true));
  seq->push_back(std::make_shared<nn::LeakyReLU<T, B>>(0.1));
  return seq;
}

// The learned ×2 flow upsampler between decoder levels (no bias in FlowNetS, bias elsewhere).
template <class T, class B>
std::shared_ptr<nn::ConvTranspose2d<T, B>> flow_upsampler(bool bias) {
  return std::make_shared<nn::ConvTranspose2d<T, B>>(2, 2, 4, 2, 1, 0, bias);
}

// The reference init for every conv and transposed conv: Xavier-uniform weights, biases U[0, 1]
// (torch.nn.init.uniform_'s defaults). All FlowNet parameters are conv weights or biases.
template <class T, class B>
void reference_init(nn::Module<T, B>& m, Generator& gen) {
  for (auto& [name, t] : m.named_parameters()) {
    Tensor<T, B> p = t;
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0) nn::init::uniform_(p, 0.0, 1.0, gen);
    else nn::init::xavier_uniform_(p, 1.0, gen);
  }
}

// ChannelNorm (norm_deg 2): per-pixel Euclidean norm over channels, [N, C, H, W] → [N, 1, H, W].
// Backward as the reference kernel: g · x / (‖x‖ + 1e-20), finite where x = 0 (where the plain
// derivative of sqrt is not). Recomputed from x under create_graph, so double backward works.
template <class T, class B>
Tensor<T, B> channel_norm(const Tensor<T, B>& x) {
  GANLIB_CHECK(x.dim() == 4, "channel_norm: input must be [N, C, H, W], got ", to_string(x.shape()));
  Tensor<T, B> y;
  {
    no_grad guard;
    y = sqrt(sum(mul(x, x), {1}, true));
  }
  const auto y_saved = y.detach();
  return record(y, "channel_norm", {x}, [x, y_saved](const Tensor<T, B>& g) {
    const Tensor<T, B> n = GradMode::enabled() ? channel_norm(x) : y_saved;
    return Grads<T, B>{mul(g, div(x, add_scalar(n, T(1e-20))))};
  }, {x, y_saved});
}

// Concatenation along channels, the reference's torch.cat(..., 1).
template <class T, class B>
Tensor<T, B> cat_channels(const std::vector<Tensor<T, B>>& xs) {
  return concat(xs, 1);
}

}  // namespace ganlib::zoo::flownet2
