// src/train/bpe_trainer.cpp — byte-level BPE training (word counting, merge
// loop with incremental pair counts and a lazy max-heap) and the tokenizer.json
// writer. See bpe_trainer.hpp.
#include "train/bpe_trainer.hpp"

#include <algorithm>
#include <cmath>
#include <queue>

#include "json/json.hpp"
#include "tokenizer/tokenizer.hpp"

namespace hs::train {

namespace {

inline uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}
inline int32_t key_left(uint64_t k) { return static_cast<int32_t>(k >> 32); }
inline int32_t key_right(uint64_t k) { return static_cast<int32_t>(k & 0xFFFFFFFFu); }

struct Word {
  std::vector<int32_t> symbols;
  int64_t count;
};

// Max-heap entry: higher count first, then the smaller pair key.
struct HeapEntry {
  int64_t count;
  uint64_t key;
  bool operator<(const HeapEntry& o) const { return count != o.count ? count < o.count : key > o.key; }
};

}  // namespace

void BpeWordCounter::add_plain(std::string_view text) {
  for (std::string_view w : hs::tokenizer::pretokenize(text)) {
    auto it = counts_.find(std::string(w));
    if (it == counts_.end()) counts_.emplace(std::string(w), 1);
    else ++it->second;
  }
}

void BpeWordCounter::add_text(std::string_view text) {
  if (eot_.empty()) {
    add_plain(text);
    return;
  }
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(eot_, pos);
    if (hit == std::string_view::npos) {
      add_plain(text.substr(pos));
      return;
    }
    add_plain(text.substr(pos, hit - pos));
    pos = hit + eot_.size();
  }
}

namespace {

// The fields of one word-list line, or an error naming the line.
struct WordListLine {
  std::string_view word;
  int64_t count = 0;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

hs::Result<WordListLine> parse_word_list_line(std::string_view line, const std::string& where) {
  size_t i = 0;
  while (i < line.size() && is_blank(line[i])) ++i;
  const size_t word_begin = i;
  while (i < line.size() && !is_blank(line[i])) ++i;
  WordListLine out;
  out.word = line.substr(word_begin, i - word_begin);
  while (i < line.size() && is_blank(line[i])) ++i;
  const size_t count_begin = i;
  while (i < line.size() && !is_blank(line[i])) ++i;
  const std::string_view count = line.substr(count_begin, i - count_begin);
  while (i < line.size() && is_blank(line[i])) ++i;
  if (out.word.empty() || count.empty() || i != line.size())
    return hs::make_error(where + "expected \"WORD COUNT\", got \"" + std::string(line) + "\"");
  for (char c : count) {
    if (c < '0' || c > '9' || out.count > (int64_t{1} << 50))
      return hs::make_error(where + "count \"" + std::string(count) + "\" of \"" + std::string(out.word) +
                            "\" is not a positive integer below 2^50");
    out.count = out.count * 10 + (c - '0');
  }
  if (out.count <= 0)
    return hs::make_error(where + "count of \"" + std::string(out.word) + "\" is 0; counts must be positive");
  return out;
}

}  // namespace

hs::Status BpeWordCounter::add_word_list(std::string_view list, const std::string& source,
                                         const WordListWeights& weights) {
  if (!(weights.scale >= 0) || !(weights.capitalised >= 0) || weights.min_weight < 0)
    return hs::make_error(source + ": word-list weights must not be negative");
  std::vector<std::pair<std::string, int64_t>> added;
  size_t line_no = 0;
  for (size_t pos = 0; pos < list.size();) {
    size_t end = list.find('\n', pos);
    if (end == std::string_view::npos) end = list.size();
    const std::string_view line = list.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    size_t first = 0;
    while (first < line.size() && is_blank(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;
    const std::string where = source + ":" + std::to_string(line_no) + ": ";
    HS_TRY_ASSIGN(const WordListLine entry, parse_word_list_line(line, where));
    const std::string spaced = " " + std::string(entry.word);
    const std::vector<std::string_view> pieces = hs::tokenizer::pretokenize(spaced);
    if (pieces.size() != 1) {
      std::string split;
      for (std::string_view p : pieces) split += " \"" + std::string(p) + "\"";
      return hs::make_error(where + "\"" + spaced + "\" is not one pre-tokenized word (GPT-2's regex splits it into" +
                            split + ")");
    }
    const int64_t weight =
        std::max(weights.min_weight, static_cast<int64_t>(std::llround(double(entry.count) * weights.scale)));
    if (weight <= 0) continue;
    added.emplace_back(spaced, weight);
    const char initial = entry.word[0];
    if (weights.capitalised > 0 && initial >= 'a' && initial <= 'z') {
      const int64_t capital_weight = static_cast<int64_t>(std::llround(double(weight) * weights.capitalised));
      std::string capital = spaced;
      capital[1] = static_cast<char>(initial - 'a' + 'A');
      if (capital_weight > 0) added.emplace_back(std::move(capital), capital_weight);
    }
  }
  for (auto& [word, weight] : added) counts_[word] += weight;
  return {};
}

hs::Result<TrainedBpe> train_bpe(std::string_view text, const BpeTrainOptions& options) {
  BpeWordCounter counter(options.end_of_text);
  counter.add_text(text);
  return train_bpe(counter.counts(), options);
}

hs::Result<TrainedBpe> train_bpe(const std::unordered_map<std::string, int64_t>& word_counts,
                                 const BpeTrainOptions& options) {
  const size_t reserved = options.end_of_text.empty() ? 0 : 1;
  if (options.vocab_size < 256 + reserved)
    return hs::make_error("train_bpe: vocab size " + std::to_string(options.vocab_size) +
                          " is below 256 byte tokens + " + std::to_string(reserved) + " special token");
  if (options.vocab_size > (size_t{1} << 24))
    return hs::make_error("train_bpe: vocab size " + std::to_string(options.vocab_size) + " is too large");

  TrainedBpe out;
  out.end_of_text = options.end_of_text;

  // Byte tokens, in GPT-2's order: printable bytes first, by value, then the rest.
  std::vector<int32_t> byte_id(256);
  {
    std::vector<int> order;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      if (printable) order.push_back(b);
    }
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      if (!printable) order.push_back(b);
    }
    for (int b : order) {
      byte_id[b] = static_cast<int32_t>(out.vocab.size());
      out.vocab.push_back(hs::tokenizer::bytes_to_vocab_form(std::string(1, static_cast<char>(b))));
    }
  }
  std::unordered_map<std::string, int32_t> token_id;
  for (size_t i = 0; i < out.vocab.size(); ++i) token_id.emplace(out.vocab[i], static_cast<int32_t>(i));

  // Words in sorted order (determinism independent of hash map iteration).
  std::vector<const std::pair<const std::string, int64_t>*> sorted;
  sorted.reserve(word_counts.size());
  for (const auto& kv : word_counts) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::vector<Word> words;
  words.reserve(sorted.size());
  for (auto* kv : sorted) {
    out.total_words += kv->second;
    if (kv->first.size() < 2 || kv->second <= 0) continue;  // nothing to merge
    Word w;
    w.count = kv->second;
    w.symbols.reserve(kv->first.size());
    for (unsigned char c : kv->first) w.symbols.push_back(byte_id[c]);
    words.push_back(std::move(w));
  }
  out.distinct_words = word_counts.size();

  std::unordered_map<uint64_t, int64_t> pair_count;
  std::unordered_map<uint64_t, std::vector<uint32_t>> pair_words;  // may hold stale/duplicate entries
  pair_count.reserve(1 << 16);
  pair_words.reserve(1 << 16);
  for (uint32_t wi = 0; wi < words.size(); ++wi) {
    const Word& w = words[wi];
    for (size_t i = 0; i + 1 < w.symbols.size(); ++i) {
      uint64_t k = pair_key(w.symbols[i], w.symbols[i + 1]);
      pair_count[k] += w.count;
      auto& list = pair_words[k];
      if (list.empty() || list.back() != wi) list.push_back(wi);
    }
  }
  std::priority_queue<HeapEntry> heap;
  {
    std::vector<HeapEntry> initial;
    initial.reserve(pair_count.size());
    for (const auto& kv : pair_count) initial.push_back({kv.second, kv.first});
    heap = std::priority_queue<HeapEntry>(std::less<HeapEntry>(), std::move(initial));
  }

  const size_t target_tokens = options.vocab_size - reserved;
  std::vector<uint32_t> visited(words.size(), 0);
  uint32_t step = 0;
  std::unordered_map<uint64_t, int64_t> delta;
  std::vector<int32_t> merged_symbols;

  while (out.vocab.size() < target_tokens) {
    // The most frequent pair, skipping stale heap entries.
    uint64_t best = 0;
    int64_t best_count = 0;
    bool found = false;
    while (!heap.empty()) {
      HeapEntry top = heap.top();
      heap.pop();
      auto it = pair_count.find(top.key);
      int64_t current = it == pair_count.end() ? 0 : it->second;
      if (current == top.count) {
        best = top.key;
        best_count = current;
        found = true;
        break;
      }
      if (current > 0 && current < top.count) heap.push({current, top.key});
      // current > top.count: a newer entry with the larger count is in the heap.
    }
    if (!found || best_count < options.min_pair_count || best_count <= 0) {
      out.stopped_early = true;
      break;
    }
    const int32_t left = key_left(best), right = key_right(best);
    std::string joined = out.vocab[left] + out.vocab[right];
    int32_t new_id;
    auto existing = token_id.find(joined);
    if (existing != token_id.end()) {
      new_id = existing->second;  // same string reached by another merge path
    } else {
      new_id = static_cast<int32_t>(out.vocab.size());
      out.vocab.push_back(joined);
      token_id.emplace(joined, new_id);
    }
    out.merges.emplace_back(out.vocab[left], out.vocab[right]);

    ++step;
    delta.clear();
    std::vector<uint32_t> list = std::move(pair_words[best]);
    pair_words.erase(best);
    for (uint32_t wi : list) {
      if (visited[wi] == step) continue;
      visited[wi] = step;
      Word& w = words[wi];
      const auto& s = w.symbols;
      bool has = false;
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        if (s[i] == left && s[i + 1] == right) {
          has = true;
          break;
        }
      }
      if (!has) continue;
      for (size_t i = 0; i + 1 < s.size(); ++i) delta[pair_key(s[i], s[i + 1])] -= w.count;
      merged_symbols.clear();
      for (size_t i = 0; i < s.size();) {
        if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
          merged_symbols.push_back(new_id);
          i += 2;
        } else {
          merged_symbols.push_back(s[i]);
          i += 1;
        }
      }
      w.symbols.swap(merged_symbols);
      for (size_t i = 0; i + 1 < w.symbols.size(); ++i) {
        uint64_t k = pair_key(w.symbols[i], w.symbols[i + 1]);
        delta[k] += w.count;
        if (w.symbols[i] == new_id || w.symbols[i + 1] == new_id) {
          auto& pl = pair_words[k];
          if (pl.empty() || pl.back() != wi) pl.push_back(wi);
        }
      }
    }
    for (const auto& kv : delta) {
      if (kv.second == 0) continue;
      int64_t& c = pair_count[kv.first];
      c += kv.second;
      if (c <= 0) {
        pair_count.erase(kv.first);
      } else if (kv.second > 0) {
        heap.push({c, kv.first});
      }
    }
    pair_count.erase(best);
  }

  if (!options.end_of_text.empty()) {
    if (token_id.count(options.end_of_text))
      return hs::make_error("train_bpe: the end-of-text token " + options.end_of_text +
                            " was also learned as an ordinary token");
    out.end_of_text_id = static_cast<int32_t>(out.vocab.size());
    out.vocab.push_back(options.end_of_text);
  }
  return out;
}

std::string to_tokenizer_json(const TrainedBpe& bpe) {
  std::string j;
  j.reserve(bpe.vocab.size() * 40 + bpe.merges.size() * 30);
  j += "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [";
  if (bpe.end_of_text_id >= 0) {
    j += "\n    {\"id\": " + std::to_string(bpe.end_of_text_id) + ", \"content\": ";
    json::write_string(j, bpe.end_of_text);
    j += ", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": true, "
         "\"special\": true}\n  ";
  }
  j += "],\n  \"normalizer\": null,\n"
       "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"trim_offsets\": true, "
       "\"use_regex\": true},\n"
       "  \"post_processor\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": false, "
       "\"use_regex\": true},\n"
       "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, "
       "\"use_regex\": true},\n"
       "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n"
       "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n"
       "    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"vocab\": {";
  for (size_t i = 0; i < bpe.vocab.size(); ++i) {
    j += i ? ",\n      " : "\n      ";
    json::write_string(j, bpe.vocab[i]);
    j += ": " + std::to_string(i);
  }
  j += "\n    },\n    \"merges\": [";
  for (size_t i = 0; i < bpe.merges.size(); ++i) {
    j += i ? ",\n      " : "\n      ";
    json::write_string(j, bpe.merges[i].first + " " + bpe.merges[i].second);
  }
  j += "\n    ]\n  }\n}\n";
  return j;
}

}  // namespace hs::train

namespace hs::train {

namespace {
bool is_spaced_word(std::string_view piece) {
  if (piece.size() < 2 || piece[0] != ' ') return false;
  for (size_t i = 1; i < piece.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(piece[i]);
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}
}  // namespace

WordCoverage word_coverage(const hs::tokenizer::Tokenizer& tokenizer, std::string_view text, size_t top_n) {
  BpeWordCounter counter;
  counter.add_text(text);
  std::vector<std::pair<std::string, int64_t>> words;  // spaced words and their counts
  WordCoverage out;
  for (const auto& [piece, count] : counter.counts()) {
    if (!is_spaced_word(piece)) continue;
    words.emplace_back(piece, count);
    out.spaced_word_occurrences += count;
    out.spaced_word_tokens += count * int64_t(tokenizer.encode(piece, false).size());
  }
  std::sort(words.begin(), words.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  out.words_considered = std::min(top_n, words.size());
  int64_t covered = 0, considered = 0;
  for (size_t i = 0; i < out.words_considered; ++i) {
    const auto& [word, count] = words[i];
    considered += count;
    if (tokenizer.encode(word, false).size() == 1) {
      ++out.single_token;
      covered += count;
    } else if (out.split_examples.size() < 10) {
      out.split_examples.push_back(word);
    }
  }
  out.occurrence_share = considered ? double(covered) / double(considered) : 0.0;
  return out;
}

}  // namespace hs::train
