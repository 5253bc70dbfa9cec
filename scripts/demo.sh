#!/usr/bin/env bash
# scripts/demo.sh — the pix2pixHD demo: installs what is missing, builds the four programs it
# needs, makes a synthetic street dataset at 256x128, trains the global generator for a bounded
# time (10 minutes by default), runs the test program and prints where the results page is.
# Usage: bash scripts/demo.sh [--minutes N] [--resume]      (or DEMO_MINUTES=N)
# Everything goes under build/demo/ (dataset, checkpoints/streets_demo, results/streets_demo).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${DEMO_MINUTES:-10}
resume=()
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --resume) resume=(--continue_train); shift ;;
    *) echo "demo.sh: unknown option $1 (use --minutes N, --resume)" >&2; exit 2 ;;
  esac
done

bash scripts/deps.sh $(cat scripts/build_packages.txt)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# One compile at a time: the programs are large single translation units.
cmake --build build -j1 --target make_streets pix2pixhd_train pix2pixhd_test pix2pixhd_eval

demo=build/demo
data=$demo/streets
bin=build/examples
if [ ! -d "$data/train_label" ]; then
  "$bin/make_streets" --root "$data" --phase train --count 200 --width 256 --height 128 --seed 1
fi
if [ ! -d "$data/test_label" ]; then
  "$bin/make_streets" --root "$data" --phase test --count 12 --width 256 --height 128 --seed 2
fi
# A small global generator that learns quickly on 2 cores (the reference 512p model has ngf 64,
# 4 downsamplings, 9 blocks, ndf 64, and the VGG loss, which needs ImageNet weights).
arch=(--label_nc 35 --ngf 32 --n_downsample_global 3 --n_blocks_global 3 --ndf 32 --no_vgg_loss)
if [ ${#resume[@]} -eq 0 ]; then rm -rf "$demo/checkpoints/streets_demo"; fi
"$bin/pix2pixhd_train" --name streets_demo --checkpoints_dir "$demo/checkpoints" --dataroot "$data" \
  "${arch[@]}" --resize_or_crop none --max_minutes "$minutes" --display_freq 100 --print_freq 50 \
  --save_latest_freq 500 "${resume[@]}" | grep -v -E '^[A-Za-z_]+: |^-+ (Options|End) -+$'
"$bin/pix2pixhd_test" --name streets_demo --checkpoints_dir "$demo/checkpoints" --dataroot "$data" \
  --results_dir "$demo/results" --how_many 12 --display_winsize 256 --resize_or_crop none | tail -1
"$bin/pix2pixhd_eval" --results "$demo/results/streets_demo/test_latest"
echo "training page: $(pwd)/$demo/checkpoints/streets_demo/web/index.html"
echo "results page:  $(pwd)/$demo/results/streets_demo/test_latest/index.html"
