#!/usr/bin/env bash
# tests/examples/tiny_cgan_resume.sh TINY_CGAN — the tiny conditional GAN trains 60 steps
# straight, and again as 30 steps + an interruption + a resumed 30: the final weights must be
# byte-identical, and the interrupted run must leave a results page and a checkpoint behind.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GANLIB_NUM_THREADS=2
"$bin" --out "$tmp/a" --steps 60 --every 20 >/dev/null
"$bin" --out "$tmp/b" --steps 60 --every 20 --stop-after 30 >/dev/null
test -f "$tmp/b/web/index.html"
test -f "$tmp/b/checkpoints/ckpt_0000000030.safetensors"
"$bin" --out "$tmp/b" --steps 60 --every 20 >"$tmp/resume.log"  # (no pipe: grep -q would SIGPIPE it)
grep -q "resumed from .*ckpt_0000000030" "$tmp/resume.log"
cmp "$tmp/a/final.safetensors" "$tmp/b/final.safetensors"
# A bad option is refused with a message naming it.
if "$bin" --out "$tmp/c" --bogus 1 2>"$tmp/err"; then echo "bad option accepted"; exit 1; fi
grep -q "unknown option --bogus" "$tmp/err"
echo "tiny_cgan: interrupted + resumed run is byte-identical to a straight run"
