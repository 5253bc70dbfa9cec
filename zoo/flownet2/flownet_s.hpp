// zoo/flownet2/flownet_s.hpp — FlowNetS (networks/FlowNetS.py) and the decoder it shares with
// FlowNetC: a 6-level encoder (conv1 7×7/2 … conv6_1 @1/64) and a refinement decoder that
// predicts flow at 1/64 … 1/4 resolution, each level fed [skip, deconv, upsampled coarser flow].
// Contract: forward_scales(x [N, Cin, H, W], H and W multiples of 64) returns
// {flow2, flow3, flow4, flow5, flow6} (finest first, flow units ÷ div_flow, as the reference's
// training output); forward(x) returns flow2 (its eval output before the ×20 and ×4 upsampling).
#pragma once
#include <vector>

#include "blocks.hpp"

namespace ganlib::zoo::flownet2 {

template <class T, class B>
void check_flownet_input(const char* who, const Tensor<T, B>& x, int64_t channels) {
  GANLIB_CHECK(x.dim() == 4 && x.size(1) == channels, who, ": input must be [N, ", channels,
               ", H, W], got ", to_string(x.shape()));
  GANLIB_CHECK(x.size(2) % 64 == 0 && x.size(3) % 64 == 0 && x.size(2) > 0 && x.size(3) > 0, who,
               ": height and width must be positive multiples of 64 (six stride-2 levels), got ",
               x.size(2), "x", x.size(3), "; pad or crop the images first");
}

// The decoder of FlowNetS / FlowNetC, registered into the owning module under the reference's
// names (deconv5..2, predict_flow6..2, upsampled_flow6_to_5..3_to_2, in the reference's order).
template <class T, class B>
struct FlowDecoder {
  SeqPtr<T, B> deconv5, deconv4, deconv3, deconv2;
  std::shared_ptr<nn::Conv2d<T, B>> predict_flow6, predict_flow5, predict_flow4, predict_flow3, predict_flow2;
  std::shared_ptr<nn::ConvTranspose2d<T, B>> up6, up5, up4, up3;

  // c6 … c2: channels of the encoder features conv6_1, conv5_1, conv4_1, conv3(_1), conv2.
  void build(nn::Module<T, B>& m, Width w, int64_t c6, int64_t c5, int64_t c4, int64_t c3, int64_t c2,
             bool upsampler_bias) {
    const int64_t d5 = w(512), d4 = w(256), d3 = w(128), d2 = w(64);
    const int64_t in5 = c5 + d5 + 2, in4 = c4 + d4 + 2, in3 = c3 + d3 + 2, in2 = c2 + d2 + 2;
    deconv5 = m.register_module("deconv5", deconv<T, B>(c6, d5));
    deconv4 = m.register_module("deconv4", deconv<T, B>(in5, d4));
    deconv3 = m.register_module("deconv3", deconv<T, B>(in4, d3));
    deconv2 = m.register_module("deconv2", deconv<T, B>(in3, d2));
    predict_flow6 = m.register_module("predict_flow6", predict_flow<T, B>(c6));
    predict_flow5 = m.register_module("predict_flow5", predict_flow<T, B>(in5));
    predict_flow4 = m.register_module("predict_flow4", predict_flow<T, B>(in4));
    predict_flow3 = m.register_module("predict_flow3", predict_flow<T, B>(in3));
    predict_flow2 = m.register_module("predict_flow2", predict_flow<T, B>(in2));
    up6 = m.register_module("upsampled_flow6_to_5", flow_upsampler<T, B>(upsampler_bias));
    up5 = m.register_module("upsampled_flow5_to_4", flow_upsampler<T, B>(upsampler_bias));
    up4 = m.register_module("upsampled_flow4_to_3", flow_upsampler<T, B>(upsampler_bias));
    up3 = m.register_module("upsampled_flow3_to_2", flow_upsampler<T, B>(upsampler_bias));
  }

  std::vector<Tensor<T, B>> run(const Tensor<T, B>& conv6, const Tensor<T, B>& conv5, const Tensor<T, B>& conv4,
                                const Tensor<T, B>& conv3, const Tensor<T, B>& conv2) {
    auto flow6 = predict_flow6->forward(conv6);
    auto concat5 = cat_channels<T, B>({conv5, deconv5->forward(conv6), up6->forward(flow6)});
    auto flow5 = predict_flow5->forward(concat5);
    auto concat4 = cat_channels<T, B>({conv4, deconv4->forward(concat5), up5->forward(flow5)});
    auto flow4 = predict_flow4->forward(concat4);
    auto concat3 = cat_channels<T, B>({conv3, deconv3->forward(concat4), up4->forward(flow4)});
    auto flow3 = predict_flow3->forward(concat3);
    auto concat2 = cat_channels<T, B>({conv2, deconv2->forward(concat3), up3->forward(flow3)});
    auto flow2 = predict_flow2->forward(concat2);
    return {flow2, flow3, flow4, flow5, flow6};
  }
};

struct FlowNetSOptions {
  int64_t input_channels = 12;  // 12 inside FlowNet2's stack, 6 for a standalone FlowNet2S
  double width = 1.0;
};

template <class T = float, class B = default_backend>
class FlowNetS : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit FlowNetS(FlowNetSOptions o = {}, Generator* gen = nullptr) : opts_(o) {
    const Width w{o.width};
    conv1 = this->register_module("conv1", conv_lrelu<T, B>(o.input_channels, w(64), 7, 2));
    conv2 = this->register_module("conv2", conv_lrelu<T, B>(w(64), w(128), 5, 2));
    conv3 = this->register_module("conv3", conv_lrelu<T, B>(w(128), w(256), 5, 2));
    conv3_1 = this->register_module("conv3_1", conv_lrelu<T, B>(w(256), w(256)));
    conv4 = this->register_module("conv4", conv_lrelu<T, B>(w(256), w(512), 3, 2));
    conv4_1 = this->register_module("conv4_1", conv_lrelu<T, B>(w(512), w(512)));
    conv5 = this->register_module("conv5", conv_lrelu<T, B>(w(512), w(512), 3, 2));
    conv5_1 = this->register_module("conv5_1", conv_lrelu<T, B>(w(512), w(512)));
    conv6 = this->register_module("conv6", conv_lrelu<T, B>(w(512), w(1024), 3, 2));
    conv6_1 = this->register_module("conv6_1", conv_lrelu<T, B>(w(1024), w(1024)));
    dec.build(*this, w, w(1024), w(512), w(512), w(256), w(128), /*upsampler_bias=*/false);
    reference_init(*this, gen ? *gen : default_generator());
  }
  std::string type_name() const override { return "FlowNetS"; }
  const FlowNetSOptions& options() const { return opts_; }

  std::vector<TensorT> forward_scales(const TensorT& x) {
    check_flownet_input("FlowNetS", x, opts_.input_channels);
    auto c1 = conv1->forward(x);
    auto c2 = conv2->forward(c1);
    auto c3 = conv3_1->forward(conv3->forward(c2));
    auto c4 = conv4_1->forward(conv4->forward(c3));
    auto c5 = conv5_1->forward(conv5->forward(c4));
    auto c6 = conv6_1->forward(conv6->forward(c5));
    return dec.run(c6, c5, c4, c3, c2);
  }
  TensorT forward(const TensorT& x) override { return forward_scales(x)[0]; }
  using nn::Module<T, B>::operator();

  SeqPtr<T, B> conv1, conv2, conv3, conv3_1, conv4, conv4_1, conv5, conv5_1, conv6, conv6_1;
  FlowDecoder<T, B> dec;

 private:
  FlowNetSOptions opts_;
};

}  // namespace ganlib::zoo::flownet2
