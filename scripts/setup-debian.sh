#!/usr/bin/env bash
# Installs everything Headscope's two README commands need on Debian bookworm.
# Idempotent: each step checks first and does nothing when its part is present.
#   - bookworm: cmake, ninja, emscripten 3.1.6, Eigen, chromium, numpy, torch, wabt,
#     unicode-data, clang (fuzzing)
#   - bookworm-backports: Catch2 v3 (and its source package, for the wasm tests)
#   - trixie, pinned at priority 100 so nothing else upgrades: header-only libxsimd-dev 13.x
#   - bookworm, for the browser suites in three engines: firefox-esr (WebDriver
#     BiDi), webkit2gtk-driver (WebKitWebDriver + MiniBrowser), xvfb (its display)
#   - npm: devDependencies from the committed package-lock.json
#   - the relaxed-SIMD module's toolchain (web/dist/headscope-relaxed.*), in .deps/ only:
#     trixie's emscripten 3.1.69 unpacked with dpkg-deb (not installed: its Depends are
#     trixie's), bookworm's clang-19 lld-19 llvm-19, npm's binaryen 120 (3.1.69 expects it;
#     bookworm's binaryen 108 cannot parse relaxed SIMD), Debian's acorn linked into its tree
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
xsimd_ok() {
  # xsimd >= 11 has the wasm architecture
  [ -f /usr/include/xsimd/arch/xsimd_wasm.hpp ]
}

EXTRA_SOURCES=/etc/apt/sources.list.d/headscope-extra.sources
write_sources() {
  if [ ! -f "$EXTRA_SOURCES" ]; then
    printf '%s\n' \
      "Types: deb deb-src" \
      "URIs: http://deb.debian.org/debian" \
      "Suites: bookworm-backports" \
      "Components: main" \
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" \
      "" \
      "Types: deb" \
      "URIs: http://deb.debian.org/debian" \
      "Suites: trixie" \
      "Components: main" \
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | $SUDO tee "$EXTRA_SOURCES" >/dev/null
    printf '%s\n' "Package: *" "Pin: release n=trixie" "Pin-Priority: 100" \
      | $SUDO tee /etc/apt/preferences.d/headscope-trixie >/dev/null
    $SUDO apt-get update -q
  fi
}

APT_PKGS=(cmake ninja-build emscripten libeigen3-dev chromium python3-numpy python3-torch
          wabt unicode-data clang lld libclang-rt-14-dev pkg-config time gzip
          clang-19 lld-19 llvm-19 node-acorn)
missing=()
for p in "${APT_PKGS[@]}"; do have_pkg "$p" || missing+=("$p"); done
have_pkg libcatch2-dev || missing+=(libcatch2-dev)
xsimd_ok || missing+=(libxsimd-dev)

# browsers for tests/web/engines.mjs: Firefox ESR, WebKitGTK's driver and
# MiniBrowser, and an X server without a screen for MiniBrowser
BROWSER_PKGS=(firefox-esr webkit2gtk-driver xvfb)
for p in "${BROWSER_PKGS[@]}"; do have_pkg "$p" || missing+=("$p"); done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing: ${missing[*]}"
  write_sources
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${APT_PKGS[@]}"
  $SUDO apt-get install -y -q --no-install-recommends "${BROWSER_PKGS[@]}"
  $SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports libcatch2-dev
  # header-only: only this package comes from trixie
  xsimd_ok || $SUDO apt-get install -y -q --no-install-recommends libxsimd-dev/trixie
fi
xsimd_ok || { echo "setup: xsimd >= 11 (with its wasm architecture) is not installed" >&2; exit 1; }

# Catch2's amalgamated source, compiled into the wasm test binaries (a native
# libCatch2.a cannot link into wasm). It comes from Debian's catch2 source package.
if [ ! -f .deps/catch2/catch_amalgamated.cpp ]; then
  write_sources
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get source --download-only -t bookworm-backports catch2 >/dev/null 2>&1); then
    $SUDO apt-get update -q
    (cd "$tmp" && apt-get source --download-only -t bookworm-backports catch2 >/dev/null 2>&1) \
      || { echo "setup: could not download Debian's catch2 source package" >&2; exit 1; }
  fi
  mkdir -p .deps/catch2
  tar -xzf "$tmp"/catch2_*.orig.tar.gz -C .deps/catch2 --strip-components=2 \
      --wildcards '*/extras/catch_amalgamated.*'
  rm -rf "$tmp"
fi

# npm devDependencies (playwright-core, puppeteer-core, selenium-webdriver, axe-core,
# the reference tokenizer, the corpus, peers)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
# The relaxed-SIMD toolchain (see the header). Emscripten reads the .emscripten
# file in its own folder, so this one is written to point at clang-19 and the
# npm binaryen: no environment variable is needed to use it.
source scripts/lib.sh   # the RELAXED_* folders
if [ ! -f "$RELAXED_EMSCRIPTEN/emscripten-version.txt" ]; then
  echo "setup: emscripten 3.1.69 (trixie) into $RELAXED_EMSDK"
  write_sources
  tmp=$(mktemp -d)
  chmod 755 "$tmp"   # apt's _apt user downloads into it
  if ! (cd "$tmp" && apt-get download -q emscripten/trixie >/dev/null 2>&1); then
    $SUDO apt-get update -q
    (cd "$tmp" && apt-get download -q emscripten/trixie >/dev/null 2>&1) \
      || { echo "setup: could not download trixie's emscripten 3.1.69" >&2; exit 1; }
  fi
  rm -rf "$RELAXED_EMSDK.partial"
  dpkg-deb -x "$tmp"/emscripten_*.deb "$RELAXED_EMSDK.partial"
  rm -rf "$tmp" "$RELAXED_EMSDK"
  grep -q '3\.1\.69' "$RELAXED_EMSDK.partial/usr/share/emscripten/emscripten-version.txt" \
    || { echo "setup: trixie's emscripten is not 3.1.69 any more: update RELAXED_EMSDK" >&2; exit 1; }
  mv "$RELAXED_EMSDK.partial" "$RELAXED_EMSDK"
fi
if [ ! -x "$RELAXED_BINARYEN/bin/wasm-opt" ]; then
  echo "setup: binaryen 120 (npm) into $RELAXED_BINARYEN_PREFIX"
  npm install --prefix "$RELAXED_BINARYEN_PREFIX" --no-audit --no-fund --save-exact binaryen@120.0.0 >/dev/null
fi
# acorn for the JS optimizer: an ES-module import, so NODE_PATH cannot find it
mkdir -p "$RELAXED_EMSCRIPTEN/node_modules"
ln -sfn /usr/share/nodejs/acorn "$RELAXED_EMSCRIPTEN/node_modules/acorn"
# its bundled .js (terser) are CommonJS, and .deps/ sits under our "type": "module" package.json
[ -f "$RELAXED_EMSCRIPTEN/package.json" ] || echo '{ "type": "commonjs" }' > "$RELAXED_EMSCRIPTEN/package.json"
deps=$(cd .deps && pwd -P)
printf '%s\n' \
  "# written by scripts/setup-debian.sh" \
  "LLVM_ROOT = '/usr/lib/llvm-19/bin'" \
  "BINARYEN_ROOT = '$deps/${RELAXED_BINARYEN#.deps/}'" \
  "NODE_JS = '$(command -v node)'" \
  "CACHE = '$deps/${RELAXED_EMSCRIPTEN#.deps/}/cache'" \
  "FROZEN_CACHE = True" > "$RELAXED_EMSCRIPTEN/.emscripten.new"
if ! cmp -s "$RELAXED_EMSCRIPTEN/.emscripten.new" "$RELAXED_EMSCRIPTEN/.emscripten"; then
  mv "$RELAXED_EMSCRIPTEN/.emscripten.new" "$RELAXED_EMSCRIPTEN/.emscripten"
else
  rm -f "$RELAXED_EMSCRIPTEN/.emscripten.new"
fi
echo "setup: ok"
