#!/usr/bin/env bash
# Headscope's whole test suite: sets up what is missing, then
#   1. native build (cmake --preset native) and ctest: kernels, JSON, tokenizer,
#      model files, trainer gradient checks, the PyTorch reference checks; the kernel
#      and model suites again on 3 threads (HEADSCOPE_THREADS=3)
#   2. wasm builds and the same Catch2 suites under Node: plain SIMD128 (ctest
#      --preset wasm) and relaxed SIMD (ctest --preset wasm-relaxed); the threaded
#      build's thread tests (ctest --preset wasm-threads -R kernels_threads_tests)
#   3. the browser module: SIMD128 really used (wasm-objdump), relaxed_madd in the
#      relaxed build (binaryen's wasm-dis: wabt 1.0.32 cannot read it); the wasm CLI
#      (node web/cli.mjs) of both builds against the float64 PyTorch references of
#      every family, at the same tolerances
#   4. JS tests (node --test tests/web/): Node-side and headless Chromium
#   5. the engine-neutral browser suites (tests/web/engines.test.mjs: page,
#      element, knobs, "rendered" timing) in Firefox ESR (WebDriver BiDi) and
#      WebKitGTK (WebKitWebDriver + MiniBrowser under Xvfb); axe-core and the
#      keyboard (tests/web/a11y.test.mjs) in Firefox; the npm package from a CDN origin
#      (tests/web/cdn.test.mjs) and the reveal.js deck (tests/web/reveal.test.mjs) in
#      both (tests/web/README.md)
# Exits non-zero on any failure and ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_setup || exit 1

passed=0
failed=0
failures=()
step() {  # step NAME COMMAND...
  local name="$1"; shift
  echo
  echo "== $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "!! FAILED: $name"
  fi
}

native_build() { cmake --preset native >/dev/null && cmake --build --preset native; }
native_ctest() { ctest --preset native --output-on-failure; }
# the kernels' threads (src/kernels/thread_pool): the kernel and model suites again on 3 threads
native_threads_ctest() {
  HEADSCOPE_THREADS=3 ctest --preset native --output-on-failure -R '^(kernels_tests|model_tests|run_tests|generate_tests|logit_lens_tests|roles_tests)$'
}
wasm_build() {
  cmake --preset wasm >/dev/null && cmake --build --preset wasm &&
    cmake --preset wasm-relaxed >/dev/null && cmake --build --preset wasm-relaxed && build_wasm_module
}
wasm_ctest() { ctest --preset wasm --output-on-failure; }
wasm_relaxed_ctest() { ctest --preset wasm-relaxed --output-on-failure; }
# the threaded module's kernels on 1, 2 and 3 pthreads under Node (build_wasm_module built the module itself)
wasm_threads_ctest() {
  cmake --build --preset wasm-threads --target kernels_threads_tests && ctest --preset wasm-threads -R '^kernels_threads_tests$' --output-on-failure
}
simd_check() {
  local n m
  n=$(wasm-objdump -d web/dist/headscope.wasm | grep -c 'f32x4\.')
  echo "f32x4 instructions in web/dist/headscope.wasm: $n"
  m=$(node "$RELAXED_WASM_DIS" web/dist/headscope-relaxed.wasm | grep -c 'f32x4\.relaxed_madd')
  echo "f32x4.relaxed_madd instructions in web/dist/headscope-relaxed.wasm: $m"
  [ "$n" -gt 100 ] && [ "$m" -gt 100 ]
}
wasm_cli_reference() {  # wasm_cli_reference plain|relaxed
  local cli="env HEADSCOPE_SIMD=$1 node --experimental-wasm-relaxed-simd web/cli.mjs"
  /usr/bin/python3 tests/reference/check_gpt2.py --cli "$cli" &&
    /usr/bin/python3 tests/reference/families check --cli "$cli" &&
    /usr/bin/python3 tests/reference/check_generate.py --cli "$cli"
}
js_tests() {
  if ls tests/web/*.test.mjs >/dev/null 2>&1; then
    HEADSCOPE_ENGINES=chromium node --test --test-concurrency=1 tests/web/
  else
    echo "no JS tests"; true
  fi
}
other_engines() {
  HEADSCOPE_ENGINES=firefox,webkit node --test --test-concurrency=1 tests/web/engines.test.mjs tests/web/a11y.test.mjs \
    tests/web/cdn.test.mjs tests/web/reveal.test.mjs tests/web/threads.test.mjs
}

step "native build" native_build
step "native tests (ctest)" native_ctest
step "native kernel and model tests on 3 threads (HEADSCOPE_THREADS=3)" native_threads_ctest
step "wasm build" wasm_build
step "wasm tests under Node (ctest)" wasm_ctest
step "relaxed-SIMD wasm tests under Node (ctest)" wasm_relaxed_ctest
step "threaded wasm kernel tests under Node (1, 2, 3 threads, same bits)" wasm_threads_ctest
step "wasm modules use SIMD128 (and relaxed_madd)" simd_check
step "wasm CLI (node web/cli.mjs) agrees with the float64 PyTorch references (GPT-2, every family)" wasm_cli_reference plain
step "relaxed-SIMD wasm CLI agrees with the same references, same tolerances" wasm_cli_reference relaxed
step "JS and browser tests (Chromium)" js_tests
step "browser suites in Firefox and WebKit" other_engines

echo
if [ "$failed" -gt 0 ]; then
  echo "failed steps: ${failures[*]}"
fi
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
