// src/tokenizer/normalizer.cpp — reading and applying the normalizer steps
// (see normalizer.hpp).
#include "tokenizer/normalizer.hpp"

#include "tokenizer/unicode_data.hpp"

namespace hs::tokenizer {

namespace {

using component_json::Place;
using Units = std::vector<uint32_t>;

constexpr const char* kSupported =
    "NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Prepend, Replace, Strip, BertNormalizer, Sequence";

// The CJK ideograph blocks BERT pads with spaces.
bool is_chinese_char(uint32_t u) {
  return (u >= 0x4E00 && u <= 0x9FFF) || (u >= 0x3400 && u <= 0x4DBF) || (u >= 0x20000 && u <= 0x2A6DF) ||
         (u >= 0x2A700 && u <= 0x2B73F) || (u >= 0x2B740 && u <= 0x2B81F) || (u >= 0x2B920 && u <= 0x2CEAF) ||
         (u >= 0xF900 && u <= 0xFAFF) || (u >= 0x2F800 && u <= 0x2FA1F);
}

// BERT's "control": Cc, Cf, Co except \t \n \r (counted as whitespace).
bool is_bert_control(uint32_t u) {
  if (u == '\t' || u == '\n' || u == '\r') return false;
  using unicode::Category;
  Category c = unicode::category(u);
  return c == Category::kCc || c == Category::kCf || c == Category::kCo;
}

// StripAccents drops every combining mark (M*); BertNormalizer's strip_accents
// only the nonspacing ones (Mn).
template <class IsAccent>
Units strip(const Units& in, IsAccent is_accent) {
  Units out;
  out.reserve(in.size());
  for (uint32_t u : in)
    if (!is_accent(u)) out.push_back(u);
  return out;
}

bool is_nonspacing_mark(uint32_t u) { return unicode::category(u) == unicode::Category::kMn; }

Units lowercase(const Units& in) {
  Units out;
  out.reserve(in.size());
  for (uint32_t u : in) unicode::append_lowercase(u, out);
  return out;
}

Units bert_normalize(const Normalizer::Step& s, Units units) {
  if (s.clean_text) {
    Units out;
    out.reserve(units.size());
    for (uint32_t u : units) {
      if (u == 0 || u == 0xFFFD || is_bert_control(u)) continue;
      out.push_back(u == '\t' || u == '\n' || u == '\r' || unicode::is_white_space(u) ? ' ' : u);
    }
    units.swap(out);
  }
  if (s.chinese_chars) {
    Units out;
    out.reserve(units.size());
    for (uint32_t u : units) {
      if (is_chinese_char(u)) {
        out.push_back(' ');
        out.push_back(u);
        out.push_back(' ');
      } else {
        out.push_back(u);
      }
    }
    units.swap(out);
  }
  if (s.strip_accents) units = strip(unicode::normalize(units, unicode::Form::kNFD), is_nonspacing_mark);
  if (s.lowercase) units = lowercase(units);
  return units;
}

}  // namespace

Normalizer Normalizer::bert(bool lowercase) {
  Normalizer n;
  Step s{Step::kBert};
  s.clean_text = true;
  s.chinese_chars = true;
  s.strip_accents = lowercase;
  s.lowercase = lowercase;
  n.steps_.push_back(std::move(s));
  return n;
}

Result<Normalizer> Normalizer::from_json(const json::Value& v, const Place& place) {
  return component_json::read_component<Normalizer>(v, place, "normalizers");
}

Status Normalizer::add_one(const std::string& type, const json::Value& c, const Place& at) {
  using component_json::bool_field;
  using component_json::string_field;
  Step s{Step::kNFC};
  if (type == "NFC") s.kind = Step::kNFC;
  else if (type == "NFD") s.kind = Step::kNFD;
  else if (type == "NFKC") s.kind = Step::kNFKC;
  else if (type == "NFKD") s.kind = Step::kNFKD;
  else if (type == "Lowercase") s.kind = Step::kLowercase;
  else if (type == "StripAccents") s.kind = Step::kStripAccents;
  else if (type == "Prepend") {
    s.kind = Step::kPrepend;
    HS_TRY_ASSIGN(s.text, string_field(c, "prepend", "", at));
  } else if (type == "Replace") {
    s.kind = Step::kReplace;
    HS_TRY_ASSIGN(s.pattern, component_json::read_pattern(c, at));
    HS_TRY_ASSIGN(s.text, string_field(c, "content", "", at));
  } else if (type == "Strip") {
    s.kind = Step::kStrip;
    HS_TRY_ASSIGN(s.left, bool_field(c, "strip_left", true, at));
    HS_TRY_ASSIGN(s.right, bool_field(c, "strip_right", true, at));
  } else if (type == "BertNormalizer") {
    s.kind = Step::kBert;
    HS_TRY_ASSIGN(s.clean_text, bool_field(c, "clean_text", true, at));
    HS_TRY_ASSIGN(s.chinese_chars, bool_field(c, "handle_chinese_chars", true, at));
    HS_TRY_ASSIGN(s.lowercase, bool_field(c, "lowercase", true, at));
    HS_TRY_ASSIGN(s.strip_accents, bool_field(c, "strip_accents", s.lowercase, at));
  } else {
    return component_json::unsupported_type(at, "normalizer", type, kSupported);
  }
  steps_.push_back(std::move(s));
  return {};
}

std::string Normalizer::apply(std::string_view text) const {
  std::string s(text);
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Step::kNFC: s = unicode::from_units(unicode::normalize(unicode::to_units(s), unicode::Form::kNFC)); break;
      case Step::kNFD: s = unicode::from_units(unicode::normalize(unicode::to_units(s), unicode::Form::kNFD)); break;
      case Step::kNFKC: s = unicode::from_units(unicode::normalize(unicode::to_units(s), unicode::Form::kNFKC)); break;
      case Step::kNFKD: s = unicode::from_units(unicode::normalize(unicode::to_units(s), unicode::Form::kNFKD)); break;
      case Step::kLowercase: s = unicode::from_units(lowercase(unicode::to_units(s))); break;
      case Step::kStripAccents: s = unicode::from_units(strip(unicode::to_units(s), unicode::is_mark)); break;
      case Step::kPrepend:
        if (!s.empty()) s = step.text + s;
        break;
      case Step::kReplace: s = step.pattern.replace_all(s, step.text); break;
      case Step::kStrip: {
        Units u = unicode::to_units(s);
        size_t b = 0, e = u.size();
        if (step.left)
          while (b < e && unicode::is_white_space(u[b])) ++b;
        if (step.right)
          while (e > b && unicode::is_white_space(u[e - 1])) --e;
        s = unicode::from_units(Units(u.begin() + b, u.begin() + e));
        break;
      }
      case Step::kBert: s = unicode::from_units(bert_normalize(step, unicode::to_units(s))); break;
    }
  }
  return s;
}

}  // namespace hs::tokenizer
