// src/tokenizer/pre_tokenizer.hpp — the "pre_tokenizer" of tokenizer.json:
// steps that cut each normalized piece into the words the model encodes, with
// HF tokenizers' semantics:
//   ByteLevel (GPT-2's split when use_regex, \s as White_Space like HF's
//   Oniguruma; add_prefix_space; marks the model as byte-level), Split (String or Regex pattern; behavior Removed, Isolated,
//   MergedWithPrevious, MergedWithNext, Contiguous; invert), Metaspace
//   (replacement, prepend_scheme first/always/never or the older
//   add_prefix_space, split), BertPreTokenizer (drop White_Space, isolate each
//   punctuation character), Whitespace (\w+|[^\w\s]+), WhitespaceSplit,
//   Digits (individual_digits), Punctuation (behavior), Sequence.
// "punctuation" is BERT's: ASCII punctuation or General_Category P*.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "json/json.hpp"
#include "tokenizer/component_json.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/tokenizer.hpp"

namespace hs::tokenizer {

struct Piece {
  std::string text;
  bool at_start = false;  // begins at offset 0 of the input (Metaspace "first")
};

class PreTokenizer {
 public:
  enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

  static Result<PreTokenizer> from_json(const json::Value& v, const component_json::Place& place);
  static PreTokenizer bert();  // BertPreTokenizer alone (a bare vocab.txt)
  static PreTokenizer gpt2();  // ByteLevel, no prefix space (vocab.json + merges.txt)
  bool byte_level() const;     // has a ByteLevel step
  bool adds_prefix_space() const;  // a ByteLevel step with add_prefix_space
  std::vector<Piece> apply(std::vector<Piece> pieces) const;

  struct Step {
    enum Kind { kByteLevel, kSplit, kMetaspace, kBert, kWhitespace, kWhitespaceSplit, kDigits, kPunctuation } kind;
    bool flag = false;      // ByteLevel add_prefix_space; Digits individual_digits; Split invert
    bool use_regex = true;  // ByteLevel
    SpaceRule spaces = SpaceRule::kWhiteSpace;  // ByteLevel: HF's; gpt2() has gpt-3-encoder's
    Regex pattern;          // Split
    Behavior behavior = Behavior::kIsolated;
    std::string replacement;  // Metaspace
    enum Prepend { kAlways, kFirst, kNever } prepend = kAlways;
    bool split = true;  // Metaspace
  };

  // One non-Sequence component (component_json::read_component).
  Status add_one(const std::string& type, const json::Value& v, const component_json::Place& place);

 private:
  std::vector<Step> steps_;
};

}  // namespace hs::tokenizer
