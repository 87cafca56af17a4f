// Strict field reading of a HuggingFace config.json (see hf_config.hpp).
#include "formats/hf_config.hpp"

#include <cstdio>

namespace hs::formats {

namespace {
std::string format_bound(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

Result<HfConfig> HfConfig::parse(std::string_view json_text, std::string_view source) {
  HS_TRY_ASSIGN(json::Value root, json::parse(json_text, source));
  const std::string src(source);
  if (!root.is_object()) return make_error(src + ": expected a JSON object, got " + json::type_name(root.type));
  return HfConfig(std::move(root), src);
}

Error HfConfig::error(const std::string& what) const { return make_error(source_ + ": " + what); }

Result<int64_t> HfConfig::checked_integer(const char* name, const json::Value& v, int64_t min_value,
                                          int64_t max_value) const {
  if (!v.is_number() || !v.is_integer)
    return error(std::string("field \"") + name + "\" must be an integer, got " + json::type_name(v.type));
  if (v.integer < min_value || v.integer > max_value)
    return error(std::string("field \"") + name + "\" = " + std::to_string(v.integer) + " is out of range [" +
                 std::to_string(min_value) + ", " + std::to_string(max_value) + "]");
  return v.integer;
}

Result<int64_t> HfConfig::integer_or(std::initializer_list<const char*> names, int64_t fallback, int64_t min_value,
                                     int64_t max_value) const {
  for (const char* name : names) {
    const json::Value* v = root_.find(name);
    if (v && !v->is_null()) return checked_integer(name, *v, min_value, max_value);
  }
  return fallback;
}

Result<int64_t> HfConfig::integer(std::initializer_list<const char*> names, int64_t min_value,
                                  int64_t max_value) const {
  for (const char* name : names) {
    const json::Value* v = root_.find(name);
    if (v && !v->is_null()) return checked_integer(name, *v, min_value, max_value);
  }
  return error(std::string("required field \"") + *names.begin() + "\" is missing");
}

Result<double> HfConfig::number_or(const char* name, double fallback, double above, double at_most) const {
  const json::Value* v = root_.find(name);
  if (!v) return fallback;
  if (!v->is_number() || !(v->number > above) || v->number > at_most)
    return error(std::string("field \"") + name + "\" must be a number in (" + format_bound(above) + ", " +
                 format_bound(at_most) + "]");
  return v->number;
}

Result<std::optional<std::string>> HfConfig::string(const char* name) const {
  const json::Value* v = root_.find(name);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return error(std::string("field \"") + name + "\" must be a string");
  return std::optional<std::string>(v->string);
}

Result<bool> HfConfig::boolean_or(const char* name, bool fallback) const {
  const json::Value* v = root_.find(name);
  if (!v) return fallback;
  if (!v->is_bool()) return error(std::string("field \"") + name + "\" must be true or false");
  return v->boolean;
}

bool HfConfig::is_true(const char* name) const {
  const json::Value* v = root_.find(name);
  return v && v->is_bool() && v->boolean;
}

}  // namespace hs::formats
