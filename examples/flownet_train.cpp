// examples/flownet_train.cpp — trains FlowNet2 stage-wise on flying shapes (zoo/flownet2/):
// FlowNetC, FlowNetS#1, FlowNetS#2 (earlier nets frozen), FlowNetSD, then the fusion net.
// Writes <out>/checkpoints/ckpt_<step>.safetensors (resume with --resume 1; Ctrl-C or --time_limit
// stop after a checkpoint), flownet2_<stage>.safetensors after each stage, flownet2.safetensors at
// the end, loss_log.jsonl, val_log.jsonl and web/index.html (flows in the Middlebury colour wheel).
// The README's run is the command in zoo/flownet2/README.md.
#include <iostream>

#include "device.hpp"
#include "zoo/flownet2/options.hpp"
#include "zoo/flownet2/train.hpp"

using namespace ganlib::zoo::flownet2;

int main(int argc, char** argv) {
  Flags f("flownet_train");
  f.add("out", "runs/flownet2", "output folder")
      .add("width", "1.0", "channel-width multiplier (1.0 = the reference FlowNet2)")
      .add("rgb_max", "255", "images are divided by this after mean subtraction")
      .add("div_flow", "20", "flow scaling of the networks' outputs")
      .add("sd_reference_scaling", "0", "1: SD's output is divided by div_flow as in the reference "
                                        "(then SD is trained to predict 20x the flow); 0: multiplied like C/S")
      .add("stages", "C,S1,S2,SD,fusion", "stages to train, in order")
      .add("iters", "600,400,300,500,300", "iterations per stage")
      .add("batch", "4", "pairs per batch")
      .add("size", "256x192", "size WxH of the generated pairs and validation (multiples of 64)")
      .add("crop", "", "train on random WxH crops of the pairs (multiples of 64; empty: whole pairs)")
      .add("bias_init", "uniform", "uniform: the reference's U[0,1] biases; zero: zero biases (learns much sooner)")
      .add("lr", "1e-4", "Adam learning rate (halved at 1/2, 2/3, 5/6 of each stage, as S_short)")
      .add("seed", "1", "data and initialisation seed")
      .add("augment", "1", "photometric + geometric augmentation")
      .add("aug_geometric", "1", "geometric part of the augmentation")
      .add("aug_photometric", "1", "photometric part of the augmentation")
      .add("val_pairs", "8", "held-out validation pairs (seed 999) for the HTML page")
      .add("log_every", "10", "progress line every N iterations")
      .add("checkpoint_every", "100", "checkpoint every N iterations")
      .add("vis_every", "100", "validation + HTML page every N iterations")
      .add("time_limit", "0", "seconds; > 0 stops after a checkpoint once exceeded")
      .add("resume", "0", "continue from the newest <out>/checkpoints/ckpt_<step>.safetensors")
      .add("init", "", "start from this model file of an earlier run (same width and scaling), "
                       "e.g. --init run/flownet2.safetensors --stages SD,fusion");
  try {
    if (!f.parse(argc, argv)) {
      std::cout << f.help();
      return 0;
    }
    if (!ganlib::examples::device_ready("flownet_train")) return 1;
    TrainConfig c;
    c.out = f.str("out");
    c.model.width = f.num("width");
    c.model.rgb_max = f.num("rgb_max");
    c.model.div_flow = f.num("div_flow");
    c.model.sd_reference_scaling = f.boolean("sd_reference_scaling");
    c.stages = f.list("stages");
    c.iters.clear();
    for (auto& s : f.list("iters")) c.iters.push_back(std::stoll(s));
    c.batch = int(f.integer("batch"));
    const auto size = f.str("size");
    const auto x = size.find('x');
    GANLIB_CHECK(x != std::string::npos, "flownet_train: --size must be WxH, got \"", size, "\"");
    c.width_px = std::stoi(size.substr(0, x));
    c.height_px = std::stoi(size.substr(x + 1));
    if (!f.str("crop").empty()) {
      const auto cs = f.str("crop");
      const auto cx = cs.find('x');
      GANLIB_CHECK(cx != std::string::npos, "flownet_train: --crop must be WxH, got \"", cs, "\"");
      c.crop_w = std::stoi(cs.substr(0, cx));
      c.crop_h = std::stoi(cs.substr(cx + 1));
    }
    c.bias_init = f.str("bias_init");
    c.lr = f.num("lr");
    c.seed = uint64_t(f.integer("seed"));
    c.augment = f.boolean("augment");
    c.aug.geometric = f.boolean("aug_geometric");
    c.aug.photometric = f.boolean("aug_photometric");
    c.val_pairs = int(f.integer("val_pairs"));
    c.log_every = std::max<int64_t>(1, f.integer("log_every"));
    c.checkpoint_every = std::max<int64_t>(1, f.integer("checkpoint_every"));
    c.vis_every = std::max<int64_t>(1, f.integer("vis_every"));
    c.time_limit_s = f.num("time_limit");
    c.resume = f.boolean("resume");
    c.init = f.str("init");
    c.flags = f.values();
    Trainer t(c);
    std::cout << "FlowNet2 width " << c.model.width << ": " << t.net().parameter_count() << " parameters\n";
    return t.run() ? 0 : 3;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
