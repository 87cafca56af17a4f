// libFuzzer harness: the input is model.safetensors of a tiny GPT-2 (1 layer,
// 2 heads, n_embd 4, 8 positions, 256 byte tokens) given with a valid
// config.json and tokenizer.json; load_model_weights (load_model after its
// config and tokenizer steps, which have their own harnesses and are done once
// here) reads it through a bounds-checked ByteReader over the input. A model
// that loads is run on a short text.
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_common.hpp"
#include "model/loader.hpp"
#include "tiny_model.hpp"

using namespace hs::model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ModelSpec parsed_config = parse_model_spec(hs::fuzz::kTinyConfigJson, "config.json").value();
  static const hs::tokenizer::Tokenizer tokenizer =
      hs::tokenizer::Tokenizer::from_tokenizer_json(hs::fuzz::byte_tokenizer_json(), "tokenizer.json").value();
  ModelFiles files;
  files.safetensors_size = size;
  files.safetensors_read = [data, size](uint64_t offset, uint64_t n, unsigned char* dst) -> hs::Status {
    if (offset > size || n > size - offset) hs::fuzz::fail("read past the end of the file", std::to_string(offset) + "+" + std::to_string(n));
    if (n) std::memcpy(dst, data + offset, n);
    return {};
  };
  auto m = load_model_weights(parsed_config, tokenizer, files);
  if (!m) { hs::fuzz::check_error(m.error()); return 0; }
  auto r = m.value()->run("Hi there");
  if (!r) hs::fuzz::check_error(r.error());
  return 0;
}
