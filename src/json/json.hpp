// src/json — a strict JSON reader for the small documents a model folder holds
// (config.json, the safetensors header, vocab.json, tokenizer.json).
//
// It owns turning bytes into a value tree and nothing else: it validates UTF-8,
// decodes escapes (surrogate pairs included), keeps object members in file
// order (duplicates are kept, so callers can report them), limits nesting depth,
// and reports errors with line and column. Numbers keep an exact int64 when the
// text is an integer that fits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace hs::json {

enum class Type { Null, Bool, Number, String, Array, Object };

const char* type_name(Type t);

struct Value {
  Type type = Type::Null;
  bool boolean = false;
  double number = 0.0;
  bool is_integer = false;   // the text was an integer literal that fits int64
  int64_t integer = 0;       // valid when is_integer
  std::string string;        // Type::String
  std::vector<Value> items;  // Type::Array, or the member values of an Object
  std::vector<std::string> keys;  // Type::Object: keys[i] names items[i]

  bool is_null() const { return type == Type::Null; }
  bool is_object() const { return type == Type::Object; }
  bool is_array() const { return type == Type::Array; }
  bool is_string() const { return type == Type::String; }
  bool is_number() const { return type == Type::Number; }
  bool is_bool() const { return type == Type::Bool; }

  // First member named `key`, or nullptr (also when this is not an object).
  const Value* find(std::string_view key) const;
};

struct ParseOptions {
  int max_depth = 64;
};

// Parse `text` as one JSON document. `source` names the document in errors
// ("config.json: line 3, column 7: expected ',' or '}'").
Result<Value> parse(std::string_view text, std::string_view source,
                    ParseOptions options = {});

// True when `bytes` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// Append `s` to `out` as a JSON string literal (quotes and escapes included).
void write_string(std::string& out, std::string_view s);

// `s` as a JSON string literal: a name from a file quoted in an error message
// (quotes and control characters escaped, so the message stays on one line).
std::string quoted(std::string_view s);

}  // namespace hs::json
