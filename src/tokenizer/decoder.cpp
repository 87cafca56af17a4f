// src/tokenizer/decoder.cpp — reading the decoder steps and turning one vocab
// token into its text (see decoder.hpp).
#include "tokenizer/decoder.hpp"

#include "tokenizer/tokenizer.hpp"

namespace hs::tokenizer {

namespace {

using component_json::Place;

constexpr const char* kSupported = "ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, WordPiece, Sequence";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

Decoder Decoder::wordpiece(const std::string& prefix) {
  Decoder d;
  d.steps_.push_back(Step{Step::kWordPiece, Regex(), prefix});
  d.strip_leading_ = 1;
  return d;
}

Decoder Decoder::byte_level() {
  Decoder d;
  d.steps_.push_back(Step{Step::kByteLevel});
  return d;
}

Result<Decoder> Decoder::from_json(const json::Value& v, const Place& place) {
  return component_json::read_component<Decoder>(v, place, "decoders");
}

Status Decoder::add_one(const std::string& type, const json::Value& v, const Place& place) {
  if (type == "ByteLevel") {
    steps_.push_back(Step{Step::kByteLevel});
  } else if (type == "ByteFallback") {
    steps_.push_back(Step{Step::kByteFallback});
  } else if (type == "Fuse") {
  } else if (type == "Replace") {
    Step s{Step::kReplace};
    HS_TRY_ASSIGN(s.pattern, component_json::read_pattern(v, place));
    HS_TRY_ASSIGN(s.text, component_json::string_field(v, "content", "", place));
    steps_.push_back(std::move(s));
  } else if (type == "Strip") {
    HS_TRY_ASSIGN(std::string content, component_json::string_field(v, "content", " ", place));
    const json::Value* start = v.find("start");
    if (content == " " && start && start->is_number() && start->is_integer && start->integer > 0)
      strip_leading_ = static_cast<size_t>(start->integer);
  } else if (type == "Metaspace") {
    HS_TRY_ASSIGN(std::string replacement, component_json::string_field(v, "replacement", "\xE2\x96\x81", place));
    steps_.push_back(Step{Step::kReplace, Regex::literal(replacement), " "});
    HS_TRY_ASSIGN(std::string scheme, component_json::string_field(v, "prepend_scheme", "always", place));
    HS_TRY_ASSIGN(bool add_prefix, component_json::bool_field(v, "add_prefix_space", true, place));
    if (scheme != "never" && add_prefix) strip_leading_ = 1;
  } else if (type == "WordPiece") {
    HS_TRY_ASSIGN(std::string prefix, component_json::string_field(v, "prefix", "##", place));
    steps_.push_back(Step{Step::kWordPiece, Regex(), prefix});
    strip_leading_ = 1;
  } else {
    return component_json::unsupported_type(place, "decoder", type, kSupported);
  }
  return {};
}

std::string Decoder::token_text(const std::string& vocab_token) const {
  std::string s = vocab_token;
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Step::kByteLevel:
        if (std::optional<std::string> bytes = vocab_form_to_bytes(s)) s = std::move(*bytes);
        break;
      case Step::kReplace:
        s = step.pattern.replace_all(s, step.text);
        break;
      case Step::kByteFallback:
        if (s.size() == 6 && s.compare(0, 3, "<0x") == 0 && s[5] == '>' && hex_digit(s[3]) >= 0 && hex_digit(s[4]) >= 0)
          s = std::string(1, static_cast<char>(hex_digit(s[3]) * 16 + hex_digit(s[4])));
        break;
      case Step::kWordPiece:
        if (s.compare(0, step.text.size(), step.text) == 0) s.erase(0, step.text.size());
        else s.insert(0, " ");
        break;
    }
  }
  return s;
}

}  // namespace hs::tokenizer
