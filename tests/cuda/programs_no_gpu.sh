#!/usr/bin/env bash
# tests/cuda/programs_no_gpu.sh DIR — the CUDA builds of the example programs (DIR: the build's
# examples/cuda) on a machine without a GPU: each must stop at once with exit code 1 and one line
# "<name>_cuda: no CUDA device found ...", writing nothing. Skips where a GPU is present.
# scripts/cuda_build_check.sh runs it after building ganlib_cuda_all.
set -uo pipefail
dir=${1:?usage: programs_no_gpu.sh BUILD_DIR/examples/cuda}
dir=$(cd "$dir" && pwd) || { echo "programs_no_gpu: no folder $1"; exit 1; }  # the programs run elsewhere
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
  echo "programs_no_gpu: SKIPPED: a GPU is present"
  exit 0
fi
# Arguments that get each program past its option checks to the device check.
declare -A args=(
  [pix2pixhd_train_cuda]="--name x --dataroot ds"
  [pix2pixhd_test_cuda]="--name x --dataroot ds"
  [biggan_train_cuda]=""
  [biggan_sample_cuda]="--checkpoint state.safetensors"
  [flownet_infer_cuda]="--model m.safetensors --img1 a.png --img2 b.png --out_flo f.flo"
  [flownet_train_cuda]="--out run"
  [flownet_eval_cuda]="--model m.safetensors"
  [biggan_eval_cuda]="--checkpoint state.safetensors"
  [pix2pixhd_encode_features_cuda]="--name x --dataroot ds"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0 checked=0
for p in "$dir"/*_cuda; do
  [ -f "$p" ] && [ -x "$p" ] || continue
  name=$(basename "$p")
  checked=$((checked + 1))
  if [ -z "${args[$name]+set}" ]; then
    echo "FAIL $name: no row in tests/cuda/programs_no_gpu.sh (add the arguments that reach its device check)"
    failed=$((failed + 1))
    continue
  fi
  run=$tmp/run
  rm -rf "$run" && mkdir "$run"
  # shellcheck disable=SC2086  # the argument lists are word lists
  (cd "$run" && timeout 60 "$p" ${args[$name]}) > "$tmp/out.txt" 2>&1
  rc=$?
  lines=$(wc -l < "$tmp/out.txt")
  if [ $rc != 1 ]; then
    echo "FAIL $name: exit code $rc (want 1): $(tail -n 3 "$tmp/out.txt")"
    failed=$((failed + 1))
  elif [ "$lines" != 1 ] || ! grep -q "^$name: no CUDA device found" "$tmp/out.txt"; then
    echo "FAIL $name: want one line \"$name: no CUDA device found ...\", got $lines: $(head -n 3 "$tmp/out.txt")"
    failed=$((failed + 1))
  elif [ -n "$(ls -A "$run")" ]; then
    echo "FAIL $name: wrote $(ls -A "$run" | head -n 3 | tr '\n' ' ')before stopping"
    failed=$((failed + 1))
  else
    echo "ok   $name: $(cat "$tmp/out.txt")"
  fi
done
[ $checked -gt 0 ] || { echo "programs_no_gpu: no *_cuda programs in $dir"; exit 1; }
echo "programs_no_gpu: $checked programs, $failed failed"
[ $failed = 0 ]
