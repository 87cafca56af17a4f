// src/train/rng.hpp — the trainer's deterministic random numbers: xoshiro256**
// seeded by splitmix64, uniform integers and Box-Muller normals. The whole
// state is four 64-bit words, saved in checkpoints so a resumed run draws the
// same data windows it would have drawn without the interruption.
#pragma once

#include <cmath>
#include <cstdint>

namespace hs::train {

struct Rng {
  uint64_t s[4];

  explicit Rng(uint64_t seed = 1) {
    for (auto& w : s) {  // splitmix64
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
  }
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
  }
  // uniform in [0, 1)
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  // uniform integer in [0, n) (n > 0; the modulo bias is below 2^-40 for our n)
  uint64_t below(uint64_t n) { return next() % n; }
  // standard normal (Box-Muller, one value per call for simplicity)
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

}  // namespace hs::train
