#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh TARGET SECONDS [libFuzzer flags...] — builds the libFuzzer target(s)
# with clang (ASan + UBSan, UBSan halting) in build-fuzz/ and fuzzes each for SECONDS, one
# after another, on a scratch copy of its committed seed corpus (tests/fuzz/corpus/<target>/)
# plus its committed crash inputs (tests/fuzz/regressions/<target>/).
# TARGET: image label_png safetensors checkpoint idx flo options, or all.
# SECONDS 0: replay the corpus and regressions only (no new inputs).
# RUNS=N: stop after N executions instead of SECONDS. Crashes land in
# build-fuzz/artifacts/<target>/. Exit 77 when clang's libFuzzer runtime is missing (CTest
# reports the test as skipped); non-zero on a crash.
set -euo pipefail
cd "$(dirname "$0")/../.."
ALL="image label_png safetensors checkpoint idx flo options"
[ $# -ge 2 ] || { echo "usage: $0 TARGET|all SECONDS [libFuzzer flags...]" >&2; exit 2; }
target=$1 seconds=$2
shift 2
[ "$target" = all ] && targets=$ALL || targets=$target
CXX=${FUZZ_CXX:-clang++}
OUT=${FUZZ_BUILD_DIR:-build-fuzz}
mkdir -p "$OUT"

# Is libFuzzer there? (Debian: libclang-rt-14-dev.)
if ! command -v "$CXX" >/dev/null ||
   ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
     "$CXX" -x c++ -fsanitize=fuzzer,address,undefined - -o "$OUT/.probe" 2>/dev/null; then
  echo "SKIP: $CXX cannot link -fsanitize=fuzzer (install clang and libclang-rt-14-dev)"
  exit 77
fi

EIGEN=$(pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)
for t in $targets; do
  case " $ALL " in *" $t "*) ;; *) echo "unknown target '$t' (one of: $ALL, all)" >&2; exit 2 ;; esac
  bin=$OUT/fuzz_$t
  # Rebuild when any header the target may include is newer than the binary.
  if [ ! -x "$bin" ] || [ -n "$(find include zoo tests/fuzz -newer "$bin" \( -name '*.hpp' -o -name '*.cpp' \) -print -quit)" ]; then
    echo "building $bin"
    "$CXX" -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
      -fno-omit-frame-pointer -Iinclude -I. $EIGEN -DGANLIB_FUZZ_RUN=ganlib::fuzz::run_$t \
      tests/fuzz/fuzz_target.cpp -o "$bin" -pthread -lz
  fi
  work=$OUT/corpus/$t art=$OUT/artifacts/$t/
  mkdir -p "$work" "$art"
  seeds=(tests/fuzz/corpus/$t)
  [ -d tests/fuzz/regressions/$t ] && seeds+=(tests/fuzz/regressions/$t)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  if [ "$seconds" = 0 ]; then
    echo "== $t: replaying ${seeds[*]}"
    set +e
    "$bin" -runs=0 -artifact_prefix="$art" "$@" "${seeds[@]}" > "$OUT/replay_$t.log" 2>&1
    rc=$?
    set -e
    grep -v '^INFO' "$OUT/replay_$t.log" | tail -n 25
    [ $rc = 0 ] || { echo "FAIL: $t crashed on a committed input (rc $rc)"; exit 1; }
  else
    limit=(-max_total_time="$seconds")
    [ -n "${RUNS:-}" ] && limit=(-runs="$RUNS")
    echo "== $t: fuzzing (${limit[*]})"
    log=$OUT/fuzz_$t.log
    start=$(date +%s)
    set +e
    "$bin" -max_len=4096 -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$art" \
      "${limit[@]}" "$@" "$work" "${seeds[@]}" > "$log" 2>&1
    rc=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "$t: rc $rc, $execs executions in $(( $(date +%s) - start )) s, corpus $(ls "$work" | wc -l) files (log $log)"
    [ $rc = 0 ] || { tail -n 40 "$log"; echo "FAIL: $t crashed; input in $art"; exit 1; }
  fi
done
