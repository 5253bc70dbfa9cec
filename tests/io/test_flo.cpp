// tests/io/test_flo.cpp — .flo optical flow: round trip, the byte layout, and errors for bad
// magic, short/long files and absurd sizes; plus write_file_atomic itself.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ganlib/io/atomic_file.hpp>
#include <ganlib/io/flo.hpp>
#include <random>
#include <string>
#include <vector>

#include "../support/files.hpp"

using namespace ganlib;
using namespace ganlib::io;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {

std::vector<uint8_t> flo_header(float magic, int32_t w, int32_t h) {
  std::vector<uint8_t> b(12);
  std::memcpy(b.data(), &magic, 4);
  std::memcpy(b.data() + 4, &w, 4);
  std::memcpy(b.data() + 8, &h, 4);
  return b;
}

}  // namespace

TEST_CASE("flo: round trip and byte layout") {
  TempDir dir;
  const int64_t H = 3, W = 5;
  std::vector<float> v(size_t(2 * H * W));
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) * (i % 2 ? -0.25f : 1.5f) + 1e-3f;
  const auto flow = from_vector<float, cpu>(v, {2, H, W});
  write_flo(dir / "a.flo", flow);
  const auto back = read_flo<float, cpu>(dir / "a.flo");
  CHECK(back.shape() == Shape{2, H, W});
  CHECK(back.to_vector() == v);
  CHECK(read_flo<double, cpu>(dir / "a.flo").to_vector()[7] == double(v[7]));

  // Layout: "PIEH", width, height, then per pixel (u, v) interleaved, rows top to bottom.
  const auto b = read_bytes(dir / "a.flo");
  REQUIRE(b.size() == size_t(12 + 8 * H * W));
  CHECK(std::memcmp(b.data(), "PIEH", 4) == 0);
  int32_t w, h;
  std::memcpy(&w, b.data() + 4, 4);
  std::memcpy(&h, b.data() + 8, 4);
  CHECK(w == W);
  CHECK(h == H);
  const size_t pix = size_t(1 * W + 2);  // (y 1, x 2)
  float uv[2];
  std::memcpy(uv, b.data() + 12 + 8 * pix, 8);
  CHECK(uv[0] == v[pix]);
  CHECK(uv[1] == v[size_t(H * W) + pix]);

  // A non-contiguous tensor is written by its logical layout.
  const auto view = Tensor<float, cpu>::alias(flow, {2, W, H}, {H * W, 1, W}, 0);  // x/y swapped
  write_flo(dir / "t.flo", view);
  const auto tv = read_flo<float, cpu>(dir / "t.flo").to_vector();
  CHECK(tv[1] == v[size_t(W)]);  // element (0, 0, 1) of the view = flow (0, 1, 0)
}

TEST_CASE("flo: errors name the file and the problem") {
  TempDir dir;
  auto err = [&](const std::string& name, const std::vector<uint8_t>& b) {
    write_bytes(dir / name, b);
    const std::string msg = error_of([&] { read_flo<float, cpu>(dir / name); });
    CHECK(has(msg, "read_flo"));
    CHECK(has(msg, dir / name));
    return msg;
  };
  auto body = [](std::vector<uint8_t> h, size_t floats) {
    h.resize(h.size() + 4 * floats, 0);
    return h;
  };
  CHECK(has(err("magic", body(flo_header(1.0f, 2, 2), 8)), "bad magic number"));
  // A big-endian file has the magic's bytes reversed.
  auto be = body(flo_header(kFloMagic, 2, 2), 8);
  std::reverse(be.begin(), be.begin() + 4);
  CHECK(has(err("be", be), "bad magic number"));
  CHECK(has(err("tiny", {'P', 'I', 'E', 'H', 1}), "5 bytes, too short for the 12-byte header"));
  CHECK(has(err("empty", {}), "0 bytes, too short"));
  CHECK(has(err("short", body(flo_header(kFloMagic, 3, 2), 11)),
            "3 x 2 needs 60 bytes but the file has 56 (file too short)"));
  CHECK(has(err("long", body(flo_header(kFloMagic, 3, 2), 13)), "(trailing data)"));
  CHECK(has(err("zero", flo_header(kFloMagic, 0, 5)), "absurd size 0 x 5"));
  CHECK(has(err("neg", flo_header(kFloMagic, 4, -3)), "absurd size 4 x -3"));
  CHECK(has(err("wide", flo_header(kFloMagic, 100000, 1)), "absurd size 100000 x 1"));
  CHECK(has(err("area", flo_header(kFloMagic, 60000, 60000)), "absurd size 60000 x 60000"));

  std::string msg = error_of([&] { read_flo<float, cpu>(dir / "missing.flo"); });
  CHECK(has(msg, dir / "missing.flo"));
  CHECK(has(msg, "No such file"));
  CHECK(has(error_of([&] { write_flo(dir / "x.flo", zeros<float, cpu>({3, 2, 2})); }),
            "expected a flow tensor [2, H, W], got [3, 2, 2]"));
  msg = error_of([&] { write_flo(dir / "nope/x.flo", zeros<float, cpu>({2, 2, 2})); });
  CHECK(has(msg, "write_flo"));
  CHECK(has(msg, "does not exist"));
}

TEST_CASE("atomic_file: replaces whole files, leaves no temp files, reports folders") {
  TempDir dir;
  const std::string p = dir / "f.bin";
  write_file_atomic(p, std::string("first version, long"));
  write_file_atomic(p, std::string("second"));
  CHECK(read_file_bytes(p) == std::vector<uint8_t>{'s', 'e', 'c', 'o', 'n', 'd'});
  write_file_atomic(p, std::vector<uint8_t>{});
  CHECK(read_file_bytes(p).empty());
  CHECK(fs::status(p).permissions() == (fs::perms::owner_read | fs::perms::owner_write |
                                        fs::perms::group_read | fs::perms::others_read));
  size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path)) ++n;
  CHECK(n == 1);

  std::string msg = error_of([&] { write_file_atomic(dir / "a/b/c.bin", std::string("x")); });
  CHECK(has(msg, "cannot write '" + (dir / "a/b/c.bin") + "'"));
  CHECK(has(msg, "folder '" + (dir / "a/b") + "' does not exist"));
  msg = error_of([&] { write_file_atomic(dir / "f.bin/c.bin", std::string("x")); });
  CHECK(has(msg, "is not a folder"));
  fs::create_directories(dir.path / "sub");
  msg = error_of([&] { write_file_atomic(dir / "sub", std::string("x")); });  // a folder there
  CHECK(has(msg, "renaming the temp file onto it failed"));
  CHECK(has(error_of([&] { write_file_atomic(dir / "sub/", std::string("x")); }), "names a folder"));
  if (::geteuid() != 0) {
    fs::permissions(dir.path / "sub", fs::perms::owner_read | fs::perms::owner_exec);
    msg = error_of([&] { write_file_atomic(dir / "sub/x", std::string("x")); });
    CHECK(has(msg, "folder '" + (dir / "sub") + "' is not writable"));
  } else if (fs::is_directory("/sys")) {  // root may write anywhere, but not into sysfs
    msg = error_of([&] { write_file_atomic("/sys/ganlib_probe.bin", std::string("x")); });
    CHECK(has(msg, "folder '/sys' is not writable"));
  }
  // Nothing left behind by the failures.
  n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path)) ++n;
  CHECK(n == 2);
  CHECK(fs::is_empty(dir.path / "sub"));

  CHECK(has(error_of([&] { read_file_bytes(dir / "none"); }), "No such file"));
  write_file_atomic(p, std::string());
  CHECK(read_file_bytes(p, 0).empty());  // 0 bytes fits a 0 limit
  write_file_atomic(p, std::string("abc"));
  CHECK(has(error_of([&] { read_file_bytes(p, 2); }), "3 bytes is more than the limit of 2"));
}
