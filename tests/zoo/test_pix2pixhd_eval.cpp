// tests/zoo/test_pix2pixhd_eval.cpp — pix2pixhd_eval's scoring (zoo/pix2pixhd/eval.hpp) on a
// hand-made results folder: L1, PSNR, pixel accuracy and mIoU with values computed by hand, the
// resize to the label map's size, void labels, styles, the pairing checks, and the mask net as a segmenter.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "zoo/pix2pixhd/eval.hpp"

using namespace ganlib;
namespace p2p = ganlib::zoo::pix2pixhd;
namespace fs = std::filesystem;

namespace {

using RGB = std::array<uint8_t, 3>;
constexpr RGB kRed{255, 0, 0}, kGreen{0, 255, 0}, kBlue{0, 0, 255};

// A 4×4 RGB image of 2×2 blocks, blocks[row-major of the 2×2 grid].
io::Image blocks(const std::array<RGB, 4>& b) {
  io::Image img;
  img.width = 4, img.height = 4, img.channels = 3;
  img.data.resize(48);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) img.data[size_t((y * 4 + x) * 3 + c)] = b[size_t((y / 2) * 2 + x / 2)][size_t(c)];
  return img;
}

// Colour → Cityscapes id by nearest palette colour: red road (7), green vegetation (21), blue sky (23).
std::vector<int32_t> palette_segmenter(const io::Image& img) {
  std::vector<int32_t> out(size_t(img.width) * size_t(img.height));
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t* p = &img.data[i * 3];
    out[i] = p[0] >= p[1] && p[0] >= p[2] ? 7 : p[1] >= p[2] ? 21 : 23;
  }
  return out;
}

struct Folder {
  fs::path root;
  explicit Folder(const std::string& name)
      : root(fs::temp_directory_path() / ("ganlib_p2p_eval_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(root);
    fs::create_directories(root / "res" / "images");
    fs::create_directories(root / "label");
  }
  ~Folder() { fs::remove_all(root); }
  std::string res() const { return (root / "res").string(); }
  std::string labels() const { return (root / "label").string(); }
  std::string img(const std::string& f) const { return (root / "res" / "images" / f).string(); }
};

// Truth (2×2 label map, ids): road road / vegetation unlabeled(0, void).
void write_case(const Folder& d) {
  io::Image lab;
  lab.width = 2, lab.height = 2, lab.channels = 1, lab.data = {7, 7, 21, 0};
  io::write_png((d.root / "label" / "a.png").string(), lab);
  io::write_png(d.img("a_synthesized_image.png"), blocks({kRed, kGreen, kGreen, kBlue}));
  io::write_png(d.img("a_real_image.png"), blocks({kRed, kRed, kGreen, kGreen}));
  // pix2pixhd_test's coloured input, at the results' size: one colour per id.
  io::write_png(d.img("a_input_label.png"), blocks({RGB{128, 64, 128}, RGB{128, 64, 128}, RGB{107, 142, 35}, RGB{0, 0, 0}}));
}

}  // namespace

TEST_CASE("pix2pixhd eval: L1, PSNR, pixel accuracy and mIoU of a hand-made results folder") {
  Folder d("hand");
  write_case(d);
  const auto r = p2p::evaluate_results(d.res(), d.labels(), palette_segmenter, 35);
  // Fake and real differ in 2 of 4 blocks (8 of 16 pixels), each by 255 in two channels:
  // L1 = 8·510 / 48 / 127.5 = 2/3; MSE = 8·2·255² / 48 = 255²/3 → PSNR = 10·log10(3) dB.
  CHECK(r.images == 1);
  CHECK(r.inputs == 1);
  CHECK(r.l1 == doctest::Approx(2.0 / 3.0));
  CHECK(r.psnr == doctest::Approx(10 * std::log10(3.0)));
  REQUIRE(r.segmented);
  // Results are 4×4 and shrunk to the 2×2 labels before segmenting: predictions road, vegetation,
  // vegetation, sky. The void pixel (id 0) is not scored: 2 of 3 right; road IoU 1/2 (one missed),
  // vegetation 1/2 (one false), sky never in the truth of a scored pixel → not in the mean.
  CHECK(r.pixel_acc_synthesized == doctest::Approx(2.0 / 3.0));
  CHECK(r.miou_synthesized == doctest::Approx(0.5));
  CHECK(r.iou_synthesized[7] == doctest::Approx(0.5));
  CHECK(r.iou_synthesized[21] == doctest::Approx(0.5));
  CHECK(std::isnan(r.iou_synthesized[23]));
  // The real image: road, road, vegetation, (vegetation on the void pixel) → everything right.
  CHECK(r.pixel_acc_real == doctest::Approx(1.0));
  CHECK(r.miou_real == doctest::Approx(1.0));

  // Without a segmenter only L1 and PSNR.
  const auto plain = p2p::evaluate_results(d.res());
  CHECK_FALSE(plain.segmented);
  CHECK(plain.l1 == doctest::Approx(2.0 / 3.0));

  // A second style identical to the target: L1 and PSNR average over both images
  // (identical → 100 dB), and its 3 right pixels join the synthesized confusion matrix.
  io::write_png(d.img("a_synthesized_image_style1.png"), blocks({kRed, kRed, kGreen, kGreen}));
  const auto s = p2p::evaluate_results(d.res(), d.labels(), palette_segmenter, 35);
  CHECK(s.images == 2);
  CHECK(s.inputs == 1);
  CHECK(s.l1 == doctest::Approx(1.0 / 3.0));
  CHECK(s.psnr == doctest::Approx((10 * std::log10(3.0) + 100) / 2));
  CHECK(s.pixel_acc_synthesized == doctest::Approx(5.0 / 6.0));
  // road: TP 3, FN 1 → 3/4; vegetation: TP 2, FP 1 → 2/3.
  CHECK(s.miou_synthesized == doctest::Approx((3.0 / 4.0 + 2.0 / 3.0) / 2));
}

TEST_CASE("pix2pixhd eval: a results folder that does not fit its labels is an error naming the file") {
  Folder d("bad");
  write_case(d);
  // labels of another scene (another --phase): the coloured input disagrees with them
  io::Image other;
  other.width = 2, other.height = 2, other.channels = 1, other.data = {21, 7, 7, 21};
  io::write_png((d.root / "label" / "a.png").string(), other);
  CHECK_THROWS_WITH_AS(p2p::evaluate_results(d.res(), d.labels(), palette_segmenter, 35),
                       doctest::Contains("is not the input shown in"), Error);
  write_case(d);
  // no label map for the result's stem
  fs::rename(d.root / "label" / "a.png", d.root / "label" / "b.png");
  CHECK_THROWS_WITH_AS(p2p::evaluate_results(d.res(), d.labels(), palette_segmenter, 35),
                       doctest::Contains("has no label map"), Error);
  fs::rename(d.root / "label" / "b.png", d.root / "label" / "a.png");
  // a label map of another aspect ratio (a cropped result cannot be scored)
  io::Image wide;
  wide.width = 4, wide.height = 1, wide.channels = 1, wide.data = {7, 7, 21, 21};
  io::write_png((d.root / "label" / "a.png").string(), wide);
  fs::remove(d.img("a_input_label.png"));
  CHECK_THROWS_WITH_AS(p2p::evaluate_results(d.res(), d.labels(), palette_segmenter, 35),
                       doctest::Contains("another aspect ratio"), Error);
  // a synthesized image without its target
  fs::remove(d.img("a_real_image.png"));
  CHECK_THROWS_WITH_AS(p2p::evaluate_results(d.res()), doctest::Contains("a_real_image.png"), Error);
  // an empty or missing results folder
  fs::remove(d.img("a_synthesized_image.png"));
  CHECK_THROWS_WITH_AS(p2p::evaluate_results(d.res()), doctest::Contains("no *_synthesized_image"), Error);
  CHECK_THROWS_WITH_AS(p2p::evaluate_results((d.root / "nowhere").string()), doctest::Contains("is not a folder"), Error);
}

TEST_CASE("pix2pixhd eval: the mask net as segmenter gives one id per pixel at the image's size") {
  Generator gen(3);
  zoo::masknet::MaskNetOptions o;
  o.width = 4;
  zoo::masknet::Net net(o, &gen);
  const auto seg = p2p::masknet_segmenter(net);
  io::Image img = blocks({kRed, kGreen, kGreen, kBlue});
  img = data::resize(img, 20, 12, data::Resample::bilinear);  // not a multiple of 8: padded inside
  const auto ids = seg(img);
  REQUIRE(ids.size() == 240);
  for (int32_t v : ids) CHECK((v >= 0 && v < 35));
}
