// libFuzzer harness: the tokenizer.json pipeline components (normalizers,
// pre-tokenizers with the own regex, BPE byte_fallback/unk, WordPiece,
// post-processors, decoders). The input is a tokenizer.json: it must load or
// give a one-line error; a loaded tokenizer must give ids of its vocabulary
// with and without special tokens, show every token, and keep decode(encode(x))
// == x when it promises round trips. The input's first line is also compiled
// as a regex (matches must be ordered, in bounds, non-empty), and the four
// Unicode normalization forms must be idempotent on the input.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_data.hpp"

using hs::tokenizer::Regex;
using hs::tokenizer::Tokenizer;
namespace unicode = hs::tokenizer::unicode;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::string_view first_line = in.substr(0, std::min(in.find('\n'), std::min<size_t>(in.size(), 256)));
  auto re = Regex::compile(first_line, "regex");
  if (!re) {
    hs::fuzz::check_error(re.error());
  } else {
    size_t last = 0;
    // (the first 512 bytes: a pattern such as \s*x is quadratic in the text, and
    // every length is reached by the fuzzer's small inputs anyway)
    for (auto [b, e] : re->find_all(in.substr(0, 512)))
      if (b < last || e <= b || e > in.size()) hs::fuzz::fail("regex match out of order or bounds", std::string(in));
      else last = e;
  }

  const auto units = unicode::to_units(in.substr(0, 1024));
  for (auto form : {unicode::Form::kNFC, unicode::Form::kNFD, unicode::Form::kNFKC, unicode::Form::kNFKD}) {
    auto once = unicode::normalize(units, form);
    if (unicode::normalize(once, form) != once) hs::fuzz::fail("normalization is not idempotent", std::string(in));
  }

  auto t = Tokenizer::from_tokenizer_json(in);
  if (!t) {
    hs::fuzz::check_error(t.error());
    return 0;
  }
  for (std::string_view x : {in, std::string_view("Hello world <s> [CLS] it's \xe2\x82\xac\xff\xc3 \xe4\xb8\xad")}) {
    for (bool special : {true, false}) {
      std::vector<int32_t> ids = t->encode(x, special);
      for (int32_t id : ids) {
        if (id < 0 || static_cast<size_t>(id) >= t->vocab_size()) hs::fuzz::fail("id outside the vocab", std::string(x));
        (void)t->token_text(id);
      }
      if (!special && t->round_trips() && t->decode(ids) != x) hs::fuzz::fail("decode(encode(x)) != x", std::string(x));
    }
  }
  return 0;
}
