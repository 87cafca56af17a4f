// tests/train/test_windows.cpp — the trainer's window kinds (src/train/windows.hpp):
// each has the structure its comment promises, random tokens never are eot and
// stay in the vocabulary, and the mix draws each kind about as often as asked.
#include <algorithm>
#include <numeric>

#include "catch.hpp"
#include "train/windows.hpp"

using namespace hs::train;

namespace {
constexpr int kVocab = 5000, kEot = 4999, kN = 129;

bool tokens_ok(const std::vector<int32_t>& w, size_t from) {
  for (size_t i = from; i < w.size(); ++i)
    if (w[i] < 0 || w[i] >= kVocab || w[i] == kEot) return false;
  return true;
}

// the longest m such that some span w[s, s+m) appears again at a later start d >= s + m
// (with `where` set to {s, d} of one such pair)
int longest_repeat(const std::vector<int32_t>& w, std::pair<int, int>* where = nullptr) {
  int best = 0;
  for (int s = 0; s < int(w.size()); ++s)
    for (int d = s + 1; d < int(w.size()); ++d) {
      int m = 0;
      while (d + m < int(w.size()) && s + m < d && w[s + m] == w[d + m]) ++m;
      if (m > best) {
        best = m;
        if (where) *where = {s, d};
      }
    }
  return best;
}
}  // namespace

TEST_CASE("copy window: eot, random tokens, one span of 8..64 repeated at a random later start") {
  Rng rng(7);
  std::vector<int32_t> w(kN);
  int m_min = 1000, m_max = 0, gap_min = 1000, gap_max = 0;
  for (int rep = 0; rep < 400; ++rep) {
    make_copy_window(w, rng, kVocab, kEot);
    REQUIRE(w[0] == kEot);
    REQUIRE(tokens_ok(w, 1));
    std::pair<int, int> where;
    const int m = longest_repeat(w, &where);
    REQUIRE(m >= 8);  // chance repeats of random tokens from 5,000 are a token or two at most
    REQUIRE(m <= (kN - 1) / 2);
    m_min = std::min(m_min, m);
    m_max = std::max(m_max, m);
    const int gap = where.second - (where.first + m);
    gap_min = std::min(gap_min, gap);
    gap_max = std::max(gap_max, gap);
  }
  CHECK(m_min <= 10);
  CHECK(m_max >= 60);
  CHECK(gap_min <= 1);   // copies that follow each other (the induction test's layout)
  CHECK(gap_max >= 60);  // and copies far apart: no fixed offset predicts the copy
}

TEST_CASE("short windows get short copies: m in [4, 16] for 33 tokens") {
  Rng rng(11);
  std::vector<int32_t> w(33);
  for (int rep = 0; rep < 300; ++rep) {
    make_copy_window(w, rng, kVocab, kEot);
    const int m = longest_repeat(w);
    REQUIRE(m >= 4);
    REQUIRE(m <= 16);
  }
}

TEST_CASE("alternating window: inside each segment the next token is the one before the current") {
  Rng rng(8);
  std::vector<int32_t> w(kN);
  for (int rep = 0; rep < 300; ++rep) {
    make_alternating_window(w, rng, kVocab, kEot);
    REQUIRE(w[0] == kEot);
    REQUIRE(tokens_ok(w, 1));
    // w[i+1] == w[i-1] except at segment starts; segments are >= 4 tokens, so
    // at most ceil(128 / 4) breaks, and there is at least one unless a single
    // segment fills the window (impossible: segments are at most 16 tokens)
    int breaks = 0;
    for (int i = 2; i + 1 < kN; ++i) breaks += w[i + 1] != w[i - 1];
    CHECK(breaks >= 1);
    CHECK(breaks <= 2 * ((kN - 1) / 4));
    CHECK(w[3] == w[1]);  // the first segment has at least 4 tokens
    CHECK(w[4] == w[2]);
  }
}

TEST_CASE("repeat span: some stretch of at least 8 tokens appears again right after itself") {
  Rng rng(9);
  std::vector<int32_t> w(kN);
  for (int rep = 0; rep < 300; ++rep) {
    for (int i = 0; i < kN; ++i) w[i] = 1000 + i;  // all distinct: any repeat comes from add_repeat
    add_repeat(w, rng, kVocab, kEot);
    int best = 0;
    for (int p = 0; p < kN; ++p)
      for (int m = 8; p + 2 * m <= kN; ++m)
        if (std::equal(w.begin() + p, w.begin() + p + m, w.begin() + p + m)) best = std::max(best, m);
    REQUIRE(best >= 8);
  }
}

TEST_CASE("fill_training_window: text windows are contiguous and the mix follows the fractions") {
  std::vector<int32_t> text(5000);
  std::iota(text.begin(), text.end(), 0);
  for (auto& t : text) t = 10000 + t;  // >= vocab: a window of text is recognisable
  WindowMix mix;
  mix.copy_frac = 0.3;
  mix.alt_frac = 0.2;
  mix.repeat_frac = 0.0;
  mix.vocab = kVocab;
  mix.eot = kEot;
  Rng rng(10);
  std::vector<int32_t> w(kN);
  int copy = 0, alt = 0, plain = 0;
  const int n = 4000;
  for (int rep = 0; rep < n; ++rep) {
    fill_training_window(text, mix, rng, w);
    if (w[1] >= 10000) {
      for (int i = 1; i < kN; ++i) REQUIRE(w[i] == w[i - 1] + 1);
      ++plain;
    } else if (w[3] == w[1] && w[4] == w[2]) {  // alternating pairs
      REQUIRE(w[0] == kEot);
      ++alt;
    } else {
      REQUIRE(w[0] == kEot);
      REQUIRE(longest_repeat(w) >= 8);  // a copy window
      ++copy;
    }
  }
  // binomial standard deviations are about 29, 25 and 32 windows
  CHECK(std::abs(copy - int(0.3 * n)) < 150);
  CHECK(std::abs(alt - int(0.2 * n)) < 150);
  CHECK(std::abs(plain - int(0.5 * n)) < 150);
}
