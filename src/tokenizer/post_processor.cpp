// src/tokenizer/post_processor.cpp — reading the post-processors (see
// post_processor.hpp) into the ids around a single sequence.
#include "tokenizer/post_processor.hpp"

#include <cstdint>
#include <string>

namespace hs::tokenizer {

namespace {

using component_json::Place;

constexpr const char* kSupported = "TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence";

bool valid_id(const json::Value& v) { return v.is_number() && v.is_integer && v.integer >= 0 && v.integer <= INT32_MAX; }

// ["[CLS]", 101] -> 101
Result<int32_t> token_pair_id(const json::Value& v, const char* key, const Place& place) {
  const json::Value* p = v.find(key);
  if (!p || !p->is_array() || p->items.size() != 2 || !p->items[0].is_string() || !valid_id(p->items[1]))
    return make_error(place.at() + "." + key + ": expected [\"token\", id]");
  return static_cast<int32_t>(p->items[1].integer);
}

Status read_template(const json::Value& v, const Place& place, PostProcessor& out) {
  const json::Value* single = v.find("single");
  if (!single || !single->is_array()) return make_error(place.at() + ": TemplateProcessing has no \"single\" array");
  const json::Value* specials = v.find("special_tokens");
  bool seen_sequence = false;
  for (size_t i = 0; i < single->items.size(); ++i) {
    const Place item_place = place.child("single").index(i);
    const json::Value& item = single->items[i];
    if (const json::Value* seq = item.find("Sequence"); seq) {
      const json::Value* id = seq->find("id");
      if (!id || !id->is_string() || id->string != "A")
        return make_error(item_place.at() + ": the single template may only use sequence \"A\"");
      if (seen_sequence) return make_error(item_place.at() + ": sequence \"A\" appears twice");
      seen_sequence = true;
      continue;
    }
    const json::Value* special = item.find("SpecialToken");
    const json::Value* name = special ? special->find("id") : nullptr;
    if (!name || !name->is_string())
      return make_error(item_place.at() + ": expected {\"SpecialToken\": {\"id\": ...}} or {\"Sequence\": ...}");
    const json::Value* entry = specials && specials->is_object() ? specials->find(name->string) : nullptr;
    const json::Value* ids = entry ? entry->find("ids") : nullptr;
    if (!ids || !ids->is_array())
      return make_error(item_place.at() + ": special token " + hs::json::quoted(name->string) +
                        " is not in special_tokens");
    for (const json::Value& id : ids->items) {
      if (!valid_id(id))
        return make_error(place.at() + ".special_tokens." + name->string + ".ids: expected integer ids in [0, 2^31)");
      (seen_sequence ? out.after : out.before).push_back(static_cast<int32_t>(id.integer));
    }
  }
  if (!seen_sequence) return make_error(place.at() + ".single: no {\"Sequence\": {\"id\": \"A\"}} item");
  return {};
}

// A Sequence applies its processors in turn: each wraps what the previous ones gave.
Status add_one(const std::string& type, const json::Value& v, const Place& place, PostProcessor& out) {
  if (type == "ByteLevel") return {};
  PostProcessor inner;
  if (type == "TemplateProcessing") {
    HS_TRY(read_template(v, place, inner));
  } else if (type == "BertProcessing" || type == "RobertaProcessing") {
    HS_TRY_ASSIGN(int32_t cls, token_pair_id(v, "cls", place));
    HS_TRY_ASSIGN(int32_t sep, token_pair_id(v, "sep", place));
    inner.before.push_back(cls);
    inner.after.push_back(sep);
  } else {
    return component_json::unsupported_type(place, "post_processor", type, kSupported);
  }
  out.before.insert(out.before.begin(), inner.before.begin(), inner.before.end());
  out.after.insert(out.after.end(), inner.after.begin(), inner.after.end());
  return {};
}

}  // namespace

Result<PostProcessor> PostProcessor::from_json(const json::Value& v, const Place& place) {
  PostProcessor p;
  if (v.is_null()) return p;
  HS_TRY(component_json::read_steps(v, place, "processors", [&](const std::string& type, const json::Value& c,
                                                                  const Place& at) { return add_one(type, c, at, p); }));
  return p;
}

}  // namespace hs::tokenizer
