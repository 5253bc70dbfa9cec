// io/idx.hpp — the idx format of (Fashion-)MNIST: images (magic 2051, u8 [N, rows, cols]) and
// labels (magic 2049, u8 [N]), gzip-compressed or plain (zlib reads both).
// Contract: a bad magic, a file shorter than its header, dims whose product does not match
// the data size exactly, or a corrupt/truncated gzip stream is a ganlib::Error naming the file.
#pragma once
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../ops/factory.hpp"

namespace ganlib::io {

inline constexpr uint32_t kIdxImagesMagic = 2051;  // 0x00000803: unsigned byte, 3 dims
inline constexpr uint32_t kIdxLabelsMagic = 2049;  // 0x00000801: unsigned byte, 1 dim
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct IdxImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // [count, rows, cols], row-major

  const uint8_t* image(int64_t i) const { return pixels.data() + i * rows * cols; }
};

namespace detail {
// The whole (decompressed) content of a gzip or plain file, at most max_bytes.
inline std::vector<uint8_t> read_maybe_gzip(const std::string& path, uint64_t max_bytes) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  GANLIB_CHECK(std::filesystem::exists(st), "idx: cannot open '", path, "': no such file");
  GANLIB_CHECK(!std::filesystem::is_directory(st), "idx: cannot read '", path, "': it is a folder");
  gzFile gz = gzopen(path.c_str(), "rb");
  GANLIB_CHECK(gz, "idx: cannot open '", path, "': ", std::strerror(errno));
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{gz};
  gzbuffer(gz, 1 << 17);
  std::vector<uint8_t> out;
  constexpr size_t kChunk = size_t(1) << 20;
  for (;;) {
    const size_t at = out.size();
    GANLIB_CHECK(at <= max_bytes, "idx: '", path, "' decompresses to more than ", max_bytes, " bytes");
    out.resize(at + kChunk);
    const int got = gzread(gz, out.data() + at, unsigned(kChunk));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(gz, &err);
      ganlib::detail::fail("idx: '", path, "' is corrupt (zlib: ", msg ? msg : "read error", ")");
    }
    out.resize(at + size_t(got));
    if (got == 0) break;
  }
  // A gzip stream cut short reads as a clean end of data but leaves Z_BUF_ERROR behind.
  int err = Z_OK;
  const char* msg = gzerror(gz, &err);
  GANLIB_CHECK(err == Z_OK || err == Z_STREAM_END, "idx: '", path,
               "' is a truncated or corrupt gzip file (zlib: ", msg ? msg : "?", ")");
  return out;
}

inline uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// Checks magic and sizes; returns the dims.
inline std::vector<uint64_t> parse_idx_header(const std::vector<uint8_t>& b, const std::string& name,
                                              uint32_t magic, const char* what) {
  const size_t ndim = magic & 0xff, header = 4 + 4 * ndim;
  GANLIB_CHECK(b.size() >= 4, "idx: '", name, "' is ", b.size(), " bytes, too short for the magic number");
  const uint32_t m = be32(b.data());
  GANLIB_CHECK(m == magic, "idx: '", name, "' has magic number ", m, ", expected ", magic, " (",
               what, ")", m == kIdxImagesMagic || m == kIdxLabelsMagic
                   ? (m == kIdxImagesMagic ? "; it is an image file" : "; it is a label file")
                   : "");
  GANLIB_CHECK(b.size() >= header, "idx: '", name, "' is ", b.size(), " bytes, too short for its ",
               header, "-byte header");
  std::vector<uint64_t> dims(ndim);
  uint64_t need = 1;
  for (size_t i = 0; i < ndim; ++i) {
    dims[i] = be32(b.data() + 4 + 4 * i);
    GANLIB_CHECK(!__builtin_mul_overflow(need, dims[i], &need), "idx: '", name,
                 "': dims overflow");
  }
  std::string shape;
  for (size_t i = 0; i < ndim; ++i) shape += (i ? " x " : "") + std::to_string(dims[i]);
  GANLIB_CHECK(need == b.size() - header, "idx: '", name, "': dims ", shape, " need ", need,
               " data bytes but the file holds ", b.size() - header,
               need > b.size() - header ? " (file too short)" : " (trailing data)");
  return dims;
}
}  // namespace detail

// Parses idx data held in memory; `name` is used in messages.
inline IdxImages parse_idx_images(const std::vector<uint8_t>& bytes, const std::string& name) {
  const auto d = detail::parse_idx_header(bytes, name, kIdxImagesMagic, "idx images");
  IdxImages out;
  out.count = int64_t(d[0]);
  out.rows = int64_t(d[1]);
  out.cols = int64_t(d[2]);
  out.pixels.assign(bytes.begin() + 16, bytes.end());
  return out;
}
inline std::vector<uint8_t> parse_idx_labels(const std::vector<uint8_t>& bytes, const std::string& name) {
  detail::parse_idx_header(bytes, name, kIdxLabelsMagic, "idx labels");
  return std::vector<uint8_t>(bytes.begin() + 8, bytes.end());
}

// Reads .gz or plain files; max_bytes bounds the decompressed size.
inline IdxImages read_idx_images(const std::string& path, uint64_t max_bytes = uint64_t(1) << 32) {
  return parse_idx_images(detail::read_maybe_gzip(path, max_bytes), path);
}
inline std::vector<uint8_t> read_idx_labels(const std::string& path, uint64_t max_bytes = uint64_t(1) << 32) {
  return parse_idx_labels(detail::read_maybe_gzip(path, max_bytes), path);
}

// A split of Fashion-MNIST: images and labels checked against each other (same count, labels
// 0..9). `train` picks train-* (60000) or t10k-* (10000).
struct FashionMnist {
  IdxImages images;
  std::vector<uint8_t> labels;
};
inline FashionMnist load_fashion_mnist(const std::string& dir = kFashionMnistDir, bool train = true) {
  const std::string stem = dir + (train ? "/train-" : "/t10k-");
  auto pick = [](const std::string& p) {  // prefer the .gz the Debian package ships
    return std::filesystem::exists(p + ".gz") ? p + ".gz" : p;
  };
  FashionMnist ds;
  const std::string ip = pick(stem + "images-idx3-ubyte"), lp = pick(stem + "labels-idx1-ubyte");
  ds.images = read_idx_images(ip);
  ds.labels = read_idx_labels(lp);
  GANLIB_CHECK(int64_t(ds.labels.size()) == ds.images.count, "fashion-mnist: '", ip, "' holds ",
               ds.images.count, " images but '", lp, "' holds ", ds.labels.size(), " labels");
  for (size_t i = 0; i < ds.labels.size(); ++i)
    GANLIB_CHECK(ds.labels[i] < 10, "fashion-mnist: '", lp, "': label ", int(ds.labels[i]),
                 " at index ", i, " is outside 0..9");
  return ds;
}

// Images [first, first + n) as a Tensor [n, 1, rows, cols] in [-1, 1] (x = v / 127.5 - 1).
template <class T = float, class B = default_backend>
Tensor<T, B> idx_images_to_tensor(const IdxImages& im, int64_t first = 0, int64_t n = -1) {
  if (n < 0) n = im.count - first;
  GANLIB_CHECK(first >= 0 && n >= 0 && first + n <= im.count, "idx_images_to_tensor: range [",
               first, ", ", first + n, ") is outside the ", im.count, " images");
  const size_t per = size_t(im.rows * im.cols);
  std::vector<T> v(size_t(n) * per);
  const uint8_t* src = im.image(first);
  for (size_t i = 0; i < v.size(); ++i) v[i] = T(src[i]) / T(127.5) - T(1);
  return from_vector<T, B>(v, {n, 1, im.rows, im.cols});
}

}  // namespace ganlib::io
