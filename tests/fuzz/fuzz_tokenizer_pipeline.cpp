// libFuzzer harness: the tokenizer.json pipeline components (normalizers,
// pre-tokenizers with the own regex, BPE byte_fallback/unk, WordPiece,
// post-processors, decoders). The input is a tokenizer.json: it must load or
// give a one-line error; a loaded tokenizer must give ids of its vocabulary
// with and without special tokens, show every token, and keep decode(encode(x))
// == x when it promises round trips. The regex matcher and the normalization
// forms on their own have the regex_normalization harness.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tokenizer/tokenizer.hpp"

using hs::tokenizer::Tokenizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

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
