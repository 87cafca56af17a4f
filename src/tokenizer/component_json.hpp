// src/tokenizer/component_json.hpp — reading one tokenizer.json component
// (internal to src/tokenizer): its "type", typed optional fields, and the
// error wording shared by every component, each naming the file and the JSON
// path at fault ("tokenizer.json: pre_tokenizer.pretokenizers[1]: ...").
#pragma once

#include <string>
#include <string_view>

#include "common/error.hpp"
#include "json/json.hpp"

namespace hs::tokenizer::component_json {

// `where` is "tokenizer.json: pre_tokenizer" and the like.
struct Place {
  std::string file;  // "tokenizer.json"
  std::string path;  // "pre_tokenizer.pretokenizers[1]"
  std::string at() const { return file + ": " + path; }
  Place child(const std::string& key) const { return {file, path + "." + key}; }
  Place index(size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
};

inline std::string quoted(std::string_view s) {
  std::string out;
  json::write_string(out, s);
  return out;
}

// The component's "type" string, or an error when it is not an object with one.
inline Result<std::string> type_of(const json::Value& v, const Place& place) {
  if (!v.is_object()) return make_error(place.at() + ": expected an object, got " + json::type_name(v.type));
  const json::Value* t = v.find("type");
  if (!t || !t->is_string()) return make_error(place.at() + ": no \"type\" string");
  return t->string;
}

inline Error unsupported_type(const Place& place, const std::string& kind, const std::string& type,
                              const std::string& supported) {
  return make_error(place.file + ": " + kind + " type " + quoted(type) + " is not supported (supported: " +
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
