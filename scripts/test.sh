#!/usr/bin/env bash
# scripts/test.sh — the whole test suite from a fresh Debian 12 machine: installs what is
# missing, configures, builds every test (and the examples), runs them with CTest.
# BUILD_DIR (default build) and JOBS (default: all cores) can be overridden.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh $(cat scripts/build_packages.txt)
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGANLIB_BUILD_TESTS=ON ${CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"
built=$(date +%s)
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 1
echo "build: $((built - start)) s, tests: $(( $(date +%s) - built )) s"
