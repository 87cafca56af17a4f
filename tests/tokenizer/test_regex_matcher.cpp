// tests/tokenizer/test_regex_matcher.cpp — the regex matcher's two promises:
// its matches are the leftmost-first matches of a backtracking engine (checked
// against std::regex's ECMAScript engine on random patterns over a three-letter
// alphabet), and its work is linear in the text (instructions run, counted by
// find_all, bounded by a multiple of program size x text length on patterns
// that make backtracking polynomial of high degree, the fuzzers' finding among
// them). No timing: the bounds are on counted steps.
#include <cstdint>
#include <random>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "tokenizer/regex.hpp"

using hs::tokenizer::Regex;
using Ranges = std::vector<std::pair<size_t, size_t>>;

namespace {

// find_all's contract, run with std::regex: at each position the first match
// anchored there (empty ones skipped), then on from its end.
Ranges ecmascript_find_all(const std::regex& re, const std::string& text) {
  Ranges out;
  for (size_t pos = 0; pos < text.size();) {
    std::smatch m;
    auto flags = std::regex_constants::match_continuous;
    if (pos > 0) flags |= std::regex_constants::match_prev_avail;
    if (std::regex_search(text.cbegin() + static_cast<std::ptrdiff_t>(pos), text.cend(), m, re, flags) &&
        m.length(0) > 0) {
      out.emplace_back(pos, pos + static_cast<size_t>(m.length(0)));
      pos += static_cast<size_t>(m.length(0));
    } else {
      ++pos;
    }
  }
  return out;
}

// A random pattern of the constructs both engines read the same way.
class PatternMaker {
 public:
  explicit PatternMaker(uint32_t seed) : rng_(seed) {}

  std::string pattern() { return alternation(0); }
  std::string text() {
    std::string t;
    const int n = pick(13);
    for (int i = 0; i < n; ++i) t.push_back("abc"[pick(3)]);
    return t;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string alternation(int depth) {
    std::string s = sequence(depth);
    while (pick(4) == 0) s += "|" + sequence(depth);
    return s;
  }
  std::string sequence(int depth) {
    std::string s;
    const int n = pick(4);
    for (int i = 0; i < n; ++i) s += quantified(depth);
    return s;
  }
  std::string quantified(int depth) {
    static const char* const kQuantifiers[] = {"", "", "", "?", "*", "+", "{2}", "{1,2}", "{0,3}", "{2,}"};
    std::string a = atom(depth);
    if (a.rfind("(?=", 0) == 0 || a.rfind("(?!", 0) == 0) return a;  // quantified lookaheads are refused
    return a + kQuantifiers[pick(10)];
  }
  std::string atom(int depth) {
    static const char* const kChars[] = {"a", "b", "c", "[ab]", "[^a]", "[b-c]", "."};
    const int k = depth < 3 ? pick(11) : pick(7);
    if (k < 7) return kChars[k];
    static const char* const kOpen[] = {"(", "(?:", "(?=", "(?!"};
    return std::string(kOpen[k - 7]) + alternation(depth + 1) + ")";
  }

  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("regex matcher: the same matches as a backtracking engine (std::regex, ECMAScript)") {
  PatternMaker make(20261201);
  int compared = 0, refused = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string pattern = make.pattern();
    auto ours = Regex::compile(pattern, "p");
    if (!ours) {  // e.g. a repeated group with a choice inside: refused with a reason
      CHECK(ours.error().message.rfind("p: ", 0) == 0);
      ++refused;
      continue;
    }
    const std::regex theirs(pattern, std::regex::ECMAScript);
    for (int t = 0; t < 6; ++t) {
      const std::string text = make.text();
      INFO("pattern /" << pattern << "/ on \"" << text << "\"");
      CHECK(ours->find_all(text) == ecmascript_find_all(theirs, text));
      ++compared;
    }
  }
  // Most random patterns are accepted, so the comparison covers a broad set.
  CHECK(compared > 6 * 2000);
  CHECK(refused > 0);
}

TEST_CASE("regex matcher: hand-picked cases of choice order, lookahead and empty loops") {
  auto ranges = [](const char* pattern, const std::string& text) {
    auto re = Regex::compile(pattern, "p");
    REQUIRE(re.ok());
    return re->find_all(text);
  };
  CHECK(ranges("a|ab", "ab") == Ranges{{0, 1}});                  // first alternative wins
  CHECK(ranges("ab|a", "ab") == Ranges{{0, 2}});
  CHECK(ranges("a+a", "aaa") == Ranges{{0, 3}});                 // greedy, then backs off one
  CHECK(ranges("a{0,2}b", "aaab") == Ranges{{1, 4}});
  CHECK(ranges("\\s+(?!\\S)|\\s+", "a   b") == Ranges{{1, 3}, {3, 4}});  // GPT-2's space rule
  CHECK(ranges("(?:(?=a))*a", "ba") == Ranges{{1, 2}});         // a loop whose body is empty ends
  CHECK(ranges("(?:)+b", "b") == Ranges{{0, 1}});
  CHECK(ranges("x(?=(?!y)z)", "xz xy") == Ranges{{0, 1}});      // nested lookaheads
  // The same regex on a second text: nothing learned on the first carries over wrongly.
  auto re = Regex::compile("a*b|a", "p");
  REQUIRE(re.ok());
  CHECK(re->find_all("aaa") == Ranges{{0, 1}, {1, 2}, {2, 3}});
  CHECK(re->find_all("aab") == Ranges{{0, 3}});
}

TEST_CASE("regex matcher: work is linear in the text on patterns that make backtracking slow") {
  struct Case {
    std::string pattern, text;
  };
  // The fuzzers' finding (tests/fuzz/findings/regex_normalization-slow-backtracking
  // before this matcher): 0xFF bytes, two of them quantified, against itself.
  std::string finding(235, '\xff');
  finding[5] = finding[13] = '+';
  const std::vector<Case> cases = {
      {finding, finding},
      {"\\s*x", std::string(20000, ' ')},                    // quadratic for backtracking
      {"a+a+a+b", std::string(3000, 'a')},                   // quartic
      {"(?:a|b)c", std::string(20000, 'a')},
      {"\\s+(?!\\S)|\\s+", std::string(20000, ' ') + "x"},
      {"(?=a*b)a", std::string(20000, 'a')},                 // a lookahead that scans ahead, at every position
  };
  for (const Case& c : cases) {
    auto re = Regex::compile(c.pattern, "p");
    REQUIRE(re.ok());
    size_t steps = 0;
    (void)re->find_all(c.text, &steps);
    INFO("pattern of " << c.pattern.size() << " bytes on " << c.text.size() << " bytes: " << steps
                       << " steps, program " << re->program_size());
    CHECK(steps <= 4 * re->program_size() * (c.text.size() + 1));
  }
}

TEST_CASE("regex matcher: counted repetitions too large to write out are refused, naming the pattern") {
  auto big = Regex::compile("a{0,5000}", "tokenizer.json: pre_tokenizer.pattern.Regex");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message ==
        "tokenizer.json: pre_tokenizer.pattern.Regex: regex too large: more than 65536 steps or 2048 choices once its "
        "counted repetitions are written out");
  CHECK(Regex::compile("\\p{N}{1,3}", "p").ok());
  CHECK(Regex::compile("a{1000}", "p").ok());  // no choices: 1,000 steps
  // Nesting is bounded too (the parser, the compiler and lookaheads recurse on it).
  auto deep = Regex::compile(std::string(300, '(') + "a" + std::string(300, ')'), "p");
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().message == "p: regex construct not supported or invalid at character 256: groups nested more than 256 deep");
  CHECK(Regex::compile(std::string(200, '(') + "a" + std::string(200, ')'), "p").ok());
  // A long literal has no choices at all.
  CHECK(Regex::literal(std::string(100000, 'a')).find_all(std::string(100001, 'a')) == Ranges{{0, 100000}});
}
