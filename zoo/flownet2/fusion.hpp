// zoo/flownet2/fusion.hpp — FlowNetFusion (networks/FlowNetFusion.py): a small encoder-decoder
// over [img1, flow_SD, flow_CSS, ‖flow_SD‖, ‖flow_CSS‖, err_SD, err_CSS] (11 channels) that
// predicts the final flow at full resolution, in pixels (no ÷ div_flow at its output).
// Contract: input [N, 11, H, W], H, W multiples of 4 (two stride-2 levels); forward returns
// flow0 [N, 2, H, W]; forward_scales returns {flow0, flow1, flow2} (full, ½, ¼ resolution).
#pragma once
#include "blocks.hpp"

namespace ganlib::zoo::flownet2 {

struct FlowNetFusionOptions {
  double width = 1.0;
};

template <class T = float, class B = default_backend>
class FlowNetFusion : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit FlowNetFusion(FlowNetFusionOptions o = {}, Generator* gen = nullptr) : opts_(o) {
    const Width w{o.width};
    conv0 = this->register_module("conv0", conv_lrelu<T, B>(11, w(64)));
    conv1 = this->register_module("conv1", conv_lrelu<T, B>(w(64), w(64), 3, 2));
    conv1_1 = this->register_module("conv1_1", conv_lrelu<T, B>(w(64), w(128)));
    conv2 = this->register_module("conv2", conv_lrelu<T, B>(w(128), w(128), 3, 2));
    conv2_1 = this->register_module("conv2_1", conv_lrelu<T, B>(w(128), w(128)));
    const int64_t in1 = w(128) + w(32) + 2, in0 = w(64) + w(16) + 2;
    deconv1 = this->register_module("deconv1", deconv<T, B>(w(128), w(32)));
    deconv0 = this->register_module("deconv0", deconv<T, B>(in1, w(16)));
    inter_conv1 = this->register_module("inter_conv1", i_conv<T, B>(in1, w(32)));
    inter_conv0 = this->register_module("inter_conv0", i_conv<T, B>(in0, w(16)));
    predict_flow2 = this->register_module("predict_flow2", predict_flow<T, B>(w(128)));
    predict_flow1 = this->register_module("predict_flow1", predict_flow<T, B>(w(32)));
    predict_flow0 = this->register_module("predict_flow0", predict_flow<T, B>(w(16)));
    up2 = this->register_module("upsampled_flow2_to_1", flow_upsampler<T, B>(true));
    up1 = this->register_module("upsampled_flow1_to_0", flow_upsampler<T, B>(true));
    reference_init(*this, gen ? *gen : default_generator());
  }
  std::string type_name() const override { return "FlowNetFusion"; }

  std::vector<TensorT> forward_scales(const TensorT& x) {
    GANLIB_CHECK(x.dim() == 4 && x.size(1) == 11 && x.size(2) % 4 == 0 && x.size(3) % 4 == 0 &&
                     x.size(2) > 0 && x.size(3) > 0,
                 "FlowNetFusion: input must be [N, 11, H, W] with H, W positive multiples of 4, got ",
                 to_string(x.shape()));
    auto c0 = conv0->forward(x);
    auto c1 = conv1_1->forward(conv1->forward(c0));
    auto c2 = conv2_1->forward(conv2->forward(c1));
    auto flow2 = predict_flow2->forward(c2);
    auto concat1 = cat_channels<T, B>({c1, deconv1->forward(c2), up2->forward(flow2)});
    auto flow1 = predict_flow1->forward(inter_conv1->forward(concat1));
    auto concat0 = cat_channels<T, B>({c0, deconv0->forward(concat1), up1->forward(flow1)});
    auto flow0 = predict_flow0->forward(inter_conv0->forward(concat0));
    return {flow0, flow1, flow2};
  }
  TensorT forward(const TensorT& x) override { return forward_scales(x)[0]; }
  using nn::Module<T, B>::operator();

  SeqPtr<T, B> conv0, conv1, conv1_1, conv2, conv2_1, deconv1, deconv0, inter_conv1, inter_conv0;
  std::shared_ptr<nn::Conv2d<T, B>> predict_flow2, predict_flow1, predict_flow0;
  std::shared_ptr<nn::ConvTranspose2d<T, B>> up2, up1;

 private:
  FlowNetFusionOptions opts_;
};

}  // namespace ganlib::zoo::flownet2
