// examples/make_streets.cpp — writes a synthetic street dataset in pix2pixHD's layout
// (<root>/<phase>_label, _inst, _img) or, with --frames N, vid2vid's (<phase>_A/_B/_inst/<seq>/).
// Usage: make_streets --root DIR [--phase train] [--count 100] [--width 1024] [--height 512]
//                     [--seed 1] [--frames N] [--flow] [--preview FILE.png]
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "ganlib/data/synthetic/streets.hpp"

int main(int argc, char** argv) {
  std::string root, phase = "train", preview;
  int count = 100, width = 1024, height = 512, frames = 0;
  unsigned long long seed = 1;
  bool flow = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::cerr << "make_streets: " << a << " needs a value\n"; std::exit(2); }
      return argv[++i];
    };
    if (a == "--root") root = next();
    else if (a == "--phase") phase = next();
    else if (a == "--count") count = std::atoi(next().c_str());
    else if (a == "--width") width = std::atoi(next().c_str());
    else if (a == "--height") height = std::atoi(next().c_str());
    else if (a == "--seed") seed = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--frames") frames = std::atoi(next().c_str());
    else if (a == "--flow") flow = true;
    else if (a == "--preview") preview = next();
    else { std::cerr << "make_streets: unknown option " << a << "\n"; return 2; }
  }
  if (root.empty() && preview.empty()) {
    std::cerr << "usage: make_streets --root DIR [--phase train] [--count 100] [--width 1024] [--height 512] "
                 "[--seed 1] [--frames N] [--flow] [--preview FILE.png]\n";
    return 2;
  }
  try {
    using namespace ganlib::synth;
    if (!preview.empty()) {  // image over colourised labels, for a look
      const StreetFrame f = generate_street(seed, 0, width, height);
      std::vector<uint8_t> both(f.image);
      const auto col = colorize_labels(f);
      both.insert(both.end(), col.begin(), col.end());
      png::write_png(preview, width, 2 * height, 3, 8, both.data());
      std::cout << "wrote " << preview << "\n";
    }
    if (root.empty()) return 0;
    if (frames > 0) {
      write_streets_video_dataset(root, phase, count, frames, width, height, seed, flow);
      std::cout << "wrote " << count << " sequences of " << frames << " frames to " << root << "\n";
    } else {
      write_streets_dataset(root, phase, count, width, height, seed);
      std::cout << "wrote " << count << " scenes to " << root << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "make_streets: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
