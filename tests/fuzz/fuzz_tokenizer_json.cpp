// libFuzzer harness: the input is tokenizer.json. A tokenizer that loads and
// promises round trips (Tokenizer::round_trips) must keep it: decode(encode(x))
// == x for the input itself and a fixed text; any other must give ids of its
// vocabulary.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tokenizer/tokenizer.hpp"

using hs::tokenizer::Tokenizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto t = Tokenizer::from_tokenizer_json(in);
  if (!t) { hs::fuzz::check_error(t.error()); return 0; }
  for (std::string_view x : {in, std::string_view("Hello world<|endoftext|> it's\xff\xc3 \xc4\xa0")}) {
    if (t->round_trips()) {
      if (t->decode(t->encode(x)) != x) hs::fuzz::fail("decode(encode(x)) != x", std::string(x));
      continue;
    }
    for (int32_t id : t->encode(x))
      if (id < 0 || static_cast<size_t>(id) >= t->vocab_size()) hs::fuzz::fail("id outside the vocab", std::string(x));
  }
  return 0;
}
