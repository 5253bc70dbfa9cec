#!/bin/sh
# tests/gpu/vendor_deps.sh — copies the header-only dependencies (Eigen, nlohmann/json, doctest,
# stb, and cuDNN's headers) from this machine's packages into .deps/include (git-ignored), so
# that a machine without those packages (the GPU machine) can build with
# -DGANLIB_DEPS_DIR=.deps/include. Run it from anywhere; it prints the size of what it wrote.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
dst="$root/.deps/include"
rm -rf "$dst"
mkdir -p "$dst"
copy() {  # copy <source dir> <name under .deps/include>
  if [ ! -d "$1" ]; then echo "vendor_deps: $1 not found (install the package here first)" >&2; exit 1; fi
  cp -r "$1" "$dst/$2"
}
copy /usr/include/eigen3 eigen3
copy /usr/include/nlohmann nlohmann
copy /usr/include/doctest doctest
copy /usr/include/stb stb
cp /usr/include/zlib.h /usr/include/zconf.h "$dst/"  # gpu_check.sh pairs them with the machine's libz.so.1
# cuDNN's headers, for a GPU machine whose cuDNN library lacks them (CMake looks in
# .deps/include/cudnn only when the CUDA install has no cudnn.h).
for d in /usr/local/cuda/include /usr/include /usr/include/x86_64-linux-gnu; do
  if [ -f "$d/cudnn.h" ]; then
    mkdir -p "$dst/cudnn"
    cp "$d"/cudnn*.h "$dst/cudnn/"
    break
  fi
done
[ -f "$dst/cudnn/cudnn.h" ] || echo "vendor_deps: cudnn.h not found; not vendored" >&2
du -sh "$dst"
