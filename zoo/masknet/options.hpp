// zoo/masknet/options.hpp — the mask net's options (network size, loss weights, post-processing)
// and its programs' command-line flags.
// Contract: defaults are the configuration the README's numbers were measured with; flags are
// "--key value" or "--key=value", and an unknown key, a missing value or a value of the wrong
// type is a ganlib::Error naming the flag.
#pragma once
#include <cstdint>
#include <vector>

#include "ganlib/data/synthetic/cityscapes_ids.hpp"
#include "ganlib/train/flags.hpp"

namespace ganlib::zoo::masknet {

// The network: a DeepLab-style encoder (output stride 8) with an ASPP-lite head and a decoder
// that returns to stride 4, then semantic logits and Panoptic-DeepLab's centre/offset heads.
struct MaskNetOptions {
  int64_t num_classes = cityscapes::label_nc;  // logits per Cityscapes label id 0…34
  int64_t width = 16;                          // base channel count c (encoder c, 2c, 4c)
  std::vector<int64_t> aspp_rates = {2, 4, 6}; // atrous rates of the ASPP's 3×3 branches at stride 8
  bool image_pooling = true;                   // ASPP's global-average-pool branch
};

// Loss weights (Panoptic-DeepLab: semantic 1, centre MSE 200, offset L1 0.01; the offset weight
// is raised here because our offsets are in pixels of a frame 8× smaller than Cityscapes').
struct LossOptions {
  double semantic_weight = 1.0;
  double center_weight = 200.0;
  double offset_weight = 0.05;
  double center_sigma = 4.0;     // Gaussian σ (pixels) of the centre heat-map targets
  int64_t ignore_index = 255;    // label ids ≥ num_classes are mapped to this and ignored
};

// Post-processing (Panoptic-DeepLab's defaults, scaled to 256×128 frames).
struct PostprocessOptions {
  double center_threshold = 0.1;  // a centre is a local maximum of the heat-map above this
  int64_t nms_kernel = 7;         // local maximum over a k×k window (max-pool NMS)
  int64_t top_k = 200;            // at most this many centres per image
  int64_t min_area = 8;           // instances smaller than this (pixels) are dropped
};

// Which label ids carry instances: Cityscapes' hasInstances (person … bicycle).
inline std::vector<bool> cityscapes_thing_classes(int64_t num_classes) {
  std::vector<bool> t(size_t(num_classes), false);
  for (int64_t c = 0; c < num_classes; ++c) t[size_t(c)] = cityscapes::has_instances(int(c));
  return t;
}

// The programs' command-line flags (train/flags.hpp).
using Flags = ganlib::train::Flags;

}  // namespace ganlib::zoo::masknet
