// io/safetensors.hpp — read and write the safetensors format (an 8-byte little-endian header
// length, a JSON header of {name: {dtype, shape, data_offsets}} plus "__metadata__", then raw
// little-endian data).
// Contract: reading is bounds-checked: a header length past the end of the file, malformed
// JSON, an unknown dtype, offsets outside the data or overlapping another tensor, and a byte
// count that does not match dtype × shape are each a ganlib::Error naming the file and key.
// save() writes atomically (io/atomic_file.hpp); to_tensor / entry_from convert to and from
// Tensor<T, B>.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/error.hpp"
#include "../core/half.hpp"
#include "../core/shape.hpp"
#include "../core/tensor.hpp"
#include "../ops/factory.hpp"
#include "atomic_file.hpp"

namespace ganlib::safetensors {

enum class DType { F64, F32, F16, BF16, I64, I32, U8 };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: return 2;
    case DType::U8: return 1;
  }
  return 0;
}
inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::F64: return "F64"; case DType::F32: return "F32"; case DType::F16: return "F16";
    case DType::BF16: return "BF16"; case DType::I64: return "I64"; case DType::I32: return "I32";
    case DType::U8: return "U8";
  }
  return "?";
}
inline bool parse_dtype(const std::string& s, DType& out) {
  for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::U8})
    if (s == dtype_name(d)) { out = d; return true; }
  return false;
}

// One tensor's raw bytes, still in its stored dtype.
struct Entry {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> bytes;

  // Values converted to double (F16/BF16 widened exactly).
  std::vector<double> to_double() const;
};

struct File {
  std::map<std::string, Entry> tensors;
  std::map<std::string, std::string> metadata;
};

inline std::vector<double> Entry::to_double() const {
  const size_t n = bytes.size() / dtype_size(dtype);
  std::vector<double> v(n);
  const uint8_t* p = bytes.data();
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::F64: { double x; std::memcpy(&x, p + 8 * i, 8); v[i] = x; break; }
      case DType::F32: { float x; std::memcpy(&x, p + 4 * i, 4); v[i] = x; break; }
      case DType::I64: { int64_t x; std::memcpy(&x, p + 8 * i, 8); v[i] = double(x); break; }
      case DType::I32: { int32_t x; std::memcpy(&x, p + 4 * i, 4); v[i] = x; break; }
      case DType::U8: v[i] = p[i]; break;
      case DType::F16: { uint16_t x; std::memcpy(&x, p + 2 * i, 2); v[i] = half::from_fp16_bits(x); break; }
      case DType::BF16: { uint16_t x; std::memcpy(&x, p + 2 * i, 2); v[i] = half::from_bf16_bits(x); break; }
    }
  }
  return v;
}

// Parses a whole file held in memory; `name` is used in error messages.
inline File parse(const std::vector<uint8_t>& buf, const std::string& name) {
  GANLIB_CHECK(buf.size() >= 8, "safetensors: ", name, " is ", buf.size(),
               " bytes, too short for the 8-byte header length");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | buf[size_t(i)];
  GANLIB_CHECK(header_len <= buf.size() - 8, "safetensors: ", name, ": header length ",
               header_len, " runs past the end of the file (", buf.size(), " bytes)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(buf.begin() + 8, buf.begin() + 8 + long(header_len));
  } catch (const std::exception& e) {
    ganlib::detail::fail("safetensors: ", name, ": malformed JSON header (", e.what(), ")");
  }
  GANLIB_CHECK(header.is_object(), "safetensors: ", name, ": header is not a JSON object");
  const size_t data_start = 8 + size_t(header_len), data_size = buf.size() - data_start;
  File file;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& [key, val] : header.items()) {
    if (key == "__metadata__") {
      GANLIB_CHECK(val.is_object(), "safetensors: ", name, ": __metadata__ is not an object");
      for (auto& [mk, mv] : val.items()) {
        GANLIB_CHECK(mv.is_string(), "safetensors: ", name, ": metadata value '", mk, "' is not a string");
        file.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    GANLIB_CHECK(val.is_object() && val.contains("dtype") && val.contains("shape") &&
                     val.contains("data_offsets") && val["dtype"].is_string() &&
                     val["shape"].is_array() && val["data_offsets"].is_array() &&
                     val["data_offsets"].size() == 2,
                 "safetensors: ", name, ": entry '", key, "' needs dtype, shape and data_offsets [begin, end]");
    Entry e;
    GANLIB_CHECK(parse_dtype(val["dtype"].get<std::string>(), e.dtype), "safetensors: ", name,
                 ": tensor '", key, "' has unsupported dtype ", val["dtype"].get<std::string>());
    uint64_t count = 1;
    for (auto& d : val["shape"]) {
      GANLIB_CHECK(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0),
                   "safetensors: ", name, ": tensor '", key, "' has a bad shape entry");
      const uint64_t dim = d.get<uint64_t>();
      GANLIB_CHECK(dim <= (uint64_t(1) << 59) && (dim == 0 || count <= (uint64_t(1) << 59) / dim),
                   "safetensors: ", name,
                   ": tensor '", key, "' is impossibly large");
      count *= dim;
      e.shape.push_back(int64_t(dim));
    }
    GANLIB_CHECK(e.shape.size() <= size_t(kMaxRank), "safetensors: ", name, ": tensor '", key,
                 "' has rank ", e.shape.size(), ", more than ", kMaxRank);
    for (auto& o : val["data_offsets"])
      GANLIB_CHECK(o.is_number_unsigned() || (o.is_number_integer() && o.get<int64_t>() >= 0),
                   "safetensors: ", name, ": tensor '", key, "' has a bad data offset");
    const uint64_t b = val["data_offsets"][0].get<uint64_t>(), end = val["data_offsets"][1].get<uint64_t>();
    GANLIB_CHECK(b <= end && end <= data_size, "safetensors: ", name, ": tensor '", key,
                 "' has offsets [", b, ", ", end, ") outside the data section of ", data_size, " bytes");
    GANLIB_CHECK(end - b == count * dtype_size(e.dtype), "safetensors: ", name, ": tensor '", key,
                 "' holds ", end - b, " bytes but ", dtype_name(e.dtype), " ", to_string(e.shape),
                 " needs ", count * dtype_size(e.dtype));
    ranges.emplace_back(b, end);
    e.bytes.assign(buf.begin() + long(data_start + b), buf.begin() + long(data_start + end));
    file.tensors.emplace(key, std::move(e));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    GANLIB_CHECK(ranges[i].first >= ranges[i - 1].second || ranges[i].first == ranges[i].second ||
                     ranges[i - 1].first == ranges[i - 1].second,
                 "safetensors: ", name, ": tensors overlap at byte ", ranges[i].first);
  return file;
}

inline File load(const std::string& path) {
  std::vector<uint8_t> buf;
  try {
    buf = io::read_file_bytes(path);
  } catch (const Error& e) {
    ganlib::detail::fail("safetensors: ", e.what());  // e.g. "cannot open 'x': No such file..."
  }
  return parse(buf, path);
}

// Serialises tensors (in name order) and metadata.
inline std::vector<uint8_t> serialize(const File& file) {
  nlohmann::json header = nlohmann::json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  uint64_t offset = 0;
  for (auto& [key, e] : file.tensors) {
    header[key] = {{"dtype", dtype_name(e.dtype)}, {"shape", e.shape},
                   {"data_offsets", {offset, offset + e.bytes.size()}}};
    offset += e.bytes.size();
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h += ' ';  // align the data section, as the reference writer does
  // One allocation, filled by memcpy (g++ 12 -O3 warns falsely on vector::insert here).
  std::vector<uint8_t> out(8 + h.size() + offset);
  for (int i = 0; i < 8; ++i) out[size_t(i)] = uint8_t(uint64_t(h.size()) >> (8 * i));
  std::memcpy(out.data() + 8, h.data(), h.size());
  size_t at = 8 + h.size();
  for (auto& [key, e] : file.tensors) {
    if (!e.bytes.empty()) std::memcpy(out.data() + at, e.bytes.data(), e.bytes.size());
    at += e.bytes.size();
  }
  return out;
}

// Values → an Entry of the given dtype.
inline Entry make_entry(const std::vector<double>& values, const Shape& shape, DType dtype = DType::F32) {
  GANLIB_CHECK(int64_t(values.size()) == numel(shape), "safetensors: ", values.size(),
               " values do not fill shape ", to_string(shape));
  Entry e{dtype, shape, std::vector<uint8_t>(values.size() * dtype_size(dtype))};
  uint8_t* p = e.bytes.data();
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    switch (dtype) {
      case DType::F64: std::memcpy(p + 8 * i, &v, 8); break;
      case DType::F32: { float f = float(v); std::memcpy(p + 4 * i, &f, 4); break; }
      case DType::I64: { int64_t x = int64_t(v); std::memcpy(p + 8 * i, &x, 8); break; }
      case DType::I32: { int32_t x = int32_t(v); std::memcpy(p + 4 * i, &x, 4); break; }
      case DType::U8: p[i] = uint8_t(v); break;
      case DType::F16: { const uint16_t h = half::fp16_bits(float(v)); std::memcpy(p + 2 * i, &h, 2); break; }
      case DType::BF16: { const uint16_t b = half::bf16_bits(float(v)); std::memcpy(p + 2 * i, &b, 2); break; }
    }
  }
  return e;
}

// Writes the file atomically (temp file + fsync + rename + folder fsync): a crash leaves the
// old file or the new one, never half of one.
inline void save(const std::string& path, const File& file) {
  const auto bytes = serialize(file);
  try {
    io::write_file_atomic(path, bytes);
  } catch (const Error& e) {
    ganlib::detail::fail("safetensors: ", e.what());
  }
}

// The dtype a Tensor<T> is stored as by default.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, double>) return DType::F64;
  else if constexpr (std::is_same_v<T, fp16>) return DType::F16;
  else if constexpr (std::is_same_v<T, bf16>) return DType::BF16;
  else return DType::F32;
}

// An Entry's values as a contiguous Tensor<T, B> of its shape (no grad). A matching dtype is
// copied bit for bit; others go through double (integers beyond 2^24 lose precision in F32).
template <class T, class B = default_backend>
Tensor<T, B> to_tensor(const Entry& e) {
  const size_t n = size_t(numel(e.shape));
  GANLIB_CHECK(e.bytes.size() == n * dtype_size(e.dtype), "safetensors::to_tensor: ",
               e.bytes.size(), " bytes do not hold ", dtype_name(e.dtype), " ", to_string(e.shape));
  std::vector<T> host(n);
  if (e.dtype == dtype_of<T>()) {
    if (n) std::memcpy(host.data(), e.bytes.data(), e.bytes.size());
  } else {
    const auto v = e.to_double();
    for (size_t i = 0; i < n; ++i) host[i] = T(v[i]);
  }
  return from_vector<T, B>(host, e.shape);
}

// A Tensor's values (any strides, any backend) as an Entry of the given dtype. Narrowing
// follows make_entry: F16/BF16 round to nearest even, integers truncate toward zero.
template <class T, class B>
Entry entry_from(const Tensor<T, B>& t, DType dtype = dtype_of<T>()) {
  const std::vector<T> v = t.to_vector();
  if (dtype == dtype_of<T>()) {
    Entry e{dtype, t.shape(), std::vector<uint8_t>(v.size() * sizeof(T))};
    if (!v.empty()) std::memcpy(e.bytes.data(), v.data(), e.bytes.size());
    return e;
  }
  std::vector<double> values(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if constexpr (is_half_v<T>) values[i] = float(v[i]);
    else values[i] = double(v[i]);
  }
  return make_entry(values, t.shape(), dtype);
}

}  // namespace ganlib::safetensors
