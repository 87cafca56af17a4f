// libFuzzer harness: the input is vocab.json, a 0x00 byte, then merges.txt (no
// 0x00: everything is vocab.json and merges.txt is empty). A tokenizer that
// loads must round-trip: decode(encode(x)) == x for the input and a fixed text.
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "tokenizer/tokenizer.hpp"

using hs::tokenizer::Tokenizer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t sep = in.find('\0');
  std::string_view vocab = in.substr(0, sep);
  std::string_view merges = sep == std::string_view::npos ? std::string_view() : in.substr(sep + 1);
  auto t = Tokenizer::from_vocab_merges(vocab, merges);
  if (!t) { hs::fuzz::check_error(t.error()); return 0; }
  for (std::string_view x : {in, std::string_view("Hello world, it's 2024!\n\xff\xc3")}) {
    if (t->decode(t->encode(x)) != x) hs::fuzz::fail("decode(encode(x)) != x", std::string(x));
  }
  return 0;
}
