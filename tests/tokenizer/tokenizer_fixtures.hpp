// tests/tokenizer/tokenizer_fixtures.hpp — small hand-made vocabularies shared
// by the tokenizer tests: GPT-2's 256 byte tokens (ids 0..255 in byte order)
// plus extra tokens, written as a vocab JSON object.
#pragma once

#include <string>
#include <vector>

#include "json/json.hpp"
#include "tokenizer/tokenizer.hpp"

namespace hs_test {

// The 256 byte tokens (ids 0..255, in byte order here) plus `extra` tokens.
inline std::vector<std::string> small_vocab_tokens(const std::vector<std::string>& extra) {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b)
    tokens.push_back(hs::tokenizer::bytes_to_vocab_form(std::string(1, static_cast<char>(b))));
  tokens.insert(tokens.end(), extra.begin(), extra.end());
  return tokens;
}

// {"token": id, ...} with id = position in `tokens`.
inline std::string vocab_json(const std::vector<std::string>& tokens) {
  std::string j = "{";
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) j += ",";
    hs::json::write_string(j, tokens[i]);
    j += ":" + std::to_string(i);
  }
  return j + "}";
}

inline const char* const kG = "\xc4\xa0";  // "Ġ", the vocab form of a space

}  // namespace hs_test
