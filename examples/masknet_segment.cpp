// examples/masknet_segment.cpp — frames in, a training set out: segments an image or a folder
// of frames (e.g. a video's frames) with a trained mask net and writes label maps (8-bit PNG,
// Cityscapes ids) and instance maps (16-bit PNG) next to the frames, in pix2pixHD's layout
// (<out>/<phase>_label, _inst, _img) or vid2vid's (<out>/<phase>_A/<seq>, _inst/<seq>, _B/<seq>).
//   masknet_segment --model runs/masknet/masknet.safetensors --input frames/ --out datasets/mine
//   masknet_segment --model ... --input video_frames/ --out datasets/mine --layout vid2vid --phase train
#include <iostream>

#include "zoo/masknet/options.hpp"
#include "zoo/masknet/segment.hpp"

using namespace ganlib::zoo::masknet;

int main(int argc, char** argv) {
  Flags f("masknet_segment");
  PostprocessOptions pp;
  f.add("model", "runs/masknet/masknet.safetensors", "trained model (or a training checkpoint)")
      .add("input", "", "an image file or a folder of frames (searched recursively)")
      .add("out", "", "dataset root to write")
      .add("phase", "test", "phase prefix of the output folders (train, test, ...)")
      .add("layout", "pix2pixhd", "pix2pixhd or vid2vid")
      .add("width", "0", "resize frames to this width first (0: keep their size; set with --height)")
      .add("height", "0", "resize frames to this height first")
      .add("link", "0", "symlink the frames into <phase>_img / _B instead of copying them")
      .add("center_threshold", std::to_string(pp.center_threshold), "minimum centre heat-map value of an instance")
      .add("nms_kernel", std::to_string(pp.nms_kernel), "window of the centre non-maximum suppression (odd)")
      .add("min_area", std::to_string(pp.min_area), "instances smaller than this many pixels are dropped");
  try {
    if (!f.parse(argc, argv)) {
      std::cout << f.help();
      return 0;
    }
    SegmentOptions o;
    o.input = f.str("input");
    o.out = f.str("out");
    GANLIB_CHECK(!o.input.empty() && !o.out.empty(), "masknet_segment: --input and --out are required (--help lists the flags)");
    o.phase = f.str("phase");
    o.layout = parse_layout(f.str("layout"));
    o.width = int(f.integer("width"));
    o.height = int(f.integer("height"));
    o.link_images = f.boolean("link");
    o.post.center_threshold = f.num("center_threshold");
    o.post.nms_kernel = f.integer("nms_kernel");
    o.post.min_area = f.integer("min_area");
    auto net = load_model(f.str("model"));
    const auto rep = segment_frames(*net, o, &std::cout);
    std::cout << "wrote " << rep.frames << " label and instance maps under " << o.out << "\n";
    return 0;
  } catch (const ganlib::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "masknet_segment: " << e.what() << "\n";
    return 1;
  }
}
