#!/usr/bin/env bash
# tests/cuda/programs_gpu.sh CPU_EXAMPLES_DIR CUDA_EXAMPLES_DIR — on a machine with a GPU: the CUDA
# builds of the zoo programs (examples/cuda/) against their CPU builds on the same tiny runs.
# Checks: pix2pixhd_train and flownet_train log the same losses (same seeds, same Philox streams:
# the first step to 1e-3 relative, the next to 2e-2, as Adam's first steps amplify rounding), the
# CUDA flownet_infer gives the CPU model's EPE (1e-3), each test program reads the other build's
# networks, biggan_train and biggan_sample finish and write their files. Skips without a GPU
# (PROGRAMS_GPU_FORCE=1 runs it anyway: with CPU programs on both sides it checks this script).
set -uo pipefail
cpu=${1:?usage: programs_gpu.sh CPU_EXAMPLES_DIR CUDA_EXAMPLES_DIR}
gpu=${2:?usage: programs_gpu.sh CPU_EXAMPLES_DIR CUDA_EXAMPLES_DIR}
if [ "${PROGRAMS_GPU_FORCE:-0}" != 1 ] &&
   ! { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; }; then
  echo "programs_gpu: SKIPPED: no GPU"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GANLIB_NUM_THREADS=${GANLIB_NUM_THREADS:-2}
failed=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
# run NAME PROGRAM ARGS...: runs in $tmp, output in $tmp/NAME.log; false (and a FAIL) on a non-zero exit.
run() {
  local name=$1 prog=$2
  shift 2
  if [ ! -x "$prog" ]; then bad "$name: $prog is not built"; return 1; fi
  (cd "$tmp" && timeout 300 "$prog" "$@") >"$tmp/$name.log" 2>&1
  local rc=$?
  [ $rc = 0 ] || { bad "$name: exit $rc: $(tail -n 3 "$tmp/$name.log" | tr '\n' ' ')"; return 1; }
}
# same_scalars NAME A.jsonl B.jsonl KEYS: the records' KEYS agree (first 1e-3, later 2e-2 relative).
same_scalars() {
  python3 - "$@" <<'EOF'
import json, sys
name, a, b, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
ra = [json.loads(l) for l in open(a) if l.strip()]
rb = [json.loads(l) for l in open(b) if l.strip()]
if not ra or len(ra) != len(rb):
    print(f"FAIL {name}: {len(ra)} records on the CPU, {len(rb)} on the GPU")
    sys.exit(1)
def val(r, k):  # a ScalarLog record holds its values at the top level or under "values"
    return float(r[k] if k in r else r["values"][k])
worst = 0.0
for i, (x, y) in enumerate(zip(ra, rb)):
    tol = 1e-3 if i == 0 else 2e-2
    for k in keys:
        u, v = val(x, k), val(y, k)
        d = abs(u - v) / max(abs(u), 1e-1)
        worst = max(worst, d)
        if abs(u - v) > 1e-4 and d > tol:
            print(f"FAIL {name}: {k} at step {x.get('step')}: CPU {u}, GPU {v}")
            sys.exit(1)
print(f"ok   {name}: {len(ra)} records agree (largest relative difference {worst:.2e})")
EOF
  [ $? = 0 ] || failed=$((failed + 1))
}

# ---- pix2pixHD: 2 training iterations each, then the test program on the other's networks -----
run make_streets "$cpu/make_streets" --root ds --phase train --count 2 --width 64 --height 32 --seed 5
tiny=(--dataroot ds --label_nc 35 --ngf 4 --ndf 4 --n_downsample_global 2 --n_blocks_global 1 --num_D 1
      --n_layers_D 2 --no_vgg_loss --resize_or_crop none --batchSize 1 --max_iters 2 --print_freq 1
      --no_html --serial_batches)
if run p2p_train_cpu "$cpu/pix2pixhd_train" --name p2p --checkpoints_dir ck_cpu "${tiny[@]}" &&
   run p2p_train_gpu "$gpu/pix2pixhd_train_cuda" --name p2p --checkpoints_dir ck_gpu "${tiny[@]}"; then
  same_scalars "pix2pixhd_train losses" "$tmp/ck_cpu/p2p/loss_log.jsonl" "$tmp/ck_gpu/p2p/loss_log.jsonl" \
    G_GAN,G_GAN_Feat,D_real,D_fake
  for side in cpu gpu; do
    prog=$cpu/pix2pixhd_test
    [ $side = gpu ] && prog=$gpu/pix2pixhd_test_cuda
    # Each test program reads the other side's networks (checkpoints are backend-neutral).
    other=ck_gpu
    [ $side = gpu ] && other=ck_cpu
    if run p2p_test_$side "$prog" --name p2p --checkpoints_dir $other --dataroot ds --phase train \
         --results_dir res_$side --how_many 2; then
      n=$(find "$tmp/res_$side" -name '*synthesized_image.png' | wc -l)
      [ "$n" = 2 ] && ok "pix2pixhd_test ($side) on the other build's networks: 2 images" ||
        bad "pix2pixhd_test ($side) wrote $n synthesized images, not 2"
    fi
  done
fi

# ---- FlowNet2: 2 iterations of FlowNetC each, then the EPE of each model on a held-out pair ----
run make_flying_shapes "$cpu/make_flying_shapes" --root fs --count 1 --width 64 --height 64 --seed 7
fl=(--width 0.125 --stages C --iters 2 --batch 1 --size 64x64 --val_pairs 1 --log_every 1 --vis_every 100
    --checkpoint_every 100 --augment 0)
if run flow_train_cpu "$cpu/flownet_train" --out fl_cpu "${fl[@]}" &&
   run flow_train_gpu "$gpu/flownet_train_cuda" --out fl_gpu "${fl[@]}"; then
  same_scalars "flownet_train losses" "$tmp/fl_cpu/loss_log.jsonl" "$tmp/fl_gpu/loss_log.jsonl" loss,epe
  pair=(--img1 fs/00000_img1.png --img2 fs/00000_img2.png --gt fs/00000_flow.flo --stage C)
  if run flow_infer_cpu "$cpu/flownet_infer" --model fl_cpu/flownet2.safetensors "${pair[@]}" &&
     run flow_infer_gpu "$gpu/flownet_infer_cuda" --model fl_cpu/flownet2.safetensors "${pair[@]}"; then
    grep -h '"metric":"epe"' "$tmp/flow_infer_cpu.log" > "$tmp/epe_cpu.jsonl"
    grep -h '"metric":"epe"' "$tmp/flow_infer_gpu.log" > "$tmp/epe_gpu.jsonl"
    same_scalars "flownet_infer EPE (the CPU model on both)" "$tmp/epe_cpu.jsonl" "$tmp/epe_gpu.jsonl" value
  fi
fi

# ---- BigGAN: a class-folder dataset (two classes of street images), 10 iterations, sheets -------
mkdir -p "$tmp/cls/a" "$tmp/cls/b"
cp "$tmp"/ds/train_img/* "$tmp/cls/a/" 2>/dev/null
cp "$tmp"/ds/train_img/* "$tmp/cls/b/" 2>/dev/null
bg=(--dataset folder --data_root cls --resolution 32 --img_channels 3 --batch_size 2 --num_iters 10
    --test_every 10 --save_every 10 --classifier "" --ema_start 0)
if run biggan_train_gpu "$gpu/biggan_train_cuda" "${bg[@]}" --weights_root w_gpu --logs_root l_gpu \
     --samples_root s_gpu; then
  [ -f "$tmp/w_gpu/fmnist_biggan/state.safetensors" ] && [ -f "$tmp/s_gpu/fmnist_biggan/final_classes.png" ] &&
    ok "biggan_train_cuda: 10 iterations, state and sheets written" ||
    bad "biggan_train_cuda wrote no state.safetensors or final_classes.png"
  if run biggan_sample_gpu "$gpu/biggan_sample_cuda" --checkpoint w_gpu/fmnist_biggan/state.safetensors \
       --out sheets --sweep 1_1_1 --per_class 2; then
    [ -f "$tmp/sheets/classes.png" ] && ok "biggan_sample_cuda: sheets written" ||
      bad "biggan_sample_cuda wrote no classes.png"
  fi
fi

echo "programs_gpu: $failed failed"
[ $failed = 0 ]
