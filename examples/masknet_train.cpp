// examples/masknet_train.cpp — trains the mask net (semantic + instance segmentation) on
// synthetic street scenes or on a dataset in pix2pixHD's layout; progress line, JSON-lines logs,
// an HTML page of held-out predictions, checkpoints and --resume.
//   masknet_train --out runs/masknet                      # synthetic streets, 256×128
//   masknet_train --out runs/masknet --resume 1           # continue an interrupted run
//   masknet_train --dataroot datasets/cityscapes --width 256 --height 128
#include <cstdio>
#include <iostream>

#include "zoo/masknet/options.hpp"
#include "zoo/masknet/train.hpp"

using namespace ganlib::zoo::masknet;

int main(int argc, char** argv) {
  Flags f("masknet_train");
  TrainConfig d;
  f.add("out", d.out, "output folder: checkpoint, masknet.safetensors, loss_log.jsonl, val_log.jsonl, web/index.html")
      .add("dataroot", "", "dataset in pix2pixHD's layout (<phase>_label, <phase>_inst, <phase>_img); empty: synthetic streets")
      .add("phase", d.phase, "training phase of --dataroot")
      .add("val_phase", d.val_phase, "held-out phase of --dataroot (validated when its folders exist)")
      .add("width", std::to_string(d.width_px), "training crop width (multiple of 8)")
      .add("height", std::to_string(d.height_px), "training crop height (multiple of 8)")
      .add("batch", std::to_string(d.batch), "batch size")
      .add("iters", std::to_string(d.iters), "training iterations")
      .add("lr", "0.002", "Adam learning rate (poly schedule, power 0.9)")
      .add("weight_decay", "0", "Adam weight decay")
      .add("net_width", std::to_string(d.model.width), "base channel count c of the network (encoder c, 2c, 4c)")
      .add("aspp_rates", "2,4,6", "atrous rates of the ASPP's 3x3 branches")
      .add("num_classes", std::to_string(d.model.num_classes), "label ids predicted (Cityscapes: 35)")
      .add("center_sigma", std::to_string(d.loss.center_sigma), "Gaussian sigma (pixels) of centre targets")
      .add("center_weight", "200", "weight of the centre heat-map MSE")
      .add("offset_weight", "0.05", "weight of the offset L1")
      .add("train_frames", "0", "synthetic: distinct training scenes (0 = a fresh scene for every sample)")
      .add("seed", "1", "seed of the weights and of the training samples")
      .add("val_seed", "999", "seed of the held-out synthetic scenes")
      .add("val_frames", std::to_string(d.val_frames), "held-out frames scored at each validation")
      .add("flip", "1", "random horizontal flips")
      .add("log_every", std::to_string(d.log_every), "iterations per progress line")
      .add("eval_every", std::to_string(d.eval_every), "iterations per held-out validation")
      .add("checkpoint_every", std::to_string(d.checkpoint_every), "iterations per checkpoint")
      .add("time_limit", "0", "seconds; > 0: checkpoint and stop once exceeded (continue with --resume 1)")
      .add("resume", "0", "continue from <out>/checkpoint.safetensors");
  try {
    if (!f.parse(argc, argv)) {
      std::cout << f.help();
      return 0;
    }
    TrainConfig c;
    c.out = f.str("out");
    c.dataroot = f.str("dataroot");
    c.phase = f.str("phase");
    c.val_phase = f.str("val_phase");
    c.width_px = int(f.integer("width"));
    c.height_px = int(f.integer("height"));
    c.batch = int(f.integer("batch"));
    c.iters = f.integer("iters");
    c.lr = f.num("lr");
    c.weight_decay = f.num("weight_decay");
    c.model.width = f.integer("net_width");
    c.model.aspp_rates = f.int_list("aspp_rates");
    c.model.num_classes = f.integer("num_classes");
    c.loss.center_sigma = f.num("center_sigma");
    c.loss.center_weight = f.num("center_weight");
    c.loss.offset_weight = f.num("offset_weight");
    c.train_frames = f.integer("train_frames");
    c.seed = uint64_t(f.integer("seed"));
    c.val_seed = uint64_t(f.integer("val_seed"));
    c.val_frames = f.integer("val_frames");
    c.flip = f.boolean("flip");
    c.log_every = std::max<int64_t>(1, f.integer("log_every"));
    c.eval_every = std::max<int64_t>(1, f.integer("eval_every"));
    c.checkpoint_every = std::max<int64_t>(1, f.integer("checkpoint_every"));
    c.time_limit_s = f.num("time_limit");
    c.resume = f.boolean("resume");
    c.flags = f.values();
    Trainer t(c);
    const bool done = t.run();
    if (done) {
      const auto r = t.last_eval();
      std::printf("{\"metric\":\"pixel_accuracy\",\"value\":%.6f}\n{\"metric\":\"mean_iou\",\"value\":%.6f}\n"
                  "{\"metric\":\"pq\",\"value\":%.6f}\n",
                  r.pixel_accuracy, r.mean_iou, r.pq.pq);
    }
    return done ? 0 : 3;
  } catch (const ganlib::Error& e) {
    std::cerr << "masknet_train: " << e.what() << "\n";
    return 1;
  }
}
