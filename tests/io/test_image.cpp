// tests/io/test_image.cpp — images: PNG/JPEG round trips, exact 8/16-bit label maps,
// image <-> tensor conversion, and an error naming the file and reason for each bad input.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ganlib/io/image.hpp>
#include <random>
#include <string>
#include <vector>

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::io;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {

Image test_image(int w, int h, int c, uint32_t seed) {
  Image img{w, h, c, {}};
  std::mt19937 rng(seed);
  for (int i = 0; i < w * h * c; ++i) img.data.push_back(uint8_t(rng()));
  return img;
}

// A smooth image: JPEG reproduces it closely.
Image gradient_image(int w, int h) {
  Image img{w, h, 3, std::vector<uint8_t>(size_t(w * h * 3))};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      img.at(y, x, 0) = uint8_t(255 * x / (w - 1));
      img.at(y, x, 1) = uint8_t(255 * y / (h - 1));
      img.at(y, x, 2) = uint8_t(128 + 100 * std::sin(0.1 * (x + y)));
    }
  return img;
}

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// Sets a big-endian u32 in a PNG and recomputes the chunk's CRC (chunk data at `chunk`).
void patch_png_u32(std::vector<uint8_t>& png, size_t at, uint32_t v, size_t chunk_type, size_t chunk_len) {
  for (int i = 0; i < 4; ++i) png[at + size_t(i)] = uint8_t(v >> (24 - 8 * i));
  const uLong crc = crc32(0L, png.data() + chunk_type, uInt(4 + chunk_len));
  for (int i = 0; i < 4; ++i) png[chunk_type + 4 + chunk_len + size_t(i)] = uint8_t(crc >> (24 - 8 * i));
}

}  // namespace

TEST_CASE("image: 8-bit PNG round trips exactly (grey, grey+alpha, RGB, RGBA)") {
  TempDir dir;
  for (int c = 1; c <= 4; ++c) {
    CAPTURE(c);
    const Image img = test_image(37, 23, c, uint32_t(c));
    const std::string path = dir / ("rgb" + std::to_string(c) + ".png");
    write_png(path, img);
    const Image back = read_image(path);
    CHECK(back.width == 37);
    CHECK(back.height == 23);
    CHECK(back.channels == c);
    CHECK(back.data == img.data);
  }
  // Conversion on request: RGB -> grey and grey -> RGB.
  const Image rgb = test_image(5, 4, 3, 7);
  write_png(dir / "conv.png", rgb);
  const Image four = read_image(dir / "conv.png", 4);
  CHECK(four.channels == 4);
  CHECK(four.at(2, 3, 1) == rgb.at(2, 3, 1));
  CHECK(four.at(2, 3, 3) == 255);
  CHECK(files_in(dir.path) == 5);  // no temp files left behind
}

TEST_CASE("image: 16-bit label PNG round trips exactly, values above 255 included") {
  TempDir dir;
  Image16 lab{19, 11, 1, {}};
  const uint16_t specials[] = {0, 1, 254, 255, 256, 257, 1000, 4095, 32768, 65534, 65535};
  for (int i = 0; i < 19 * 11; ++i)
    lab.data.push_back(i < 11 ? specials[i] : uint16_t((i * 2654435761u) >> 16));
  write_png(dir / "label16.png", lab);
  const Image16 back = read_label_png(dir / "label16.png");
  CHECK(back.width == 19);
  CHECK(back.height == 11);
  CHECK(back.channels == 1);
  CHECK(back.data == lab.data);

  // An 8-bit grey PNG is read exactly too (not scaled by 257).
  Image grey = test_image(13, 7, 1, 3);
  grey.data[0] = 255;
  grey.data[1] = 7;
  write_png(dir / "label8.png", grey);
  const Image16 back8 = read_label_png(dir / "label8.png");
  REQUIRE(back8.data.size() == grey.data.size());
  for (size_t i = 0; i < grey.data.size(); ++i) CHECK(back8.data[i] == grey.data[i]);

  const auto t = label_to_tensor<float, cpu>(back);
  CHECK(t.shape() == Shape{1, 11, 19});
  CHECK(t.to_vector()[6] == 1000.0f);
  CHECK(t.to_vector()[10] == 65535.0f);

  // Reading the 16-bit file as an ordinary image gives 8 bits (value >> 8, rounded by stb).
  const Image as8 = read_image(dir / "label16.png");
  CHECK(as8.channels == 1);
  CHECK(as8.data[10] == 255);
}

TEST_CASE("image: a 16-bit RGB PNG keeps 3 channels and is refused as a label map") {
  TempDir dir;
  Image16 rgb{4, 3, 3, std::vector<uint16_t>(36, 300)};
  write_png(dir / "rgb16.png", rgb);
  const Image img8 = read_image(dir / "rgb16.png");
  CHECK(img8.channels == 3);
  const std::string msg = error_of([&] { read_label_png(dir / "rgb16.png"); });
  CHECK(has(msg, "read_label_png"));
  CHECK(has(msg, dir / "rgb16.png"));
  CHECK(has(msg, "has 3 channels"));
  write_png(dir / "rgb8.png", test_image(4, 3, 3, 1));
  CHECK(has(error_of([&] { read_label_png(dir / "rgb8.png"); }), "has 3 channels"));
  write_png(dir / "ga8.png", test_image(4, 3, 2, 1));
  CHECK(has(error_of([&] { read_label_png(dir / "ga8.png"); }), "has 2 channels"));
}

TEST_CASE("image: JPEG round trip is close") {
  TempDir dir;
  const Image img = gradient_image(64, 48);
  write_jpeg(dir / "g.jpg", img, 95);
  const Image back = read_image(dir / "g.jpg");
  REQUIRE(back.width == 64);
  REQUIRE(back.height == 48);
  REQUIRE(back.channels == 3);
  double err = 0;
  int worst = 0;
  for (size_t i = 0; i < img.data.size(); ++i) {
    const int d = std::abs(int(img.data[i]) - int(back.data[i]));
    err += d;
    worst = std::max(worst, d);
  }
  err /= double(img.data.size());
  CHECK(err < 2.0);
  CHECK(worst < 40);
  CHECK(err > 0.0);  // it is lossy: an identical result would mean we wrote something else
  // Lower quality: still the same picture, larger error.
  write_jpeg(dir / "q10.jpg", img, 10);
  const Image low = read_image(dir / "q10.jpg");
  double err10 = 0;
  for (size_t i = 0; i < img.data.size(); ++i) err10 += std::abs(int(img.data[i]) - int(low.data[i]));
  CHECK(err10 / double(img.data.size()) > err);
  CHECK(has(error_of([&] { write_jpeg(dir / "bad.jpg", img, 0); }), "quality 0 is outside 1..100"));
  // A JPEG is not a label map.
  const std::string msg = error_of([&] { read_label_png(dir / "g.jpg"); });
  CHECK(has(msg, "is not a PNG file"));
  CHECK(has(msg, dir / "g.jpg"));
}

TEST_CASE("image: tensor conversion is [C, H, W] in [-1, 1] and inverts exactly") {
  const Image img = test_image(6, 5, 3, 11);
  const auto t = image_to_tensor<float, cpu>(img);
  REQUIRE(t.shape() == Shape{3, 5, 6});
  const auto v = t.to_vector();
  // element (c, y, x) = img(y, x, c) / 127.5 - 1
  CHECK(v[size_t(2 * 30 + 4 * 6 + 1)] == doctest::Approx(img.at(4, 1, 2) / 127.5 - 1).epsilon(1e-6));
  for (float x : v) {
    CHECK(x >= -1.0f);
    CHECK(x <= 1.0f);
  }
  CHECK(tensor_to_image(t).data == img.data);
  CHECK(tensor_to_image(image_to_tensor<double, cpu>(img)).data == img.data);

  // Out-of-range values and NaN are clamped; 0 maps to mid-grey (127.5 rounds to even 128).
  const auto odd = from_vector<float, cpu>({-3.0f, 5.0f, std::nanf(""), 0.0f}, {1, 2, 2});
  const Image o = tensor_to_image(odd);
  CHECK(o.channels == 1);
  CHECK(o.data == std::vector<uint8_t>{0, 255, 0, 128});
  CHECK(has(error_of([&] { tensor_to_image(zeros<float, cpu>({5, 2, 2})); }),
            "expected a [C, H, W] tensor with C = 1..4, got [5, 2, 2]"));
  CHECK(has(error_of([&] { tensor_to_image(zeros<float, cpu>({2, 2})); }), "got [2, 2]"));
}

TEST_CASE("image: missing, empty, folder, garbage, corrupt and truncated files name the file and reason") {
  TempDir dir;
  const std::string missing = dir / "missing.png";
  std::string msg = error_of([&] { read_image(missing); });
  CHECK(has(msg, "read_image"));
  CHECK(has(msg, missing));
  CHECK(has(msg, "No such file"));
  CHECK(has(error_of([&] { read_label_png(missing); }), "No such file"));

  write_bytes(dir / "empty.png", {});
  msg = error_of([&] { read_image(dir / "empty.png"); });
  CHECK(has(msg, dir / "empty.png"));
  CHECK(has(msg, "is empty (0 bytes)"));
  CHECK(has(error_of([&] { read_label_png(dir / "empty.png"); }), "is empty (0 bytes)"));

  msg = error_of([&] { read_image(dir.path.string()); });
  CHECK(has(msg, "it is a folder"));

  std::vector<uint8_t> junk(300);
  std::mt19937 rng(5);
  for (auto& b : junk) b = uint8_t(rng());
  write_bytes(dir / "junk.png", junk);
  msg = error_of([&] { read_image(dir / "junk.png"); });
  CHECK(has(msg, dir / "junk.png"));
  CHECK(has(msg, "is not a readable PNG, JPEG, BMP or PNM image"));

  // Truncations of a valid PNG and JPEG at several points.
  const Image img = test_image(40, 30, 3, 9);
  const auto png = encode_png(img), jpg = encode_jpeg(gradient_image(40, 30), 90);
  for (const auto* src : {&png, &jpg}) {
    for (double frac : {0.02, 0.1, 0.5, 0.9, 0.99}) {
      CAPTURE(frac);
      const size_t n = std::max<size_t>(1, size_t(double(src->size()) * frac));
      const std::string p = dir / (src == &png ? "cut.png" : "cut.jpg");
      write_bytes(p, std::vector<uint8_t>(src->begin(), src->begin() + long(n)));
      msg = error_of([&] { read_image(p); });
      CHECK(has(msg, p));
      CHECK((has(msg, "corrupt or truncated") || has(msg, "is not a readable") ||
             has(msg, "is a truncated JPEG") || has(msg, "is a truncated PNG")));
    }
  }
  // One flipped bit in the compressed data: stb alone would not notice, the CRC does.
  auto bad = png;
  bad[png.size() / 2] ^= 0x10;
  write_bytes(dir / "bad.png", bad);
  msg = error_of([&] { read_image(dir / "bad.png"); });
  CHECK(has(msg, "is a corrupt PNG (chunk CRC mismatch)"));
  CHECK(has(msg, dir / "bad.png"));
  // Corrupt compressed data with valid CRCs: zlib inside stb reports it.
  {
    std::vector<uint8_t> junk_z(200);
    for (auto& v : junk_z) v = uint8_t(rng());
    std::vector<uint8_t> f(png.begin(), png.begin() + 33);  // signature + IHDR
    const uint32_t len = uint32_t(junk_z.size());
    for (int k = 3; k >= 0; --k) f.push_back(uint8_t(len >> (8 * k)));
    const size_t type_at = f.size();
    f.insert(f.end(), {'I', 'D', 'A', 'T'});
    f.insert(f.end(), junk_z.begin(), junk_z.end());
    const uLong crc = crc32(0L, f.data() + type_at, uInt(4 + len));
    for (int k = 3; k >= 0; --k) f.push_back(uint8_t(crc >> (8 * k)));
    f.insert(f.end(), png.end() - 12, png.end());  // IEND
    write_bytes(dir / "badz.png", f);
    msg = error_of([&] { read_image(dir / "badz.png"); });
    CHECK(has(msg, "is corrupt or truncated ("));
    CHECK(has(msg, dir / "badz.png"));
  }
  // PNG cut after its data but before IEND.
  write_bytes(dir / "noend.png", std::vector<uint8_t>(png.begin(), png.end() - 12));
  CHECK(has(error_of([&] { read_image(dir / "noend.png"); }), "is a truncated PNG (no IEND chunk)"));
  // An empty IDAT chunk is legal and decodes.
  {
    std::vector<uint8_t> f(png.begin(), png.begin() + 33);
    const uint8_t empty_idat[12] = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xaf, 0x06, 0x1e};
    f.insert(f.end(), empty_idat, empty_idat + 12);
    f.insert(f.end(), png.begin() + 33, png.end());
    write_bytes(dir / "empty_idat.png", f);
    CHECK(read_image(dir / "empty_idat.png").data == img.data);
  }

  // A Huffman table with more than 256 codes (stb 2.27 overflows on it): refused beforehand.
  auto dht = jpg;
  size_t at = 0;
  for (size_t i = 2; i + 20 < dht.size(); ++i)
    if (dht[i] == 0xff && dht[i + 1] == 0xc4) { at = i; break; }
  REQUIRE(at > 0);
  for (size_t k = 0; k < 16; ++k) dht[at + 5 + k] = 20;  // after marker, length, class/id
  write_bytes(dir / "dht.jpg", dht);
  msg = error_of([&] { read_image(dir / "dht.jpg"); });
  CHECK(has(msg, dir / "dht.jpg"));
  CHECK(has(msg, "is a corrupt JPEG (Huffman table with more than 256 codes)"));
  // A JPEG cut in its entropy-coded data.
  write_bytes(dir / "cut2.jpg", std::vector<uint8_t>(jpg.begin(), jpg.end() - 40));
  CHECK(has(error_of([&] { read_image(dir / "cut2.jpg"); }), "is a truncated JPEG (no end-of-image marker)"));

  // A truncated label PNG.
  Image16 lab{30, 20, 1, std::vector<uint16_t>(600, 700)};
  const auto lp = encode_png(lab);
  write_bytes(dir / "cut_label.png", std::vector<uint8_t>(lp.begin(), lp.begin() + long(lp.size() / 2)));
  msg = error_of([&] { read_label_png(dir / "cut_label.png"); });
  CHECK(has(msg, "read_label_png"));
  CHECK(has(msg, "is a truncated PNG"));
}

TEST_CASE("image: a JPEG scan using a Huffman table never defined is refused (stb 2.27 reads out of bounds)") {
  TempDir dir;
  const auto jpg = encode_jpeg(gradient_image(16, 16), 90);
  size_t sos = 0;
  for (size_t i = 2; i + 14 < jpg.size(); ++i)
    if (jpg[i] == 0xff && jpg[i + 1] == 0xda) { sos = i; break; }
  REQUIRE(sos > 0);
  REQUIRE(jpg[sos + 4] == 3);  // three components: (id, DC/AC tables) at sos + 5 + 2k
  CHECK(io::detail::jpeg_problem(jpg) == nullptr);
  for (const uint8_t tables : {uint8_t(0x13), uint8_t(0x31), uint8_t(0x02)}) {
    CAPTURE(int(tables));
    auto bad = jpg;
    bad[sos + 10] = tables;  // the third component's table ids: AC 3, DC 3, AC 2 never defined
    write_bytes(dir / "undef.jpg", bad);
    const std::string msg = error_of([&] { read_image(dir / "undef.jpg"); });
    CHECK(has(msg, dir / "undef.jpg"));
    CHECK(has(msg, "is a corrupt JPEG (a scan uses a Huffman table that was never defined)"));
  }
  // Progressive scans decode with one table each: a first DC scan with the DC table only, an AC
  // scan with the AC table only, a DC refinement with none. Segments: SOI, SOF (progressive or
  // baseline), DHT defining DC table 0 (one 1-bit code) and AC table 1, an SOS, EOI.
  auto stream = [](uint8_t sof, uint8_t tables, uint8_t ss, uint8_t se, uint8_t ahal) {
    std::vector<uint8_t> s = {0xff, 0xd8, 0xff, sof, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0};
    const std::vector<uint8_t> table = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    s.insert(s.end(), {0xff, 0xc4, 0, 2 + 2 * 18, 0x00});
    s.insert(s.end(), table.begin(), table.end());
    s.push_back(0x11);
    s.insert(s.end(), table.begin(), table.end());
    s.insert(s.end(), {0xff, 0xda, 0, 8, 1, 1, tables, ss, se, ahal, 0x00, 0xff, 0xd9});
    return s;
  };
  const uint8_t baseline = 0xc0, progressive = 0xc2;
  CHECK(io::detail::jpeg_problem(stream(baseline, 0x01, 0, 63, 0)) == nullptr);
  CHECK(io::detail::jpeg_problem(stream(baseline, 0x00, 0, 63, 0)) != nullptr);  // AC 0 undefined
  CHECK(io::detail::jpeg_problem(stream(baseline, 0x11, 0, 63, 0)) != nullptr);  // DC 1 undefined
  CHECK(io::detail::jpeg_problem(stream(progressive, 0x00, 0, 0, 0)) == nullptr);    // DC first scan
  CHECK(io::detail::jpeg_problem(stream(progressive, 0x10, 0, 0, 0)) != nullptr);    // ... DC 1 undefined
  CHECK(io::detail::jpeg_problem(stream(progressive, 0x22, 0, 0, 0x10)) == nullptr); // DC refinement
  CHECK(io::detail::jpeg_problem(stream(progressive, 0x21, 1, 63, 0)) == nullptr);   // AC scan
  CHECK(io::detail::jpeg_problem(stream(progressive, 0x00, 1, 63, 0x21)) != nullptr);// ... AC 0 undefined
}

TEST_CASE("image: a huge declared size is refused from the header, before decoding") {
  TempDir dir;
  // PNG: IHDR width/height at bytes 16..23 (chunk type at 12, 13 data bytes).
  auto png = encode_png(test_image(8, 8, 3, 1));
  patch_png_u32(png, 16, 20000, 12, 13);
  patch_png_u32(png, 20, 20000, 12, 13);
  write_bytes(dir / "huge.png", png);
  std::string msg = error_of([&] { read_image(dir / "huge.png"); });
  CHECK(has(msg, dir / "huge.png"));
  CHECK(has(msg, "declares 20000 x 20000 pixels"));
  CHECK(has(msg, "refused before decoding"));
  CHECK(has(error_of([&] { read_label_png(dir / "huge.png"); }), "declares 20000 x 20000"));

  // JPEG: patch the SOF0 marker's height and width to 60000 x 60000.
  auto jpg = encode_jpeg(gradient_image(16, 16), 90);
  size_t sof = 0;
  for (size_t i = 2; i + 8 < jpg.size(); ++i)
    if (jpg[i] == 0xff && (jpg[i + 1] == 0xc0 || jpg[i + 1] == 0xc2)) { sof = i; break; }
  REQUIRE(sof > 0);
  for (size_t at : {sof + 5, sof + 7}) {
    jpg[at] = uint8_t(60000 >> 8);
    jpg[at + 1] = uint8_t(60000 & 0xff);
  }
  write_bytes(dir / "huge.jpg", jpg);
  msg = error_of([&] { read_image(dir / "huge.jpg"); });
  CHECK(has(msg, dir / "huge.jpg"));
  CHECK(has(msg, "declares 60000 x 60000 pixels"));
}

TEST_CASE("image: writes are atomic and report unwritable folders") {
  TempDir dir;
  const Image a = test_image(4, 4, 3, 1), b = test_image(4, 4, 3, 2);
  write_png(dir / "x.png", a);
  write_png(dir / "x.png", b);  // replaces
  CHECK(read_image(dir / "x.png").data == b.data);
  CHECK(files_in(dir.path) == 1);

  const std::string nowhere = dir / "no/such/folder/x.png";
  std::string msg = error_of([&] { write_png(nowhere, a); });
  CHECK(has(msg, "write_png"));
  CHECK(has(msg, dir / "no/such/folder"));
  CHECK(has(msg, "does not exist"));
  msg = error_of([&] { write_jpeg(dir / "x.png/y.jpg", a); });  // x.png is a file
  CHECK(has(msg, "is not a folder"));
  if (::geteuid() != 0) {  // root writes anywhere, except into sysfs
    fs::create_directories(dir.path / "ro");
    fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    msg = error_of([&] { write_png(dir / "ro/x.png", a); });
    CHECK(has(msg, "is not writable"));
    CHECK(has(msg, dir / "ro"));
  } else if (fs::is_directory("/sys")) {
    msg = error_of([&] { write_png("/sys/ganlib_probe.png", a); });
    CHECK(has(msg, "write_png: cannot write '/sys/ganlib_probe.png': folder '/sys' is not writable"));
  }
  msg = error_of([&] { write_png(dir / "bad.png", Image{4, 4, 5, std::vector<uint8_t>(80)}); });
  CHECK(has(msg, "1 to 4 channels"));
  msg = error_of([&] { write_png(dir / "bad.png", Image{4, 4, 3, std::vector<uint8_t>(47)}); });
  CHECK(has(msg, "data holds 47 values but 4 x 4 x 3 needs 48"));
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("image: random corruption of PNG and JPEG files never crashes") {
  const auto png = encode_png(test_image(24, 16, 3, 4));
  const auto jpg = encode_jpeg(gradient_image(24, 16), 80);
  Image16 lab{12, 8, 1, std::vector<uint16_t>(96, 513)};
  const auto png16 = encode_png(lab);
  std::mt19937 rng(21);
  int rejected = 0, decoded = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    const auto& src = trial % 3 == 0 ? png : trial % 3 == 1 ? jpg : png16;
    auto b = src;
    const int flips = 1 + int(rng() % 6);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = uint8_t(rng());
    if (rng() % 5 == 0) b.resize(1 + rng() % b.size());
    try {
      if (trial % 3 == 2) {
        const Image16 im = decode_label_png(b, "fuzz");
        REQUIRE(im.data.size() == size_t(im.width) * size_t(im.height));
      } else {
        const Image im = decode_image(b, "fuzz");
        REQUIRE(im.data.size() == size_t(im.width) * size_t(im.height) * size_t(im.channels));
      }
      ++decoded;
    } catch (const ganlib::Error& e) {
      CHECK(has(e.what(), "'fuzz'"));
      ++rejected;
    }
  }
  CHECK(rejected > 0);
  CHECK(decoded > 0);  // stb does not check PNG CRCs, so many flips decode to other pixels
}
