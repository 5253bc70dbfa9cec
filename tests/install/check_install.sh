#!/usr/bin/env bash
# tests/install/check_install.sh SOURCE_DIR — installs ganlib into a temporary prefix, then
# configures and builds a tiny outside project with find_package(ganlib) against it, and runs it.
set -euo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake -S "$src" -B "$tmp/build" -G Ninja -DGANLIB_BUILD_TESTS=OFF -DGANLIB_BUILD_EXAMPLES=OFF \
  -DCMAKE_INSTALL_PREFIX="$tmp/prefix" >/dev/null
cmake --install "$tmp/build" >/dev/null
mkdir -p "$tmp/app"
cat > "$tmp/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.22)
project(app CXX)
find_package(ganlib REQUIRED)
add_executable(app main.cpp)
target_link_libraries(app ganlib::ganlib)
CM
cat > "$tmp/app/main.cpp" <<'CPP'
#include <ganlib/ganlib.hpp>
#include <cstdio>
int main() {
  using namespace ganlib;
  auto w = from_vector<float>({1, 2, 3}).requires_grad_();
  sum(square(w)).backward();  // d/dw = 2w
  const auto g = w.grad().to_vector();
  std::printf("grad %g %g %g\n", g[0], g[1], g[2]);
  return (g[0] == 2 && g[1] == 4 && g[2] == 6) ? 0 : 1;
}
CPP
cmake -S "$tmp/app" -B "$tmp/app/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/app/build" >/dev/null
"$tmp/app/build/app"
# The installed headers are the library: none may be missing.
test -f "$tmp/prefix/include/ganlib/ganlib.hpp"
echo "install check passed"
