// tests/zoo/test_masknet.cpp — the mask net: metrics on hand-made maps with known answers, target
// generation, post-processing from perfect heads, output shapes, a short training run, the
// segmenter's output read back by the pix2pixHD and vid2vid loaders, and bad-input errors.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "ganlib/data/pix2pixhd_dataset.hpp"
#include "ganlib/data/vid2vid_dataset.hpp"
#include "zoo/masknet/segment.hpp"

using namespace ganlib;
using namespace ganlib::zoo::masknet;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("ganlib_masknet_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A 4 × 3 frame: road (7) on the left half, a car instance 26000 on the right two columns of
// rows 0–1, a person 24000 at (2, 3), sky (23) elsewhere.
PanopticMaps toy_truth() {
  PanopticMaps m;
  m.width = 4, m.height = 3;
  m.label = {7, 7, 26, 26,
             7, 7, 26, 26,
             7, 7, 23, 24};
  m.inst = {7, 7, 26000, 26000,
            7, 7, 26000, 26000,
            7, 7, 23, 24000};
  return m;
}

std::vector<bool> all_classes(size_t n) { return std::vector<bool>(n, true); }

}  // namespace

TEST_CASE("masknet metrics: pixel accuracy and IoU on a hand-made confusion") {
  // 3 classes; class 2 is not evaluated (void in the truth).
  ConfusionMatrix cm({true, true, false});
  cm.add({0, 0, 0, 1, 1, 2, 2}, {0, 0, 1, 1, 0, 0, 1});
  // Non-void pixels: 5; correct: 3 → accuracy 0.6.
  CHECK(cm.pixel_accuracy() == doctest::Approx(0.6));
  // class 0: tp 2, fp 1 (truth 1 → 0), fn 1 (0 → 1) → 2/4; class 1: tp 1, fp 1, fn 1 → 1/3.
  CHECK(cm.iou(0) == doctest::Approx(0.5));
  CHECK(cm.iou(1) == doctest::Approx(1.0 / 3));
  CHECK(std::isnan(cm.iou(2)));
  CHECK(cm.mean_iou() == doctest::Approx((0.5 + 1.0 / 3) / 2));
  // A class that never occurs is left out of the mean.
  ConfusionMatrix cm2({true, true, true});
  cm2.add({0, 0, 1}, {0, 0, 1});
  CHECK(std::isnan(cm2.iou(2)));
  CHECK(cm2.mean_iou() == doctest::Approx(1.0));
  CHECK_THROWS_WITH_AS(cm2.add({0}, {5}), doctest::Contains("predicted label 5"), ganlib::Error);
  CHECK_THROWS_WITH_AS(cm2.add({0, 1}, {0}), doctest::Contains("2 true labels but 1 predicted"), ganlib::Error);
}

TEST_CASE("masknet metrics: panoptic quality on hand-made maps") {
  const auto truth = toy_truth();
  std::vector<bool> thing(30, false);
  thing[24] = thing[26] = true;
  SUBCASE("perfect prediction: PQ = SQ = RQ = 1") {
    PanopticQuality pq(all_classes(30), thing);
    pq.add(truth, truth);
    const auto r = pq.result();
    CHECK(r.pq == doctest::Approx(1.0));
    CHECK(r.sq == doctest::Approx(1.0));
    CHECK(r.rq == doctest::Approx(1.0));
    CHECK(r.n_classes == 4);  // road, sky, person, car
    CHECK(r.n_things == 2);
  }
  SUBCASE("ids are matched, not compared: another k is still a true positive") {
    auto pred = truth;
    for (auto& v : pred.inst)
      if (v == 26000) v = 26005;
    PanopticQuality pq(all_classes(30), thing);
    pq.add(truth, pred);
    CHECK(pq.result().pq == doctest::Approx(1.0));
  }
  SUBCASE("a car split in two halves: IoU 0.5 is not a match (> 0.5 needed)") {
    auto pred = truth;
    pred.inst[3] = pred.inst[7] = 26001;  // right column becomes a second car
    PanopticQuality pq(all_classes(30), thing);
    pq.add(truth, pred);
    const auto& s = pq.stats()[26];
    CHECK(s.tp == 0);
    CHECK(s.fn == 1);
    CHECK(s.fp == 2);
    // Car PQ 0; road, sky, person perfect: PQ = 3/4.
    CHECK(pq.result().pq == doctest::Approx(0.75));
    CHECK(pq.result().per_class_pq[26] == doctest::Approx(0.0));
  }
  SUBCASE("a car grown by one road pixel: IoU 4/5, SQ and PQ follow") {
    auto pred = truth;
    pred.label[1] = 26, pred.inst[1] = 26000;
    PanopticQuality pq(all_classes(30), thing);
    pq.add(truth, pred);
    const auto& car = pq.stats()[26];
    CHECK(car.tp == 1);
    CHECK(car.iou_sum == doctest::Approx(4.0 / 5));
    const auto& road = pq.stats()[7];  // road 6 px → 5 px, IoU 5/6
    CHECK(road.iou_sum == doctest::Approx(5.0 / 6));
    const auto r = pq.result();
    CHECK(r.pq == doctest::Approx((0.8 + 5.0 / 6 + 1 + 1) / 4));
    CHECK(r.rq == doctest::Approx(1.0));
  }
  SUBCASE("void truth pixels do not count; a prediction mostly on void is no false positive") {
    auto t = truth;
    t.label[10] = 0, t.inst[10] = 0;  // unlabeled (not evaluated)
    auto pred = truth;                // predicts sky there: sky segment lies all on void
    std::vector<bool> ev(30, true);
    ev[0] = false;
    PanopticQuality pq(ev, thing);
    pq.add(t, pred);
    CHECK(pq.stats()[23].fp == 0);
    CHECK(pq.stats()[23].tp == 0);
    CHECK(pq.result().pq == doctest::Approx(1.0));
  }
}

TEST_CASE("masknet targets: centres at instance centroids, offsets point to them") {
  PanopticMaps m;
  m.width = 20, m.height = 10;
  m.label.assign(200, 7);
  m.inst.assign(200, 7);
  // A car covering columns 2..6, rows 1..3 (centroid (2, 4)); a person at rows 5..9, column 15
  // (centroid (7, 15)); a thing pixel without instance id (crowd) at (0, 19).
  for (int y = 1; y <= 3; ++y)
    for (int x = 2; x <= 6; ++x) m.label[y * 20 + x] = 26, m.inst[y * 20 + x] = 26000;
  for (int y = 5; y <= 9; ++y) m.label[y * 20 + 15] = 24, m.inst[y * 20 + 15] = 24003;
  m.label[19] = 26, m.inst[19] = 26;
  const auto thing = cityscapes_thing_classes(35);
  const auto cents = instance_centroids(m, thing);
  REQUIRE(cents.size() == 2);
  CHECK(cents[0].id == 24003);
  CHECK(cents[0].y == doctest::Approx(7));
  CHECK(cents[0].x == doctest::Approx(15));
  CHECK(cents[1].id == 26000);
  CHECK(cents[1].y == doctest::Approx(2));
  CHECK(cents[1].x == doctest::Approx(4));
  CHECK(cents[1].area == 15);
  LossOptions lo;
  lo.center_sigma = 2;
  const auto t = make_targets(m, 35, thing, lo);
  CHECK(t.center[2 * 20 + 4] == doctest::Approx(1.0));
  CHECK(t.center[7 * 20 + 15] == doctest::Approx(1.0));
  CHECK(t.center[2 * 20 + 5] == doctest::Approx(std::exp(-1.0 / 8)));
  CHECK(t.center[9 * 20 + 0] == 0.f);
  // Offsets: pixel + offset = centroid, on every instance pixel; zero weight elsewhere.
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 20; ++x) {
      const size_t i = size_t(y * 20 + x);
      const int32_t id = m.inst[i];
      if (id == 26000 || id == 24003) {
        const double cy = id == 26000 ? 2 : 7, cx = id == 26000 ? 4 : 15;
        CHECK(t.offset_weight[i] == 1.f);
        CHECK(y + t.offset[i] == doctest::Approx(cy));
        CHECK(x + t.offset[200 + i] == doctest::Approx(cx));
      } else {
        CHECK(t.offset_weight[i] == 0.f);
        CHECK(t.offset[i] == 0.f);
      }
    }
  CHECK(t.semantic[0] == 7.f);
  // Ids beyond the classes are ignored.
  m.label[0] = 40;
  CHECK(make_targets(m, 35, thing, lo).semantic[0] == 255.f);
  m.inst.pop_back();
  CHECK_THROWS_WITH_AS(make_targets(m, 35, thing, lo), doctest::Contains("instance map holds 199 values"), ganlib::Error);
}

TEST_CASE("masknet post-processing recovers the instances from perfect heads") {
  // At 256 × 128 with σ = 1 every instance's peak is a local maximum of its own (at lower
  // resolutions neighbouring Gaussians can swallow a small instance's peak).
  const int W = 256, H = 128;
  const auto f = synth::generate_street(7, 3, W, H);
  PanopticMaps truth;
  truth.width = W, truth.height = H;
  truth.label.assign(f.label.begin(), f.label.end());
  truth.inst = f.inst;
  const auto thing = cityscapes_thing_classes(35);
  LossOptions lo;
  lo.center_sigma = 1;
  const auto t = make_targets(truth, 35, thing, lo);
  // Perfect heads: one-hot logits, the target heat-map and offsets.
  std::vector<float> logits(35 * size_t(W * H), 0.f);
  for (size_t i = 0; i < truth.label.size(); ++i) logits[size_t(truth.label[i]) * size_t(W * H) + i] = 10.f;
  MaskNetOutput<float, cpu> out{from_vector<float, cpu>(logits, {1, 35, H, W}), from_vector<float, cpu>(t.center, {1, 1, H, W}),
                                from_vector<float, cpu>(t.offset, {1, 2, H, W})};
  PostprocessOptions pp;
  pp.min_area = 1, pp.nms_kernel = 3, pp.center_threshold = 0.5;
  const auto res = postprocess(out, thing, pp);
  REQUIRE(res.size() == 1);
  const auto& p = res[0].panoptic;
  CHECK(res[0].semantic == truth.label);
  CHECK(p.label == truth.label);
  // Same partition of the thing pixels (ids may be renumbered): a bijection between ids.
  std::map<int32_t, int32_t> t2p, p2t;
  int n_inst = 0;
  for (size_t i = 0; i < p.inst.size(); ++i) {
    if (truth.inst[i] < 1000) {
      CHECK(p.inst[i] == truth.inst[i]);
      continue;
    }
    CHECK(p.inst[i] / 1000 == truth.inst[i] / 1000);
    if (!t2p.count(truth.inst[i])) ++n_inst;
    t2p.emplace(truth.inst[i], p.inst[i]);
    p2t.emplace(p.inst[i], truth.inst[i]);
    CHECK(t2p[truth.inst[i]] == p.inst[i]);
    CHECK(p2t[p.inst[i]] == truth.inst[i]);
  }
  CHECK(n_inst >= 5);
  PanopticQuality pq(cityscapes_eval_classes(35), thing);
  pq.add(truth, p);
  CHECK(pq.result().pq == doctest::Approx(1.0));
  // k counts each class from 0.
  std::set<int32_t> cars;
  for (auto v : p.inst)
    if (v / 1000 == 26) cars.insert(v % 1000);
  if (!cars.empty()) CHECK(*cars.rbegin() == int32_t(cars.size()) - 1);
}

TEST_CASE("masknet post-processing: centre NMS and grouping on a hand-made heat-map") {
  // Two peaks 0.9 at (1, 1) and 0.8 at (1, 6), a 0.05 bump (below threshold) at (3, 3).
  std::vector<float> c(4 * 8, 0.f);
  c[1 * 8 + 1] = 0.9f, c[1 * 8 + 2] = 0.5f, c[1 * 8 + 6] = 0.8f, c[3 * 8 + 3] = 0.05f;
  PostprocessOptions pp;
  pp.nms_kernel = 3;
  const auto cs = find_centers(from_vector<float, cpu>(c, {1, 1, 4, 8}), pp);
  REQUIRE(cs[0].size() == 2);
  CHECK(cs[0][0].y == 1);
  CHECK(cs[0][0].x == 1);
  CHECK(cs[0][1].x == 6);
  // All pixels are cars with zero offsets: each goes to the nearer centre.
  std::vector<int32_t> lab(32, 26);
  const auto g = group_pixels(lab, std::vector<float>(64, 0.f), 8, 4, cs[0], cityscapes_thing_classes(35));
  CHECK(g[0] == 0);
  CHECK(g[3] == 0);
  CHECK(g[4] == 1);
  CHECK(g[31] == 1);
  const auto m = assemble_panoptic(lab, g, 8, 4, 2, cityscapes_thing_classes(35), pp);
  CHECK(m.inst[0] == 26000);  // the higher centre gets k = 0
  CHECK(m.inst[7] == 26001);
  CHECK_THROWS_WITH_AS(find_centers(from_vector<float, cpu>(c, {1, 1, 4, 8}), PostprocessOptions{0.1, 4, 200, 8}),
                       doctest::Contains("nms_kernel 4"), ganlib::Error);
}

TEST_CASE("masknet network: output shapes, soft masks, input checks") {
  Generator gen(3);
  MaskNetOptions o;
  o.width = 4;
  Net net(o, &gen);
  const auto x = randn<float, cpu>({2, 3, 32, 48}, gen);
  const auto s4 = net.forward_stride4(x);
  CHECK(s4.logits.shape() == Shape{2, 35, 8, 12});
  const auto out = net.run(x);
  CHECK(out.logits.shape() == Shape{2, 35, 32, 48});
  CHECK(out.center.shape() == Shape{2, 1, 32, 48});
  CHECK(out.offset.shape() == Shape{2, 2, 32, 48});
  const auto p = Net::probabilities(out);
  const auto s = sum(p, {1}).to_vector();
  for (auto v : s) CHECK(v == doctest::Approx(1.0).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(net.run(randn<float, cpu>({1, 3, 30, 48}, gen)), doctest::Contains("multiples of 8"), ganlib::Error);
  CHECK_THROWS_WITH_AS(net.run(randn<float, cpu>({1, 1, 32, 48}, gen)), doctest::Contains("[N, 3, H, W]"), ganlib::Error);
  // segment() pads frames of any size and crops back.
  const auto res = segment(net, randn<float, cpu>({1, 3, 30, 45}, gen), {});
  CHECK(res[0].panoptic.width == 45);
  CHECK(res[0].panoptic.height == 30);
  // Model files round-trip, and their metadata rebuilds the architecture.
  const auto dir = temp_dir("model");
  save_model((dir / "m.safetensors").string(), net);
  auto back = load_model((dir / "m.safetensors").string());
  CHECK(back->options().width == 4);
  no_grad guard;
  net.eval();
  const auto a = net.run(x).logits.to_vector(), b = back->run(x).logits.to_vector();
  CHECK(a == b);
  fs::remove_all(dir);
}

TEST_CASE("masknet training: a short run's loss falls; resume continues exactly") {
  const auto dir = temp_dir("train");
  TrainConfig c;
  c.out = (dir / "run").string();
  c.model.width = 8;
  c.width_px = 64, c.height_px = 32, c.batch = 4;
  c.train_frames = 8;
  c.iters = 40, c.lr = 3e-3;
  c.val_frames = 2, c.log_every = 1000, c.eval_every = 1000, c.checkpoint_every = 20;
  {
    Trainer t(c);
    CHECK(t.run());
  }
  std::ifstream f(c.out + "/loss_log.jsonl");
  std::vector<double> loss;
  std::string line;
  while (std::getline(f, line)) loss.push_back(std::atof(line.c_str() + line.find("\"loss\":") + 7));
  REQUIRE(loss.size() == 40);
  double first = 0, last = 0;
  for (int i = 0; i < 5; ++i) first += loss[size_t(i)], last += loss[loss.size() - 1 - size_t(i)];
  CHECK(last < 0.7 * first);
  CHECK(fs::exists(c.out + "/masknet.safetensors"));
  CHECK(fs::exists(c.out + "/web/index.html"));
  // Resume from the iteration-20 checkpoint of a second run: the same losses as the first run.
  TrainConfig c2 = c;
  c2.out = (dir / "run2").string();
  c2.iters = 40, c2.time_limit_s = 1e-9;  // stops after the first iteration's checkpoint
  {
    Trainer t(c2);
    CHECK_FALSE(t.run());
  }
  c2.time_limit_s = 0, c2.resume = true;
  {
    Trainer t(c2);
    CHECK(t.run());
  }
  std::ifstream f2(c2.out + "/loss_log.jsonl");
  std::vector<double> loss2;
  while (std::getline(f2, line)) loss2.push_back(std::atof(line.c_str() + line.find("\"loss\":") + 7));
  REQUIRE(loss2.size() == 40);
  for (size_t i = 0; i < 40; ++i) CHECK(loss2[i] == doctest::Approx(loss[i]).epsilon(1e-5));
  fs::remove_all(dir);
}

TEST_CASE("masknet_segment output is read by the pix2pixHD and vid2vid loaders") {
  const auto dir = temp_dir("segment");
  // Raw frames: two "videos" of 3 frames each, as JPEG and PNG files.
  for (int s = 0; s < 2; ++s) {
    fs::create_directories(dir / "frames" / ("clip" + std::to_string(s)));
    for (int t = 0; t < 3; ++t) {
      const auto fr = synth::generate_street(5, uint64_t(s * 3 + t), 48, 32);
      io::Image img;
      img.width = 48, img.height = 32, img.channels = 3, img.data = fr.image;
      const auto p = dir / "frames" / ("clip" + std::to_string(s)) / ("f" + std::to_string(t) + (s ? ".jpg" : ".png"));
      if (s) io::write_jpeg(p.string(), img);
      else io::write_png(p.string(), img);
    }
  }
  Generator gen(1);
  MaskNetOptions mo;
  mo.width = 4;
  Net net(mo, &gen);
  SegmentOptions o;
  o.input = (dir / "frames").string();
  o.out = (dir / "p2p").string();
  o.phase = "train";
  const auto rep = segment_frames(net, o);
  CHECK(rep.frames == 6);
  data::Pix2PixHDDataOptions po;
  po.root = o.out;
  po.phase = "train";
  po.transform.mode = data::ResizeOrCrop::none;
  po.transform.flip = false;
  data::Pix2PixHDDataset<float> ds(po);
  REQUIRE(ds.size() == 6);
  data::SampleRng rng(1);
  const auto s0 = ds.get(0, rng);
  CHECK(s0["label"].shape() == Shape{1, 32, 48});
  CHECK(s0["inst"].shape() == Shape{1, 32, 48});
  CHECK(s0["image"].shape() == Shape{3, 32, 48});
  const auto lab = s0["label"].to_vector();
  const auto ins = s0["inst"].to_vector();
  for (size_t i = 0; i < lab.size(); ++i) {
    CHECK(lab[i] < 35.f);
    CHECK((ins[i] < 1000 ? ins[i] == lab[i] : std::floor(ins[i] / 1000) == lab[i]));
  }
  // The frame is copied as is.
  CHECK(fs::file_size(rep.image_files[3]) == fs::file_size(dir / "frames" / "clip1" / "f0.jpg"));
  // vid2vid layout: one sequence per clip folder; resized frames are written as PNG.
  o.out = (dir / "v2v").string();
  o.layout = Layout::vid2vid;
  o.width = 32, o.height = 16;
  segment_frames(net, o);
  data::Vid2VidDataOptions vo;
  vo.root = o.out;
  vo.phase = "train";
  vo.n_frames = 3;
  vo.transform.mode = data::ResizeOrCrop::none;
  vo.transform.flip = false;
  data::Vid2VidDataset<float> vds(vo);
  CHECK(vds.size() == 2);
  CHECK(fs::exists(dir / "v2v" / "train_B" / "clip1" / "f2.png"));
  CHECK(io::read_label_png((dir / "v2v" / "train_A" / "clip0" / "f1.png").string()).width == 32);
  // A single image segments into a one-frame set; vid2vid names its sequence after its folder.
  o.input = (dir / "frames" / "clip0" / "f0.png").string();
  o.out = (dir / "one").string();
  CHECK(segment_frames(net, o).frames == 1);
  CHECK(fs::exists(dir / "one" / "train_A" / "clip0" / "f0.png"));
  fs::remove_all(dir);
}

TEST_CASE("masknet: bad inputs are errors that say what is wrong") {
  const auto dir = temp_dir("errors");
  Generator gen(1);
  MaskNetOptions mo;
  mo.width = 4;
  Net net(mo, &gen);
  SegmentOptions o;
  o.out = (dir / "out").string();
  o.input = (dir / "missing").string();
  CHECK_THROWS_WITH_AS(segment_frames(net, o), doctest::Contains("does not exist"), ganlib::Error);
  fs::create_directories(dir / "empty");
  o.input = (dir / "empty").string();
  CHECK_THROWS_WITH_AS(segment_frames(net, o), doctest::Contains("holds no images"), ganlib::Error);
  fs::create_directories(dir / "bad");
  std::ofstream(dir / "bad" / "x.png") << "not a png";
  o.input = (dir / "bad").string();
  CHECK_THROWS_WITH_AS(segment_frames(net, o), doctest::Contains("x.png"), ganlib::Error);
  o.input = (dir / "bad" / "x.png").string();
  o.width = 32;
  CHECK_THROWS_WITH_AS(segment_frames(net, o), doctest::Contains("both --width and --height"), ganlib::Error);
  // Model files: missing, not a model at all, another network's weights, a wrong architecture.
  CHECK_THROWS_WITH_AS(load_model((dir / "none.safetensors").string()), doctest::Contains("does not exist"), ganlib::Error);
  CHECK_THROWS_AS(load_model((dir / "bad" / "x.png").string()), ganlib::Error);
  safetensors::File other;
  other.tensors["conv1.weight"] = safetensors::make_entry({1, 2, 3, 4}, {2, 2});
  other.metadata["width"] = "1";
  safetensors::save((dir / "other.safetensors").string(), other);
  CHECK_THROWS_WITH_AS(load_model((dir / "other.safetensors").string()), doctest::Contains("not a mask-net model"),
                       ganlib::Error);
  save_model((dir / "m.safetensors").string(), net);
  auto f = safetensors::load((dir / "m.safetensors").string());
  f.metadata["width"] = "8";
  safetensors::save((dir / "wrong.safetensors").string(), f);
  CHECK_THROWS_WITH_AS(load_model((dir / "wrong.safetensors").string()), doctest::Contains("does not fit the architecture"),
                       ganlib::Error);
  // Training on a dataset folder that does not exist.
  TrainConfig c;
  c.out = (dir / "run").string();
  c.dataroot = (dir / "nowhere").string();
  CHECK_THROWS_WITH_AS(Trainer{c}, doctest::Contains("is not a folder"), ganlib::Error);
  fs::remove_all(dir);
}
