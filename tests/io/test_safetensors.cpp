// tests/io/test_safetensors.cpp — safetensors: every dtype round trips through save/load and
// Tensor conversion; each malformed file gives its named error.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <ganlib/io/safetensors.hpp>
#include <random>
#include <string>
#include <vector>

#include "../support/files.hpp"

using namespace ganlib;
namespace st = ganlib::safetensors;
namespace fs = std::filesystem;

using namespace ganlib_test;

namespace {

// A file image: 8-byte little-endian header length, the header text, then `data`.
std::vector<uint8_t> raw_file(const std::string& header, size_t data_bytes, uint64_t claimed_len = ~0ull) {
  const uint64_t len = claimed_len == ~0ull ? header.size() : claimed_len;
  std::vector<uint8_t> b(8 + header.size() + data_bytes, 0);  // (insert() trips g++ 12's -Warray-bounds)
  for (int i = 0; i < 8; ++i) b[size_t(i)] = uint8_t(len >> (8 * i));
  std::copy(header.begin(), header.end(), b.begin() + 8);
  return b;
}

// Values every dtype holds exactly.
const std::vector<double> kExact = {0, 1, -2, 3, 100, -128, 7, 42, 12, 64, -1, 2};

}  // namespace

TEST_CASE("safetensors: every dtype round trips through save and load") {
  TempDir dir;
  const st::DType all[] = {st::DType::F32, st::DType::F64, st::DType::F16, st::DType::BF16,
                           st::DType::I64, st::DType::I32, st::DType::U8};
  st::File f;
  std::vector<double> u8vals = {0, 1, 2, 3, 100, 128, 7, 42, 12, 64, 255, 2};
  for (auto d : all) {
    const auto& vals = d == st::DType::U8 ? u8vals : kExact;
    f.tensors[std::string("t_") + st::dtype_name(d)] = st::make_entry(vals, {3, 4}, d);
  }
  // Values beyond what the small types hold exactly, to check their rounding.
  f.tensors["f16_round"] = st::make_entry({0.1, 65504, 1e-7, -3.14159}, {4}, st::DType::F16);
  f.tensors["bf16_round"] = st::make_entry({0.1, 3e38, -3.14159, 1.0 / 3}, {2, 2}, st::DType::BF16);
  f.tensors["i64_big"] = st::make_entry({-9007199254740992.0, 9007199254740992.0}, {2}, st::DType::I64);
  f.tensors["scalar"] = st::make_entry({2.5}, {}, st::DType::F32);
  f.tensors["empty"] = st::make_entry({}, {0, 3}, st::DType::F32);
  f.metadata["format"] = "pt";
  f.metadata["step"] = "1234";
  st::save(dir / "all.safetensors", f);

  const st::File g = st::load(dir / "all.safetensors");
  CHECK(g.metadata == f.metadata);
  REQUIRE(g.tensors.size() == f.tensors.size());
  for (auto& entry : f.tensors) {
    auto& name = entry.first; auto& e = entry.second;
    CAPTURE(name);
    const auto& h = g.tensors.at(name);
    CHECK(h.dtype == e.dtype);
    CHECK(h.shape == e.shape);
    CHECK(h.bytes == e.bytes);  // bit for bit
  }
  for (auto d : all) {
    CAPTURE(st::dtype_name(d));
    const auto back = g.tensors.at(std::string("t_") + st::dtype_name(d)).to_double();
    CHECK(back == (d == st::DType::U8 ? u8vals : kExact));
  }
  // Rounding of the narrow types (values as torch gives them).
  const auto h16 = g.tensors.at("f16_round").to_double();
  CHECK(h16[0] == 0.0999755859375);
  CHECK(h16[1] == 65504.0);
  CHECK(h16[2] == std::ldexp(2.0, -24));  // 1e-7 rounds to the subnormal 2 * 2^-24
  CHECK(h16[3] == -3.140625);
  const auto bf = g.tensors.at("bf16_round").to_double();
  CHECK(bf[0] == 0.10009765625);
  CHECK(bf[2] == -3.140625);
  CHECK(bf[3] == 0.333984375);
  CHECK(g.tensors.at("i64_big").to_double()[0] == -9007199254740992.0);

  // The file on disk is what serialize() gives, with an 8-aligned data section.
  const auto bytes = st::serialize(f);
  CHECK(fs::file_size(dir / "all.safetensors") == bytes.size());
  uint64_t hl = 0;
  for (int i = 7; i >= 0; --i) hl = (hl << 8) | bytes[size_t(i)];
  CHECK((8 + hl) % 8 == 0);
}

TEST_CASE("safetensors: Tensor conversion both ways, every dtype") {
  const auto x = from_vector<float, cpu>({0.f, 1.5f, -2.f, 3.25f, 100.f, -0.75f}, {2, 3});
  for (auto d : {st::DType::F32, st::DType::F64, st::DType::F16, st::DType::BF16}) {
    CAPTURE(st::dtype_name(d));
    const auto e = st::entry_from(x, d);
    CHECK(e.dtype == d);
    CHECK(e.shape == Shape{2, 3});
    CHECK(st::to_tensor<float, cpu>(e).to_vector() == x.to_vector());
    const auto xd = st::to_tensor<double, cpu>(e).to_vector();
    CHECK(xd[3] == 3.25);
  }
  const auto ints = from_vector<double, cpu>({0, 1, 2, 250, 7, 9}, {3, 2});
  for (auto d : {st::DType::I64, st::DType::I32, st::DType::U8}) {
    CAPTURE(st::dtype_name(d));
    const auto e = st::entry_from(ints, d);
    CHECK(st::to_tensor<double, cpu>(e).to_vector() == ints.to_vector());
  }
  // Defaults: float -> F32, double -> F64, copied bit for bit.
  CHECK(st::entry_from(x).dtype == st::DType::F32);
  CHECK(st::entry_from(ints).dtype == st::DType::F64);
  const float tricky = 0.1f + 1e-9f;
  const auto one = from_vector<float, cpu>({tricky}, {1});
  CHECK(st::to_tensor<float, cpu>(st::entry_from(one)).to_vector()[0] == tricky);

  // A non-contiguous tensor is written in logical (row-major) order.
  const auto xt = Tensor<float, cpu>::alias(x, {3, 2}, {1, 3}, 0);  // x transposed
  REQUIRE(!xt.is_contiguous());
  const auto et = st::entry_from(xt);
  CHECK(et.shape == Shape{3, 2});
  CHECK(et.to_double() == std::vector<double>{0, 3.25, 1.5, 100, -2, -0.75});

  // Through a file.
  TempDir dir;
  st::File f;
  f.tensors["w"] = st::entry_from(x);
  f.tensors["w16"] = st::entry_from(x, st::DType::F16);
  st::save(dir / "t.safetensors", f);
  const auto g = st::load(dir / "t.safetensors");
  CHECK(st::to_tensor<float, cpu>(g.tensors.at("w")).shape() == Shape{2, 3});
  CHECK(st::to_tensor<float, cpu>(g.tensors.at("w16")).to_vector() == x.to_vector());
  // A corrupted Entry (bytes do not match the shape) is caught.
  auto bad = f.tensors["w"];
  bad.bytes.pop_back();
  CHECK(has(error_of([&] { st::to_tensor<float, cpu>(bad); }), "23 bytes do not hold F32 [2, 3]"));
}

TEST_CASE("safetensors: each malformed file gives its named error") {
  TempDir dir;
  auto load_err = [&](const std::vector<uint8_t>& b) {
    write_bytes(dir / "bad.safetensors", b);
    const std::string msg = error_of([&] { st::load(dir / "bad.safetensors"); });
    CHECK(has(msg, dir / "bad.safetensors"));  // names the file
    return msg;
  };
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";

  SUBCASE("the well-formed base case loads") {
    write_bytes(dir / "ok.safetensors", raw_file("{" + ok_entry + "}", 8));
    CHECK(st::load(dir / "ok.safetensors").tensors.at("a").shape == Shape{2});
  }
  SUBCASE("too short for the header length") {
    CHECK(has(load_err({1, 0, 0}), "too short for the 8-byte header length"));
  }
  SUBCASE("header length past the end") {
    const std::string msg = load_err(raw_file("{" + ok_entry + "}", 8, 1000));
    CHECK(has(msg, "header length 1000 runs past the end of the file"));
    CHECK(has(load_err(raw_file("{}", 0, ~0ull - 1)), "runs past the end of the file"));
  }
  SUBCASE("malformed JSON") {
    CHECK(has(load_err(raw_file(R"({"a":{"dtype":"F32",)", 8)), "malformed JSON header"));
    CHECK(has(load_err(raw_file("[1, 2]", 0)), "header is not a JSON object"));
    CHECK(has(load_err(raw_file(R"({"a": 3})", 0)), "entry 'a' needs dtype, shape and data_offsets"));
    CHECK(has(load_err(raw_file(R"({"__metadata__": {"k": 1}})", 0)), "metadata value 'k' is not a string"));
  }
  SUBCASE("unknown dtype") {
    const std::string msg =
        load_err(raw_file(R"({"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", 2));
    CHECK(has(msg, "tensor 'a' has unsupported dtype F8_E4M3"));
  }
  SUBCASE("offsets out of range") {
    CHECK(has(load_err(raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4)),
              "tensor 'a' has offsets [0, 8) outside the data section of 4 bytes"));
    CHECK(has(load_err(raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8)),
              "has offsets [8, 4) outside"));
    CHECK(has(load_err(raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-4,4]}})", 8)),
              "tensor 'a' has a bad data offset"));
  }
  SUBCASE("overlapping offsets") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    CHECK(has(load_err(raw_file(h, 12)), "tensors overlap at byte 4"));
  }
  SUBCASE("byte count that does not match dtype x shape") {
    CHECK(has(load_err(raw_file(R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", 8)),
              "tensor 'a' holds 8 bytes but F64 [2] needs 16"));
  }
  SUBCASE("bad and impossible shapes") {
    CHECK(has(load_err(raw_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", 0)),
              "tensor 'a' has a bad shape entry"));
    CHECK(has(load_err(raw_file(
                  R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}})", 0)),
              "tensor 'a' is impossibly large"));
    // 2^61 elements x 8 bytes would wrap around 64 bits to 0: still refused.
    CHECK(has(load_err(raw_file(
                  R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", 0)),
              "impossibly large"));
    CHECK(has(load_err(raw_file(
                  R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4)),
              "has rank 9"));
  }
  SUBCASE("missing file and folder") {
    std::string msg = error_of([&] { st::load(dir / "nope.safetensors"); });
    CHECK(has(msg, "safetensors: cannot open"));
    CHECK(has(msg, dir / "nope.safetensors"));
    CHECK(has(msg, "No such file"));
    CHECK(has(error_of([&] { st::load(dir.path.string()); }), "it is a folder"));
  }
  SUBCASE("save into a missing folder") {
    st::File f;
    f.tensors["a"] = st::make_entry({1, 2}, {2});
    const std::string msg = error_of([&] { st::save(dir / "none/x.safetensors", f); });
    CHECK(has(msg, "safetensors: cannot write"));
    CHECK(has(msg, dir / "none"));
    CHECK(has(msg, "does not exist"));
  }
}

TEST_CASE("safetensors: random corruption of a valid file never crashes") {
  st::File f;
  f.tensors["a"] = st::make_entry({1, 2, 3, 4}, {2, 2}, st::DType::F16);
  f.tensors["b"] = st::make_entry({5, 6}, {2}, st::DType::I64);
  f.metadata["m"] = "x";
  const auto good = st::serialize(f);
  std::mt19937 rng(1);
  int rejected = 0, accepted = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    auto b = good;
    const int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = uint8_t(rng());
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    try {
      const auto g = st::parse(b, "fuzz");
      for (auto& entry : g.tensors) {  // whatever parsed must be self-consistent
        const auto& e = entry.second;
        REQUIRE(e.bytes.size() == size_t(numel(e.shape)) * st::dtype_size(e.dtype));
      }
      ++accepted;
    } catch (const ganlib::Error&) {
      ++rejected;
    }
  }
  CHECK(rejected > 0);
  CHECK(accepted > 0);  // flips inside the data section are legal
}
