// src/tokenizer/normalizer.hpp — the "normalizer" of tokenizer.json: a list of
// steps applied in order to each piece of text between added tokens, with HF
// tokenizers' semantics:
//   NFC NFD NFKC NFKD; Lowercase (Rust's to_lowercase); StripAccents (removes
//   every combining mark M* left by the normalization before it, as HF does);
//   Prepend (only to a non-empty piece); Replace (String or Regex pattern, every match); Strip
//   (left/right White_Space); BertNormalizer (clean_text: drop U+0000, U+FFFD
//   and Cc/Cf/Co except \t \n \r, map White_Space to ' '; handle_chinese_chars:
//   spaces around CJK ideographs; strip_accents (defaults to lowercase): NFD and
//   drop Mn; lowercase); Sequence of those.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "json/json.hpp"
#include "tokenizer/component_json.hpp"
#include "tokenizer/regex.hpp"

namespace hs::tokenizer {

class Normalizer {
 public:
  // null -> no steps.
  static Result<Normalizer> from_json(const json::Value& v, const component_json::Place& place);
  bool empty() const { return steps_.empty(); }
  std::string apply(std::string_view text) const;

  struct Step {
    enum Kind { kNFC, kNFD, kNFKC, kNFKD, kLowercase, kStripAccents, kPrepend, kReplace, kStrip, kBert } kind;
    std::string text;  // Prepend: the prefix; Replace: the content
    Regex pattern;     // Replace
    bool left = false, right = false;  // Strip
    bool clean_text = false, chinese_chars = false, strip_accents = false, lowercase = false;  // Bert
  };
  static Normalizer bert(bool lowercase);  // BertNormalizer with the defaults of a bare vocab.txt

  // One non-Sequence component (component_json::read_component).
  Status add_one(const std::string& type, const json::Value& v, const component_json::Place& place);

 private:
  std::vector<Step> steps_;
};

}  // namespace hs::tokenizer
