// tests/tokenizer/tok_ids.cpp — driver for the reference comparisons
// (compare_gpt2.mjs, compare_hf.mjs): loads a tokenizer, reads one JSON string
// per stdin line, prints the ids of each as a JSON array per stdout line
// (special tokens of the post-processor included unless --no-special). With --dump-classes
// it instead prints the generated Unicode class table as JSON lines
// [first, last, class] (class 1 letter, 2 number, 3 space).
//
//   tok_ids --vocab vocab.json --merges merges.txt < sentences.jsonl
//   tok_ids --tokenizer-json tokenizer.json [--no-special] < sentences.jsonl
//   tok_ids --vocab-txt vocab.txt [--cased] [--no-special] < sentences.jsonl
//   tok_ids --dump-classes
//   tok_ids --normalizer '{"type":"NFKC"}' < strings.jsonl   (prints normalized JSON strings)
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "json/json.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_tables.hpp"

namespace {

bool read_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: tok_ids (--vocab FILE --merges FILE | --tokenizer-json FILE | --vocab-txt FILE [--cased])\n"
               "               [--no-special] < jsonl\n"
               "       tok_ids --dump-classes\n");
  return 2;
}

// --normalizer: one normalized JSON string per input line.
int print_normalized(const std::string& normalizer_json) {
  auto v = hs::json::parse(normalizer_json, "--normalizer");
  if (!v.ok()) { std::fprintf(stderr, "%s\n", v.error().message.c_str()); return 2; }
  auto n = hs::tokenizer::Normalizer::from_json(*v, {"--normalizer", "normalizer"});
  if (!n.ok()) { std::fprintf(stderr, "%s\n", n.error().message.c_str()); return 2; }
  std::string line, out;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    auto s = hs::json::parse(line, "stdin line " + std::to_string(line_no));
    if (!s.ok() || !s->is_string()) { std::fprintf(stderr, "stdin line %zu: expected a JSON string\n", line_no); return 2; }
    out.clear();
    hs::json::write_string(out, n->apply(s->string));
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string vocab_path, merges_path, tj_path, vocab_txt_path;
  bool add_special = true;
  bool lowercase = true;
  std::string normalizer_json;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dump-classes") {
      using namespace hs::tokenizer::unicode;
      for (size_t k = 0; k < kRangeCount; ++k)
        std::printf("[%u,%u,%d]\n", kRanges[k].first, kRanges[k].last, static_cast<int>(kRanges[k].cls));
      return 0;
    }
    if (a == "--no-special") {
      add_special = false;
      continue;
    }
    if (a == "--cased") {
      lowercase = false;
      continue;
    }
    if (i + 1 >= argc) return usage();
    if (a == "--vocab") vocab_path = argv[++i];
    else if (a == "--merges") merges_path = argv[++i];
    else if (a == "--tokenizer-json") tj_path = argv[++i];
    else if (a == "--vocab-txt") vocab_txt_path = argv[++i];
    else if (a == "--normalizer") normalizer_json = argv[++i];
    else return usage();
  }
  if (!normalizer_json.empty()) return print_normalized(normalizer_json);
  hs::Result<hs::tokenizer::Tokenizer> tok = hs::make_error("no tokenizer given");
  if (!tj_path.empty()) {
    std::string text;
    if (!read_file(tj_path, &text)) { std::fprintf(stderr, "cannot read %s\n", tj_path.c_str()); return 2; }
    tok = hs::tokenizer::Tokenizer::from_tokenizer_json(text, tj_path);
  } else if (!vocab_txt_path.empty()) {
    std::string text;
    if (!read_file(vocab_txt_path, &text)) { std::fprintf(stderr, "cannot read %s\n", vocab_txt_path.c_str()); return 2; }
    tok = hs::tokenizer::Tokenizer::from_vocab_txt(text, lowercase);
  } else if (!vocab_path.empty() && !merges_path.empty()) {
    std::string v, m;
    if (!read_file(vocab_path, &v) || !read_file(merges_path, &m)) {
      std::fprintf(stderr, "cannot read %s or %s\n", vocab_path.c_str(), merges_path.c_str());
      return 2;
    }
    tok = hs::tokenizer::Tokenizer::from_vocab_merges(v, m);
  } else {
    return usage();
  }
  if (!tok.ok()) {
    std::fprintf(stderr, "%s\n", tok.error().message.c_str());
    return 2;
  }
  std::string line, out;
  size_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    auto v = hs::json::parse(line, "stdin line " + std::to_string(line_no));
    if (!v.ok() || !v->is_string()) {
      std::fprintf(stderr, "stdin line %zu: expected a JSON string\n", line_no);
      return 2;
    }
    out.clear();
    out.push_back('[');
    bool first = true;
    for (int32_t id : tok->encode(v->string, add_special)) {
      if (!first) out.push_back(',');
      first = false;
      out += std::to_string(id);
    }
    out += "]\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
  }
  return 0;
}
