// tests/fuzz/fuzz_target.cpp — the libFuzzer entry point, compiled once per target by
// run_fuzz.sh with -DGANLIB_FUZZ_RUN=ganlib::fuzz::run_<target> (see harness.hpp).
// Contract: a ganlib::Error is the parser rejecting bad input, the expected outcome; any other
// exception escapes and terminates (libFuzzer records it as a crash), as do sanitizer reports.
#include "harness.hpp"

#ifndef GANLIB_FUZZ_RUN
#error "compile with -DGANLIB_FUZZ_RUN=ganlib::fuzz::run_<target>"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    GANLIB_FUZZ_RUN(data, size);
  } catch (const ganlib::Error&) {
  }
  return 0;
}
