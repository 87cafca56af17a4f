// src/train/windows.cpp — training windows (see header).
#include "train/windows.hpp"

#include <algorithm>
#include <cstring>

namespace hs::train {

namespace {
int32_t random_token(Rng& rng, int vocab, int eot) {
  int32_t t;
  do t = int32_t(rng.below(uint64_t(vocab))); while (t == eot);
  return t;
}
}  // namespace

void add_repeat(std::vector<int32_t>& w, Rng& rng, int vocab, int eot) {
  const int n = int(w.size()), m = 8 + int(rng.below(uint64_t(n / 2 - 8 + 1)));
  const int p = int(rng.below(uint64_t(n - 2 * m + 1)));
  if (rng.uniform() < 0.5)
    for (int i = 0; i < m; ++i) w[p + i] = random_token(rng, vocab, eot);
  for (int i = 0; i < m; ++i) w[p + m + i] = w[p + i];
}

void make_copy_window(std::vector<int32_t>& w, Rng& rng, int vocab, int eot) {
  const int n = int(w.size());
  w[0] = eot;
  for (int i = 1; i < n; ++i) w[i] = random_token(rng, vocab, eot);
  const int lo = std::max(2, std::min(8, (n - 1) / 8)), hi = std::max(lo, (n - 1) / 2);
  const int m = lo + int(rng.below(uint64_t(hi - lo + 1)));
  const int src = 1 + int(rng.below(uint64_t(n - 1 - 2 * m + 1)));         // [1, n-2m]
  const int dst = src + m + int(rng.below(uint64_t(n - m - (src + m) + 1)));  // [src+m, n-m]
  for (int i = 0; i < m; ++i) w[dst + i] = w[src + i];
}

void make_alternating_window(std::vector<int32_t>& w, Rng& rng, int vocab, int eot) {
  const int n = int(w.size());
  w[0] = eot;
  for (int i = 1; i < n;) {
    const int len = 4 + int(rng.below(13));
    const int32_t a = random_token(rng, vocab, eot), b = random_token(rng, vocab, eot);
    for (int k = 0; k < len && i < n; ++k, ++i) w[i] = (k % 2) ? b : a;
  }
}

void fill_training_window(const std::vector<int32_t>& text, const WindowMix& mix, Rng& rng, std::vector<int32_t>& w) {
  const size_t start = size_t(rng.below(text.size() - w.size() + 1));
  std::memcpy(w.data(), &text[start], w.size() * sizeof(int32_t));
  const double u = (mix.copy_frac > 0 || mix.alt_frac > 0) ? rng.uniform() : 1.0;
  if (u < mix.copy_frac)
    make_copy_window(w, rng, mix.copy_vocab > 0 ? std::min(mix.copy_vocab, mix.vocab) : mix.vocab, mix.eot);
  else if (u < mix.copy_frac + mix.alt_frac)
    make_alternating_window(w, rng, mix.vocab, mix.eot);
  else if (mix.repeat_frac > 0 && rng.uniform() < mix.repeat_frac)
    add_repeat(w, rng, mix.vocab, mix.eot);
}

}  // namespace hs::train
