// src/train/train_bpe_main.cpp — headscope-train-bpe: trains the byte-level BPE
// tokenizer (bpe_trainer.hpp) on a text file and writes tokenizer.json, then
// reloads it with src/tokenizer to check it and report tokens per word; with
// --eval, also on that text and how many of its 2,000 most frequent words (with
// their leading space) are one token (word_coverage in bpe_trainer.hpp).
//
//   headscope-train-bpe --input data/brown/train.txt [--vocab-size 4096]
//                       --out DIR/tokenizer.json [--eval data/brown/valid.txt]
//                       [--min-count 2]
//                       [--word-counts FILE [--word-scale 1] [--word-min 1] [--word-capitalised 0]]
// --word-counts adds a word-frequency list ("WORD COUNT" lines, e.g. from
// scripts/prepare-word-counts.mjs) to the training counts: each WORD as " WORD"
// with weight max(word-min, round(COUNT x word-scale)), and lower-case words
// also as " Word" with word-capitalised x that weight (WordListWeights in
// bpe_trainer.hpp).
// Errors print one line and exit 2.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tokenizer/tokenizer.hpp"
#include "train/bpe_trainer.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return static_cast<bool>(f) || f.eof();
}

int fail(const std::string& message) {
  std::fprintf(stderr, "headscope-train-bpe: %s\n", message.c_str());
  return 2;
}

int usage() {
  std::fprintf(stderr,
               "usage: headscope-train-bpe --input FILE [--vocab-size N] --out FILE [--eval FILE] "
               "[--min-count N] [--word-counts FILE [--word-scale X] [--word-min N] [--word-capitalised X]]\n");
  return 2;
}

// Whitespace-separated words of `text`, not counting <|endoftext|> lines.
size_t count_words(const std::string& text, const std::string& eot) {
  size_t words = 0;
  std::istringstream ss(text);
  std::string w;
  while (ss >> w) {
    if (w != eot) ++words;
  }
  return words;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, out_path, eval_path, word_counts_path;
  hs::train::BpeTrainOptions options;
  hs::train::WordListWeights word_weights;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    std::string v = argv[++i];
    if (a == "--input") input = v;
    else if (a == "--out") out_path = v;
    else if (a == "--eval") eval_path = v;
    else if (a == "--word-counts") word_counts_path = v;
    else if (a == "--word-scale" || a == "--word-capitalised") {
      char* end = nullptr;
      const double x = std::strtod(v.c_str(), &end);
      if (!end || *end || v.empty() || !(x >= 0) || !std::isfinite(x))
        return fail(a + ": expected a number >= 0, got \"" + v + "\"");
      (a == "--word-scale" ? word_weights.scale : word_weights.capitalised) = x;
    } else if (a == "--word-min") {
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (!end || *end || v.empty() || n < 0) return fail(a + ": expected an integer >= 0, got \"" + v + "\"");
      word_weights.min_weight = n;
    } else if (a == "--vocab-size" || a == "--min-count") {
      char* end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (!end || *end || n <= 0) return fail(a + ": expected a positive integer, got \"" + v + "\"");
      if (a == "--vocab-size") options.vocab_size = static_cast<size_t>(n);
      else options.min_pair_count = n;
    } else {
      return usage();
    }
  }
  if (input.empty() || out_path.empty()) return usage();

  auto t0 = Clock::now();
  std::string text;
  if (!read_file(input, &text)) return fail("cannot read " + input);
  hs::train::BpeWordCounter counter(options.end_of_text);
  counter.add_text(text);
  const size_t text_distinct = counter.counts().size();
  int64_t text_words = 0;
  for (const auto& kv : counter.counts()) text_words += kv.second;
  if (!word_counts_path.empty()) {
    std::string list;
    if (!read_file(word_counts_path, &list)) return fail("cannot read " + word_counts_path);
    const size_t before = counter.counts().size();
    hs::Status added = counter.add_word_list(list, word_counts_path, word_weights);
    if (!added.ok()) return fail(added.error().message);
    std::printf("added %s (scale %g, min %lld, capitalised %g): %zu word forms not in %s\n",
                word_counts_path.c_str(), word_weights.scale, static_cast<long long>(word_weights.min_weight),
                word_weights.capitalised, counter.counts().size() - before, input.c_str());
  }
  double t_count = seconds_since(t0);

  auto t1 = Clock::now();
  auto trained = hs::train::train_bpe(counter.counts(), options);
  if (!trained.ok()) return fail(trained.error().message);
  double t_train = seconds_since(t1);
  const hs::train::TrainedBpe& bpe = trained.value();

  std::string json = hs::train::to_tokenizer_json(bpe);
  std::filesystem::path out(out_path);
  std::error_code ec;
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path(), ec);
  {
    std::ofstream f(out_path, std::ios::binary | std::ios::trunc);
    if (!f) return fail("cannot write " + out_path);
    f << json;
    if (!f) return fail("error writing " + out_path);
  }
  std::printf("read %s: %zu bytes, %lld pre-tokenized words, %zu distinct (%.2f s)\n", input.c_str(),
              text.size(), static_cast<long long>(text_words), text_distinct, t_count);
  if (!word_counts_path.empty())
    std::printf("with %s: %lld pre-tokenized words, %zu distinct\n", word_counts_path.c_str(),
                static_cast<long long>(bpe.total_words), bpe.distinct_words);
  std::printf("trained %zu merges -> vocab %zu (<|endoftext|> = %d) in %.2f s%s\n", bpe.merges.size(),
              bpe.vocab.size(), bpe.end_of_text_id, t_train,
              bpe.stopped_early ? " (stopped early: no pair left with --min-count occurrences)" : "");
  std::printf("wrote %s\n", out_path.c_str());

  // Reload with the real tokenizer: it must load, and round-trip the input.
  auto tok = hs::tokenizer::Tokenizer::from_tokenizer_json(json, out_path);
  if (!tok.ok()) return fail("the written tokenizer does not load: " + tok.error().message);
  auto t2 = Clock::now();
  std::vector<int32_t> ids = tok->encode(text);
  double t_enc = seconds_since(t2);
  if (tok->decode(ids) != text) return fail("the trained tokenizer does not round-trip " + input);
  size_t words = count_words(text, options.end_of_text);
  std::printf("%s: %zu tokens for %zu words = %.3f tokens/word, %.2f bytes/token (encoded in %.2f s)\n",
              input.c_str(), ids.size(), words, double(ids.size()) / double(words ? words : 1),
              double(text.size()) / double(ids.empty() ? 1 : ids.size()), t_enc);
  if (!eval_path.empty()) {
    std::string eval;
    if (!read_file(eval_path, &eval)) return fail("cannot read " + eval_path);
    std::vector<int32_t> e = tok->encode(eval);
    if (tok->decode(e) != eval) return fail("the trained tokenizer does not round-trip " + eval_path);
    size_t ew = count_words(eval, options.end_of_text);
    std::printf("%s: %zu tokens for %zu words = %.3f tokens/word, %.2f bytes/token\n", eval_path.c_str(),
                e.size(), ew, double(e.size()) / double(ew ? ew : 1),
                double(eval.size()) / double(e.empty() ? 1 : e.size()));
    const hs::train::WordCoverage cov = hs::train::word_coverage(tok.value(), eval, 2000);
    std::printf("%s: %zu of the %zu most frequent spaced words are one token (%.1f%%; %.1f%% of their "
                "occurrences); %.3f tokens per spaced word over all %lld\n",
                eval_path.c_str(), cov.single_token, cov.words_considered,
                100.0 * double(cov.single_token) / double(cov.words_considered ? cov.words_considered : 1),
                100.0 * cov.occurrence_share,
                double(cov.spaced_word_tokens) / double(cov.spaced_word_occurrences ? cov.spaced_word_occurrences : 1),
                static_cast<long long>(cov.spaced_word_occurrences));
    if (!cov.split_examples.empty()) {
      std::printf("  most frequent of them split:");
      for (const std::string& w : cov.split_examples) std::printf(" \"%s\"", w.c_str());
      std::printf("\n");
    }
  }
  return 0;
}
