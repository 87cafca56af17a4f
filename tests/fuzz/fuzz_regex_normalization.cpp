// libFuzzer harness: the tokenizer's own regex matcher and the four Unicode
// normalization forms (split from tokenizer_pipeline, which fuzzes the
// tokenizer.json components that use them). The input's first line (at most 256
// bytes) is compiled as a regex: it must compile or give a one-line error, and
// its matches in the input's first 1 KB must be ordered, in bounds and
// non-empty. NFC, NFD, NFKC and NFKD must be idempotent on the input's first
// 1 KB. scripts/fuzz.sh runs it with -max_len=1024, since nothing past 1 KB is read.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/unicode_data.hpp"

using hs::tokenizer::Regex;
namespace unicode = hs::tokenizer::unicode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::string_view first_line = in.substr(0, std::min(in.find('\n'), std::min<size_t>(in.size(), 256)));
  auto re = Regex::compile(first_line, "regex");
  if (!re) {
    hs::fuzz::check_error(re.error());
  } else {
    size_t last = 0;
    for (auto [b, e] : re->find_all(in.substr(0, 1024)))
      if (b < last || e <= b || e > in.size()) hs::fuzz::fail("regex match out of order or bounds", std::string(in));
      else last = e;
  }

  const auto units = unicode::to_units(in.substr(0, 1024));
  for (auto form : {unicode::Form::kNFC, unicode::Form::kNFD, unicode::Form::kNFKC, unicode::Form::kNFKD}) {
    auto once = unicode::normalize(units, form);
    if (unicode::normalize(once, form) != once) hs::fuzz::fail("normalization is not idempotent", std::string(in));
  }
  return 0;
}
