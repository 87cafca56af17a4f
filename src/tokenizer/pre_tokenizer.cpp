// src/tokenizer/pre_tokenizer.cpp — reading and applying the pre-tokenizer
// steps (see pre_tokenizer.hpp). Every step reduces to "find the delimiter
// ranges, then cut by a behavior".
#include "tokenizer/pre_tokenizer.hpp"

#include <utility>

#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_data.hpp"
#include "tokenizer/utf8.hpp"

namespace hs::tokenizer {

namespace {

using component_json::Place;
using Ranges = std::vector<std::pair<size_t, size_t>>;
using Behavior = PreTokenizer::Behavior;

constexpr const char* kSupported =
    "ByteLevel, Split, Metaspace, BertPreTokenizer, Whitespace, WhitespaceSplit, Digits, Punctuation, Sequence";

bool is_bert_punctuation(uint32_t u) {
  if (u < 0x80) return (u >= '!' && u <= '/') || (u >= ':' && u <= '@') || (u >= '[' && u <= '`') || (u >= '{' && u <= '~');
  return unicode::is_punctuation(u);
}

// One range per character for which `pred` holds.
template <class Pred>
Ranges char_ranges(const std::string& text, Pred pred) {
  Ranges out;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    size_t len = utf8::decode(s, text.size(), i, &cp);
    uint32_t unit = len ? cp : unicode::kInvalidByteBase + s[i];
    if (!len) len = 1;
    if (pred(unit)) out.emplace_back(i, i + len);
    i += len;
  }
  return out;
}

// Cuts `piece` at the delimiter ranges (sorted, disjoint) by `behavior`,
// appending the non-empty results to `out`.
void cut(const Piece& piece, const Ranges& delimiters, Behavior behavior, bool invert, std::vector<Piece>& out) {
  struct Part {
    size_t begin, end;
    bool delimiter;
  };
  std::vector<Part> parts;
  size_t last = 0;
  for (auto [b, e] : delimiters) {
    if (b > last) parts.push_back({last, b, invert});
    parts.push_back({b, e, !invert});
    last = e;
  }
  if (last < piece.text.size()) parts.push_back({last, piece.text.size(), invert});

  std::vector<std::pair<size_t, size_t>> result;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Part& p = parts[i];
    switch (behavior) {
      case Behavior::kRemoved:
        if (!p.delimiter) result.emplace_back(p.begin, p.end);
        break;
      case Behavior::kIsolated:
        result.emplace_back(p.begin, p.end);
        break;
      case Behavior::kMergedWithPrevious:
        if (p.delimiter && !result.empty() && i > 0 && !parts[i - 1].delimiter) result.back().second = p.end;
        else result.emplace_back(p.begin, p.end);
        break;
      case Behavior::kMergedWithNext:
        if (i > 0 && parts[i - 1].delimiter && !p.delimiter) result.back().second = p.end;
        else result.emplace_back(p.begin, p.end);
        break;
      case Behavior::kContiguous:
        if (p.delimiter && i > 0 && parts[i - 1].delimiter) result.back().second = p.end;
        else result.emplace_back(p.begin, p.end);
        break;
    }
  }
  for (auto [b, e] : result) {
    if (e > b) out.push_back({piece.text.substr(b, e - b), piece.at_start && b == 0});
  }
}

Result<Behavior> read_behavior(const json::Value& v, const Place& place, Behavior fallback) {
  const json::Value* b = v.find("behavior");
  if (!b || b->is_null()) return fallback;
  if (b->is_string()) {
    if (b->string == "Removed") return Behavior::kRemoved;
    if (b->string == "Isolated") return Behavior::kIsolated;
    if (b->string == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
    if (b->string == "MergedWithNext") return Behavior::kMergedWithNext;
    if (b->string == "Contiguous") return Behavior::kContiguous;
  }
  return make_error(place.at() + ".behavior: expected one of Removed, Isolated, MergedWithPrevious, "
                    "MergedWithNext, Contiguous");
}

Regex whitespace_word_regex() {
  static const Regex re = Regex::compile("\\w+|[^\\w\\s]+", "Whitespace").value();
  return re;
}

}  // namespace

PreTokenizer PreTokenizer::bert() {
  PreTokenizer p;
  p.steps_.push_back(Step{Step::kBert});
  return p;
}

PreTokenizer PreTokenizer::gpt2() {
  PreTokenizer p;
  Step s{Step::kByteLevel};
  s.flag = false;
  s.spaces = SpaceRule::kECMAScript;
  p.steps_.push_back(std::move(s));
  return p;
}

bool PreTokenizer::adds_prefix_space() const {
  for (const Step& s : steps_)
    if (s.kind == Step::kByteLevel && s.flag) return true;
  return false;
}

bool PreTokenizer::byte_level() const {
  for (const Step& s : steps_)
    if (s.kind == Step::kByteLevel) return true;
  return false;
}

Result<PreTokenizer> PreTokenizer::from_json(const json::Value& v, const Place& place) {
  return component_json::read_component<PreTokenizer>(v, place, "pretokenizers");
}

Status PreTokenizer::add_one(const std::string& type, const json::Value& v, const Place& place) {
  using component_json::bool_field;
  using component_json::string_field;
  Step s{Step::kByteLevel};
  if (type == "ByteLevel") {
    HS_TRY_ASSIGN(s.flag, bool_field(v, "add_prefix_space", true, place));
    HS_TRY_ASSIGN(s.use_regex, bool_field(v, "use_regex", true, place));
  } else if (type == "Split") {
    s.kind = Step::kSplit;
    HS_TRY_ASSIGN(s.pattern, component_json::read_pattern(v, place));
    HS_TRY_ASSIGN(s.behavior, read_behavior(v, place, Behavior::kIsolated));
    HS_TRY_ASSIGN(s.flag, bool_field(v, "invert", false, place));
  } else if (type == "Metaspace") {
    s.kind = Step::kMetaspace;
    HS_TRY_ASSIGN(s.replacement, string_field(v, "replacement", "\xE2\x96\x81", place));
    if (unicode::to_units(s.replacement).size() != 1)
      return make_error(place.at() + ".replacement: expected one character");
    HS_TRY_ASSIGN(s.split, bool_field(v, "split", true, place));
    const json::Value* scheme = v.find("prepend_scheme");
    if (scheme && !scheme->is_null()) {
      if (scheme->is_string() && scheme->string == "always") s.prepend = Step::kAlways;
      else if (scheme->is_string() && scheme->string == "first") s.prepend = Step::kFirst;
      else if (scheme->is_string() && scheme->string == "never") s.prepend = Step::kNever;
      else return make_error(place.at() + ".prepend_scheme: expected \"always\", \"first\" or \"never\"");
    } else {
      HS_TRY_ASSIGN(bool add_prefix, bool_field(v, "add_prefix_space", true, place));
      s.prepend = add_prefix ? Step::kAlways : Step::kNever;
    }
  } else if (type == "BertPreTokenizer") {
    s.kind = Step::kBert;
  } else if (type == "Whitespace") {
    s.kind = Step::kWhitespace;
  } else if (type == "WhitespaceSplit") {
    s.kind = Step::kWhitespaceSplit;
  } else if (type == "Digits") {
    s.kind = Step::kDigits;
    HS_TRY_ASSIGN(s.flag, bool_field(v, "individual_digits", false, place));
  } else if (type == "Punctuation") {
    s.kind = Step::kPunctuation;
    HS_TRY_ASSIGN(s.behavior, read_behavior(v, place, Behavior::kIsolated));
  } else {
    return component_json::unsupported_type(place, "pre_tokenizer", type, kSupported);
  }
  steps_.push_back(std::move(s));
  return {};
}

std::vector<Piece> PreTokenizer::apply(std::vector<Piece> pieces) const {
  for (const Step& s : steps_) {
    std::vector<Piece> next;
    next.reserve(pieces.size());
    for (Piece& p : pieces) {
      switch (s.kind) {
        case Step::kByteLevel: {
          if (s.flag && p.text.compare(0, 1, " ") != 0) p.text.insert(0, " ");
          if (!s.use_regex) {
            next.push_back(std::move(p));
            break;
          }
          size_t offset = 0;
          for (std::string_view w : pretokenize(p.text, s.spaces)) {
            next.push_back({std::string(w), p.at_start && offset == 0});
            offset += w.size();
          }
          break;
        }
        case Step::kSplit:
          cut(p, s.pattern.find_all(p.text), s.behavior, s.flag, next);
          break;
        case Step::kMetaspace: {
          std::string replaced;
          for (char c : p.text) {
            if (c == ' ') replaced += s.replacement;
            else replaced.push_back(c);
          }
          const bool prepend = s.prepend == Step::kAlways || (s.prepend == Step::kFirst && p.at_start);
          if (prepend && replaced.compare(0, s.replacement.size(), s.replacement) != 0)
            replaced.insert(0, s.replacement);
          Piece q{std::move(replaced), p.at_start};
          if (!s.split) {
            next.push_back(std::move(q));
            break;
          }
          cut(q, Regex::literal(s.replacement).find_all(q.text), Behavior::kMergedWithNext, false, next);
          break;
        }
        case Step::kBert: {
          std::vector<Piece> words;
          cut(p, char_ranges(p.text, unicode::is_white_space), Behavior::kRemoved, false, words);
          for (const Piece& w : words) cut(w, char_ranges(w.text, is_bert_punctuation), Behavior::kIsolated, false, next);
          break;
        }
        case Step::kWhitespace:
          cut(p, whitespace_word_regex().find_all(p.text), Behavior::kRemoved, true, next);
          break;
        case Step::kWhitespaceSplit:
          cut(p, char_ranges(p.text, unicode::is_white_space), Behavior::kRemoved, false, next);
          break;
        case Step::kDigits:
          cut(p, char_ranges(p.text, unicode::is_number), s.flag ? Behavior::kIsolated : Behavior::kContiguous, false,
              next);
          break;
        case Step::kPunctuation:
          cut(p, char_ranges(p.text, is_bert_punctuation), s.behavior, false, next);
          break;
      }
    }
    pieces.swap(next);
  }
  return pieces;
}

}  // namespace hs::tokenizer
