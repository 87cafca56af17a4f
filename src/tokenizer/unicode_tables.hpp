// src/tokenizer/unicode_tables.hpp — lookup of the code point classes GPT-2's
// pre-tokenizer regex uses (\p{L}, \p{N}, ECMAScript \s). The table itself is
// generated (unicode_tables.cpp, by gen_unicode_tables.py).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hs::tokenizer::unicode {

enum CharClass : uint8_t { kOther = 0, kLetter = 1, kNumber = 2, kSpace = 3 };

struct CodepointRange {
  uint32_t first;
  uint32_t last;  // inclusive
  CharClass cls;
};

extern const char kUnicodeVersion[];
extern const CodepointRange kRanges[];  // sorted, disjoint
extern const size_t kRangeCount;

// Class of one code point (kOther for unassigned, marks, symbols, punctuation...).
CharClass classify(uint32_t cp);

}  // namespace hs::tokenizer::unicode
