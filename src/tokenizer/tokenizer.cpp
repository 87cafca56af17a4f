// src/tokenizer/tokenizer.cpp — the Tokenizer: strict loading of vocab.json +
// merges.txt and of HuggingFace tokenizer.json, BPE encoding (rank lookup over
// id pairs, a min-heap per word, a per-word cache), decoding and token display.
#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "json/json.hpp"
#include "tokenizer/utf8.hpp"

namespace hs::tokenizer {

namespace {

constexpr int64_t kMaxId = INT32_MAX;  // ids are int32_t

struct MergeInfo {
  int32_t rank;
  int32_t merged;
};

struct AddedToken {
  std::string content;
  int32_t id;
};

using json::quoted;

inline uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

std::string describe_number(const json::Value& v) {
  if (v.is_integer) return std::to_string(v.integer);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v.number);
  return buf;
}

std::string describe_type(const json::Value& v) { return json::type_name(v.type); }

// One vocab entry before the model is built.
struct VocabEntry {
  std::string token;  // vocab form
  int32_t id;
};

// One merge before the model is built; `where` locates it for errors
// ("merges.txt: line 7", "tokenizer.json: model.merges[6]").
struct MergeEntry {
  std::string left, right;
  std::string where;
};

}  // namespace

struct Tokenizer::Model {
  std::vector<std::string> bytes_of;  // id -> raw bytes ("" for unassigned ids)
  std::unordered_map<std::string, int32_t> by_vocab_form;
  std::unordered_map<std::string, int32_t> added_by_content;
  std::array<int32_t, 256> byte_id{};
  std::unordered_map<uint64_t, MergeInfo> merges;  // (left id, right id) -> rank, result
  bool ignore_merges = false;
  std::vector<AddedToken> added;  // longest first
  std::array<bool, 256> added_first_byte{};

  void encode_word(std::string_view word, std::vector<int32_t>& out) const;
  void encode_plain(std::string_view text, Cache* cache, std::vector<int32_t>& out) const;
};

struct Tokenizer::Cache {
  std::mutex mu;
  std::unordered_map<std::string, std::vector<int32_t>> words;
  static constexpr size_t kMaxEntries = 1 << 17;
  static constexpr size_t kMaxWordBytes = 128;
};

namespace {

// ---------------------------------------------------------------- loading ---

// `what` prefixes errors: "vocab.json" or "tokenizer.json: model.vocab".
Result<std::vector<VocabEntry>> read_vocab(const json::Value& v, const std::string& what) {
  if (!v.is_object())
    return make_error(what + ": expected an object mapping tokens to ids, got " + describe_type(v));
  std::vector<VocabEntry> entries;
  entries.reserve(v.items.size());
  std::unordered_map<std::string, size_t> seen;
  seen.reserve(v.items.size());
  for (size_t i = 0; i < v.items.size(); ++i) {
    const std::string& token = v.keys[i];
    const json::Value& idv = v.items[i];
    if (!idv.is_number())
      return make_error(what + ": token " + quoted(token) + " has an id that is " + describe_type(idv) +
                        ", not an integer");
    if (!idv.is_integer)
      return make_error(what + ": token " + quoted(token) + " has id " + describe_number(idv) +
                        ", which is not an integer");
    if (idv.integer < 0)
      return make_error(what + ": token " + quoted(token) + " has negative id " +
                        std::to_string(idv.integer));
    if (idv.integer > kMaxId)
      return make_error(what + ": token " + quoted(token) + " has id " + std::to_string(idv.integer) +
                        ", which is too large (ids must be below 2^31)");
    if (!seen.emplace(token, i).second)
      return make_error(what + ": token " + quoted(token) + " appears twice");
    entries.push_back({token, static_cast<int32_t>(idv.integer)});
  }
  return entries;
}

// merges.txt: "a b" per line; an optional first line "#version..."; blank lines
// only at the end.
Result<std::vector<MergeEntry>> read_merges_txt(std::string_view text, const std::string& what) {
  std::vector<MergeEntry> merges;
  size_t pos = 0;
  size_t line_no = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.substr(0, 8) == "#version") continue;
    if (line.empty()) {
      std::string_view rest = pos < text.size() ? text.substr(pos) : std::string_view();
      if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos) break;
      return make_error(what + ": line " + std::to_string(line_no) +
                        ": empty line (expected two tokens separated by a space)");
    }
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp + 1 == line.size() ||
        line.find(' ', sp + 1) != std::string_view::npos)
      return make_error(what + ": line " + std::to_string(line_no) +
                        ": expected two tokens separated by one space, got " + quoted(line));
    merges.push_back({std::string(line.substr(0, sp)), std::string(line.substr(sp + 1)),
                      what + ": line " + std::to_string(line_no)});
  }
  return merges;
}

// tokenizer.json model.merges: "a b" strings or ["a", "b"] arrays.
Result<std::vector<MergeEntry>> read_merges_json(const json::Value& v, const std::string& what) {
  if (!v.is_array()) return make_error(what + ": expected an array, got " + describe_type(v));
  std::vector<MergeEntry> merges;
  merges.reserve(v.items.size());
  for (size_t i = 0; i < v.items.size(); ++i) {
    const json::Value& m = v.items[i];
    std::string where = what + "[" + std::to_string(i) + "]";
    if (m.is_string()) {
      const std::string& s = m.string;
      size_t sp = s.find(' ');
      if (sp == std::string::npos || sp == 0 || sp + 1 == s.size() ||
          s.find(' ', sp + 1) != std::string::npos)
        return make_error(where + ": expected two tokens separated by one space, got " + quoted(s));
      merges.push_back({s.substr(0, sp), s.substr(sp + 1), where});
    } else if (m.is_array()) {
      if (m.items.size() != 2 || !m.items[0].is_string() || !m.items[1].is_string() ||
          m.items[0].string.empty() || m.items[1].string.empty())
        return make_error(where + ": expected an array of two non-empty strings");
      merges.push_back({m.items[0].string, m.items[1].string, where});
    } else {
      return make_error(where + ": expected a string \"a b\" or an array [\"a\", \"b\"], got " +
                        describe_type(m));
    }
  }
  return merges;
}

Result<std::shared_ptr<Tokenizer::Model>> build_model(std::vector<VocabEntry> vocab,
                                                      const std::vector<MergeEntry>& merges,
                                                      const std::vector<AddedToken>& added,
                                                      const std::string& vocab_what,
                                                      const std::string& added_what) {
  auto model = std::make_shared<Tokenizer::Model>();
  int64_t max_id = -1;
  for (const auto& e : vocab) max_id = std::max<int64_t>(max_id, e.id);
  for (const auto& a : added) max_id = std::max<int64_t>(max_id, a.id);
  const size_t count = vocab.size() + added.size();
  if (max_id >= static_cast<int64_t>(2 * count + 1024))
    return make_error(vocab_what + ": ids are too sparse (largest id " + std::to_string(max_id) +
                      " for " + std::to_string(count) + " tokens)");
  const size_t size = static_cast<size_t>(max_id + 1);
  model->bytes_of.assign(size, std::string());
  std::vector<const std::string*> owner(size, nullptr);
  model->by_vocab_form.reserve(vocab.size() * 2);
  for (const auto& e : vocab) {
    if (owner[e.id])
      return make_error(vocab_what + ": id " + std::to_string(e.id) + " is used by both " +
                        quoted(*owner[e.id]) + " and " + quoted(e.token));
    owner[e.id] = &e.token;
    // Tokens outside the byte alphabet (only reachable as added tokens) stand
    // for their own UTF-8 text.
    std::optional<std::string> bytes = vocab_form_to_bytes(e.token);
    model->bytes_of[e.id] = bytes ? std::move(*bytes) : e.token;
    model->by_vocab_form.emplace(e.token, e.id);
  }
  for (int b = 0; b < 256; ++b) {
    std::string form = bytes_to_vocab_form(std::string(1, static_cast<char>(b)));
    auto it = model->by_vocab_form.find(form);
    if (it == model->by_vocab_form.end()) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", b);
      return make_error(vocab_what + ": no token for byte " + hex + " (" + quoted(form) + ")");
    }
    model->byte_id[b] = it->second;
  }
  model->merges.reserve(merges.size() * 2);
  std::unordered_map<uint64_t, size_t> first_seen;
  for (size_t r = 0; r < merges.size(); ++r) {
    const MergeEntry& m = merges[r];
    auto a = model->by_vocab_form.find(m.left);
    if (a == model->by_vocab_form.end())
      return make_error(m.where + ": token " + quoted(m.left) + " is not in the vocab");
    auto b = model->by_vocab_form.find(m.right);
    if (b == model->by_vocab_form.end())
      return make_error(m.where + ": token " + quoted(m.right) + " is not in the vocab");
    std::string joined = m.left + m.right;
    auto c = model->by_vocab_form.find(joined);
    if (c == model->by_vocab_form.end())
      return make_error(m.where + ": merged token " + quoted(joined) + " is not in the vocab");
    uint64_t key = pair_key(a->second, b->second);
    auto ins = model->merges.emplace(key, MergeInfo{static_cast<int32_t>(r), c->second});
    if (!ins.second)
      return make_error(m.where + ": duplicate merge " + quoted(m.left + " " + m.right) +
                        " (first at " + merges[ins.first->second.rank].where + ")");
  }
  std::vector<const std::string*> added_owner(size, nullptr);
  for (const AddedToken& a : added) {
    if (a.content.empty()) return make_error(added_what + ": an added token has empty content");
    // An id the vocab also has must stand for the same bytes, or decode(encode(x))
    // would not give x back (content "Ġ" on the id of the vocab's "Ġ", byte ' ').
    if (owner[a.id] && model->bytes_of[a.id] != a.content)
      return make_error(added_what + ": added token " + quoted(a.content) + " has id " +
                        std::to_string(a.id) + ", which the vocab gives to " + quoted(*owner[a.id]) +
                        (*owner[a.id] == a.content ? " (standing for the bytes " + quoted(model->bytes_of[a.id]) + ")" : ""));
    auto it = model->by_vocab_form.find(a.content);
    if (it != model->by_vocab_form.end() && it->second != a.id)
      return make_error(added_what + ": added token " + quoted(a.content) + " has id " +
                        std::to_string(a.id) + " but the vocab gives it id " +
                        std::to_string(it->second));
    if (model->added_by_content.count(a.content))
      return make_error(added_what + ": added token " + quoted(a.content) + " appears twice");
    if (added_owner[a.id])  // two contents on one id: decode could give back only one of them
      return make_error(added_what + ": added token " + quoted(a.content) + " has id " +
                        std::to_string(a.id) + ", which added token " + quoted(*added_owner[a.id]) + " also has");
    added_owner[a.id] = &a.content;
    if (!owner[a.id]) model->bytes_of[a.id] = a.content;
    model->added_by_content.emplace(a.content, a.id);
    model->added.push_back(a);
    model->added_first_byte[static_cast<unsigned char>(a.content[0])] = true;
  }
  std::stable_sort(model->added.begin(), model->added.end(),
                   [](const AddedToken& x, const AddedToken& y) { return x.content.size() > y.content.size(); });
  return model;
}

// ------------------------------------------------------- tokenizer.json ---

std::string type_of(const json::Value* v) {
  if (!v || !v->is_object()) return "";
  const json::Value* t = v->find("type");
  return t && t->is_string() ? t->string : "";
}

// "NFC" for {"type": "NFC", ...}, else what the value is ("an array").
std::string component_name(const json::Value& v) {
  std::string t = type_of(&v);
  return t.empty() ? "(" + describe_type(v) + ")" : quoted(t);
}

bool is_null_or_absent(const json::Value* v) { return !v || v->is_null(); }

bool is_empty_string_or_null(const json::Value* v) {
  return !v || v->is_null() || (v->is_string() && v->string.empty());
}

// ByteLevel pre-tokenizer settings that keep GPT-2's behaviour.
Status check_byte_level_pretokenizer(const json::Value& p, const std::string& src) {
  const json::Value* aps = p.find("add_prefix_space");
  if (!aps || !aps->is_bool())
    return make_error(src + ": pre_tokenizer ByteLevel has no boolean add_prefix_space");
  if (aps->boolean)
    return make_error(src + ": pre_tokenizer ByteLevel with add_prefix_space true is not supported "
                            "(it would change token ids)");
  const json::Value* use_regex = p.find("use_regex");
  if (use_regex && !(use_regex->is_bool() && use_regex->boolean))
    return make_error(src + ": pre_tokenizer ByteLevel with use_regex false is not supported "
                            "(it would change token ids)");
  return {};
}

}  // namespace

Result<Tokenizer> Tokenizer::from_tokenizer_json(std::string_view json_text, std::string_view source_name) {
  const std::string src(source_name);
  HS_TRY_ASSIGN(json::Value root, json::parse(json_text, source_name));
  if (!root.is_object()) return make_error(src + ": expected a JSON object, got " + describe_type(root));

  // Parts of the pipeline that would change ids.
  if (const json::Value* n = root.find("normalizer"); !is_null_or_absent(n)) {
    return make_error(src + ": normalizer " + component_name(*n) +
                      " is not supported (it would change token ids)");
  }
  const json::Value* pre = root.find("pre_tokenizer");
  if (is_null_or_absent(pre))
    return make_error(src + ": no pre_tokenizer; only ByteLevel is supported");
  if (type_of(pre) != "ByteLevel") {
    return make_error(src + ": pre_tokenizer " + component_name(*pre) +
                      " is not supported (only ByteLevel)");
  }
  HS_TRY(check_byte_level_pretokenizer(*pre, src));
  if (const json::Value* pp = root.find("post_processor"); !is_null_or_absent(pp) && type_of(pp) != "ByteLevel") {
    return make_error(src + ": post_processor " + component_name(*pp) +
                      " is not supported (it would change token ids)");
  }
  if (const json::Value* d = root.find("decoder"); !is_null_or_absent(d) && type_of(d) != "ByteLevel") {
    return make_error(src + ": decoder " + component_name(*d) +
                      " is not supported (only ByteLevel)");
  }
  for (const char* field : {"truncation", "padding"}) {
    if (!is_null_or_absent(root.find(field)))
      return make_error(src + ": " + field + " is not supported (it would change token ids)");
  }

  const json::Value* model = root.find("model");
  if (!model || !model->is_object()) return make_error(src + ": no \"model\" object");
  const json::Value* mtype = model->find("type");
  if (!mtype || !mtype->is_string()) return make_error(src + ": model has no \"type\"");
  if (mtype->string != "BPE")
    return make_error(src + ": model type " + quoted(mtype->string) + " is not supported (only \"BPE\")");
  if (!is_null_or_absent(model->find("dropout")))
    return make_error(src + ": model.dropout is not supported (it would change token ids)");
  if (!is_empty_string_or_null(model->find("continuing_subword_prefix")))
    return make_error(src + ": model.continuing_subword_prefix is not supported (it would change token ids)");
  if (!is_empty_string_or_null(model->find("end_of_word_suffix")))
    return make_error(src + ": model.end_of_word_suffix is not supported (it would change token ids)");
  if (const json::Value* bf = model->find("byte_fallback"); bf && !(bf->is_bool() && !bf->boolean) && !bf->is_null())
    return make_error(src + ": model.byte_fallback is not supported");
  bool ignore_merges = false;
  if (const json::Value* im = model->find("ignore_merges"); im && !im->is_null()) {
    if (!im->is_bool()) return make_error(src + ": model.ignore_merges must be a boolean");
    ignore_merges = im->boolean;
  }

  const json::Value* vocab_v = model->find("vocab");
  if (!vocab_v) return make_error(src + ": model has no \"vocab\"");
  HS_TRY_ASSIGN(std::vector<VocabEntry> vocab, read_vocab(*vocab_v, src + ": model.vocab"));
  const json::Value* merges_v = model->find("merges");
  if (!merges_v) return make_error(src + ": model has no \"merges\"");
  HS_TRY_ASSIGN(std::vector<MergeEntry> merges, read_merges_json(*merges_v, src + ": model.merges"));

  std::vector<AddedToken> added;
  if (const json::Value* at = root.find("added_tokens"); !is_null_or_absent(at)) {
    if (!at->is_array()) return make_error(src + ": added_tokens must be an array");
    for (size_t i = 0; i < at->items.size(); ++i) {
      const json::Value& t = at->items[i];
      std::string where = src + ": added_tokens[" + std::to_string(i) + "]";
      if (!t.is_object()) return make_error(where + ": expected an object");
      const json::Value* id = t.find("id");
      const json::Value* content = t.find("content");
      if (!content || !content->is_string() || content->string.empty())
        return make_error(where + ": no non-empty \"content\" string");
      where = src + ": added token " + quoted(content->string);
      if (!id || !id->is_number() || !id->is_integer || id->integer < 0 || id->integer > kMaxId)
        return make_error(where + ": \"id\" must be an integer in [0, 2^31)");
      for (const char* flag : {"single_word", "lstrip", "rstrip"}) {
        const json::Value* f = t.find(flag);
        if (f && f->is_bool() && f->boolean)
          return make_error(where + ": " + flag + " is not supported (it would change token ids)");
      }
      added.push_back({content->string, static_cast<int32_t>(id->integer)});
    }
  }

  HS_TRY_ASSIGN(auto built, build_model(std::move(vocab), merges, added, src + ": model.vocab",
                                        src + ": added_tokens"));
  built->ignore_merges = ignore_merges;
  Tokenizer tok;
  tok.model_ = std::move(built);
  return tok;
}

Result<Tokenizer> Tokenizer::from_vocab_merges(std::string_view vocab_json, std::string_view merges_txt) {
  HS_TRY_ASSIGN(json::Value root, json::parse(vocab_json, "vocab.json"));
  HS_TRY_ASSIGN(std::vector<VocabEntry> vocab, read_vocab(root, "vocab.json"));
  HS_TRY_ASSIGN(std::vector<MergeEntry> merges, read_merges_txt(merges_txt, "merges.txt"));
  HS_TRY_ASSIGN(auto built, build_model(std::move(vocab), merges, {}, "vocab.json", "vocab.json"));
  Tokenizer tok;
  tok.model_ = std::move(built);
  return tok;
}

Tokenizer::Tokenizer() : cache_(std::make_shared<Cache>()) {}

// --------------------------------------------------------------- encoding ---

void Tokenizer::Model::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  const size_t n = word.size();
  if (n == 0) return;
  if (n == 1) {
    out.push_back(byte_id[static_cast<unsigned char>(word[0])]);
    return;
  }
  if (ignore_merges) {
    auto it = by_vocab_form.find(bytes_to_vocab_form(word));
    if (it != by_vocab_form.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Symbols form a linked list over positions; a min-heap of candidate merges
  // ordered by (rank, position) replays GPT-2's loop "merge every occurrence of
  // the lowest-ranked pair, left to right" exactly: merging never creates
  // another occurrence of the pair being merged, so all of its occurrences are
  // popped consecutively in position order; overlapping ones ("a a a") are
  // invalidated by the merge to their left.
  struct Candidate {
    int32_t rank, pos, left, right, merged;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::vector<int32_t> ids(n), next(n), prev(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i] = byte_id[static_cast<unsigned char>(word[i])];
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
    prev[i] = static_cast<int32_t>(i) - 1;
  }
  std::vector<Candidate> heap;
  heap.reserve(n);
  auto consider = [&](int32_t pos) {
    if (pos < 0) return;
    int32_t r = next[pos];
    if (r < 0) return;
    auto it = merges.find(pair_key(ids[pos], ids[r]));
    if (it == merges.end()) return;
    heap.push_back({it->second.rank, pos, ids[pos], ids[r], it->second.merged});
    std::push_heap(heap.begin(), heap.end(), std::greater<Candidate>());
  };
  for (size_t i = 0; i + 1 < n; ++i) consider(static_cast<int32_t>(i));
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<Candidate>());
    Candidate c = heap.back();
    heap.pop_back();
    int32_t r = next[c.pos];
    if (r < 0 || ids[c.pos] != c.left || ids[r] != c.right) continue;  // stale
    ids[c.pos] = c.merged;
    ids[r] = -1;
    next[c.pos] = next[r];
    if (next[r] >= 0) prev[next[r]] = c.pos;
    consider(prev[c.pos]);
    consider(c.pos);
  }
  for (int32_t i = 0; i >= 0; i = next[i]) out.push_back(ids[i]);
}

void Tokenizer::Model::encode_plain(std::string_view text, Cache* cache, std::vector<int32_t>& out) const {
  std::vector<int32_t> scratch;
  for (std::string_view word : pretokenize(text)) {
    if (word.size() == 1) {
      out.push_back(byte_id[static_cast<unsigned char>(word[0])]);
      continue;
    }
    const bool cacheable = cache && word.size() <= Cache::kMaxWordBytes;
    if (cacheable) {
      std::lock_guard<std::mutex> lock(cache->mu);
      auto it = cache->words.find(std::string(word));
      if (it != cache->words.end()) {
        out.insert(out.end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    scratch.clear();
    encode_word(word, scratch);
    out.insert(out.end(), scratch.begin(), scratch.end());
    if (cacheable) {
      std::lock_guard<std::mutex> lock(cache->mu);
      if (cache->words.size() >= Cache::kMaxEntries) cache->words.clear();
      cache->words.emplace(std::string(word), scratch);
    }
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  if (!model_) return out;
  out.reserve(text.size() / 3 + 4);
  const Model& m = *model_;
  if (m.added.empty()) {
    m.encode_plain(text, cache_.get(), out);
    return out;
  }
  // Split on added tokens: leftmost match, longest first.
  size_t segment = 0;
  for (size_t i = 0; i < text.size();) {
    if (m.added_first_byte[static_cast<unsigned char>(text[i])]) {
      const AddedToken* hit = nullptr;
      for (const AddedToken& a : m.added) {
        if (text.compare(i, a.content.size(), a.content) == 0) {
          hit = &a;
          break;
        }
      }
      if (hit) {
        m.encode_plain(text.substr(segment, i - segment), cache_.get(), out);
        out.push_back(hit->id);
        i += hit->content.size();
        segment = i;
        continue;
      }
    }
    ++i;
  }
  m.encode_plain(text.substr(segment), cache_.get(), out);
  return out;
}

// --------------------------------------------------------------- decoding ---

std::string Tokenizer::token_bytes(int32_t id) const {
  if (!model_ || id < 0 || static_cast<size_t>(id) >= model_->bytes_of.size()) return {};
  return model_->bytes_of[id];
}

std::string Tokenizer::token_text(int32_t id) const {
  std::string bytes = token_bytes(id);
  std::string out;
  out.reserve(bytes.size());
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t i = 0; i < bytes.size();) {
    uint32_t cp;
    size_t len = utf8::decode(s, bytes.size(), i, &cp);
    if (len == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", s[i]);
      out += buf;
      i += 1;
    } else {
      out.append(bytes, i, len);
      i += len;
    }
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string out;
  if (!model_) return out;
  for (int32_t id : ids) {
    if (id >= 0 && static_cast<size_t>(id) < model_->bytes_of.size()) out += model_->bytes_of[id];
  }
  return out;
}

size_t Tokenizer::vocab_size() const { return model_ ? model_->bytes_of.size() : 0; }

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token_in_vocab_form) const {
  if (!model_) return std::nullopt;
  std::string key(token_in_vocab_form);
  auto it = model_->by_vocab_form.find(key);
  if (it != model_->by_vocab_form.end()) return it->second;
  auto at = model_->added_by_content.find(key);
  if (at != model_->added_by_content.end()) return at->second;
  return std::nullopt;
}

}  // namespace hs::tokenizer
