#!/usr/bin/env bash
# tests/examples/masknet_to_pix2pixhd.sh EXAMPLES_DIR — issue 8: masknet_segment's output trains
# pix2pixHD without conversion. Raw frames → a briefly trained mask net → a pix2pixHD-layout
# dataset → 2 pix2pixhd_train iterations that must read every frame and write a checkpoint.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GANLIB_NUM_THREADS=2
fail() { echo "masknet_to_pix2pixhd: $*"; exit 1; }

# Raw frames: 4 synthetic street images at 128x64 (make_streets' labels are not used).
"$bin/make_streets" --root "$tmp/raw" --phase train --count 4 --width 128 --height 64 --seed 5 >/dev/null
# A small mask net after a few steps: its accuracy does not matter here, its output format does.
"$bin/masknet_train" --out "$tmp/mn" --iters 3 --batch 2 --width 128 --height 64 --net_width 8 \
  --val_frames 2 --eval_every 100 --checkpoint_every 100 --log_every 1 >/dev/null
test -f "$tmp/mn/masknet.safetensors" || fail "masknet_train wrote no model"
"$bin/masknet_segment" --model "$tmp/mn/masknet.safetensors" --input "$tmp/raw/train_img" --out "$tmp/ds" \
  --phase train >/dev/null
for d in train_label train_inst train_img; do
  n=$(find "$tmp/ds/$d" -type f | wc -l)
  [ "$n" = 4 ] || fail "$d holds $n files, not 4"
done
# Label maps are 8-bit grey PNGs, instance maps 16-bit grey (IHDR bytes 24-25: depth, colour type).
for f in "$tmp/ds/train_label"/*.png; do
  [ "$(od -An -tx1 -j24 -N2 "$f" | tr -d ' \n')" = 0800 ] || fail "$f is not an 8-bit grey PNG"
done
for f in "$tmp/ds/train_inst"/*.png; do
  [ "$(od -An -tx1 -j24 -N2 "$f" | tr -d ' \n')" = 1000 ] || fail "$f is not a 16-bit grey PNG"
done

# pix2pixHD trains on it as is. Batch 2 x 2 iterations is one epoch, so the dataset loads every
# label map (it refuses ids >= label_nc, naming the file) and every instance map.
tiny=(--dataroot "$tmp/ds" --checkpoints_dir "$tmp/ck" --ngf 4 --ndf 4 --n_downsample_global 2
      --n_blocks_global 1 --num_D 1 --n_layers_D 2 --no_vgg_loss --resize_or_crop none --batchSize 2
      --max_iters 2 --no_html)
"$bin/pix2pixhd_train" --name p2p --label_nc 35 "${tiny[@]}" >"$tmp/train.log" 2>&1 ||
  { tail -n 5 "$tmp/train.log"; fail "pix2pixhd_train failed on masknet_segment's output"; }
test -f "$tmp/ck/p2p/latest_net_G.safetensors" || fail "pix2pixhd_train wrote no latest_net_G"
ls "$tmp/ck/p2p"/train_state_*.safetensors >/dev/null 2>&1 || fail "pix2pixhd_train wrote no checkpoint"
# The id check above is live: with label_nc 1 the same folder is refused (the net predicts ids > 0).
if "$bin/pix2pixhd_train" --name p2p1 --label_nc 1 "${tiny[@]}" >"$tmp/bad.log" 2>&1; then
  fail "pix2pixhd_train accepted label ids >= --label_nc 1"
fi
grep -q "but --label_nc is 1" "$tmp/bad.log" || { tail -n 3 "$tmp/bad.log"; fail "no label-id message"; }
echo "masknet_to_pix2pixhd: masknet_segment's 4 frames trained pix2pixHD for 2 iterations as is"
