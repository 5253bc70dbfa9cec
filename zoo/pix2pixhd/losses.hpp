// zoo/pix2pixhd/losses.hpp — pix2pixHD's losses (zoo.md §1.3): the GAN loss summed over the
// discriminator scales, discriminator feature matching, and the VGG19 perceptual loss.
// Contract: D outputs are per scale lists of stage outputs (MultiscaleDiscriminator::forward_all),
// the last being the patch map. LSGAN = MSE to 1/0; the BCE variant (no_lsgan) uses logits. The
// VGG19 network is torchvision's `features` (keys "features.<i>.weight/bias"), loaded from a
// safetensors file; its inputs are the [−1, 1] images without ImageNet normalisation, as the
// reference.
#pragma once
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <ganlib/io/safetensors.hpp>
#include <ganlib/nn.hpp>

namespace ganlib::zoo::pix2pixhd {

template <class T, class B>
using DOutputs = std::vector<std::vector<Tensor<T, B>>>;

// GANLoss: per scale, the loss of the last output against target 1 (real) or 0 (fake), summed.
template <class T, class B>
Tensor<T, B> gan_loss(const DOutputs<T, B>& preds, bool target_is_real, bool use_lsgan = true) {
  GANLIB_CHECK(!preds.empty(), "pix2pixhd gan_loss: no discriminator outputs");
  Tensor<T, B> total;
  for (auto& scale : preds) {
    GANLIB_CHECK(!scale.empty(), "pix2pixhd gan_loss: a scale returned no outputs");
    const Tensor<T, B>& p = scale.back();
    const Tensor<T, B> target = full_like(p, target_is_real ? T(1) : T(0));
    const Tensor<T, B> l = use_lsgan ? mse_loss(p, target) : bce_with_logits(p, target);
    total = total.defined() ? add(total, l) : l;
  }
  return total;
}

// Feature matching: Σ_scales Σ_{j < last} (4 / (n_layers_D + 1)) · (1 / num_D) · lambda_feat ·
// L1(fake_j, real_j.detach()).
template <class T, class B>
Tensor<T, B> feature_matching_loss(const DOutputs<T, B>& pred_fake, const DOutputs<T, B>& pred_real,
                                   int64_t n_layers_D, double lambda_feat) {
  GANLIB_CHECK(pred_fake.size() == pred_real.size() && !pred_fake.empty(),
               "pix2pixhd feature_matching_loss: ", pred_fake.size(), " fake scales vs ", pred_real.size(), " real");
  const double num_D = double(pred_fake.size());
  const T w = T(4.0 / double(n_layers_D + 1) * (1.0 / num_D) * lambda_feat);
  Tensor<T, B> total = zeros<T, B>({});
  for (size_t i = 0; i < pred_fake.size(); ++i) {
    GANLIB_CHECK(pred_fake[i].size() == pred_real[i].size(), "pix2pixhd feature_matching_loss: scale ", i,
                 " has ", pred_fake[i].size(), " fake and ", pred_real[i].size(), " real outputs");
    for (size_t j = 0; j + 1 < pred_fake[i].size(); ++j)
      total = add(total, mul_scalar(l1_loss(pred_fake[i][j], pred_real[i][j].detach()), w));
  }
  return total;
}

// MaxPool2d(2, 2) as a module, for VGG's `features` Sequential.
template <class T = float, class B = default_backend>
class MaxPool2d : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit MaxPool2d(int64_t k) : k_(k) {}
  std::string type_name() const override { return "MaxPool2d"; }
  TensorT forward(const TensorT& x) override { return max_pool2d(x, k_, k_); }
  using nn::Module<T, B>::operator();

 private:
  int64_t k_;
};

// torchvision's vgg19().features up to index 29 (relu5_1), sliced after relu1_1, relu2_1,
// relu3_1, relu4_1, relu5_1 (indices 2, 7, 12, 21, 30). Frozen. `width_divisor` > 1 makes a
// thinner network with the same layout (tests only).
template <class T = float, class B = default_backend>
class VGG19Features : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit VGG19Features(int64_t width_divisor = 1) {
    GANLIB_CHECK(width_divisor >= 1 && 64 % width_divisor == 0, "VGG19Features: width_divisor ", width_divisor,
                 " must divide 64");
    features = this->register_module("features", std::make_shared<nn::Sequential<T, B>>());
    // torchvision's cfg 'E' with pools ('M'): 64 64 M 128 128 M 256×4 M 512×4 M 512×4 M.
    const int64_t cfg[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512};
    int64_t in = 3;
    for (int64_t c : cfg) {
      if (features->size() >= 30) break;
      if (c == 0) {
        features->push_back(std::make_shared<MaxPool2d<T, B>>(2));
        continue;
      }
      const int64_t out = c / width_divisor;
      features->push_back(std::make_shared<nn::Conv2d<T, B>>(in, out, 3, 1, 1));
      features->push_back(std::make_shared<nn::ReLU<T, B>>());
      in = out;
    }
    this->requires_grad_(false);
  }
  std::string type_name() const override { return "VGG19Features"; }

  // The five relu outputs.
  std::vector<TensorT> forward_slices(const TensorT& x) {
    static constexpr size_t ends[] = {2, 7, 12, 21, 30};
    std::vector<TensorT> out;
    TensorT h = x;
    size_t i = 0;
    for (size_t e : ends) {
      for (; i < e; ++i) h = (*features)[i]->forward(h);
      out.push_back(h);
    }
    return out;
  }

  // Loads "features.<i>.weight/bias" from a torchvision-named safetensors file (other keys, such
  // as the classifier or features.30+, are ignored). Missing keys or other shapes are errors
  // naming the file and the key.
  void load(const std::string& path) {
    const safetensors::File f = safetensors::load(path);
    typename nn::Module<T, B>::StateDict sd;
    for (auto& [k, t] : this->named_state()) {
      auto it = f.tensors.find(k);
      GANLIB_CHECK(it != f.tensors.end(), "VGG19 weights '", path, "': no tensor \"", k,
                   "\" (expected torchvision's vgg19 key names, e.g. features.0.weight)");
      GANLIB_CHECK(it->second.shape == t.shape(), "VGG19 weights '", path, "': \"", k, "\" has shape ",
                   to_string(it->second.shape), ", expected ", to_string(t.shape()));
      sd[k] = safetensors::to_tensor<T, B>(it->second);
    }
    this->load_state_dict(sd);
  }

  std::shared_ptr<nn::Sequential<T, B>> features;
};

// VGGLoss: Σ_i w_i · L1(vgg_i(x), vgg_i(y).detach()), w = 1/32, 1/16, 1/8, 1/4, 1.
template <class T = float, class B = default_backend>
class VGGLoss {
 public:
  explicit VGGLoss(std::shared_ptr<VGG19Features<T, B>> vgg) : vgg_(std::move(vgg)) {
    GANLIB_CHECK(vgg_, "VGGLoss: null network");
  }
  Tensor<T, B> operator()(const Tensor<T, B>& x, const Tensor<T, B>& y) {
    static constexpr double weights[] = {1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0};
    const auto fx = vgg_->forward_slices(x);
    std::vector<Tensor<T, B>> fy;
    {
      no_grad guard;
      fy = vgg_->forward_slices(y.detach());
    }
    Tensor<T, B> total = zeros<T, B>({});
    for (size_t i = 0; i < fx.size(); ++i) total = add(total, mul_scalar(l1_loss(fx[i], fy[i]), T(weights[i])));
    return total;
  }
  VGG19Features<T, B>& network() { return *vgg_; }

 private:
  std::shared_ptr<VGG19Features<T, B>> vgg_;
};

}  // namespace ganlib::zoo::pix2pixhd
