// tests/data/test_datasets.cpp — transforms (PIL parity, shared crop/flip params, exact label
// ids), and the pix2pixHD, vid2vid, class-folder and Fashion-MNIST datasets on fixtures written
// here (the synthetic street generator at 64×32), including the mismatch errors.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "ganlib/data.hpp"
#include "ganlib/data/synthetic/streets.hpp"

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::data;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {

// doctest's Contains takes its own string type; this builds one from a std::string.
doctest::Contains has(const std::string& s) { return doctest::Contains(s.c_str()); }

// The 11×7 RGB test pattern the PIL references below were computed from.
io::Image pattern() {
  io::Image im;
  im.width = 11, im.height = 7, im.channels = 3;
  im.data.resize(11 * 7 * 3);
  for (int y = 0; y < 7; ++y)
    for (int x = 0; x < 11; ++x)
      for (int c = 0; c < 3; ++c) im.at(y, x, c) = uint8_t((x * 37 + y * 91 + c * 53 + (x * y * 13) % 29) % 256);
  return im;
}

std::vector<int> parse_ints(const std::string& s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string tok;
  while (std::getline(ss, tok, ',')) v.push_back(std::stoi(tok));
  return v;
}

// Pillow 9.4 Image.resize of pattern(): the string is np.asarray(result).flatten().
void check_pil(int w, int h, Resample r, const std::string& expected) {
  const io::Image out = resize(pattern(), w, h, r);
  REQUIRE(out.width == w);
  REQUIRE(out.height == h);
  const auto want = parse_ints(expected);
  REQUIRE(want.size() == out.data.size());
  int mismatches = 0;
  for (size_t i = 0; i < want.size(); ++i) mismatches += int(out.data[i]) != want[i];
  INFO(to_string(r), " ", w, "x", h);
  CHECK(mismatches == 0);
}

io::Image16 coord_labels(int w, int h) {  // id = x + 64·y: every pixel names its source
  io::Image16 im;
  im.width = w, im.height = h, im.channels = 1;
  im.data.resize(size_t(w * h));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) im.data[size_t(y * w + x)] = uint16_t(x + 64 * y);
  return im;
}
io::Image coord_image(int w, int h) {  // R = 4x, G = 8y
  io::Image im;
  im.width = w, im.height = h, im.channels = 3;
  im.data.resize(size_t(w * h * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      im.at(y, x, 0) = uint8_t(4 * x);
      im.at(y, x, 1) = uint8_t(8 * y);
      im.at(y, x, 2) = 7;
    }
  return im;
}

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  gzclose(f);
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
}

}  // namespace

// ---- transforms -----------------------------------------------------------------------------

TEST_CASE("transforms: resize matches Pillow 9.4 bit for bit (bicubic, bilinear, nearest)") {
  check_pil(5, 4, Resample::bicubic,
            "77,129,157,127,132,149,113,130,124,87,113,153,131,137,138,138,131,123,98,123,151,133,133,127,151,144,105,"
            "102,111,149,131,164,111,142,136,119,121,116,143,124,141,131,149,149,120,129,133,133,119,129,189,152,105,128,"
            "92,100,128,93,145,139");
  check_pil(6, 5, Resample::bilinear,
            "55,108,154,115,141,153,119,153,160,132,98,105,71,120,158,125,137,153,162,155,128,123,115,114,77,105,158,117,"
            "170,120,157,143,126,115,101,105,90,123,129,120,150,168,143,142,111,167,92,111,105,132,138,124,151,180,169,174,"
            "98,148,135,95,89,111,164,130,159,153,123,139,96,139,124,103,112,128,140,112,146,199,170,90,143,111,99,108,84,"
            "109,160,110,163,133");
  check_pil(4, 3, Resample::nearest,
            "141,194,247,6,59,112,77,130,183,169,222,19,64,117,170,176,229,26,241,38,91,97,150,203,243,40,93,119,172,225,"
            "178,231,28,25,78,131");
  // Upscaling: 17×9 bicubic (overshoot clipped to 0/255 as PIL does); first rows checked.
  const io::Image up = resize(pattern(), 17, 9, Resample::bicubic);
  const auto want = parse_ints("0,46,99,9,62,115,36,89,143,60,112,175,83,141,203,109,174,227,141,197,255,169,231,188,"
                               "192,245,30,236,87,43,173,5,78,6,48,103");
  for (size_t i = 0; i < want.size(); ++i) CHECK(int(up.data[i]) == want[i]);
}

TEST_CASE("transforms: one set of crop and flip params moves every input of a sample alike") {
  const io::Image16 lab = coord_labels(60, 30);
  const io::Image img = coord_image(60, 30);
  TransformOptions o;
  o.mode = ResizeOrCrop::crop;
  o.fine_size = 16;
  int flipped = 0;
  std::set<std::pair<int, int>> positions;
  for (uint64_t key = 0; key < 40; ++key) {
    SampleRng rng(key);
    const auto p = get_params(o, 60, 30, rng);
    CHECK((p.crop_x >= 0 && p.crop_x <= 60 - 16 && p.crop_y >= 0 && p.crop_y <= 30 - 16));
    positions.insert({p.crop_x, p.crop_y});
    flipped += p.flip;
    const auto l2 = apply_transform(lab, o, p, Resample::nearest);
    const auto i2 = apply_transform(img, o, p, Resample::bicubic);
    REQUIRE(l2.width == 16);
    REQUIRE(l2.height == 16);
    REQUIRE(i2.width == 16);
    bool all_same = true;
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 16; ++x) {
        const int id = l2.data[size_t(y * 16 + x)];
        const int sx = id % 64, sy = id / 64;
        all_same &= i2.at(y, x, 0) == 4 * sx && i2.at(y, x, 1) == 8 * sy;
        // and the source pixel is where the params say
        const int ex = p.flip ? p.crop_x + 15 - x : p.crop_x + x;
        all_same &= sx == ex && sy == p.crop_y + y;
      }
    CHECK(all_same);
  }
  CHECK(positions.size() > 20);  // crop positions vary with the key
  CHECK(flipped > 8);
  CHECK(flipped < 32);
  // Same key, same params.
  SampleRng a(7), b(7);
  const auto pa = get_params(o, 60, 30, a), pb = get_params(o, 60, 30, b);
  CHECK((pa.crop_x == pb.crop_x && pa.crop_y == pb.crop_y && pa.flip == pb.flip));
}

TEST_CASE("transforms: nearest keeps label ids exact; flip mirrors; no flip when disabled") {
  const synth::StreetFrame f = synth::generate_street(3, 0, 64, 32);
  io::Image16 lab;
  lab.width = 64, lab.height = 32, lab.channels = 1;
  lab.data.assign(f.label.begin(), f.label.end());
  const std::set<uint16_t> ids(lab.data.begin(), lab.data.end());
  for (auto [w, h] : {std::pair{40, 20}, std::pair{128, 64}, std::pair{33, 17}}) {
    const auto r = resize_nearest(lab, w, h);
    CHECK(r.width == w);
    for (auto v : r.data) CHECK(ids.count(v) == 1);
  }
  TransformOptions o;
  o.mode = ResizeOrCrop::scale_width;
  o.load_size = 32;
  TransformParams p;
  p.flip = true;
  const auto a = apply_transform(lab, o, p, Resample::nearest);
  o.flip = false;
  const auto b = apply_transform(lab, o, p, Resample::nearest);
  REQUIRE((a.width == 32 && a.height == 16 && b.width == 32 && b.height == 16));
  bool mirrored = true;
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x) mirrored &= a.data[size_t(y * 32 + x)] == b.data[size_t(y * 32 + 31 - x)];
  CHECK(mirrored);
  // The label tensor holds the ids themselves.
  const auto t = ids_to_tensor<float>(b);
  CHECK(t.shape() == Shape{1, 16, 32});
  const auto v = t.to_vector();
  for (size_t i = 0; i < v.size(); ++i) CHECK(v[i] == float(b.data[i]));
}

TEST_CASE("transforms: output sizes of every resize_or_crop mode") {
  const io::Image img = coord_image(70, 33);
  SampleRng rng(1);
  auto size_of = [&](TransformOptions o) {
    o.flip = false;
    const auto p = get_params(o, 70, 33, rng);
    const auto out = apply_transform(img, o, p, o.image_resample);
    const auto predicted = transformed_size(o, 70, 33);
    CHECK(predicted.first == out.width);
    CHECK(predicted.second == out.height);
    return std::pair{out.width, out.height};
  };
  TransformOptions o;
  o.load_size = 48, o.fine_size = 24, o.power2_base = 16;
  o.mode = ResizeOrCrop::resize_and_crop;
  CHECK(size_of(o) == std::pair{24, 24});
  o.mode = ResizeOrCrop::crop;
  CHECK(size_of(o) == std::pair{24, 24});
  o.mode = ResizeOrCrop::scale_width;
  CHECK(size_of(o) == std::pair{48, 22});  // int(48 · 33 / 70)
  o.mode = ResizeOrCrop::scale_width_and_crop;
  CHECK(size_of(o) == std::pair{24, 22});  // crop clipped to the 22 rows there are
  o.mode = ResizeOrCrop::none;
  CHECK(size_of(o) == std::pair{64, 32});  // round(70/16)·16, round(33/16)·16
  CHECK(parse_resize_or_crop("scale_width_and_crop") == ResizeOrCrop::scale_width_and_crop);
  CHECK_THROWS_WITH_AS(parse_resize_or_crop("zoom"), doctest::Contains("unknown mode 'zoom'"), Error);
}

// ---- pix2pixHD ------------------------------------------------------------------------------

TEST_CASE("pix2pixhd dataset: reads the layout, pairs files, converts exactly") {
  TempDir dir("p2p");
  synth::write_streets_dataset(dir.str(), "train", 3, 64, 32, 11);
  Pix2PixHDDataOptions o;
  o.root = dir.str();
  o.transform.mode = ResizeOrCrop::none;
  o.transform.flip = false;
  Pix2PixHDDataset<float> ds(o);
  REQUIRE(ds.size() == 3);
  for (int64_t i = 0; i < 3; ++i) {
    const auto s = ds.sample(i);
    const auto f = synth::generate_street(11, uint64_t(i), 64, 32);
    CHECK(s["label"].shape() == Shape{1, 32, 64});
    CHECK(s["inst"].shape() == Shape{1, 32, 64});
    CHECK(s["image"].shape() == Shape{3, 32, 64});
    CHECK_FALSE(s.has("feat"));
    const auto lab = s["label"].to_vector(), inst = s["inst"].to_vector(), img = s["image"].to_vector();
    int bad = 0;
    for (size_t k = 0; k < f.label.size(); ++k) {
      bad += lab[k] != float(f.label[k]);
      bad += inst[k] != float(f.inst[k]);
      for (size_t c = 0; c < 3; ++c) bad += std::abs(img[c * 2048 + k] - (f.image[k * 3 + c] / 127.5f - 1.f)) > 1e-6f;
    }
    CHECK(bad == 0);
    CHECK(s.path == (dir.path / "train_label" / synth::street_detail::frame_name(int(i))).string());
  }
}

TEST_CASE("pix2pixhd dataset: random crop and flip are shared by label and instance map") {
  TempDir dir("p2p_crop");
  synth::write_streets_dataset(dir.str(), "train", 2, 64, 32, 5);
  Pix2PixHDDataOptions o;
  o.root = dir.str();
  o.transform.mode = ResizeOrCrop::scale_width_and_crop;
  o.transform.load_size = 48;
  o.transform.fine_size = 16;
  Pix2PixHDDataset<float> ds(o);
  int checked = 0;
  for (uint64_t key = 0; key < 12; ++key) {
    SampleRng rng(key);
    const auto s = ds.get(int64_t(key % 2), rng);
    REQUIRE(s["label"].shape() == Shape{1, 16, 16});
    REQUIRE(s["image"].shape() == Shape{3, 16, 16});
    const auto lab = s["label"].to_vector(), inst = s["inst"].to_vector();
    bool agree = true;
    for (size_t k = 0; k < lab.size(); ++k) {
      const int id = int(inst[k]);
      agree &= (id < 1000 ? id : id / 1000) == int(lab[k]);  // Cityscapes: things are class·1000+k
    }
    CHECK(agree);
    ++checked;
  }
  CHECK(checked == 12);
}

TEST_CASE("pix2pixhd dataset: Cityscapes names pair; label_nc 0 reads _A/_B; features load") {
  TempDir dir("p2p_names");
  synth::write_streets_dataset(dir.str(), "val", 2, 64, 32, 2);
  const std::vector<std::string> stems = {"aachen_000000_000019", "bochum_000000_000313"};
  for (int i = 0; i < 2; ++i) {
    const std::string n = synth::street_detail::frame_name(i);
    fs::rename(dir.path / "val_label" / n, dir.path / "val_label" / (stems[size_t(i)] + "_gtFine_labelIds.png"));
    fs::rename(dir.path / "val_inst" / n, dir.path / "val_inst" / (stems[size_t(i)] + "_gtFine_instanceIds.png"));
    fs::rename(dir.path / "val_img" / n, dir.path / "val_img" / (stems[size_t(i)] + "_leftImg8bit.png"));
  }
  fs::copy(dir.path / "val_img", dir.path / "val_feat");
  Pix2PixHDDataOptions o;
  o.root = dir.str();
  o.phase = "val";
  o.load_features = true;
  o.transform.mode = ResizeOrCrop::none;
  Pix2PixHDDataset<float> ds(o);
  CHECK(ds.size() == 2);
  const auto s = ds.sample(1);
  CHECK(s["feat"].shape() == Shape{3, 32, 64});
  CHECK(s.path.find("bochum") != std::string::npos);

  fs::copy(dir.path / "val_img", dir.path / "val_A");
  fs::copy(dir.path / "val_img", dir.path / "val_B");
  o.label_nc = 0;
  o.use_instance = false;
  o.load_features = false;
  Pix2PixHDDataset<float> rgb(o);
  const auto r = rgb.sample(0);
  CHECK(r["label"].shape() == Shape{3, 32, 64});
  CHECK(r["label"].to_vector() == r["image"].to_vector());
}

TEST_CASE("pix2pixhd dataset: count and name mismatches name the files") {
  TempDir dir("p2p_bad");
  synth::write_streets_dataset(dir.str(), "train", 3, 64, 32, 1);
  Pix2PixHDDataOptions o;
  o.root = dir.str();
  o.transform.mode = ResizeOrCrop::none;
  fs::remove(dir.path / "train_inst" / "00001.png");
  CHECK_THROWS_WITH_AS(Pix2PixHDDataset<float>{o},
                       has("holds 3 images but '" + (dir.path / "train_inst").string() +
                                         "' holds 2; files pair by sorted name; '" +
                                         (dir.path / "train_label" / "00001.png").string() + "' has no partner"),
                       Error);
  fs::copy_file(dir.path / "train_inst" / "00000.png", dir.path / "train_inst" / "00001.png");
  fs::rename(dir.path / "train_img" / "00002.png", dir.path / "train_img" / "00009.png");
  CHECK_THROWS_WITH_AS(Pix2PixHDDataset<float>{o},
                       has("is '" + (dir.path / "train_label" / "00002.png").string() +
                                         "' but file 2 of '" + (dir.path / "train_img").string() + "' is '" +
                                         (dir.path / "train_img" / "00009.png").string() + "'; their names differ"),
                       Error);
  o.check_names = false;
  CHECK_NOTHROW(Pix2PixHDDataset<float>{o});
  o.phase = "test";
  CHECK_THROWS_WITH_AS(Pix2PixHDDataset<float>{o}, doctest::Contains("test_label' is not a folder (it does not exist)"), Error);
  // A size mismatch inside an item names both files.
  o.phase = "train";
  o.check_names = true;
  fs::rename(dir.path / "train_img" / "00009.png", dir.path / "train_img" / "00002.png");
  const auto small = synth::generate_street(1, 0, 32, 16);
  synth::png::write_png((dir.path / "train_img" / "00001.png").string(), 32, 16, 3, 8, small.image.data());
  Pix2PixHDDataset<float> ds(o);
  CHECK_THROWS_WITH_AS(ds.sample(1), doctest::Contains("00001.png' is 32 x 16 but its label map"), Error);
}

// ---- vid2vid --------------------------------------------------------------------------------

TEST_CASE("vid2vid dataset: clips of per-sequence folders, one set of params per clip") {
  TempDir dir("v2v");
  synth::write_streets_video_dataset(dir.str(), "train", 2, 6, 64, 32, 4);
  Vid2VidDataOptions o;
  o.root = dir.str();
  o.n_frames = 3;
  o.max_t_step = 2;
  o.transform.mode = ResizeOrCrop::none;
  o.transform.flip = false;
  Vid2VidDataset<float> ds(o);
  REQUIRE(ds.size() == 2);
  CHECK(ds.sequence_names() == std::vector<std::string>{"seq_00000", "seq_00001"});
  CHECK(ds.longest_sequence() == 6);
  const auto frames = synth::generate_street_sequence(4, 1, 6, 64, 32);
  std::set<std::string> starts, steps;
  for (uint64_t key = 0; key < 16; ++key) {
    SampleRng rng(key);
    const auto s = ds.get(1, rng);
    REQUIRE(s["A"].shape() == Shape{3, 1, 32, 64});
    REQUIRE(s["B"].shape() == Shape{3, 3, 32, 64});
    REQUIRE(s["inst"].shape() == Shape{3, 1, 32, 64});
    const int start = std::stoi(s.meta.at("start")), step = std::stoi(s.meta.at("t_step"));
    CHECK(s.meta.at("sequence") == "seq_00001");
    CHECK((step >= 1 && step <= 2 && start >= 0 && start + 2 * step <= 5));
    starts.insert(s.meta.at("start"));
    steps.insert(s.meta.at("t_step"));
    const auto A = s["A"].to_vector(), I = s["inst"].to_vector();
    bool exact = true;
    for (int k = 0; k < 3; ++k) {
      const auto& f = frames[size_t(start + k * step)];
      for (size_t p = 0; p < f.label.size(); ++p) {
        exact &= A[size_t(k) * 2048 + p] == float(f.label[p]);
        exact &= I[size_t(k) * 2048 + p] == float(f.inst[p]);
      }
    }
    CHECK(exact);
  }
  CHECK(starts.size() > 1);
  CHECK(steps.size() == 2);
  // Whole sequences at test time.
  o.n_frames = 0;
  Vid2VidDataset<float> all(o);
  CHECK(all.sample(0)["B"].shape() == Shape{6, 3, 32, 64});
  // A random crop is the same for every frame: labels and instances agree frame by frame.
  o.n_frames = 4;
  o.transform.mode = ResizeOrCrop::crop;
  o.transform.fine_size = 16;
  o.transform.flip = true;
  Vid2VidDataset<float> cropped(o);
  const auto c = cropped.sample(0);
  REQUIRE(c["A"].shape() == Shape{4, 1, 16, 16});
  const auto A = c["A"].to_vector(), I = c["inst"].to_vector();
  bool agree = true;
  for (size_t k = 0; k < A.size(); ++k) agree &= (I[k] < 1000 ? I[k] : std::floor(I[k] / 1000)) == A[k];
  CHECK(agree);
}

TEST_CASE("vid2vid dataset: missing sequences and frame-count mismatches name the folders") {
  TempDir dir("v2v_bad");
  synth::write_streets_video_dataset(dir.str(), "train", 2, 3, 64, 32, 8);
  Vid2VidDataOptions o;
  o.root = dir.str();
  fs::remove(dir.path / "train_B" / "seq_00001" / "00002.png");
  CHECK_THROWS_WITH_AS(Vid2VidDataset<float>{o},
                       has("'" + (dir.path / "train_A" / "seq_00001").string() + "' holds 3 images but '" +
                                         (dir.path / "train_B" / "seq_00001").string() + "' holds 2"),
                       Error);
  fs::remove_all(dir.path / "train_inst" / "seq_00000");
  o.load_b = false;
  CHECK_THROWS_WITH_AS(Vid2VidDataset<float>{o},
                       has("sequence 'seq_00000' of '" + (dir.path / "train_A").string() +
                                         "' has no folder in '" + (dir.path / "train_inst").string() + "'"),
                       Error);
  o.use_instance = false;
  CHECK(Vid2VidDataset<float>{o}.size() == 2);
}

// ---- class folders --------------------------------------------------------------------------

TEST_CASE("class-folder dataset: sorted classes, labels, resizing; errors name the folder or file") {
  TempDir dir("classes");
  auto solid = [](int w, int h, uint8_t r, uint8_t g, uint8_t b) {
    io::Image im;
    im.width = w, im.height = h, im.channels = 3;
    for (int i = 0; i < w * h; ++i) im.data.insert(im.data.end(), {r, g, b});
    return im;
  };
  fs::create_directories(dir.path / "zebra");
  fs::create_directories(dir.path / "ant");
  io::write_png((dir.path / "zebra" / "b.png").string(), solid(12, 8, 255, 0, 0));
  io::write_png((dir.path / "zebra" / "a.png").string(), solid(8, 8, 0, 255, 0));
  io::write_jpeg((dir.path / "ant" / "x.jpg").string(), solid(10, 10, 0, 0, 255), 100);
  ClassFolderOptions o;
  o.root = dir.str();
  o.image_size = 8;
  ClassFolderDataset<float> ds(o);
  CHECK(ds.classes() == std::vector<std::string>{"ant", "zebra"});
  REQUIRE(ds.size() == 3);
  CHECK(ds.label_of(0) == 0);
  CHECK(ds.label_of(1) == 1);
  CHECK(ds.path_of(1) == (dir.path / "zebra" / "a.png").string());
  const auto s = ds.sample(2);  // zebra/b.png: 12×8 → centre 8×8
  CHECK(s["image"].shape() == Shape{3, 8, 8});
  CHECK(s["label"].shape() == Shape{});
  CHECK(s["label"].item() == 1.f);
  CHECK(s["image"].to_vector()[0] == 1.f);  // red
  CHECK(ds.sample(0)["image"].to_vector()[128] > 0.95f);  // blue channel of the jpeg
  o.channels = 1;
  CHECK(ClassFolderDataset<float>(o).sample(1)["image"].shape() == Shape{1, 8, 8});

  { std::ofstream(dir.path / "ant" / "y.png") << "not a png"; }
  ClassFolderDataset<float> with_bad(o);
  CHECK_THROWS_WITH_AS(with_bad.sample(1), has((dir.path / "ant" / "y.png").string()), Error);
  fs::create_directories(dir.path / "empty_class");
  CHECK_THROWS_WITH_AS(ClassFolderDataset<float>{o},
                       has("class folder '" + (dir.path / "empty_class").string() + "' holds no images"),
                       Error);
  TempDir none("classes_none");
  o.root = none.str();
  CHECK_THROWS_WITH_AS(ClassFolderDataset<float>{o}, doctest::Contains("has no class sub-folders"), Error);
}

// ---- Fashion-MNIST --------------------------------------------------------------------------

TEST_CASE("fashion-mnist dataset: idx fixture, padding, labels; the Debian copy when present") {
  TempDir dir("fmnist");
  std::vector<uint8_t> images, labels;
  put32(images, 2051), put32(images, 5), put32(images, 28), put32(images, 28);
  for (int n = 0; n < 5; ++n)
    for (int p = 0; p < 784; ++p) images.push_back(uint8_t((p + n * 50) % 256));
  put32(labels, 2049), put32(labels, 5);
  for (int n = 0; n < 5; ++n) labels.push_back(uint8_t(9 - n));
  write_gz((dir.path / "t10k-images-idx3-ubyte.gz").string(), images);
  write_gz((dir.path / "t10k-labels-idx1-ubyte.gz").string(), labels);
  FashionMnistOptions o;
  o.dir = dir.str();
  o.train = false;
  o.pad = 2;
  FashionMnistDataset<float> ds(o);
  REQUIRE(ds.size() == 5);
  const auto s = ds.sample(3);
  CHECK(s["image"].shape() == Shape{1, 32, 32});
  CHECK(s["label"].item() == 6.f);
  const auto v = s["image"].to_vector();
  CHECK(v[0] == -1.f);                                  // padding is background
  CHECK(v[2 * 32 + 2] == doctest::Approx(150 / 127.5 - 1));  // pixel (0, 0) of image 3
  o.train = true;
  CHECK_THROWS_WITH_AS(FashionMnistDataset<float>{o}, doctest::Contains("train-images-idx3-ubyte"), Error);

  if (fs::exists(std::string(io::kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz")) {
    FashionMnistOptions real;
    real.train = false;
    FashionMnistDataset<float> t10k(real);
    CHECK(t10k.size() == 10000);
    CHECK(t10k.sample(0)["image"].shape() == Shape{1, 28, 28});
  } else {
    MESSAGE("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist): real-data check skipped");
  }
}
