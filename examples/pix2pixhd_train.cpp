// examples/pix2pixhd_train.cpp — trains pix2pixHD (train.py): options with the reference's names
// and defaults (zoo/pix2pixhd/options.hpp), plus --max_minutes / --max_iters for bounded runs.
// Usage: pix2pixhd_train --name NAME --dataroot DIR [--label_nc 35] [--netG global|local] ...
//        (--continue_train resumes from checkpoints/NAME; --help lists every option)
#include <iostream>

#include "device.hpp"
#include "zoo/pix2pixhd/trainer.hpp"

int main(int argc, char** argv) {
  namespace p2p = ganlib::zoo::pix2pixhd;
  try {
    p2p::Options o;
    const auto extra = p2p::parse(o, argc, argv, {"help"});
    if (extra.count("help")) {
      std::cout << "pix2pixhd_train: every option as --name value (defaults shown)\n" << p2p::to_text(o);
      return 0;
    }
    if (!ganlib::examples::device_ready("pix2pixhd_train")) return 1;
    std::cout << p2p::to_text(o);
    p2p::Trainer<float> trainer(o);
    trainer.run();
  } catch (const std::exception& e) {
    std::cerr << "pix2pixhd_train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
