// tests/zoo/test_pix2pixhd.cpp — pix2pixHD in the zoo: architecture (keys, parameter counts and
// output shapes equal to the reference's), a PyTorch forward on the same weights
// (tests/reference/make_pix2pixhd_refs.py), losses, two-stage training, feature clustering,
// options and bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ganlib/data/synthetic/streets.hpp"
#include "zoo/pix2pixhd/features.hpp"
#include "zoo/pix2pixhd/trainer.hpp"
#include "zoo/pix2pixhd/model.hpp"

using namespace ganlib;
namespace p2p = ganlib::zoo::pix2pixhd;
using TD = Tensor<double, cpu>;
using TF = Tensor<float, cpu>;

namespace {

// Parameter counts of the reference configurations, printed by make_pix2pixhd_refs.py (torch).
constexpr int64_t kGlobal512p = 182546755;      // netG global, ngf 64, 4 downsamplings, 9 blocks, 36 in
constexpr int64_t kGlobal512pFeat = 182556163;  // same with instance features (39 in)
constexpr int64_t kLocal1024p = 182857059;      // netG local, ngf 32, 1 enhancer, 3 local blocks
constexpr int64_t kD2 = 5603202;                // num_D 2, 39 in, ndf 64, 3 layers
constexpr int64_t kD3 = 8404803;                // num_D 3
constexpr int64_t kEncoder = 788803;            // nef 16, 4 downsamplings, 3 features

struct Ref {
  safetensors::File f;
  explicit Ref(const std::string& name) {
    f = safetensors::load(std::string(GANLIB_REF_DIR) + "/pix2pixhd/" + name + ".safetensors");
  }
  TD operator[](const std::string& k) const {
    auto it = f.tensors.find(k);
    REQUIRE_MESSAGE(it != f.tensors.end(), "reference tensor " << k);
    return safetensors::to_tensor<double, cpu>(it->second);
  }
  std::map<std::string, TD> dict() const {
    std::map<std::string, TD> d;
    for (auto& entry : f.tensors) {
      auto& k = entry.first; auto& e = entry.second;
      if (k.rfind("sd.", 0) == 0) d[k.substr(3)] = safetensors::to_tensor<double, cpu>(e);
    }
    return d;
  }
  nlohmann::json meta(const std::string& k) const { return nlohmann::json::parse(f.metadata.at(k)); }
};

template <class T>
double max_abs_diff(const Tensor<T, cpu>& a, const Tensor<T, cpu>& b) {
  REQUIRE(a.shape() == b.shape());
  const auto x = a.to_vector(), y = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(double(x[i]) - double(y[i])));
  return m;
}

template <class M>
std::vector<std::string> keys(const M& m) {
  std::vector<std::string> k;
  for (auto& entry : m.named_state()) { auto& n = entry.first; [[maybe_unused]] auto& t = entry.second; k.push_back(n); }
  return k;
}

template <class M>
void load_ref(M& m, const Ref& r) {
  CHECK(keys(m) == r.meta("keys").get<std::vector<std::string>>());
  CHECK(m.parameter_count() == r.meta("count").get<int64_t>());
  m.load_state_dict(r.dict());
}

p2p::Options small_options() {
  p2p::Options o;
  o.label_nc = 4;
  o.ngf = 8;
  o.n_downsample_global = 2;
  o.n_blocks_global = 1;
  o.ndf = 8;
  o.num_D = 2;
  o.n_layers_D = 2;
  o.no_vgg_loss = true;
  o.nef = 4;
  o.n_downsample_E = 2;
  return o;
}

// A 64x32 batch: labels in 0..3, instances (things ×1000 + k), images in [-1, 1].
struct Batch {
  TF label, inst, image;
};
Batch small_batch(int64_t N = 1, uint64_t seed = 3) {
  Generator g(seed);
  std::vector<float> lab(size_t(N * 32 * 64)), ins(lab.size());
  for (int64_t n = 0; n < N; ++n)
    for (int64_t y = 0; y < 32; ++y)
      for (int64_t x = 0; x < 64; ++x) {
        const int64_t c = (y < 12) ? 0 : (x < 20 ? 1 : (x < 44 ? 2 : 3));
        const size_t i = size_t((n * 32 + y) * 64 + x);
        lab[i] = float(c);
        ins[i] = c >= 2 ? float(c * 1000 + (x < 30 ? 0 : 1)) : float(c);
      }
  Batch b;
  b.label = from_vector<float, cpu>(lab, {N, 1, 32, 64});
  b.inst = from_vector<float, cpu>(ins, {N, 1, 32, 64});
  b.image = tanh(randn<float, cpu>({N, 3, 32, 64}, g));
  return b;
}

std::string tmp_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("ganlib_p2p_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

}  // namespace

TEST_CASE("pix2pixhd: reference parameter counts and keys of the default and 1024p configurations") {
  // Built without running them (about 0.7 GB of weights each, freed at the end of each block).
  {
    p2p::GlobalGenerator<float, cpu> g({36, 3, 64, 4, 9, "instance"});
    CHECK(g.parameter_count() == kGlobal512p);
    const auto k = keys(g);
    CHECK(k.front() == "model.1.weight");
    CHECK(k.back() == "model.38.bias");  // 4 + 3·4 + 9 + 3·4 layers, then pad 37, conv 38, tanh 39
    CHECK(std::count(k.begin(), k.end(), "model.16.conv_block.5.weight") == 1);
  }
  // With instance features G sees 3 more channels: only the first 7x7 conv grows (3·64·49).
  CHECK(kGlobal512pFeat - kGlobal512p == 3 * 64 * 49);
  {
    p2p::LocalEnhancer<float, cpu> g({36, 3, 32, 4, 9, 1, 3, "instance"});
    CHECK(g.parameter_count() == kLocal1024p);
    const auto k = keys(g);
    CHECK(k.back() == "model1_2.7.bias");
    CHECK(g.state_dict().count("model1_1.4.weight") == 1);
    int64_t outer = 0;
    for (auto& p : g.outer_parameters()) outer += p.numel();
    CHECK(outer < g.parameter_count() / 50);  // the enhancer is small next to G1
  }
  p2p::MultiscaleDiscriminator<float, cpu> d2({39, 64, 3, 2, "instance", true});
  CHECK(d2.parameter_count() == kD2);
  CHECK(keys(d2).front() == "scale0_layer0.0.weight");
  CHECK(keys(d2).back() == "scale1_layer4.0.bias");
  p2p::MultiscaleDiscriminator<float, cpu> d3({39, 64, 3, 3, "instance", true});
  CHECK(d3.parameter_count() == kD3);
  p2p::MultiscaleDiscriminator<float, cpu> d2flat({39, 64, 3, 2, "instance", false});
  CHECK(d2flat.parameter_count() == kD2);
  CHECK(keys(d2flat).front() == "layer0.0.weight");
  p2p::Encoder<float, cpu> e({3, 3, 16, 4, "instance"});
  CHECK(e.parameter_count() == kEncoder);
}

TEST_CASE("pix2pixhd: discriminator output shapes as the reference (1024x512 input)") {
  // Shapes only: a thin D (ndf 1) has the reference's geometry at a fraction of the cost.
  p2p::MultiscaleDiscriminator<float, cpu> d({4, 1, 3, 3, "instance", true});
  no_grad guard;
  const auto out = d.forward_all(zeros<float, cpu>({1, 4, 512, 1024}));
  REQUIRE(out.size() == 3);
  CHECK(out[0].size() == 5);
  CHECK(out[0].back().shape() == Shape{1, 1, 67, 131});
  CHECK(out[1].back().shape() == Shape{1, 1, 35, 67});
  CHECK(out[2].back().shape() == Shape{1, 1, 19, 35});
}

TEST_CASE("pix2pixhd: generator output shapes") {
  no_grad guard;
  p2p::GlobalGenerator<float, cpu> g({5, 3, 4, 4, 1, "instance"});
  CHECK(g(zeros<float, cpu>({1, 5, 32, 64})).shape() == Shape{1, 3, 32, 64});
  p2p::LocalEnhancer<float, cpu> l({5, 3, 2, 2, 1, 2, 1, "instance"});
  CHECK(l(zeros<float, cpu>({1, 5, 32, 64})).shape() == Shape{1, 3, 32, 64});
  CHECK_THROWS_WITH_AS(g(zeros<float, cpu>({1, 5, 30, 64})), doctest::Contains("not a multiple of 16"), Error);
}

TEST_CASE("pix2pixhd: forwards match PyTorch on the same weights") {
  for (const std::string norm : {"instance", "batch"}) {
    INFO("global ", norm);
    Ref r("global_" + norm);
    p2p::GlobalGenerator<double, cpu> g({5, 3, 8, 2, 2, norm});
    load_ref(g, r);
    CHECK(max_abs_diff(g(r["x"]), r["out"]) < 1e-9);
  }
  {
    Ref r("local");
    p2p::LocalEnhancer<double, cpu> g({5, 3, 4, 2, 2, 1, 1, "instance"});
    load_ref(g, r);
    CHECK(max_abs_diff(g(r["x"]), r["out"]) < 1e-9);
  }
  {
    Ref r("encoder");
    p2p::Encoder<double, cpu> e({3, 3, 4, 2, "instance"});
    load_ref(e, r);
    CHECK(max_abs_diff(e.forward(r["image"], r["inst"]), r["out"]) < 1e-9);
  }
  {
    Ref r("multiscale_d");
    p2p::MultiscaleDiscriminator<double, cpu> d({8, 8, 3, 2, "instance", true});
    load_ref(d, r);
    const auto pf = d.forward_all(r["x_fake"]), pr = d.forward_all(r["x_real"]);
    for (size_t i = 0; i < pf.size(); ++i)
      for (size_t j = 0; j < pf[i].size(); ++j) {
        INFO("scale ", i, " stage ", j);
        CHECK(max_abs_diff(pf[i][j], r["fake." + std::to_string(i) + "." + std::to_string(j)]) < 1e-9);
        CHECK(max_abs_diff(pr[i][j], r["real." + std::to_string(i) + "." + std::to_string(j)]) < 1e-9);
      }
    // Losses: LSGAN summed over scales, feature matching with the reference weights.
    CHECK(p2p::gan_loss(pf, true).item() == doctest::Approx(r["loss.G_GAN"].item()).epsilon(1e-12));
    CHECK(p2p::gan_loss(pr, true).item() == doctest::Approx(r["loss.D_real"].item()).epsilon(1e-12));
    CHECK(p2p::gan_loss(pf, false).item() == doctest::Approx(r["loss.D_fake"].item()).epsilon(1e-12));
    CHECK(p2p::gan_loss(pf, true, false).item() == doctest::Approx(r["loss.G_GAN_bce"].item()).epsilon(1e-12));
    CHECK(p2p::feature_matching_loss(pf, pr, 3, 10.0).item() ==
          doctest::Approx(r["loss.G_GAN_Feat"].item()).epsilon(1e-12));
  }
}

TEST_CASE("pix2pixhd: loss values and feature-matching weights") {
  // LSGAN: mean (x − 1)² per scale, summed. Two scales with constant maps 0.5 and −1.
  p2p::DOutputs<double, cpu> p{{full<double, cpu>({1, 1, 2, 2}, 0.5)}, {full<double, cpu>({1, 1, 3, 3}, -1.0)}};
  CHECK(p2p::gan_loss(p, true).item() == doctest::Approx(0.25 + 4.0));
  CHECK(p2p::gan_loss(p, false).item() == doctest::Approx(0.25 + 1.0));
  // Feature matching: layers differ by 1 everywhere except the last (ignored): per layer
  // 4/(n_layers+1) · 1/num_D · lambda = 4/4 · 1/2 · 10 = 5; 2 scales × 2 layers → 20.
  auto stage = [](double v) { return full<double, cpu>({1, 2, 3, 3}, v); };
  p2p::DOutputs<double, cpu> f{{stage(1), stage(1), stage(7)}, {stage(1), stage(1), stage(9)}};
  p2p::DOutputs<double, cpu> r{{stage(0), stage(2), stage(0)}, {stage(2), stage(0), stage(0)}};
  CHECK(p2p::feature_matching_loss(f, r, 3, 10.0).item() == doctest::Approx(20.0));
  CHECK(p2p::feature_matching_loss(f, r, 4, 10.0).item() == doctest::Approx(16.0));
}

TEST_CASE("pix2pixhd: a training step lowers nothing it should not touch; two-stage training freezes G1") {
  manual_seed(1);
  p2p::Options o = small_options();
  o.netG = "local";
  o.ngf = 4;
  o.n_local_enhancers = 1;
  o.n_blocks_local = 1;
  o.niter_fix_global = 2;
  std::ostringstream log;
  p2p::Pix2PixHDModel<float, cpu> m(o, true, log);
  CHECK(log.str().find("Only training the local enhancer") != std::string::npos);
  CHECK(log.str().find("VGG") == std::string::npos);  // --no_vgg_loss: nothing to say
  REQUIRE(m.global_fixed());
  std::map<std::string, std::vector<float>> before;
  for (auto& entry : m.netG->named_parameters()) { auto& n = entry.first; auto& t = entry.second; before[n] = t.to_vector(); }
  const auto d_before = m.netD->parameters().front().to_vector();
  const Batch b = small_batch(1);
  const auto L = m.train_step(b.label, b.inst, b.image);
  CHECK(std::isfinite(L.G_GAN.item()));
  CHECK(std::isfinite(L.G_GAN_Feat.item()));
  CHECK_FALSE(L.G_VGG.defined());
  int changed_outer = 0;
  for (auto& entry : m.netG->named_parameters()) {
    auto& n = entry.first; auto& t = entry.second;
    const bool outer = n.rfind("model1", 0) == 0;
    const bool same = t.to_vector() == before[n];
    INFO(n);
    if (!outer) CHECK(same);  // G1 ("model.*") unchanged during niter_fix_global
    changed_outer += !same && outer;
  }
  CHECK(changed_outer > 0);
  CHECK(m.netD->parameters().front().to_vector() != d_before);  // D stepped too
  // After epoch niter_fix_global everything trains, with a fresh G optimizer.
  m.end_of_epoch(1, o.lr);
  CHECK(m.global_fixed());
  m.end_of_epoch(2, o.lr);
  CHECK_FALSE(m.global_fixed());
  CHECK(log.str().find("Now also finetuning global generator") != std::string::npos);
  const auto g1 = m.local_->model->parameters().front().to_vector();
  m.train_step(b.label, b.inst, b.image);
  CHECK(m.local_->model->parameters().front().to_vector() != g1);
}

TEST_CASE("pix2pixhd: a 512p-style global G loads into the local model (load_pretrain)") {
  p2p::Options og = small_options();
  og.ngf = 8;
  p2p::Options ol = og;
  ol.netG = "local";
  ol.ngf = 4;  // ngf_global = 8, as the reference's 512p → 1024p scripts (64 → 32)
  const std::string dir = tmp_dir("pretrain");
  manual_seed(2);
  p2p::Pix2PixHDModel<float, cpu> g(og, true);
  g.save_networks(dir, "latest");
  p2p::Pix2PixHDModel<float, cpu> l(ol, true);
  std::ostringstream log;
  p2p::load_network(dir + "/latest_net_G.safetensors", *l.netG, "G", ol, true, &log);
  CHECK(log.str().find("partial load") != std::string::npos);
  const auto gs = g.netG->state_dict();
  for (auto& entry : l.local_->model->named_state()) {
    auto& k = entry.first; auto& t = entry.second;
    INFO(k);
    CHECK(t.to_vector() == gs.at("model." + k).to_vector());
  }
}

TEST_CASE("pix2pixhd: encoder features, k-means recovers separated centres, styles per instance") {
  // k-means on three well-separated blobs.
  std::vector<std::vector<double>> x;
  const double c[3][2] = {{0, 0}, {5, 5}, {-4, 6}};
  Generator g(5);
  const auto noise = randn<double, cpu>({90, 2}, g, 0, 0.1).to_vector();
  for (int i = 0; i < 90; ++i) x.push_back({c[i % 3][0] + noise[size_t(2 * i)], c[i % 3][1] + noise[size_t(2 * i + 1)]});
  auto centers = p2p::kmeans(x, 3, 0);
  REQUIRE(centers.size() == 3);
  for (auto& ref : c) {
    double best = 1e9;
    for (auto& m : centers) best = std::min(best, std::hypot(m[0] - ref[0], m[1] - ref[1]));
    CHECK(best < 0.1);
  }
  // Per-class samples: 3 instances (a stuff region 1, things 2000 and 2001), area statistic and
  // the small-instance filter (area ≤ 0.5 · H·W/32 pixels is dropped).
  const Batch b = small_batch(1);
  TF feat = concat(std::vector<TF>{b.inst / 1000.0f, b.label, zeros<float, cpu>({1, 1, 32, 64})}, 1);
  feat = instance_avg_pool(feat, b.inst);
  const auto s = p2p::instance_samples(feat, b.inst);
  REQUIRE(s.count(2) == 1);
  CHECK(s.at(2).size() == 2);                                   // two instances of class 2
  CHECK(s.at(2)[0][0] == doctest::Approx(2.0));                 // id 2000 / 1000
  CHECK(s.at(2)[0][3] == doctest::Approx(10.0 * 20 / 64.0));    // 10 columns x 20 rows / (2048/32)
  auto clusters = p2p::cluster_features(s, 10);
  CHECK(clusters.at(2).size() == 2);                            // k = min(n, 10)
  // Saved and loaded, then painted: each instance gets one of its class' centres.
  const std::string dir = tmp_dir("clusters");
  p2p::save_centers(dir + "/c.safetensors", clusters, 3);
  const auto back = p2p::load_centers(dir + "/c.safetensors", 3);
  CHECK(back.at(2).size() == 2);
  const TF map0 = p2p::sample_feature_map(b.inst, back, 3, 0, 0);
  const TF map1 = p2p::sample_feature_map(b.inst, back, 3, 1, 0);
  const auto v0 = map0.to_vector(), v1 = map1.to_vector(), ins = b.inst.to_vector();
  bool differs = false;
  for (size_t i = 0; i < ins.size(); ++i) {
    if (ins[i] >= 2000 && ins[i] < 3000) {
      const double want0 = back.at(2)[0][0], want1 = back.at(2)[1][0];
      CHECK(v0[i] == doctest::Approx(want0));
      CHECK(v1[i] == doctest::Approx(want1));
      differs |= v0[i] != v1[i];
    }
  }
  CHECK(differs);
  CHECK_THROWS_WITH_AS(p2p::load_centers(dir + "/c.safetensors", 4), doctest::Contains("feat_num"), Error);
}

TEST_CASE("pix2pixhd: VGG19 weights load from a torchvision-named safetensors file") {
  const std::string dir = tmp_dir("vgg");
  p2p::VGG19Features<float, cpu> src(16);  // a thin VGG19 (same layout) keeps the file small
  safetensors::File f;
  Generator g(9);
  for (auto& entry : src.named_state()) { auto& k = entry.first; auto& t = entry.second; f.tensors[k] = safetensors::entry_from(randn<float, cpu>(t.shape(), g, 0, 0.2)); }
  f.tensors["classifier.0.weight"] = safetensors::entry_from(zeros<float, cpu>({2, 2}));  // ignored
  safetensors::save(dir + "/vgg.safetensors", f);
  auto vgg = std::make_shared<p2p::VGG19Features<float, cpu>>(16);
  vgg->load(dir + "/vgg.safetensors");
  const auto sd = vgg->state_dict();
  CHECK(sd.count("features.28.weight") == 1);
  CHECK(sd.count("features.30.weight") == 0);
  CHECK(sd.at("features.28.weight").to_vector() == safetensors::to_tensor<float, cpu>(f.tensors.at("features.28.weight")).to_vector());
  p2p::VGGLoss<float, cpu> loss(vgg);
  const TF x = tanh(randn<float, cpu>({1, 3, 32, 32}, g));
  CHECK(loss(x, x).item() == doctest::Approx(0.0));
  CHECK(loss(x, zeros_like(x)).item() > 0);
  // A file with other shapes, or missing keys, names the file and the key.
  f.tensors.erase("features.28.weight");
  safetensors::save(dir + "/bad.safetensors", f);
  CHECK_THROWS_WITH_AS(vgg->load(dir + "/bad.safetensors"), doctest::Contains("features.28.weight"), Error);
  p2p::VGG19Features<float, cpu> wide(8);
  CHECK_THROWS_WITH_AS(wide.load(dir + "/vgg.safetensors"), doctest::Contains("has shape"), Error);
  // Without weights the model trains with the VGG loss off and says so once.
  p2p::Options o = small_options();
  o.no_vgg_loss = false;
  std::ostringstream log;
  p2p::Pix2PixHDModel<float, cpu> m(o, true, log);
  CHECK_FALSE(m.vgg_enabled());
  CHECK(log.str().find("VGG perceptual loss off") != std::string::npos);
  o.vgg_weights = dir + "/missing.safetensors";
  CHECK_THROWS_WITH_AS(p2p::Pix2PixHDModel<float>(o, true, log), doctest::Contains("missing.safetensors"), Error);
}

TEST_CASE("pix2pixhd: options") {
  p2p::Options o;
  CHECK(o.ngf == 64);
  CHECK(o.n_downsample_global == 4);
  CHECK(o.lr == 0.0002);
  CHECK(o.lambda_feat == 10.0);
  CHECK(o.num_D == 2);
  CHECK(o.g_input_nc() == 36);
  CHECK(o.d_input_nc() == 39);
  p2p::parse(o, {"--ngf", "32", "--no_instance", "--netG", "local", "--lr=0.001", "--instance_feat", "true"});
  CHECK(o.ngf == 32);
  CHECK(o.no_instance);
  CHECK(o.netG == "local");
  CHECK(o.lr == 0.001);
  CHECK(o.g_input_nc() == 35 + 3);
  CHECK(o.size_base() == 32);
  CHECK(p2p::to_text(o).find("ngf: 32\n") != std::string::npos);
  CHECK_THROWS_WITH_AS(p2p::parse(o, {"--ngff", "3"}), doctest::Contains("unknown option --ngff"), Error);
  CHECK_THROWS_WITH_AS(p2p::parse(o, {"--ngf", "x"}), doctest::Contains("--ngf takes an integer"), Error);
  CHECK_THROWS_WITH_AS(p2p::parse(o, {"--norm", "group"}), doctest::Contains("--norm"), Error);
  CHECK_THROWS_WITH_AS(p2p::parse(o, {"--ngf"}), doctest::Contains("--ngf needs a value"), Error);
}

TEST_CASE("pix2pixhd: bad input gives errors naming the value or file") {
  p2p::Options o = small_options();
  p2p::Pix2PixHDModel<float, cpu> m(o, true);
  Batch b = small_batch(1);
  // A label id ≥ label_nc.
  auto lab = b.label.to_vector();
  lab[77] = 7;
  const TF bad = from_vector<float, cpu>(lab, b.label.shape());
  CHECK_THROWS_WITH_AS(m.encode_input(bad, b.inst, "x.png"), doctest::Contains("has id 7 at (n 0, y 1, x 13), but --label_nc is 4"), Error);
  CHECK_THROWS_WITH_AS(m.encode_input(bad, b.inst, "x.png"), doctest::Contains("x.png"), Error);
  // An instance map of another size.
  CHECK_THROWS_WITH_AS(m.encode_input(b.label, zeros<float, cpu>({1, 1, 16, 64})),
                       doctest::Contains("instance map [1, 1, 16, 64] does not match the label map"), Error);
  // Encoded input: 4 one-hot channels + the boundary map.
  const TF in = m.encode_input(b.label, b.inst);
  CHECK(in.shape() == Shape{1, 5, 32, 64});
  // Missing checkpoint; checkpoint of another configuration.
  const std::string dir = tmp_dir("bad");
  CHECK_THROWS_WITH_AS(m.load_networks(dir, "latest"), doctest::Contains("latest_net_G.safetensors' does not exist"), Error);
  m.save_networks(dir, "latest");
  p2p::Options o2 = o;
  o2.ngf = 16;
  p2p::Pix2PixHDModel<float, cpu> m2(o2, true);
  CHECK_THROWS_WITH_AS(m2.load_networks(dir, "latest"), doctest::Contains("was made with --ngf 8, but this run has --ngf 16"), Error);
  // Options adopted from the file make a matching model; an explicit flag that conflicts stays an error.
  p2p::Options o3;
  o3.no_vgg_loss = true;
  p2p::adopt_architecture(o3, dir + "/latest_net_G.safetensors", "G", {});
  CHECK(o3.ngf == 8);
  CHECK(o3.label_nc == 4);
  p2p::Pix2PixHDModel<float, cpu> m3(o3, false);
  m3.load_networks(dir, "latest");
  const TF y = m3.inference(b.label, b.inst);
  CHECK(y.shape() == Shape{1, 3, 32, 64});
}

TEST_CASE("pix2pixhd: trainer checkpoints, resumes exactly, and refuses another configuration") {
  const std::string root = tmp_dir("data");
  synth::write_streets_dataset(root, "train", 3, 64, 32, 7);
  p2p::Options o = small_options();
  o.label_nc = 35;
  o.dataroot = root;
  o.checkpoints_dir = tmp_dir("ckpt");
  o.resize_or_crop = "none";
  o.niter = 1;
  o.niter_decay = 1;
  o.print_freq = 1;
  o.display_freq = 2;
  o.save_latest_freq = 100;
  o.nThreads = 1;
  std::ostringstream log;
  auto run = [&](const std::string& name, int64_t max_iters, bool resume) {
    p2p::Options r = o;
    r.name = name;
    r.max_iters = max_iters;
    r.continue_train = resume;
    p2p::Trainer<float> t(r, log);
    return t.run();
  };
  CHECK(run("full", 5, false) == 5);
  CHECK(run("split", 2, false) == 2);
  CHECK(run("split", 5, true) == 3);  // resumes at iteration 2 of epoch 1
  const auto a = safetensors::load(o.checkpoints_dir + "/full/latest_net_G.safetensors");
  const auto b = safetensors::load(o.checkpoints_dir + "/split/latest_net_G.safetensors");
  for (auto& entry : a.tensors) {
    auto& k = entry.first; auto& e = entry.second;
    INFO(k);
    CHECK(e.bytes == b.tensors.at(k).bytes);  // bitwise equal to the uninterrupted run
  }
  CHECK(std::filesystem::exists(o.checkpoints_dir + "/full/web/index.html"));
  CHECK(std::filesystem::exists(o.checkpoints_dir + "/full/loss_log.txt"));
  CHECK(std::filesystem::exists(o.checkpoints_dir + "/full/opt.txt"));
  // Resuming with another architecture names the checkpoint and the option.
  o.ngf = 16;
  CHECK_THROWS_WITH_AS(run("full", 6, true), doctest::Contains("was made with --ngf 8, but this run has --ngf 16"), Error);
  o.ngf = 8;
  CHECK_THROWS_WITH_AS(run("nothing_here", 6, true), doctest::Contains("holds no train_state"), Error);
}

TEST_CASE("pix2pixhd: --fp16 trains with fp16 autocast and dynamic loss scaling") {
  p2p::Options o = small_options();
  p2p::parse(o, {"--fp16"});
  REQUIRE(o.fp16);
  manual_seed(1);
  p2p::Pix2PixHDModel<float, cpu> m(o, true);
  REQUIRE(m.scaler.enabled());
  o.fp16 = false;
  manual_seed(1);
  p2p::Pix2PixHDModel<float, cpu> m32(o, true);
  const Batch b = small_batch(1);
  const auto g0 = m.netG->parameters().front().to_vector();
  const auto L16 = m.train_step(b.label, b.inst, b.image);
  const auto L32 = m32.train_step(b.label, b.inst, b.image);
  // Same weights, same data: fp16 rounding moves the losses a little, not a lot.
  CHECK(L16.G_GAN.item() != L32.G_GAN.item());
  CHECK(L16.G_GAN.item() == doctest::Approx(L32.G_GAN.item()).epsilon(0.05));
  // The first iterations overflow fp16 at the starting scale 2^16 and are skipped, halving the
  // scale each time (as PyTorch's GradScaler), until the gradients fit.
  int iterations = 1;
  while (m.scaler.skipped_steps() == iterations && iterations < 30) {
    m.train_step(b.label, b.inst, b.image);
    ++iterations;
  }
  MESSAGE("first good step after " << m.scaler.skipped_steps() << " skipped, scale " << m.scaler.scale());
  CHECK(m.scaler.skipped_steps() < iterations);
  CHECK(m.scaler.scale() == 65536.0 / double(int64_t(1) << m.scaler.skipped_steps()));
  const auto g1 = m.netG->parameters().front().to_vector();
  CHECK(g1 != g0);
  for (float v : g1) REQUIRE(std::isfinite(v));
}
