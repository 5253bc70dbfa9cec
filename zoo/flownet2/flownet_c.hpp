// zoo/flownet2/flownet_c.hpp — FlowNetC (networks/FlowNetC.py): a shared-weight (Siamese)
// encoder conv1..conv3 on each image, the correlation cost volume between the two conv3 maps
// (pad 20, kernel 1, max displacement 20, stride1 1, stride2 2 → 441 channels), LeakyReLU(0.1),
// concatenated after conv_redir (1×1 on stream 1), then conv3_1 … conv6_1 and FlowNetS's decoder.
// Contract: input [N, 6, H, W] (image 1 in channels 0..2, image 2 in 3..5), H, W multiples of 64;
// forward_scales returns {flow2, …, flow6} as FlowNetS.
#pragma once
#include "flownet_s.hpp"

namespace ganlib::zoo::flownet2 {

struct CorrelationParams {  // the reference's Correlation(...) arguments in FlowNetC
  int64_t pad_size = 20, kernel_size = 1, max_displacement = 20, stride1 = 1, stride2 = 2, corr_multiply = 1;
  int64_t channels() const {
    const int64_t r = max_displacement / stride2;
    return (2 * r + 1) * (2 * r + 1);
  }
};

struct FlowNetCOptions {
  double width = 1.0;
  CorrelationParams corr;
};

template <class T = float, class B = default_backend>
class FlowNetC : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit FlowNetC(FlowNetCOptions o = {}, Generator* gen = nullptr) : opts_(o) {
    const Width w{o.width};
    conv1 = this->register_module("conv1", conv_lrelu<T, B>(3, w(64), 7, 2));
    conv2 = this->register_module("conv2", conv_lrelu<T, B>(w(64), w(128), 5, 2));
    conv3 = this->register_module("conv3", conv_lrelu<T, B>(w(128), w(256), 5, 2));
    conv_redir = this->register_module("conv_redir", conv_lrelu<T, B>(w(256), w(32), 1, 1));
    conv3_1 = this->register_module("conv3_1", conv_lrelu<T, B>(w(32) + o.corr.channels(), w(256)));
    conv4 = this->register_module("conv4", conv_lrelu<T, B>(w(256), w(512), 3, 2));
    conv4_1 = this->register_module("conv4_1", conv_lrelu<T, B>(w(512), w(512)));
    conv5 = this->register_module("conv5", conv_lrelu<T, B>(w(512), w(512), 3, 2));
    conv5_1 = this->register_module("conv5_1", conv_lrelu<T, B>(w(512), w(512)));
    conv6 = this->register_module("conv6", conv_lrelu<T, B>(w(512), w(1024), 3, 2));
    conv6_1 = this->register_module("conv6_1", conv_lrelu<T, B>(w(1024), w(1024)));
    dec.build(*this, w, w(1024), w(512), w(512), w(256), w(128), /*upsampler_bias=*/true);
    reference_init(*this, gen ? *gen : default_generator());
  }
  std::string type_name() const override { return "FlowNetC"; }
  const FlowNetCOptions& options() const { return opts_; }

  std::vector<TensorT> forward_scales(const TensorT& x) {
    check_flownet_input("FlowNetC", x, 6);
    const auto x1 = narrow(x, 1, 0, 3), x2 = narrow(x, 1, 3, 3);
    auto c1a = conv1->forward(x1);
    auto c2a = conv2->forward(c1a);
    auto c3a = conv3->forward(c2a);
    auto c3b = conv3->forward(conv2->forward(conv1->forward(x2)));  // same weights: Siamese
    const auto& p = opts_.corr;
    auto corr = leaky_relu(correlation(c3a, c3b, p.pad_size, p.kernel_size, p.max_displacement,
                                       p.stride1, p.stride2, p.corr_multiply), T(0.1));
    auto c3 = conv3_1->forward(cat_channels<T, B>({conv_redir->forward(c3a), corr}));
    auto c4 = conv4_1->forward(conv4->forward(c3));
    auto c5 = conv5_1->forward(conv5->forward(c4));
    auto c6 = conv6_1->forward(conv6->forward(c5));
    return dec.run(c6, c5, c4, c3, c2a);
  }
  TensorT forward(const TensorT& x) override { return forward_scales(x)[0]; }
  using nn::Module<T, B>::operator();

  SeqPtr<T, B> conv1, conv2, conv3, conv_redir, conv3_1, conv4, conv4_1, conv5, conv5_1, conv6, conv6_1;
  FlowDecoder<T, B> dec;

 private:
  FlowNetCOptions opts_;
};

}  // namespace ganlib::zoo::flownet2
