#!/usr/bin/env bash
# Headscope's web build.
#   ./build-wasm.sh          set up if needed, build the wasm module into web/dist/
#   ./build-wasm.sh serve    ... then serve web/ on http://localhost:8000 (PORT=... to change)
#   ./build-wasm.sh dist     ... then write a self-contained site folder to dist/headscope/
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

mode="${1:-build}"
case "$mode" in build|serve|dist) ;; *) echo "usage: ./build-wasm.sh [serve|dist]" >&2; exit 2;; esac

ensure_setup
echo "== building the wasm module"
build_wasm_module
echo "web/dist: $(ls web/dist | tr '\n' ' ')"

if [ "$mode" = dist ]; then
  rm -rf dist/headscope
  mkdir -p dist/headscope
  (cd web && tar --exclude='*.test.mjs' -cf - .) | (cd dist/headscope && tar -xf -)
  echo "site written to dist/headscope/ (upload the folder to any static host)"
fi
if [ "$mode" = serve ]; then
  exec node scripts/serve.mjs web "${PORT:-8000}"
fi
