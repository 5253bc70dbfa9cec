// core/half.hpp — the precisions of mixed-precision training and their rounding on the host.
// Contract: fp16 is IEEE binary16, bf16 the top 16 bits of a float; float → half rounds to
// nearest, ties to even; fp16 overflows to ±inf past 65504 (the point of loss scaling), NaN
// stays NaN. The CPU backend's autocast (backend/cpu/amp.hpp) rounds through these functions;
// the CUDA backend converts with cuda_fp16/cuda_bf16, which round the same way. fp16 and bf16
// (the structs at the bottom) are the element types of half-precision tensors, Tensor<fp16, B>
// (ops/half.hpp): 16 bits laid out as CUDA's __half / __nv_bfloat16, converted explicitly.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <type_traits>

namespace ganlib {

enum class Precision { fp32, fp16, bf16 };

inline const char* to_string(Precision p) {
  switch (p) {
    case Precision::fp16: return "fp16";
    case Precision::bf16: return "bf16";
    default: return "fp32";
  }
}

namespace half {

inline uint16_t fp16_bits(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return uint16_t(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));  // NaN, kept quiet
  if (ax >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // ≥ 65520 (or inf): rounds to inf
  if (ax < 0x38800000u) {  // below 2^-14: a subnormal half, units of 2^-24 (the scaling is exact)
    const float units = std::bit_cast<float>(ax) * 16777216.0f;
    return uint16_t(sign | uint32_t(std::nearbyint(units)));  // 1024 units is the smallest normal
  }
  ax += 0xfffu + ((ax >> 13) & 1u);  // round the 13 dropped bits to nearest, ties to even
  return uint16_t(sign | ((ax - (uint32_t(127 - 15) << 23)) >> 13));
}

inline float from_fp16_bits(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = float(mant) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 127 - 15) << 23) | (mant << 13));
}

inline uint16_t bf16_bits(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // NaN, kept quiet
  x += 0x7fffu + ((x >> 16) & 1u);  // nearest, ties to even; the largest floats round to inf
  return uint16_t(x >> 16);
}

inline float from_bf16_bits(uint16_t b) { return std::bit_cast<float>(uint32_t(b) << 16); }

// f as stored in precision p and read back as a float.
inline float round_to(Precision p, float f) {
  switch (p) {
    case Precision::fp16: return from_fp16_bits(fp16_bits(f));
    case Precision::bf16: return from_bf16_bits(bf16_bits(f));
    default: return f;
  }
}

}  // namespace half

// The storage types of half-precision tensors: 16 bits in precision P's format. Conversions are
// explicit, so no arithmetic is silently done on them: ops convert to float, compute, and round
// back (ops/half.hpp).
template <Precision P>
struct HalfFloat {
  static_assert(P != Precision::fp32, "HalfFloat<P>: P must be Precision::fp16 or Precision::bf16");
  static constexpr Precision precision = P;
  uint16_t bits = 0;
  HalfFloat() = default;
  explicit HalfFloat(float f) : bits(P == Precision::fp16 ? half::fp16_bits(f) : half::bf16_bits(f)) {}
  explicit operator float() const {
    return P == Precision::fp16 ? half::from_fp16_bits(bits) : half::from_bf16_bits(bits);
  }
  static HalfFloat from_bits(uint16_t b) {
    HalfFloat h;
    h.bits = b;
    return h;
  }
  friend bool operator==(HalfFloat a, HalfFloat b) { return a.bits == b.bits; }
  friend std::ostream& operator<<(std::ostream& os, HalfFloat h) { return os << float(h); }
};
using fp16 = HalfFloat<Precision::fp16>;
using bf16 = HalfFloat<Precision::bf16>;
static_assert(sizeof(fp16) == 2 && sizeof(bf16) == 2, "fp16/bf16 must be 16 bits, as __half");

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, fp16> || std::is_same_v<T, bf16>;

// The Precision a half storage type holds.
template <class H>
constexpr Precision precision_of() {
  static_assert(is_half_v<H>, "precision_of<H>: H must be fp16 or bf16");
  return H::precision;
}

}  // namespace ganlib
