// core/generator.hpp — a seeded source of random streams, passed explicitly (no hidden global
// state beyond the one default generator a program may choose to use).
// Contract: each call to next_offset(n) reserves n consecutive counters; state() and
// set_state() let checkpoints save and restore the stream exactly.
#pragma once
#include <cstdint>

namespace ganlib {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  // Reserve n counters, rounded up to a multiple of 4 so streams never share a Philox block.
  uint64_t next_offset(uint64_t n) {
    const uint64_t start = offset_;
    offset_ += (n + 3) & ~uint64_t(3);
    return start;
  }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The generator used when an op is not handed one. Seed it with manual_seed().
inline Generator& default_generator() {
  static thread_local Generator g(0);
  return g;
}
inline void manual_seed(uint64_t seed) { default_generator() = Generator(seed); }

}  // namespace ganlib
