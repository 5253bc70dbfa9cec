// examples/pix2pixhd_encode_features.cpp — encode_features.py: runs the trained encoder E over
// every training image, collects one feature per instance (grouped by semantic class), clusters
// each class with k-means (k = min(n, n_clusters), instances of at most 1/64 of the image
// dropped) and writes checkpoints/NAME/features.safetensors and
// features_clustered_<n_clusters, 3 digits>.safetensors for pix2pixhd_test.
// Usage: pix2pixhd_encode_features --name NAME --dataroot DIR [--which_epoch latest] [--n_clusters 10]
#include <cstdio>
#include <filesystem>
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
    p2p::parse(o, argc, argv);
    if (!examples::device_ready("pix2pixhd_encode_features")) return 1;
    const auto given = p2p::given_options(argc, argv);
    const std::string dir = (fs::path(o.checkpoints_dir) / o.name).string();
    o.instance_feat = true;  // as the reference script
    p2p::adopt_architecture(o, (fs::path(dir) / (o.which_epoch + "_net_G.safetensors")).string(), "G", given);
    p2p::adopt_architecture(o, (fs::path(dir) / (o.which_epoch + "_net_E.safetensors")).string(), "E", given);
    GANLIB_CHECK(o.instance_feat, "pix2pixhd_encode_features: the networks in '", dir,
                 "' were trained without --instance_feat: there is no encoder to run");
    if (o.threads > 0) set_num_threads(int(o.threads));
    p2p::Pix2PixHDModel<float> model(o, false);
    p2p::load_network((fs::path(dir) / (o.which_epoch + "_net_E.safetensors")).string(), *model.netE, "E", o);
    o.no_flip = true;
    data::Pix2PixHDDataset<float> ds(p2p::dataset_options(o, o.phase, false, true));
    GANLIB_CHECK(!o.no_instance, "pix2pixhd_encode_features: needs instance maps (drop --no_instance)");
    p2p::ClassFeatures all;
    const int64_t n = std::min<int64_t>(ds.size(), std::min<double>(double(ds.size()), o.max_dataset_size));
    for (int64_t i = 0; i < n; ++i) {
      const auto s = ds.sample(i);
      no_grad guard;
      // Read on the host, encoded on the default backend (to<cpu> is a no-op).
      const auto inst = to<default_backend>(s["inst"].unsqueeze(0));
      const auto feat = model.netE->forward(to<default_backend>(s["image"].unsqueeze(0)), inst);
      p2p::append(all, p2p::instance_samples(feat, inst));
      std::cout << "\r" << i + 1 << " / " << n << " images encoded" << std::flush;
    }
    std::cout << "\n";
    // The raw samples (feat_num values + area statistic per row), per class.
    safetensors::File raw;
    for (auto& [cls, rows] : all) {
      std::vector<double> flat;
      for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
      raw.tensors["class_" + std::to_string(cls)] = safetensors::make_entry(flat, {int64_t(rows.size()), o.feat_num + 1});
    }
    safetensors::save((fs::path(dir) / "features.safetensors").string(), raw);
    const auto centers = p2p::cluster_features(all, o.n_clusters, 0);
    char name[64];
    std::snprintf(name, sizeof name, "features_clustered_%03lld.safetensors", (long long)o.n_clusters);
    const std::string out = (fs::path(dir) / name).string();
    p2p::save_centers(out, centers, o.feat_num);
    for (auto& [cls, c] : centers)
      std::cout << "class " << cls << ": " << all[cls].size() << " instances, " << c.size() << " clusters\n";
    std::cout << "wrote " << out << "\n";
  } catch (const std::exception& e) {
    std::cerr << "\npix2pixhd_encode_features: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
