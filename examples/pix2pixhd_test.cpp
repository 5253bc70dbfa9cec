// examples/pix2pixhd_test.cpp — runs a trained pix2pixHD generator on <dataroot>/<phase>_label
// (+ _inst) and writes results/<name>/<phase>_<which_epoch>/index.html with, per image, the input
// labels, the synthesized image(s) and the target (when <phase>_img exists).
// Usage: pix2pixhd_test --name NAME --dataroot DIR [--which_epoch latest] [--how_many 50]
//        [--style K | --num_styles N] (styles need --instance_feat and pix2pixhd_encode_features)
// The architecture options are read from the network file unless given on the command line.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "device.hpp"
#include "zoo/pix2pixhd/features.hpp"
#include "zoo/pix2pixhd/trainer.hpp"

namespace fs = std::filesystem;
namespace p2p = ganlib::zoo::pix2pixhd;
using namespace ganlib;

int main(int argc, char** argv) {
  try {
    p2p::Options o;
    o.phase = "test";
    p2p::parse(o, argc, argv);
    if (!examples::device_ready("pix2pixhd_test")) return 1;
    const auto given = p2p::given_options(argc, argv);
    const std::string dir = (fs::path(o.checkpoints_dir) / o.name).string();
    const std::string g_path = (fs::path(dir) / (o.which_epoch + "_net_G.safetensors")).string();
    p2p::adopt_architecture(o, g_path, "G", given);
    if (o.instance_feat) p2p::adopt_architecture(o, (fs::path(dir) / (o.which_epoch + "_net_E.safetensors")).string(), "E", given);
    manual_seed(uint64_t(o.seed));
    if (o.threads > 0) set_num_threads(int(o.threads));

    p2p::Pix2PixHDModel<float> model(o, false);
    model.load_networks(dir, o.which_epoch);
    p2p::ClassCenters centers;
    if (o.instance_feat && !o.use_encoded_image)
      centers = p2p::load_centers((fs::path(dir) / o.cluster_path).string(), o.feat_num);

    const bool have_targets = fs::exists(fs::path(o.dataroot) / (o.phase + "_img"));
    auto dopt = p2p::dataset_options(o, o.phase, false, have_targets || o.use_encoded_image);
    data::Pix2PixHDDataset<float> ds(dopt);
    const std::string web = (fs::path(o.results_dir) / o.name / (o.phase + "_" + o.which_epoch)).string();
    ganlib::io::make_folders((fs::path(web) / "images").string(), "pix2pixhd_test");
    const int64_t n = std::min<int64_t>(ds.size(), std::min<double>(double(o.how_many), o.ntest));
    const int64_t styles = o.instance_feat ? o.num_styles : 1;

    std::string rows;
    for (int64_t i = 0; i < n; ++i) {
      const auto s = ds.sample(i);
      const std::string stem = fs::path(s.path).stem().string();
      // Samples are read on the host; the networks run on the default backend (to<cpu> is a no-op).
      auto batch1 = [](const Tensor<float, cpu>& t) { return to<default_backend>(t.unsqueeze(0)); };
      const auto label = batch1(s["label"]);
      const auto inst = o.no_instance ? Tensor<float>() : batch1(s["inst"]);
      std::vector<std::pair<std::string, std::string>> cells;  // caption, file
      auto save = [&](const std::string& name, const io::Image& img, const std::string& caption) {
        const std::string file = "images/" + stem + "_" + name + ".png";
        io::write_png((fs::path(web) / file).string(), img);
        cells.emplace_back(caption, file);
      };
      if (o.label_nc > 0) save("input_label", train::label_images(label, int(o.label_nc))[0], "input_label");
      else save("input_label", train::tensor_images(label)[0], "input_label");
      for (int64_t k = 0; k < styles; ++k) {
        Tensor<float> feat;
        std::string caption = "synthesized_image";
        if (o.instance_feat) {
          if (o.use_encoded_image) {
            no_grad guard;
            feat = model.netE->forward(batch1(s["image"]), inst);
            caption += " (encoded from the target)";
          } else {
            const int64_t style = o.style >= 0 ? o.style + k : -1;
            feat = p2p::sample_feature_map(inst, centers, o.feat_num, style, uint64_t(o.seed + k));
            caption += style >= 0 ? " (cluster " + std::to_string(style) + " per class)"
                                  : " (random clusters, seed " + std::to_string(o.seed + k) + ")";
          }
        }
        const auto fake = model.inference(label, inst, feat, s.path);
        save(styles > 1 ? "synthesized_image_style" + std::to_string(k) : "synthesized_image",
             train::tensor_images(fake)[0], caption);
      }
      if (s.has("image")) save("real_image", train::tensor_images(s["image"])[0], "real_image");
      rows += "<h3>" + stem + "</h3>\n<table><tr>\n";
      for (auto& [cap, file] : cells)
        rows += "<td style=\"text-align:center\"><a href=\"" + file + "\"><img src=\"" + file + "\" width=\"" +
                std::to_string(o.display_winsize) + "\"></a><br>" + cap + "</td>\n";
      rows += "</tr></table>\n";
      std::cout << "processing image " << i + 1 << "/" << n << ": " << s.path << "\n";
    }
    const std::string index = (fs::path(web) / "index.html").string();
    std::ofstream(index) << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Experiment = " << o.name
                         << ", Phase = " << o.phase << ", Epoch = " << o.which_epoch
                         << "</title></head>\n<body>\n<h2>" << o.name << ": " << o.phase << " set, networks "
                         << o.which_epoch << "</h2>\n<p>input labels | synthesized | target</p>\n"
                         << rows << "</body></html>\n";
    std::cout << "results page: " << fs::absolute(index).string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "pix2pixhd_test: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
