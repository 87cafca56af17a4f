#!/usr/bin/env bash
# Runs an Emscripten-built program under Node: the CROSSCOMPILING_EMULATOR of the
# wasm build. Node 20's global fetch breaks Emscripten 3.1.6's glue, so it is off.
exec node --no-experimental-fetch --stack-size=4000 "$@"
