// biggan_sample — sample sheets from a BigGAN checkpoint (biggan_train's state*.safetensors):
// class-wise sheets, interpolation sheets in z / class / both, a fixed-z sheet (one z per
// column across all classes) and a truncation sweep.
// Usage: biggan_sample --checkpoint FILE [--out DIR] [--ema 1] [--trunc_mode resample|std]
//        [--truncation X] [--sweep START_STEP_END] [--seed S] [--per_class N]
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <ganlib/io/image.hpp>

#include "../zoo/biggan/train.hpp"
#include "device.hpp"

using namespace ganlib;
using namespace ganlib::zoo::biggan;

int main(int argc, char** argv) try {
  std::string ckpt, out = "biggan_samples", mode = "resample", sweep = "0.25_0.25_2.0";
  double trunc = 0;
  uint64_t seed = 0;
  int64_t per_class = 10;
  bool use_ema = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      GANLIB_CHECK(i + 1 < argc, "biggan_sample: ", a, " needs a value");
      return argv[++i];
    };
    if (a == "--checkpoint") ckpt = next();
    else if (a == "--out") out = next();
    else if (a == "--ema") use_ema = next() != "0";
    else if (a == "--trunc_mode") mode = next();
    else if (a == "--truncation") trunc = std::stod(next());
    else if (a == "--sweep") sweep = next();
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--per_class") per_class = std::stoll(next());
    else ganlib::detail::fail("biggan_sample: unknown option ", a);
  }
  GANLIB_CHECK(!ckpt.empty(), "biggan_sample: --checkpoint FILE is required");
  GANLIB_CHECK(mode == "resample" || mode == "std", "biggan_sample: --trunc_mode must be resample or std, got ", mode);
  if (!examples::device_ready("biggan_sample")) return 1;
  Options o = options_of_checkpoint(ckpt);
  o.skip_init = true;
  Trainer<float> tr(o);  // on the default backend
  tr.load(ckpt, true);
  auto& G = (use_ema && tr.G_ema) ? *tr.G_ema : *tr.G;
  G.train(!o.G_eval_mode);
  ganlib::io::make_folders(out, "biggan_sample");
  auto save = [&](const Tensor<float>& grid, const std::string& name) {
    io::write_png((std::filesystem::path(out) / name).string(), io::tensor_to_image(grid));
    std::cout << (std::filesystem::path(out) / name).string() << "\n";
  };
  const Truncation kind = trunc <= 0 ? Truncation::none : mode == "std" ? Truncation::std_scale : Truncation::resample;
  const int64_t nc = std::min<int64_t>(G.n_classes, 50);
  Generator gen(seed);
  save(class_sheet(G, 0, nc, per_class, kind, trunc, gen), "classes.png");
  if (G.shared) {
    save(interp_sheet(G, 16, 8, false, true, gen), "interpZ.png");
    save(interp_sheet(G, 16, 8, true, false, gen), "interpY.png");
    save(interp_sheet(G, 16, 8, false, false, gen), "interpZY.png");
  } else {
    save(interp_sheet(G, 16, 8, false, true, gen), "interpZ.png");
  }
  {  // fixed z: the same latent in every row (one row per class)
    const auto z1 = sample_z<float>(per_class, G.dim_z, kind, trunc, gen);
    std::vector<float> ids;
    for (int64_t c = 0; c < nc; ++c)
      for (int64_t k = 0; k < per_class; ++k) ids.push_back(float(c));
    const auto y = from_vector<float>(ids, {int64_t(ids.size())});
    const auto z = contiguous(reshape(expand(unsqueeze(z1, 0), {nc, per_class, G.dim_z}), {nc * per_class, G.dim_z}));
    no_grad ng;
    save(make_grid(generate(G, z, G.condition(y)), per_class), "fixed_z.png");
  }
  double a = 0, s = 0, e = 0;
  GANLIB_CHECK(std::sscanf(sweep.c_str(), "%lf_%lf_%lf", &a, &s, &e) == 3 && s > 0 && a > 0 && e >= a,
               "biggan_sample: --sweep must be START_STEP_END with positive numbers, got '", sweep, "'");
  for (double t = a; t <= e + 1e-9; t += s) {
    Generator g2(seed + 1);  // the same draws for every truncation value
    char name[64];
    std::snprintf(name, sizeof name, "trunc_%s_%.2f.png", mode.c_str(), t);
    save(class_sheet(G, 0, nc, per_class, mode == "std" ? Truncation::std_scale : Truncation::resample, t, g2), name);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "biggan_sample: " << e.what() << "\n";
  return 1;
}
