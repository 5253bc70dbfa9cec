#!/usr/bin/env bash
# tests/gpu/gpu_check.sh — the GPU checks, in one run on a machine with an NVIDIA GPU:
#   1. configure with -DGANLIB_CUDA=ON (vendored headers from .deps/include where the packages
#      are missing: run tests/gpu/vendor_deps.sh beforehand on a machine that has them),
#   2. build and run tests/cuda (CPU-vs-CUDA parity: test_cuda, the core ops; test_cuda_ops, the
#      other op families incl. cuDNN convolutions; test_cuda_<feature>: mixed precision, CUDA
#      graphs) and bench/gpu (fp32 and AMP rows) (ganlib vs PyTorch: the layer rows,
#      then the three zoo-model rows one by one, each under a timeout cut to the time left),
#   3. if time allows, build and run test_core and test_ops with the same toolchain,
#   4. write bench/RESULTS-gpu.md (card, driver, date, test summary, timings) and copy the logs
#      and results to $OUT when it is set.
# Every step runs even if an earlier one failed; the exit status is test_cuda's, or else
# test_cuda_ops's when test_cuda passed, or else 1 when a feature suite failed.
# Environment: GANLIB_GPU_BUILD (build folder, default build-gpu), GANLIB_GPU_JOBS (default:
# all cores), GANLIB_GPU_CPU_SUITES=0 skips step 3, GANLIB_GPU_MODEL_ITERS (timed iterations of
# the model rows, default 10), GANLIB_GPU_BENCH_DEADLINE (seconds from the start after which no
# model row starts and running ones are cut, default 430).
# Budget: under 8 minutes on 16 cores (the CPU suites and late model rows are skipped when time
# runs short). Usage, from anywhere: tests/gpu/gpu_check.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
START=$(date +%s)
BUILD=${GANLIB_GPU_BUILD:-build-gpu}
LOGS="$ROOT/$BUILD/gpu-logs"
mkdir -p "$LOGS"
LOG="$LOGS/gpu_check.log"
: >"$LOG"
JOBS=${GANLIB_GPU_JOBS:-$(nproc 2>/dev/null || echo 16)}
elapsed() { echo $(( $(date +%s) - START )); }
say() { echo "[gpu_check $(elapsed)s] $*" | tee -a "$LOG"; }
run() {  # run <log name> <timeout s> <command...>: output to its log and the main log
  local name=$1 limit=$2
  shift 2
  say "\$ $*"
  timeout "$limit" "$@" >"$LOGS/$name.log" 2>&1
  local rc=$?
  cat "$LOGS/$name.log" >>"$LOG"
  say "-> exit $rc ($name)"
  return $rc
}

# ---- the machine -------------------------------------------------------------------------------
export PATH="$PATH:/usr/local/cuda/bin:/opt/torch/.venv/bin"
CARD=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
say "GPU: ${CARD:-none found by nvidia-smi}"
NVCC=$(command -v nvcc || true)
say "nvcc: ${NVCC:-missing} $( [ -n "$NVCC" ] && "$NVCC" --version | tail -1)"
say "cmake: $(cmake --version 2>/dev/null | head -1)  ninja: $(ninja --version 2>/dev/null)  g++: $(g++ --version 2>/dev/null | head -1)"
TORCH=$(python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' 2>&1 | tail -1)
say "python3 torch: $TORCH"
[ -d .deps/include ] || say "warning: .deps/include is missing (run tests/gpu/vendor_deps.sh where the header packages exist)"

# ---- configure ---------------------------------------------------------------------------------
GEN=(-G Ninja)
command -v ninja >/dev/null || GEN=(-G "Unix Makefiles")
CONF=(-S . -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DGANLIB_CUDA=ON -DGANLIB_BUILD_TESTS=ON
      -DGANLIB_BUILD_EXAMPLES=OFF -DGANLIB_DEPS_DIR=.deps/include -DCMAKE_CUDA_FLAGS=--threads=0)
[ -n "$NVCC" ] && CONF+=(-DCMAKE_CUDA_COMPILER="$NVCC")
# zlib (io/): without its dev package, the vendored headers and the runtime's libz.so.1.
if [ ! -f /usr/include/zlib.h ] && [ -f .deps/include/zlib.h ]; then
  LIBZ=$(ldconfig -p 2>/dev/null | awk '/libz\.so\.1 .*x86-64/ {print $NF; exit}')
  [ -n "$LIBZ" ] && CONF+=(-DZLIB_INCLUDE_DIR="$ROOT/.deps/include" -DZLIB_LIBRARY="$LIBZ")
  say "zlib: vendored headers with ${LIBZ:-no libz.so.1 found}"
fi
if ! run configure 240 cmake "${CONF[@]}"; then
  # cuBLAS and cuDNN may come from pip (nvidia-cublas, nvidia-cudnn) rather than the toolkit:
  # point CMake at them (cuDNN's headers from the wheel, else those vendored in .deps/include/cudnn).
  find_pip_lib() {  # find_pip_lib <glob under site-packages/nvidia>
    python3 - "$1" <<'PY' 2>/dev/null
import glob, os, site, sys
dirs = site.getsitepackages() + glob.glob("/opt/torch/.venv/lib/python3*/site-packages")
for d in dirs:
    for f in sorted(glob.glob(os.path.join(d, "nvidia", "**", sys.argv[1]), recursive=True)):
        print(f); raise SystemExit
PY
  }
  EXTRA=()
  FLAGS="--threads=0"
  LIB=$(find_pip_lib 'libcublas.so*')
  if [ -n "$LIB" ]; then
    INC=$(dirname "$(dirname "$LIB")")/include
    say "retrying with pip's cuBLAS: $LIB"
    export LD_LIBRARY_PATH="$(dirname "$LIB"):${LD_LIBRARY_PATH:-}"
    EXTRA+=(-DCUDA_cublas_LIBRARY="$LIB")
    FLAGS="$FLAGS -I$INC"
  fi
  DNN=$(find_pip_lib 'libcudnn.so*')
  if [ -n "$DNN" ]; then
    DNN_INC=$(dirname "$(dirname "$DNN")")/include
    [ -f "$DNN_INC/cudnn.h" ] || DNN_INC="$ROOT/.deps/include/cudnn"
    say "retrying with pip's cuDNN: $DNN (headers $DNN_INC)"
    export LD_LIBRARY_PATH="$(dirname "$DNN"):${LD_LIBRARY_PATH:-}"
    EXTRA+=(-DCUDNN_LIBRARY="$DNN" -DCUDNN_INCLUDE="$DNN_INC")
  fi
  [ ${#EXTRA[@]} -gt 0 ] && run configure 240 cmake "${CONF[@]}" "${EXTRA[@]}" -DCMAKE_CUDA_FLAGS="$FLAGS"
fi

# ---- CUDA test and benchmark ---------------------------------------------------------------------
# Keep going past a failed target, so that one broken program does not cost the others.
KEEP=(-- -k 0)
[ "${GEN[1]}" = Ninja ] || KEEP=(-- -k)
FEATURE_TESTS=()
for src in tests/cuda/test_cuda_*.cu; do
  t=$(basename "$src" .cu)
  [ "$t" = test_cuda_ops ] || FEATURE_TESTS+=("$t")
done
run build_cuda 330 cmake --build "$BUILD" -j "$JOBS" --target test_cuda test_cuda_ops "${FEATURE_TESTS[@]}" bench_gpu "${KEEP[@]}"
TEST_RC=1
if [ -x "$BUILD/tests/cuda/test_cuda" ]; then
  run test_cuda 150 "$BUILD/tests/cuda/test_cuda"
  TEST_RC=$?
else
  say "test_cuda was not built"
fi
OPS_RC=1
if [ -x "$BUILD/tests/cuda/test_cuda_ops" ]; then
  run test_cuda_ops 150 "$BUILD/tests/cuda/test_cuda_ops"
  OPS_RC=$?
else
  say "test_cuda_ops was not built"
fi
FEATURE_RC=0
FEATURE_SUMMARY=""
for t in "${FEATURE_TESTS[@]}"; do
  if [ -x "$BUILD/tests/cuda/$t" ]; then
    run "$t" 120 "$BUILD/tests/cuda/$t"
    rc=$?
  else
    say "$t was not built"
    rc=1
  fi
  [ "$rc" = 0 ] || FEATURE_RC=1
  FEATURE_SUMMARY="$FEATURE_SUMMARY
- \`tests/cuda/$t\`: exit $rc $(grep -E '^\[doctest\] (test cases|assertions)|^SKIPPED' "$LOGS/$t.log" 2>/dev/null | tr -s ' ' | tr '\n' ' ')"
done
BENCH="$LOGS/bench.jsonl"
: >"$BENCH"
: >"$BENCH.variants"
LAYER_ROWS=elementwise_chain,matmul_4096,linear_fwd_bwd,conv3x3_256_fwd_bwd,biggan_gblock_fwd_bwd
MODEL_ROWS="pix2pixhd1024_iter pix2pixhd1024_iter_amp biggan128_iter biggan128_iter_amp flownet2_infer_512x384"
MODEL_ITERS=${GANLIB_GPU_MODEL_ITERS:-10}
DEADLINE=${GANLIB_GPU_BENCH_DEADLINE:-430}
if [ -x "$BUILD/bench/gpu/bench_gpu" ]; then
  run bench_ganlib 120 "$BUILD/bench/gpu/bench_gpu" 20 --only "$LAYER_ROWS"
  grep '^{' "$LOGS/bench_ganlib.log" >"$LOGS/bench_ganlib.jsonl"
  run bench_torch 120 python3 bench/gpu/bench_torch.py "$LOGS/bench_ganlib.jsonl" 20 --only "$LAYER_ROWS"
  grep '^{' "$LOGS/bench_torch.log" >"$BENCH"
  # Whole models, one process per row and side: each side gets half the time left (at most 150 s),
  # so a slow or failing row costs only itself; a row without a ganlib time keeps ratio null.
  for w in $MODEL_ROWS; do
    left=$(( DEADLINE - $(elapsed) ))
    if [ "$left" -lt 40 ]; then
      say "skipping $w: $left s left before the benchmark deadline (${DEADLINE}s)"
      continue
    fi
    lim=$(( left / 2 < 150 ? left / 2 : 150 ))
    run "bench_ganlib_$w" "$lim" "$BUILD/bench/gpu/bench_gpu" "$MODEL_ITERS" --only "$w"
    grep '^{' "$LOGS/bench_ganlib_$w.log" >"$LOGS/bench_ganlib_$w.jsonl"
    left=$(( DEADLINE - $(elapsed) ))
    lim=$(( left < 150 ? left : 150 ))
    [ "$lim" -lt 20 ] && lim=20
    run "bench_torch_$w" "$lim" python3 bench/gpu/bench_torch.py "$LOGS/bench_ganlib_$w.jsonl" "$MODEL_ITERS" --only "$w"
    grep '^{' "$LOGS/bench_torch_$w.log" >>"$BENCH"
  done
  # ganlib variants of rows above, paired with PyTorch's time of that row: cuDNN free to take
  # non-deterministic algorithms (PyTorch's default, which its rows use): <row>_nondet; the
  # iteration replayed from a CUDA graph (PyTorch eager): pix2pixhd1024_iter_graph.
  for v in conv3x3_256_fwd_bwd:nondet pix2pixhd1024_iter:nondet pix2pixhd1024_iter:graph; do
    w=${v%%:*} kind=${v##*:}
    left=$(( DEADLINE + 40 - $(elapsed) ))
    if [ "$left" -lt 30 ]; then
      say "skipping ${w}_$kind: $left s left"
      continue
    fi
    if [ "$kind" = nondet ]; then
      GANLIB_CUDNN_DETERMINISTIC=0 run "bench_ganlib_${w}_$kind" $(( left < 90 ? left : 90 )) \
        "$BUILD/bench/gpu/bench_gpu" "$MODEL_ITERS" --only "$w"
    else
      run "bench_ganlib_${w}_$kind" $(( left < 90 ? left : 90 )) "$BUILD/bench/gpu/bench_gpu" "$MODEL_ITERS" --only "${w}_$kind"
    fi
    python3 - "$w" "$kind" "$LOGS/bench_ganlib_${w}_$kind.log" "$BENCH" <<'PY' >>"$BENCH.variants"
import json, sys
w, kind, log, bench = sys.argv[1:]
g = [json.loads(l) for l in open(log) if l.startswith("{")]
t = [json.loads(l) for l in open(bench) if l.startswith("{")]
t = [r for r in t if r.get("workload") == w and r.get("pytorch_ms")]
if g and t and g[0].get("ganlib_ms"):
    gm, tm = g[0]["ganlib_ms"], t[0]["pytorch_ms"]
    print(json.dumps({"workload": w + "_" + kind, "ganlib_ms": gm, "pytorch_ms": tm, "ratio": round(tm / gm, 3)}))
PY
  done
  [ -s "$BENCH.variants" ] && cat "$BENCH.variants" >>"$BENCH"
else
  say "bench_gpu was not built"
fi

# ---- the CPU suites with this toolchain, if time allows -------------------------------------------
CPU_SUMMARY="not run (time budget)"
if [ "${GANLIB_GPU_CPU_SUITES:-1}" = 1 ] && [ "$(elapsed)" -lt 240 ]; then
  run build_cpu $(( 370 - $(elapsed) )) cmake --build "$BUILD" -j "$JOBS" --target test_core test_ops
  CPU_SUMMARY=""
  for t in test_core test_ops; do
    if [ -x "$BUILD/tests/$t" ] && [ "$(elapsed)" -lt 395 ]; then
      run "$t" $(( 405 - $(elapsed) )) "$BUILD/tests/$t"
      rc=$?
      CPU_SUMMARY="$CPU_SUMMARY $t: exit $rc ($(grep -E '^\[doctest\] (test cases|assertions)' "$LOGS/$t.log" | tr -s ' ' | tr '\n' ' '));"
    else
      CPU_SUMMARY="$CPU_SUMMARY $t: not run;"
    fi
  done
fi

# ---- the zoo programs' CUDA builds against their CPU builds, if time allows -----------------------
PROGRAMS_SUMMARY="not run (time budget)"
if [ "$(elapsed)" -lt 330 ]; then
  PROGS=(make_streets make_flying_shapes pix2pixhd_train pix2pixhd_test flownet_train flownet_infer biggan_train
         biggan_sample pix2pixhd_train_cuda pix2pixhd_test_cuda flownet_train_cuda flownet_infer_cuda
         biggan_train_cuda biggan_sample_cuda)
  run configure_programs 60 cmake -S . -B "$BUILD" -DGANLIB_BUILD_EXAMPLES=ON  # the rest stays in the cache
  if run build_programs $(( 420 - $(elapsed) )) cmake --build "$BUILD" -j "$JOBS" --target "${PROGS[@]}" "${KEEP[@]}" &&
     [ "$(elapsed)" -lt 440 ]; then
    run programs_gpu $(( 470 - $(elapsed) )) bash tests/cuda/programs_gpu.sh "$BUILD/examples" "$BUILD/examples/cuda"
    PROGRAMS_SUMMARY="exit $? ($(grep -c '^ok ' "$LOGS/programs_gpu.log") ok, $(grep -c '^FAIL' "$LOGS/programs_gpu.log") failed)"
  fi
fi

# ---- results -------------------------------------------------------------------------------------
CUDA_SUMMARY=$(grep -E '^\[doctest\] (test cases|assertions)|^SKIPPED' "$LOGS/test_cuda.log" 2>/dev/null | tr -s ' ')
OPS_SUMMARY=$(grep -E '^\[doctest\] (test cases|assertions)|^SKIPPED|cases compared' "$LOGS/test_cuda_ops.log" 2>/dev/null | sed 's/.*MESSAGE: //' | tr -s ' ')
RES=bench/RESULTS-gpu.md
{
  echo "# GPU results"
  echo
  echo "Written by \`tests/gpu/gpu_check.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "- GPU: ${CARD:-unknown} (name, driver, memory from nvidia-smi)"
  echo "- nvcc: $( [ -n "$NVCC" ] && "$NVCC" --version | grep -o "release [0-9.]*"); PyTorch: $TORCH"
  echo "- \`tests/cuda/test_cuda\` (CPU-vs-CUDA parity, core ops): exit $TEST_RC"
  echo "$CUDA_SUMMARY" | sed 's/^/  - /'
  echo "- \`tests/cuda/test_cuda_ops\` (other op families, cuDNN convolutions): exit $OPS_RC"
  echo "$OPS_SUMMARY" | sed 's/^/  - /'
  [ -n "$FEATURE_SUMMARY" ] && echo "$FEATURE_SUMMARY" | sed '/^$/d'
  echo "- CPU suites built by this toolchain: $CPU_SUMMARY"
  echo "- zoo programs, CUDA builds vs CPU builds (\`tests/cuda/programs_gpu.sh\`): $PROGRAMS_SUMMARY"
  echo
  echo "## ganlib CUDA vs PyTorch (fp32; _amp rows: fp16 autocast + loss scaling on both sides; ms per iteration, mean after 3 warm-ups)"
  echo
  echo "Layer rows: mean of 20, \`$BUILD/bench/gpu/bench_gpu 20 --only ROWS > g.jsonl && python3 bench/gpu/bench_torch.py g.jsonl 20 --only ROWS\`;"
  echo "model rows ($MODEL_ROWS; see bench/gpu/README.md): mean of"
  echo "$MODEL_ITERS, one process per row and side, \`bench_gpu $MODEL_ITERS --only NAME\` and \`bench_torch.py ... $MODEL_ITERS --only NAME\`."
  echo "ratio = pytorch_ms / ganlib_ms (above 1: ganlib faster), as the CPU benchmark; null where a side has no time"
  echo "(see gpu_check.log)."
  echo
  echo "| workload | ganlib ms | PyTorch ms | ratio |"
  echo "| --- | --- | --- | --- |"
  python3 - "$BENCH" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"| {r['workload']} | {r['ganlib_ms']} | {r['pytorch_ms']} | {r['ratio']} |")
PY
  echo
  echo "Raw JSON lines:"
  echo
  echo '```'
  cat "$BENCH"
  echo '```'
} >"$RES"
say "wrote $RES; total $(elapsed)s"
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT"
  cp "$RES" "$OUT/RESULTS-gpu.md"
  cp "$BENCH" "$OUT/bench.jsonl"
  cp "$LOGS/test_cuda.log" "$OUT/test_cuda.log" 2>/dev/null
  cp "$LOGS/test_cuda_ops.log" "$OUT/test_cuda_ops.log" 2>/dev/null
  for f in "$LOGS"/bench_*.log; do [ -f "$f" ] && tail -c 200000 "$f" >"$OUT/$(basename "$f")"; done
  tail -c 8000000 "$LOG" >"$OUT/gpu_check.log"
  for t in test_core test_ops programs_gpu "${FEATURE_TESTS[@]}"; do [ -f "$LOGS/$t.log" ] && tail -c 2000000 "$LOGS/$t.log" >"$OUT/$t.log"; done
fi
[ "$TEST_RC" = 0 ] || exit $TEST_RC
[ "$OPS_RC" = 0 ] || exit $OPS_RC
exit $FEATURE_RC
