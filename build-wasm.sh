#!/usr/bin/env bash
# Headscope's web build.
#   ./build-wasm.sh          set up if needed, build the wasm module into web/dist/ (three builds:
#                            headscope.* SIMD128, headscope-relaxed.* relaxed SIMD, headscope-threads.*
#                            relaxed SIMD with pthreads, for cross-origin isolated pages; the page picks)
#   ./build-wasm.sh serve    ... then serve web/ on http://localhost:8000 (PORT=... to change), the
#                            module and models precompressed (web/dist/**.br, .gz: sent when the
#                            browser accepts them), with COOP/COEP so the page runs threaded
#                            (HEADSCOPE_COI=0: without them, single-threaded)
#   ./build-wasm.sh dist     ... then write a self-contained site folder to dist/headscope/, with a
#                            precompressed .br and .gz next to each text, wasm and model file
#                            (scripts/precompress.mjs; the README says how a static host sends them)
#   ./build-wasm.sh package  ... then write the npm package (package/make-package.mjs): build/package/headscope/
#                            and build/package/headscope-VERSION.tgz (npm pack), for a CDN
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

mode="${1:-build}"
case "$mode" in build|serve|dist|package) ;; *) echo "usage: ./build-wasm.sh [serve|dist|package]" >&2; exit 2;; esac

ensure_setup
echo "== building the wasm module (plain SIMD128, relaxed SIMD, relaxed SIMD with threads)"
build_wasm_module
echo "web/dist: $(ls web/dist | tr '\n' ' ')"

if [ "$mode" = dist ]; then
  # The whole site with relative URLs only: the page, the <headscope-view>
  # element (headscope-element.js), embed.html, the wasm module's two builds, the bundled models.
  rm -rf dist/headscope
  mkdir -p dist/headscope
  (cd web && tar --exclude='*.test.mjs' -cf - .) | (cd dist/headscope && tar -xf -)
  for f in index.html embed.html headscope-element.js headscope-element.css style.css app.mjs client.mjs \
           controller.mjs worker.mjs headscope-api.mjs dist/headscope.mjs dist/headscope.wasm \
           dist/headscope-relaxed.mjs dist/headscope-relaxed.wasm dist/headscope-threads.mjs \
           dist/headscope-threads.wasm coi-sw.js coi-register.js dist/models/index.json; do
    [ -f "dist/headscope/$f" ] || { echo "dist: missing $f" >&2; exit 1; }
  done
  if grep -q '"name"' dist/headscope/dist/models/index.json; then
    echo "bundled models: $(grep -o '"name":"[^"]*"' dist/headscope/dist/models/index.json | cut -d'"' -f4 | tr '\n' ' ')"
  else
    echo "warning: no bundled model (models/ has none): pages and elements need a model=\"folder/\" URL" >&2
  fi
  echo "== precompressing (brotli, gzip)"
  node scripts/precompress.mjs dist/headscope
  echo "site written to dist/headscope/ ($(du -sh dist/headscope | cut -f1); upload the folder to any static host, any sub-folder)"
fi
if [ "$mode" = package ]; then
  node package/make-package.mjs build/package
fi
if [ "$mode" = serve ]; then
  node scripts/precompress.mjs web/dist
  HEADSCOPE_COI="${HEADSCOPE_COI:-1}" exec node scripts/serve.mjs web "${PORT:-8000}"
fi
