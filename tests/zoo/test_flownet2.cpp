// tests/zoo/test_flownet2.cpp — zoo/flownet2: shapes for a 384×512 input (spec 4.2 tables),
// full-width parameter counts against the PyTorch-built reference, PyTorch parity of FlowNetS
// and FlowNetC at width 1/16 through load_state_dict with flownet2-pytorch's keys, losses,
// augmentation consistency (warp check), the colour wheel, ChannelNorm's gradient, padding,
// .flo round trips through the programs, errors on bad input, a fit of fixed pairs read back in
// pixels (catches target/prediction scaling bugs), the trainer's logs, page and exact resume, and
// a run started from an earlier run's weights (--init).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/gradcheck.hpp"
#include "zoo/flownet2/options.hpp"
#include "zoo/flownet2/train.hpp"
#include "ganlib/io/flo.hpp"

using namespace ganlib;
using namespace ganlib::zoo::flownet2;

namespace {
const std::string kRefDir = std::string(GANLIB_REF_DIR) + "/flownet2/";

std::map<std::string, TensorF> load_ref(const std::string& name, std::map<std::string, std::string>& meta) {
  const auto f = safetensors::load(kRefDir + name);
  meta = f.metadata;
  std::map<std::string, TensorF> out;
  for (auto& entry : f.tensors) { auto& k = entry.first; auto& e = entry.second; out[k] = safetensors::to_tensor<float, cpu>(e); }
  return out;
}

double max_abs_diff(const TensorF& a, const TensorF& b) {
  const auto va = a.to_vector(), vb = b.to_vector();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, double(std::abs(va[i] - vb[i])));
  return m;
}
double max_abs(const TensorF& a) {
  double m = 0;
  for (float v : a.to_vector()) m = std::max(m, double(std::abs(v)));
  return m;
}

template <class Net>
void check_parity(Net& net, const std::map<std::string, TensorF>& ref) {
  typename Net::StateDict sd;
  for (auto& entry : ref) {
    auto& k = entry.first; auto& t = entry.second;
    if (k.rfind("input.", 0) != 0 && k.rfind("output.", 0) != 0) sd[k] = t;
  }
  net.load_state_dict(sd, true);  // strict: every flownet2-pytorch key matches ours
  no_grad g;
  const auto outs = net.forward_scales(ref.at("input.x"));
  for (int i = 0; i < 5; ++i) {
    const auto& want = ref.at("output.flow" + std::to_string(i + 2));
    REQUIRE(outs[size_t(i)].shape() == want.shape());
    CHECK(max_abs_diff(outs[size_t(i)], want) <= 2e-4 * std::max(1.0, max_abs(want)));
  }
}

int64_t json_count(const std::string& text, const std::string& key) {
  const auto p = text.find("\"" + key + "\"");
  REQUIRE(p != std::string::npos);
  return std::atoll(text.c_str() + text.find(':', p) + 1);
}

// A tiny random-weight model file for the program tests.
std::string tiny_model(const std::string& dir) {
  Generator gen(3);
  Net net({1.0 / 16}, &gen);
  const std::string path = dir + "/tiny.safetensors";
  save_model(path, net);
  return path;
}

io::Image noise_image(int w, int h, uint32_t seed) {
  io::Image img{w, h, 3, std::vector<uint8_t>(size_t(w) * h * 3)};
  for (size_t i = 0; i < img.data.size(); ++i) img.data[i] = uint8_t((i * 2654435761u + seed * 97u) >> 7);
  return img;
}

std::string program(const char* name) {
#ifdef GANLIB_BINARY_DIR
  return std::string(GANLIB_BINARY_DIR) + "/examples/" + name;
#else
  return std::string("./") + name;
#endif
}
}  // namespace

TEST_CASE("flownet2: encoder and decoder shapes for a 384x512 input match the spec's tables") {
  Generator gen(1);
  no_grad g;
  // Spatial sizes from a narrow net; channel counts from the full-width weights below.
  FlowNetS<float, cpu> s({12, 1.0 / 16}, &gen);
  const auto x = zeros<float, cpu>({1, 12, 384, 512});
  CHECK(s.conv1->forward(x).shape() == Shape{1, 4, 192, 256});
  const auto outs = s.forward_scales(x);
  const std::vector<Shape> want = {{1, 2, 96, 128}, {1, 2, 48, 64}, {1, 2, 24, 32}, {1, 2, 12, 16}, {1, 2, 6, 8}};
  for (size_t i = 0; i < 5; ++i) CHECK(outs[i].shape() == want[i]);
  FlowNetC<float, cpu> c({1.0 / 16, {}}, &gen);
  const auto xc = zeros<float, cpu>({1, 6, 384, 512});
  const auto c3 = c.conv3->forward(c.conv2->forward(c.conv1->forward(narrow(xc, 1, 0, 3))));
  CHECK(c3.shape() == Shape{1, 16, 48, 64});
  CHECK(correlation(c3, c3, 20, 1, 20, 1, 2).shape() == Shape{1, 441, 48, 64});
  CHECK(c.forward_scales(xc)[0].shape() == Shape{1, 2, 96, 128});
  // The whole stack at full resolution.
  Net net({1.0 / 16}, &gen);
  net.eval();
  const auto img = zeros<float, cpu>({1, 3, 384, 512});
  const auto o = net.run(img, img, Stage::Full);
  for (auto* f : {&o.flow_c, &o.flow_cs, &o.flow_css, &o.flow_sd, &o.flow_fusion})
    CHECK(f->shape() == Shape{1, 2, 384, 512});
}

TEST_CASE("flownet2: full-width channel counts and parameter counts equal the reference") {
  std::ifstream f(kRefDir + "param_counts.json");
  REQUIRE(f.good());
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  Generator gen(1);
  FlowNetC<float, cpu> c({}, &gen);
  CHECK(c.parameter_count() == json_count(text, "FlowNetC"));
  CHECK(c.parameter_count() == 39175298);  // the number in flownet2-pytorch's comments
  auto sd = c.state_dict();
  CHECK(sd.at("conv3_1.0.weight").shape() == Shape{256, 473, 3, 3});      // 32 + 441
  CHECK(sd.at("predict_flow5.weight").shape() == Shape{2, 1026, 3, 3});   // 512 + 512 + 2
  CHECK(sd.at("deconv4.0.weight").shape() == Shape{1026, 256, 4, 4});
  CHECK(sd.at("predict_flow2.weight").shape() == Shape{2, 194, 3, 3});
  CHECK(sd.count("upsampled_flow6_to_5.bias") == 1);
  FlowNetS<float, cpu> s6({6, 1.0}, &gen), s12({12, 1.0}, &gen);
  CHECK(s6.parameter_count() == json_count(text, "FlowNetS_6"));
  CHECK(s12.parameter_count() == json_count(text, "FlowNetS_12"));
  CHECK(s12.state_dict().count("upsampled_flow6_to_5.bias") == 0);  // no bias in S
  FlowNetSD<float, cpu> sdn({}, &gen);
  CHECK(sdn.parameter_count() == json_count(text, "FlowNetSD"));
  CHECK(sdn.parameter_count() == 45371666);
  FlowNetFusion<float, cpu> fu({}, &gen);
  CHECK(fu.parameter_count() == json_count(text, "FlowNetFusion"));
  CHECK(fu.parameter_count() == 581226);
  CHECK(c.parameter_count() + 2 * s12.parameter_count() + sdn.parameter_count() + fu.parameter_count() ==
        162518834);  // FlowNet2
}

TEST_CASE("flownet2: FlowNetS and FlowNetC match PyTorch at width 1/16 (weights by reference keys)") {
  std::map<std::string, std::string> meta;
  {
    auto ref = load_ref("flownets.safetensors", meta);
    FlowNetS<float, cpu> s({12, std::stod(meta.at("width"))});
    check_parity(s, ref);
  }
  {
    auto ref = load_ref("flownetc.safetensors", meta);
    FlowNetC<float, cpu> c({std::stod(meta.at("width")), {}});
    check_parity(c, ref);
  }
}

TEST_CASE("flownet2: EPE, L1 and the multiscale loss with the reference weights") {
  const auto gt = full<float, cpu>({2, 2, 64, 64}, 0.f);
  auto gtv = gt.to_vector();
  for (size_t i = 0; i < gtv.size(); ++i) gtv[i] = (i / (64 * 64)) % 2 == 0 ? 3.f : 4.f;  // (u, v) = (3, 4)
  const auto target = from_vector<float, cpu>(gtv, {2, 2, 64, 64});
  CHECK(epe(zeros_like(target), target).item() == doctest::Approx(5.0));
  CHECK(l1_flow_loss(zeros_like(target), target).item() == doctest::Approx(3.5));
  MultiScaleOptions o;
  CHECK(o.weight(0) == doctest::Approx(0.32));
  CHECK(o.weight(4) == doctest::Approx(0.02));
  std::vector<TensorF> outs;
  for (int i = 0; i < 5; ++i) outs.push_back(zeros<float, cpu>({2, 2, 16 >> i, 16 >> i}));
  const auto v = multiscale_loss(outs, target, o);
  // target × 0.05 = (0.15, 0.2): L1 0.175 and EPE 0.25 at every scale; Σ weights = 0.62.
  CHECK(v.loss.item() == doctest::Approx(0.62 * 0.175).epsilon(1e-5));
  CHECK(v.epe.item() == doctest::Approx(0.62 * 0.25).epsilon(1e-5));
  // A perfect flow2 removes exactly its 0.32 share.
  outs[0] = mul_scalar(avg_pool2d(target, 4, 4), 0.05f);
  CHECK(multiscale_loss(outs, target, o).loss.item() == doctest::Approx(0.30 * 0.175).epsilon(1e-5));
  o.norm = LossNorm::L2;
  CHECK(multiscale_loss(outs, target, o).loss.item() == doctest::Approx(0.30 * 0.25).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(multiscale_loss({zeros<float, cpu>({2, 2, 15, 16})}, target),
                       doctest::Contains("pooled by 4"), Error);
  CHECK_THROWS_WITH_AS(epe(zeros<float, cpu>({2, 3, 8, 8}), zeros<float, cpu>({2, 3, 8, 8})),
                       doctest::Contains("[N, 2, H, W]"), Error);
}

TEST_CASE("flownet2: ChannelNorm values and gradients (finite at zero, as the reference)") {
  using TD = Tensor<double, cpu>;
  Generator gen(5);
  auto x = randn<double, cpu>({2, 3, 4, 5}, gen).requires_grad_();
  CHECK(testing::gradcheck([](const std::vector<TD>& in) { return channel_norm(in[0]); }, {x}) == "");
  CHECK(testing::gradgradcheck([](const std::vector<TD>& in) { return channel_norm(in[0]); }, {x}) == "");
  auto z = zeros<double, cpu>({1, 2, 2, 2}).requires_grad_();
  sum(channel_norm(z)).backward();
  for (double g : z.grad().to_vector()) CHECK(g == 0.0);
  const auto v = channel_norm(from_vector<double, cpu>({3, 0, 4, 0}, {1, 2, 1, 2})).to_vector();
  CHECK(v[0] == doctest::Approx(5.0));
  CHECK(v[1] == 0.0);
}

TEST_CASE("flownet2: augmentation keeps the flow consistent with the frames (warp check)") {
  // Warping frame 2 by the flow reproduces frame 1 up to occlusions, as well after the
  // augmentation as before it (the pairs have 10-20 % occluded pixels, hence the loose bounds).
  auto warp_error = [](const Batch& b) {
    const auto warped = flow_warp(b.img2, b.flow);
    return mean(abs(sub(narrow(narrow(warped, 2, 8, 48), 3, 8, 112), narrow(narrow(b.img1, 2, 8, 48), 3, 8, 112)))).item();
  };
  for (uint64_t seed : {1u, 2u, 3u, 4u}) {
    const auto p = synth::generate_pair(11, seed, 128, 64);
    auto s = to_sample(p);
    const double err_orig = warp_error(to_batch({s}));
    AugmentOptions o;
    o.photometric = false;
    augment(s, seed * 7, o);
    const auto b = to_batch({s});
    const double err = warp_error(b);
    const double err_zero = mean(abs(sub(b.img2, b.img1))).item();
    CHECK(err < 0.6 * err_zero);
    CHECK(err < 2 * err_orig + 3);
    // the same frames with the flow left unrotated and unscaled do much worse
    std::mt19937_64 rng(seed * 7);
    const auto m = draw_geometry(rng, 128, 64, o);
    if (m.s > 1.2) {
      auto wrong = to_sample(p);
      apply_geometry(wrong, m);
      for (size_t i = 0; i < wrong.flow.size(); ++i) wrong.flow[i] /= float(m.s);
      CHECK(warp_error(to_batch({wrong})) > err);
    }
  }
  // The geometric map itself: flow maps like the similarity.
  SimilarityMap m;
  m.s = 2, m.cos_a = 0, m.sin_a = 1, m.dx = 1, m.dy = -1;
  const auto f = m.map_flow(1, 0);
  CHECK(f[0] == doctest::Approx(1.0));
  CHECK(f[1] == doctest::Approx(1.0));
  // Photometric changes both frames alike and stays in [0, 1]; same seed, same result.
  auto a = to_sample(synth::generate_pair(11, 9, 64, 64)), a2 = a;
  augment(a, 5), augment(a2, 5);
  CHECK(a.img1 == a2.img1);
  CHECK(a.flow == a2.flow);
  for (float v : a.img1) CHECK((v >= 0.f && v <= 1.f));
}

TEST_CASE("flownet2: Middlebury colour wheel colours for known directions") {
  auto c = flow_color(0, 0);
  CHECK((c == std::array<uint8_t, 3>{255, 255, 255}));
  c = flow_color(1, 0);  // right: red
  CHECK((c == std::array<uint8_t, 3>{255, 0, 0}));
  c = flow_color(-1, 0);  // left: cyan-blue
  CHECK((c[0] == 0 && c[2] == 255 && c[1] > 190 && c[1] < 230));
  c = flow_color(0, 1);  // down: orange-yellow
  CHECK((c[0] == 255 && c[2] == 0 && c[1] > 200));
  c = flow_color(0, -1);  // up: blue-violet
  CHECK((c[2] == 255 && c[1] == 0 && c[0] > 60 && c[0] < 110));
  c = flow_color(0.5, 0);  // half saturation
  CHECK((c == std::array<uint8_t, 3>{255, 128, 128}));
  c = flow_color(2, 0);  // beyond the radius: darkened
  CHECK((c == std::array<uint8_t, 3>{191, 0, 0}));
  const auto img = flow_to_image(std::vector<float>{0, 0, 4, 0}, 2, 1);
  CHECK((img.data[0] == 255 && img.data[3] == 255 && img.data[4] == 0));
}

TEST_CASE("flownet2: sizes not multiples of 64 are padded and cropped back; bad input errors") {
  Generator gen(2);
  Net net({1.0 / 16}, &gen);
  net.eval();
  no_grad g;
  const auto a = rand<float, cpu>({1, 3, 70, 100}, gen, 0, 255), b = rand<float, cpu>({1, 3, 70, 100}, gen, 0, 255);
  CHECK(estimate_flow(net, a, b).shape() == Shape{1, 2, 70, 100});
  CHECK_THROWS_WITH_AS(estimate_flow(net, a, rand<float, cpu>({1, 3, 64, 100}, gen)),
                       doctest::Contains("differ in size"), Error);
  CHECK_THROWS_WITH_AS(net.forward_pair(a, b), doctest::Contains("multiples of 64"), Error);
  CHECK_THROWS_WITH_AS(net.normalize(a, zeros<float, cpu>({1, 1, 70, 100})), doctest::Contains("same size"), Error);
  CHECK_THROWS_WITH_AS(net.flownetc->forward(zeros<float, cpu>({1, 3, 64, 64})), doctest::Contains("[N, 6, H, W]"), Error);
  CHECK_THROWS_WITH_AS(Net(FlowNet2Options{1.0, 0.0}), doctest::Contains("rgb_max"), Error);
  Flags f("prog");
  f.add("lr", "1e-4", "learning rate");
  const char* bad[] = {"prog", "--lx", "1"};
  CHECK_THROWS_WITH_AS(f.parse(3, bad), doctest::Contains("unknown flag --lx"), Error);
  const char* bad2[] = {"prog", "--lr=abc"};
  f.parse(2, bad2);
  CHECK_THROWS_WITH_AS(f.num("lr"), doctest::Contains("needs a number"), Error);
  const char* bad3[] = {"prog", "--lr"};
  CHECK_THROWS_WITH_AS(f.parse(2, bad3), doctest::Contains("needs a value"), Error);
}

TEST_CASE("flownet2: model files round trip; flownet_infer writes .flo + PNG and rejects bad input") {
  const auto dir = (std::filesystem::temp_directory_path() / "ganlib_flownet2_test").string();
  std::filesystem::create_directories(dir);
  const auto model = tiny_model(dir);
  auto net = load_model(model);
  CHECK(net->options().width == doctest::Approx(1.0 / 16));
  // Reference-keyed files without metadata load with the reference's options (width 1): a
  // narrow file then fails with a clear size mismatch.
  {
    auto f = safetensors::load(model);
    f.metadata.clear();
    safetensors::save(dir + "/nometa.safetensors", f);
    CHECK_THROWS_WITH_AS(load_model(dir + "/nometa.safetensors"), doctest::Contains("size mismatch"), Error);
  }
  io::write_png(dir + "/a.png", noise_image(100, 70, 1));
  io::write_png(dir + "/b.png", noise_image(100, 70, 2));
  io::write_png(dir + "/c.png", noise_image(64, 64, 3));
  const std::string infer = program("flownet_infer");
  if (!std::filesystem::exists(infer)) {
    MESSAGE("flownet_infer not built at " << infer << ": program checks skipped");
    return;
  }
  const std::string q = " 2>" + dir + "/err.txt";
  REQUIRE(std::system((infer + " --model " + model + " --img1 " + dir + "/a.png --img2 " + dir + "/b.png --out_flo " +
                       dir + "/f.flo --out_png " + dir + "/f.png" + q).c_str()) == 0);
  const auto flo = io::read_flo<float, cpu>(dir + "/f.flo");
  CHECK(flo.shape() == Shape{2, 70, 100});
  const auto png = io::read_image(dir + "/f.png");
  CHECK((png.width == 100 && png.height == 70));
  // the program's flow equals the in-process estimate
  {
    no_grad g;
    auto load = [](const io::Image& im) {
      std::vector<float> v(size_t(im.width) * im.height * 3);
      const size_t hw = size_t(im.width) * im.height;
      for (size_t c = 0; c < 3; ++c)
        for (size_t i = 0; i < hw; ++i) v[c * hw + i] = im.data[i * 3 + c];
      return from_vector<float, cpu>(v, {1, 3, im.height, im.width});
    };
    const auto f = estimate_flow(*net, load(noise_image(100, 70, 1)), load(noise_image(100, 70, 2))).select(0, 0);
    CHECK(max_abs_diff(f.contiguous(), flo) <= 1e-5 * std::max(1.0, max_abs(flo)));
  }
  // .flo → PNG through --vis
  CHECK(std::system((infer + " --vis " + dir + "/f.flo --out_png " + dir + "/g.png" + q).c_str()) == 0);
  // different sizes, corrupt .flo, unknown flag: non-zero exit and a message naming the problem
  auto err = [&] {
    std::ifstream f(dir + "/err.txt");
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  CHECK(std::system((infer + " --model " + model + " --img1 " + dir + "/a.png --img2 " + dir + "/c.png --out_flo " +
                     dir + "/x.flo" + q).c_str()) != 0);
  CHECK(err().find("differ in size") != std::string::npos);
  { std::ofstream bad(dir + "/bad.flo", std::ios::binary); bad << "PIEH but not really a flow file"; }
  CHECK(std::system((infer + " --vis " + dir + "/bad.flo --out_png " + dir + "/h.png" + q).c_str()) != 0);
  CHECK(err().find("bad.flo") != std::string::npos);
  CHECK(std::system((infer + " --modle x" + q).c_str()) != 0);
  CHECK(err().find("unknown flag --modle") != std::string::npos);
}

TEST_CASE("flownet2: a few fixed pairs are fit through the training loss and read back in pixels") {
  // Catches target/prediction scaling bugs (the ×0.05 targets, ×20 outputs, ×4 upsampling): the
  // training loss is minimised on two fixed pairs, and the flow the inference path reports, in
  // pixels, must then be close to the ground truth. A mismatch of the two scalings leaves the
  // pixel EPE near (or above) the zero-flow EPE however low the loss gets.
  Generator gen(7);
  Net net({1.0 / 16}, &gen);
  zero_biases(net);
  synth::FlyingShapesConfig cfg;
  cfg.obj_translate = cfg.bg_translate = 0.04;
  std::vector<FlowSample> s;
  for (uint64_t i = 0; i < 2; ++i) s.push_back(to_sample(synth::generate_pair(21, i, 64, 64, cfg)));
  const Batch b = to_batch(s);
  const double zero = epe(zeros_like(b.flow), b.flow).item();
  REQUIRE(zero > 1.0);
  net.requires_grad_(false);
  net.flownetc->requires_grad_(true);
  optim::Adam<float, cpu> opt(net.flownetc->parameters(), {1e-3, 0.9, 0.999, 1e-8, 0});
  double train_epe = 0;
  for (int it = 0; it < 150; ++it) {
    auto r = stage_forward(net, TrainStage::C, b);
    opt.zero_grad();
    r.loss.backward();
    opt.step();
    train_epe = epe(r.flow, b.flow).item();
  }
  no_grad g;
  net.eval();
  const double fitted = epe(net.run(b.img1, b.img2, Stage::C).flow_c, b.flow).item();
  MESSAGE("zero-flow EPE " << zero << ", after fitting " << fitted << " (training batch " << train_epe << ")");
  CHECK(fitted < 0.35 * zero);
  CHECK(fitted == doctest::Approx(train_epe).epsilon(0.05));
}

TEST_CASE("flownet2: the trainer logs, draws, checkpoints, and a stopped run resumes exactly") {
  const auto dir = (std::filesystem::temp_directory_path() / "ganlib_flownet2_trainer").string();
  std::filesystem::remove_all(dir);
  TrainConfig c;
  c.model.width = 1.0 / 16;
  c.width_px = c.height_px = 128;
  c.crop_w = c.crop_h = 64;
  c.batch = 2;
  c.stages = {"C", "S1"};
  c.iters = {3, 2};
  c.bias_init = "zero";
  c.val_pairs = 2;
  c.augment = false;
  c.log_every = 1, c.checkpoint_every = 2, c.vis_every = 2;
  c.out = dir + "/whole";
  {
    Trainer t(c);
    CHECK(t.run());
  }
  CHECK(std::filesystem::exists(c.out + "/flownet2.safetensors"));
  CHECK(std::filesystem::exists(c.out + "/flownet2_C.safetensors"));
  CHECK(std::filesystem::exists(c.out + "/web/index.html"));
  CHECK(train::read_scalar_log(c.out + "/loss_log.jsonl").size() == 5);
  CHECK(train::read_scalar_log(c.out + "/val_log.jsonl").size() == 3);  // steps 2, 3 (end of C), 5 (end)
  // The same run stopped after its first step (time limit), then resumed.
  c.out = dir + "/resumed";
  c.time_limit_s = 1e-9;
  {
    Trainer t(c);
    CHECK_FALSE(t.run());
  }
  CHECK(train::read_scalar_log(c.out + "/loss_log.jsonl").size() == 1);
  c.time_limit_s = 0;
  c.resume = true;
  {
    Trainer t(c);
    CHECK(t.run());
  }
  CHECK(train::read_scalar_log(c.out + "/loss_log.jsonl").size() == 5);
  const auto a = safetensors::load(dir + "/whole/flownet2.safetensors"), b = safetensors::load(c.out + "/flownet2.safetensors");
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (auto& entry : a.tensors) { auto& k = entry.first; auto& e = entry.second; CHECK_MESSAGE(e.bytes == b.tensors.at(k).bytes, k); }
  c.crop_w = 96;
  CHECK_THROWS_WITH_AS(Trainer{c}, doctest::Contains("multiples of 64"), Error);
}

TEST_CASE("flownet2: a run started with --init loads the earlier weights and trains only its stages") {
  const auto dir = (std::filesystem::temp_directory_path() / "ganlib_flownet2_init").string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The earlier run's file: reference U[0, 1] biases, so zero_biases (applied before --init) would show.
  Generator gen(5);
  FlowNet2Options o;
  o.width = 1.0 / 16, o.sd_reference_scaling = false;
  Net earlier(o, &gen);
  const std::string path = dir + "/earlier.safetensors";
  save_model(path, earlier);
  const auto file = safetensors::load(path);
  TrainConfig c;
  c.model = o;
  c.width_px = c.height_px = 64;
  c.batch = 1;
  c.stages = {"SD"};
  c.iters = {2};
  c.bias_init = "zero";
  c.val_pairs = 1;
  c.augment = false;
  c.log_every = c.checkpoint_every = c.vis_every = 1;
  c.out = dir + "/run";
  c.init = path;
  {
    Trainer t(c);
    for (auto& entry : t.net().named_state())
      CHECK_MESSAGE(safetensors::entry_from(entry.second).bytes == file.tensors.at(entry.first).bytes, entry.first);
    CHECK(t.run());
  }
  // SD trained from the loaded weights; C, S1, S2 and fusion are still the file's.
  const auto out = safetensors::load(c.out + "/flownet2.safetensors");
  REQUIRE(out.tensors.size() == file.tensors.size());
  int sd_changed = 0;
  for (auto& entry : out.tensors) {
    const bool same = entry.second.bytes == file.tensors.at(entry.first).bytes;
    if (entry.first.rfind("flownets_d.", 0) == 0) sd_changed += !same;
    else CHECK_MESSAGE(same, entry.first);
  }
  CHECK(sd_changed > 0);
  // A file made with other options is refused, naming it.
  c.model.width = 1.0 / 8;
  CHECK_THROWS_WITH_AS(Trainer{c}, doctest::Contains(("--init " + path).c_str()), Error);
  c.model.width = 1.0 / 16;
  c.model.sd_reference_scaling = true;
  CHECK_THROWS_WITH_AS(Trainer{c}, doctest::Contains("sd_reference_scaling"), Error);
}
