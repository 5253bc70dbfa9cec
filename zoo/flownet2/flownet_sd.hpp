// zoo/flownet2/flownet_sd.hpp — FlowNetSD (networks/FlowNetSD.py), the small-displacement net:
// 3×3 kernels only, an extra full-resolution conv0, and an i_conv before each flow prediction.
// Contract: input [N, 6, H, W], H, W multiples of 64; forward_scales returns {flow2, …, flow6}.
#pragma once
#include "flownet_s.hpp"

namespace ganlib::zoo::flownet2 {

struct FlowNetSDOptions {
  double width = 1.0;
};

template <class T = float, class B = default_backend>
class FlowNetSD : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit FlowNetSD(FlowNetSDOptions o = {}, Generator* gen = nullptr) : opts_(o) {
    const Width w{o.width};
    conv0 = this->register_module("conv0", conv_lrelu<T, B>(6, w(64)));
    conv1 = this->register_module("conv1", conv_lrelu<T, B>(w(64), w(64), 3, 2));
    conv1_1 = this->register_module("conv1_1", conv_lrelu<T, B>(w(64), w(128)));
    conv2 = this->register_module("conv2", conv_lrelu<T, B>(w(128), w(128), 3, 2));
    conv2_1 = this->register_module("conv2_1", conv_lrelu<T, B>(w(128), w(128)));
    conv3 = this->register_module("conv3", conv_lrelu<T, B>(w(128), w(256), 3, 2));
    conv3_1 = this->register_module("conv3_1", conv_lrelu<T, B>(w(256), w(256)));
    conv4 = this->register_module("conv4", conv_lrelu<T, B>(w(256), w(512), 3, 2));
    conv4_1 = this->register_module("conv4_1", conv_lrelu<T, B>(w(512), w(512)));
    conv5 = this->register_module("conv5", conv_lrelu<T, B>(w(512), w(512), 3, 2));
    conv5_1 = this->register_module("conv5_1", conv_lrelu<T, B>(w(512), w(512)));
    conv6 = this->register_module("conv6", conv_lrelu<T, B>(w(512), w(1024), 3, 2));
    conv6_1 = this->register_module("conv6_1", conv_lrelu<T, B>(w(1024), w(1024)));
    const int64_t in5 = w(512) + w(512) + 2, in4 = w(512) + w(256) + 2, in3 = w(256) + w(128) + 2,
                  in2 = w(128) + w(64) + 2;
    deconv5 = this->register_module("deconv5", deconv<T, B>(w(1024), w(512)));
    deconv4 = this->register_module("deconv4", deconv<T, B>(in5, w(256)));
    deconv3 = this->register_module("deconv3", deconv<T, B>(in4, w(128)));
    deconv2 = this->register_module("deconv2", deconv<T, B>(in3, w(64)));
    inter_conv5 = this->register_module("inter_conv5", i_conv<T, B>(in5, w(512)));
    inter_conv4 = this->register_module("inter_conv4", i_conv<T, B>(in4, w(256)));
    inter_conv3 = this->register_module("inter_conv3", i_conv<T, B>(in3, w(128)));
    inter_conv2 = this->register_module("inter_conv2", i_conv<T, B>(in2, w(64)));
    predict_flow6 = this->register_module("predict_flow6", predict_flow<T, B>(w(1024)));
    predict_flow5 = this->register_module("predict_flow5", predict_flow<T, B>(w(512)));
    predict_flow4 = this->register_module("predict_flow4", predict_flow<T, B>(w(256)));
    predict_flow3 = this->register_module("predict_flow3", predict_flow<T, B>(w(128)));
    predict_flow2 = this->register_module("predict_flow2", predict_flow<T, B>(w(64)));
    up6 = this->register_module("upsampled_flow6_to_5", flow_upsampler<T, B>(true));
    up5 = this->register_module("upsampled_flow5_to_4", flow_upsampler<T, B>(true));
    up4 = this->register_module("upsampled_flow4_to_3", flow_upsampler<T, B>(true));
    up3 = this->register_module("upsampled_flow3_to_2", flow_upsampler<T, B>(true));
    reference_init(*this, gen ? *gen : default_generator());
  }
  std::string type_name() const override { return "FlowNetSD"; }

  std::vector<TensorT> forward_scales(const TensorT& x) {
    check_flownet_input("FlowNetSD", x, 6);
    auto c0 = conv0->forward(x);
    auto c1 = conv1_1->forward(conv1->forward(c0));
    auto c2 = conv2_1->forward(conv2->forward(c1));
    auto c3 = conv3_1->forward(conv3->forward(c2));
    auto c4 = conv4_1->forward(conv4->forward(c3));
    auto c5 = conv5_1->forward(conv5->forward(c4));
    auto c6 = conv6_1->forward(conv6->forward(c5));
    auto flow6 = predict_flow6->forward(c6);
    auto concat5 = cat_channels<T, B>({c5, deconv5->forward(c6), up6->forward(flow6)});
    auto flow5 = predict_flow5->forward(inter_conv5->forward(concat5));
    auto concat4 = cat_channels<T, B>({c4, deconv4->forward(concat5), up5->forward(flow5)});
    auto flow4 = predict_flow4->forward(inter_conv4->forward(concat4));
    auto concat3 = cat_channels<T, B>({c3, deconv3->forward(concat4), up4->forward(flow4)});
    auto flow3 = predict_flow3->forward(inter_conv3->forward(concat3));
    auto concat2 = cat_channels<T, B>({c2, deconv2->forward(concat3), up3->forward(flow3)});
    auto flow2 = predict_flow2->forward(inter_conv2->forward(concat2));
    return {flow2, flow3, flow4, flow5, flow6};
  }
  TensorT forward(const TensorT& x) override { return forward_scales(x)[0]; }
  using nn::Module<T, B>::operator();

  SeqPtr<T, B> conv0, conv1, conv1_1, conv2, conv2_1, conv3, conv3_1, conv4, conv4_1, conv5, conv5_1,
      conv6, conv6_1, deconv5, deconv4, deconv3, deconv2, inter_conv5, inter_conv4, inter_conv3, inter_conv2;
  std::shared_ptr<nn::Conv2d<T, B>> predict_flow6, predict_flow5, predict_flow4, predict_flow3, predict_flow2;
  std::shared_ptr<nn::ConvTranspose2d<T, B>> up6, up5, up4, up3;

 private:
  FlowNetSDOptions opts_;
};

}  // namespace ganlib::zoo::flownet2
