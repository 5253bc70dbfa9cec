// tests/io/test_idx.cpp — idx files: synthetic good and corrupt files (plain and gzip), and
// the real Fashion-MNIST from Debian's dataset-fashion-mnist when it is installed.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <ganlib/io/idx.hpp>
#include <random>
#include <string>
#include <vector>

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::io;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {

void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}
std::vector<uint8_t> idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> b;
  put_be32(b, magic);
  for (auto d : dims) put_be32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}
void write_plain(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}
void write_gz(const std::string& path, const std::vector<uint8_t>& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f);
  REQUIRE(gzwrite(f, b.data(), unsigned(b.size())) == int(b.size()));
  REQUIRE(gzclose(f) == Z_OK);
}
std::vector<uint8_t> read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(i * 37 + 11);
  return v;
}

}  // namespace

TEST_CASE("idx: synthetic images and labels read back exactly, plain and gzip") {
  TempDir dir;
  const auto px = pattern(7 * 4 * 5);
  const std::vector<uint8_t> labels = {3, 1, 4, 1, 5, 9, 2};
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    const std::string ip = dir / (gz ? "i.gz" : "i"), lp = dir / (gz ? "l.gz" : "l");
    (gz ? write_gz : write_plain)(ip, idx_bytes(kIdxImagesMagic, {7, 4, 5}, px));
    (gz ? write_gz : write_plain)(lp, idx_bytes(kIdxLabelsMagic, {7}, labels));
    const auto im = read_idx_images(ip);
    CHECK(im.count == 7);
    CHECK(im.rows == 4);
    CHECK(im.cols == 5);
    CHECK(im.pixels == px);
    CHECK(im.image(2)[3] == px[2 * 20 + 3]);
    CHECK(read_idx_labels(lp) == labels);
  }
  // A Fashion-MNIST-style folder (plain files, no .gz) with matching counts.
  write_plain(dir / "train-images-idx3-ubyte", idx_bytes(kIdxImagesMagic, {7, 4, 5}, px));
  write_plain(dir / "train-labels-idx1-ubyte", idx_bytes(kIdxLabelsMagic, {7}, labels));
  const auto ds = load_fashion_mnist(dir.path.string(), true);
  CHECK(ds.images.count == 7);
  CHECK(ds.labels == labels);

  const auto im = read_idx_images(dir / "i.gz");
  const auto t = idx_images_to_tensor<float, cpu>(im, 2, 3);
  CHECK(t.shape() == Shape{3, 1, 4, 5});
  CHECK(t.to_vector()[0] == doctest::Approx(px[40] / 127.5 - 1).epsilon(1e-6));
  CHECK(idx_images_to_tensor<float, cpu>(im).shape() == Shape{7, 1, 4, 5});
  CHECK(has(error_of([&] { idx_images_to_tensor<float, cpu>(im, 5, 3); }),
            "range [5, 8) is outside the 7 images"));
  // Empty sets are legal.
  write_plain(dir / "none", idx_bytes(kIdxImagesMagic, {0, 28, 28}, {}));
  CHECK(read_idx_images(dir / "none").count == 0);
}

TEST_CASE("idx: corrupt files give errors naming the file and the problem") {
  TempDir dir;
  const auto px = pattern(3 * 2 * 2);
  auto err = [&](const std::string& name, const std::vector<uint8_t>& b, bool gz, bool images) {
    const std::string p = dir / name;
    (gz ? write_gz : write_plain)(p, b);
    const std::string msg = images ? error_of([&] { read_idx_images(p); })
                                   : error_of([&] { read_idx_labels(p); });
    CHECK(has(msg, p));
    return msg;
  };
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    // A label file read as images, and the reverse.
    std::string msg = err("swap", idx_bytes(kIdxLabelsMagic, {3}, {1, 2, 3}), gz, true);
    CHECK(has(msg, "magic number 2049, expected 2051 (idx images); it is a label file"));
    msg = err("swap2", idx_bytes(kIdxImagesMagic, {3, 2, 2}, px), gz, false);
    CHECK(has(msg, "magic number 2051, expected 2049 (idx labels); it is an image file"));
    CHECK(has(err("magic", idx_bytes(0x12345678, {3, 2, 2}, px), gz, true), "has magic number 305419896"));
    // Shorter than the header.
    CHECK(has(err("tiny", {0, 0}, gz, true), "2 bytes, too short for the magic number"));
    CHECK(has(err("hdr", {0, 0, 8, 3, 0, 0, 0, 3, 0, 0}, gz, true), "10 bytes, too short for its 16-byte header"));
    // Dims against data size, both ways.
    CHECK(has(err("short", idx_bytes(kIdxImagesMagic, {3, 2, 2}, pattern(11)), gz, true),
              "dims 3 x 2 x 2 need 12 data bytes but the file holds 11 (file too short)"));
    CHECK(has(err("long", idx_bytes(kIdxImagesMagic, {3, 2, 2}, pattern(13)), gz, true),
              "holds 13 (trailing data)"));
    CHECK(has(err("lshort", idx_bytes(kIdxLabelsMagic, {60000}, pattern(100)), gz, false),
              "dims 60000 need 60000 data bytes but the file holds 100"));
    // Dims whose product overflows 64 bits.
    CHECK(has(err("huge", idx_bytes(kIdxImagesMagic, {0xffffffffu, 0xffffffffu, 0xffffffffu}, px), gz, true),
              "dims overflow"));
    CHECK(has(err("empty", {}, gz, true), "0 bytes, too short"));
  }
  // Damaged gzip streams: cut short, and bytes flipped inside the compressed data.
  const std::string good = dir / "good.gz";
  std::vector<uint8_t> big(16 + 50 * 28 * 28);
  std::mt19937 rng(3);
  for (auto& b : big) b = uint8_t(rng() % 7);
  write_gz(good, idx_bytes(kIdxImagesMagic, {50, 28, 28}, std::vector<uint8_t>(big.begin() + 16, big.end())));
  const auto z = read_plain(good);
  write_plain(dir / "cut.gz", std::vector<uint8_t>(z.begin(), z.begin() + long(z.size() / 2)));
  std::string msg = error_of([&] { read_idx_images(dir / "cut.gz"); });
  CHECK(has(msg, dir / "cut.gz"));
  CHECK(has(msg, "truncated or corrupt gzip"));
  auto flipped = z;
  for (size_t i = 40; i < flipped.size() - 40; i += 50) flipped[i] ^= 0xff;
  write_plain(dir / "flip.gz", flipped);
  msg = error_of([&] { read_idx_images(dir / "flip.gz"); });
  CHECK(has(msg, dir / "flip.gz"));
  CHECK(has(msg, "corrupt"));
  auto badcrc = z;
  badcrc[badcrc.size() - 6] ^= 0x01;  // the CRC32 in the gzip trailer
  write_plain(dir / "crc.gz", badcrc);
  CHECK(has(error_of([&] { read_idx_images(dir / "crc.gz"); }), "corrupt"));

  msg = error_of([&] { read_idx_images(dir / "missing.gz"); });
  CHECK(has(msg, "no such file"));
  CHECK(has(msg, dir / "missing.gz"));
  CHECK(has(error_of([&] { read_idx_labels(dir.path.string()); }), "it is a folder"));
  // The decompressed-size bound holds.
  CHECK(has(error_of([&] { read_idx_images(good, 1000); }), "decompresses to more than 1000 bytes"));

  // Fashion-MNIST folder checks: counts must agree, labels must be 0..9.
  write_plain(dir / "t10k-images-idx3-ubyte", idx_bytes(kIdxImagesMagic, {3, 2, 2}, px));
  write_plain(dir / "t10k-labels-idx1-ubyte", idx_bytes(kIdxLabelsMagic, {2}, {1, 2}));
  CHECK(has(error_of([&] { load_fashion_mnist(dir.path.string(), false); }), "holds 3 images but"));
  write_plain(dir / "t10k-labels-idx1-ubyte", idx_bytes(kIdxLabelsMagic, {3}, {1, 12, 2}));
  CHECK(has(error_of([&] { load_fashion_mnist(dir.path.string(), false); }),
            "label 12 at index 1 is outside 0..9"));
}

TEST_CASE("idx: random corruption of a gzip'd idx file never crashes") {
  TempDir dir;
  write_gz(dir / "g.gz", idx_bytes(kIdxImagesMagic, {4, 8, 8}, pattern(256)));
  const auto z = read_plain(dir / "g.gz");
  std::mt19937 rng(9);
  int rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    auto b = z;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = uint8_t(rng());
    if (trial % 3 == 0) b.resize(rng() % b.size());
    write_plain(dir / "f.gz", b);
    try {
      const auto im = read_idx_images(dir / "f.gz");
      REQUIRE(int64_t(im.pixels.size()) == im.count * im.rows * im.cols);
    } catch (const ganlib::Error&) {
      ++rejected;
    }
  }
  CHECK(rejected > 250);
}

TEST_CASE("idx: the real Fashion-MNIST (Debian dataset-fashion-mnist), when installed") {
  if (!fs::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: ", kFashionMnistDir, " is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  // Known facts: 60000 + 10000 28x28 images, 10 balanced classes, the first training label is
  // 9 (ankle boot), mean pixel 0.2860 and std 0.3530 of 255 (the usual normalisation constants).
  // The pixel sums were computed once by this reader and pin the exact content.
  struct Split {
    bool train;
    int64_t count;
    uint64_t sum;
    int first_labels[3];
  };
  for (const Split s : {Split{true, 60000, 3431114169ull, {9, 0, 0}}, Split{false, 10000, 573469082ull, {9, 2, 1}}}) {
    CAPTURE(s.train);
    const auto ds = load_fashion_mnist(kFashionMnistDir, s.train);
    REQUIRE(ds.images.count == s.count);
    CHECK(ds.images.rows == 28);
    CHECK(ds.images.cols == 28);
    REQUIRE(int64_t(ds.labels.size()) == s.count);
    std::vector<int64_t> hist(10, 0);
    int64_t out_of_range = 0;
    for (auto l : ds.labels) l <= 9 ? ++hist[l] : ++out_of_range;
    CHECK(out_of_range == 0);
    for (auto h : hist) CHECK(h == s.count / 10);
    for (int i = 0; i < 3; ++i) CHECK(ds.labels[size_t(i)] == s.first_labels[i]);
    uint64_t sum = 0, sq = 0;
    for (auto p : ds.images.pixels) {
      sum += p;
      sq += uint64_t(p) * p;
    }
    CHECK(sum == s.sum);
    if (s.train) {
      const double n = double(ds.images.pixels.size()), mean = double(sum) / n / 255;
      const double sd = std::sqrt(double(sq) / n / (255.0 * 255) - mean * mean);
      CHECK(mean == doctest::Approx(0.2860).epsilon(5e-4));
      CHECK(sd == doctest::Approx(0.3530).epsilon(5e-4));
    }
  }
}
