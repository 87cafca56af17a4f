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
  const int n = int(w.size()), hi = std::max(16, (n - 1) / 2);
  const int m = 16 + int(rng.below(uint64_t(hi - 16 + 1)));
  w[0] = eot;
  for (int i = 0; i < m && 1 + i < n; ++i) w[1 + i] = random_token(rng, vocab, eot);
  for (int i = 1 + m; i < n; ++i) w[i] = w[i - m];
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
    make_copy_window(w, rng, mix.vocab, mix.eot);
  else if (u < mix.copy_frac + mix.alt_frac)
    make_alternating_window(w, rng, mix.vocab, mix.eot);
  else if (mix.repeat_frac > 0 && rng.uniform() < mix.repeat_frac)
    add_repeat(w, rng, mix.vocab, mix.eot);
}

}  // namespace hs::train
