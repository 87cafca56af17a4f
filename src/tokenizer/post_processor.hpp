// src/tokenizer/post_processor.hpp — the "post_processor" of tokenizer.json for
// a single sequence: the special token ids put before and after the encoded
// text. TemplateProcessing ("single": SpecialToken / Sequence "A" items, ids
// from "special_tokens"), BertProcessing ([CLS] $A [SEP]), RobertaProcessing
// (<s> $A </s>), ByteLevel (nothing: it only trims offsets), Sequence.
#pragma once

#include <cstdint>
#include <vector>

#include "common/error.hpp"
#include "json/json.hpp"
#include "tokenizer/component_json.hpp"

namespace hs::tokenizer {

struct PostProcessor {
  std::vector<int32_t> before, after;
  static Result<PostProcessor> from_json(const json::Value& v, const component_json::Place& place);
  bool empty() const { return before.empty() && after.empty(); }
};

}  // namespace hs::tokenizer
