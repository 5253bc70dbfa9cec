#!/usr/bin/env bash
# tests/fuzz/make_corpus.sh — (re)writes the committed seed corpora tests/fuzz/corpus/<target>/
# with make_corpus.cpp (small valid files from the library's own writers).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p build-fuzz
${CXX:-g++} -std=c++20 -O0 -Iinclude -I. -I/usr/include/eigen3 tests/fuzz/make_corpus.cpp \
  -o build-fuzz/make_corpus -pthread -lz
build-fuzz/make_corpus tests/fuzz/corpus
