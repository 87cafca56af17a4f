// src/tokenizer/unicode_data_lookup.cpp — lookups over the generated Unicode
// data (unicode_data.cpp) and the normalization forms built on them: full
// decomposition, canonical ordering by combining class, canonical composition
// (UAX #15), Hangul syllables by arithmetic.
#include <algorithm>
#include <cstdint>

#include "tokenizer/unicode_data.hpp"
#include "tokenizer/utf8.hpp"

namespace hs::tokenizer::unicode {

namespace {

template <class Range>
const Range* find_range(const Range* begin, size_t count, uint32_t cp) {
  const Range* end = begin + count;
  const Range* it = std::lower_bound(begin, end, cp, [](const Range& r, uint32_t c) { return r.last < c; });
  return it != end && it->first <= cp ? it : nullptr;
}

const SequenceEntry* find_sequence(const SequenceEntry* table, size_t count, uint32_t cp) {
  const SequenceEntry* end = table + count;
  const SequenceEntry* it =
      std::lower_bound(table, end, cp, [](const SequenceEntry& e, uint32_t c) { return e.cp < c; });
  return it != end && it->cp == cp ? it : nullptr;
}

// Hangul syllable arithmetic (Unicode chapter 3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

void append_decomposition(uint32_t unit, bool compat, std::vector<uint32_t>& out) {
  if (unit >= kSBase && unit < kSBase + kSCount) {
    const uint32_t s = unit - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount) out.push_back(kTBase + s % kTCount);
    return;
  }
  const SequenceEntry* e = nullptr;
  const uint32_t* data = nullptr;
  if (compat) {
    e = find_sequence(kCompatibilityDecomposition, kCompatibilityDecompositionCount, unit);
    data = kCompatibilityDecompositionData;
  }
  if (!e) {
    e = find_sequence(kCanonicalDecomposition, kCanonicalDecompositionCount, unit);
    data = kCanonicalDecompositionData;
  }
  if (!e) {
    out.push_back(unit);
    return;
  }
  out.insert(out.end(), data + e->offset, data + e->offset + e->length);
}

// 0 when the pair has no primary composite.
uint32_t compose_pair(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const Composite* end = kComposites + kCompositeCount;
  const Composite* it = std::lower_bound(kComposites, end, Composite{a, b, 0}, [](const Composite& x, const Composite& y) {
    return x.first != y.first ? x.first < y.first : x.second < y.second;
  });
  return it != end && it->first == a && it->second == b ? it->composed : 0;
}

void canonical_order(std::vector<uint32_t>& units) {
  // Stable sort of each run of non-starters by combining class.
  for (size_t i = 0; i < units.size();) {
    if (combining_class(units[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < units.size() && combining_class(units[j]) != 0) ++j;
    std::stable_sort(units.begin() + i, units.begin() + j,
                     [](uint32_t x, uint32_t y) { return combining_class(x) < combining_class(y); });
    i = j;
  }
}

void canonical_compose(std::vector<uint32_t>& units) {
  if (units.empty()) return;
  std::vector<uint32_t> out;
  out.reserve(units.size());
  size_t starter = SIZE_MAX;  // index in out of the last starter
  int last_ccc = -1;          // ccc of the last unit appended after the starter
  for (uint32_t u : units) {
    const int ccc = combining_class(u);
    if (starter != SIZE_MAX && (last_ccc == -1 || (last_ccc != 0 && last_ccc < ccc))) {
      // Not blocked: no unit between, or every unit between has a lower class.
      if (uint32_t c = compose_pair(out[starter], u)) {
        out[starter] = c;
        continue;
      }
    }
    if (ccc == 0) {
      starter = out.size();
      last_ccc = -1;
    } else {
      last_ccc = ccc;
    }
    out.push_back(u);
  }
  units.swap(out);
}

}  // namespace

std::vector<uint32_t> to_units(std::string_view text) {
  std::vector<uint32_t> units;
  units.reserve(text.size());
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    uint32_t cp;
    size_t len = utf8::decode(s, text.size(), i, &cp);
    if (len == 0) {
      units.push_back(kInvalidByteBase + s[i]);
      i += 1;
    } else {
      units.push_back(cp);
      i += len;
    }
  }
  return units;
}

void append_unit(std::string& out, uint32_t unit) {
  if (unit >= kInvalidByteBase) {
    out.push_back(static_cast<char>(unit - kInvalidByteBase));
    return;
  }
  utf8::append(out, unit);
}

std::string from_units(const std::vector<uint32_t>& units) {
  std::string out;
  out.reserve(units.size());
  for (uint32_t u : units) append_unit(out, u);
  return out;
}

Category category(uint32_t unit) {
  const CategoryRange* r = find_range(kCategories, kCategoryCount, unit);
  return r ? r->category : Category::kCn;
}

namespace {
// General categories are declared grouped by major class (L*, M*, N*, P*).
bool category_between(uint32_t unit, Category first, Category last) {
  const Category c = category(unit);
  return c >= first && c <= last;
}
}  // namespace

bool is_letter(uint32_t unit) { return category_between(unit, Category::kLu, Category::kLo); }
bool is_number(uint32_t unit) { return category_between(unit, Category::kNd, Category::kNo); }
bool is_mark(uint32_t unit) { return category_between(unit, Category::kMn, Category::kMe); }
bool is_punctuation(uint32_t unit) { return category_between(unit, Category::kPc, Category::kPo); }
bool is_white_space(uint32_t unit) {
  return std::binary_search(kWhiteSpace, kWhiteSpace + kWhiteSpaceCount, unit);
}
bool is_alphabetic(uint32_t unit) { return find_range(kAlphabetic, kAlphabeticCount, unit) != nullptr; }
bool is_word(uint32_t unit) {
  if (unit == 0x200C || unit == 0x200D) return true;  // Join_Control
  const Category c = category(unit);
  return is_alphabetic(unit) || (c >= Category::kMn && c <= Category::kMe) || c == Category::kNd ||
         c == Category::kPc;
}
uint8_t combining_class(uint32_t unit) {
  const CombiningClassRange* r = find_range(kCombiningClasses, kCombiningClassCount, unit);
  return r ? r->ccc : 0;
}

void append_lowercase(uint32_t unit, std::vector<uint32_t>& out) {
  if (unit < 0x80) {
    out.push_back(unit >= 'A' && unit <= 'Z' ? unit + 32 : unit);
    return;
  }
  const SequenceEntry* e = find_sequence(kLowercase, kLowercaseCount, unit);
  if (!e) {
    out.push_back(unit);
    return;
  }
  out.insert(out.end(), kLowercaseData + e->offset, kLowercaseData + e->offset + e->length);
}

std::vector<uint32_t> normalize(const std::vector<uint32_t>& units, Form form) {
  const bool compat = form == Form::kNFKD || form == Form::kNFKC;
  std::vector<uint32_t> out;
  out.reserve(units.size());
  for (uint32_t u : units) append_decomposition(u, compat, out);
  canonical_order(out);
  if (form == Form::kNFC || form == Form::kNFKC) canonical_compose(out);
  return out;
}

}  // namespace hs::tokenizer::unicode
