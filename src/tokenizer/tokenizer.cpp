// src/tokenizer/tokenizer.cpp — the Tokenizer: strict loading of vocab.json +
// merges.txt, of a BERT vocab.txt and of HuggingFace tokenizer.json (its
// components are read by normalizer/pre_tokenizer/post_processor/decoder.cpp),
// the encoding pipeline (added tokens, normalizer, pre-tokenizer, model,
// post-processor), the two models — BPE (rank lookup over id pairs, a min-heap
// per word, byte fallback, unk) and WordPiece (greedy longest match) — with a
// per-word cache, decoding and token display.
#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "json/json.hpp"
#include "tokenizer/decoder.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/post_processor.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/unicode_data.hpp"
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
  bool normalized = false;  // matched in the normalized text, not the raw text
  std::string match;        // what is matched: content, normalized when `normalized`
};

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
  enum Kind { kBPE, kWordPiece } kind = kBPE;
  // Byte-level BPE (GPT-2, Llama 3): vocab tokens are GPT-2 byte characters and
  // words are encoded from their bytes. Otherwise words are encoded from their
  // characters (Llama 2's "▁the", BERT's "##ing").
  bool byte_level = true;
  std::vector<std::string> bytes_of;  // id -> what it stands for ("" for unassigned ids)
  std::unordered_map<std::string, int32_t> by_vocab_form;
  std::unordered_map<std::string, int32_t> added_by_content;
  std::array<int32_t, 256> byte_id{};  // byte-level: byte -> id
  bool byte_fallback = false;
  std::array<int32_t, 256> fallback_id{};  // byte_fallback: byte -> id of "<0xNN>", -1 if absent
  int32_t unk_id = -1;                     // -1: none
  bool fuse_unk = false;
  std::unordered_map<uint64_t, MergeInfo> merges;  // (left id, right id) -> rank, result
  bool ignore_merges = false;
  std::string continuing_prefix = "##";  // WordPiece
  size_t max_input_chars_per_word = 100;  // WordPiece
  std::vector<AddedToken> added;  // longest first
  std::array<bool, 256> added_first_byte{};
  bool any_normalized_added = false;
  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  PostProcessor post_processor;
  size_t strip_leading_spaces = 0;  // decode
  bool round_trips = true;

  void encode_word(std::string_view word, std::vector<int32_t>& out) const;
  void encode_bpe_symbols(std::vector<int32_t> ids, std::vector<int32_t>& out) const;
  void encode_wordpiece(std::string_view word, std::vector<int32_t>& out) const;
  void encode_words(std::string_view text, bool at_start, Cache* cache, std::vector<int32_t>& out) const;
  void encode_normalized(std::string_view text, bool at_start, Cache* cache, std::vector<int32_t>& out) const;
  void encode_cached(std::string_view word, Cache* cache, std::vector<int32_t>& out) const;
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
      return make_error(what + ": token " + json::quoted(token) + " has an id that is " + describe_type(idv) +
                        ", not an integer");
    if (!idv.is_integer)
      return make_error(what + ": token " + json::quoted(token) + " has id " + describe_number(idv) +
                        ", which is not an integer");
    if (idv.integer < 0)
      return make_error(what + ": token " + json::quoted(token) + " has negative id " +
                        std::to_string(idv.integer));
    if (idv.integer > kMaxId)
      return make_error(what + ": token " + json::quoted(token) + " has id " + std::to_string(idv.integer) +
                        ", which is too large (ids must be below 2^31)");
    if (!seen.emplace(token, i).second)
      return make_error(what + ": token " + json::quoted(token) + " appears twice");
    entries.push_back({token, static_cast<int32_t>(idv.integer)});
  }
  return entries;
}

// The lines of a text file ("\n" or "\r\n" ended), without the trailing
// blank part: an empty line after which only spaces, tabs and line ends
// follow ends the file; an empty line before that is the caller's to report.
std::vector<std::string_view> text_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = eol + 1;
    if (line.empty() && (pos >= text.size() || text.find_first_not_of(" \t\r\n", pos) == std::string_view::npos))
      break;
    lines.push_back(line);
  }
  return lines;
}

// merges.txt: "a b" per line; an optional first line "#version..."; blank lines
// only at the end.
Result<std::vector<MergeEntry>> read_merges_txt(std::string_view text, const std::string& what) {
  std::vector<MergeEntry> merges;
  const std::vector<std::string_view> lines = text_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const size_t line_no = i + 1;
    if (line_no == 1 && line.substr(0, 8) == "#version") continue;
    if (line.empty())
      return make_error(what + ": line " + std::to_string(line_no) +
                        ": empty line (expected two tokens separated by a space)");
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp + 1 == line.size() ||
        line.find(' ', sp + 1) != std::string_view::npos)
      return make_error(what + ": line " + std::to_string(line_no) +
                        ": expected two tokens separated by one space, got " + json::quoted(line));
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
        return make_error(where + ": expected two tokens separated by one space, got " + json::quoted(s));
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

// What build_model needs besides the vocab: the model kind and how token text
// is shown.
struct ModelSpec {
  Tokenizer::Model::Kind kind = Tokenizer::Model::kBPE;
  bool byte_level = true;
  Decoder decoder;  // non-byte-level: vocab token -> what it stands for
  Normalizer normalizer;  // normalizes the content of normalized added tokens
  std::string unk_token;  // "" for none
  bool byte_fallback = false;
};

Result<std::shared_ptr<Tokenizer::Model>> build_model(std::vector<VocabEntry> vocab,
                                                      const std::vector<MergeEntry>& merges,
                                                      const std::vector<AddedToken>& added,
                                                      const ModelSpec& spec,
                                                      const std::string& vocab_what,
                                                      const std::string& added_what) {
  auto model = std::make_shared<Tokenizer::Model>();
  model->kind = spec.kind;
  model->byte_level = spec.byte_level;
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
                        json::quoted(*owner[e.id]) + " and " + json::quoted(e.token));
    owner[e.id] = &e.token;
    if (spec.byte_level) {
      // Tokens outside the byte alphabet (only reachable as added tokens) stand
      // for their own UTF-8 text.
      std::optional<std::string> bytes = vocab_form_to_bytes(e.token);
      model->bytes_of[e.id] = bytes ? std::move(*bytes) : e.token;
    } else {
      model->bytes_of[e.id] = spec.decoder.token_text(e.token);
    }
    model->by_vocab_form.emplace(e.token, e.id);
  }
  if (spec.byte_level) {
    for (int b = 0; b < 256; ++b) {
      std::string form = bytes_to_vocab_form(std::string(1, static_cast<char>(b)));
      auto it = model->by_vocab_form.find(form);
      if (it == model->by_vocab_form.end()) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02X", b);
        return make_error(vocab_what + ": no token for byte " + hex + " (" + json::quoted(form) + ")");
      }
      model->byte_id[b] = it->second;
    }
  }
  model->byte_fallback = spec.byte_fallback;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = model->by_vocab_form.find(name);
    model->fallback_id[b] = it == model->by_vocab_form.end() ? -1 : it->second;
  }
  if (!spec.unk_token.empty()) {
    auto it = model->by_vocab_form.find(spec.unk_token);
    if (it == model->by_vocab_form.end())
      return make_error(vocab_what + ": unk_token " + json::quoted(spec.unk_token) + " is not in the vocab");
    model->unk_id = it->second;
  }
  model->merges.reserve(merges.size() * 2);
  for (size_t r = 0; r < merges.size(); ++r) {
    const MergeEntry& m = merges[r];
    auto a = model->by_vocab_form.find(m.left);
    if (a == model->by_vocab_form.end())
      return make_error(m.where + ": token " + json::quoted(m.left) + " is not in the vocab");
    auto b = model->by_vocab_form.find(m.right);
    if (b == model->by_vocab_form.end())
      return make_error(m.where + ": token " + json::quoted(m.right) + " is not in the vocab");
    std::string joined = m.left + m.right;
    auto c = model->by_vocab_form.find(joined);
    if (c == model->by_vocab_form.end())
      return make_error(m.where + ": merged token " + json::quoted(joined) + " is not in the vocab");
    uint64_t key = pair_key(a->second, b->second);
    auto ins = model->merges.emplace(key, MergeInfo{static_cast<int32_t>(r), c->second});
    if (!ins.second)
      return make_error(m.where + ": duplicate merge " + json::quoted(m.left + " " + m.right) +
                        " (first at " + merges[ins.first->second.rank].where + ")");
  }
  std::vector<const std::string*> added_owner(size, nullptr);
  for (const AddedToken& a : added) {
    if (a.content.empty()) return make_error(added_what + ": an added token has empty content");
    // An id the vocab also has must stand for the same bytes, or decode(encode(x))
    // would not give x back (content "Ġ" on the id of the vocab's "Ġ", byte ' ').
    // Without byte level, the vocab token must be the content itself.
    if (owner[a.id] && (spec.byte_level ? model->bytes_of[a.id] != a.content : *owner[a.id] != a.content))
      return make_error(added_what + ": added token " + json::quoted(a.content) + " has id " +
                        std::to_string(a.id) + ", which the vocab gives to " + json::quoted(*owner[a.id]) +
                        (spec.byte_level && *owner[a.id] == a.content ? " (standing for the bytes " + json::quoted(model->bytes_of[a.id]) + ")" : ""));
    auto it = model->by_vocab_form.find(a.content);
    if (it != model->by_vocab_form.end() && it->second != a.id)
      return make_error(added_what + ": added token " + json::quoted(a.content) + " has id " +
                        std::to_string(a.id) + " but the vocab gives it id " +
                        std::to_string(it->second));
    if (model->added_by_content.count(a.content))
      return make_error(added_what + ": added token " + json::quoted(a.content) + " appears twice");
    if (added_owner[a.id])  // two contents on one id: decode could give back only one of them
      return make_error(added_what + ": added token " + json::quoted(a.content) + " has id " +
                        std::to_string(a.id) + ", which added token " + json::quoted(*added_owner[a.id]) + " also has");
    added_owner[a.id] = &a.content;
    model->bytes_of[a.id] = a.content;
    model->added_by_content.emplace(a.content, a.id);
    AddedToken t = a;
    t.match = a.normalized ? spec.normalizer.apply(a.content) : a.content;
    if (t.match.empty()) continue;  // normalizes to nothing: can never match
    if (!t.normalized) model->added_first_byte[static_cast<unsigned char>(t.match[0])] = true;
    model->any_normalized_added = model->any_normalized_added || t.normalized;
    model->added.push_back(std::move(t));
  }
  std::stable_sort(model->added.begin(), model->added.end(),
                   [](const AddedToken& x, const AddedToken& y) { return x.match.size() > y.match.size(); });
  model->normalizer = spec.normalizer;
  return model;
}

// ------------------------------------------------------- tokenizer.json ---

bool is_null_or_absent(const json::Value* v) { return !v || v->is_null(); }

bool is_empty_string_or_null(const json::Value* v) {
  return !v || v->is_null() || (v->is_string() && v->string.empty());
}

const json::Value& value_or_null(const json::Value* v) {
  static const json::Value null_value;
  return v ? *v : null_value;
}

Result<std::vector<AddedToken>> read_added_tokens(const json::Value& root, const std::string& src) {
  std::vector<AddedToken> added;
  const json::Value* at = root.find("added_tokens");
  if (is_null_or_absent(at)) return added;
  if (!at->is_array()) return make_error(src + ": added_tokens must be an array");
  for (size_t i = 0; i < at->items.size(); ++i) {
    const json::Value& t = at->items[i];
    std::string where = src + ": added_tokens[" + std::to_string(i) + "]";
    if (!t.is_object()) return make_error(where + ": expected an object");
    const json::Value* id = t.find("id");
    const json::Value* content = t.find("content");
    if (!content || !content->is_string() || content->string.empty())
      return make_error(where + ": no non-empty \"content\" string");
    where = src + ": added token " + json::quoted(content->string);
    if (!id || !id->is_number() || !id->is_integer || id->integer < 0 || id->integer > kMaxId)
      return make_error(where + ": \"id\" must be an integer in [0, 2^31)");
    for (const char* flag : {"single_word", "lstrip", "rstrip"}) {
      const json::Value* f = t.find(flag);
      if (f && f->is_bool() && f->boolean)
        return make_error(where + ": " + flag + " is not supported (it would change token ids)");
    }
    const component_json::Place place{src, "added_tokens[" + std::to_string(i) + "]"};
    HS_TRY_ASSIGN(bool special, component_json::bool_field(t, "special", false, place));
    HS_TRY_ASSIGN(bool normalized, component_json::bool_field(t, "normalized", !special, place));
    added.push_back({content->string, static_cast<int32_t>(id->integer), normalized, ""});
  }
  return added;
}

// WordPiece vocab from tokenizer.json or vocab.txt: the unk token and limits.
Status read_wordpiece_options(const json::Value& model, const std::string& src, Tokenizer::Model& out) {
  const component_json::Place place{src, "model"};
  HS_TRY_ASSIGN(out.continuing_prefix, component_json::string_field(model, "continuing_subword_prefix", "##", place));
  if (const json::Value* m = model.find("max_input_chars_per_word"); m && !m->is_null()) {
    if (!m->is_number() || !m->is_integer || m->integer < 0)
      return make_error(src + ": model.max_input_chars_per_word must be a non-negative integer");
    out.max_input_chars_per_word = static_cast<size_t>(m->integer);
  }
  return {};
}

}  // namespace

Result<Tokenizer> Tokenizer::from_tokenizer_json(std::string_view json_text, std::string_view source_name) {
  const std::string src(source_name);
  HS_TRY_ASSIGN(json::Value root, json::parse(json_text, source_name));
  if (!root.is_object()) return make_error(src + ": expected a JSON object, got " + describe_type(root));
  using component_json::Place;

  for (const char* field : {"truncation", "padding"}) {
    if (!is_null_or_absent(root.find(field)))
      return make_error(src + ": " + field + " is not supported (it would change token ids)");
  }
  ModelSpec spec;
  HS_TRY_ASSIGN(spec.normalizer, Normalizer::from_json(value_or_null(root.find("normalizer")), Place{src, "normalizer"}));
  HS_TRY_ASSIGN(PreTokenizer pre, PreTokenizer::from_json(value_or_null(root.find("pre_tokenizer")), Place{src, "pre_tokenizer"}));
  HS_TRY_ASSIGN(PostProcessor post,
                PostProcessor::from_json(value_or_null(root.find("post_processor")), Place{src, "post_processor"}));
  HS_TRY_ASSIGN(spec.decoder, Decoder::from_json(value_or_null(root.find("decoder")), Place{src, "decoder"}));

  const json::Value* model = root.find("model");
  if (!model || !model->is_object()) return make_error(src + ": no \"model\" object");
  const json::Value* mtype = model->find("type");
  if (!mtype || !mtype->is_string()) return make_error(src + ": model has no \"type\"");
  const component_json::Place model_place{src, "model"};
  if (mtype->string == "WordPiece") {
    spec.kind = Model::kWordPiece;
  } else if (mtype->string != "BPE") {
    return component_json::unsupported_type(model_place, "model", mtype->string, "BPE, WordPiece");
  }
  spec.byte_level = spec.kind == Model::kBPE && pre.byte_level();
  HS_TRY_ASSIGN(spec.unk_token, component_json::string_field(*model, "unk_token", "", model_place));
  if (spec.kind == Model::kWordPiece && spec.unk_token.empty())
    return make_error(src + ": model.unk_token: WordPiece needs an unknown token");

  std::vector<MergeEntry> merges;
  bool ignore_merges = false;
  bool fuse_unk = false;
  if (spec.kind == Model::kBPE) {
    if (!is_null_or_absent(model->find("dropout")))
      return make_error(src + ": model.dropout is not supported (it would change token ids)");
    if (!is_empty_string_or_null(model->find("continuing_subword_prefix")))
      return make_error(src + ": model.continuing_subword_prefix is not supported (it would change token ids)");
    if (!is_empty_string_or_null(model->find("end_of_word_suffix")))
      return make_error(src + ": model.end_of_word_suffix is not supported (it would change token ids)");
    HS_TRY_ASSIGN(spec.byte_fallback, component_json::bool_field(*model, "byte_fallback", false, model_place));
    HS_TRY_ASSIGN(ignore_merges, component_json::bool_field(*model, "ignore_merges", false, model_place));
    HS_TRY_ASSIGN(fuse_unk, component_json::bool_field(*model, "fuse_unk", false, model_place));
    const json::Value* merges_v = model->find("merges");
    if (!merges_v) return make_error(src + ": model has no \"merges\"");
    HS_TRY_ASSIGN(merges, read_merges_json(*merges_v, src + ": model.merges"));
  }
  const json::Value* vocab_v = model->find("vocab");
  if (!vocab_v) return make_error(src + ": model has no \"vocab\"");
  HS_TRY_ASSIGN(std::vector<VocabEntry> vocab, read_vocab(*vocab_v, src + ": model.vocab"));
  HS_TRY_ASSIGN(std::vector<AddedToken> added, read_added_tokens(root, src));

  HS_TRY_ASSIGN(auto built, build_model(std::move(vocab), merges, added, spec, src + ": model.vocab",
                                        src + ": added_tokens"));
  built->ignore_merges = ignore_merges;
  built->fuse_unk = fuse_unk;
  if (spec.kind == Model::kWordPiece) HS_TRY(read_wordpiece_options(*model, src, *built));
  // The post-processor's ids go into every encoding as they are: each must be an
  // id of the vocab (BertProcessing "sep": ["[SEP]", 9] with ids 0..8 is not).
  for (const std::vector<int32_t>* ids : {&post.before, &post.after})
    for (int32_t id : *ids)
      if (static_cast<size_t>(id) >= built->bytes_of.size())
        return make_error(src + ": post_processor: special token id " + std::to_string(id) +
                          " is outside the vocab (ids 0 to " + std::to_string(built->bytes_of.size() - 1) + ")");
  built->pre_tokenizer = std::move(pre);
  built->post_processor = std::move(post);
  built->strip_leading_spaces = spec.decoder.strip_leading_spaces();
  built->round_trips = spec.byte_level && spec.normalizer.empty() && built->post_processor.empty() &&
                       !built->pre_tokenizer.adds_prefix_space();
  Tokenizer tok;
  tok.model_ = std::move(built);
  return tok;
}

Result<Tokenizer> Tokenizer::from_vocab_merges(std::string_view vocab_json, std::string_view merges_txt) {
  HS_TRY_ASSIGN(json::Value root, json::parse(vocab_json, "vocab.json"));
  HS_TRY_ASSIGN(std::vector<VocabEntry> vocab, read_vocab(root, "vocab.json"));
  HS_TRY_ASSIGN(std::vector<MergeEntry> merges, read_merges_txt(merges_txt, "merges.txt"));
  ModelSpec spec;
  HS_TRY_ASSIGN(auto built, build_model(std::move(vocab), merges, {}, spec, "vocab.json", "vocab.json"));
  built->pre_tokenizer = PreTokenizer::gpt2();
  Tokenizer tok;
  tok.model_ = std::move(built);
  return tok;
}

Result<Tokenizer> Tokenizer::from_vocab_txt(std::string_view vocab_txt, bool lowercase) {
  const std::string src = "vocab.txt";
  std::vector<VocabEntry> vocab;
  std::unordered_map<std::string, size_t> line_of;
  const std::vector<std::string_view> lines = text_lines(vocab_txt);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    const size_t line_no = i + 1;
    if (line.empty()) return make_error(src + ": line " + std::to_string(line_no) + ": empty token");
    auto ins = line_of.emplace(std::string(line), line_no);
    if (!ins.second)
      return make_error(src + ": line " + std::to_string(line_no) + ": token " + json::quoted(line) +
                        " already on line " + std::to_string(ins.first->second));
    vocab.push_back({std::string(line), static_cast<int32_t>(vocab.size())});
  }
  ModelSpec spec;
  spec.kind = Model::kWordPiece;
  spec.byte_level = false;
  spec.decoder = Decoder::wordpiece("##");
  spec.unk_token = "[UNK]";
  spec.normalizer = Normalizer::bert(lowercase);
  std::vector<AddedToken> added;
  for (const char* special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    auto it = line_of.find(special);
    if (it == line_of.end()) {
      if (std::string(special) == "[PAD]" || std::string(special) == "[MASK]") continue;
      return make_error(src + ": no " + special + " token");
    }
    added.push_back({special, static_cast<int32_t>(it->second - 1), false, ""});
  }
  HS_TRY_ASSIGN(auto built, build_model(std::move(vocab), {}, added, spec, src, src));
  built->pre_tokenizer = PreTokenizer::bert();
  built->post_processor.before = {static_cast<int32_t>(line_of["[CLS]"] - 1)};
  built->post_processor.after = {static_cast<int32_t>(line_of["[SEP]"] - 1)};
  built->strip_leading_spaces = spec.decoder.strip_leading_spaces();
  built->round_trips = false;
  Tokenizer tok;
  tok.model_ = std::move(built);
  return tok;
}

Tokenizer::Tokenizer() : cache_(std::make_shared<Cache>()) {}

// --------------------------------------------------------------- encoding ---

void Tokenizer::Model::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  const size_t n = word.size();
  if (n == 0) return;
  if (kind == kWordPiece) {
    encode_wordpiece(word, out);
    return;
  }
  if (byte_level && n == 1) {
    out.push_back(byte_id[static_cast<unsigned char>(word[0])]);
    return;
  }
  if (ignore_merges) {
    auto it = by_vocab_form.find(byte_level ? bytes_to_vocab_form(word) : std::string(word));
    if (it != by_vocab_form.end()) {
      out.push_back(it->second);
      return;
    }
  }
  std::vector<int32_t> ids;
  ids.reserve(n);
  if (byte_level) {
    for (size_t i = 0; i < n; ++i) ids.push_back(byte_id[static_cast<unsigned char>(word[i])]);
  } else {
    // One symbol per character; a character not in the vocab becomes its
    // "<0xNN>" byte tokens (byte_fallback, when all exist), else the unknown
    // token (consecutive ones fused with fuse_unk), else nothing.
    const auto* s = reinterpret_cast<const unsigned char*>(word.data());
    bool last_unk = false;
    for (size_t i = 0; i < n;) {
      uint32_t cp;
      size_t len = utf8::decode(s, n, i, &cp);
      if (len == 0) len = 1;
      std::string ch(word.substr(i, len));
      i += len;
      auto it = by_vocab_form.find(ch);
      if (it != by_vocab_form.end()) {
        ids.push_back(it->second);
        last_unk = false;
        continue;
      }
      if (byte_fallback) {
        bool all = true;
        for (unsigned char b : ch) all = all && fallback_id[b] >= 0;
        if (all) {
          for (unsigned char b : ch) ids.push_back(fallback_id[b]);
          last_unk = false;
          continue;
        }
      }
      if (unk_id < 0) continue;
      if (!(fuse_unk && last_unk)) ids.push_back(unk_id);
      last_unk = true;
    }
  }
  encode_bpe_symbols(std::move(ids), out);
}

void Tokenizer::Model::encode_bpe_symbols(std::vector<int32_t> ids, std::vector<int32_t>& out) const {
  const size_t n = ids.size();
  if (n == 0) return;
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
  std::vector<int32_t> next(n), prev(n);
  for (size_t i = 0; i < n; ++i) {
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

void Tokenizer::Model::encode_wordpiece(std::string_view word, std::vector<int32_t>& out) const {
  // Character boundaries (byte offsets).
  std::vector<size_t> bounds;
  const auto* s = reinterpret_cast<const unsigned char*>(word.data());
  for (size_t i = 0; i < word.size();) {
    bounds.push_back(i);
    uint32_t cp;
    size_t len = utf8::decode(s, word.size(), i, &cp);
    i += len ? len : 1;
  }
  const size_t chars = bounds.size();
  bounds.push_back(word.size());
  if (chars > max_input_chars_per_word) {
    out.push_back(unk_id);
    return;
  }
  // Greedy longest match from the left; one piece that matches nothing makes
  // the whole word unknown.
  const size_t mark = out.size();
  std::string candidate;
  for (size_t start = 0; start < chars;) {
    size_t end = chars;
    int32_t found = -1;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? continuing_prefix : std::string());
      candidate.append(word.substr(bounds[start], bounds[end] - bounds[start]));
      auto it = by_vocab_form.find(candidate);
      if (it != by_vocab_form.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      out.resize(mark);
      out.push_back(unk_id);
      return;
    }
    out.push_back(found);
    start = end;
  }
}

void Tokenizer::Model::encode_cached(std::string_view word, Cache* cache, std::vector<int32_t>& out) const {
  if (byte_level && kind == kBPE && word.size() == 1) {
    out.push_back(byte_id[static_cast<unsigned char>(word[0])]);
    return;
  }
  const bool cacheable = cache && word.size() <= Cache::kMaxWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache->mu);
    auto it = cache->words.find(std::string(word));
    if (it != cache->words.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> scratch;
  encode_word(word, scratch);
  out.insert(out.end(), scratch.begin(), scratch.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache->mu);
    if (cache->words.size() >= Cache::kMaxEntries) cache->words.clear();
    cache->words.emplace(std::string(word), std::move(scratch));
  }
}

// Normalized text without added tokens: pre-tokenize, then the model per word.
void Tokenizer::Model::encode_words(std::string_view text, bool at_start, Cache* cache,
                                    std::vector<int32_t>& out) const {
  if (text.empty()) return;
  for (const Piece& word : pre_tokenizer.apply({Piece{std::string(text), at_start}}))
    encode_cached(word.text, cache, out);
}

namespace {

// Splits `text` on the added tokens whose `normalized` is `in_normalized`
// (leftmost match, longest first); `plain` gets the text between them.
template <class Plain>
void split_on_added(const std::vector<AddedToken>& added, const std::array<bool, 256>* first_byte,
                    bool in_normalized, std::string_view text, std::vector<int32_t>& out, Plain plain) {
  size_t segment = 0;
  for (size_t i = 0; i < text.size();) {
    if (!first_byte || (*first_byte)[static_cast<unsigned char>(text[i])]) {
      const AddedToken* hit = nullptr;
      for (const AddedToken& a : added) {
        if (a.normalized == in_normalized && text.compare(i, a.match.size(), a.match) == 0) {
          hit = &a;
          break;
        }
      }
      if (hit) {
        plain(text.substr(segment, i - segment), segment);
        out.push_back(hit->id);
        i += hit->match.size();
        segment = i;
        continue;
      }
    }
    ++i;
  }
  plain(text.substr(segment), segment);
}

}  // namespace

void Tokenizer::Model::encode_normalized(std::string_view text, bool at_start, Cache* cache,
                                         std::vector<int32_t>& out) const {
  if (text.empty()) return;
  std::string normalized = normalizer.apply(text);
  if (!any_normalized_added) {
    encode_words(normalized, at_start, cache, out);
    return;
  }
  split_on_added(added, nullptr, true, normalized, out, [&](std::string_view part, size_t offset) {
    encode_words(part, at_start && offset == 0, cache, out);
  });
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int32_t> out;
  if (!model_) return out;
  out.reserve(text.size() / 3 + 4);
  const Model& m = *model_;
  if (add_special_tokens) out = m.post_processor.before;
  // Added tokens not normalized are found in the raw text first; each piece
  // between them is normalized on its own.
  split_on_added(m.added, &m.added_first_byte, false, text, out, [&](std::string_view part, size_t offset) {
    m.encode_normalized(part, offset == 0, cache_.get(), out);
  });
  if (add_special_tokens) out.insert(out.end(), m.post_processor.after.begin(), m.post_processor.after.end());
  return out;
}

bool Tokenizer::round_trips() const { return !model_ || model_->round_trips; }

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
  size_t strip = 0;
  while (strip < model_->strip_leading_spaces && strip < out.size() && out[strip] == ' ') ++strip;
  out.erase(0, strip);
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
