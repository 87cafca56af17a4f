// src/tokenizer/regex.hpp — the small regular expression matcher behind the
// Split pre-tokenizer and the Replace normalizer of tokenizer.json (HF runs
// those patterns with Oniguruma). It covers what the Hub's patterns use (Llama
// 3, Qwen2, GPT-4o style) and rejects everything else with an error naming the
// construct:
//   alternation |, concatenation, groups (...) (?:...) (?i:...), lookahead
//   (?!...) (?=...), quantifiers ? * + {n} {n,} {n,m} (greedy), '.',
//   classes [...] [^...] with ranges, escapes \r \n \t \f \v \0 \\ \. etc.,
//   \s \S (White_Space), \d \D (Nd), \w \W (Alphabetic, M, Nd, Pc,
//   Join_Control), \p{..} \P{..} with a General_Category (L, Lu, Ll, Lt, Lm,
//   Lo, M, Mn, Mc, Me, N, Nd, Nl, No, P, Pc, Pd, Ps, Pe, Pi, Pf, Po, S, Sm, Sc,
//   Sk, So, Z, Zs, Zl, Zp, C, Cc, Cf, Co, Cn).
// Case-insensitive (?i:) literals compare by simple case folding.
// Matches are leftmost-first, the choices tried in backtracking order, over
// code point units (see unicode_data.hpp). The matcher remembers which states
// failed, so its time is linear in the text times the pattern's size for any
// pattern, and its stack is its own (no recursion on the text).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace hs::tokenizer {

class Regex {
 public:
  // `what` names the pattern in errors ("tokenizer.json: pre_tokenizer.pattern.Regex").
  static Result<Regex> compile(std::string_view pattern, const std::string& what);
  // A pattern matching `literal` exactly (Split/Replace with a String pattern).
  static Regex literal(std::string_view literal);

  // Every non-overlapping match, leftmost first, as byte ranges [begin, end)
  // of `text`; empty matches are skipped. `steps`, when given, receives the
  // number of program instructions the matcher ran (the tests bound it).
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text, size_t* steps = nullptr) const;
  // The compiled program's length (its lookaheads' included).
  size_t program_size() const;
  // `text` with every match replaced by `content`.
  std::string replace_all(std::string_view text, std::string_view content) const;

  struct Node;
  struct Program;

 private:
  std::shared_ptr<const Node> root_;                // the parsed pattern (its character classes)
  std::shared_ptr<const Program> program_;  // root_ compiled (regex.cpp)
};

}  // namespace hs::tokenizer
