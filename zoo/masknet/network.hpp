// zoo/masknet/network.hpp — the mask net: a small DeepLab-style encoder-decoder (atrous
// convolutions, ASPP-lite at output stride 8, decoder back to stride 4) feeding heads.hpp's
// semantic, centre and offset heads; outputs are upsampled (bilinear) to the input size.
// Contract: input [N, 3, H, W] in [−1, 1] (io::image_to_tensor), H and W multiples of 8;
// forward returns logits [N, num_classes, H, W], centre heat-map [N, 1, H, W] and offsets
// [N, 2, H, W] (dy, dx in pixels, pointing from a pixel to its instance's centre).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ganlib/nn/activation.hpp"
#include "ganlib/nn/conv.hpp"
#include "ganlib/nn/norm.hpp"
#include "ganlib/nn/sequential.hpp"
#include "heads.hpp"
#include "options.hpp"

namespace ganlib::zoo::masknet {

// A residual block of two 3×3 conv-BN layers (the second without ReLU) at a given dilation:
// relu(x + f(x)). Keeps the encoder deep enough for context while staying cheap.
template <class T = float, class B = default_backend>
class ResBlock : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  ResBlock(int64_t ch, int64_t dilation, Generator* gen) {
    conv1 = this->register_module("conv1", conv_bn_relu<T, B>(ch, ch, 3, 1, dilation, gen));
    nn::Conv2dOptions o;
    o.in = ch, o.out = ch, o.kernel = 3, o.padding = dilation, o.dilation = dilation, o.bias = false, o.gen = gen;
    conv2 = this->register_module("conv2", std::make_shared<nn::Conv2d<T, B>>(o));
    bn2 = this->register_module("bn2", std::make_shared<nn::BatchNorm2d<T, B>>(ch));
  }
  std::string type_name() const override { return "ResBlock"; }
  TensorT forward(const TensorT& x) override { return relu(add(x, bn2->forward(conv2->forward(conv1->forward(x))))); }
  using nn::Module<T, B>::operator();

  std::shared_ptr<nn::Sequential<T, B>> conv1;
  std::shared_ptr<nn::Conv2d<T, B>> conv2;
  std::shared_ptr<nn::BatchNorm2d<T, B>> bn2;
};

// ASPP-lite (DeepLabV3's atrous spatial pyramid pooling, fewer channels): a 1×1 branch, one 3×3
// branch per atrous rate, and an image-pooling branch (global average → 1×1 conv → broadcast),
// concatenated and projected back by a 1×1 conv-BN-ReLU.
template <class T = float, class B = default_backend>
class ASPP : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  ASPP(int64_t in, int64_t branch, int64_t out, const std::vector<int64_t>& rates, bool image_pooling, Generator* gen)
      : image_pooling_(image_pooling) {
    branches.push_back(this->register_module("b0", conv_bn_relu<T, B>(in, branch, 1, 1, 1, gen)));
    for (size_t i = 0; i < rates.size(); ++i) {
      GANLIB_CHECK(rates[i] >= 1, "masknet ASPP: atrous rate ", rates[i], " must be >= 1");
      std::string name = "b";  // (not "b" + to_string: g++ 12 -O2 reports a false -Wrestrict on it)
      name += std::to_string(i + 1);
      branches.push_back(this->register_module(name, conv_bn_relu<T, B>(in, branch, 3, 1, rates[i], gen)));
    }
    if (image_pooling) {
      nn::Conv2dOptions o;
      o.in = in, o.out = branch, o.kernel = 1, o.gen = gen;
      pool = this->register_module("pool", std::make_shared<nn::Conv2d<T, B>>(o));
    }
    const int64_t n = int64_t(branches.size()) + (image_pooling ? 1 : 0);
    project = this->register_module("project", conv_bn_relu<T, B>(n * branch, out, 1, 1, 1, gen));
  }
  std::string type_name() const override { return "ASPP"; }
  TensorT forward(const TensorT& x) override {
    std::vector<TensorT> outs;
    for (auto& b : branches) outs.push_back(b->forward(x));
    if (image_pooling_) {  // no BN on a 1×1 map: batch statistics of one value per image are noise
      const auto g = relu(pool->forward(global_avg_pool(x, true)));
      outs.push_back(expand(g, {x.size(0), g.size(1), x.size(2), x.size(3)}));
    }
    return project->forward(concat(outs, 1));
  }
  using nn::Module<T, B>::operator();

  std::vector<std::shared_ptr<nn::Sequential<T, B>>> branches;
  std::shared_ptr<nn::Conv2d<T, B>> pool;
  std::shared_ptr<nn::Sequential<T, B>> project;

 private:
  bool image_pooling_;
};

template <class T = float, class B = default_backend>
class MaskNet : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  using Output = MaskNetOutput<T, B>;

  explicit MaskNet(MaskNetOptions o = {}, Generator* gen = nullptr) : o_(std::move(o)) {
    GANLIB_CHECK(o_.num_classes >= 2 && o_.width >= 4, "MaskNet: num_classes (", o_.num_classes,
                 ") must be >= 2 and width (", o_.width, ") >= 4");
    const int64_t c = o_.width;
    // Encoder: stride 2 (c), stride 4 (2c, the decoder's low-level features), stride 8 (4c) with
    // dilated residual blocks instead of a further stride (atrous convolution keeps resolution).
    stem = this->register_module("stem", conv_bn_relu<T, B>(3, c, 3, 2, 1, gen));
    layer1 = this->register_module("layer1", std::make_shared<nn::Sequential<T, B>>());
    layer1->push_back(conv_bn_relu<T, B>(c, 2 * c, 3, 2, 1, gen));
    layer1->push_back(std::make_shared<ResBlock<T, B>>(2 * c, 1, gen));
    layer2 = this->register_module("layer2", std::make_shared<nn::Sequential<T, B>>());
    layer2->push_back(conv_bn_relu<T, B>(2 * c, 4 * c, 3, 2, 1, gen));
    layer2->push_back(std::make_shared<ResBlock<T, B>>(4 * c, 1, gen));
    layer2->push_back(std::make_shared<ResBlock<T, B>>(4 * c, 2, gen));
    aspp = this->register_module("aspp", std::make_shared<ASPP<T, B>>(4 * c, 2 * c, 4 * c, o_.aspp_rates, o_.image_pooling, gen));
    // Decoder (DeepLabV3+): upsample ×2, concatenate projected low-level features, fuse.
    low_proj = this->register_module("low_proj", conv_bn_relu<T, B>(2 * c, c, 1, 1, 1, gen));
    fuse = this->register_module("fuse", conv_bn_relu<T, B>(5 * c, 3 * c, 3, 1, 1, gen));
    heads = this->register_module("heads", std::make_shared<PanopticHeads<T, B>>(3 * c, 2 * c, o_.num_classes, gen));
  }
  std::string type_name() const override { return "MaskNet"; }
  const MaskNetOptions& options() const { return o_; }

  // Stride-4 head outputs (before the final upsampling).
  Output forward_stride4(const TensorT& x) {
    check_input(x);
    const auto low = layer1->forward(stem->forward(x));
    const auto deep = aspp->forward(layer2->forward(low));
    const auto up = upsample2d_to(deep, Int2(low.size(2), low.size(3)), UpsampleMode::bilinear);
    const auto f = fuse->forward(concat(std::vector<TensorT>{up, low_proj->forward(low)}, 1));
    return heads->forward_heads(f);
  }

  // Full-resolution outputs: the stride-4 maps resized bilinearly to the input's H × W.
  Output run(const TensorT& x) {
    auto o = forward_stride4(x);
    const Int2 size(x.size(2), x.size(3));
    return {upsample2d_to(o.logits, size, UpsampleMode::bilinear),
            upsample2d_to(o.center, size, UpsampleMode::bilinear),
            upsample2d_to(o.offset, size, UpsampleMode::bilinear)};
  }
  // Single-output forward (for Sequential-style callers): the logits.
  TensorT forward(const TensorT& x) override { return run(x).logits; }
  using nn::Module<T, B>::operator();

  // Soft per-class masks: softmax of the logits over classes, [N, num_classes, H, W].
  static TensorT probabilities(const Output& o) { return softmax(o.logits, 1); }

  std::shared_ptr<nn::Sequential<T, B>> stem, layer1, layer2, low_proj, fuse;
  std::shared_ptr<ASPP<T, B>> aspp;
  std::shared_ptr<PanopticHeads<T, B>> heads;

 private:
  void check_input(const TensorT& x) const {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == 3, "MaskNet: input must be [N, 3, H, W], got ", to_string(x.shape()));
    GANLIB_CHECK(x.size(2) % 8 == 0 && x.size(3) % 8 == 0 && x.size(2) > 0 && x.size(3) > 0,
                 "MaskNet: input ", to_string(x.shape()), " must have H and W that are positive multiples "
                 "of 8 (the output stride); pad or resize the frame (pad_to_multiple does)");
  }
  MaskNetOptions o_;
};

}  // namespace ganlib::zoo::masknet
