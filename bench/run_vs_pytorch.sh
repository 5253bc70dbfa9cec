#!/usr/bin/env bash
# bench/run_vs_pytorch.sh [--threads N] [WORKLOAD...] — ganlib against PyTorch on the same
# workloads, side by side: builds the benchmarks, installs Debian's python3-torch if missing,
# then runs bench/compare.py (alternating A B A B, medians), which prints JSON lines and writes
# bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh $(cat scripts/build_packages.txt) python3-torch libopenblas-dev
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DGANLIB_BUILD_BENCH=ON \
  -DGANLIB_BUILD_TESTS=OFF -DGANLIB_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-bench --target ganlib_bench sgemm
# Let the build's file writes drain before the first measurement (the SGEMM, on both cores):
# right after a rebuild it read 78–87 % of the FMA peak, 86–92 % on a quiet machine.
sync
sleep 10
exec /usr/bin/python3 bench/compare.py --build build-bench "$@"
