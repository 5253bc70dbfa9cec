#!/usr/bin/env bash
# scripts/test.sh — the whole test suite from a fresh Debian 12 machine: installs what is
# missing, configures, builds every test suite and the example programs the tests run, and runs
# them with CTest. BUILD_DIR (default build-test) and JOBS (default: all cores) can be overridden.
# Tests build at -O1: they spend their time compiling, not running, and -O1 halves the compile
# time of these template-heavy headers (the demo and benchmarks build at -O3 in their own folders).
# GANLIB_SANITIZE_PASS=1 (CI sets it) adds a second pass: the library-level suites (core, ops,
# io, nn, optim, data, train, bad inputs, fault injection) built with AddressSanitizer +
# UndefinedBehaviorSanitizer in ASAN_BUILD_DIR (default build-asan), leak checking on and UBSan
# halting on its first report; that pass also fuzzes each libFuzzer target for 20 s on its corpus and regressions
# (tests/fuzz/, needs clang's libFuzzer runtime). The zoo suite is left out of that pass to keep
# CI inside its time limit (its models run the same library code the other suites check).
# GANLIB_CUDA_PASS=1 (CI sets it) also builds every CUDA target with nvcc
# (scripts/cuda_build_check.sh) and runs the CUDA suites, which skip without a GPU, so that a
# compile error in the CUDA backend fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh $(cat scripts/build_packages.txt)
BUILD_DIR=${BUILD_DIR:-build-test}
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DGANLIB_BUILD_TESTS=ON ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
built=$(date +%s)
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 1
done_normal=$(date +%s)
echo "build: $((built - start)) s, tests: $((done_normal - built)) s"

if [ "${GANLIB_SANITIZE_PASS:-0}" = 1 ]; then
  bash scripts/deps.sh clang libclang-rt-14-dev  # libFuzzer for the fuzz targets
  ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
  cmake -S . -B "$ASAN_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g -DNDEBUG" -DGANLIB_SANITIZE=ON -DGANLIB_FUZZ_SMOKE_SECONDS=20 \
    -DGANLIB_BUILD_TESTS=ON -DGANLIB_BUILD_EXAMPLES=OFF ${CMAKE_ARGS:-}
  targets=()
  for t in test_core test_ops test_io test_nn test_optim test_data test_train test_badinput tiny_train; do
    grep -q "^build tests/$t:\|^build tests/$t " "$ASAN_BUILD_DIR/build.ninja" && targets+=("$t")
  done
  cmake --build "$ASAN_BUILD_DIR" -j "$JOBS" --target "${targets[@]}"
  asan_built=$(date +%s)
  # Tests of programs not built in this pass (examples, the zoo, the install check) are excluded.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$ASAN_BUILD_DIR" --output-on-failure -j 1 \
      -E '^(install_find_package|test_zoo|badinput_programs|tiny_cgan_resume)$'
  echo "sanitizer pass: build: $((asan_built - done_normal)) s, tests: $(( $(date +%s) - asan_built )) s"
fi

if [ "${GANLIB_CUDA_PASS:-0}" = 1 ]; then
  JOBS=$JOBS bash scripts/cuda_build_check.sh
fi
