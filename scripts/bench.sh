#!/usr/bin/env bash
# Headscope's benchmarks: figures, never pass/fail. One "name value unit" line
# per figure; ratios are computed from figures measured in this same run.
#   ./scripts/bench.sh          kernels (native + both wasm builds under Node), model run/load
#   (the two wasm builds in Chromium, kernels and a full forward: node bench/simd.mjs)
#   ./scripts/bench.sh peers    ... plus ONNX Runtime Web and TensorFlow.js (bench/peers)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_setup >&2 || exit 1

mode="${1:-}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

{
  cmake --preset native >/dev/null && cmake --build --preset native --target kernel_bench headscope
  cmake --build --preset native --target model_bench
  cmake --preset wasm >/dev/null && cmake --build --preset wasm --target kernel_bench
  cmake --build --preset wasm --target model_bench
  cmake --preset wasm-relaxed >/dev/null && cmake --build --preset wasm-relaxed --target kernel_bench
} >&2

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
./build/native/bench/kernel_bench | tee -a "$out"
scripts/node-wasm.sh build/wasm/bench/kernel_bench.js | tee -a "$out"
scripts/node-wasm.sh build/wasm-relaxed/bench/kernel_bench.js | tee -a "$out"   # wasm_relaxed_*

# a GPT-2-small-shaped random checkpoint (12 layers, 12 heads, 768; ~500 MB), made once
small=build/bench-models/gpt2-small-random
if [ ! -f "$small/model.safetensors" ]; then
  /usr/bin/python3 tests/reference/make_checkpoint.py "$small" --layers 12 --heads 12 --embd 768 \
    --positions 1024 --std 0.02 >&2
fi
if [ -x build/native/bench/model_bench ]; then
  ./build/native/bench/model_bench --model "$small" --name gpt2small | tee -a "$out"
fi
if [ -f build/wasm/bench/model_bench.js ]; then
  scripts/node-wasm.sh build/wasm/bench/model_bench.js --model "$small" --name gpt2small | tee -a "$out"
fi

ratio() {  # ratio NAME A B: value(A) / value(B)
  awk -v a="$2" -v b="$3" -v n="$1" '$1==a{x=$2} $1==b{y=$2} END{if (x && y) printf "%s %.3f ratio\n", n, x/y}' "$out"
}
for s in 64x768x2304 64x768x768 64x3072x768 1x768x2304; do
  ratio "wasm_gemm_${s}_vs_eigen_wasm" "wasm_gemm_${s}_gflops" "wasm_eigen_gemm_${s}_gflops"
  ratio "wasm_gemm_${s}_vs_wasm_peak" "wasm_gemm_${s}_gflops" "wasm_peak_gflops"
done
for f in peak gemm_64x768x2304 gemm_64x768x768 gemm_64x3072x768 gemm_1x768x2304; do
  ratio "wasm_relaxed_${f}_vs_wasm" "wasm_relaxed_${f}_gflops" "wasm_${f}_gflops"
done
# the issue's names for the Eigen figures
awk '$1 ~ /^wasm_eigen_gemm_/ { sub(/^wasm_eigen_/, "eigen_wasm_", $1); print }' "$out"

if [ "$mode" = peers ]; then
  if [ -f bench/peers/run.mjs ]; then
    node bench/peers/run.mjs "${@:2}"
  else
    echo "# bench/peers/run.mjs is not there yet" >&2
  fi
fi
