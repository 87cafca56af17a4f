// tests/fuzz — the tiny GPT-2 whose model.safetensors the safetensors_load
// harness fuzzes (1 layer, 2 heads, n_embd 4, 8 positions, a tokenizer of the
// 256 byte tokens and no merges); tests/hostile/replay.cpp replays that corpus
// with the same config.json and tokenizer.json.
#pragma once

#include <string>

#include "json/json.hpp"
#include "tokenizer/tokenizer.hpp"

namespace hs::fuzz {

inline const char* const kTinyConfigJson =
    "{\"model_type\":\"gpt2\",\"n_layer\":1,\"n_head\":2,\"n_embd\":4,\"n_positions\":8,\"vocab_size\":256}";

// tokenizer.json with one token per byte (ids 0..255) and no merges.
inline std::string byte_tokenizer_json() {
  std::string vocab = "{";
  for (int b = 0; b < 256; ++b) {
    if (b) vocab += ",";
    json::write_string(vocab, tokenizer::bytes_to_vocab_form(std::string(1, char(b))));
    vocab += ":" + std::to_string(b);
  }
  vocab += "}";
  return "{\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false},"
         "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"vocab\":" + vocab + ",\"merges\":[]}}";
}

}  // namespace hs::fuzz
