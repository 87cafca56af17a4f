// src/tokenizer/unicode_data.hpp — the Unicode properties the tokenizer.json
// components need (General_Category, White_Space, lowercase, NFD/NFKD/NFC/NFKC),
// over the generated tables in unicode_data.cpp (gen_unicode_tables.py), and the
// code point sequence they work on.
//
// Text is handled as a sequence of "units": a Unicode scalar value, or — for a
// byte that does not start well-formed UTF-8 — kInvalidByteBase + the byte, so
// any bytes survive a round trip and such bytes are never letters, spaces,
// marks or anything else (category Cn, combining class 0, no mappings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hs::tokenizer::unicode {

enum class Category : uint8_t {
  kCn, kLu, kLl, kLt, kLm, kLo, kMn, kMc, kMe, kNd, kNl, kNo, kPc, kPd, kPs,
  kPe, kPi, kPf, kPo, kSm, kSc, kSk, kSo, kZs, kZl, kZp, kCc, kCf, kCs, kCo,
};

struct CategoryRange {
  uint32_t first, last;
  Category category;
};
struct CodepointSpan {
  uint32_t first, last;
};
struct CombiningClassRange {
  uint32_t first, last;
  uint8_t ccc;
};
struct Composite {
  uint32_t first, second, composed;
};
struct SequenceEntry {  // code point -> kXData[offset, offset + length)
  uint32_t cp;
  uint32_t offset;
  uint32_t length;
};

extern const CategoryRange kCategories[];
extern const size_t kCategoryCount;
extern const uint32_t kWhiteSpace[];
extern const size_t kWhiteSpaceCount;
extern const CodepointSpan kAlphabetic[];  // sorted, disjoint
extern const size_t kAlphabeticCount;
extern const CombiningClassRange kCombiningClasses[];
extern const size_t kCombiningClassCount;
extern const Composite kComposites[];  // sorted by (first, second)
extern const size_t kCompositeCount;
extern const SequenceEntry kLowercase[];
extern const size_t kLowercaseCount;
extern const uint32_t kLowercaseData[];
extern const SequenceEntry kCanonicalDecomposition[];
extern const size_t kCanonicalDecompositionCount;
extern const uint32_t kCanonicalDecompositionData[];
extern const SequenceEntry kCompatibilityDecomposition[];  // only where it differs from canonical
extern const size_t kCompatibilityDecompositionCount;
extern const uint32_t kCompatibilityDecompositionData[];

constexpr uint32_t kInvalidByteBase = 0x110000;

// UTF-8 bytes <-> units (see above).
std::vector<uint32_t> to_units(std::string_view text);
void append_unit(std::string& out, uint32_t unit);
std::string from_units(const std::vector<uint32_t>& units);

Category category(uint32_t unit);
bool is_letter(uint32_t unit);       // L*
bool is_number(uint32_t unit);       // N* (Rust's char::is_numeric)
bool is_mark(uint32_t unit);         // M*
bool is_punctuation(uint32_t unit);  // P*
bool is_white_space(uint32_t unit);  // White_Space
bool is_alphabetic(uint32_t unit);   // Alphabetic
// Oniguruma's (and Unicode TR18's) \w: Alphabetic, M*, Nd, Pc, Join_Control.
bool is_word(uint32_t unit);
uint8_t combining_class(uint32_t unit);

// Rust's char::to_lowercase: appends one or more units.
void append_lowercase(uint32_t unit, std::vector<uint32_t>& out);

enum class Form { kNFD, kNFKD, kNFC, kNFKC };
std::vector<uint32_t> normalize(const std::vector<uint32_t>& units, Form form);

}  // namespace hs::tokenizer::unicode
