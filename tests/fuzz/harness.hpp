// tests/fuzz/harness.hpp — one entry point per parser, shared by the libFuzzer targets
// (tests/fuzz/fuzz_<target>.cpp) and the doctest that replays the corpora and the committed
// crash inputs (tests/io/test_fuzz_regressions.cpp).
// Contract: each run_<target>(data, size) feeds the bytes to the library's parser the way a
// user's file would reach it and lets a ganlib::Error through; anything else (a crash, a
// sanitizer report, another exception type) is a bug in the library.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "ganlib/io/flo.hpp"
#include "ganlib/io/idx.hpp"
#include "ganlib/io/image.hpp"
#include "ganlib/io/safetensors.hpp"
#include "ganlib/train/checkpoint.hpp"
#include "zoo/biggan/options.hpp"
#include "zoo/flownet2/options.hpp"
#include "zoo/masknet/options.hpp"
#include "zoo/pix2pixhd/options.hpp"

namespace ganlib::fuzz {

inline std::vector<uint8_t> bytes_of(const uint8_t* data, size_t size) {
  return std::vector<uint8_t>(data, data + size);
}

// A private scratch folder (RAM-backed where /dev/shm exists) for the parsers that read files.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::error_code ec;
    const std::filesystem::path base =
        std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
    const auto d = base / ("ganlib_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  static const struct Cleanup {  // removed at exit (libFuzzer exits through exit())
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup;
  return dir;
}
inline void put_file(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) ganlib::detail::fail("fuzz harness: cannot write ", path);
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
}

// Images larger than this are skipped: a few bytes can declare up to the library's limit of
// 2^28 pixels, which stb then allocates (and, for JPEG, fills) — correct, but ~1 GiB and seconds
// per input, which would stall the fuzzer. The limit itself is covered by the bad-input tests.
inline constexpr int64_t kFuzzMaxPixels = int64_t(1) << 20;
inline bool too_big_to_fuzz(const std::vector<uint8_t>& b) {
  int w = 0, h = 0, c = 0;
  if (b.empty() || b.size() > size_t(INT_MAX)) return false;
  // The library's structure checks first: stb must not see what they refuse.
  std::vector<uint8_t> fixed;
  if (io::detail::jpeg_problem(b) || io::detail::png_problem(b, fixed) || io::detail::pnm_problem(b)) return false;
  if (!fixed.empty()) return too_big_to_fuzz(fixed);
  if (!stbi_info_from_memory(b.data(), int(b.size()), &w, &h, &c)) return false;
  return int64_t(w) * int64_t(h) > kFuzzMaxPixels;
}

// PNG / JPEG / BMP / PNM decoding; the first byte picks the requested channel count for half
// the inputs, so that stb's conversions run too.
inline void run_image(const uint8_t* data, size_t size) {
  auto b = bytes_of(data, size);
  if (too_big_to_fuzz(b)) return;
  const int channels = size > 0 ? int(data[size - 1] % 5) : 0;
  const io::Image img = io::decode_image(b, "fuzz", channels);
  if (img.width * img.height <= 64 * 64) (void)io::image_to_tensor<float>(img);
}

// 8/16-bit single-channel label PNGs.
inline void run_label_png(const uint8_t* data, size_t size) {
  auto b = bytes_of(data, size);
  if (too_big_to_fuzz(b)) return;
  (void)io::decode_label_png(b, "fuzz");
}

// safetensors: parse, then convert every entry to float and double tensors.
inline void run_safetensors(const uint8_t* data, size_t size) {
  const auto f = safetensors::parse(bytes_of(data, size), "fuzz");
  for (auto& [k, e] : f.tensors) {
    if (numel(e.shape) > (int64_t(1) << 20)) continue;
    (void)safetensors::to_tensor<float, cpu>(e);
    (void)safetensors::to_tensor<double, cpu>(e);
  }
}

// A checkpoint folder holding the input as its only checkpoint (step 5): the manager's
// load_latest, then restoring a small model state, an optimizer-like map and an RNG state.
// load_latest turns a damaged file into "no checkpoint" (reported in skipped()); so does this
// harness, by throwing the reason as an Error.
inline void run_checkpoint(const uint8_t* data, size_t size) {
  const std::string dir = scratch_dir() + "/ckpt";
  std::filesystem::create_directories(dir);
  train::CheckpointManager m({dir, "fuzz", 0, 0});
  put_file(m.path_for(5), data, size);
  auto c = m.load_latest();
  std::filesystem::remove(m.path_for(5));
  if (!c) ganlib::detail::fail("checkpoint: no readable checkpoint (", m.skipped().empty() ? "?" : m.skipped()[0], ")");
  train::TensorMap<float, cpu> state{{"w", zeros<float, cpu>({2, 3})}, {"b", zeros<float, cpu>({3})}};
  (void)c->restore(state, "", false);
  train::TensorMap<double, cpu> dstate{{"w", zeros<double, cpu>({2, 3})}};
  (void)c->restore(dstate, "", false);
  Generator g(1);
  if (c->has_meta("rng.noise")) c->restore_generator("noise", g);
  if (c->has_meta("options")) (void)c->meta("options");
}

// idx images and labels, through the file reader (gzip or plain) and the in-memory parser.
// Plain inputs are parsed in memory; gzip ones (magic 1f 8b) go through the file reader, which
// reads in 1 MiB chunks (slow under ASan, hence not for every input).
inline void run_idx(const uint8_t* data, size_t size) {
  std::vector<uint8_t> raw;
  const std::string path = "fuzz.idx";
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    const std::string file = scratch_dir() + "/fuzz.idx.gz";
    put_file(file, data, size);
    raw = io::detail::read_maybe_gzip(file, uint64_t(1) << 24);
  } else {
    raw = bytes_of(data, size);
  }
  bool ok = false;
  try {
    const auto im = io::parse_idx_images(raw, path);
    if (im.count > 0 && im.rows * im.cols <= 4096) (void)io::idx_images_to_tensor<float>(im, 0, 1);
    ok = true;
  } catch (const Error&) {
  }
  try {
    (void)io::parse_idx_labels(raw, path);
    ok = true;
  } catch (const Error&) {
  }
  if (!ok) ganlib::detail::fail("idx: neither an image nor a label file");
}

// Middlebury .flo.
inline void run_flo(const uint8_t* data, size_t size) {
  (void)io::decode_flo<float, cpu>(bytes_of(data, size), "fuzz");
}

// The zoo's option parsers. The input is a command line, one argument per line; its first byte
// picks the parser (pix2pixHD, BigGAN, FlowNet2 flags, mask-net flags).
inline std::vector<std::string> split_args(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(char(data[i]));
    }
  }
  if (!cur.empty()) args.push_back(cur);
  return args;
}
template <class Flags>
void exercise_flags(Flags& f, const std::vector<std::string>& args) {
  std::vector<const char*> argv{"fuzz"};
  for (auto& a : args) argv.push_back(a.c_str());
  if (!f.parse(int(argv.size()), argv.data())) return;  // --help
  (void)f.values();
  (void)f.help();
  (void)f.str("name");
  (void)f.num("lr");
  (void)f.integer("steps");
  (void)f.boolean("flip");
}
inline void run_options(const uint8_t* data, size_t size) {
  if (size == 0) ganlib::detail::fail("options: empty input");
  const auto args = split_args(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      zoo::pix2pixhd::Options o;
      (void)zoo::pix2pixhd::parse(o, args, {"out", "img"});
      (void)zoo::pix2pixhd::to_text(o);
      (void)zoo::pix2pixhd::architecture(o);
      (void)o.size_base();
      break;
    }
    case 1: {
      zoo::biggan::Options o;
      zoo::biggan::parse_args(o, args);
      zoo::biggan::finalize(o);
      (void)zoo::biggan::from_map(zoo::biggan::to_map(o));
      break;
    }
    case 2: {
      zoo::flownet2::Flags f("flownet_fuzz");
      f.add("name", "x", "a string").add("lr", "0.1", "a number").add("steps", "10", "an integer")
          .add("flip", "false", "a boolean").add("list", "a,b", "a list");
      exercise_flags(f, args);
      (void)f.list("list");
      break;
    }
    default: {
      zoo::masknet::Flags f("masknet_fuzz");
      f.add("name", "x", "a string").add("lr", "0.1", "a number").add("steps", "10", "an integer")
          .add("flip", "false", "a boolean").add("rates", "2,4,6", "integers");
      exercise_flags(f, args);
      (void)f.int_list("rates");
      break;
    }
  }
}

}  // namespace ganlib::fuzz
