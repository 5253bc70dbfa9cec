// examples/flownet_infer.cpp — optical flow for one image pair with a trained FlowNet2
// (zoo/flownet2/): writes the flow as Middlebury .flo and as a colour-wheel PNG.
// Usage: flownet_infer --model runs/flownet2/flownet2.safetensors --img1 a.png --img2 b.png
//                      --out_flo flow.flo --out_png flow.png [--stage fusion] [--gt truth.flo]
//        flownet_infer --vis flow.flo --out_png flow.png     (colour-code an existing .flo)
// Images of any size are accepted (padded to multiples of 64, flow cropped back); both must
// have the same size.
#include <chrono>
#include <iostream>

#include "zoo/flownet2/options.hpp"
#include "zoo/flownet2/train.hpp"
#include "device.hpp"
#include "ganlib/io/flo.hpp"

using namespace ganlib;
using namespace ganlib::zoo::flownet2;

static Stage parse_eval_stage(const std::string& s) {
  if (s == "C") return Stage::C;
  if (s == "CS") return Stage::CS;
  if (s == "CSS") return Stage::CSS;
  if (s == "SD") return Stage::SD;
  if (s == "fusion") return Stage::Full;
  ganlib::detail::fail("flownet_infer: unknown --stage \"", s, "\" (C, CS, CSS, SD or fusion)");
}

static TensorF load_rgb(const std::string& path) {
  const auto img = io::read_image(path, 3);
  const size_t hw = size_t(img.width) * img.height;
  std::vector<float> v(3 * hw);
  for (size_t c = 0; c < 3; ++c)
    for (size_t i = 0; i < hw; ++i) v[c * hw + i] = float(img.data[i * 3 + c]);
  return from_vector<float>(v, {1, 3, img.height, img.width});  // decoded on the host, copied to the default backend
}

int main(int argc, char** argv) {
  Flags f("flownet_infer");
  f.add("model", "", "FlowNet2 weights (.safetensors, flownet2-pytorch key names)")
      .add("img1", "", "first image").add("img2", "", "second image")
      .add("out_flo", "", "output .flo (optional)").add("out_png", "", "output colour-coded PNG (optional)")
      .add("stage", "fusion", "output of: C, CS, CSS, SD or fusion")
      .add("max_radius", "0", "flow magnitude at full saturation in the PNG (0: the largest)")
      .add("gt", "", "ground-truth .flo: print the EPE against it")
      .add("vis", "", "only colour-code this .flo into --out_png");
  try {
    if (!f.parse(argc, argv)) {
      std::cout << f.help();
      return 0;
    }
    if (!f.str("vis").empty()) {
      GANLIB_CHECK(!f.str("out_png").empty(), "flownet_infer: --vis needs --out_png");
      const auto flow = io::read_flo<float, cpu>(f.str("vis"));
      io::write_png(f.str("out_png"), flow_to_image(flow, f.num("max_radius")));
      std::cout << "wrote " << f.str("out_png") << " (" << flow.size(2) << "x" << flow.size(1) << ")\n";
      return 0;
    }
    for (const char* k : {"model", "img1", "img2"})
      GANLIB_CHECK(!f.str(k).empty(), "flownet_infer: --", k, " is required (--help lists the flags)");
    GANLIB_CHECK(!f.str("out_flo").empty() || !f.str("out_png").empty() || !f.str("gt").empty(),
                 "flownet_infer: nothing to write: give --out_flo, --out_png or --gt");
    if (!examples::device_ready("flownet_infer")) return 1;  // --vis above needs no device
    const Stage stage = parse_eval_stage(f.str("stage"));
    TensorF gt;
    if (!f.str("gt").empty()) gt = io::read_flo<float>(f.str("gt"));
    auto net = load_model(f.str("model"));
    const auto a = load_rgb(f.str("img1")), b = load_rgb(f.str("img2"));
    GANLIB_CHECK(a.shape() == b.shape(), "flownet_infer: the images differ in size: ", f.str("img1"), " is ",
                 a.size(3), "x", a.size(2), ", ", f.str("img2"), " is ", b.size(3), "x", b.size(2));
    no_grad guard;
    const auto t0 = std::chrono::steady_clock::now();
    const auto flow = estimate_flow(*net, a, b, stage).select(0, 0).contiguous();
    examples::device_sync();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "flow " << flow.size(2) << "x" << flow.size(1) << " in " << sec << " s\n";
    if (!f.str("out_flo").empty()) io::write_flo(f.str("out_flo"), flow);
    if (!f.str("out_png").empty()) io::write_png(f.str("out_png"), flow_to_image(flow, f.num("max_radius")));
    if (gt.defined()) {
      GANLIB_CHECK(gt.shape() == flow.shape(), "flownet_infer: ground truth ", f.str("gt"), " is ", gt.size(2),
                   "x", gt.size(1), " but the images are ", flow.size(2), "x", flow.size(1));
      std::cout << "{\"metric\":\"epe\",\"value\":" << epe(flow.unsqueeze(0), gt.unsqueeze(0)).item() << "}\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
