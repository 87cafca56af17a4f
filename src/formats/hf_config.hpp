// src/formats — file formats (see dtype.hpp). This header: a HuggingFace
// config.json read strictly: a JSON object whose fields are looked up by name
// (trying aliases in order), each checked for its type and range, with errors
// naming the file and the field. What the fields mean belongs to the model
// that reads them (src/model/config.hpp for GPT-2). Unknown fields are ignored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "json/json.hpp"

namespace hs::formats {

class HfConfig {
 public:
  // The document must be one JSON object.
  static Result<HfConfig> parse(std::string_view json_text, std::string_view source = "config.json");

  const std::string& source() const { return source_; }

  // The first of `names` that is present and not null, as an integer in
  // [min_value, max_value]; an error naming the first name when none is.
  Result<int64_t> integer(std::initializer_list<const char*> names, int64_t min_value, int64_t max_value) const;
  // The same, `fallback` when none is present (or all are null).
  Result<int64_t> integer_or(std::initializer_list<const char*> names, int64_t fallback, int64_t min_value,
                             int64_t max_value) const;
  // A number in (above, at_most]; `fallback` when absent.
  Result<double> number_or(const char* name, double fallback, double above, double at_most) const;
  // A string; nullopt when absent.
  Result<std::optional<std::string>> string(const char* name) const;
  // true or false; `fallback` when absent.
  Result<bool> boolean_or(const char* name, bool fallback) const;
  // Present and true (a flag asking for something unsupported, say).
  bool is_true(const char* name) const;
  // The field's raw value (nested objects such as rope_scaling), or nullptr when absent.
  const json::Value* find(const char* name) const { return root_.find(name); }

 private:
  HfConfig(json::Value root, std::string source) : root_(std::move(root)), source_(std::move(source)) {}
  Error error(const std::string& what) const;  // prefixed with the source
  Result<int64_t> checked_integer(const char* name, const json::Value& v, int64_t min_value, int64_t max_value) const;
  json::Value root_;
  std::string source_;
};

}  // namespace hs::formats
