#!/usr/bin/env bash
# Runs an Emscripten-built program under Node: the CROSSCOMPILING_EMULATOR of the
# wasm builds. Node 20's global fetch breaks Emscripten 3.1.6's glue, so it is off;
# relaxed SIMD (the wasm-relaxed preset's f32x4.relaxed_madd) is experimental in Node 20.
exec node --no-experimental-fetch --experimental-wasm-relaxed-simd --stack-size=4000 "$@"
