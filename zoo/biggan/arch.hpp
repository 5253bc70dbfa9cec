// zoo/biggan/arch.hpp — BigGAN's per-resolution block tables (BigGAN.py G_arch / D_arch).
// Contract: g_arch / d_arch return channel lists already multiplied by ch, the output
// resolution of every block and whether self-attention follows it; a resolution outside the
// tables, or a malformed attention list, is a ganlib::Error.
// The reference has no D table for 512: we extend its pattern by one more down-block (stated
// in README.md), so that the 512 generator has a discriminator to train against.
#pragma once
#include <cstdint>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <ganlib/core/error.hpp>

namespace ganlib::zoo::biggan {

struct GArch {
  std::vector<int64_t> in_channels, out_channels;
  std::vector<int> resolution;       // output resolution of each block
  std::vector<bool> attention;       // self-attention after block i
};
struct DArch {
  std::vector<int64_t> in_channels, out_channels;  // in_channels[0] = image channels
  std::vector<bool> downsample;
  std::vector<int> resolution;
  std::vector<bool> attention;
};

inline const std::vector<int>& supported_resolutions() {
  static const std::vector<int> r{32, 64, 128, 256, 512};
  return r;
}

// "64" or "16_32" -> {64} / {16, 32}; "0" (or "") -> none.
inline std::set<int> parse_attention(const std::string& s) {
  std::set<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, '_')) {
    if (item.empty()) continue;
    size_t pos = 0;
    int v = 0;
    try {
      v = std::stoi(item, &pos);
    } catch (...) {
      pos = 0;
    }
    GANLIB_CHECK(pos == item.size() && v >= 0, "biggan: attention list '", s,
                 "' must be resolutions joined by '_' (e.g. '64' or '16_32'; '0' for none)");
    if (v > 0) out.insert(v);
  }
  return out;
}

namespace detail {
inline void check_resolution(int res, const char* who) {
  bool ok = false;
  for (int r : supported_resolutions()) ok = ok || r == res;
  GANLIB_CHECK(ok, "biggan: ", who, ": resolution ", res,
               " is not in the architecture tables (32, 64, 128, 256, 512)");
}
inline std::vector<int64_t> times(int64_t ch, std::vector<int64_t> m) {
  for (auto& v : m) v *= ch;
  return m;
}
// Resolutions that no block reaches are ignored, as the reference's dict lookup does.
inline std::vector<bool> attention_at(const std::vector<int>& res, const std::string& attn) {
  const auto want = parse_attention(attn);
  std::vector<bool> out;
  for (int r : res) out.push_back(want.count(r) != 0);
  return out;
}
}  // namespace detail

inline GArch g_arch(int64_t ch, const std::string& attention, int resolution) {
  detail::check_resolution(resolution, "G_arch");
  GANLIB_CHECK(ch > 0, "biggan: G_ch must be positive, got ", ch);
  GArch a;
  switch (resolution) {
    case 32: a.in_channels = {4, 4, 4}; a.out_channels = {4, 4, 4}; break;
    case 64: a.in_channels = {16, 16, 8, 4}; a.out_channels = {16, 8, 4, 2}; break;
    case 128: a.in_channels = {16, 16, 8, 4, 2}; a.out_channels = {16, 8, 4, 2, 1}; break;
    case 256: a.in_channels = {16, 16, 8, 8, 4, 2}; a.out_channels = {16, 8, 8, 4, 2, 1}; break;
    default: a.in_channels = {16, 16, 8, 8, 4, 2, 1}; a.out_channels = {16, 8, 8, 4, 2, 1, 1}; break;
  }
  a.in_channels = detail::times(ch, a.in_channels);
  a.out_channels = detail::times(ch, a.out_channels);
  for (size_t i = 0; i < a.out_channels.size(); ++i) a.resolution.push_back(8 << i);
  a.attention = detail::attention_at(a.resolution, attention);
  return a;
}

inline DArch d_arch(int64_t ch, const std::string& attention, int resolution, int64_t image_channels = 3) {
  detail::check_resolution(resolution, "D_arch");
  GANLIB_CHECK(ch > 0, "biggan: D_ch must be positive, got ", ch);
  GANLIB_CHECK(image_channels > 0, "biggan: image channels must be positive, got ", image_channels);
  DArch a;
  std::vector<int64_t> in, out;
  switch (resolution) {
    case 32:
      in = {4, 4, 4}; out = {4, 4, 4, 4};
      a.downsample = {true, true, false, false};
      a.resolution = {16, 16, 16, 16};
      break;
    case 64: in = {1, 2, 4, 8}; out = {1, 2, 4, 8, 16}; break;
    case 128: in = {1, 2, 4, 8, 16}; out = {1, 2, 4, 8, 16, 16}; break;
    case 256: in = {1, 2, 4, 8, 8, 16}; out = {1, 2, 4, 8, 8, 16, 16}; break;
    default: in = {1, 1, 2, 4, 8, 8, 16}; out = {1, 1, 2, 4, 8, 8, 16, 16}; break;  // our extension
  }
  a.in_channels = detail::times(ch, in);
  a.in_channels.insert(a.in_channels.begin(), image_channels);
  a.out_channels = detail::times(ch, out);
  if (resolution != 32) {
    const size_t n = out.size();
    a.downsample.assign(n, true);
    a.downsample.back() = false;
    int r = resolution;
    for (size_t i = 0; i < n; ++i) {
      if (a.downsample[i]) r /= 2;
      a.resolution.push_back(r);
    }
  }
  a.attention = detail::attention_at(a.resolution, attention);
  return a;
}

}  // namespace ganlib::zoo::biggan
