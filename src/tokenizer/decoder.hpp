// src/tokenizer/decoder.hpp — the "decoder" of tokenizer.json, as the page
// shows tokens: what one vocab token stands for as text (token_bytes), and the
// start of a decoded sequence. Per token: ByteLevel (GPT-2 byte characters ->
// bytes), Metaspace and Replace ("▁" -> " "), ByteFallback ("<0xNN>" -> the
// byte), WordPiece ("##x" -> "x", a word start "x" -> " x"); Fuse joins tokens
// (nothing per token); Strip, Metaspace (prepend_scheme not "never") and
// WordPiece remove the leading space of the decoded sequence. WordPiece's
// "cleanup" of spaces before punctuation is not done.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"
#include "json/json.hpp"
#include "tokenizer/component_json.hpp"
#include "tokenizer/regex.hpp"

namespace hs::tokenizer {

class Decoder {
 public:
  static Result<Decoder> from_json(const json::Value& v, const component_json::Place& place);
  static Decoder wordpiece(const std::string& prefix);  // a bare vocab.txt
  static Decoder byte_level();

  std::string token_text(const std::string& vocab_token) const;
  // Leading characters of the concatenated tokens that decoding removes.
  size_t strip_leading_spaces() const { return strip_leading_; }

  struct Step {
    enum Kind { kByteLevel, kReplace, kByteFallback, kWordPiece } kind;
    Regex pattern;
    std::string text;  // Replace content; WordPiece prefix
  };

  // One non-Sequence component (component_json::read_component).
  Status add_one(const std::string& type, const json::Value& v, const component_json::Place& place);

 private:
  std::vector<Step> steps_;
  size_t strip_leading_ = 0;
};

}  // namespace hs::tokenizer
