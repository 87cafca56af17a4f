// tests/tokenizer/test_components.cpp — the tokenizer.json components one by
// one on small hand-written files: the regex matcher, normalizers,
// pre-tokenizers, BPE with byte fallback / unk / fuse_unk, WordPiece (from
// tokenizer.json and vocab.txt), added tokens around normalizers, post-processors
// and decoders. Every expected id list is worked out by hand in the comments;
// every error message is checked word for word.
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "json/json.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/regex.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer_fixtures.hpp"

using hs::tokenizer::Normalizer;
using hs::tokenizer::Piece;
using hs::tokenizer::PreTokenizer;
using hs::tokenizer::Regex;
using hs::tokenizer::Tokenizer;
using Ids = std::vector<int32_t>;
using Strings = std::vector<std::string>;

namespace {

const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kMeta = "\xe2\x96\x81";  // "▁"

Strings matches(const Regex& re, const std::string& text) {
  Strings out;
  for (auto [b, e] : re.find_all(text)) out.push_back(text.substr(b, e - b));
  return out;
}

std::string regex_error(const std::string& pattern) {
  auto r = Regex::compile(pattern, "p");
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

std::string normalize(const std::string& json, const std::string& text) {
  auto v = hs::json::parse(json, "test");
  REQUIRE(v.ok());
  auto n = Normalizer::from_json(*v, {"tokenizer.json", "normalizer"});
  REQUIRE(n.ok());
  return n->apply(text);
}

Strings pre_tokenize(const std::string& json, const std::string& text) {
  auto v = hs::json::parse(json, "test");
  REQUIRE(v.ok());
  auto p = PreTokenizer::from_json(*v, {"tokenizer.json", "pre_tokenizer"});
  REQUIRE(p.ok());
  Strings out;
  for (const Piece& piece : p->apply({Piece{text, true}})) out.push_back(piece.text);
  return out;
}

Tokenizer load(const std::string& json) {
  auto t = Tokenizer::from_tokenizer_json(json);
  INFO((t.ok() ? std::string() : t.error().message));
  REQUIRE(t.ok());
  return t.value();
}

std::string load_error(const std::string& json) {
  auto t = Tokenizer::from_tokenizer_json(json);
  REQUIRE_FALSE(t.ok());
  return t.error().message;
}

// A Llama-2-like file: vocab <unk>0 <s>1 </s>2 <0xE2>3 <0x82>4 <0xAC>5 ▁6 a7
// b8 ▁a9 ab10 ▁ab11; merges "▁ a" (rank 0), "a b" (1), "▁a b" (2).
std::string llama2_like(const std::string& model_flags = R"("byte_fallback":true,"fuse_unk":true,)") {
  const std::string m = kMeta;
  return R"({"added_tokens":[{"id":0,"content":"<unk>","special":true,"normalized":false},
      {"id":1,"content":"<s>","special":true,"normalized":false},
      {"id":2,"content":"</s>","special":true,"normalized":false}],
    "normalizer":{"type":"Sequence","normalizers":[{"type":"Prepend","prepend":")" + m + R"("},
      {"type":"Replace","pattern":{"String":" "},"content":")" + m + R"("}]},
    "pre_tokenizer":null,
    "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},
      {"Sequence":{"id":"A","type_id":0}}],"special_tokens":{"<s>":{"id":"<s>","ids":[1],"tokens":["<s>"]}}},
    "decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":")" + m + R"("},"content":" "},
      {"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]},
    "model":{"type":"BPE","unk_token":"<unk>",)" + model_flags + R"("vocab":{"<unk>":0,"<s>":1,"</s>":2,
      "<0xE2>":3,"<0x82>":4,"<0xAC>":5,")" + m + R"(":6,"a":7,"b":8,")" + m + R"(a":9,"ab":10,")" + m + R"(ab":11},
      "merges":[")" + m + R"( a","a b",")" + m + R"(a b"]}})";
}

// A BERT-like file: [PAD]0 [UNK]1 [CLS]2 [SEP]3 un4 ##aff5 ##able6 the7 ,8 ##s9 a10.
const char* const kBertVocab = R"({"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"un":4,"##aff":5,"##able":6,"the":7,
    ",":8,"##s":9,"a":10})";
std::string bert_like(const std::string& max_chars = "100") {
  return std::string(R"({"added_tokens":[{"id":0,"content":"[PAD]","special":true,"normalized":false},
      {"id":1,"content":"[UNK]","special":true,"normalized":false},
      {"id":2,"content":"[CLS]","special":true,"normalized":false},
      {"id":3,"content":"[SEP]","special":true,"normalized":false}],
    "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,
      "lowercase":true},
    "pre_tokenizer":{"type":"BertPreTokenizer"},
    "post_processor":{"type":"BertProcessing","sep":["[SEP]",3],"cls":["[CLS]",2]},
    "decoder":{"type":"WordPiece","prefix":"##","cleanup":true},
    "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":)") +
         max_chars + R"(,"vocab":)" + kBertVocab + "}}";
}

// A Llama-3-like file: GPT-2's byte tokens (id = byte) + Ġt256 he257 Ġthe258
// 123 259 12 260; Split by Llama 3's regex, ByteLevel without regex,
// ignore_merges; <|begin_of_text|> 261 before every text.
std::string llama3_like() {
  using hs_test::kG;
  std::string vocab = hs_test::vocab_json(hs_test::small_vocab_tokens(
      {std::string(kG) + "t", "he", std::string(kG) + "the", "123", "12"}));
  std::string pattern;
  hs::json::write_string(pattern, kLlama3Pattern);
  return R"({"added_tokens":[{"id":261,"content":"<|begin_of_text|>","special":true,"normalized":false}],
    "normalizer":null,
    "pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":)" + pattern +
         R"(},"behavior":"Isolated","invert":false},{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}]},
    "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},
      {"Sequence":{"id":"A","type_id":0}}],"special_tokens":{"<|begin_of_text|>":{"id":"<|begin_of_text|>",
      "ids":[261],"tokens":["<|begin_of_text|>"]}}},
    "decoder":{"type":"ByteLevel"},
    "model":{"type":"BPE","ignore_merges":true,"vocab":)" + vocab + R"(,"merges":[")" + kG + R"( t","h e",")" + kG +
         R"(t he","1 2","12 3"]}})";
}

}  // namespace

// ------------------------------------------------------------------- regex ---

TEST_CASE("regex: Llama 3's pattern splits as Oniguruma does") {
  auto re = Regex::compile(kLlama3Pattern, "p");
  REQUIRE(re.ok());
  // "I" letters; "'M" (?i:'m); of the two spaces the first is \s+(?!\S) and the
  // second joins "fine" ([^\r\n\p{L}\p{N}]?\p{L}+); "\n\n" \s*[\r\n]+; " " is
  // \s+ (the lookahead fails before "1"); \p{N}{1,3} gives "123" then "4".
  CHECK(matches(*re, "I'M  fine\n\n 1234 ok!!") ==
        Strings{"I", "'M", " ", " fine", "\n\n", " ", "123", "4", " ok", "!!"});
  CHECK(matches(*re, "don't") == Strings{"don", "'t"});
  CHECK(matches(*re, "x=1;\n") == Strings{"x", "=", "1", ";\n"});  // [\r\n]* after punctuation
  CHECK(matches(*re, "\xce\xa9mega \xe4\xb8\xad\xe6\x96\x87") == Strings{"\xce\xa9mega", " \xe4\xb8\xad\xe6\x96\x87"});
  CHECK(matches(*re, "") == Strings{});
}

TEST_CASE("regex: Qwen2's pattern takes digits one by one") {
  auto re = Regex::compile(
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
      "p");
  REQUIRE(re.ok());
  CHECK(matches(*re, "abc 12345") == Strings{"abc", " ", "1", "2", "3", "4", "5"});
  CHECK(matches(*re, "You'LL  go\r\n") == Strings{"You", "'LL", " ", " go", "\r\n"});
}

TEST_CASE("regex: the constructs of the supported set") {
  CHECK(matches(Regex::compile("a{2,3}", "p").value(), "aaaaaaa") == Strings{"aaa", "aaa"});
  CHECK(matches(Regex::compile("a{2}", "p").value(), "aaaaa") == Strings{"aa", "aa"});
  CHECK(matches(Regex::compile("[a-c]+|[^a-c\\s]+", "p").value(), "abxy cab") == Strings{"ab", "xy", "cab"});
  CHECK(matches(Regex::compile("(?i:ab)+", "p").value(), "AbaBx") == Strings{"AbaB"});
  CHECK(matches(Regex::compile("\\d+(?=x)", "p").value(), "12x34y") == Strings{"12"});
  CHECK(matches(Regex::compile("\\w+", "p").value(), "a_b1 c") == Strings{"a_b1", "c"});
  // \w is Oniguruma's: Alphabetic (U+3007 is Nl), marks, Join_Control (ZWJ).
  CHECK(matches(Regex::compile("\\w+", "p").value(), "\xe3\x80\x87!\xe2\x80\x8d?") ==
        Strings{"\xe3\x80\x87", "\xe2\x80\x8d"});
  CHECK(matches(Regex::compile("\\p{Lu}\\p{Ll}*", "p").value(), "HelloWorld") == Strings{"Hello", "World"});
  CHECK(matches(Regex::compile("a.c", "p").value(), "abc a\nc") == Strings{"abc"});
  CHECK(matches(Regex::literal("a+"), "aa+a+") == Strings{"a+", "a+"});
  // \s is White_Space: U+0085 yes, U+FEFF no.
  CHECK(matches(Regex::compile("\\s", "p").value(), "\xc2\x85\xef\xbb\xbf") == Strings{"\xc2\x85"});
  CHECK(Regex::compile("a", "p")->replace_all("banana", "o") == "bonono");
}

TEST_CASE("regex: unsupported constructs are errors naming them") {
  CHECK(regex_error("a+?") == "p: regex construct not supported or invalid at character 2: lazy or possessive quantifier");
  CHECK(regex_error("\\p{Greek}") == "p: regex construct not supported or invalid at character 9: unknown property \\p{Greek}");
  CHECK(regex_error("(?<n>a)") == "p: regex construct not supported or invalid at character 1: group kind (?<...)");
  CHECK(regex_error("^a") == "p: regex construct not supported or invalid at character 0: anchors ^ $");
  CHECK(regex_error("[ab") == "p: regex construct not supported or invalid at character 3: unterminated character class");
  CHECK(regex_error("\\bx") == "p: regex construct not supported or invalid at character 1: escape \\b");
  CHECK(regex_error("a)") == "p: regex construct not supported or invalid at character 1: unbalanced ')'");
  CHECK(regex_error("a{3,1}") == "p: regex construct not supported or invalid at character 5: {n,m} with m < n");
  // patterns whose backtracking can take exponential time
  const std::string slow = "a repeated group that contains a quantifier or an alternation (it can take exponential time)";
  CHECK(regex_error("(a*)*b") == "p: regex construct not supported or invalid at character 4: " + slow);
  CHECK(regex_error("(a|ab)+") == "p: regex construct not supported or invalid at character 6: " + slow);
  CHECK(regex_error("(?:x+y?){2,}") == "p: regex construct not supported or invalid at character 11: " + slow);
  // a choice repeated at most once, or a fixed repetition inside a repeat, is fine (GPT-4o's pattern has the first)
  CHECK(hs::tokenizer::Regex::compile("(?i:'s|'t)?", "p").ok());
  CHECK(hs::tokenizer::Regex::compile("(ab{2})+", "p").ok());
}

// -------------------------------------------------------------- normalizers ---

TEST_CASE("normalizers: Unicode forms, case, accents") {
  CHECK(normalize(R"({"type":"NFC"})", "e\xcc\x81") == "\xc3\xa9");               // e + U+0301 -> é
  CHECK(normalize(R"({"type":"NFD"})", "\xc3\xa9") == "e\xcc\x81");               // é -> e + U+0301
  CHECK(normalize(R"({"type":"NFKC"})", "\xef\xac\x81") == "fi");                 // ﬁ -> fi
  CHECK(normalize(R"({"type":"NFKD"})", "\xe2\x91\xa0") == "1");                  // ① -> 1
  CHECK(normalize(R"({"type":"NFC"})", "\xe1\x84\x80\xe1\x85\xa1") == "\xea\xb0\x80");  // ᄀ + ᅡ -> 가
  CHECK(normalize(R"({"type":"NFD"})", "\xea\xb0\x81") == "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8");  // 각
  // Canonical order: dot below (220) before acute (230).
  CHECK(normalize(R"({"type":"NFD"})", "a\xcc\x81\xcc\xa3") == "a\xcc\xa3\xcc\x81");
  CHECK(normalize(R"({"type":"Lowercase"})", "\xc4\xb0" "AB\xce\xa3") == "i\xcc\x87" "ab\xcf\x83");  // İ -> i + U+0307
  CHECK(normalize(R"({"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"StripAccents"}]})",
                  "Cr\xc3\xa8me") == "Creme");
  CHECK(normalize(R"({"type":"StripAccents"})", "\xc3\xa8") == "\xc3\xa8");  // nothing to strip before NFD
  // StripAccents drops every mark (here the Mc vowel sign U+093E of "का");
  // BertNormalizer's strip_accents only Mn.
  CHECK(normalize(R"({"type":"StripAccents"})", "\xe0\xa4\x95\xe0\xa4\xbe") == "\xe0\xa4\x95");
  CHECK(normalize(R"({"type":"BertNormalizer","lowercase":false,"strip_accents":true})", "\xe0\xa4\x95\xe0\xa4\xbe") ==
        "\xe0\xa4\x95\xe0\xa4\xbe");
  CHECK(normalize(R"({"type":"Strip","strip_left":true,"strip_right":false})", " \t a \n") == "a \n");
  // Invalid UTF-8 passes through untouched.
  CHECK(normalize(R"({"type":"NFKC"})", "a\xff\xc3") == "a\xff\xc3");
}

TEST_CASE("normalizers: Prepend, Replace, BertNormalizer") {
  const std::string m = kMeta;
  CHECK(normalize(R"({"type":"Prepend","prepend":"X"})", "ab") == "Xab");
  CHECK(normalize(R"({"type":"Prepend","prepend":"X"})", "") == "");
  CHECK(normalize(R"({"type":"Replace","pattern":{"String":" "},"content":")" + m + R"("})", "a b  c") ==
        "a" + m + "b" + m + m + "c");
  CHECK(normalize(R"({"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "})", "a  b     c d") == "a b c d");
  // clean_text drops U+0000 and controls, maps \t and NBSP to ' '; CJK padded;
  // strip_accents follows lowercase when null.
  CHECK(normalize(R"({"type":"BertNormalizer","strip_accents":null,"lowercase":true})",
                  "H\xc3\xa9llo\t\xe4\xbd\xa0\xc2\xa0x\x01y") == "hello  \xe4\xbd\xa0  xy");
  CHECK(normalize(R"({"type":"BertNormalizer","lowercase":false})", "H\xc3\xa9") == "H\xc3\xa9");
  CHECK(normalize(R"({"type":"BertNormalizer","lowercase":false,"strip_accents":true})", "H\xc3\xa9") == "He");
}

// ----------------------------------------------------------- pre-tokenizers ---

TEST_CASE("pre-tokenizers: Split by each behavior") {
  auto split = [](const std::string& behavior, bool invert) {
    return pre_tokenize(R"({"type":"Split","pattern":{"String":"-"},"behavior":")" + behavior + R"(","invert":)" +
                            (invert ? "true" : "false") + "}",
                        "a-b--c");
  };
  CHECK(split("Removed", false) == Strings{"a", "b", "c"});
  CHECK(split("Isolated", false) == Strings{"a", "-", "b", "-", "-", "c"});
  CHECK(split("MergedWithPrevious", false) == Strings{"a-", "b-", "-", "c"});
  CHECK(split("MergedWithNext", false) == Strings{"a", "-b", "-", "-c"});
  CHECK(split("Contiguous", false) == Strings{"a", "-", "b", "--", "c"});
  CHECK(split("Removed", true) == Strings{"-", "-", "-"});
}

TEST_CASE("pre-tokenizers: Metaspace, BERT, Whitespace, Digits, Punctuation, ByteLevel") {
  const std::string m = kMeta;
  CHECK(pre_tokenize(R"({"type":"Metaspace","replacement":")" + m + R"(","prepend_scheme":"always","split":true})",
                     "hi you") == Strings{m + "hi", m + "you"});
  CHECK(pre_tokenize(R"({"type":"Metaspace","prepend_scheme":"never","split":false})", "hi you") ==
        Strings{"hi" + m + "you"});
  CHECK(pre_tokenize(R"({"type":"Metaspace","prepend_scheme":"first"})", "hi") == Strings{m + "hi"});
  CHECK(pre_tokenize(R"({"type":"Metaspace","add_prefix_space":false})", "a b") == Strings{"a", m + "b"});
  CHECK(pre_tokenize(R"({"type":"BertPreTokenizer"})", "Hello, world!  (x)") ==
        Strings{"Hello", ",", "world", "!", "(", "x", ")"});
  CHECK(pre_tokenize(R"({"type":"BertPreTokenizer"})", "a$b\xe2\x80\x94" "c") ==
        Strings{"a", "$", "b", "\xe2\x80\x94", "c"});  // ASCII $ and U+2014 (Pd) are punctuation
  CHECK(pre_tokenize(R"({"type":"Whitespace"})", "hi there!? x_1") == Strings{"hi", "there", "!?", "x_1"});
  CHECK(pre_tokenize(R"({"type":"WhitespaceSplit"})", " a\tb!  c ") == Strings{"a", "b!", "c"});
  CHECK(pre_tokenize(R"({"type":"Digits","individual_digits":true})", "a123") == Strings{"a", "1", "2", "3"});
  CHECK(pre_tokenize(R"({"type":"Digits","individual_digits":false})", "a123b4") == Strings{"a", "123", "b", "4"});
  CHECK(pre_tokenize(R"({"type":"Punctuation","behavior":"Removed"})", "a,b.") == Strings{"a", "b"});
  CHECK(pre_tokenize(R"({"type":"ByteLevel","add_prefix_space":true,"use_regex":true})", "hi there") ==
        Strings{" hi", " there"});
  CHECK(pre_tokenize(R"({"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},{"type":"Digits",
                     "individual_digits":true}]})", "ab12 c") == Strings{"ab", "1", "2", "c"});
}

// ------------------------------------------------------------------ models ---

TEST_CASE("BPE without byte level: byte_fallback, unk, fuse_unk, template") {
  Tokenizer tok = load(llama2_like());
  // "ab" -> "▁ab": ▁ a b -> "▁ a" (rank 0) -> ▁a b -> "▁a b" (rank 2) -> ▁ab.
  CHECK(tok.encode("ab") == Ids{1, 11});
  CHECK(tok.encode("ab", false) == Ids{11});
  // "ab €" -> "▁ab▁€": € (not in the vocab) falls back to its bytes E2 82 AC.
  CHECK(tok.encode("ab \xe2\x82\xac") == Ids{1, 11, 6, 3, 4, 5});
  // x and y have neither a token nor byte tokens: <unk>; "xy" fuses into one.
  CHECK(tok.encode("x y", false) == Ids{6, 0, 6, 0});
  CHECK(tok.encode("xy", false) == Ids{6, 0});
  // Special tokens are matched in the raw text; each side is normalized alone.
  CHECK(tok.encode("<s>ab</s>b", false) == Ids{1, 11, 2, 6, 8});
  CHECK(tok.encode("", true) == Ids{1});
  CHECK(tok.token_text(6) == " ");
  CHECK(tok.token_text(11) == " ab");
  CHECK(tok.token_bytes(3) == "\xe2");
  CHECK(tok.token_text(3) == "<0xE2>");
  CHECK(tok.decode({11, 6, 3, 4, 5}) == "ab \xe2\x82\xac");  // Strip removes the leading space
  CHECK(tok.token_to_id(std::string(kMeta) + "ab") == 11);
  CHECK_FALSE(tok.round_trips());

  Tokenizer no_fuse = load(llama2_like(R"("byte_fallback":true,"fuse_unk":false,)"));
  CHECK(no_fuse.encode("xy", false) == Ids{6, 0, 0});
  Tokenizer no_fallback = load(llama2_like(R"("byte_fallback":false,"fuse_unk":true,)"));
  CHECK(no_fallback.encode("\xe2\x82\xac", false) == Ids{6, 0});
}

TEST_CASE("BPE byte level after a Split regex, ignore_merges (Llama 3)") {
  Tokenizer tok = load(llama3_like());
  // Pieces " the", " ", "123", "4": whole-word tokens Ġthe (258) and 123 (259)
  // by ignore_merges, then the bytes ' ' (32) and '4' (52).
  CHECK(tok.encode(" the 1234") == Ids{261, 258, 32, 259, 52});
  CHECK(tok.encode("I'M", false) == Ids{'I', '\'', 'M'});
  CHECK(tok.encode("<|begin_of_text|>the", false) == Ids{261, 't', 257});
  CHECK(tok.decode(tok.encode(" the 1234", false)) == " the 1234");
}

TEST_CASE("WordPiece from tokenizer.json and vocab.txt") {
  Tokenizer tok = load(bert_like());
  // "unaffable , the": un ##aff ##able | , | the, between [CLS] and [SEP].
  CHECK(tok.encode("UnAffable, the") == Ids{2, 4, 5, 6, 8, 7, 3});
  CHECK(tok.encode("thes", false) == Ids{7, 9});
  CHECK(tok.encode("theq", false) == Ids{1});                 // no "##q": the whole word is [UNK]
  CHECK(tok.encode("Th\xc3\xa9", false) == Ids{7});           // lowercased, accent stripped
  CHECK(tok.encode("aa", false) == Ids{1});
  CHECK(tok.encode("[CLS]a[SEP]", false) == Ids{2, 10, 3});   // special tokens in the raw text
  CHECK(tok.token_text(5) == "aff");
  CHECK(tok.token_text(4) == " un");
  CHECK(tok.decode({4, 5, 6, 8, 7}) == "unaffable , the");
  Tokenizer short_words = load(bert_like("3"));
  CHECK(short_words.encode("the thes", false) == Ids{7, 1});  // "thes" has 4 > 3 characters

  auto txt = Tokenizer::from_vocab_txt("[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\nthe\n,\n##s\na\n");
  REQUIRE(txt.ok());
  CHECK(txt->encode("UnAffable, the") == Ids{2, 4, 5, 6, 8, 7, 3});
  CHECK(txt->encode("theq", false) == Ids{1});
  auto cased = Tokenizer::from_vocab_txt("[UNK]\n[CLS]\n[SEP]\nThe\nthe\n", false);
  REQUIRE(cased.ok());
  CHECK(cased->encode("The the", false) == Ids{3, 4});
}

TEST_CASE("added tokens marked normalized are matched after the normalizer") {
  // Lowercase normalizer; "<x>" normalized: "<X>" in the text matches it too.
  std::string j = R"({"added_tokens":[{"id":3,"content":"<x>","special":false,"normalized":true}],
    "normalizer":{"type":"Lowercase"},"pre_tokenizer":{"type":"WhitespaceSplit"},
    "model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":1,"b":2,"<x>":3}}})";
  Tokenizer tok = load(j);
  CHECK(tok.encode("A<X>b") == Ids{1, 3, 2});
  CHECK(tok.encode("a <x> B") == Ids{1, 3, 2});
}

TEST_CASE("post-processors: Roberta, Sequence, Template with two ids") {
  std::string base = R"({"pre_tokenizer":{"type":"WhitespaceSplit"},
    "model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"a":1,"<s>":2,"</s>":3}},"post_processor":)";
  CHECK(load(base + R"({"type":"RobertaProcessing","sep":["</s>",3],"cls":["<s>",2]}})").encode("a") == Ids{2, 1, 3});
  CHECK(load(base + R"({"type":"Sequence","processors":[{"type":"ByteLevel"},{"type":"BertProcessing",
        "sep":["</s>",3],"cls":["<s>",2]}]}})").encode("a a") == Ids{2, 1, 1, 3});
  CHECK(load(base + R"({"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"P"}},{"Sequence":{"id":"A"}},
        {"SpecialToken":{"id":"E"}}],"special_tokens":{"P":{"id":"P","ids":[2,2]},"E":{"id":"E","ids":[3]}}}})")
            .encode("a") == Ids{2, 2, 1, 3});
}

// ------------------------------------------------------------------ errors ---

TEST_CASE("component errors name the file, the path and the culprit") {
  // Each file: the component below, then a minimal WordPiece model.
  const std::string wp = R"("model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0}})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"pre_tokenizer":{"type":"Split","pattern":{"Regex":"a+?"}},)",
       "tokenizer.json: pre_tokenizer.pattern.Regex: regex construct not supported or invalid at character 2: "
        "lazy or possessive quantifier"},
      {R"({"pre_tokenizer":{"type":"Split","pattern":{"Regex":"a"},"behavior":"Sideways"},)",
       "tokenizer.json: pre_tokenizer.behavior: expected one of Removed, Isolated, MergedWithPrevious, "
        "MergedWithNext, Contiguous"},
      {R"({"pre_tokenizer":{"type":"Split","pattern":"a"},)",
       "tokenizer.json: pre_tokenizer.pattern: expected {\"String\": ...} or {\"Regex\": ...}"},
      {R"({"pre_tokenizer":{"type":"Metaspace","prepend_scheme":"sometimes"},)",
       "tokenizer.json: pre_tokenizer.prepend_scheme: expected \"always\", \"first\" or \"never\""},
      {R"({"pre_tokenizer":{"pretokenizers":[]},)",
       "tokenizer.json: pre_tokenizer: no \"type\" string"},
      {R"({"normalizer":{"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Nmt"}]},)",
       "tokenizer.json: normalizer type \"Nmt\" is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, "
        "StripAccents, Prepend, Replace, Strip, BertNormalizer, Sequence) at normalizer.normalizers[1]"},
      {R"({"normalizer":{"type":"BertNormalizer","lowercase":"yes"},)",
       "tokenizer.json: normalizer.lowercase: expected true or false"},
      {R"({"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>"}},
        {"Sequence":{"id":"A"}}],"special_tokens":{}},)",
       "tokenizer.json: post_processor.single[0]: special token \"<s>\" is not in special_tokens"},
      {R"({"post_processor":{"type":"BertProcessing","sep":["[SEP]"],"cls":["[CLS]",1]},)",
       "tokenizer.json: post_processor.sep: expected [\"token\", id]"},
      // (found by fuzzing: an id past the vocab went into every encoding)
      {R"({"post_processor":{"type":"BertProcessing","sep":["[SEP]",9],"cls":["[UNK]",0]},)",
       "tokenizer.json: post_processor: special token id 9 is outside the vocab (ids 0 to 0)"},
      {R"({"post_processor":{"type":"TemplateProcessing","single":[{"Sequence":{"id":"A"}},
        {"SpecialToken":{"id":"E"}}],"special_tokens":{"E":{"id":"E","ids":[0,1]}}},)",
       "tokenizer.json: post_processor: special token id 1 is outside the vocab (ids 0 to 0)"},
      {R"({"post_processor":{"type":"TemplateProcessing","single":[{"Sequence":{"id":"B"}}]},)",
       "tokenizer.json: post_processor.single[0]: the single template may only use sequence \"A\""},
      {R"({"post_processor":{"type":"Roberta"},)",
       "tokenizer.json: post_processor type \"Roberta\" is not supported (supported: TemplateProcessing, "
        "BertProcessing, RobertaProcessing, ByteLevel, Sequence)"},
      {R"({"decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":7}]},)",
       "tokenizer.json: decoder.decoders[0].pattern: expected {\"String\": ...} or {\"Regex\": ...}"},
  };
  for (const auto& [component, message] : cases) {
    INFO(component);
    CHECK(load_error(component + wp + "}") == message);
  }
  CHECK(load_error(R"({"model":{"type":"WordPiece","vocab":{"a":0}}})") ==
        "tokenizer.json: model.unk_token: WordPiece needs an unknown token");
  CHECK(load_error(R"({"model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"a":0}}})") ==
        "tokenizer.json: model.vocab: unk_token \"[UNK]\" is not in the vocab");
  CHECK(load_error(R"({"model":{"type":"BPE","byte_fallback":1,"vocab":{},"merges":[]}})") ==
        "tokenizer.json: model.byte_fallback: expected true or false");
  CHECK(load_error(R"({"added_tokens":[{"id":0,"content":"b"}],"model":{"type":"WordPiece","unk_token":"a",
        "vocab":{"a":0}}})") ==
        "tokenizer.json: added_tokens: added token \"b\" has id 0, which the vocab gives to \"a\"");
  auto dup = Tokenizer::from_vocab_txt("[UNK]\n[CLS]\n[SEP]\na\na\n");
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message == "vocab.txt: line 5: token \"a\" already on line 4");
  auto no_cls = Tokenizer::from_vocab_txt("[UNK]\n[SEP]\na\n");
  REQUIRE_FALSE(no_cls.ok());
  CHECK(no_cls.error().message == "vocab.txt: no [CLS] token");
  auto blank = Tokenizer::from_vocab_txt("[UNK]\n\n[CLS]\n");
  REQUIRE_FALSE(blank.ok());
  CHECK(blank.error().message == "vocab.txt: line 2: empty token");
}
