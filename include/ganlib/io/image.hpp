// io/image.hpp — PNG/JPEG/BMP/PNM reading and PNG/JPEG writing (stb_image, stb_image_write,
// plus a small zlib PNG encoder for 16-bit), and image <-> Tensor [C, H, W] conversion.
// Contract: missing, empty, corrupt, truncated or oversized (> 2^28 pixels, refused from the
// header before decoding) files are a ganlib::Error naming the file and the reason; label PNGs
// are read exactly (8- or 16-bit, one channel, no conversion); writes are atomic.
#pragma once
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "../ops/factory.hpp"
#include "atomic_file.hpp"

// How stb gets compiled into a header-only library. stb_image and stb_image_write need their
// implementation compiled exactly once per program, normally in a .cpp we do not have. With
// STB_IMAGE_STATIC / STB_IMAGE_WRITE_STATIC every function is `static`, so each translation
// unit that includes this header gets its own private copy: nothing has external linkage,
// hence no duplicate symbols and no clash with a different stb copy elsewhere in the program
// (the price: a few hundred kB of code per such TU, so include this header only where images
// are read or written). Strictly, our inline functions then call a different (but identical)
// static copy in each TU, an ODR technicality that no compiler or linker acts on; a true fix
// needs one .cpp, which a header-only library does not have. A program that already compiles
// stb itself can define GANLIB_STB_EXTERNAL before including this header; then only the
// declarations are included and its own implementation is used.
// Only the formats with a magic number are enabled: TGA has none, and stb would "decode" a
// corrupt file as one instead of reporting it.
#if !defined(GANLIB_STB_EXTERNAL)
#if defined(STBI_INCLUDE_STB_IMAGE_H) || defined(INCLUDE_STB_IMAGE_WRITE_H)
#error "include <ganlib/io/image.hpp> before stb_image.h / stb_image_write.h, or define GANLIB_STB_EXTERNAL"
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_PNM
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#undef STB_IMAGE_IMPLEMENTATION
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic pop
#else
#include <stb/stb_image.h>
#include <stb/stb_image_write.h>
#endif

namespace ganlib::io {

// Pixels row-major, channels interleaved: data[(y * width + x) * channels + c].
template <class P>
struct BasicImage {
  int width = 0, height = 0, channels = 0;
  std::vector<P> data;

  P& at(int y, int x, int c) { return data[(size_t(y) * size_t(width) + size_t(x)) * size_t(channels) + size_t(c)]; }
  P at(int y, int x, int c) const { return data[(size_t(y) * size_t(width) + size_t(x)) * size_t(channels) + size_t(c)]; }
};
using Image = BasicImage<uint8_t>;     // 8-bit colour or grey images
using Image16 = BasicImage<uint16_t>;  // label maps (ids may exceed 255)

// Decoding refuses images whose header declares more pixels than this (1 GiB as RGBA).
inline constexpr int64_t kMaxImagePixels = int64_t(1) << 28;

namespace detail {
inline const char* stb_reason() {
  const char* r = stbi_failure_reason();
  return r && *r ? r : "unknown error";
}

inline std::vector<uint8_t> read_image_file(const char* fn, const std::string& path) {
  std::vector<uint8_t> bytes;
  try {
    bytes = read_file_bytes(path, uint64_t(INT_MAX));  // stb takes an int length
  } catch (const Error& e) {
    ganlib::detail::fail(fn, ": ", e.what());
  }
  GANLIB_CHECK(!bytes.empty(), fn, ": '", path, "' is empty (0 bytes)");
  return bytes;
}

// Reads the header only, and refuses unknown formats and oversized images before decoding.
inline bool is_png(const std::vector<uint8_t>& b);
inline void check_header(const char* fn, const std::string& name, const std::vector<uint8_t>& b,
                         int& w, int& h, int& c) {
  // stb's own PNG header check calls a large image "corrupt": read IHDR's size first so that
  // the message says what is wrong.
  if (is_png(b) && b.size() >= 24 && std::memcmp(b.data() + 12, "IHDR", 4) == 0) {
    auto be32 = [&](size_t i) {
      return uint32_t(b[i]) << 24 | uint32_t(b[i + 1]) << 16 | uint32_t(b[i + 2]) << 8 | b[i + 3];
    };
    const uint64_t pw = be32(16), ph = be32(20);
    GANLIB_CHECK(pw * ph <= uint64_t(kMaxImagePixels), fn, ": '", name, "' declares ", pw, " x ",
                 ph, " pixels; the limit is ", kMaxImagePixels, " pixels (refused before decoding)");
  }
  GANLIB_CHECK(stbi_info_from_memory(b.data(), int(b.size()), &w, &h, &c), fn, ": '", name,
               "' is not a readable PNG, JPEG, BMP or PNM image (", stb_reason(), ")");
  GANLIB_CHECK(w > 0 && h > 0 && int64_t(w) * int64_t(h) <= kMaxImagePixels, fn, ": '", name,
               "' declares ", w, " x ", h, " pixels; the limit is ", kMaxImagePixels,
               " pixels (refused before decoding)");
}

inline bool is_png(const std::vector<uint8_t>& b) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  return b.size() >= 8 && std::memcmp(b.data(), sig, 8) == 0;
}

// A walk over a JPEG's segments before stb sees it, for two reasons. stb can be lenient with
// JPEGs cut short inside the entropy-coded data (it pads with zeros and returns a partly grey
// image), so the end-of-image marker must be there. And the stb_image 2.27 that Debian ships
// writes out of bounds on a Huffman table whose 16 code counts sum past 256 (stb issues
// #1289/#1291, fixed in 2.28), so such tables are refused here. It also decodes a scan whose
// Huffman table was never defined from uninitialised memory (2.27 does not check the symbol
// index that table yields: an out-of-bounds read), so every table a scan will decode with must
// have come in an earlier DHT segment. Returns the problem, or nullptr. Non-JPEG data passes.
inline const char* jpeg_problem(const std::vector<uint8_t>& b) {
  // stb takes 0xff, any number of 0xff fill bytes, then 0xd8 as the start of a JPEG: so must we.
  const size_t n = b.size();
  if (n < 2 || b[0] != 0xff) return nullptr;
  size_t i = 1;
  while (i < n && b[i] == 0xff) ++i;
  if (i >= n || b[i] != 0xd8) return nullptr;
  ++i;
  bool progressive = false;
  bool defined[2][4] = {};  // [DC, AC][table id]: seen in a DHT segment
  for (;;) {
    if (i >= n) return "truncated JPEG (no end-of-image marker)";
    if (b[i] != 0xff) return "corrupt JPEG (expected a marker)";
    while (i < n && b[i] == 0xff) ++i;  // fill bytes
    if (i >= n) return "truncated JPEG (no end-of-image marker)";
    const uint8_t m = b[i++];
    if (m == 0xd9) return nullptr;                             // EOI
    if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) continue;       // no length
    if (i + 2 > n) return "truncated JPEG (cut inside a segment)";
    const size_t len = size_t(b[i]) << 8 | b[i + 1];
    if (len < 2) return "corrupt JPEG (segment length below 2)";
    if (i + len > n) return "truncated JPEG (cut inside a segment)";
    const size_t end = i + len;
    if (m == 0xc4) {  // DHT: one or more tables of (class/id, 16 counts, values)
      size_t t = i + 2;
      while (t < end) {
        if ((b[t] >> 4) > 1 || (b[t] & 15) > 3) return "corrupt JPEG (bad Huffman table header)";
        if (t + 17 > end) return "corrupt JPEG (Huffman table cut short)";
        size_t count = 0;
        for (size_t k = 1; k <= 16; ++k) count += b[t + k];
        if (count > 256) return "corrupt JPEG (Huffman table with more than 256 codes)";
        defined[b[t] >> 4][b[t] & 15] = true;
        t += 17 + count;
        if (t > end) return "corrupt JPEG (Huffman table runs past its segment)";
      }
    }
    if (m == 0xc2) progressive = true;
    if (m == 0xda && len >= 3 && len == 6 + 2 * size_t(b[i + 2])) {
      // SOS: (component, DC/AC table ids) per component, then Ss, Se, Ah/Al. A baseline scan
      // decodes with both tables; a progressive one with the DC table in a first DC scan
      // (Ss = 0, Ah = 0) and with the AC table in an AC scan (Se > 0). (A malformed SOS is
      // left to stb, which refuses it.)
      const size_t ns = b[i + 2], ss = b[i + 3 + 2 * ns], se = b[i + 4 + 2 * ns];
      const size_t ah = b[i + 5 + 2 * ns] >> 4;
      const bool uses_dc = !progressive || (ss == 0 && ah == 0);
      const bool uses_ac = !progressive || se > 0;
      for (size_t k = 0; k < ns; ++k) {
        const uint8_t tables = b[i + 4 + 2 * k];
        if ((uses_dc && (tables >> 4) < 4 && !defined[0][tables >> 4]) ||
            (uses_ac && (tables & 15) < 4 && !defined[1][tables & 15]))
          return "corrupt JPEG (a scan uses a Huffman table that was never defined)";
      }
    }
    i = end;
    if (m == 0xda) {  // SOS: entropy-coded data up to the next marker that is not RSTn
      while (i + 1 < n && !(b[i] == 0xff && b[i + 1] != 0x00 && !(b[i + 1] >= 0xd0 && b[i + 1] <= 0xd7)))
        ++i;
      if (i + 1 >= n) return "truncated JPEG (no end-of-image marker)";
    }
  }
}

// A walk over a PNG's chunks before stb sees it: stb ignores CRCs (a flipped bit would decode
// silently to other pixels) and reads a file cut after its last IDAT as complete, so every
// chunk's CRC and the IEND chunk are checked here. Zero-length IDAT chunks (legal, useless)
// are dropped into `fixed`, since stb 2.27 passes a null pointer to memcpy on them.
// Returns the problem, or nullptr. Non-PNG data passes.
inline const char* png_problem(const std::vector<uint8_t>& b, std::vector<uint8_t>& fixed) {
  if (!is_png(b)) return nullptr;
  const size_t n = b.size();
  size_t i = 8;
  bool drop = false;
  for (;;) {
    if (i + 12 > n) return "truncated PNG (no IEND chunk)";
    const uint32_t len = uint32_t(b[i]) << 24 | uint32_t(b[i + 1]) << 16 | uint32_t(b[i + 2]) << 8 | b[i + 3];
    if (len > 0x7fffffffu) return "corrupt PNG (chunk length over 2^31)";
    if (uint64_t(i) + 12 + len > n) return "truncated PNG (cut inside a chunk)";
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), b.data() + i + 4, uInt(4 + len));
    const size_t c = i + 8 + len;
    const uint32_t stored = uint32_t(b[c]) << 24 | uint32_t(b[c + 1]) << 16 | uint32_t(b[c + 2]) << 8 | b[c + 3];
    if (uint32_t(crc) != stored) return "corrupt PNG (chunk CRC mismatch)";
    if (len == 0 && std::memcmp(b.data() + i + 4, "IDAT", 4) == 0) drop = true;
    if (std::memcmp(b.data() + i + 4, "IEND", 4) == 0) break;
    i += 12 + len;
  }
  if (drop) {
    fixed.assign(b.begin(), b.begin() + 8);
    for (size_t j = 8; j < n;) {
      const uint32_t len = uint32_t(b[j]) << 24 | uint32_t(b[j + 1]) << 16 | uint32_t(b[j + 2]) << 8 | b[j + 3];
      const bool empty_idat = len == 0 && std::memcmp(b.data() + j + 4, "IDAT", 4) == 0;
      if (!empty_idat) fixed.insert(fixed.end(), b.begin() + long(j), b.begin() + long(j + 12 + len));
      if (std::memcmp(b.data() + j + 4, "IEND", 4) == 0) break;
      j += 12 + len;
    }
  }
  return nullptr;
}

// stb reads a binary PNM (P5/P6) cut short as complete, padding with zeros: the pixel data
// must be all there; and stb's 16-bit PNM path overflows its buffer. Returns the problem, or
// nullptr. Other data passes.
inline const char* pnm_problem(const std::vector<uint8_t>& b) {
  if (b.size() < 2 || b[0] != 'P' || (b[1] != '5' && b[1] != '6')) return nullptr;
  size_t i = 2;
  uint64_t v[3] = {0, 0, 0};
  for (auto& x : v) {
    for (;;) {  // whitespace and comments
      while (i < b.size() && std::isspace(b[i])) ++i;
      if (i < b.size() && b[i] == '#') {
        while (i < b.size() && b[i] != '\n' && b[i] != '\r') ++i;
        continue;
      }
      break;
    }
    if (i >= b.size() || !std::isdigit(b[i])) return nullptr;  // stb reports a bad header
    // stb 2.27 parses these numbers into an int without an overflow check (UB past 2^31).
    size_t digits = 0;
    while (i < b.size() && std::isdigit(b[i])) {
      if (++digits > 9) return "corrupt PNM (a header number has more than 9 digits)";
      x = x * 10 + uint64_t(b[i++] - '0');
    }
  }
  // Debian's stb reads a PNM with maxval > 255 into an 8-bit buffer, then converts it as 16-bit
  // data, reading past the buffer's end: such files are refused.
  if (v[2] > 255) return "16-bit PNM (maxval above 255), which is not supported";
  ++i;  // the single whitespace byte after maxval
  const uint64_t need = v[0] * v[1] * (b[1] == '6' ? 3 : 1) * (v[2] > 255 ? 2 : 1);
  return i <= b.size() && b.size() - i >= need ? nullptr : "truncated PNM (pixel data cut short)";
}

inline void append_callback(void* ctx, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(ctx);
  const auto* p = static_cast<const uint8_t*>(data);
  out->insert(out->end(), p, p + size);
}

template <class P>
void check_writable_image(const char* fn, const std::string& path, const BasicImage<P>& img) {
  GANLIB_CHECK(img.width > 0 && img.height > 0 && img.channels >= 1 && img.channels <= 4, fn,
               ": '", path, "': cannot write a ", img.width, " x ", img.height, " image with ",
               img.channels, " channels (need positive sizes and 1 to 4 channels)");
  GANLIB_CHECK(int64_t(img.width) * img.height <= kMaxImagePixels, fn, ": '", path, "': ",
               img.width, " x ", img.height, " is more than ", kMaxImagePixels, " pixels");
  GANLIB_CHECK(img.data.size() == size_t(img.width) * size_t(img.height) * size_t(img.channels),
               fn, ": '", path, "': data holds ", img.data.size(), " values but ", img.width,
               " x ", img.height, " x ", img.channels, " needs ",
               size_t(img.width) * size_t(img.height) * size_t(img.channels));
}

inline void put_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}
inline void png_chunk(std::vector<uint8_t>& out, const char* type, const std::vector<uint8_t>& data) {
  put_be32(out, uint32_t(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(crc32(0L, Z_NULL, 0), out.data() + start, uInt(out.size() - start));
  put_be32(out, uint32_t(crc));
}
}  // namespace detail

// Decodes an image held in memory; `name` is used in messages. channels 0 keeps the file's
// channel count (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA); 1..4 converts. 16-bit PNGs are
// reduced to 8 bits (use read_label_png for exact 16-bit values).
inline Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name,
                          int channels = 0) {
  GANLIB_CHECK(channels >= 0 && channels <= 4, "read_image: '", name, "': channels must be 0 "
               "(as stored) or 1 to 4, got ", channels);
  GANLIB_CHECK(!bytes.empty(), "read_image: '", name, "' is empty (0 bytes)");
  GANLIB_CHECK(bytes.size() <= size_t(INT_MAX), "read_image: '", name, "' is too large (",
               bytes.size(), " bytes)");
  // Structure checks first: stbi_info parses JPEG tables too.
  const char* jpeg = detail::jpeg_problem(bytes);
  GANLIB_CHECK(!jpeg, "read_image: '", name, "' is a ", jpeg);
  std::vector<uint8_t> fixed;
  const char* png = detail::png_problem(bytes, fixed);
  GANLIB_CHECK(!png, "read_image: '", name, "' is a ", png);
  const char* pnm = detail::pnm_problem(bytes);
  GANLIB_CHECK(!pnm, "read_image: '", name, "' is a ", pnm);
  const std::vector<uint8_t>& b = fixed.empty() ? bytes : fixed;
  int w = 0, h = 0, c = 0;
  detail::check_header("read_image", name, b, w, h, c);
  stbi_uc* px = stbi_load_from_memory(b.data(), int(b.size()), &w, &h, &c, channels);
  GANLIB_CHECK(px, "read_image: '", name, "' is corrupt or truncated (", detail::stb_reason(), ")");
  Image img;
  img.width = w;
  img.height = h;
  img.channels = channels ? channels : c;
  img.data.assign(px, px + size_t(w) * size_t(h) * size_t(img.channels));
  stbi_image_free(px);
  return img;
}

inline Image read_image(const std::string& path, int channels = 0) {
  return decode_image(detail::read_image_file("read_image", path), path, channels);
}

// A label map: a single-channel 8- or 16-bit PNG, values exactly as stored (no scaling,
// no colour conversion). Palette, grey+alpha and colour PNGs are refused.
inline Image16 decode_label_png(const std::vector<uint8_t>& bytes, const std::string& name) {
  GANLIB_CHECK(!bytes.empty(), "read_label_png: '", name, "' is empty (0 bytes)");
  GANLIB_CHECK(bytes.size() <= size_t(INT_MAX), "read_label_png: '", name, "' is too large");
  GANLIB_CHECK(detail::is_png(bytes), "read_label_png: '", name, "' is not a PNG file");
  std::vector<uint8_t> fixed;
  const char* png = detail::png_problem(bytes, fixed);
  GANLIB_CHECK(!png, "read_label_png: '", name, "' is a ", png);
  const std::vector<uint8_t>& b = fixed.empty() ? bytes : fixed;
  int w = 0, h = 0, c = 0;
  detail::check_header("read_label_png", name, b, w, h, c);
  GANLIB_CHECK(c == 1, "read_label_png: '", name, "' has ", c, " channels; a label map must "
               "be a single-channel (grey, non-palette) PNG");
  const int len = int(b.size());
  Image16 img;
  img.width = w;
  img.height = h;
  img.channels = 1;
  const size_t n = size_t(w) * size_t(h);
  if (stbi_is_16_bit_from_memory(b.data(), len)) {
    stbi_us* px = stbi_load_16_from_memory(b.data(), len, &w, &h, &c, 0);
    GANLIB_CHECK(px, "read_label_png: '", name, "' is corrupt or truncated (", detail::stb_reason(), ")");
    img.data.assign(px, px + n);
    stbi_image_free(px);
  } else {
    // stbi_load_16 would scale 8-bit values by 257; load 8-bit and widen instead.
    stbi_uc* px = stbi_load_from_memory(b.data(), len, &w, &h, &c, 0);
    GANLIB_CHECK(px, "read_label_png: '", name, "' is corrupt or truncated (", detail::stb_reason(), ")");
    img.data.assign(px, px + n);
    stbi_image_free(px);
  }
  GANLIB_CHECK(c == 1, "read_label_png: '", name, "' decoded to ", c, " channels, expected 1");
  return img;
}

inline Image16 read_label_png(const std::string& path) {
  return decode_label_png(detail::read_image_file("read_label_png", path), path);
}

// Encoders to memory.
inline std::vector<uint8_t> encode_png(const Image& img, const std::string& name = "<memory>") {
  detail::check_writable_image("write_png", name, img);
  std::vector<uint8_t> out;
  const int ok = stbi_write_png_to_func(detail::append_callback, &out, img.width, img.height,
                                        img.channels, img.data.data(), img.width * img.channels);
  GANLIB_CHECK(ok, "write_png: '", name, "': encoding failed");
  return out;
}

// 16-bit PNG (stb_image_write has no 16-bit mode): IHDR, one zlib IDAT, IEND; samples
// big-endian, filter 0 on every row.
inline std::vector<uint8_t> encode_png(const Image16& img, const std::string& name = "<memory>") {
  detail::check_writable_image("write_png", name, img);
  static const uint8_t color_type[5] = {0, 0, 4, 2, 6};
  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  std::vector<uint8_t> ihdr;
  detail::put_be32(ihdr, uint32_t(img.width));
  detail::put_be32(ihdr, uint32_t(img.height));
  ihdr.insert(ihdr.end(), {16, color_type[img.channels], 0, 0, 0});
  detail::png_chunk(out, "IHDR", ihdr);
  const size_t row = size_t(img.width) * size_t(img.channels);
  std::vector<uint8_t> raw(size_t(img.height) * (1 + 2 * row));
  uint8_t* r = raw.data();
  for (int y = 0; y < img.height; ++y) {
    *r++ = 0;
    const uint16_t* s = img.data.data() + size_t(y) * row;
    for (size_t i = 0; i < row; ++i) {
      *r++ = uint8_t(s[i] >> 8);
      *r++ = uint8_t(s[i]);
    }
  }
  uLongf zlen = compressBound(uLong(raw.size()));
  std::vector<uint8_t> z(zlen);
  GANLIB_CHECK(compress2(z.data(), &zlen, raw.data(), uLong(raw.size()), 6) == Z_OK,
               "write_png: '", name, "': zlib compression failed");
  z.resize(zlen);
  detail::png_chunk(out, "IDAT", z);
  detail::png_chunk(out, "IEND", {});
  return out;
}

inline std::vector<uint8_t> encode_jpeg(const Image& img, int quality = 95,
                                        const std::string& name = "<memory>") {
  detail::check_writable_image("write_jpeg", name, img);
  GANLIB_CHECK(quality >= 1 && quality <= 100, "write_jpeg: '", name, "': quality ", quality,
               " is outside 1..100");
  std::vector<uint8_t> out;
  const int ok = stbi_write_jpg_to_func(detail::append_callback, &out, img.width, img.height,
                                        img.channels, img.data.data(), quality);
  GANLIB_CHECK(ok, "write_jpeg: '", name, "': encoding failed");
  return out;
}

// File writers: encode in memory, then write atomically (temp file + fsync + rename).
template <class P>
void write_png(const std::string& path, const BasicImage<P>& img) {
  const auto bytes = encode_png(img, path);
  try {
    write_file_atomic(path, bytes);
  } catch (const Error& e) {
    ganlib::detail::fail("write_png: ", e.what());
  }
}
inline void write_jpeg(const std::string& path, const Image& img, int quality = 95) {
  const auto bytes = encode_jpeg(img, quality, path);
  try {
    write_file_atomic(path, bytes);
  } catch (const Error& e) {
    ganlib::detail::fail("write_jpeg: ", e.what());
  }
}

// Image [H, W, C] uint8 -> Tensor [C, H, W] in [-1, 1]: x = v / 255 * 2 - 1, the
// ToTensor + Normalize((0.5,...), (0.5,...)) of pix2pixHD.
template <class T = float, class B = default_backend>
Tensor<T, B> image_to_tensor(const Image& img) {
  detail::check_writable_image("image_to_tensor", "<image>", img);
  const size_t hw = size_t(img.width) * size_t(img.height), C = size_t(img.channels);
  std::vector<T> v(hw * C);
  for (size_t c = 0; c < C; ++c)
    for (size_t i = 0; i < hw; ++i) v[c * hw + i] = T(img.data[i * C + c]) / T(127.5) - T(1);
  return from_vector<T, B>(v, {int64_t(C), int64_t(img.height), int64_t(img.width)});
}

// Tensor [C, H, W] (C = 1..4) in [-1, 1] -> 8-bit image: v = round((x + 1) * 127.5), clamped
// to [0, 255] (NaN -> 0). Rounding, not pix2pixHD's truncation, so that
// tensor_to_image(image_to_tensor(img)) == img exactly.
template <class T, class B>
Image tensor_to_image(const Tensor<T, B>& t) {
  GANLIB_CHECK(t.dim() == 3 && t.size(0) >= 1 && t.size(0) <= 4 && t.size(1) > 0 && t.size(2) > 0,
               "tensor_to_image: expected a [C, H, W] tensor with C = 1..4, got ",
               to_string(t.shape()));
  GANLIB_CHECK(t.size(1) * t.size(2) <= kMaxImagePixels, "tensor_to_image: ",
               to_string(t.shape()), " is more than ", kMaxImagePixels, " pixels");
  const auto v = t.to_vector();
  Image img;
  img.channels = int(t.size(0));
  img.height = int(t.size(1));
  img.width = int(t.size(2));
  const size_t hw = size_t(img.width) * size_t(img.height), C = size_t(img.channels);
  img.data.resize(hw * C);
  for (size_t c = 0; c < C; ++c)
    for (size_t i = 0; i < hw; ++i) {
      const double x = double(v[c * hw + i]);
      const double s = x >= -1 ? std::min(std::nearbyint((x + 1) * 127.5), 255.0) : 0.0;
      img.data[i * C + c] = uint8_t(s);
    }
  return img;
}

// A label map as a Tensor [1, H, W] holding the ids themselves (exact up to 2^24 in float).
template <class T = float, class B = default_backend>
Tensor<T, B> label_to_tensor(const Image16& img) {
  GANLIB_CHECK(img.channels == 1 && img.data.size() == size_t(img.width) * size_t(img.height),
               "label_to_tensor: expected a single-channel ", img.width, " x ", img.height,
               " label map, got ", img.channels, " channels and ", img.data.size(), " values");
  return from_vector<T, B>(std::vector<T>(img.data.begin(), img.data.end()),
                           {1, int64_t(img.height), int64_t(img.width)});
}

}  // namespace ganlib::io
