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
// Matching is leftmost-first backtracking over code point units (see
// unicode_data.hpp); a greedy quantifier over a single character is an
// iterative loop, so stack depth does not grow with the input.
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
  // of `text`; empty matches are skipped.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  // `text` with every match replaced by `content`.
  std::string replace_all(std::string_view text, std::string_view content) const;

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

}  // namespace hs::tokenizer
