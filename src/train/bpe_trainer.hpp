// src/train/bpe_trainer.hpp — trains a byte-level BPE tokenizer like GPT-2's
// (same pre-tokenization regex and byte <-> unicode mapping as src/tokenizer)
// and writes it as a HuggingFace tokenizer.json that
// hs::tokenizer::Tokenizer::from_tokenizer_json loads.
//
// Ids: 0..255 are the byte tokens in GPT-2's order (the order of
// bytes_to_unicode(), so they coincide with GPT-2's first 256 ids), then one
// token per merge in merge order, then <|endoftext|> as the last id.
// Algorithm: count pre-tokenized words once, then repeatedly merge the most
// frequent adjacent pair, updating pair counts incrementally for only the words
// that contain it. Ties go to the pair with the smaller (left id, right id),
// and words are processed in sorted order, so the result is deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/tokenizer.hpp"

namespace hs::train {

struct BpeTrainOptions {
  // 4096 by default: Brown's training split has ~1M words and ~50k distinct
  // word forms; 4096 tokens make the common words single tokens (~1.3 tokens
  // per word) while the embedding/unembedding (4096 x d_model, ~1M parameters
  // at d_model 256) stays a small share of a small model, and every token still
  // gets hundreds of training occurrences. Larger vocabularies would spend
  // parameters on rare tokens the corpus cannot teach.
  size_t vocab_size = 4096;  // 256 bytes + merges + <|endoftext|>
  int64_t min_pair_count = 2;  // stop merging below this frequency
  std::string end_of_text = "<|endoftext|>";
};

struct TrainedBpe {
  std::vector<std::string> vocab;  // id -> token in vocab form ("Ġthe")
  std::vector<std::pair<std::string, std::string>> merges;  // in rank order, vocab form
  int32_t end_of_text_id = -1;
  std::string end_of_text;
  // Statistics.
  size_t distinct_words = 0;
  int64_t total_words = 0;  // pre-tokenized pieces
  bool stopped_early = false;  // ran out of pairs with min_pair_count
};

// How a word-frequency list (add_word_list) weighs in beside the training text:
// a listed word with count c is added as c * scale occurrences of " word"
// (rounded, and at least min_weight; a word whose weight is 0 is skipped), and a
// word listed in lower case also as " Word" with capitalised x that weight.
struct WordListWeights {
  double scale = 1.0;
  int64_t min_weight = 1;
  double capitalised = 0.0;
};

// Accumulates pre-tokenized word counts; occurrences of `end_of_text` in the
// text are document separators and are not counted.
class BpeWordCounter {
 public:
  explicit BpeWordCounter(std::string end_of_text = "<|endoftext|>") : eot_(std::move(end_of_text)) {}
  void add_text(std::string_view text);
  // A word-frequency list: one "WORD COUNT" per line (separated by spaces or a
  // tab; COUNT a positive integer; blank lines and lines starting with '#' are
  // skipped). Each WORD gets its leading space, the form GPT-2's pre-tokenizer
  // gives a word inside text, so merges that build general-English words win
  // without any of them being in the training text. `source` names the list in
  // errors ("words.txt:12: ..."); on an error nothing of the list is added.
  hs::Status add_word_list(std::string_view list, const std::string& source, const WordListWeights& weights);
  const std::unordered_map<std::string, int64_t>& counts() const { return counts_; }

 private:
  void add_plain(std::string_view text);
  std::string eot_;
  std::unordered_map<std::string, int64_t> counts_;
};

hs::Result<TrainedBpe> train_bpe(const std::unordered_map<std::string, int64_t>& word_counts,
                                 const BpeTrainOptions& options);
hs::Result<TrainedBpe> train_bpe(std::string_view text, const BpeTrainOptions& options);

// How well a tokenizer keeps words whole on some text: its words are the
// pre-tokenized pieces that are a space followed by letters only (" the",
// " garden": GPT-2's regex gives every word after a space that form); the
// `top_n` most frequent of them (ties: the smaller string) are "covered" when
// `encode` gives them one token. Measured on validation text, this says whether
// the common words a reader types show as one cell each.
struct WordCoverage {
  size_t words_considered = 0;   // min(top_n, distinct spaced words)
  size_t single_token = 0;       // of those, words that are one token
  double occurrence_share = 0;   // the same, weighted by the words' counts
  int64_t spaced_word_occurrences = 0;  // all spaced words in the text
  int64_t spaced_word_tokens = 0;       // their tokens (tokens per spaced word = ratio)
  std::vector<std::string> split_examples;  // the most frequent words that are not one token (up to 10)
};
WordCoverage word_coverage(const hs::tokenizer::Tokenizer& tokenizer, std::string_view text, size_t top_n = 2000);

// HuggingFace tokenizer.json: model BPE (vocab, merges as "a b"), ByteLevel
// pre-tokenizer (add_prefix_space false), ByteLevel decoder, <|endoftext|> as a
// special added token.
std::string to_tokenizer_json(const TrainedBpe& bpe);

}  // namespace hs::train
