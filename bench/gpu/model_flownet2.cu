// bench/gpu/model_flownet2.cu — the flownet2_infer_512x384 workload: zoo/flownet2's full FlowNet2
// stack (FlowNetC, FlowNetS x2, FlowNetSD, FlowNetFusion; the reference's widths, rgb_max 255,
// div_flow 20) on one 512x384 image pair (batch 1), inference under no_grad.
#include <ganlib/ops.hpp>
#include <memory>

#include "models_gpu.hpp"
#include "zoo/flownet2/flownet2.hpp"

namespace bench_gpu {

Step flownet2_infer_512x384() {
  using namespace ganlib;
  namespace fn = ganlib::zoo::flownet2;
  Generator gen(13);
  auto net = std::make_shared<fn::FlowNet2<float, cuda>>(fn::FlowNet2Options{}, &gen);
  net->eval();
  const auto img1 = rand<float, cuda>({1, 3, 384, 512}, gen, 0, 255);
  const auto img2 = rand<float, cuda>({1, 3, 384, 512}, gen, 0, 255);
  return [net, img1, img2] {
    no_grad ng;
    net->forward_pair(img1, img2, fn::Stage::Full);
  };
}

}  // namespace bench_gpu
