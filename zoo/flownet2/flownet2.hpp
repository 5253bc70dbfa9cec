// zoo/flownet2/flownet2.hpp — FlowNet2's stack (models.py, FlowNet2.forward): normalise both
// frames, FlowNetC → FlowNetS#1 → FlowNetS#2 (each S sees img1, img2, img2 warped by the current
// flow, the flow ÷ 20 and the brightness error ‖img1 − warped‖), FlowNetSD on the pair, and
// FlowNetFusion over both estimates. Children are named as the reference's (flownetc,
// flownets_1, flownets_2, flownets_d, flownetfusion), so converted weights load by name.
// Contract: images [N, 3, H, W] with values in [0, rgb_max], H, W multiples of 64; flows are in
// pixels at full resolution (channel 0 = x). Scalings exactly as the reference: C and S outputs
// × div_flow then ×4 (bilinear for C and S#1, nearest for S#2), SD's output ÷ div_flow, nearest ×4.
#pragma once
#include "flownet_c.hpp"
#include "flownet_sd.hpp"
#include "fusion.hpp"

namespace ganlib::zoo::flownet2 {

struct FlowNet2Options {
  double width = 1.0;     // channel-width multiplier of every sub-network (1 = the reference)
  double rgb_max = 255;   // main.py's default; vid2vid's copy uses 1
  double div_flow = 20;
  // FlowNetSD's output is divided by div_flow (the reference; what converted weights expect).
  // false multiplies it like the other nets', so an SD trained with the same target scaling as
  // C and S gives pixels (our own training uses this and records it in the weights' metadata).
  bool sd_reference_scaling = true;
};

// How far up the stack to run: the reference's variants FlowNet2C, -CS, -CSS, -SD and FlowNet2.
enum class Stage { C, CS, CSS, SD, Full };

inline const char* stage_name(Stage s) {
  switch (s) {
    case Stage::C: return "C";
    case Stage::CS: return "CS";
    case Stage::CSS: return "CSS";
    case Stage::SD: return "SD";
    case Stage::Full: return "fusion";
  }
  return "?";
}

// Every intermediate result of one pass (undefined where that part did not run).
template <class T, class B>
struct FlowNet2Outputs {
  Tensor<T, B> x;                            // normalised pair [N, 6, H, W]
  std::vector<Tensor<T, B>> scales;          // the last sub-network's raw outputs, finest first
  Tensor<T, B> flow_c, flow_cs, flow_css, flow_sd, flow_fusion;
  Tensor<T, B> final_flow() const {
    for (const auto* f : {&flow_fusion, &flow_css, &flow_cs, &flow_sd, &flow_c})
      if (f->defined()) return *f;
    return {};
  }
};

template <class T = float, class B = default_backend>
class FlowNet2 : public nn::Module<T, B> {
 public:
  using TensorT = Tensor<T, B>;
  explicit FlowNet2(FlowNet2Options o = {}, Generator* gen = nullptr) : opts_(o) {
    Generator& g = gen ? *gen : default_generator();
    GANLIB_CHECK(o.rgb_max > 0 && o.div_flow > 0, "FlowNet2: rgb_max ", o.rgb_max, " and div_flow ",
                 o.div_flow, " must be positive");
    flownetc = this->register_module("flownetc", std::make_shared<FlowNetC<T, B>>(FlowNetCOptions{o.width, {}}, &g));
    flownets_1 = this->register_module("flownets_1", std::make_shared<FlowNetS<T, B>>(FlowNetSOptions{12, o.width}, &g));
    flownets_2 = this->register_module("flownets_2", std::make_shared<FlowNetS<T, B>>(FlowNetSOptions{12, o.width}, &g));
    flownets_d = this->register_module("flownets_d", std::make_shared<FlowNetSD<T, B>>(FlowNetSDOptions{o.width}, &g));
    flownetfusion = this->register_module("flownetfusion", std::make_shared<FlowNetFusion<T, B>>(FlowNetFusionOptions{o.width}, &g));
  }
  std::string type_name() const override { return "FlowNet2"; }
  const FlowNet2Options& options() const { return opts_; }

  // Subtract the per-sample, per-channel mean over both frames and all pixels; ÷ rgb_max;
  // stack to [N, 6, H, W].
  TensorT normalize(const TensorT& img1, const TensorT& img2) const {
    GANLIB_CHECK(img1.dim() == 4 && img1.size(1) == 3 && img1.shape() == img2.shape(),
                 "FlowNet2: the two images must both be [N, 3, H, W] of the same size, got ",
                 to_string(img1.shape()), " and ", to_string(img2.shape()));
    const auto mean = mul_scalar(add(ganlib::mean(img1, {2, 3}, true), ganlib::mean(img2, {2, 3}, true)), T(0.5));
    const T inv = T(1 / opts_.rgb_max);
    return cat_channels<T, B>({mul_scalar(sub(img1, mean), inv), mul_scalar(sub(img2, mean), inv)});
  }

  // FlowNetS's 12-channel input: [img1, img2, img2 warped by flow, flow ÷ div_flow, brightness error].
  TensorT s_input(const TensorT& x, const TensorT& flow) const {
    const auto x1 = narrow(x, 1, 0, 3), x2 = narrow(x, 1, 3, 3);
    const auto warped = flow_warp(x2, flow);
    const auto err = channel_norm(sub(x1, warped));
    return cat_channels<T, B>({x, warped, mul_scalar(flow, T(1 / opts_.div_flow)), err});
  }

  TensorT upsample4(const TensorT& f, bool bilinear) const {
    return upsample2d(f, 4.0, bilinear ? UpsampleMode::bilinear : UpsampleMode::nearest);
  }

  // Runs the stack up to `stage`. Parts that are frozen (no parameter requires grad) still record
  // nothing when called under no_grad by the trainer.
  FlowNet2Outputs<T, B> run(const TensorT& img1, const TensorT& img2, Stage stage = Stage::Full) {
    FlowNet2Outputs<T, B> o;
    o.x = normalize(img1, img2);
    const T df = T(opts_.div_flow);
    if (stage != Stage::SD) {
      o.scales = flownetc->forward_scales(o.x);
      o.flow_c = upsample4(mul_scalar(o.scales[0], df), true);
      if (stage == Stage::C) return o;
      o.scales = flownets_1->forward_scales(s_input(o.x, o.flow_c));
      o.flow_cs = upsample4(mul_scalar(o.scales[0], df), true);
      if (stage == Stage::CS) return o;
      o.scales = flownets_2->forward_scales(s_input(o.x, o.flow_cs));
      o.flow_css = upsample4(mul_scalar(o.scales[0], df), false);
      if (stage == Stage::CSS) return o;
    }
    auto sd_scales = flownets_d->forward_scales(o.x);
    o.flow_sd = upsample4(mul_scalar(sd_scales[0], opts_.sd_reference_scaling ? T(1) / df : df), false);
    if (stage == Stage::SD) {
      o.scales = sd_scales;
      return o;
    }
    o.scales = flownetfusion->forward_scales(fusion_input(o.x, o.flow_sd, o.flow_css));
    o.flow_fusion = o.scales[0];
    return o;
  }

  // [img1, flow_SD, flow_CSS, ‖flow_SD‖, ‖flow_CSS‖, err_SD, err_CSS] (11 channels).
  TensorT fusion_input(const TensorT& x, const TensorT& flow_sd, const TensorT& flow_css) const {
    const auto x1 = narrow(x, 1, 0, 3), x2 = narrow(x, 1, 3, 3);
    return cat_channels<T, B>({x1, flow_sd, flow_css, channel_norm(flow_sd), channel_norm(flow_css),
                               channel_norm(sub(x1, flow_warp(x2, flow_sd))),
                               channel_norm(sub(x1, flow_warp(x2, flow_css)))});
  }

  // The final flow [N, 2, H, W] in pixels.
  TensorT forward_pair(const TensorT& img1, const TensorT& img2, Stage stage = Stage::Full) {
    return run(img1, img2, stage).final_flow();
  }

  std::shared_ptr<FlowNetC<T, B>> flownetc;
  std::shared_ptr<FlowNetS<T, B>> flownets_1, flownets_2;
  std::shared_ptr<FlowNetSD<T, B>> flownets_d;
  std::shared_ptr<FlowNetFusion<T, B>> flownetfusion;

 private:
  FlowNet2Options opts_;
};

// Flow for images of any size [N, 3, H, W]: sizes that are not multiples of 64 are padded at
// the bottom and right by replicating the border, and the flow is cropped back to H × W. (The
// reference's datasets instead centre-crop to the largest multiple of 64, which loses the
// borders; padding keeps every input pixel.)
template <class T, class B>
Tensor<T, B> estimate_flow(FlowNet2<T, B>& net, const Tensor<T, B>& img1, const Tensor<T, B>& img2,
                           Stage stage = Stage::Full) {
  GANLIB_CHECK(img1.dim() == 4 && img1.size(1) == 3 && img2.dim() == 4 && img2.size(1) == 3,
               "estimate_flow: images must be [N, 3, H, W], got ", to_string(img1.shape()), " and ",
               to_string(img2.shape()));
  GANLIB_CHECK(img1.shape() == img2.shape(), "estimate_flow: the two images differ in size: ",
               img1.size(3), "x", img1.size(2), " and ", img2.size(3), "x", img2.size(2));
  const int64_t H = img1.size(2), W = img1.size(3);
  const int64_t Hp = (H + 63) / 64 * 64, Wp = (W + 63) / 64 * 64;
  if (Hp == H && Wp == W) return net.forward_pair(img1, img2, stage);
  const std::array<int64_t, 4> pad{0, Wp - W, 0, Hp - H};
  const auto f = net.forward_pair(pad2d(img1, pad, PadMode::replicate), pad2d(img2, pad, PadMode::replicate), stage);
  return narrow(narrow(f, 2, 0, H), 3, 0, W);
}

}  // namespace ganlib::zoo::flownet2
