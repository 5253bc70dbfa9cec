// tests/core/test_half.cpp — fp16/bf16 rounding on the host (core/half.hpp): known bit patterns,
// ties to even, overflow, subnormals, NaN, and every half value surviving the round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include <ganlib/core/half.hpp>

using namespace ganlib;

TEST_CASE("fp16: known values, ties to even, overflow to inf, subnormals") {
  using half::fp16_bits;
  CHECK(fp16_bits(1.0f) == 0x3c00);
  CHECK(fp16_bits(-2.0f) == 0xc000);
  CHECK(fp16_bits(0.0f) == 0x0000);
  CHECK(fp16_bits(-0.0f) == 0x8000);
  CHECK(fp16_bits(65504.0f) == 0x7bff);                        // the largest half
  CHECK(fp16_bits(65519.0f) == 0x7bff);                        // below the midpoint to 2^16
  CHECK(fp16_bits(65520.0f) == 0x7c00);                        // the midpoint rounds to even: inf
  CHECK(fp16_bits(1e9f) == 0x7c00);
  CHECK(fp16_bits(-std::numeric_limits<float>::infinity()) == 0xfc00);
  CHECK(fp16_bits(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);    // tie between 1 and 1+2^-10: even
  CHECK(fp16_bits(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);  // tie between odd and even: up
  CHECK(fp16_bits(std::ldexp(1.0f, -14)) == 0x0400);           // smallest normal
  CHECK(fp16_bits(std::ldexp(1.0f, -24)) == 0x0001);           // smallest subnormal
  CHECK(fp16_bits(std::ldexp(1.0f, -25)) == 0x0000);           // half of it: tie to even (0)
  CHECK(fp16_bits(3 * std::ldexp(1.0f, -25)) == 0x0002);       // 1.5 units: tie to even (2)
  CHECK(fp16_bits(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -26)) == 0x0400);  // rounds up to normal
  const uint16_t nan = fp16_bits(std::numeric_limits<float>::quiet_NaN());
  CHECK((nan & 0x7c00) == 0x7c00);
  CHECK((nan & 0x03ff) != 0);
  CHECK(half::round_to(Precision::fp16, 0.1f) == 0.0999755859375f);
  CHECK(half::round_to(Precision::fp32, 0.1f) == 0.1f);
}

TEST_CASE("fp16: every finite and infinite half value round-trips through float") {
  int failures = 0;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaN payloads
    const float f = half::from_fp16_bits(uint16_t(h));
    if (half::fp16_bits(f) != h) ++failures;
  }
  CHECK(failures == 0);
  CHECK(half::from_fp16_bits(0x7bff) == 65504.0f);
  CHECK(half::from_fp16_bits(0x0001) == std::ldexp(1.0f, -24));
  CHECK(std::isinf(half::from_fp16_bits(0x7c00)));
}

TEST_CASE("bf16: known values, ties to even, overflow, NaN, round trip") {
  using half::bf16_bits;
  CHECK(bf16_bits(1.0f) == 0x3f80);
  CHECK(bf16_bits(-1.0f) == 0xbf80);
  CHECK(bf16_bits(1.0f + std::ldexp(1.0f, -8)) == 0x3f80);      // tie: even
  CHECK(bf16_bits(1.0f + 3 * std::ldexp(1.0f, -8)) == 0x3f82);  // tie from odd: up
  CHECK(bf16_bits(1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)) == 0x3f81);  // above the tie
  CHECK(bf16_bits(std::numeric_limits<float>::max()) == 0x7f80);  // rounds to inf
  CHECK(bf16_bits(1e38f) != 0x7f80);                              // bf16 keeps fp32's range
  const uint16_t nan = bf16_bits(std::numeric_limits<float>::quiet_NaN());
  CHECK(std::isnan(half::from_bf16_bits(nan)));
  int failures = 0;
  for (uint32_t b = 0; b < 0x10000; ++b) {
    if ((b & 0x7f80) == 0x7f80 && (b & 0x7f)) continue;
    if (bf16_bits(half::from_bf16_bits(uint16_t(b))) != b) ++failures;
  }
  CHECK(failures == 0);
  CHECK(half::round_to(Precision::bf16, 0.1f) == 0.10009765625f);
}
