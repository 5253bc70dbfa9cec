// zoo/flownet2/losses.hpp — flownet2-pytorch's losses.py: EPE, L1Loss, L2Loss and MultiScale.
// Contract: flows are [N, 2, H, W]. EPE = mean over pixels of ‖gt − pred‖₂. MultiScale scales the
// target by 1/div_flow (0.05), average-pools it by 4·2^i for output i and sums
// weight_i · loss(output_i, target_i) with weights l_weight / 2^i = 0.32, 0.16, 0.08, 0.04, 0.02
// for (flow2, flow3, flow4, flow5, flow6): the finest output weighs most, as the reference.
#pragma once
#include <vector>

#include "blocks.hpp"

namespace ganlib::zoo::flownet2 {

template <class T, class B>
void check_flow_pair(const char* who, const Tensor<T, B>& pred, const Tensor<T, B>& gt) {
  GANLIB_CHECK(pred.dim() == 4 && pred.size(1) == 2 && pred.shape() == gt.shape(), who,
               ": prediction ", to_string(pred.shape()), " and target ", to_string(gt.shape()),
               " must both be [N, 2, H, W] of the same shape");
}

// Average end-point error (differentiable; the norm's gradient is finite at zero error).
template <class T, class B>
Tensor<T, B> epe(const Tensor<T, B>& pred, const Tensor<T, B>& gt) {
  check_flow_pair("epe", pred, gt);
  return mean(channel_norm(sub(gt, pred)));
}

// L1Loss: mean |pred − gt| over all elements.
template <class T, class B>
Tensor<T, B> l1_flow_loss(const Tensor<T, B>& pred, const Tensor<T, B>& gt) {
  check_flow_pair("l1_flow_loss", pred, gt);
  return mean(abs(sub(pred, gt)));
}

// L2Loss: mean per-pixel Euclidean norm (the same value as EPE).
template <class T, class B>
Tensor<T, B> l2_flow_loss(const Tensor<T, B>& pred, const Tensor<T, B>& gt) {
  check_flow_pair("l2_flow_loss", pred, gt);
  return epe(pred, gt);
}

enum class LossNorm { L1, L2 };

struct MultiScaleOptions {
  int64_t start_scale = 4, num_scales = 5;
  double l_weight = 0.32;
  LossNorm norm = LossNorm::L1;
  double target_scale = 0.05;  // 1 / div_flow: the nets predict flow ÷ 20
  double weight(int64_t i) const { return l_weight / double(int64_t(1) << i); }
};

template <class T, class B>
struct LossValues {
  Tensor<T, B> loss, epe;  // both weighted sums over scales, in the target_scale units
};

// outputs: {flow2, flow3, …} finest first; target [N, 2, H, W] at full resolution in pixels.
template <class T, class B>
LossValues<T, B> multiscale_loss(const std::vector<Tensor<T, B>>& outputs, const Tensor<T, B>& target,
                                 const MultiScaleOptions& o = {}) {
  GANLIB_CHECK(!outputs.empty() && int64_t(outputs.size()) <= o.num_scales, "multiscale_loss: got ",
               outputs.size(), " outputs for num_scales ", o.num_scales);
  GANLIB_CHECK(target.dim() == 4 && target.size(1) == 2, "multiscale_loss: target must be [N, 2, H, W], got ",
               to_string(target.shape()));
  const auto t = mul_scalar(target, T(o.target_scale));
  LossValues<T, B> v;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int64_t k = o.start_scale << i;
    GANLIB_CHECK(target.size(2) % k == 0 && target.size(3) % k == 0 &&
                     outputs[i].size(2) * k == target.size(2) && outputs[i].size(3) * k == target.size(3),
                 "multiscale_loss: output ", i, " ", to_string(outputs[i].shape()), " is not target ",
                 to_string(target.shape()), " pooled by ", k);
    const auto ti = avg_pool2d(t, k, k);
    const T w = T(o.weight(int64_t(i)));
    const auto li = o.norm == LossNorm::L1 ? l1_flow_loss(outputs[i], ti) : l2_flow_loss(outputs[i], ti);
    const auto ei = epe(outputs[i], ti);
    v.loss = v.loss.defined() ? add(v.loss, mul_scalar(li, w)) : mul_scalar(li, w);
    v.epe = v.epe.defined() ? add(v.epe, mul_scalar(ei, w)) : mul_scalar(ei, w);
  }
  return v;
}

}  // namespace ganlib::zoo::flownet2
