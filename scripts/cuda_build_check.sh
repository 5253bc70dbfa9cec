#!/usr/bin/env bash
# scripts/cuda_build_check.sh — builds every CUDA target with nvcc (the CUDA parity suites and
# the GPU benchmarks, the CUDA builds of the examples: the target ganlib_cuda_all) and runs the
# suites, which skip with one line where no GPU is found. CI
# calls it through scripts/test.sh (GANLIB_CUDA_PASS=1) on a machine without a GPU, so that a
# compile error in the CUDA backend fails CI. BUILD_DIR (default build-cuda-check), JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."
NVCC=${CUDACXX:-/usr/local/cuda/bin/nvcc}
if [ ! -x "$NVCC" ]; then
  echo "cuda_build_check: no nvcc at $NVCC (set CUDACXX): the CUDA targets cannot be built" >&2
  exit 1
fi
BUILD_DIR=${BUILD_DIR:-build-cuda-check}
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)
# -O1 host code as the CPU suites (compile time); device code is optimised by nvcc as usual.
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DCMAKE_CUDA_FLAGS_RELEASE="-O1 -DNDEBUG" -DGANLIB_CUDA=ON -DGANLIB_BUILD_TESTS=ON \
  -DGANLIB_BUILD_EXAMPLES=ON -DCMAKE_CUDA_COMPILER="$NVCC" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target ganlib_cuda_all
built=$(date +%s)
for t in "$BUILD_DIR"/tests/cuda/test_cuda*; do
  if [ -f "$t" ] && [ -x "$t" ]; then "$t"; fi
done
# The CUDA builds of the zoo programs stop with one line naming the missing GPU.
bash tests/cuda/programs_no_gpu.sh "$BUILD_DIR/examples/cuda"
"$BUILD_DIR/bench/gpu/bench_gpu" 1 >/dev/null
echo "cuda build check: build: $((built - start)) s"
