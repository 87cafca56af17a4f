// tests/fuzz — helpers shared by the libFuzzer harnesses (see scripts/fuzz.sh).
// A harness aborts (so libFuzzer records a crash) when a parser breaks its
// contract: an error must carry a non-empty message of exactly one line.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"

namespace hs::fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "FUZZ CONTRACT VIOLATION: %s\n%s\n", what, detail.c_str());
  std::abort();
}

inline void check_error(const hs::Error& e) {
  if (e.message.empty()) fail("empty error message", "");
  if (e.message.find('\n') != std::string::npos || e.message.find('\r') != std::string::npos)
    fail("error message is not one line", e.message);
}

// Whole-file read for the one-time setup of a harness (aborts on failure).
inline std::string read_or_die(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail("cannot open", path);
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

}  // namespace hs::fuzz
