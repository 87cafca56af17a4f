#!/usr/bin/env bash
# tests/train/resume_check.sh HEADSCOPE_TRAIN WORKDIR — a run stopped at step 6
# and resumed (as scripts/train-bundled.sh resumes a stopped session) ends with
# the same checkpoint, the same weights and the same logged losses, byte for
# byte, as the same run done in one go; the window mix, the short-context phase
# and the 2-thread batch split are all on, so each is covered by the check.
set -euo pipefail
bin=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"
common=(--synthetic --vocab 64 --n-layer 2 --n-head 4 --n-embd 16 --n-ctx 32 --batch 4 --steps 12 --warmup 2
        --lr 3e-3 --eval-every 4 --ckpt-every 4 --val-windows 8 --log-every 2 --threads 2 --seed 5
        --copy-frac 0.3 --alt-frac 0.1 --repeat-frac 0.3 --short-ctx 16 --short-steps 5)
"$bin" train --run "$dir/straight" "${common[@]}" > "$dir/straight.out"
"$bin" train --run "$dir/resumed" "${common[@]}" --stop-at 6 > "$dir/stopped.out"
"$bin" train --run "$dir/resumed" "${common[@]}" > "$dir/resumed.out"
grep -q "resumed from $dir/resumed/checkpoint.bin at step 6" "$dir/resumed.out" || { echo "FAIL: the second run did not resume at step 6"; exit 1; }
cmp "$dir/straight/checkpoint.bin" "$dir/resumed/checkpoint.bin"
cmp "$dir/straight/hf/model.safetensors" "$dir/resumed/hf/model.safetensors"
# log.csv without the timing columns (tokens_per_s, elapsed_s)
cut -d, -f1-6 "$dir/straight/log.csv" > "$dir/straight.csv"
cut -d, -f1-6 "$dir/resumed/log.csv" > "$dir/resumed.csv"
cmp "$dir/straight.csv" "$dir/resumed.csv"
[ "$(wc -l < "$dir/straight.csv")" -eq 7 ] || { echo "FAIL: expected a header and 6 logged steps"; exit 1; }
# windows too short for a repeated span are refused with a message, not a crash
if "$bin" train --run "$dir/short" "${common[@]}" --n-ctx 8 --short-steps 0 > "$dir/short.out" 2>&1; then
  echo "FAIL: --repeat-frac with 9-token windows was accepted"; exit 1
fi
grep -q "needs training windows of at least 16 tokens" "$dir/short.out" || { cat "$dir/short.out"; exit 1; }
echo "resume: bit-exact after stopping at step 6 of 12"
