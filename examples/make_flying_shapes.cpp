// examples/make_flying_shapes.cpp — writes FlyingChairs-like flow pairs: <root>/NNNNN_img1.png,
// NNNNN_img2.png, NNNNN_flow.flo (Middlebury), NNNNN_occ.png (255 = occluded).
// Usage: make_flying_shapes --root DIR [--count 1000] [--width 512] [--height 384] [--seed 1]
#include <cstdlib>
#include <iostream>
#include <string>

#include "ganlib/data/synthetic/flying_shapes.hpp"

int main(int argc, char** argv) {
  std::string root;
  int count = 1000, width = 512, height = 384;
  unsigned long long seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) { std::cerr << "make_flying_shapes: " << a << " needs a value\n"; std::exit(2); }
      return argv[++i];
    };
    if (a == "--root") root = next();
    else if (a == "--count") count = std::atoi(next().c_str());
    else if (a == "--width") width = std::atoi(next().c_str());
    else if (a == "--height") height = std::atoi(next().c_str());
    else if (a == "--seed") seed = std::strtoull(next().c_str(), nullptr, 10);
    else { std::cerr << "make_flying_shapes: unknown option " << a << "\n"; return 2; }
  }
  if (root.empty()) {
    std::cerr << "usage: make_flying_shapes --root DIR [--count 1000] [--width 512] [--height 384] [--seed 1]\n";
    return 2;
  }
  try {
    ganlib::synth::write_flying_shapes_dataset(root, count, width, height, seed);
    std::cout << "wrote " << count << " pairs to " << root << "\n";
  } catch (const std::exception& e) {
    std::cerr << "make_flying_shapes: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
