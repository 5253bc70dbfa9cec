// zoo/biggan/inception.hpp — Inception-v3 as torchvision's inception_v3 (transform_input off,
// no auxiliary head), for FID / IS with the ImageNet weights when a user has them as
// safetensors with torchvision's keys ("Conv2d_1a_3x3.conv.weight", "Mixed_5b.branch1x1.bn.
// running_mean", ..., "fc.weight").
// Contract: forward(x [N, 3, H, W] in [−1, 1]) maps to [0, 1], normalises with the ImageNet
// mean/std, resizes bilinearly to 299×299 (align_corners true, as BigGAN's inception_utils),
// and returns {pool [N, 2048] (spatial mean of Mixed_7c), logits [N, 1000]}. BatchNorm eps
// 0.001, convs bias-free, as torchvision's BasicConv2d. load() ignores "AuxLogits.*" keys and
// rejects any other missing or unexpected key.
#pragma once
#include <ganlib/io/safetensors.hpp>
#include <ganlib/nn.hpp>

namespace ganlib::zoo::biggan {

template <class T, class B>
class BasicConv2d : public nn::Module<T, B> {
 public:
  std::shared_ptr<nn::Conv2d<T, B>> conv;
  std::shared_ptr<nn::BatchNorm2d<T, B>> bn;
  BasicConv2d(int64_t in, int64_t out, Int2 k, Int2 stride = 1, Int2 pad = 0) {
    conv = this->register_module("conv", std::make_shared<nn::Conv2d<T, B>>(
                                             nn::Conv2dOptions{.in = in, .out = out, .kernel = k, .stride = stride,
                                                               .padding = pad, .bias = false}));
    bn = this->register_module("bn", std::make_shared<nn::BatchNorm2d<T, B>>(nn::BatchNormOptions{out, 0.001}));
  }
  std::string type_name() const override { return "BasicConv2d"; }
  Tensor<T, B> forward(const Tensor<T, B>& x) override { return relu(bn->forward(conv->forward(x))); }
  using nn::Module<T, B>::operator();
};

namespace inception_detail {
template <class T, class B>
struct Block : nn::Module<T, B> {
  std::shared_ptr<BasicConv2d<T, B>> add(const std::string& n, int64_t in, int64_t out, Int2 k, Int2 s = 1, Int2 p = 0) {
    return this->register_module(n, std::make_shared<BasicConv2d<T, B>>(in, out, k, s, p));
  }
  static Tensor<T, B> cat(std::vector<Tensor<T, B>> v) { return concat(v, 1); }
  static Tensor<T, B> avg3(const Tensor<T, B>& x) { return avg_pool2d(x, 3, 1, 1); }  // count_include_pad
};
}  // namespace inception_detail

template <class T, class B>
struct InceptionA : inception_detail::Block<T, B> {
  std::shared_ptr<BasicConv2d<T, B>> b1, b5_1, b5_2, d1, d2, d3, bp;
  InceptionA(int64_t in, int64_t pool) {
    b1 = this->add("branch1x1", in, 64, 1);
    b5_1 = this->add("branch5x5_1", in, 48, 1);
    b5_2 = this->add("branch5x5_2", 48, 64, 5, 1, 2);
    d1 = this->add("branch3x3dbl_1", in, 64, 1);
    d2 = this->add("branch3x3dbl_2", 64, 96, 3, 1, 1);
    d3 = this->add("branch3x3dbl_3", 96, 96, 3, 1, 1);
    bp = this->add("branch_pool", in, pool, 1);
  }
  Tensor<T, B> forward(const Tensor<T, B>& x) override {
    return this->cat({(*b1)(x), (*b5_2)((*b5_1)(x)), (*d3)((*d2)((*d1)(x))), (*bp)(this->avg3(x))});
  }
};
template <class T, class B>
struct InceptionB : inception_detail::Block<T, B> {
  std::shared_ptr<BasicConv2d<T, B>> b3, d1, d2, d3;
  explicit InceptionB(int64_t in) {
    b3 = this->add("branch3x3", in, 384, 3, 2);
    d1 = this->add("branch3x3dbl_1", in, 64, 1);
    d2 = this->add("branch3x3dbl_2", 64, 96, 3, 1, 1);
    d3 = this->add("branch3x3dbl_3", 96, 96, 3, 2);
  }
  Tensor<T, B> forward(const Tensor<T, B>& x) override {
    return this->cat({(*b3)(x), (*d3)((*d2)((*d1)(x))), max_pool2d(x, 3, 2)});
  }
};
template <class T, class B>
struct InceptionC : inception_detail::Block<T, B> {
  std::shared_ptr<BasicConv2d<T, B>> b1, s1, s2, s3, d1, d2, d3, d4, d5, bp;
  InceptionC(int64_t in, int64_t c7) {
    b1 = this->add("branch1x1", in, 192, 1);
    s1 = this->add("branch7x7_1", in, c7, 1);
    s2 = this->add("branch7x7_2", c7, c7, Int2{1, 7}, 1, Int2{0, 3});
    s3 = this->add("branch7x7_3", c7, 192, Int2{7, 1}, 1, Int2{3, 0});
    d1 = this->add("branch7x7dbl_1", in, c7, 1);
    d2 = this->add("branch7x7dbl_2", c7, c7, Int2{7, 1}, 1, Int2{3, 0});
    d3 = this->add("branch7x7dbl_3", c7, c7, Int2{1, 7}, 1, Int2{0, 3});
    d4 = this->add("branch7x7dbl_4", c7, c7, Int2{7, 1}, 1, Int2{3, 0});
    d5 = this->add("branch7x7dbl_5", c7, 192, Int2{1, 7}, 1, Int2{0, 3});
    bp = this->add("branch_pool", in, 192, 1);
  }
  Tensor<T, B> forward(const Tensor<T, B>& x) override {
    return this->cat({(*b1)(x), (*s3)((*s2)((*s1)(x))), (*d5)((*d4)((*d3)((*d2)((*d1)(x))))), (*bp)(this->avg3(x))});
  }
};
template <class T, class B>
struct InceptionD : inception_detail::Block<T, B> {
  std::shared_ptr<BasicConv2d<T, B>> a1, a2, s1, s2, s3, s4;
  explicit InceptionD(int64_t in) {
    a1 = this->add("branch3x3_1", in, 192, 1);
    a2 = this->add("branch3x3_2", 192, 320, 3, 2);
    s1 = this->add("branch7x7x3_1", in, 192, 1);
    s2 = this->add("branch7x7x3_2", 192, 192, Int2{1, 7}, 1, Int2{0, 3});
    s3 = this->add("branch7x7x3_3", 192, 192, Int2{7, 1}, 1, Int2{3, 0});
    s4 = this->add("branch7x7x3_4", 192, 192, 3, 2);
  }
  Tensor<T, B> forward(const Tensor<T, B>& x) override {
    return this->cat({(*a2)((*a1)(x)), (*s4)((*s3)((*s2)((*s1)(x)))), max_pool2d(x, 3, 2)});
  }
};
template <class T, class B>
struct InceptionE : inception_detail::Block<T, B> {
  std::shared_ptr<BasicConv2d<T, B>> b1, t1, t2a, t2b, d1, d2, d3a, d3b, bp;
  explicit InceptionE(int64_t in) {
    b1 = this->add("branch1x1", in, 320, 1);
    t1 = this->add("branch3x3_1", in, 384, 1);
    t2a = this->add("branch3x3_2a", 384, 384, Int2{1, 3}, 1, Int2{0, 1});
    t2b = this->add("branch3x3_2b", 384, 384, Int2{3, 1}, 1, Int2{1, 0});
    d1 = this->add("branch3x3dbl_1", in, 448, 1);
    d2 = this->add("branch3x3dbl_2", 448, 384, 3, 1, 1);
    d3a = this->add("branch3x3dbl_3a", 384, 384, Int2{1, 3}, 1, Int2{0, 1});
    d3b = this->add("branch3x3dbl_3b", 384, 384, Int2{3, 1}, 1, Int2{1, 0});
    bp = this->add("branch_pool", in, 192, 1);
  }
  Tensor<T, B> forward(const Tensor<T, B>& x) override {
    const auto t = (*t1)(x);
    const auto d = (*d2)((*d1)(x));
    return this->cat({(*b1)(x), this->cat({(*t2a)(t), (*t2b)(t)}), this->cat({(*d3a)(d), (*d3b)(d)}),
                      (*bp)(this->avg3(x))});
  }
};

template <class T = float, class B = default_backend>
class InceptionV3 : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  std::vector<std::shared_ptr<nn::Module<T, B>>> seq;  // in forward order; nullptr = max pool 3/2
  std::shared_ptr<nn::Linear<T, B>> fc;

  InceptionV3() {
    auto c = [&](const char* n, int64_t i, int64_t o, Int2 k, Int2 s = 1, Int2 p = 0) {
      seq.push_back(this->register_module(n, std::make_shared<BasicConv2d<T, B>>(i, o, k, s, p)));
    };
    c("Conv2d_1a_3x3", 3, 32, 3, 2);
    c("Conv2d_2a_3x3", 32, 32, 3);
    c("Conv2d_2b_3x3", 32, 64, 3, 1, 1);
    seq.push_back(nullptr);
    c("Conv2d_3b_1x1", 64, 80, 1);
    c("Conv2d_4a_3x3", 80, 192, 3);
    seq.push_back(nullptr);
    auto m = [&](const char* n, std::shared_ptr<nn::Module<T, B>> b) { seq.push_back(this->register_module(n, b)); };
    m("Mixed_5b", std::make_shared<InceptionA<T, B>>(192, 32));
    m("Mixed_5c", std::make_shared<InceptionA<T, B>>(256, 64));
    m("Mixed_5d", std::make_shared<InceptionA<T, B>>(288, 64));
    m("Mixed_6a", std::make_shared<InceptionB<T, B>>(288));
    m("Mixed_6b", std::make_shared<InceptionC<T, B>>(768, 128));
    m("Mixed_6c", std::make_shared<InceptionC<T, B>>(768, 160));
    m("Mixed_6d", std::make_shared<InceptionC<T, B>>(768, 160));
    m("Mixed_6e", std::make_shared<InceptionC<T, B>>(768, 192));
    m("Mixed_7a", std::make_shared<InceptionD<T, B>>(768));
    m("Mixed_7b", std::make_shared<InceptionE<T, B>>(1280));
    m("Mixed_7c", std::make_shared<InceptionE<T, B>>(2048));
    fc = this->register_module("fc", std::make_shared<nn::Linear<T, B>>(2048, 1000));
    this->eval();
  }
  std::string type_name() const override { return "Inception3"; }

  // The network on already-normalised 299×299 (or any size >= 75) input: {pool, logits}.
  std::pair<TensorT, TensorT> features_raw(const TensorT& x) {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == 3 && x.size(2) >= 75 && x.size(3) >= 75, "InceptionV3: expects [N, 3, H, W] "
                 "with H, W >= 75, got ", to_string(x.shape()));
    TensorT h = x;
    for (auto& mod : seq) h = mod ? mod->forward(h) : max_pool2d(h, 3, 2);
    const TensorT pool = mean(h, {2, 3});
    return {pool, fc->forward(pool)};
  }
  // BigGAN's inception_utils preprocessing, then the network.
  std::pair<TensorT, TensorT> features(const TensorT& x) {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == 3, "InceptionV3: expects RGB images [N, 3, H, W] in [-1, 1], got ",
                 to_string(x.shape()));
    const TensorT mean_ = from_vector<T, B>({T(0.485), T(0.456), T(0.406)}, {1, 3, 1, 1});
    const TensorT std_ = from_vector<T, B>({T(0.229), T(0.224), T(0.225)}, {1, 3, 1, 1});
    TensorT h = div(sub(mul_scalar(add_scalar(x, T(1)), T(0.5)), mean_), std_);
    if (h.size(2) != 299 || h.size(3) != 299) h = upsample2d_to(h, Int2{299, 299}, UpsampleMode::bilinear, true);
    return features_raw(h);
  }

  // Loads torchvision-named weights (the auxiliary classifier's keys are skipped).
  void load(const std::string& path) {
    const auto f = safetensors::load(path);
    std::map<std::string, TensorT> d;
    for (auto& [k, e] : f.tensors)
      if (k.rfind("AuxLogits.", 0) != 0) d[k] = safetensors::to_tensor<T, B>(e);
    this->load_state_dict(d, true);
  }
};

}  // namespace ganlib::zoo::biggan
