// examples/pix2pixhd_eval.cpp — scores a pix2pixhd_test results folder: for every
// images/<stem>_synthesized_image*.png with its <stem>_real_image.png, the mean L1 distance
// (on [−1, 1] values, as the training losses) and the PSNR (8-bit, peak 255) against the target,
// printed as JSON lines {"metric": ..., "value": ...}. The paper's protocol (segment the outputs,
// pixel accuracy and mIoU against the labels) needs the zoo's mask net, which does not exist yet.
// Usage: pix2pixhd_eval --results results/NAME/test_latest
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "ganlib/io/image.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--results" && i + 1 < argc) dir = argv[++i];
    else {
      std::cerr << "pix2pixhd_eval: unknown option " << a << "\nusage: pix2pixhd_eval --results DIR\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "usage: pix2pixhd_eval --results results/NAME/test_latest\n";
    return 2;
  }
  try {
    const fs::path images = fs::path(dir) / "images";
    GANLIB_CHECK(fs::is_directory(images), "pix2pixhd_eval: '", images.string(), "' is not a folder (run pix2pixhd_test first)");
    std::map<std::string, std::string> fakes;
    for (auto& e : fs::directory_iterator(images)) {
      const std::string f = e.path().filename().string();
      const auto k = f.find("_synthesized_image");
      if (k != std::string::npos && e.path().extension() == ".png") fakes[f] = f.substr(0, k);
    }
    GANLIB_CHECK(!fakes.empty(), "pix2pixhd_eval: no *_synthesized_image*.png in '", images.string(), "'");
    double l1 = 0, mse_db = 0;
    int64_t pairs = 0;
    for (auto& [fake, stem] : fakes) {
      const fs::path real = images / (stem + "_real_image.png");
      GANLIB_CHECK(fs::exists(real), "pix2pixhd_eval: '", fake, "' has no target '", real.string(),
                   "' (the test set had no <phase>_img folder)");
      const auto a = ganlib::io::read_image((images / fake).string(), 3), b = ganlib::io::read_image(real.string(), 3);
      GANLIB_CHECK(a.width == b.width && a.height == b.height, "pix2pixhd_eval: '", fake, "' is ", a.width, " x ",
                   a.height, " but its target is ", b.width, " x ", b.height);
      double abs_sum = 0, sq_sum = 0;
      for (size_t i = 0; i < a.data.size(); ++i) {
        const double d = double(a.data[i]) - double(b.data[i]);
        abs_sum += std::abs(d), sq_sum += d * d;
      }
      const double n = double(a.data.size());
      l1 += abs_sum / n / 127.5;
      const double mse = sq_sum / n;
      mse_db += mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 100.0;
      ++pairs;
    }
    std::cout << "{\"metric\": \"L1\", \"value\": " << l1 / double(pairs) << "}\n";
    std::cout << "{\"metric\": \"PSNR\", \"value\": " << mse_db / double(pairs) << "}\n";
    std::cout << "{\"metric\": \"images\", \"value\": " << pairs << "}\n";
  } catch (const std::exception& e) {
    std::cerr << "pix2pixhd_eval: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
