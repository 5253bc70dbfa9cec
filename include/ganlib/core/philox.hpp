// core/philox.hpp — Philox 4x32-10, the counter-based generator (Salmon et al., SC'11).
// Contract: draw(seed, counter) is a pure function, so element i of a random tensor depends
// only on (seed, offset + i): the same stream on CPU and CUDA, whatever the thread count.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define GANLIB_HD __host__ __device__
#else
#define GANLIB_HD
#endif

namespace ganlib::philox {

struct Block {
  uint32_t v[4];
};

GANLIB_HD inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}

// Ten rounds of the Philox S-box on a 128-bit counter with a 64-bit key.
GANLIB_HD inline Block draw(uint64_t seed, uint64_t counter_hi, uint64_t counter_lo) {
  uint32_t c0 = uint32_t(counter_lo), c1 = uint32_t(counter_lo >> 32);
  uint32_t c2 = uint32_t(counter_hi), c3 = uint32_t(counter_hi >> 32);
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(0xD2511F53u, c0, hi0, lo0);
    mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Block{{c0, c1, c2, c3}};
}

// A uniform float in (0, 1]: 24 random bits, never exactly 0 so log() is safe.
GANLIB_HD inline double to_unit(uint32_t x) { return (double(x >> 8) + 1.0) / 16777216.0; }

// Element i of a stream: uniform in (0, 1]. Four draws per Philox block.
GANLIB_HD inline double uniform(uint64_t seed, uint64_t offset, uint64_t i) {
  const uint64_t idx = offset + i;
  const Block b = draw(seed, 0, idx >> 2);
  return to_unit(b.v[idx & 3]);
}

// Element i of a standard normal stream (Box–Muller on one block's two pairs).
GANLIB_HD inline double normal(uint64_t seed, uint64_t offset, uint64_t i) {
  const uint64_t idx = offset + i;
  const Block b = draw(seed, 1, idx >> 1);  // counter_hi 1: a stream apart from uniform()
  const double u1 = to_unit(b.v[0]), u2 = to_unit(b.v[1]);
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = 6.283185307179586 * u2;
  return (idx & 1) ? r * std::sin(t) : r * std::cos(t);
}

}  // namespace ganlib::philox
