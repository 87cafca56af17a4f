# Shared by build-wasm.sh and scripts/test.sh: environment for Debian's
# Emscripten 3.1.6, a quick "is the setup complete?" check, and the build of the
# browser module's two builds: plain SIMD128 (preset wasm, Emscripten 3.1.6) and
# relaxed SIMD (preset wasm-relaxed, Emscripten 3.1.69 in .deps/).
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"   # Emscripten needs Debian's acorn
export EM_CACHE="${EM_CACHE:-}"

setup_complete() {
  command -v emcc >/dev/null && command -v cmake >/dev/null && command -v ninja >/dev/null &&
    command -v wasm-objdump >/dev/null && command -v chromium >/dev/null &&
    command -v firefox-esr >/dev/null && command -v WebKitWebDriver >/dev/null && command -v Xvfb >/dev/null &&
    [ -f /usr/include/xsimd/arch/xsimd_wasm.hpp ] && [ -f .deps/catch2/catch_amalgamated.cpp ] &&
    [ -f node_modules/.package-lock.json ] && ! [ package-lock.json -nt node_modules/.package-lock.json ] &&
    /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null &&
    dpkg-query -W -f='${Status}' libcatch2-dev 2>/dev/null | grep -q 'ok installed' &&
    relaxed_toolchain_complete
}

# The relaxed-SIMD build's toolchain (scripts/setup-debian.sh puts it in .deps/;
# the wasm-relaxed preset names the same Emscripten folder).
RELAXED_EMSDK=.deps/emscripten-3.1.69                  # trixie's .deb, unpacked
RELAXED_EMSCRIPTEN=$RELAXED_EMSDK/usr/share/emscripten
RELAXED_BINARYEN_PREFIX=.deps/binaryen-120             # npm install --prefix
RELAXED_BINARYEN=$RELAXED_BINARYEN_PREFIX/node_modules/binaryen
RELAXED_WASM_DIS=$RELAXED_BINARYEN/bin/wasm-dis
relaxed_toolchain_complete() {
  [ -f "$RELAXED_EMSCRIPTEN/.emscripten" ] && [ -L "$RELAXED_EMSCRIPTEN/node_modules/acorn" ] &&
    [ -f "$RELAXED_EMSCRIPTEN/package.json" ] && [ -x "$RELAXED_WASM_DIS" ] &&
    [ -x /usr/lib/llvm-19/bin/clang ] && [ -x /usr/lib/llvm-19/bin/wasm-ld ]
}

ensure_setup() {
  if ! setup_complete; then
    echo "== setup (scripts/setup-debian.sh)"
    bash scripts/setup-debian.sh
  fi
}

# The bundled models, one name a line, in the page's picker order: the names of
# models/picker.txt first (the first is the page's default), then the folders it
# does not name, alphabetically; only folders with a config.json.
bundled_model_names() {
  local names=() n d
  if [ -f models/picker.txt ]; then
    while read -r n; do
      [ -n "$n" ] && [ "${n:0:1}" != "#" ] && names+=("$n")
    done < models/picker.txt
  fi
  for d in models/*/; do
    n=$(basename "$d")
    [[ " ${names[*]} " == *" $n "* ]] || names+=("$n")
  done
  for n in "${names[@]}"; do
    [ -f "models/$n/config.json" ] && echo "$n"
  done
  return 0
}

# Build both builds of the wasm module (web/dist/headscope.* and
# headscope-relaxed.*; the worker picks one at run time) and put the site's
# generated files under web/dist/.
build_wasm_module() {
  local preset
  for preset in wasm wasm-relaxed wasm-threads; do
    cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset" --target headscope_wasm || return 1
  done
  mkdir -p web/dist
  cp build/wasm/src/wasm/headscope.{mjs,wasm} build/wasm-relaxed/src/wasm/headscope-relaxed.{mjs,wasm} \
     build/wasm-threads/src/wasm/headscope-threads.{mjs,wasm} web/dist/
  copy_bundled_models
}

# The bundled models' files to web/dist/models/NAME/ and the picker's list,
# web/dist/models/index.json, in bundled_model_names order.
copy_bundled_models() {
  rm -rf web/dist/models
  mkdir -p web/dist/models
  local names=() n
  mapfile -t names < <(bundled_model_names)
  # index.json: [{"name": ..., "files": [...]}, ...] for the page's model picker
  local entries=()
  for n in "${names[@]}"; do
    local d=models/$n files=()
    mkdir -p "web/dist/models/$n"
    for f in config.json model.safetensors tokenizer.json vocab.json merges.txt README.md pos-probe.json; do
      if [ -f "$d/$f" ]; then
        cp "$d/$f" "web/dist/models/$n/"
        files+=("\"$f\"")
      fi
    done
    entries+=("{\"name\":\"$n\",\"files\":[$(IFS=,; echo "${files[*]}")]}")
  done
  (IFS=,; echo "[${entries[*]}]") > web/dist/models/index.json
}
