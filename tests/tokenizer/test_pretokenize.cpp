// tests/tokenizer/test_pretokenize.cpp — GPT-2's pre-tokenization regex as
// implemented by hand in src/tokenizer/pretokenize.cpp, the Unicode classes and
// the byte <-> vocab-form mapping.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "catch.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unicode_tables.hpp"

using hs::tokenizer::pretokenize;
using Pieces = std::vector<std::string>;

namespace {
Pieces pieces(std::string_view text) {
  Pieces out;
  for (std::string_view p : pretokenize(text)) out.emplace_back(p);
  return out;
}
}  // namespace

TEST_CASE("pretokenize: empty text gives no pieces") {
  CHECK(pieces("").empty());
}

TEST_CASE("pretokenize: words take their leading space") {
  CHECK(pieces("Hello world") == Pieces{"Hello", " world"});
  CHECK(pieces(" a") == Pieces{" a"});
  CHECK(pieces("The quick brown fox.") == Pieces{"The", " quick", " brown", " fox", "."});
}

TEST_CASE("pretokenize: contractions") {
  CHECK(pieces("I'm you're we've they'll he'd it's don't") ==
        Pieces{"I", "'m", " you", "'re", " we", "'ve", " they", "'ll", " he", "'d", " it", "'s", " don", "'t"});
  // Case-sensitive, and matched wherever an apostrophe is followed by them.
  CHECK(pieces("IT'S") == Pieces{"IT", "'", "S"});
  CHECK(pieces("'sa") == Pieces{"'s", "a"});
  CHECK(pieces("''s") == Pieces{"''", "s"});
  CHECK(pieces("rock 'n' roll") == Pieces{"rock", " '", "n", "'", " roll"});
  CHECK(pieces("'") == Pieces{"'"});
  CHECK(pieces("'r") == Pieces{"'", "r"});
}

TEST_CASE("pretokenize: runs of spaces leave one space for the next word") {
  // \s+(?!\S): the run stops before its last space when a non-space follows.
  CHECK(pieces("a  b") == Pieces{"a", " ", " b"});
  CHECK(pieces("a   b") == Pieces{"a", "  ", " b"});
  CHECK(pieces("   leading") == Pieces{"  ", " leading"});
  // At the end of the text the whole run is one piece.
  CHECK(pieces("a   ") == Pieces{"a", "   "});
  CHECK(pieces(" ") == Pieces{" "});
  CHECK(pieces("   ") == Pieces{"   "});
}

TEST_CASE("pretokenize: tabs and newlines") {
  CHECK(pieces("a\tb") == Pieces{"a", "\t", "b"});
  CHECK(pieces("a\t\tb") == Pieces{"a", "\t", "\t", "b"});
  CHECK(pieces("a\n\nb") == Pieces{"a", "\n", "\n", "b"});
  CHECK(pieces("a\n\n\nb") == Pieces{"a", "\n\n", "\n", "b"});
  CHECK(pieces("line\n") == Pieces{"line", "\n"});
  CHECK(pieces("a \nb") == Pieces{"a", " ", "\n", "b"});
  CHECK(pieces("a\n b") == Pieces{"a", "\n", " b"});
  CHECK(pieces("a \t b") == Pieces{"a", " \t", " b"});
  CHECK(pieces("x\r\ny") == Pieces{"x", "\r", "\n", "y"});
  CHECK(pieces("\n\n") == Pieces{"\n\n"});
}

TEST_CASE("pretokenize: numbers, punctuation") {
  CHECK(pieces("abc123 456") == Pieces{"abc", "123", " 456"});
  CHECK(pieces("3.14") == Pieces{"3", ".", "14"});
  CHECK(pieces("$5,000!") == Pieces{"$", "5", ",", "000", "!"});
  CHECK(pieces("hello, world...") == Pieces{"hello", ",", " world", "..."});
  CHECK(pieces(" ?!") == Pieces{" ?!"});
  CHECK(pieces("x=y+z;") == Pieces{"x", "=", "y", "+", "z", ";"});
  // Other number categories: Nl (Roman numeral twelve), No (one half), Nd (Arabic-Indic).
  CHECK(pieces("\xe2\x85\xab \xc2\xbd \xd9\xa3\xd9\xa4") == Pieces{"\xe2\x85\xab", " \xc2\xbd", " \xd9\xa3\xd9\xa4"});
}

TEST_CASE("pretokenize: accents and scripts") {
  CHECK(pieces("caf\xc3\xa9 na\xc3\xafve") == Pieces{"caf\xc3\xa9", " na\xc3\xafve"});
  // A combining mark (Mn) is neither letter nor number: it splits the word.
  CHECK(pieces("e\xcc\x81t\xc3\xa9") == Pieces{"e", "\xcc\x81", "t\xc3\xa9"});
  // CJK ideographs and kana are letters (Lo).
  CHECK(pieces("\xe4\xb8\xad\xe6\x96\x87 \xe5\xad\x97") == Pieces{"\xe4\xb8\xad\xe6\x96\x87", " \xe5\xad\x97"});
  CHECK(pieces("\xd0\xa0\xd1\x83\xd1\x81 \xce\xb1\xce\xb2") == Pieces{"\xd0\xa0\xd1\x83\xd1\x81", " \xce\xb1\xce\xb2"});
}

TEST_CASE("pretokenize: emoji with joiners and modifiers stay one piece") {
  const std::string family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7";
  CHECK(pieces(family) == Pieces{family});
  const std::string thumbs = "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd";  // thumbs up, skin tone
  CHECK(pieces(" " + thumbs + "x") == Pieces{" " + thumbs, "x"});
  CHECK(pieces("I \xe2\x9d\xa4\xef\xb8\x8f NY") == Pieces{"I", " \xe2\x9d\xa4\xef\xb8\x8f", " NY"});
}

TEST_CASE("pretokenize: ECMAScript whitespace (reference is a JS regex)") {
  // U+00A0 no-break space is a space; it cannot be the optional leading space.
  CHECK(pieces("a\xc2\xa0" "b") == Pieces{"a", "\xc2\xa0", "b"});
  CHECK(pieces("a \xc2\xa0" "b") == Pieces{"a", " ", "\xc2\xa0", "b"});
  // U+FEFF is \s in JavaScript (not in Python's regex); U+0085 is not.
  CHECK(pieces("a\xef\xbb\xbf" "b") == Pieces{"a", "\xef\xbb\xbf", "b"});
  CHECK(pieces("a\xc2\x85" "b") == Pieces{"a", "\xc2\x85", "b"});
  CHECK(pieces(" \xc2\x85") == Pieces{" \xc2\x85"});
  using namespace hs::tokenizer::unicode;
  CHECK(classify(0xFEFF) == kSpace);
  CHECK(classify(0x85) == kOther);
  CHECK(classify(0x2028) == kSpace);
  CHECK(classify(0x3000) == kSpace);
  CHECK(classify(0x200B) == kOther);  // zero width space is Cf
  CHECK(classify('A') == kLetter);
  CHECK(classify(0x4E2D) == kLetter);
  CHECK(classify(0x20000) == kLetter);  // CJK Extension B
  CHECK(classify(0x2160) == kNumber);
  CHECK(classify('_') == kOther);
  CHECK(classify(0x10FFFF) == kOther);
}

TEST_CASE("pretokenize: invalid UTF-8 bytes are single 'other' characters") {
  CHECK(pieces("a\xff" "b") == Pieces{"a", "\xff", "b"});
  CHECK(pieces(" \xff\xfe") == Pieces{" \xff\xfe"});
  CHECK(pieces("\xe4\xb8") == Pieces{"\xe4\xb8"});           // truncated 3-byte sequence
  CHECK(pieces("x\xe4\xb8y") == Pieces{"x", "\xe4\xb8", "y"});
  CHECK(pieces("\xed\xa0\x80") == Pieces{"\xed\xa0\x80"});   // UTF-16 surrogate
  CHECK(pieces("\xc0\xaf!") == Pieces{"\xc0\xaf!"});         // overlong, joins other punctuation
  CHECK(pieces("\xf4\x90\x80\x80") == Pieces{"\xf4\x90\x80\x80"});  // above U+10FFFF
  CHECK(pieces("\x80" "abc") == Pieces{"\x80", "abc"});
  // A stray continuation byte after a letter does not extend the letter run.
  CHECK(pieces("\xc3\xa9\xa9") == Pieces{"\xc3\xa9", "\xa9"});
}

TEST_CASE("pretokenize: pieces concatenate back to the text for arbitrary bytes") {
  std::mt19937 rng(1234);
  const char alphabet[] = {' ', ' ', 'a', 'b', '\'', 's', '\n', '\t', '1', '.', '\xc3', '\xa9', '\xe4',
                           '\xb8', '\xad', '\xff', '\x80', '\xf0', '\x9f', '\x91', '\x8d', '\0'};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    size_t len = rng() % 40;
    for (size_t i = 0; i < len; ++i) {
      text.push_back(round % 2 ? static_cast<char>(rng() & 0xFF) : alphabet[rng() % sizeof alphabet]);
    }
    std::string joined;
    for (std::string_view p : pretokenize(text)) {
      REQUIRE(!p.empty());
      joined += p;
    }
    REQUIRE(joined == text);
  }
}

TEST_CASE("byte <-> vocab form mapping is GPT-2's") {
  using hs::tokenizer::bytes_to_vocab_form;
  using hs::tokenizer::vocab_form_to_bytes;
  CHECK(bytes_to_vocab_form(" the") == "\xc4\xa0the");  // "Ġthe"
  CHECK(bytes_to_vocab_form("\n") == "\xc4\x8a");       // "Ċ"
  CHECK(bytes_to_vocab_form("\t") == "\xc4\x89");       // "ĉ"
  CHECK(bytes_to_vocab_form("A~!") == "A~!");
  CHECK(bytes_to_vocab_form("\xa1") == "\xc2\xa1");     // printable Latin-1 maps to itself
  CHECK(bytes_to_vocab_form("\xad") == "\xc5\x83");     // soft hyphen -> U+0143 "Ń"
  CHECK(bytes_to_vocab_form(std::string(1, '\0')) == "\xc4\x80");  // "Ā"
  for (int b = 0; b < 256; ++b) {
    std::string one(1, static_cast<char>(b));
    auto back = vocab_form_to_bytes(bytes_to_vocab_form(one));
    REQUIRE(back.has_value());
    REQUIRE(*back == one);
  }
  CHECK_FALSE(vocab_form_to_bytes("\xe4\xb8\xad").has_value());  // not a byte character
  CHECK_FALSE(vocab_form_to_bytes("\xc0\xa1").has_value());      // overlong
}
