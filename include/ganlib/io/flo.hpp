// io/flo.hpp — Middlebury .flo optical flow: float32 202021.25 ("PIEH"), int32 width, int32
// height, then height x width x (u, v) float32, all little-endian.
// Contract: read gives a Tensor [2, H, W] (channel 0 = u, horizontal; 1 = v); a bad magic, a
// short or over-long file, or an absurd size is a ganlib::Error naming the file; writes are
// atomic.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../ops/factory.hpp"
#include "atomic_file.hpp"

namespace ganlib::io {

static_assert(std::endian::native == std::endian::little,
              "io/flo.hpp reads little-endian floats directly");

inline constexpr float kFloMagic = 202021.25f;
inline constexpr int32_t kFloMaxSide = 1 << 16;           // Middlebury's own reader stops at 99999
inline constexpr int64_t kFloMaxPixels = int64_t(1) << 28;

// Parses .flo bytes held in memory; `name` is used in messages.
template <class T = float, class B = default_backend>
Tensor<T, B> decode_flo(const std::vector<uint8_t>& b, const std::string& name) {
  GANLIB_CHECK(b.size() >= 12, "read_flo: '", name, "' is ", b.size(),
               " bytes, too short for the 12-byte header");
  float magic;
  int32_t w, h;
  std::memcpy(&magic, b.data(), 4);
  std::memcpy(&w, b.data() + 4, 4);
  std::memcpy(&h, b.data() + 8, 4);
  GANLIB_CHECK(magic == kFloMagic, "read_flo: '", name, "' has a bad magic number (expected the "
               "float 202021.25, \"PIEH\"): not a .flo file, or written big-endian");
  GANLIB_CHECK(w >= 1 && h >= 1 && w <= kFloMaxSide && h <= kFloMaxSide &&
                   int64_t(w) * h <= kFloMaxPixels,
               "read_flo: '", name, "' declares an absurd size ", w, " x ", h,
               " (each side must be 1..", kFloMaxSide, ", at most ", kFloMaxPixels, " pixels)");
  const size_t n = size_t(w) * size_t(h), need = 12 + 8 * n;
  GANLIB_CHECK(b.size() == need, "read_flo: '", name, "': ", w, " x ", h, " needs ", need,
               " bytes but the file has ", b.size(),
               b.size() < need ? " (file too short)" : " (trailing data)");
  std::vector<T> v(2 * n);
  const uint8_t* p = b.data() + 12;
  for (size_t i = 0; i < n; ++i) {  // interleaved (u, v) -> planes [u; v]
    float uv[2];
    std::memcpy(uv, p + 8 * i, 8);
    v[i] = T(uv[0]);
    v[n + i] = T(uv[1]);
  }
  return from_vector<T, B>(v, {2, int64_t(h), int64_t(w)});
}

template <class T = float, class B = default_backend>
Tensor<T, B> read_flo(const std::string& path) {
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file_bytes(path, 12 + 8 * uint64_t(kFloMaxPixels));
  } catch (const Error& e) {
    ganlib::detail::fail("read_flo: ", e.what());
  }
  return decode_flo<T, B>(bytes, path);
}

template <class T, class B>
std::vector<uint8_t> encode_flo(const Tensor<T, B>& flow, const std::string& name = "<memory>") {
  GANLIB_CHECK(flow.dim() == 3 && flow.size(0) == 2, "write_flo: '", name,
               "': expected a flow tensor [2, H, W], got ", to_string(flow.shape()));
  const int64_t h = flow.size(1), w = flow.size(2);
  GANLIB_CHECK(w >= 1 && h >= 1 && w <= kFloMaxSide && h <= kFloMaxSide && w * h <= kFloMaxPixels,
               "write_flo: '", name, "': size ", w, " x ", h, " is outside what .flo readers accept");
  const auto v = flow.to_vector();
  const size_t n = size_t(w * h);
  std::vector<uint8_t> out(12 + 8 * n);
  const int32_t wi = int32_t(w), hi = int32_t(h);
  std::memcpy(out.data(), &kFloMagic, 4);
  std::memcpy(out.data() + 4, &wi, 4);
  std::memcpy(out.data() + 8, &hi, 4);
  for (size_t i = 0; i < n; ++i) {
    const float uv[2] = {float(v[i]), float(v[n + i])};
    std::memcpy(out.data() + 12 + 8 * i, uv, 8);
  }
  return out;
}

template <class T, class B>
void write_flo(const std::string& path, const Tensor<T, B>& flow) {
  const auto bytes = encode_flo(flow, path);
  try {
    write_file_atomic(path, bytes);
  } catch (const Error& e) {
    ganlib::detail::fail("write_flo: ", e.what());
  }
}

}  // namespace ganlib::io
