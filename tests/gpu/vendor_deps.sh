#!/bin/sh
# tests/gpu/vendor_deps.sh — copies the header-only dependencies (Eigen, nlohmann/json, doctest,
# stb) from this machine's packages into .deps/include (git-ignored), so that a machine without
# those packages (the GPU machine) can build with -DGANLIB_DEPS_DIR=.deps/include. Run it from
# anywhere; it prints the size of what it wrote.
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
du -sh "$dst"
