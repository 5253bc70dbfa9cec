// bench/workloads.hpp — the benchmark workloads on ganlib's side, by name.
// Contract: each factory builds its inputs once (fixed seed) and returns a step() that runs one
// forward + backward (or one training iteration) and the GFLOP that step performs, counted as
// 2·MACs of the forward times 3 for forward + backward (the usual convention), so ganlib and
// PyTorch are credited with the same work.
#pragma once
#include <functional>
#include <ganlib/ops.hpp>
#include <map>
#include <string>

#include "zoo/flownet2/flownet_s.hpp"
#include "zoo/flownet2/losses.hpp"
#include "workloads_models.hpp"

namespace bench {
using namespace ganlib;
using TF = Tensor<float, cpu>;

struct Workload {
  std::function<void()> step;
  double gflop = 0;
};

inline double conv_gflop(double n, double cin, double cout, double k, double ho, double wo) {
  return 3 * 2 * n * cin * cout * k * k * ho * wo / 1e9;
}

// Runs y = f(); y.backward(g) with a fixed upstream gradient, clearing leaf grads first.
inline std::function<void()> fwd_bwd(std::vector<TF> leaves, std::function<TF()> f, Shape out_shape) {
  Generator gen(99);
  const TF g = randn<float, cpu>(out_shape, gen);
  return [leaves, f, g]() mutable {
    for (auto& l : leaves) l.set_grad(TF());
    f().backward(g);
  };
}

inline std::map<std::string, std::function<Workload()>>& workloads() {
  static std::map<std::string, std::function<Workload()>> w = {
      {"conv3x3_64", [] {
         Generator gen(1);
         auto x = randn<float, cpu>({1, 64, 128, 128}, gen).requires_grad_();
         auto wt = randn<float, cpu>({64, 64, 3, 3}, gen, 0, 0.05).requires_grad_();
         auto b = zeros<float, cpu>({64}).requires_grad_();
         return Workload{fwd_bwd({x, wt, b}, [=] { return conv2d(x, wt, b, 1, 1); }, {1, 64, 128, 128}),
                         conv_gflop(1, 64, 64, 3, 128, 128)};
       }},
      {"reflectpad_conv7x7", [] {
         Generator gen(2);
         auto x = randn<float, cpu>({1, 36, 128, 256}, gen).requires_grad_();
         auto wt = randn<float, cpu>({64, 36, 7, 7}, gen, 0, 0.02).requires_grad_();
         auto b = zeros<float, cpu>({64}).requires_grad_();
         return Workload{fwd_bwd({x, wt, b}, [=] { return conv2d(pad2d(x, {3, 3, 3, 3}, PadMode::reflect), wt, b); },
                                 {1, 64, 128, 256}),
                         conv_gflop(1, 36, 64, 7, 128, 256)};
       }},
      {"conv_transpose3x3_s2", [] {
         Generator gen(3);
         auto x = randn<float, cpu>({1, 128, 64, 128}, gen).requires_grad_();
         auto wt = randn<float, cpu>({128, 64, 3, 3}, gen, 0, 0.03).requires_grad_();
         auto b = zeros<float, cpu>({64}).requires_grad_();
         return Workload{fwd_bwd({x, wt, b}, [=] { return conv_transpose2d(x, wt, b, 2, 1, 1); }, {1, 64, 128, 256}),
                         conv_gflop(1, 128, 64, 3, 64, 128)};
       }},
      {"instance_norm", [] {
         Generator gen(4);
         auto x = randn<float, cpu>({1, 64, 128, 256}, gen).requires_grad_();
         return Workload{fwd_bwd({x}, [=] { return instance_norm(x); }, {1, 64, 128, 256}), 0};
       }},
      {"grid_sample", [] {
         Generator gen(5);
         auto x = randn<float, cpu>({1, 3, 256, 512}, gen).requires_grad_();
         auto grid = rand<float, cpu>({1, 256, 512, 2}, gen, -1, 1).requires_grad_();
         return Workload{fwd_bwd({x, grid}, [=] { return grid_sample(x, grid, GridPadding::zeros, false); },
                                 {1, 3, 256, 512}),
                         0};
       }},
      // FlowNetS as flownet2-pytorch's FlowNet2S (6 input channels, full width), multiscale EPE.
      {"flownets_fwdbwd", [] {
         Generator gen(6);
         namespace fn = ganlib::zoo::flownet2;
         auto net = std::make_shared<fn::FlowNetS<float, cpu>>(fn::FlowNetSOptions{6, 1.0}, &gen);
         const auto x = randn<float, cpu>({1, 6, 128, 256}, gen);
         const auto target = randn<float, cpu>({1, 2, 128, 256}, gen, 0, 5);
         fn::MultiScaleOptions ms;
         ms.norm = fn::LossNorm::L2;
         // GFLOP: 0 here; compare.py takes the count PyTorch's side measures with forward hooks.
         return Workload{[net, x, target, ms] {
                           net->zero_grad();
                           fn::multiscale_loss(net->forward_scales(x), target, ms).loss.backward();
                         },
                         0};
       }},
      // The two model-level training iterations (bench/workloads_models.hpp).
      {"pix2pixhd_iter", [] { return Workload{pix2pixhd_iter(), 0}; }},
      {"biggan32_iter", [] { return Workload{biggan32_iter(), 0}; }},
  };
  return w;
}

}  // namespace bench
