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
          wabt unicode-data clang lld libclang-rt-14-dev pkg-config time gzip)
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
echo "setup: ok"
