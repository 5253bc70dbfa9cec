// biggan_train — trains BigGAN (zoo/biggan) class-conditionally on Fashion-MNIST or a folder of
// class sub-folders. Options are BigGAN-PyTorch's (--G_ch, --num_D_steps, --ema, ...) on top
// of a preset: "--preset fmnist" (default; a bounded CPU run, see zoo/biggan/README.md) or
// "--preset reference" (the reference's code defaults).
// Writes <weights_root>/<exp>/state.safetensors (+ _copy<i> rotating, _best<i> by FID),
// <logs_root>/<exp>_log.jsonl (metrics), <logs_root>/<exp>/losses.jsonl, and sample sheets
// with an index.html under <samples_root>/<exp>/. --resume continues from state.safetensors.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <ganlib/io/image.hpp>

#include "../zoo/biggan/evaluate.hpp"
#include "device.hpp"

using namespace ganlib;
using namespace ganlib::zoo::biggan;
namespace fs = std::filesystem;

static Options preset(const std::string& name) {
  Options o;
  if (name == "reference") return o;
  GANLIB_CHECK(name == "fmnist", "biggan_train: unknown --preset '", name, "' (fmnist, reference)");
  o.dataset = "FMNIST";
  o.data_root = io::kFashionMnistDir;
  o.img_channels = 1;
  o.G_ch = o.D_ch = 8;
  o.G_shared = o.hier = true;
  o.dim_z = 64;
  o.shared_dim = 32;
  o.G_attn = o.D_attn = "0";
  o.batch_size = 32;
  o.num_D_steps = 1;
  o.G_lr = o.D_lr = 2e-4;
  o.adam_eps = 1e-6;
  o.SN_eps = 1e-6;
  o.ema = o.use_ema = true;
  o.ema_decay = 0.99;  // a short run: a ~100-iteration window, not 0.9999's 10k
  o.ema_start = 200;
  o.G_eval_mode = true;
  o.shuffle = true;
  o.test_every = 250;
  o.save_every = 250;
  o.num_inception_images = 2000;
  o.which_best = "FID";
  o.max_minutes = 14;
  o.num_iters = 100000;
  o.experiment_name = "fmnist_biggan";
  o.classifier = "fmnist_classifier.safetensors";
  return o;
}

static std::string now_stamp() {
  return std::to_string(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

int main(int argc, char** argv) try {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string pre = "fmnist";
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--preset") {
      GANLIB_CHECK(i + 1 < args.size(), "biggan_train: --preset needs a value");
      pre = args[i + 1];
      args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
      break;
    }
  Options o = preset(pre);
  parse_args(o, args);
  if (!examples::device_ready("biggan_train")) return 1;
  if (o.dataset == "folder") o.n_classes = 0;  // from the folders
  // Data first: the class count of a folder dataset is an architecture option.
  ImageSet<float> data;
  if (o.dataset == "FMNIST") {
    if (o.resolution == 0) o.resolution = 32;
    data = load_fashion_mnist_set<float>(o.data_root, true, o.resolution, o.img_channels);
  } else if (o.dataset == "folder") {
    GANLIB_CHECK(o.resolution > 0, "biggan_train: --dataset folder needs --resolution");
    data = load_folder_set<float>(o.data_root, o.resolution, o.img_channels);
    if (o.n_classes == 0) o.n_classes = int64_t(data.classes.size());
  } else {
    ganlib::detail::fail("biggan_train: --dataset ", o.dataset, " cannot be read here (FMNIST or folder)");
  }
  finalize(o);
  if (o.threads > 0) set_num_threads(o.threads);
  const std::string exp = o.experiment_name.empty() ? "biggan" : o.experiment_name;
  const fs::path wdir = fs::path(o.weights_root) / exp, sdir = fs::path(o.samples_root) / exp,
                 ldir = fs::path(o.logs_root) / exp;
  ganlib::io::make_folders(wdir, "biggan_train");
  ganlib::io::make_folders(sdir, "biggan_train");
  ganlib::io::make_folders(ldir, "biggan_train");

  Trainer<float> tr(o);  // on the default backend; the data stay on the host (next_batch moves them)
  const fs::path state = wdir / "state.safetensors";
  if (o.resume) {
    GANLIB_CHECK(fs::exists(state), "biggan_train: --resume but '", state.string(), "' does not exist");
    tr.load(state.string());
    std::fprintf(stderr, "resumed from %s at iteration %lld\n", state.c_str(), (long long)tr.itr);
  } else if (!o.load_weights.empty()) {
    tr.load(o.load_weights, true);
  }
  std::fprintf(stderr, "%s\nG: %lld parameters, D: %lld parameters, dim_z %lld\n", ("data: " + std::to_string(data.size()) + " images, " + std::to_string(o.n_classes) + " classes").c_str(),
               (long long)tr.G->parameter_count(), (long long)tr.D->parameter_count(), (long long)tr.G->dim_z);

  // Evaluation network (Fashion-MNIST only, 32×32): FID / IS / accuracy.
  std::unique_ptr<FmnistClassifier<float>> clf;
  Moments data_mom;
  if (!o.classifier.empty() && fs::exists(o.classifier) && o.resolution == 32 && o.n_classes == 10) {
    clf = std::make_unique<FmnistClassifier<float>>();
    clf->load(o.classifier);
    data_mom = data_moments(*clf, data);
  } else if (!o.classifier.empty()) {
    std::fprintf(stderr, "note: no metrics (classifier '%s' missing, or not a 10-class 32x32 dataset)\n",
                 o.classifier.c_str());
  }

  const int64_t per_iter = o.batch_size * o.num_D_steps * o.num_D_accumulations;
  Generator fixed_gen(o.seed + 12345);
  const auto fixed_y = sample_y<float>(std::min<int64_t>(o.n_classes, 10) * 10, o.n_classes, fixed_gen);
  std::vector<float> fy;
  for (int64_t c = 0; c < std::min<int64_t>(o.n_classes, 10); ++c)
    for (int k = 0; k < 10; ++k) fy.push_back(float(c));
  const auto fixed_ys = from_vector<float>(fy, {int64_t(fy.size())});
  const auto fixed_z = sample_z_std<float>(fixed_ys.size(0), tr.G->dim_z, 1.0, fixed_gen);
  (void)fixed_y;

  std::ofstream loss_log(ldir / "losses.jsonl", std::ios::app);
  std::ofstream metric_log(fs::path(o.logs_root) / (exp + "_log.jsonl"), std::ios::app);
  std::vector<std::string> sheets;
  for (auto& e : fs::directory_iterator(sdir))
    if (e.path().extension() == ".png") sheets.push_back(e.path().filename().string());
  std::sort(sheets.begin(), sheets.end());

  auto write_html = [&](const std::string& extra) {
    std::ofstream h(sdir / "index.html");
    h << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" << exp << "</title></head><body>\n<h1>" << exp
      << "</h1>\n" << extra << "\n";
    for (auto it = sheets.rbegin(); it != sheets.rend(); ++it)
      h << "<h3>" << *it << "</h3><img src=\"" << *it << "\" style=\"image-rendering:pixelated;width:512px\">\n";
    h << "</body></html>\n";
  };
  auto save_sheet = [&](const Tensor<float>& grid, const std::string& name) {
    io::write_png((sdir / name).string(), io::tensor_to_image(grid));
    if (std::find(sheets.begin(), sheets.end(), name) == sheets.end()) sheets.push_back(name);
  };
  std::string last_metrics;
  auto test = [&]() {
    auto& g = tr.sampling_G();
    char name[64];
    std::snprintf(name, sizeof name, "fixed_samples%06lld.png", (long long)tr.itr);
    save_sheet(make_grid(generate(g, fixed_z, g.condition(fixed_ys)), 10), name);
    if (clf) {
      Generator eg(o.seed + 777);
      const auto m = evaluate(g, *clf, data_mom, o.num_inception_images, Truncation::none, 0, eg);
      nlohmann::json j{{"itr", tr.itr}, {"IS_mean", m.IS_mean}, {"IS_std", m.IS_std}, {"FID", m.FID},
                       {"class_accuracy", m.accuracy}, {"_stamp", now_stamp()}};
      metric_log << j.dump() << "\n";
      metric_log.flush();
      for (auto [k, v] : {std::pair<const char*, double>{"FID", m.FID}, {"IS_mean", m.IS_mean}, {"class_accuracy", m.accuracy}})
        std::cout << nlohmann::json{{"metric", k}, {"value", v}, {"itr", tr.itr}}.dump() << "\n";
      std::cout.flush();
      last_metrics = "<p>itr " + std::to_string(tr.itr) + ": FID " + std::to_string(m.FID) + ", IS " +
                     std::to_string(m.IS_mean) + ", class accuracy " + std::to_string(m.accuracy) + "</p>";
      if (m.FID < tr.best_FID) {
        tr.best_FID = m.FID;
        tr.best_IS = std::max(tr.best_IS, m.IS_mean);
        // Best copies rotate: best0 is the newest best.
        for (int64_t i = o.num_best_copies - 1; i > 0; --i) {
          const auto a = wdir / ("state_best" + std::to_string(i - 1) + ".safetensors");
          if (fs::exists(a)) fs::rename(a, wdir / ("state_best" + std::to_string(i) + ".safetensors"));
        }
        if (o.num_best_copies > 0) tr.save((wdir / "state_best0.safetensors").string());
      }
    }
    write_html(last_metrics);
    g.train();
  };
  int64_t copy_index = 0;
  auto save = [&]() {
    tr.save(state.string());
    if (o.num_save_copies > 0) {
      fs::copy_file(state, wdir / ("state_copy" + std::to_string(copy_index) + ".safetensors"),
                    fs::copy_options::overwrite_existing);
      copy_index = (copy_index + 1) % o.num_save_copies;
    }
  };

  const auto t0 = std::chrono::steady_clock::now();
  auto minutes = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60; };
  const int64_t stop_at = o.num_iters > 0 ? o.num_iters : o.num_epochs * (data.size() / per_iter);
  StepLosses run{};
  const int64_t first = tr.itr;
  while (tr.itr < stop_at) {
    auto [x, y] = tr.next_batch(data, per_iter);
    const StepLosses L = tr.train_step(x, y);
    run = tr.itr == first + 1 ? L : StepLosses{0.95 * run.D_loss_real + 0.05 * L.D_loss_real,
                                               0.95 * run.D_loss_fake + 0.05 * L.D_loss_fake,
                                               0.95 * run.G_loss + 0.05 * L.G_loss};
    if (tr.itr % 10 == 0) {
      loss_log << nlohmann::json{{"itr", tr.itr}, {"D_loss_real", L.D_loss_real}, {"D_loss_fake", L.D_loss_fake},
                                 {"G_loss", L.G_loss}}.dump() << "\n";
      const double el = minutes() * 60, rate = double(tr.itr - first) / std::max(el, 1e-9);
      std::fprintf(stderr, "\ritr %lld/%lld (epoch %lld) | D real %.3f fake %.3f | G %.3f | %.2f it/s | %.0fs   ",
                   (long long)tr.itr, (long long)stop_at, (long long)tr.epoch, run.D_loss_real, run.D_loss_fake,
                   run.G_loss, rate, el);
    }
    const bool out_of_time = o.max_minutes > 0 && minutes() >= o.max_minutes;
    if (tr.itr % o.save_every == 0 || out_of_time) save();
    if (tr.itr % o.test_every == 0 || out_of_time) {
      std::fprintf(stderr, "\n");
      test();
    }
    if (out_of_time) break;
  }
  if (tr.itr % o.save_every != 0) save();
  if (tr.itr % o.test_every != 0 && !(o.max_minutes > 0 && minutes() >= o.max_minutes)) test();
  // Final class sheet with the sampling generator.
  {
    auto& g = tr.sampling_G();
    Generator sg(o.seed + 99);
    save_sheet(class_sheet(g, 0, std::min<int64_t>(o.n_classes, 10), 10, Truncation::none, 0, sg), "final_classes.png");
    write_html(last_metrics);
  }
  std::fprintf(stderr, "\ndone: %lld iterations in %.1f minutes\n", (long long)tr.itr, minutes());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "\nbiggan_train: " << e.what() << "\n";
  return 1;
}
