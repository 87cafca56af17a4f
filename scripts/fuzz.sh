#!/usr/bin/env bash
# Fuzz Headscope's file parsers with libFuzzer + AddressSanitizer + UBSan (clang).
#
#   ./scripts/fuzz.sh [N] [harness ...]
#
# Builds tests/fuzz/fuzz_*.cpp into build/fuzz (the parser sources of src/json,
# src/formats, src/model, src/tokenizer and src/kernels compiled directly; the CMake build is
# untouched), then runs each harness in turn for N executions (default 1000000):
#   -runs=N -timeout=1 -rss_limit_mb=2048, on a scratch copy of
#   tests/fuzz/corpus/<harness>/; afterwards the new inputs are minimised into the
#   committed corpus with -merge=1 (only inputs that add coverage are kept).
# Prints executions, exec/s, cov/ft and crashes per harness and writes the table
# to tests/fuzz/RESULTS.md. Exits non-zero if any harness crashed, leaked, timed
# out or reported a sanitizer error; the input is kept in build/fuzz/artifacts/.
#
# regex_normalization runs with -max_len=1024: it reads only its input's first
# 1 KB (tests/fuzz/NOTES.md says why).
# Environment: FUZZ_MAX_TIME=S also stops each harness after S seconds (the
# table then shows the executions actually done); FUZZ_TIMEOUT=S the per-input
# timeout (default 1; libFuzzer measures wall-clock time, so a niced run on a
# loaded machine needs more: tests/fuzz/NOTES.md, run 4); FUZZ_NO_MERGE=1 leaves the
# committed corpus alone; FUZZ_JOBS compile jobs (default 2).
# Harnesses: safetensors_header safetensors_load config vocab_merges tokenizer_json tokenizer_pipeline regex_normalization encode
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

N=${1:-1000000}
TIMEOUT=${FUZZ_TIMEOUT:-1}
shift || true
ALL=(safetensors_header safetensors_load config vocab_merges tokenizer_json tokenizer_pipeline regex_normalization encode)
if [ $# -gt 0 ]; then HARNESSES=("$@"); else HARNESSES=("${ALL[@]}"); fi
CXX=${CXX_FUZZ:-clang++-14}
command -v "$CXX" >/dev/null || CXX=clang++
OUT=build/fuzz
mkdir -p "$OUT/obj" "$OUT/artifacts" "$OUT/logs" "$OUT/work"

# ---------------------------------------------------------------- build
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CXXFLAGS="-std=c++17 -O1 -g $SAN -I src -I tests/fuzz -DHEADSCOPE_SOURCE_DIR=\"$ROOT\" -Wall -Wno-unused-parameter"
LIB_SOURCES=(src/json/json.cpp src/kernels/kernels.cpp
             src/formats/dtype.cpp src/formats/safetensors.cpp src/formats/hf_config.cpp src/formats/files.cpp
             src/model/config.cpp src/model/tensor_names.cpp src/model/weights.cpp src/model/forward.cpp src/model/run_options.cpp src/model/loader.cpp
             src/tokenizer/tokenizer.cpp src/tokenizer/pretokenize.cpp src/tokenizer/unicode_tables.cpp
             src/tokenizer/normalizer.cpp src/tokenizer/pre_tokenizer.cpp src/tokenizer/post_processor.cpp
             src/tokenizer/decoder.cpp src/tokenizer/regex.cpp src/tokenizer/unicode_data_lookup.cpp
             src/tokenizer/unicode_data.cpp)
# The Unicode property lookups (binary searches over the generated tables, run
# for every code point the tokenizer looks at) are built without trace-cmp: its
# callbacks on each step of the searches took most of the time of the regex and
# normalization harness, and the values they report are code points, which the
# fuzzer cannot use on its UTF-8 input. Edge coverage and the sanitizers stay.
coverage_flags() {  # coverage_flags SRC
  if [ "$1" = src/tokenizer/unicode_data_lookup.cpp ]; then echo "-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp"
  else echo "-fsanitize=fuzzer-no-link"; fi
}
build_obj() {  # build_obj SRC -> echo OBJ (rebuilt when the source, a header or the flags changed)
  local src=$1 obj="$OUT/obj/$(echo "$1" | tr / _).o"
  local flags
  flags="$CXXFLAGS $(coverage_flags "$src")"
  if [ ! -f "$obj" ] || [ -n "$(find src tests/fuzz -name '*.hpp' -newer "$obj" -print -quit)" ] || [ "$src" -nt "$obj" ] ||
     [ "$(cat "$obj.flags" 2>/dev/null)" != "$flags" ]; then
    # shellcheck disable=SC2086
    $CXX $flags -c "$src" -o "$obj" || return 1
    echo "$flags" > "$obj.flags"
  fi
  echo "$obj"
}
echo "== building the fuzz harnesses with $CXX ($($CXX --version | head -1))"
objs=()
pids=()
for s in "${LIB_SOURCES[@]}"; do
  build_obj "$s" > "$OUT/obj/$(echo "$s" | tr / _).name" &
  pids+=($!)
  if [ ${#pids[@]} -ge "${FUZZ_JOBS:-2}" ]; then wait "${pids[0]}" || exit 1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || exit 1; done
for s in "${LIB_SOURCES[@]}"; do objs+=("$(cat "$OUT/obj/$(echo "$s" | tr / _).name")"); done
for h in "${HARNESSES[@]}"; do
  src=tests/fuzz/fuzz_$h.cpp
  [ -f "$src" ] || { echo "no harness $src"; exit 1; }
  bin=$OUT/fuzz_$h
  if [ ! -f "$bin" ] || [ "$src" -nt "$bin" ] || [ -n "$(find "${objs[@]}" tests/fuzz/*.hpp -newer "$bin" -print -quit)" ]; then
    # shellcheck disable=SC2086
    $CXX $CXXFLAGS -fsanitize=fuzzer "$src" "${objs[@]}" -o "$bin" || exit 1
  fi
done

# ----------------------------------------------------------------- run
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
rows=()
total_bad=0
for h in "${HARNESSES[@]}"; do
  corpus=tests/fuzz/corpus/$h
  work=$OUT/work/$h
  art=$OUT/artifacts/$h/
  log=$OUT/logs/$h.log
  rm -rf "$work"; mkdir -p "$work" "$art" "$corpus"
  cp "$corpus"/* "$work"/ 2>/dev/null || true
  dict=()
  [ -f "tests/fuzz/dicts/$h.dict" ] && dict=(-dict="tests/fuzz/dicts/$h.dict")
  extra=()
  [ -n "${FUZZ_MAX_TIME:-}" ] && extra=(-max_total_time="$FUZZ_MAX_TIME")
  [ "$h" = regex_normalization ] && extra+=(-max_len=1024)
  before=$(ls "$art" | wc -l)
  echo
  echo "== $h: $N runs (corpus $(ls "$corpus" | wc -l) files)"
  start=$(date +%s)
  "$OUT/fuzz_$h" -runs="$N" -timeout="$TIMEOUT" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$art" "${dict[@]}" "${extra[@]}" "$work" > "$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  eps=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
  cov=$(echo "$last" | awk '{print $2}')
  ft=$(echo "$last" | awk '{print $4}')
  new_art=$(( $(ls "$art" | wc -l) - before ))
  san=$(grep -cE '^==[0-9]+==ERROR|runtime error:|FUZZ CONTRACT VIOLATION' "$log")
  tmo=$(grep -c 'ERROR: libFuzzer: timeout' "$log")
  finding="0"
  if [ "$rc" -ne 0 ] || [ "$new_art" -gt 0 ] || [ "$san" -gt 0 ]; then
    total_bad=$((total_bad + 1))
    finding="$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|FUZZ CONTRACT VIOLATION' "$log" | sed 's/|/\\|/g') (rc $rc, $new_art artifact(s) in $art, log $log)"
  fi
  printf '%s: %s executions in %ss, %s exec/s, cov %s ft %s, crashes/timeouts/sanitizer reports: %s\n' \
    "$h" "${execs:-?}" "$secs" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$finding"
  # Minimise what this run found into the committed corpus.
  # The hand-made seeds (seed-*) always stay; the other files are replaced by a
  # minimal set covering what the seeds do not, from the old corpus + this run.
  if [ -z "${FUZZ_NO_MERGE:-}" ] && [ "$finding" = "0" ]; then
    b=$(ls "$corpus" | wc -l)
    merged=$OUT/work/$h.merged
    rm -rf "$merged"; mkdir -p "$merged"
    cp "$corpus"/seed-* "$merged"/ 2>/dev/null || true
    if "$OUT/fuzz_$h" -merge=1 -use_counters=0 -timeout="$TIMEOUT" -rss_limit_mb=2048 "$merged" "$corpus" "$work" \
         > "$OUT/logs/$h.merge.log" 2>&1; then
      find "$corpus" -type f ! -name 'seed-*' -delete
      find "$merged" -type f ! -name 'seed-*' -exec cp {} "$corpus"/ \;
    else
      echo "   merge failed, see $OUT/logs/$h.merge.log"
    fi
    echo "   corpus: $b -> $(ls "$corpus" | wc -l) files, $(du -sb "$corpus" | cut -f1) bytes"
  fi
  rows+=("| $h | ${execs:-?} | ${secs} | ${eps:-?} | ${cov:-?} | ${ft:-?} | $(ls "$corpus" | wc -l) | $finding |")
done

# -------------------------------------------------------------- results
{
  echo "# Fuzzing results"
  echo
  echo "Written by \`scripts/fuzz.sh $N${*:+ $*}\` (libFuzzer + AddressSanitizer + UBSan, $($CXX --version | head -1))."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(uname -m), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- N (requested executions per harness): $N${FUZZ_MAX_TIME:+; each harness also capped at ${FUZZ_MAX_TIME} s}"
  echo "- flags: -runs=$N -timeout=$TIMEOUT -rss_limit_mb=2048; harnesses run one at a time"
  echo
  echo "| harness | executions | seconds | exec/s | cov | ft | corpus files after merge | crashes / timeouts / sanitizer reports |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ -f tests/fuzz/NOTES.md ]; then echo; cat tests/fuzz/NOTES.md; fi
} > tests/fuzz/RESULTS.md
echo
echo "table written to tests/fuzz/RESULTS.md"
[ "$total_bad" -eq 0 ]
