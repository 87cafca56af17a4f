#!/usr/bin/env bash
# scripts/train-bundled.sh — trains the page's bundled model from scratch on the
# Brown corpus, on this machine's cores, in about an hour on an idle 2-core machine:
#   1. builds headscope-train and headscope-train-bpe (build/train-bundled),
#   2. prepares data/brown/{train,valid}.txt (node scripts/prepare-brown.mjs),
#   3. trains the 4096-token byte-level BPE (data/brown/tokenizer.json),
#   4. trains the GPT-2 model into runs/$RUN (checkpoints, log.csv, train.log),
#   5. exports the last step's weights as a HuggingFace GPT-2 folder
#      (config.json, model.safetensors F16, tokenizer.json) to models/brown-small,
#   6. writes the analysis report and the loss-curve SVG next to it.
# Resumable: re-running continues from runs/$RUN/checkpoint.bin (bit-exact);
# finished steps are not redone. Environment overrides: RUN, OUT, STEPS.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN=${RUN:-brown-small}
OUT=${OUT:-models/brown-small}
STEPS=${STEPS:-14000}
BUILD=build/train-bundled
RUN_DIR=runs/$RUN

# 1. build only what this script needs (tests/benchmarks off)
if [ ! -x "$BUILD/src/train/headscope-train" ] || [ ! -x "$BUILD/src/train/headscope-train-bpe" ]; then
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEADSCOPE_TESTS=OFF -DHEADSCOPE_BENCH=OFF
fi
cmake --build "$BUILD" --target headscope-train headscope-train-bpe

# 2. corpus
if [ ! -f data/brown/train.txt ] || [ ! -f data/brown/valid.txt ]; then
  node scripts/prepare-brown.mjs --out data/brown
fi

# 3. tokenizer
if [ ! -f data/brown/tokenizer.json ]; then
  "$BUILD/src/train/headscope-train-bpe" --input data/brown/train.txt --vocab-size 4096 \
    --out data/brown/tokenizer.json --eval data/brown/valid.txt
fi

# 4. model: 3 layers, 4 heads, n_embd 128, context 128; 14000 steps x 4096
#    tokens = 57M tokens, the first 3500 steps as 128 windows of 32 tokens (short
#    context: attention finds its target among 32 positions, not 128). Windows:
#    35% copy task (a random span repeated later: induction heads), 10%
#    alternating pairs (previous-token heads), the rest Brown text, 30% of those
#    with a repeated span (copying inside text). See src/train/windows.hpp.
#    Exports the last step: the induction head forms late (after step 11,500,
#    where validation loss had already flattened), so "best validation" would
#    ship a model without it.
mkdir -p "$RUN_DIR"
"$BUILD/src/train/headscope-train" train --run "$RUN_DIR" --data-dir data/brown \
  --n-layer 3 --n-head 4 --n-embd 128 --n-ctx 128 \
  --batch 32 --steps "$STEPS" --lr 2e-3 --warmup 300 --weight-decay 0.1 --clip 1.0 --seed 1337 \
  --copy-frac 0.35 --alt-frac 0.1 --repeat-frac 0.3 --short-ctx 32 --short-steps 3500 \
  --eval-every 500 --ckpt-every 500 --val-windows 256 --log-every 10 --threads 2 --parallel batch \
  --out "$OUT" --dtype f16 --export final 2>&1 | tee -a "$RUN_DIR/train.log"

# 5./6. report
"$BUILD/src/train/headscope-train" analyze "$OUT" --run "$RUN_DIR" --json "$RUN_DIR/analysis.json" \
  | tee "$RUN_DIR/analysis.txt"
BIGRAM=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).bigram_loss)' "$RUN_DIR/analysis.json")
node scripts/plot-loss.mjs "$RUN_DIR/log.csv" "$RUN_DIR/loss.svg" --baseline "$BIGRAM" --baseline-label "add-k bigram"
echo "model: $OUT   run: $RUN_DIR (train.log, log.csv, loss.svg, analysis.txt)"
