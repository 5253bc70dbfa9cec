#!/usr/bin/env bash
# tests/faults/kill_resume.sh TINY_TRAIN [KILLS] — surviving faults, on a small model:
# 1. SIGKILL at random moments (KILLS times, default 24): after each kill every checkpoint file
#    parses (none torn), the next run resumes from the newest one, and in the end every step's
#    loss and the final weights are bit-identical to an uninterrupted run (same thread count).
# 2. SIGTERM and SIGINT: the trainer saves a checkpoint at the current step and exits 0.
# 3. A NaN loss: exit 3 with the step, the loss term and the last good checkpoint named, and
#    the checkpoints already written left as they were.
set -euo pipefail
bin=$1
want_kills=${2:-24}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GANLIB_NUM_THREADS=2
STEPS=2000 EVERY=3
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" --dir "$tmp/ref" --steps $STEPS --every $EVERY > "$tmp/ref.out"
grep -q "done at step $STEPS" "$tmp/ref.out" || fail "the uninterrupted run did not finish"

newest() { (set +o pipefail; ls "$1" 2>/dev/null | grep -E '^tiny_[0-9]{10}\.safetensors$' | sort | tail -n 1); }

kills=0 trials=0 finished=0 signals=0
run=$tmp/run
: > "$tmp/run.out"
while [ $finished = 0 ]; do
  trials=$((trials + 1))
  [ $trials -le 200 ] || fail "gave up after 200 trials"
  expect=$(newest "$run")
  "$bin" --dir "$run" --steps $STEPS --every $EVERY --sleep-us 1000 > "$tmp/seg.out" 2>&1 &
  pid=$!
  sig=""
  if [ $kills -lt "$want_kills" ]; then
    sig=KILL
    # The 6th and 12th interruptions are polite ones: SIGTERM, SIGINT.
    [ $kills = 5 ] && [ $signals = 0 ] && sig=TERM
    [ $kills = 10 ] && [ $signals = 1 ] && sig=INT
    sleep "0.0$(( RANDOM % 9 + 1 ))$(( RANDOM % 10 ))"  # 10..99 ms
    kill -s $sig $pid 2>/dev/null || true
  fi
  set +e
  wait $pid
  rc=$?
  set -e
  cat "$tmp/seg.out" >> "$tmp/run.out"
  # A resumed run must start from the newest checkpoint present when it started, and skip none.
  if [ -n "$expect" ] && grep -q '^step ' "$tmp/seg.out"; then
    grep -q "^resumed from $run/$expect " "$tmp/seg.out" || fail "trial $trials did not resume from $expect: $(head -n 2 "$tmp/seg.out")"
  fi
  grep -q '^skipped: ' "$tmp/seg.out" && fail "trial $trials passed over a damaged checkpoint: $(grep '^skipped: ' "$tmp/seg.out")"
  case "$sig:$rc" in
    KILL:137) kills=$((kills + 1)) ;;
    TERM:0 | INT:0)
      grep -q "stopped by signal" "$tmp/seg.out" || fail "SIG$sig: exit 0 without the saved-checkpoint message"
      at=$(grep -o 'stopped by signal [0-9]* at step [0-9]*' "$tmp/seg.out" | grep -o '[0-9]*$')
      [ -f "$run/$(printf 'tiny_%010d.safetensors' "$at")" ] || fail "SIG$sig: no checkpoint for step $at"
      signals=$((signals + 1)) kills=$((kills + 1)) ;;
    *:0) grep -q "done at step $STEPS" "$tmp/seg.out" && finished=1 ;;
    *) fail "trial $trials (signal ${sig:-none}) exited $rc: $(tail -n 3 "$tmp/seg.out")" ;;
  esac
  "$bin" --verify "$run" > "$tmp/verify.out" || fail "a torn checkpoint after trial $trials: $(cat "$tmp/verify.out")"
done
[ $kills -ge "$want_kills" ] || fail "only $kills interruptions landed before the run finished (want $want_kills)"
[ $signals = 2 ] || fail "the SIGTERM/SIGINT trials did not both save and exit 0 ($signals)"

# Every step's loss, in every segment that computed it, equals the uninterrupted run's.
grep -E '^step [0-9]+ loss [0-9a-f]{8}$' "$tmp/ref.out" | sort -u > "$tmp/ref.steps"
grep -E '^step [0-9]+ loss [0-9a-f]{8}$' "$tmp/run.out" | sort -u > "$tmp/run.steps"
diff "$tmp/ref.steps" "$tmp/run.steps" > "$tmp/steps.diff" || fail "losses differ from the uninterrupted run: $(head -n 6 "$tmp/steps.diff")"
cmp "$tmp/ref/final.safetensors" "$run/final.safetensors" || fail "final weights differ from the uninterrupted run"
leftover=$(ls -A "$run" | grep -c '\.tmp\.' || true)

# NaN in the loss: stop with the step, the term and the last good checkpoint; nothing lost.
nan=$tmp/nan
"$bin" --dir "$nan" --steps 40 --every $EVERY > /dev/null
set +e
"$bin" --dir "$nan" --steps 80 --every $EVERY --nan-at 50 > /dev/null 2> "$tmp/nan.err"
rc=$?
set -e
[ $rc = 3 ] || fail "NaN loss: exit code $rc, want 3"
grep -q "training stopped at step 50: loss term 'mse' is NaN; the last good checkpoint is '$nan/tiny_0000000048.safetensors'" "$tmp/nan.err" ||
  fail "NaN loss: message was: $(cat "$tmp/nan.err")"
[ -f "$nan/tiny_0000000048.safetensors" ] || fail "NaN loss: the last good checkpoint is gone"
"$bin" --verify "$nan" > /dev/null || fail "NaN loss: a checkpoint is damaged"

echo "kill_resume: $kills interruptions ($((kills - signals)) SIGKILL, $signals SIGTERM/SIGINT) in $trials trials;" \
     "losses of all $STEPS steps and the final weights bit-identical to an uninterrupted run;" \
     "no torn checkpoint; $leftover temp files of killed writes left in the folder; NaN stop message checked"
