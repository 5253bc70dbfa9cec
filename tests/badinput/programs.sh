#!/usr/bin/env bash
# tests/badinput/programs.sh EXAMPLES_DIR — the program rows of the bad-input table
# (tests/badinput/README.md, rows P1..): each zoo program, given a bad flag, file or folder,
# exits non-zero with a message naming it and leaves earlier results alone. Rows whose program
# is not built are reported as skipped (the table says which programs each row needs).
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GANLIB_NUM_THREADS=2
failed=0 passed=0 skipped=0

# row NAME PROGRAM EXPECTED_TEXT ARGS... : exit code must be non-zero and stderr+stdout contain
# EXPECTED_TEXT.
row() {
  local name=$1 prog=$2 want=$3
  shift 3
  if [ ! -x "$bin/$prog" ]; then
    echo "SKIP $name: $prog not built"
    skipped=$((skipped + 1))
    return
  fi
  (cd "$tmp" && timeout 120 "$bin/$prog" "$@") > "$tmp/out.txt" 2>&1
  local rc=$?
  if [ $rc = 0 ] || [ $rc -ge 124 ]; then
    echo "FAIL $name: $prog exited $rc (want a clean non-zero exit): $(tail -n 3 "$tmp/out.txt")"
    failed=$((failed + 1))
  elif ! grep -qF -- "$want" "$tmp/out.txt"; then
    echo "FAIL $name: $prog's message lacks \"$want\": $(tail -n 3 "$tmp/out.txt")"
    failed=$((failed + 1))
  else
    echo "ok   $name (exit $rc): $(grep -F -- "$want" "$tmp/out.txt" | head -n 1 | cut -c1-200)"
    passed=$((passed + 1))
  fi
}

# P1: an unknown flag, for every program (a typo must not be ignored)
for p in pix2pixhd_train pix2pixhd_test pix2pixhd_eval pix2pixhd_encode_features biggan_train biggan_sample biggan_eval \
         flownet_train flownet_infer flownet_eval masknet_train masknet_segment masknet_eval fmnist_classifier_train \
         tiny_cgan; do
  row "P1 unknown flag ($p)" $p "bogus_flag_xyz" --bogus_flag_xyz 1
done

# pix2pixHD data: 8x8 grey label/instance maps, RGB images
ds=$tmp/ds
mkdir -p "$ds/train_label" "$ds/train_img" "$ds/train_inst"
# an 8x8 8-bit grey PNG of zeros (label maps must be PNGs)
png_hex=89504e470d0a1a0a0000000d4948445200000008000000080800000000e164e1570000000c4944415478da6360a00e0000004800011045efd20000000049454e44ae426082
for n in a b; do
  printf "$(echo $png_hex | sed 's/../\\x&/g')" > "$ds/train_label/$n.png"
  cp "$ds/train_label/$n.png" "$ds/train_inst/$n.png"
done
{ printf 'P6\n8 8\n255\n'; head -c 192 /dev/zero; } > "$ds/train_img/a.ppm"
small=(--label_nc 4 --ngf 4 --ndf 4 --loadSize 8 --fineSize 8 --n_downsample_global 1 --max_iters 1)
# P2: a dataset folder with mismatched counts
row "P2 mismatched dataset folder" pix2pixhd_train "'ds/train_label/b.png' has no partner" --dataroot ds --checkpoints_dir ck "${small[@]}"
# P3: a missing dataset folder
row "P3 missing dataset folder" pix2pixhd_train "'nowhere/train_label' is not a folder (it does not exist)" --dataroot nowhere --checkpoints_dir ck "${small[@]}"
# P4: a value outside its choices
row "P4 bad option value" pix2pixhd_train "--netG must be global or local, got 'huge'" --netG huge --dataroot ds
# P5: a malformed number
row "P5 malformed number" pix2pixhd_train "--lr takes a number, got '1e-3x'" --lr 1e-3x --dataroot ds
# P6: a truncated image in the dataset
{ printf 'P6\n8 8\n255\n'; head -c 192 /dev/zero; } > "$ds/train_img/b.ppm"
head -c 20 "$ds/train_img/b.ppm" > "$ds/train_img/b.tmp" && mv "$ds/train_img/b.tmp" "$ds/train_img/b.ppm"
row "P6 truncated image in the dataset" pix2pixhd_train "b.ppm" --dataroot ds --checkpoints_dir ck --serial_batches --no_flip "${small[@]}" --max_iters 2
# P7: an output (checkpoints) folder that is a file
printf 'x' > "$tmp/ckfile"
row "P7 unwritable checkpoints folder" pix2pixhd_train "cannot create folder 'ckfile/label2city': 'ckfile' is a file, not a folder" --dataroot ds --checkpoints_dir ckfile "${small[@]}"
[ "$(cat "$tmp/ckfile")" = x ] || { echo "FAIL P7: ckfile was changed"; failed=$((failed + 1)); }
# P8: flownet_infer with a missing weights file (checked before the images are read)
row "P8 missing weights file" flownet_infer "nomodel.safetensors" --model nomodel.safetensors --img1 missing1.png --img2 missing2.png --out_flo f.flo
# P9: biggan_train with a negative batch size
row "P9 out-of-range value" biggan_train "batch" --dataset FMNIST --batch_size -3

echo "badinput programs: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
