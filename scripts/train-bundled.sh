#!/usr/bin/env bash
# scripts/train-bundled.sh — trains one of the page's bundled models from scratch
# on the Brown corpus, on this machine's cores:
#   ./scripts/train-bundled.sh [brown-small | brown-words]      (default brown-small)
#   1. builds headscope-train, headscope-train-bpe and headscope (build/train-bundled)
#      and copies them into the run folder (a run keeps using the binaries it
#      started with, so a rebuild of the worktree cannot change a resumed run),
#   2. prepares data/brown/{train,valid}.txt (node scripts/prepare-brown.mjs),
#   3. trains the model's byte-level BPE (data/brown/tokenizer-VOCAB[-subtlex].json;
#      brown-words adds SUBTLEX-US's word counts, data/words/subtlex-us.txt from
#      node scripts/prepare-word-counts.mjs; the run keeps its own copy),
#   4. trains the GPT-2 model into RUN_DIR (checkpoints, log.csv, train.log),
#   5. exports the last step's weights as a HuggingFace GPT-2 folder
#      (config.json, model.safetensors F16, tokenizer.json) to OUT,
#   6. writes the analysis report (analysis.txt: head scores, induction at two
#      repeat lengths, bigram baseline; pos-relations.txt: the page's part-of-
#      speech relations on the model's pos-probe.json) and the loss-curve SVG.
# Resumable: re-running continues from RUN_DIR/checkpoint.bin (bit-exact);
# finished steps are not redone. Environment overrides: RUN_DIR, OUT, STEPS.
#
# brown-small: 3 layers x 4 heads x 128, context 128, 4,096-token BPE; about an
#   hour on the idle 2-core machine; OUT defaults to models/brown-small.
# brown-words: 4 layers x 8 heads x 128 (d_k 16), context 256, 16,384-token BPE
#   trained on Brown's training split plus SUBTLEX-US word counts (words as
#   tokens); about 1 h 50 min on the idle 2-core machine; OUT defaults to RUN_DIR/export: the folder goes to
#   models/brown-words only after its figures are measured (see the model card
#   template, docs/brown-words.md).
#
# The body is one function, read whole before it runs: editing this file while a
# long run is under way cannot change what the running script does next.
set -euo pipefail
cd "$(dirname "$0")/.."

main() {
  local model=${1:-brown-small}
  local vocab steps_default out_default ckpt_every tokenizer_name=
  local -a shape mix word_list=()
  case "$model" in
    brown-small)
      # 14000 steps x 4096 tokens = 57M tokens, the first 3500 steps as 128
      # windows of 32 tokens (short context: attention finds its target among 32
      # positions, not 128). Windows: 35% copy task (a random span repeated
      # later: induction heads), 10% alternating pairs (previous-token heads),
      # the rest Brown text, 30% of those with a repeated span (copying inside
      # text). See src/train/windows.hpp. Exports the last step: the induction
      # head forms late (after step 11,500, where validation loss had already
      # flattened), so "best validation" would ship a model without it.
      vocab=4096 steps_default=14000 out_default=models/brown-small ckpt_every=500
      shape=(--n-layer 3 --n-head 4 --n-embd 128 --n-ctx 128 --batch 32)
      mix=(--copy-frac 0.35 --alt-frac 0.1 --repeat-frac 0.3 --short-ctx 32 --short-steps 3500)
      ;;
    brown-words)
      # Tokenizer: 16,384 tokens trained on Brown's training split plus the
      # SUBTLEX-US word list (each word with its leading space, weight = its
      # SUBTLEX count x 0.02, the 24,967 words seen >= 25 times: about as many word
      # occurrences as the training text itself): 93.2% of validation's 2,000
      # most frequent spaced words are one token (98.1% of their occurrences,
      # 1.159 tokens per spaced word); Brown alone gave 92.6% at 16,384, 90.7% at
      # 12,288 and 84.9% at 8,192 (every variant: docs/brown-words.md). 95% is not
      # reachable at <= 16,384 without the validation text (same file).
      # Budget: bench CPU time of this shape = 1.26x the 12,288-vocab shape's,
      # which ran 0.56 s per 4,096-token step on the idle machine, so ~0.71 s per
      # 4,096 tokens: 12000 steps x 3072 tokens (12 windows of 256; the first
      # 3000 steps as 96 windows of 32) = 36.9M tokens in ~6,400 s + evaluations
      # ~ 1 h 50 min (budget 2 h). The same window mix as brown-small with a
      # little less copy task (more text for part-of-speech heads). Checkpoints
      # every 250 steps (about 2 minutes on the idle machine).
      vocab=16384 steps_default=12000 out_default= ckpt_every=250 tokenizer_name=tokenizer-16384-subtlex
      shape=(--n-layer 4 --n-head 8 --n-embd 128 --n-ctx 256 --batch 12)
      mix=(--copy-frac 0.3 --alt-frac 0.1 --repeat-frac 0.3 --short-ctx 32 --short-steps 3000)
      word_list=(--word-counts data/words/subtlex-us.txt --word-scale 0.02 --word-min 0)
      ;;
    *) echo "train-bundled.sh: unknown model \"$model\" (brown-small or brown-words)" >&2; return 2 ;;
  esac
  local run_dir=${RUN_DIR:-runs/$model}
  local out=${OUT:-${out_default:-$run_dir/export}}
  local steps=${STEPS:-$steps_default}
  local build=build/train-bundled bin=$run_dir/bin
  local tokenizer=data/brown/tokenizer-$vocab.json
  [ "$vocab" = 4096 ] && tokenizer=data/brown/tokenizer.json  # brown-small's original name
  [ -n "$tokenizer_name" ] && tokenizer=data/brown/$tokenizer_name.json

  # 1. build only what this script needs (tests/benchmarks off); the run's own copies
  mkdir -p "$run_dir"
  if [ ! -x "$bin/headscope-train" ]; then
    if [ ! -f "$build/build.ninja" ]; then
      cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEADSCOPE_TESTS=OFF -DHEADSCOPE_BENCH=OFF
    fi
    cmake --build "$build" -j2 --target headscope-train headscope-train-bpe headscope
    mkdir -p "$bin"
    cp "$build/src/train/headscope-train" "$build/src/train/headscope-train-bpe" "$build/src/cli/headscope" "$bin/"
  fi

  # 2. corpus
  if [ ! -f data/brown/train.txt ] || [ ! -f data/brown/valid.txt ] || [ ! -f data/brown/valid.tags.jsonl ]; then
    node scripts/prepare-brown.mjs --out data/brown
  fi

  # 3. tokenizer (deterministic; the run copies it at its first start, so a
  #    resumed run needs neither the word list nor this file again)
  if [ ! -f "$run_dir/tokenizer.json" ] && [ ! -f "$tokenizer" ]; then
    if [ ${#word_list[@]} -gt 0 ] && [ ! -f data/words/subtlex-us.txt ]; then
      node scripts/prepare-word-counts.mjs --out data/words/subtlex-us.txt
    fi
    "$bin/headscope-train-bpe" --input data/brown/train.txt --vocab-size "$vocab" "${word_list[@]}" \
      --out "$tokenizer" --eval data/brown/valid.txt | tee "$run_dir/tokenizer.txt"
  fi

  # 4. model
  "$bin/headscope-train" train --run "$run_dir" --data-dir data/brown --tokenizer "$tokenizer" \
    "${shape[@]}" --steps "$steps" --lr 2e-3 --warmup 300 --weight-decay 0.1 --clip 1.0 --seed 1337 \
    "${mix[@]}" --eval-every 500 --ckpt-every "$ckpt_every" --val-windows 256 --log-every 10 --threads 2 --parallel batch \
    --out "$out" --dtype f16 --export final 2>&1 | tee -a "$run_dir/train.log"

  # 5./6. report: head scores with the default induction length ((n_ctx-1)/2) and 40
  "$bin/headscope-train" analyze "$out" --run "$run_dir" --json "$run_dir/analysis.json" \
    | tee "$run_dir/analysis.txt"
  "$bin/headscope-train" analyze "$out" --run "$run_dir" --induction-len 40 --json "$run_dir/analysis-40.json" \
    | tee "$run_dir/analysis-40.txt"
  local bigram
  bigram=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).bigram_loss)' "$run_dir/analysis.json")
  node scripts/plot-loss.mjs "$run_dir/log.csv" "$run_dir/loss.svg" --baseline "$bigram" --baseline-label "add-k bigram"
  [ -f "$out/pos-probe.json" ] || node scripts/make-pos-probe.mjs --in data/brown/valid.tags.jsonl --out "$out/pos-probe.json"
  node scripts/make-pos-probe.mjs --score "$out" --headscope "$bin/headscope" --json "$run_dir/pos-relations.json" \
    | tee "$run_dir/pos-relations.txt"
  echo "model: $out   run: $run_dir (train.log, log.csv, loss.svg, analysis.txt, analysis-40.txt, pos-relations.txt)"
}

main "$@"
exit
