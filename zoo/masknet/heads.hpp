// zoo/masknet/heads.hpp — the mask net's prediction heads on the decoder's stride-4 features:
// semantic logits, and Panoptic-DeepLab's bottom-up instance heads (centre heat-map, offsets).
// Contract: each head is a 3×3 conv-BN-ReLU then a 1×1 conv with bias; the semantic and the
// instance head have their own 3×3 layer but share the decoder (Panoptic-DeepLab has two
// decoders; one is enough at this size and halves the decoder's cost).
#pragma once
#include <memory>
#include <string>

#include "ganlib/nn/activation.hpp"
#include "ganlib/nn/conv.hpp"
#include "ganlib/nn/norm.hpp"
#include "ganlib/nn/sequential.hpp"

namespace ganlib::zoo::masknet {

// conv (no bias) → BatchNorm → ReLU, with "same" padding for odd kernels and any dilation.
template <class T = float, class B = default_backend>
std::shared_ptr<nn::Sequential<T, B>> conv_bn_relu(int64_t in, int64_t out, int64_t k, int64_t stride = 1,
                                                   int64_t dilation = 1, Generator* gen = nullptr) {
  nn::Conv2dOptions o;
  o.in = in, o.out = out, o.kernel = k, o.stride = stride, o.padding = dilation * (k / 2);
  o.dilation = dilation, o.bias = false, o.gen = gen;
  auto s = std::make_shared<nn::Sequential<T, B>>();
  s->push_back(std::make_shared<nn::Conv2d<T, B>>(o));
  s->push_back(std::make_shared<nn::BatchNorm2d<T, B>>(out));
  s->push_back(std::make_shared<nn::ReLU<T, B>>());
  return s;
}

template <class T = float, class B = default_backend>
struct MaskNetOutput {
  Tensor<T, B> logits;  // [N, num_classes, H, W]
  Tensor<T, B> center;  // [N, 1, H, W]  centre heat-map (regressed to Gaussians, ~1 at centres)
  Tensor<T, B> offset;  // [N, 2, H, W]  (dy, dx) to the instance centre, in pixels
};

template <class T = float, class B = default_backend>
class PanopticHeads : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  PanopticHeads(int64_t in, int64_t mid, int64_t num_classes, Generator* gen) {
    semantic = this->register_module("semantic", conv_bn_relu<T, B>(in, mid, 3, 1, 1, gen));
    semantic_out = this->register_module("semantic_out", std::make_shared<nn::Conv2d<T, B>>(one_by_one(mid, num_classes, gen)));
    instance = this->register_module("instance", conv_bn_relu<T, B>(in, mid, 3, 1, 1, gen));
    center_out = this->register_module("center_out", std::make_shared<nn::Conv2d<T, B>>(one_by_one(mid, 1, gen)));
    offset_out = this->register_module("offset_out", std::make_shared<nn::Conv2d<T, B>>(one_by_one(mid, 2, gen)));
  }
  std::string type_name() const override { return "PanopticHeads"; }

  // features [N, in, h, w] → logits [N, classes, h, w], centre [N, 1, h, w], offset [N, 2, h, w].
  MaskNetOutput<T, B> forward_heads(const TensorT& f) {
    const auto s = semantic->forward(f), i = instance->forward(f);
    return {semantic_out->forward(s), center_out->forward(i), offset_out->forward(i)};
  }

  std::shared_ptr<nn::Sequential<T, B>> semantic, instance;
  std::shared_ptr<nn::Conv2d<T, B>> semantic_out, center_out, offset_out;

 private:
  static nn::Conv2dOptions one_by_one(int64_t in, int64_t out, Generator* gen) {
    nn::Conv2dOptions o;
    o.in = in, o.out = out, o.kernel = 1, o.gen = gen;
    return o;
  }
};

}  // namespace ganlib::zoo::masknet
