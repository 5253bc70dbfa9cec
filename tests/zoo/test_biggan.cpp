// tests/zoo/test_biggan.cpp — BigGAN: parity with an independent PyTorch rendering
// (tests/reference/make_biggan_refs.py), parameter counts of the ch 96 128×128 model,
// spectral norm, hinge / ortho-reg gradients, EMA, truncation, accumulation, bad input.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <ganlib/io/safetensors.hpp>

#include "../../zoo/biggan/classifier.hpp"
#include "../../zoo/biggan/discriminator.hpp"
#include "../../zoo/biggan/generator.hpp"
#include "../../zoo/biggan/inception.hpp"
#include "../../zoo/biggan/losses.hpp"
#include "../../zoo/biggan/sample.hpp"
#include "../../zoo/biggan/train.hpp"

using namespace ganlib;
using namespace ganlib::zoo::biggan;
using TD = Tensor<double, cpu>;

namespace {

struct BRef {
  safetensors::File f;
  explicit BRef(const std::string& name) : f(safetensors::load(std::string(GANLIB_REF_DIR) + "/biggan/" + name)) {}
  TD operator[](const std::string& k) const {
    auto it = f.tensors.find(k);
    REQUIRE_MESSAGE(it != f.tensors.end(), "reference key missing: " << k);
    return from_vector<double, cpu>(it->second.to_double(), it->second.shape);
  }
  std::map<std::string, TD> dict(const std::string& prefix) const {
    std::map<std::string, TD> d;
    for (auto& entry : f.tensors) {
      auto& k = entry.first; [[maybe_unused]] auto& e = entry.second;
      if (k.rfind(prefix, 0) == 0) d[k.substr(prefix.size())] = (*this)[k];
    }
    return d;
  }
};

double max_diff(const TD& a, const TD& b) {
  REQUIRE_MESSAGE(a.shape() == b.shape(), to_string(a.shape()) << " vs " << to_string(b.shape()));
  const auto va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, std::abs(va[i] - vb[i]));
  return m;
}

Options small_options() {
  Options o;
  o.dataset = "folder";
  o.resolution = 32;
  o.n_classes = 10;
  o.G_ch = o.D_ch = 8;
  o.dim_z = 20;
  o.shared_dim = 16;
  o.G_attn = o.D_attn = "16";
  o.SN_eps = 1e-6;
  o.G_shared = o.hier = true;
  o.skip_init = true;
  finalize(o);
  return o;
}

}  // namespace

TEST_CASE("biggan: ch 96 128x128 parameter counts and shapes equal the reference's") {
  std::ifstream in(std::string(GANLIB_REF_DIR) + "/biggan/param_counts.json");
  REQUIRE(in);
  const auto j = nlohmann::json::parse(in);
  for (const char* name : {"ch96_128", "ch64_128"}) {
    const auto& c = j.at(name);
    Options o;
    o.G_ch = o.D_ch = c.at("ch").get<int64_t>();
    o.G_shared = o.hier = true;
    o.dim_z = c.at("dim_z").get<int64_t>();
    o.shared_dim = c.at("shared_dim").get<int64_t>();
    o.skip_init = true;  // counting only: skip the (slow) orthogonal init
    finalize(o);
    BigGANGenerator<float, cpu> G(o);
    BigGANDiscriminator<float, cpu> D(o);
    CHECK(G.parameter_count() == c.at("G_params").get<int64_t>());
    CHECK(D.parameter_count() == c.at("D_params").get<int64_t>());
    CHECK(G.named_state().size() == c.at("G_state_keys").get<size_t>());
    CHECK(D.named_state().size() == c.at("D_state_keys").get<size_t>());
    if (std::string(name) == "ch96_128") {
      // Shapes without running the 128×128 convolutions: the last block's width and the linear's.
      CHECK(G.arch.out_channels.back() == 96);
      CHECK(G.out_conv->weight.shape() == Shape{3, 96, 3, 3});
      CHECK(G.linear->weight.shape() == Shape{16 * 96 * 16, 20});
      CHECK(G.dim_z == 120);
      CHECK(D.linear->weight.shape() == Shape{1, 16 * 96});
      CHECK(c.at("G_out") == nlohmann::json({2, 3, 128, 128}));
    }
  }
}

TEST_CASE("biggan: G and D forward, buffers and gradients match PyTorch (res 32, ch 8, shared + hier + attention)") {
  BRef ref("small.safetensors");
  const Options o = small_options();
  BigGANGenerator<double, cpu> G(o);
  BigGANDiscriminator<double, cpu> D(o);
  G.load_state_dict(ref.dict("G0."));
  D.load_state_dict(ref.dict("D0."));
  const TD z = ref["z"], y = ref["y"];
  G.train();
  D.train();
  const TD x = G.forward(z, G.condition(y));
  const TD d = D.forward(x, y);
  CHECK(max_diff(x, ref["G_train_out"]) < 1e-9);
  CHECK(max_diff(d, ref["D_train_out"]) < 1e-8);
  mean(d).backward();
  auto gp = G.named_parameters(), dp = D.named_parameters();
  auto find = [](auto& named, const std::string& k) {
    for (auto& entry : named) {
      auto& n = entry.first; auto& t = entry.second;
      if (n == k) return t;
    }
    FAIL("no parameter " << k);
    return TD();
  };
  int grads = 0;
  for (auto& entry : ref.f.tensors) {
    auto& k = entry.first; auto& e = entry.second;
    (void)e;
    if (k.rfind("gradG.", 0) == 0) {
      CHECK_MESSAGE(max_diff(find(gp, k.substr(6)).grad(), ref[k]) < 1e-8, k);
      ++grads;
    } else if (k.rfind("gradD.", 0) == 0) {
      CHECK_MESSAGE(max_diff(find(dp, k.substr(6)).grad(), ref[k]) < 1e-8, k);
      ++grads;
    }
  }
  CHECK(grads >= 14);
  // Buffers after one train pass: SN u0 / sv0 and the BN running statistics.
  const auto gs = G.state_dict(), ds = D.state_dict();
  int buffers = 0;
  for (auto& entry : ref.dict("G1.")) {
    auto& k = entry.first; auto& t = entry.second;
    CHECK_MESSAGE(max_diff(gs.at(k), t) < 1e-9, k);
    ++buffers;
  }
  for (auto& entry : ref.dict("D1.")) {
    auto& k = entry.first; auto& t = entry.second;
    CHECK_MESSAGE(max_diff(ds.at(k), t) < 1e-9, k);
    ++buffers;
  }
  CHECK(buffers > 50);
  // Eval mode: running statistics, u0 not written back.
  const TD u_before = copy_values(G.state_dict().at("linear.u0"));
  G.eval();
  D.eval();
  no_grad ng;
  CHECK(max_diff(G.forward(z, G.condition(y)), ref["G_eval_out"]) < 1e-9);
  CHECK(max_diff(D.forward(ref["x_real"], y), ref["D_eval_out"]) < 1e-8);
  CHECK(max_diff(G.state_dict().at("linear.u0"), u_before) == 0);
}

TEST_CASE("biggan: BigGAN-style SN: u0 / sv0 after 1 and 50 train passes, sigma vs torch's spectral_norm") {
  BRef ref("sn.safetensors");
  nn::Linear<double, cpu> lin(nn::LinearOptions{5, 7, true, sn_options("SN", 1, 1e-8)});
  std::map<std::string, TD> sd{{"weight", ref["weight"]}, {"bias", ref["bias"]}, {"u0", ref["u0_init"]},
                               {"sv0", ones<double, cpu>({1})}};
  lin.load_state_dict(sd);
  lin.train();
  const TD x = ref["x"];
  CHECK(max_diff(lin.forward(x), ref["y1"]) < 1e-12);
  CHECK(max_diff(lin.sn.u, ref["u0_1"]) < 1e-12);
  CHECK(max_diff(lin.sn.sv, ref["sv0_1"]) < 1e-12);
  for (int i = 0; i < 49; ++i) lin.forward(x);
  CHECK(max_diff(lin.sn.u, ref["u0_50"]) < 1e-10);
  CHECK(max_diff(lin.sn.sv, ref["sv0_50"]) < 1e-10);
  // After 50 iterations sigma is the top singular value, as torch.nn.utils.spectral_norm finds.
  CHECK(std::abs(lin.sn.sv.item() - ref["sigma_max"].item()) < 1e-8);
  CHECK(std::abs(lin.sn.sv.item() - ref["torch_sigma"].item()) < 1e-8);
}

TEST_CASE("biggan: hinge loss gradients (finite differences)") {
  Generator g(3);
  TD df = randn<double, cpu>({6, 1}, g, 0, 1.5).requires_grad_();
  TD dr = randn<double, cpu>({6, 1}, g, 0, 1.5).requires_grad_();
  auto loss_d = [&] { auto [r, f] = hinge_dis(df, dr); return add(r, f); };
  loss_d().backward();
  const auto gdf = df.grad().to_vector(), gdr = dr.grad().to_vector();
  auto fd = [&](TD& t, size_t i, auto&& fn) {
    no_grad ng;
    const double h = 1e-6, v0 = t.data()[i];
    t.data()[i] = v0 + h;
    const double up = fn().item();
    t.data()[i] = v0 - h;
    const double dn = fn().item();
    t.data()[i] = v0;
    return (up - dn) / (2 * h);
  };
  for (size_t i = 0; i < 6; ++i) {
    CHECK(gdf[i] == doctest::Approx(fd(df, i, loss_d)).epsilon(1e-6));
    CHECK(gdr[i] == doctest::Approx(fd(dr, i, loss_d)).epsilon(1e-6));
  }
  TD gf = randn<double, cpu>({5, 1}, g).requires_grad_();
  hinge_gen(gf).backward();
  for (size_t i = 0; i < 5; ++i) CHECK(gf.grad().to_vector()[i] == doctest::Approx(-0.2));
}

TEST_CASE("biggan: ortho reg gradient equals the derivative of beta/2 ||W W^T * (1 - I)||^2 (finite differences)") {
  Generator g(4);
  TD w = randn<double, cpu>({4, 2, 3}, g).requires_grad_();  // reshaped to [4, 6] by ortho_
  const double beta = 0.3;
  optim::ortho_(std::vector<TD>{w}, beta);
  const auto analytic = w.grad().to_vector();
  auto penalty = [&] {
    const auto v = w.to_vector();
    double s = 0;
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        if (i == j) continue;
        double d = 0;
        for (int k = 0; k < 6; ++k) d += v[size_t(i * 6 + k)] * v[size_t(j * 6 + k)];
        s += d * d;
      }
    return beta / 2 * s;
  };
  for (size_t i = 0; i < 24; ++i) {
    const double h = 1e-6, v0 = w.data()[i];
    w.data()[i] = v0 + h;
    const double up = penalty();
    w.data()[i] = v0 - h;
    const double dn = penalty();
    w.data()[i] = v0;
    CHECK(analytic[i] == doctest::Approx((up - dn) / (2 * h)).epsilon(1e-6));
  }
}

TEST_CASE("biggan: EMA of G's weights and buffers, hard copy before ema_start") {
  Options o = small_options();
  o.ema = true;
  o.ema_decay = 0.9;
  o.ema_start = 3;
  Trainer<double, cpu> tr(o);
  auto key = [](auto& m, const std::string& k) { return m.state_dict().at(k).to_vector()[0]; };
  // Itr 1, 2 < ema_start: copies. Then 0.9·ema + 0.1·G for parameters and buffers alike.
  for (const char* k : {"linear.weight", "blocks.0.0.bn1.stored_mean", "linear.u0"}) {
    no_grad ng;
    TD t = tr.G->state_dict().at(k);
    fill_(t, 1.0);
    tr.ema->update(2);
    CHECK(key(*tr.G_ema, k) == 1.0);
    fill_(t, 2.0);
    tr.ema->update(3);
    CHECK(key(*tr.G_ema, k) == doctest::Approx(0.9 * 1.0 + 0.1 * 2.0));
  }
}

TEST_CASE("biggan: truncation: resampled |z| never exceeds the threshold; reduced std has variance std^2") {
  Generator g(5);
  for (double thr : {0.5, 1.0, 2.0}) {
    const auto z = sample_z_resample<double, cpu>(200, 64, thr, g).to_vector();
    double mx = 0, var = 0;
    for (double v : z) { mx = std::max(mx, std::abs(v)); var += v * v; }
    CHECK(mx <= thr);
    var /= double(z.size());
    // Variance of N(0,1) truncated to [-a, a]: 1 - 2a·φ(a) / (2Φ(a) - 1).
    const double phi = std::exp(-thr * thr / 2) / std::sqrt(2 * M_PI), mass = std::erf(thr / std::sqrt(2.0));
    CHECK(var == doctest::Approx(1 - 2 * thr * phi / mass).epsilon(0.03));
  }
  const auto zs = sample_z_std<double, cpu>(400, 64, 0.5, g).to_vector();
  double var = 0;
  for (double v : zs) var += v * v;
  CHECK(var / double(zs.size()) == doctest::Approx(0.25).epsilon(0.03));
}

TEST_CASE("biggan: gradient accumulation over 2 micro-batches equals one large batch (eval mode)") {
  // Choice: G and D in eval mode. Train-mode BN normalises each micro-batch with its own
  // statistics and train-mode SN refines u on every forward, so in train mode accumulation
  // equals the reference's per-micro-batch behaviour, not a large batch; in eval mode both are
  // fixed and the sums must agree exactly (up to rounding).
  Options o = small_options();
  o.G_attn = o.D_attn = "0";
  Trainer<double, cpu> tr(o);
  tr.G->eval();
  tr.D->eval();
  Generator g(6);
  const TD x = rand<double, cpu>({8, 3, 32, 32}, g, -1, 1), y = sample_y<double, cpu>(8, 10, g);
  const TD z = randn<double, cpu>({8, tr.G->dim_z}, g), yf = sample_y<double, cpu>(8, 10, g);
  auto grads = [](auto& m) {
    std::vector<double> v;
    for (auto& p : m.parameters())
      if (p.grad().defined())
        for (double e : p.grad().to_vector()) v.push_back(e);
    return v;
  };
  auto halves = [](const TD& t) { return std::vector<TD>{narrow(t, 0, 0, 4), narrow(t, 0, 4, 4)}; };
  auto [r1, f1] = tr.d_backward({x}, {y}, {z}, {yf});
  const auto big = grads(*tr.D);
  auto [r2, f2] = tr.d_backward(halves(x), halves(y), halves(z), halves(yf));
  const auto acc = grads(*tr.D);
  CHECK(r1 == doctest::Approx(r2));
  CHECK(f1 == doctest::Approx(f2));
  REQUIRE(big.size() == acc.size());
  double m = 0;
  for (size_t i = 0; i < big.size(); ++i) m = std::max(m, std::abs(big[i] - acc[i]));
  CHECK(m < 1e-10);
  const double lg1 = tr.g_backward({z}, {yf});
  const auto gbig = grads(*tr.G);
  const double lg2 = tr.g_backward(halves(z), halves(yf));
  const auto gacc = grads(*tr.G);
  CHECK(lg1 == doctest::Approx(lg2));
  REQUIRE(gbig.size() == gacc.size());
  m = 0;
  for (size_t i = 0; i < gbig.size(); ++i) m = std::max(m, std::abs(gbig[i] - gacc[i]));
  CHECK(m < 1e-10);
  // D was frozen during the G step (toggle_grads) and is trainable again afterwards.
  CHECK(tr.D->parameters()[0].requires_grad());
}

TEST_CASE("biggan: a train step runs, and a checkpoint resumes to the same next step") {
  Options o = small_options();
  o.G_attn = o.D_attn = "0";
  o.batch_size = 2;
  o.num_D_steps = 2;
  o.ema = true;
  Trainer<double, cpu> a(o);
  Generator g(7);
  const TD x = rand<double, cpu>({4, 3, 32, 32}, g, -1, 1), y = sample_y<double, cpu>(4, 10, g);
  a.train_step(x, y);
  const auto path = (std::filesystem::temp_directory_path() / "ganlib_biggan_ckpt.safetensors").string();
  a.save(path);
  Trainer<double, cpu> b(o);
  b.load(path);
  CHECK(b.itr == 1);
  const auto la = a.train_step(x, y), lb = b.train_step(x, y);
  CHECK(la.D_loss_real == lb.D_loss_real);
  CHECK(la.G_loss == lb.G_loss);
  CHECK(max_diff(a.G->state_dict().at("linear.weight"), b.G->state_dict().at("linear.weight")) == 0);
  // Another configuration: a clear error naming the option.
  Options other = o;
  other.G_ch = 16;
  Trainer<double, cpu> c(other);
  CHECK_THROWS_WITH_AS(c.load(path), doctest::Contains("G_ch (checkpoint 8, this run 16)"), Error);
  std::filesystem::remove(path);
}

TEST_CASE("biggan: bad input is a clear error") {
  const Options o = small_options();
  BigGANGenerator<double, cpu> G(o);
  BigGANDiscriminator<double, cpu> D(o);
  CHECK_THROWS_WITH_AS(G.condition(from_vector<double, cpu>({1, 10}, {2})), doctest::Contains("class id 10 is out of range"), Error);
  CHECK_THROWS_WITH_AS(D.forward(zeros<double, cpu>({1, 3, 32, 32}), from_vector<double, cpu>({-1}, {1})),
                       doctest::Contains("out of range"), Error);
  CHECK_THROWS_WITH_AS(D.forward(zeros<double, cpu>({1, 3, 64, 64}), from_vector<double, cpu>({1}, {1})),
                       doctest::Contains("expects images [N, 3, 32, 32]"), Error);
  Options bad = o;
  bad.resolution = 48;
  CHECK_THROWS_WITH_AS((BigGANGenerator<double, cpu>(bad)), doctest::Contains("resolution 48 is not in the architecture tables"), Error);
  Options opt;
  CHECK_THROWS_WITH_AS(parse_args(opt, {"--G_chh", "3"}), doctest::Contains("unknown option --G_chh"), Error);
  CHECK_THROWS_WITH_AS(parse_args(opt, {"--G_lr", "fast"}), doctest::Contains("--G_lr expects a number"), Error);
  CHECK_THROWS_WITH_AS(parse_args(opt, {"--G_fp16"}), doctest::Contains("not supported"), Error);
  parse_args(opt, {"--G_ch", "32", "--hier", "--D_thin", "--G_attn=16_32"});
  CHECK((opt.G_ch == 32 && opt.hier && !opt.D_wide && opt.G_attn == "16_32"));
  const auto empty = std::filesystem::temp_directory_path() / "ganlib_biggan_empty";
  std::filesystem::create_directories(empty / "classA");
  CHECK_THROWS_WITH_AS(load_folder_set<float>(empty.string(), 32, 3), doctest::Contains("holds no images"), Error);
  std::filesystem::remove_all(empty);
  CHECK_THROWS_WITH_AS(load_folder_set<float>((empty / "missing").string(), 32, 3), doctest::Contains("ganlib_biggan_empty"), Error);
}

TEST_CASE("biggan: FID / IS helpers") {
  Eigen::MatrixXd f(400, 3);
  std::mt19937 rng(1);
  std::normal_distribution<double> nd;
  for (int i = 0; i < 400; ++i)
    for (int j = 0; j < 3; ++j) f(i, j) = nd(rng);
  const auto m = moments(f);
  CHECK(fid(m, m) == doctest::Approx(0).epsilon(1e-9).scale(1));
  // Diagonal covariances: FID = |mu1-mu2|^2 + sum (s1 + s2 - 2 sqrt(s1 s2)).
  Moments a{Eigen::Vector2d(0, 0), Eigen::Matrix2d::Identity()}, b{Eigen::Vector2d(1, 2), 4 * Eigen::Matrix2d::Identity()};
  CHECK(fid(a, b) == doctest::Approx(5 + 2 * (1 + 4 - 4)));
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(100, 10);
  for (int i = 0; i < 100; ++i) p(i, i % 10) = 1;
  CHECK(inception_score(p, 10).first == doctest::Approx(10));
  CHECK(class_accuracy(p, std::vector<int>(100, 0)) == doctest::Approx(0.1));
}

TEST_CASE("biggan: Inception-v3 with torchvision names loads safetensors weights and gives [N, 2048] / [N, 1000]") {
  InceptionV3<float, cpu> net;
  // torchvision's inception_v3 has 27,161,264 parameters, of which the auxiliary head (not
  // built here) holds 128·768 + 2·128 + 768·128·25 + 2·768 + 768·1000 + 1000.
  const int64_t aux = 128 * 768 + 2 * 128 + 768 * 128 * 25 + 2 * 768 + 768 * 1000 + 1000;
  CHECK(net.parameter_count() + aux == 27161264);
  const auto sd = net.state_dict();
  CHECK(sd.at("Conv2d_1a_3x3.conv.weight").shape() == Shape{32, 3, 3, 3});
  CHECK(sd.at("Mixed_7c.branch3x3dbl_3b.conv.weight").shape() == Shape{384, 384, 3, 1});
  CHECK(sd.at("Mixed_6e.branch7x7_2.conv.weight").shape() == Shape{192, 192, 1, 7});
  CHECK(sd.at("fc.weight").shape() == Shape{1000, 2048});
  // A user's file: random weights under torchvision's keys, plus an aux-head key that is skipped.
  safetensors::File f;
  Generator g(8);
  for (auto& entry : sd) {
    auto& k = entry.first; auto& t = entry.second;
    const bool var = k.find("running_var") != std::string::npos;
    f.tensors[k] = safetensors::entry_from(var ? rand<float, cpu>(t.shape(), g, 0.5, 1.5)
                                               : randn<float, cpu>(t.shape(), g, 0, k.find("conv.weight") != std::string::npos ? 0.05 : 0.1));
  }
  f.tensors["AuxLogits.fc.bias"] = safetensors::entry_from(zeros<float, cpu>({1000}));
  const auto path = (std::filesystem::temp_directory_path() / "ganlib_inception_random.safetensors").string();
  safetensors::save(path, f);
  net.load(path);
  CHECK(net.state_dict().at("fc.bias").to_vector() == safetensors::to_tensor<float, cpu>(f.tensors.at("fc.bias")).to_vector());
  no_grad ng;
  auto [pool, logits] = net.features_raw(randn<float, cpu>({1, 3, 75, 75}, g));
  CHECK(pool.shape() == Shape{1, 2048});
  CHECK(logits.shape() == Shape{1, 1000});
  std::filesystem::remove(path);
}

TEST_CASE("biggan: --G_mixed_precision / --D_mixed_precision train with fp16 autocast and loss scaling") {
  Options o = small_options();
  o.G_attn = o.D_attn = "0";
  o.batch_size = 2;
  o.num_D_steps = 1;
  o.D_ortho = 1e-4;  // the regulariser's gradient joins after unscaling
  parse_args(o, {"--G_mixed_precision", "--D_mixed_precision"});
  REQUIRE((o.G_mixed_precision && o.D_mixed_precision));
  Trainer<float, cpu> a(o);
  REQUIRE(a.scaler.enabled());
  Generator g(7);
  const auto x = rand<float, cpu>({2, 3, 32, 32}, g, -1, 1);
  const auto y = sample_y<float, cpu>(2, 10, g);
  const auto w0 = a.G->state_dict().at("linear.weight").to_vector();
  StepLosses l;
  for (int i = 0; i < 4; ++i) l = a.train_step(x, y);
  CHECK(std::isfinite(l.D_loss_real));
  CHECK(std::isfinite(l.G_loss));
  const auto w1 = a.G->state_dict().at("linear.weight").to_vector();
  CHECK(w1 != w0);
  for (float v : w1) REQUIRE(std::isfinite(v));
  // fp16 rounding changed the numbers: the same run in fp32 gives other losses.
  Options o32 = o;
  o32.G_mixed_precision = o32.D_mixed_precision = false;
  Trainer<float, cpu> b(o32);
  const auto l32 = b.train_step(x, y);
  Trainer<float, cpu> c(o);
  const auto l16 = c.train_step(x, y);
  CHECK(l16.D_loss_fake != l32.D_loss_fake);
  CHECK(l16.D_loss_fake == doctest::Approx(l32.D_loss_fake).epsilon(0.05));
  // The scale travels with the checkpoint.
  const auto path = (std::filesystem::temp_directory_path() / "ganlib_biggan_amp.safetensors").string();
  a.save(path);
  Trainer<float, cpu> r(o);
  r.load(path);
  CHECK(r.scaler.scale() == a.scaler.scale());
  std::filesystem::remove(path);
}
