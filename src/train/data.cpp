// src/train/data.cpp — token streams for the trainer (see header).
#include "train/data.hpp"

#include <cstring>
#include <fstream>

#include "formats/files.hpp"
#include "tokenizer/tokenizer.hpp"
#include "train/rng.hpp"

namespace hs::train {

using formats::read_text_file;

Result<TokenizerFacts> read_tokenizer_facts(const std::string& path) {
  HS_TRY_ASSIGN(std::string text, read_text_file(path));
  HS_TRY_ASSIGN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::from_tokenizer_json(text, path));
  TokenizerFacts f;
  if (tok.vocab_size() == 0) return make_error(path + ": no vocabulary found");
  const std::optional<int32_t> eot = tok.token_to_id("<|endoftext|>");
  if (!eot) return make_error(path + ": no <|endoftext|> token");
  f.vocab_size = int(tok.vocab_size());
  f.eot_id = *eot;
  return f;
}

Result<std::vector<int32_t>> read_ids(const std::string& path) {
  HS_TRY_ASSIGN(std::string bytes, read_text_file(path));
  if (bytes.size() % 4) return make_error(path + ": size is not a multiple of 4");
  std::vector<int32_t> ids(bytes.size() / 4);
  std::memcpy(ids.data(), bytes.data(), bytes.size());
  return ids;
}

Status write_ids(const std::string& path, const std::vector<int32_t>& ids) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(ids.data()), std::streamsize(ids.size() * 4));
    if (!f) return make_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return make_error(path + ": rename failed");
  return {};
}

std::vector<std::string> split_documents(const std::string& text) {
  std::vector<std::string> docs;
  auto push = [&](size_t b, size_t e) {
    while (b < e && (text[b] == '\n' || text[b] == '\r' || text[b] == ' ')) ++b;
    while (e > b && (text[e - 1] == '\n' || text[e - 1] == '\r' || text[e - 1] == ' ')) --e;
    if (e > b) docs.push_back(text.substr(b, e - b));
  };
  const std::string eot = "<|endoftext|>";
  const bool by_eot = text.find(eot) != std::string::npos;
  const std::string sep = by_eot ? eot : std::string("\n\n");
  size_t b = 0;
  while (true) {
    size_t e = text.find(sep, b);
    if (e == std::string::npos) {
      push(b, text.size());
      break;
    }
    push(b, e);
    b = e + sep.size();
  }
  return docs;
}

Result<std::vector<int32_t>> tokenize_file(const std::string& text_path, const std::string& tokenizer_json_path,
                                           int eot_id) {
  HS_TRY_ASSIGN(std::string tj, read_text_file(tokenizer_json_path));
  HS_TRY_ASSIGN(auto tok, tokenizer::Tokenizer::from_tokenizer_json(tj, tokenizer_json_path));
  HS_TRY_ASSIGN(std::string text, read_text_file(text_path));
  std::vector<int32_t> ids;
  for (const auto& doc : split_documents(text)) {
    auto d = tok.encode(doc);
    ids.insert(ids.end(), d.begin(), d.end());
    ids.push_back(eot_id);
  }
  return ids;
}

std::vector<int32_t> synthetic_stream(size_t n, int vocab, uint64_t seed) {
  Rng rng(seed);
  // each token has 3 likely successors
  std::vector<int32_t> succ(size_t(vocab) * 3);
  for (auto& s : succ) s = int32_t(rng.below(uint64_t(vocab)));
  std::vector<int32_t> ids;
  ids.reserve(n);
  int32_t cur = 0;
  while (ids.size() < n) {
    if (ids.size() > 64 && rng.uniform() < 0.02) {  // copy an earlier span of 8..24 tokens
      const size_t len = 8 + rng.below(17);
      const size_t from = ids.size() - 64 + rng.below(64 - len);
      for (size_t i = 0; i < len && ids.size() < n; ++i) ids.push_back(ids[from + i]);
      cur = ids.back();
      continue;
    }
    cur = rng.uniform() < 0.9 ? succ[size_t(cur) * 3 + rng.below(3)] : int32_t(rng.below(uint64_t(vocab)));
    ids.push_back(cur);
  }
  return ids;
}

}  // namespace hs::train
