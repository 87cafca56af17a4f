// src/tokenizer/pretokenize.cpp — GPT-2's pre-tokenization regex, run by hand
// over UTF-8 code points, the code point classifier over the generated Unicode
// tables, and GPT-2's byte <-> unicode ("vocab form") mapping.
#include <algorithm>
#include <array>

#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_tables.hpp"
#include "tokenizer/utf8.hpp"

namespace hs::tokenizer {
namespace unicode {

CharClass classify(uint32_t cp) {
  const CodepointRange* begin = kRanges;
  const CodepointRange* end = kRanges + kRangeCount;
  // First range whose last >= cp.
  const CodepointRange* it =
      std::lower_bound(begin, end, cp, [](const CodepointRange& r, uint32_t c) { return r.last < c; });
  if (it != end && it->first <= cp) return it->cls;
  return kOther;
}

}  // namespace unicode

namespace {

using unicode::CharClass;

// Class of every code point below 256, precomputed (the common case).
struct Latin1Table {
  std::array<CharClass, 256> cls;
  Latin1Table() {
    for (uint32_t c = 0; c < 256; ++c) cls[c] = unicode::classify(c);
  }
};

const Latin1Table& latin1() {
  static const Latin1Table table;
  return table;
}

struct Char {
  CharClass cls;
  uint32_t len;  // bytes
};

// Decodes the character at text[i] (i < text.size()). Bytes that do not start a
// well-formed UTF-8 sequence are one "other" character each.
inline Char char_at(std::string_view text, size_t i, const Latin1Table& l1, SpaceRule spaces) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  if (s[i] < 0x80) return {l1.cls[s[i]], 1};
  uint32_t cp = 0;
  size_t len = utf8::decode(s, text.size(), i, &cp);
  if (len == 0) return {unicode::kOther, 1};
  if (spaces == SpaceRule::kWhiteSpace && (cp == 0x85 || cp == 0xFEFF))
    return {cp == 0x85 ? unicode::kSpace : unicode::kOther, static_cast<uint32_t>(len)};
  return {cp < 256 ? l1.cls[cp] : unicode::classify(cp), static_cast<uint32_t>(len)};
}

// Length in bytes of a contraction ('s 't 're 've 'm 'll 'd) at text[i] == '\'', or 0.
inline size_t contraction_at(std::string_view text, size_t i) {
  size_t rest = text.size() - i - 1;
  if (rest >= 1) {
    char c = text[i + 1];
    if (c == 's' || c == 't' || c == 'm' || c == 'd') return 2;
    if (rest >= 2) {
      char d = text[i + 2];
      if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l')) return 3;
    }
  }
  return 0;
}

// Byte -> code point of GPT-2's bytes_to_unicode().
struct ByteMap {
  std::array<uint32_t, 256> to_cp;
  std::array<int16_t, 324> to_byte;  // code point (< 324) -> byte, -1 if none
  ByteMap() {
    to_byte.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      to_cp[b] = printable ? b : next++;
      to_byte[to_cp[b]] = static_cast<int16_t>(b);
    }
  }
};

const ByteMap& byte_map() {
  static const ByteMap map;
  return map;
}

}  // namespace

std::vector<std::string_view> pretokenize(std::string_view text, SpaceRule spaces) {
  using unicode::kSpace;
  const Latin1Table& l1 = latin1();
  std::vector<std::string_view> out;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const size_t start = i;
    // 's|'t|'re|'ve|'m|'ll|'d
    if (text[i] == '\'') {
      if (size_t len = contraction_at(text, i)) {
        out.push_back(text.substr(start, len));
        i += len;
        continue;
      }
    }
    Char c = char_at(text, i, l1, spaces);
    // ' ?\p{L}+ | ?\p{N}+ | ?[^\s\p{L}\p{N}]+': an optional leading space joins
    // the run of one class that follows it.
    size_t run_start = i;
    CharClass run_cls = c.cls;
    if (text[i] == ' ' && i + 1 < n) {
      Char next = char_at(text, i + 1, l1, spaces);
      if (next.cls != kSpace) {
        run_start = i + 1;
        run_cls = next.cls;
        c = next;
      }
    }
    if (run_cls != kSpace) {
      size_t j = run_start + c.len;
      while (j < n) {
        Char d = char_at(text, j, l1, spaces);
        if (d.cls != run_cls) break;
        j += d.len;
      }
      out.push_back(text.substr(start, j - start));
      i = j;
      continue;
    }
    // '\s+(?!\S)|\s+': a whitespace run; when a non-space follows it, its last
    // character is left to be the optional space of the next token (or, if the
    // run is a single character, the run is taken whole by \s+).
    size_t j = i + c.len;
    size_t last_start = i;
    while (j < n) {
      Char d = char_at(text, j, l1, spaces);
      if (d.cls != kSpace) break;
      last_start = j;
      j += d.len;
    }
    size_t end = (j == n || last_start == i) ? j : last_start;
    out.push_back(text.substr(start, end - start));
    i = end;
  }
  return out;
}


std::string bytes_to_vocab_form(std::string_view bytes) {
  const ByteMap& map = byte_map();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8::append(out, map.to_cp[b]);
  return out;
}

std::optional<std::string> vocab_form_to_bytes(std::string_view vocab_form) {
  const ByteMap& map = byte_map();
  std::string out;
  out.reserve(vocab_form.size());
  const auto* s = reinterpret_cast<const unsigned char*>(vocab_form.data());
  size_t n = vocab_form.size();
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    if (s[i] < 0x80) {
      cp = s[i];
      i += 1;
    } else if (s[i] >= 0xC2 && s[i] <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
      cp = ((s[i] & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
      i += 2;
    } else {
      return std::nullopt;  // every byte character is below U+0800
    }
    if (cp >= map.to_byte.size() || map.to_byte[cp] < 0) return std::nullopt;
    out.push_back(static_cast<char>(map.to_byte[cp]));
  }
  return out;
}

}  // namespace hs::tokenizer
