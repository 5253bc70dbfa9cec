// zoo/pix2pixhd/networks.hpp — pix2pixHD's networks: the global generator G1, the local
// enhancer G2 (wrapping G1 without its head), the instance-feature encoder E, and the
// multi-scale PatchGAN discriminator (zoo.md §1.1).
// Contract: every parameter and buffer is registered under the reference's state_dict key
// ("model.1.weight", "model1_2.0.conv_block.1.bias", "scale0_layer0.0.weight", ...) in the
// reference's order, so parameter counts and weights match the reference one to one; inputs
// are [N, C, H, W] with H, W multiples of 2^n_downsample (× 2^n_local_enhancers for G2).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <ganlib/nn.hpp>

namespace ganlib::zoo::pix2pixhd {

template <class T, class B>
using ModulePtr = std::shared_ptr<nn::Module<T, B>>;

// pix2pixHD's get_norm_layer: InstanceNorm2d(affine=False) or BatchNorm2d(affine=True).
template <class T, class B>
ModulePtr<T, B> make_norm(const std::string& norm, int64_t channels) {
  if (norm == "instance") return std::make_shared<nn::InstanceNorm2d<T, B>>(channels);
  GANLIB_CHECK(norm == "batch", "pix2pixhd: normalization layer [", norm, "] is not found (instance or batch)");
  return std::make_shared<nn::BatchNorm2d<T, B>>(channels);
}

// The reference's 2x downsampling between pyramid levels: AvgPool2d(3, stride 2, padding 1,
// count_include_pad=False).
template <class T, class B>
Tensor<T, B> downsample(const Tensor<T, B>& x) {
  return avg_pool2d(x, 3, 2, 1, false, /*count_include_pad=*/false);
}

// weights_init: every Conv*/ConvTranspose* weight ~ N(0, 0.02) (biases keep the framework
// default), BatchNorm2d weight ~ N(1, 0.02) and bias 0.
template <class T, class B>
void init_weights(nn::Module<T, B>& net, Generator& gen) {
  for (auto& [name, m] : net.named_modules()) {
    const std::string tn = m->type_name();
    for (auto& [n, t] : m->named_parameters(false)) {
      Tensor<T, B> p = t;
      if (tn.find("Conv") != std::string::npos && n == "weight") nn::init::normal_(p, 0.0, 0.02, gen);
      if (tn == "BatchNorm2d" && n == "weight") nn::init::normal_(p, 1.0, 0.02, gen);
      if (tn == "BatchNorm2d" && n == "bias") nn::init::constant_(p, 0.0);
    }
  }
}

// ResnetBlock: x + [pad1, conv3, norm, ReLU, pad1, conv3, norm](x), reflect padding.
template <class T = float, class B = default_backend>
class ResnetBlock : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  ResnetBlock(int64_t dim, const std::string& norm) {
    conv_block_ = this->register_module("conv_block", std::make_shared<nn::Sequential<T, B>>());
    conv_block_->push_back(std::make_shared<nn::ReflectionPad2d<T, B>>(1));
    conv_block_->push_back(std::make_shared<nn::Conv2d<T, B>>(dim, dim, 3));
    conv_block_->push_back(make_norm<T, B>(norm, dim));
    conv_block_->push_back(std::make_shared<nn::ReLU<T, B>>());
    conv_block_->push_back(std::make_shared<nn::ReflectionPad2d<T, B>>(1));
    conv_block_->push_back(std::make_shared<nn::Conv2d<T, B>>(dim, dim, 3));
    conv_block_->push_back(make_norm<T, B>(norm, dim));
  }
  std::string type_name() const override { return "ResnetBlock"; }
  TensorT forward(const TensorT& x) override { return add(x, conv_block_->forward(x)); }
  using nn::Module<T, B>::operator();

 private:
  std::shared_ptr<nn::Sequential<T, B>> conv_block_;
};

struct GlobalGeneratorOptions {
  int64_t input_nc = 36, output_nc = 3, ngf = 64, n_downsampling = 3, n_blocks = 9;
  std::string norm = "instance";
};

namespace detail {
// c7s1-ngf, n × d(2k), n_blocks × R, n × u(k/2) [, pad3 + conv7 + tanh when `head`].
template <class T, class B>
void append_global_layers(nn::Sequential<T, B>& s, const GlobalGeneratorOptions& o, bool head) {
  GANLIB_CHECK(o.input_nc > 0 && o.output_nc > 0 && o.ngf > 0 && o.n_downsampling >= 0 && o.n_blocks >= 0,
               "GlobalGenerator: input_nc ", o.input_nc, ", output_nc ", o.output_nc, ", ngf ", o.ngf,
               ", n_downsampling ", o.n_downsampling, ", n_blocks ", o.n_blocks, " out of range");
  using nn::Conv2d, nn::ConvTranspose2d, nn::ReLU, nn::ReflectionPad2d;
  s.push_back(std::make_shared<ReflectionPad2d<T, B>>(3));
  s.push_back(std::make_shared<Conv2d<T, B>>(o.input_nc, o.ngf, 7));
  s.push_back(make_norm<T, B>(o.norm, o.ngf));
  s.push_back(std::make_shared<ReLU<T, B>>());
  for (int64_t i = 0; i < o.n_downsampling; ++i) {
    const int64_t c = o.ngf << i;
    s.push_back(std::make_shared<Conv2d<T, B>>(c, 2 * c, 3, 2, 1));
    s.push_back(make_norm<T, B>(o.norm, 2 * c));
    s.push_back(std::make_shared<ReLU<T, B>>());
  }
  const int64_t width = o.ngf << o.n_downsampling;
  for (int64_t i = 0; i < o.n_blocks; ++i) s.push_back(std::make_shared<ResnetBlock<T, B>>(width, o.norm));
  for (int64_t i = 0; i < o.n_downsampling; ++i) {
    const int64_t c = o.ngf << (o.n_downsampling - i);
    s.push_back(std::make_shared<ConvTranspose2d<T, B>>(c, c / 2, 3, 2, 1, 1));
    s.push_back(make_norm<T, B>(o.norm, c / 2));
    s.push_back(std::make_shared<ReLU<T, B>>());
  }
  if (head) {
    s.push_back(std::make_shared<ReflectionPad2d<T, B>>(3));
    s.push_back(std::make_shared<Conv2d<T, B>>(o.ngf, o.output_nc, 7));
    s.push_back(std::make_shared<nn::Tanh<T, B>>());
  }
}

template <class T, class B>
void check_divisible(const char* who, const Tensor<T, B>& x, int64_t base) {
  GANLIB_CHECK(x.dim() == 4, who, ": expects input [N, C, H, W], got ", to_string(x.shape()));
  GANLIB_CHECK(x.size(2) % base == 0 && x.size(3) % base == 0, who, ": input ", to_string(x.shape()),
               " has a side that is not a multiple of ", base,
               " (2^downsamplings); resize it (the programs round sizes as the reference does)");
}
}  // namespace detail

// G1. Keys "model.<i>.*".
template <class T = float, class B = default_backend>
class GlobalGenerator : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit GlobalGenerator(GlobalGeneratorOptions o) : o_(o) {
    model = this->register_module("model", std::make_shared<nn::Sequential<T, B>>());
    detail::append_global_layers(*model, o, true);
  }
  std::string type_name() const override { return "GlobalGenerator"; }
  TensorT forward(const TensorT& x) override {
    detail::check_divisible("GlobalGenerator", x, int64_t(1) << o_.n_downsampling);
    GANLIB_CHECK(x.size(1) == o_.input_nc, "GlobalGenerator: input ", to_string(x.shape()), " has ", x.size(1),
                 " channels, expected input_nc ", o_.input_nc);
    return model->forward(x);
  }
  using nn::Module<T, B>::operator();
  const GlobalGeneratorOptions& options() const { return o_; }
  std::shared_ptr<nn::Sequential<T, B>> model;

 private:
  GlobalGeneratorOptions o_;
};

struct LocalEnhancerOptions {
  int64_t input_nc = 36, output_nc = 3, ngf = 32, n_downsample_global = 3, n_blocks_global = 9;
  int64_t n_local_enhancers = 1, n_blocks_local = 3;
  std::string norm = "instance";
};

// G2 around G1: "model" is G1 (ngf·2^n_local) without its last 3 layers; enhancer n has a front
// "model<n>_1" (c7s1-g, d2g) and a back "model<n>_2" (R2g × n_blocks_local, u(g), and on the last
// enhancer c7s1-output_nc + tanh), g = ngf·2^(n_local − n). back(front(x_n) + previous output).
template <class T = float, class B = default_backend>
class LocalEnhancer : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  using SeqPtr = std::shared_ptr<nn::Sequential<T, B>>;
  explicit LocalEnhancer(LocalEnhancerOptions o) : o_(o) {
    GANLIB_CHECK(o.n_local_enhancers >= 1, "LocalEnhancer: n_local_enhancers must be >= 1, got ", o.n_local_enhancers);
    const int64_t ngf_global = o.ngf << o.n_local_enhancers;
    model = this->register_module("model", std::make_shared<nn::Sequential<T, B>>());
    detail::append_global_layers(*model, {o.input_nc, o.output_nc, ngf_global, o.n_downsample_global,
                                          o.n_blocks_global, o.norm}, false);
    for (int64_t n = 1; n <= o.n_local_enhancers; ++n) {
      const int64_t g = o.ngf << (o.n_local_enhancers - n);
      auto front = std::make_shared<nn::Sequential<T, B>>();
      front->push_back(std::make_shared<nn::ReflectionPad2d<T, B>>(3));
      front->push_back(std::make_shared<nn::Conv2d<T, B>>(o.input_nc, g, 7));
      front->push_back(make_norm<T, B>(o.norm, g));
      front->push_back(std::make_shared<nn::ReLU<T, B>>());
      front->push_back(std::make_shared<nn::Conv2d<T, B>>(g, 2 * g, 3, 2, 1));
      front->push_back(make_norm<T, B>(o.norm, 2 * g));
      front->push_back(std::make_shared<nn::ReLU<T, B>>());
      auto back = std::make_shared<nn::Sequential<T, B>>();
      for (int64_t i = 0; i < o.n_blocks_local; ++i) back->push_back(std::make_shared<ResnetBlock<T, B>>(2 * g, o.norm));
      back->push_back(std::make_shared<nn::ConvTranspose2d<T, B>>(2 * g, g, 3, 2, 1, 1));
      back->push_back(make_norm<T, B>(o.norm, g));
      back->push_back(std::make_shared<nn::ReLU<T, B>>());
      if (n == o.n_local_enhancers) {
        back->push_back(std::make_shared<nn::ReflectionPad2d<T, B>>(3));
        back->push_back(std::make_shared<nn::Conv2d<T, B>>(o.ngf, o.output_nc, 7));
        back->push_back(std::make_shared<nn::Tanh<T, B>>());
      }
      const std::string k = "model" + std::to_string(n);
      fronts.push_back(this->register_module(k + "_1", front));
      backs.push_back(this->register_module(k + "_2", back));
    }
  }
  std::string type_name() const override { return "LocalEnhancer"; }
  TensorT forward(const TensorT& x) override {
    detail::check_divisible("LocalEnhancer", x, int64_t(1) << (o_.n_downsample_global + o_.n_local_enhancers));
    GANLIB_CHECK(x.size(1) == o_.input_nc, "LocalEnhancer: input ", to_string(x.shape()), " has ", x.size(1),
                 " channels, expected input_nc ", o_.input_nc);
    std::vector<TensorT> pyramid{x};
    for (int64_t i = 0; i < o_.n_local_enhancers; ++i) pyramid.push_back(downsample(pyramid.back()));
    TensorT prev = model->forward(pyramid.back());
    for (int64_t n = 1; n <= o_.n_local_enhancers; ++n) {
      const TensorT& xi = pyramid[size_t(o_.n_local_enhancers - n)];
      prev = backs[size_t(n - 1)]->forward(add(fronts[size_t(n - 1)]->forward(xi), prev));
    }
    return prev;
  }
  using nn::Module<T, B>::operator();
  const LocalEnhancerOptions& options() const { return o_; }

  // The parameters of the outermost enhancer ("model<n_local>_*"), the only ones trained while
  // epoch <= niter_fix_global.
  std::vector<TensorT> outer_parameters() const {
    std::vector<TensorT> out;
    const std::string prefix = "model" + std::to_string(o_.n_local_enhancers);
    for (auto& [n, t] : this->named_parameters())
      if (n.rfind(prefix, 0) == 0) out.push_back(t);
    return out;
  }

  SeqPtr model;
  std::vector<SeqPtr> fronts, backs;

 private:
  LocalEnhancerOptions o_;
};

struct EncoderOptions {
  int64_t input_nc = 3, output_nc = 3, ngf = 16, n_downsampling = 4;
  std::string norm = "instance";
};

// E: c7s1-nef, n × d, n × u, c7s1-feat_num + tanh, then instance-wise average pooling.
template <class T = float, class B = default_backend>
class Encoder : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit Encoder(EncoderOptions o) : o_(o) {
    model = this->register_module("model", std::make_shared<nn::Sequential<T, B>>());
    detail::append_global_layers(*model, {o.input_nc, o.output_nc, o.ngf, o.n_downsampling, 0, o.norm}, true);
  }
  std::string type_name() const override { return "Encoder"; }
  // image [N, input_nc, H, W], inst [N, 1, H, W] of instance ids → [N, feat_num, H, W], constant
  // over each instance.
  TensorT forward(const TensorT& image, const TensorT& inst) {
    detail::check_divisible("Encoder", image, int64_t(1) << o_.n_downsampling);
    return instance_avg_pool(model->forward(image), inst);
  }
  using nn::Module<T, B>::forward;
  const EncoderOptions& options() const { return o_; }
  std::shared_ptr<nn::Sequential<T, B>> model;

 private:
  EncoderOptions o_;
};

struct DiscriminatorOptions {
  int64_t input_nc = 39, ndf = 64, n_layers = 3, num_D = 2;
  std::string norm = "instance";
  bool intermediate_features = true;  // getIntermFeat = !no_ganFeat_loss
};

namespace detail {
// NLayerDiscriminator's stages: conv4 s2 (no norm) + LReLU, (n_layers − 1) × [conv4 s2, norm,
// LReLU], conv4 s1 + norm + LReLU, conv4 s1 → 1; width doubles, capped at 512; padding 2.
template <class T, class B>
std::vector<std::vector<ModulePtr<T, B>>> nlayer_stages(const DiscriminatorOptions& o) {
  GANLIB_CHECK(o.input_nc > 0 && o.ndf > 0 && o.n_layers >= 1, "NLayerDiscriminator: input_nc ", o.input_nc,
               ", ndf ", o.ndf, ", n_layers ", o.n_layers, " out of range");
  using nn::Conv2d, nn::LeakyReLU;
  std::vector<std::vector<ModulePtr<T, B>>> st;
  st.push_back({std::make_shared<Conv2d<T, B>>(o.input_nc, o.ndf, 4, 2, 2), std::make_shared<LeakyReLU<T, B>>(0.2)});
  int64_t nf = o.ndf;
  for (int64_t n = 1; n < o.n_layers; ++n) {
    const int64_t prev = nf;
    nf = std::min<int64_t>(nf * 2, 512);
    st.push_back({std::make_shared<Conv2d<T, B>>(prev, nf, 4, 2, 2), make_norm<T, B>(o.norm, nf),
                  std::make_shared<LeakyReLU<T, B>>(0.2)});
  }
  const int64_t prev = nf;
  nf = std::min<int64_t>(nf * 2, 512);
  st.push_back({std::make_shared<Conv2d<T, B>>(prev, nf, 4, 1, 2), make_norm<T, B>(o.norm, nf),
                std::make_shared<LeakyReLU<T, B>>(0.2)});
  st.push_back({std::make_shared<Conv2d<T, B>>(nf, 1, 4, 1, 2)});
  return st;
}
}  // namespace detail

// num_D PatchGANs on an average-pooled pyramid. With intermediate features the stages are
// registered as "scale<i>_layer<j>" and each scale returns its n_layers + 2 stage outputs;
// otherwise each scale is one Sequential "layer<i>" returning only its final map. As the
// reference, result[0] comes from scale num_D − 1 on the full-resolution input, result[k] from
// scale num_D − 1 − k on the input downsampled k times. No sigmoid is applied: the BCE variant
// uses logits (see losses.hpp).
template <class T = float, class B = default_backend>
class MultiscaleDiscriminator : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  using SeqPtr = std::shared_ptr<nn::Sequential<T, B>>;
  explicit MultiscaleDiscriminator(DiscriminatorOptions o) : o_(o) {
    GANLIB_CHECK(o.num_D >= 1, "MultiscaleDiscriminator: num_D must be >= 1, got ", o.num_D);
    stages_.resize(size_t(o.num_D));
    for (int64_t i = 0; i < o.num_D; ++i) {
      auto st = detail::nlayer_stages<T, B>(o);
      if (o.intermediate_features) {
        for (size_t j = 0; j < st.size(); ++j) {
          auto s = std::make_shared<nn::Sequential<T, B>>();
          for (auto& m : st[j]) s->push_back(m);
          stages_[size_t(i)].push_back(
              this->register_module("scale" + std::to_string(i) + "_layer" + std::to_string(j), s));
        }
      } else {
        auto s = std::make_shared<nn::Sequential<T, B>>();
        for (auto& stage : st)
          for (auto& m : stage) s->push_back(m);
        stages_[size_t(i)].push_back(this->register_module("layer" + std::to_string(i), s));
      }
    }
  }
  std::string type_name() const override { return "MultiscaleDiscriminator"; }
  const DiscriminatorOptions& options() const { return o_; }

  // Per scale (full resolution first), the stage outputs (the last is the patch map).
  std::vector<std::vector<TensorT>> forward_all(const TensorT& x) {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == o_.input_nc, "MultiscaleDiscriminator: input ", to_string(x.shape()),
                 " must be [N, ", o_.input_nc, ", H, W]");
    std::vector<std::vector<TensorT>> result;
    TensorT h = x;
    for (int64_t i = 0; i < o_.num_D; ++i) {
      std::vector<TensorT> outs;
      TensorT y = h;
      for (auto& s : stages_[size_t(o_.num_D - 1 - i)]) outs.push_back(y = s->forward(y));
      result.push_back(std::move(outs));
      if (i != o_.num_D - 1) h = downsample(h);
    }
    return result;
  }

 private:
  DiscriminatorOptions o_;
  std::vector<std::vector<SeqPtr>> stages_;
};

}  // namespace ganlib::zoo::pix2pixhd
