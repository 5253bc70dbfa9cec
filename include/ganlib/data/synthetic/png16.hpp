// data/synthetic/png16.hpp — a minimal PNG writer and reader (grey or RGB, 8- or 16-bit,
// non-interlaced) on zlib, for label (8-bit), instance (16-bit) and image maps.
// Contract: write_png(path, w, h, channels, bits, data) throws ganlib::Error on bad arguments or
// I/O failure; read_png reads what PNG encoders write for those formats (all five row filters).
// Needs linking with zlib (-lz). stb_image_write cannot write 16-bit PNGs, and defining its
// implementation in a header would collide with other headers that do the same.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ganlib/core/error.hpp"

namespace ganlib::synth::png {

namespace detail {
inline void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}
inline uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
inline void chunk(std::vector<uint8_t>& out, const char* type, const uint8_t* data, size_t n) {
  put32(out, uint32_t(n));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  if (n) out.insert(out.end(), data, data + n);
  const uLong crc = crc32(0L, out.data() + start, uInt(n + 4));
  put32(out, uint32_t(crc));
}
inline int paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
}
}  // namespace detail

// Encodes `data` (h rows of w·channels samples; 16-bit samples as native uint16_t) to PNG bytes.
inline std::vector<uint8_t> encode(int w, int h, int channels, int bits, const void* data, int level = 6) {
  GANLIB_CHECK(w > 0 && h > 0, "png::encode: bad size ", w, "x", h);
  GANLIB_CHECK(channels == 1 || channels == 3, "png::encode: channels must be 1 or 3, got ", channels);
  GANLIB_CHECK(bits == 8 || bits == 16, "png::encode: bit depth must be 8 or 16, got ", bits);
  const size_t bpp = size_t(channels) * size_t(bits / 8), row = size_t(w) * bpp;
  // Filter 1 (Sub) on every row: cheap and compresses photos and flat maps well.
  std::vector<uint8_t> raw((row + 1) * size_t(h));
  for (int y = 0; y < h; ++y) {
    uint8_t* dst = &raw[size_t(y) * (row + 1)];
    dst[0] = 1;
    std::vector<uint8_t> be(row);
    if (bits == 8) {
      const uint8_t* src = static_cast<const uint8_t*>(data) + size_t(y) * row;
      std::copy(src, src + row, be.begin());
    } else {
      const uint16_t* src = static_cast<const uint16_t*>(data) + size_t(y) * size_t(w) * size_t(channels);
      for (size_t i = 0; i < size_t(w) * size_t(channels); ++i) be[2 * i] = uint8_t(src[i] >> 8), be[2 * i + 1] = uint8_t(src[i]);
    }
    for (size_t i = 0; i < row; ++i) dst[1 + i] = uint8_t(be[i] - (i >= bpp ? be[i - bpp] : 0));
  }
  uLongf zlen = compressBound(uLong(raw.size()));
  std::vector<uint8_t> z(zlen);
  GANLIB_CHECK(compress2(z.data(), &zlen, raw.data(), uLong(raw.size()), level) == Z_OK, "png::encode: zlib failed");
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  detail::put32(ihdr, uint32_t(w));
  detail::put32(ihdr, uint32_t(h));
  ihdr.insert(ihdr.end(), {uint8_t(bits), uint8_t(channels == 1 ? 0 : 2), 0, 0, 0});
  detail::chunk(out, "IHDR", ihdr.data(), ihdr.size());
  detail::chunk(out, "IDAT", z.data(), zlen);
  detail::chunk(out, "IEND", nullptr, 0);
  return out;
}

inline void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  GANLIB_CHECK(f, "png: cannot open '", path, "' for writing");
  const size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
  const int rc = std::fclose(f);
  GANLIB_CHECK(n == bytes.size() && rc == 0, "png: short write to '", path, "'");
}

inline void write_png(const std::string& path, int w, int h, int channels, int bits, const void* data) {
  write_file(path, encode(w, h, channels, bits, data));
}

// A decoded PNG: 8-bit samples in u8, 16-bit samples in u16 (h·w·channels each).
struct Image {
  int w = 0, h = 0, channels = 0, bits = 0;
  std::vector<uint8_t> u8;
  std::vector<uint16_t> u16;
};

inline Image decode(const std::vector<uint8_t>& bytes, const std::string& what = "png") {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  GANLIB_CHECK(bytes.size() >= 8 && std::equal(sig, sig + 8, bytes.begin()), what, ": not a PNG file");
  Image img;
  std::vector<uint8_t> z;
  size_t p = 8;
  while (p + 8 <= bytes.size()) {
    const uint32_t n = detail::get32(&bytes[p]);
    const std::string type(bytes.begin() + long(p + 4), bytes.begin() + long(p + 8));
    GANLIB_CHECK(p + 12 + n <= bytes.size(), what, ": truncated chunk ", type);
    const uint8_t* d = &bytes[p + 8];
    if (type == "IHDR") {
      img.w = int(detail::get32(d)), img.h = int(detail::get32(d + 4)), img.bits = d[8];
      GANLIB_CHECK(d[9] == 0 || d[9] == 2, what, ": colour type ", int(d[9]), " unsupported (grey or RGB only)");
      GANLIB_CHECK(img.bits == 8 || img.bits == 16, what, ": bit depth ", img.bits, " unsupported");
      GANLIB_CHECK(d[12] == 0, what, ": interlaced PNGs unsupported");
      img.channels = d[9] == 0 ? 1 : 3;
    } else if (type == "IDAT") {
      z.insert(z.end(), d, d + n);
    } else if (type == "IEND") {
      break;
    }
    p += 12 + n;
  }
  GANLIB_CHECK(img.w > 0 && img.h > 0, what, ": no IHDR");
  const size_t bpp = size_t(img.channels) * size_t(img.bits / 8), row = size_t(img.w) * bpp;
  std::vector<uint8_t> raw((row + 1) * size_t(img.h));
  uLongf len = uLongf(raw.size());
  GANLIB_CHECK(uncompress(raw.data(), &len, z.data(), uLong(z.size())) == Z_OK && len == raw.size(), what,
               ": corrupt image data");
  std::vector<uint8_t> cur(row), prev(row, 0);
  const size_t samples = size_t(img.w) * size_t(img.h) * size_t(img.channels);
  if (img.bits == 8) img.u8.resize(samples); else img.u16.resize(samples);
  for (int y = 0; y < img.h; ++y) {
    const uint8_t* src = &raw[size_t(y) * (row + 1)];
    const int f = src[0];
    GANLIB_CHECK(f <= 4, what, ": bad filter type ", f);
    for (size_t i = 0; i < row; ++i) {
      const int a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      const int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : detail::paeth(a, b, c);
      cur[i] = uint8_t(src[1 + i] + pred);
    }
    if (img.bits == 8) {
      std::copy(cur.begin(), cur.end(), img.u8.begin() + long(size_t(y) * row));
    } else {
      for (size_t i = 0; i < row / 2; ++i) img.u16[size_t(y) * (row / 2) + i] = uint16_t(cur[2 * i] << 8 | cur[2 * i + 1]);
    }
    std::swap(cur, prev);
  }
  return img;
}

inline Image read_png(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  GANLIB_CHECK(f, "png: cannot open '", path, "'");
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  std::fclose(f);
  return decode(bytes, "png '" + path + "'");
}

}  // namespace ganlib::synth::png
