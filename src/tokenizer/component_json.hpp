// src/tokenizer/component_json.hpp — reading one tokenizer.json component
// (internal to src/tokenizer): its "type", a "Sequence" of components, typed
// optional fields, {"String"|"Regex"} patterns, and the error wording shared by
// every component, each naming the file and the JSON path at fault
// ("tokenizer.json: pre_tokenizer.pretokenizers[1]: ...").
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "json/json.hpp"
#include "tokenizer/regex.hpp"

namespace hs::tokenizer::component_json {

// `where` is "tokenizer.json: pre_tokenizer" and the like.
struct Place {
  std::string file;  // "tokenizer.json"
  std::string path;  // "pre_tokenizer.pretokenizers[1]"
  std::string at() const { return file + ": " + path; }
  Place child(const std::string& key) const { return {file, path + "." + key}; }
  Place index(size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
};

// The component's "type" string, or an error when it is not an object with one.
inline Result<std::string> type_of(const json::Value& v, const Place& place) {
  if (!v.is_object()) return make_error(place.at() + ": expected an object, got " + json::type_name(v.type));
  const json::Value* t = v.find("type");
  if (!t || !t->is_string()) return make_error(place.at() + ": no \"type\" string");
  return t->string;
}

// Calls one(type, value, place) for the component `v`, or for each component
// of a {"type": "Sequence", list_key: [...]} (nested sequences flattened), in order.
template <class One>
Status read_steps(const json::Value& v, const Place& place, const char* list_key, const One& one) {
  HS_TRY_ASSIGN(std::string type, type_of(v, place));
  if (type != "Sequence") return one(type, v, place);
  const json::Value* list = v.find(list_key);
  if (!list || !list->is_array())
    return make_error(place.at() + ": Sequence has no \"" + list_key + "\" array");
  for (size_t i = 0; i < list->items.size(); ++i)
    HS_TRY(read_steps(list->items[i], place.child(list_key).index(i), list_key, one));
  return {};
}

// A whole component: none for null, else its steps (Component::add_one per
// component of a Sequence).
template <class Component>
Result<Component> read_component(const json::Value& v, const Place& place, const char* list_key) {
  Component c;
  if (v.is_null()) return c;
  HS_TRY(read_steps(v, place, list_key, [&](const std::string& type, const json::Value& one, const Place& at) {
    return c.add_one(type, one, at);
  }));
  return c;
}

// "pattern": {"String": "..."} (matched literally) or {"Regex": "..."}.
inline Result<Regex> read_pattern(const json::Value& component, const Place& place) {
  const json::Value* pattern = component.find("pattern");
  if (pattern && pattern->is_object()) {
    if (const json::Value* str = pattern->find("String"); str && str->is_string()) return Regex::literal(str->string);
    if (const json::Value* re = pattern->find("Regex"); re && re->is_string())
      return Regex::compile(re->string, place.child("pattern.Regex").at());
  }
  return make_error(place.at() + ".pattern: expected {\"String\": ...} or {\"Regex\": ...}");
}

inline Error unsupported_type(const Place& place, const std::string& kind, const std::string& type,
                              const std::string& supported) {
  return make_error(place.file + ": " + kind + " type " + hs::json::quoted(type) + " is not supported (supported: " +
                    supported + ")" + (place.path == kind ? "" : " at " + place.path));
}

inline Result<bool> bool_field(const json::Value& v, const char* key, bool fallback, const Place& place) {
  const json::Value* f = v.find(key);
  if (!f || f->is_null()) return fallback;
  if (!f->is_bool()) return make_error(place.at() + "." + key + ": expected true or false");
  return f->boolean;
}

inline Result<std::string> string_field(const json::Value& v, const char* key, const std::string& fallback,
                                        const Place& place) {
  const json::Value* f = v.find(key);
  if (!f || f->is_null()) return fallback;
  if (!f->is_string()) return make_error(place.at() + "." + key + ": expected a string");
  return f->string;
}

}  // namespace hs::tokenizer::component_json
