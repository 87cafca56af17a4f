// src/train/data.hpp — the trainer's token streams: tokenizing train/valid
// text once (documents/paragraphs separated by <|endoftext|>), caching the ids
// as raw little-endian int32 files in the run folder, synthetic streams for
// development, and the facts of a tokenizer.json the trainer needs (vocab size,
// <|endoftext|> id), read by the tokenizer module.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace hs::train {

struct TokenizerFacts {
  int vocab_size = 0;   // max id + 1 over the vocab and added tokens
  int eot_id = -1;      // id of <|endoftext|>
};
Result<TokenizerFacts> read_tokenizer_facts(const std::string& tokenizer_json_path);

Result<std::vector<int32_t>> read_ids(const std::string& path);
Status write_ids(const std::string& path, const std::vector<int32_t>& ids);

// Split `text` into documents: on literal "<|endoftext|>" if present, else on
// blank lines (paragraphs). Empty pieces are dropped.
std::vector<std::string> split_documents(const std::string& text);

// Tokenize `text_path` with `tokenizer_json_path`: each document's ids followed
// by eot.
Result<std::vector<int32_t>> tokenize_file(const std::string& text_path, const std::string& tokenizer_json_path,
                                           int eot_id);

// A synthetic stream over `vocab` ids: a sparse random Markov chain with
// occasional repeats of earlier spans (so both bigram statistics and copying
// can be learned).
std::vector<int32_t> synthetic_stream(size_t n, int vocab, uint64_t seed);

}  // namespace hs::train
