// Kernel threads (src/kernels/thread_pool): parallel_for covers its range once,
// and the threaded kernels (packed GEMM and its one-token gemv, F32 and 16-bit;
// attention over heads) give the same bits with 1, 2 and 3 threads on odd sizes.
// In a wasm build without -pthread the count stays 1 (the comparisons then hold
// trivially; the native and threaded builds exercise them).
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "formats/dtype.hpp"
#include "kernels/kernels.hpp"
#include "kernels/thread_pool.hpp"

namespace k = hs::kernels;
using Vec = std::vector<float>;

namespace {

Vec random_vec(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  Vec v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr bool kHasThreads = false;  // set_thread_count keeps 1
#else
constexpr bool kHasThreads = true;
#endif

bool same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Restores the thread count a test found.
struct ThreadCount {
  std::size_t before = k::thread_count();
  explicit ThreadCount(std::size_t n) { k::set_thread_count(n); }
  ~ThreadCount() { k::set_thread_count(before); }
};

Vec gemm(std::size_t threads, const Vec& x, const k::WeightRef& w, const Vec& b, std::size_t T, std::size_t K,
         std::size_t N) {
  ThreadCount tc(threads);
  Vec y(T * N, NAN);
  k::gemm_packed(x.data(), w, b.data(), y.data(), T, K, N);
  return y;
}

}  // namespace

TEST_CASE("parallel_for: every index once, in chunks of whole grains, nested calls run serially") {
  for (std::size_t threads : {1, 2, 3}) {
    ThreadCount tc(threads);
    REQUIRE(k::thread_count() == (kHasThreads ? threads : 1));
    for (std::size_t n : {0, 1, 2, 5, 17, 100}) {
      for (std::size_t grain : {1, 4}) {
        CAPTURE(threads, n, grain);
        std::vector<int> hits(n, 0), nested(n, 0);
        k::parallel_for(n, grain, [&](std::size_t begin, std::size_t end) {
          CHECK(begin % grain == 0);
          for (std::size_t i = begin; i < end; ++i) ++hits[i];
          k::parallel_for(end - begin, 1, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) ++nested[begin + i];
          });
        });
        CHECK(hits == std::vector<int>(n, 1));
        CHECK(nested == std::vector<int>(n, 1));
      }
    }
  }
}

TEST_CASE("parallel_for: with n threads, n chunks run on n different threads (one without -pthread)") {
  ThreadCount tc(3);
  std::vector<std::thread::id> ran(3);
  k::parallel_for(3, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) ran[i] = std::this_thread::get_id();
  });
  // (a wasm build without -pthread: everything on the caller)
  CHECK(std::set<std::thread::id>(ran.begin(), ran.end()).size() == (kHasThreads ? 3u : 1u));
  CHECK(ran[0] == std::this_thread::get_id());  // the caller works too
}

TEST_CASE("gemm_packed gives the same bits with 1, 2 and 3 threads (F32 and 16-bit, gemv at T = 1)") {
  const k::WeightType t = GENERATE(k::WeightType::F32, k::WeightType::F16, k::WeightType::BF16);
  const std::size_t T = GENERATE(1, 5, 17);
  const std::size_t K = GENERATE(7, 300);
  const std::size_t N = GENERATE(13, 100, 333);
  CAPTURE(int(t), T, K, N);
  const Vec x = random_vec(T * K, 61), b = random_vec(N, 62), w = random_vec(K * N, 63);
  Vec packed(k::packed_size(K, N));
  std::vector<uint16_t> w16(K * N), packed16(k::packed_size(K, N));
  k::WeightRef ref{packed.data(), t};
  if (t == k::WeightType::F32) {
    k::pack_weights(w.data(), K, N, packed.data());
  } else {
    for (std::size_t i = 0; i < w.size(); ++i)
      w16[i] = t == k::WeightType::F16 ? hs::formats::float_to_half(w[i]) : hs::formats::float_to_bf16(w[i]);
    k::pack_weights16(w16.data(), K, N, packed16.data());
    ref.data = packed16.data();
  }
  const Vec one = gemm(1, x, ref, b, T, K, N);
  CHECK(same_bits(gemm(2, x, ref, b, T, K, N), one));
  CHECK(same_bits(gemm(3, x, ref, b, T, K, N), one));
}

TEST_CASE("attention_rows gives the same bits with 1, 2 and 3 threads (grouped heads, a block of rows)") {
  struct Case { std::size_t H, G, dk, q0, nq, nk; bool causal; };
  for (Case c : {Case{7, 7, 5, 0, 9, 9, true}, Case{6, 2, 7, 3, 4, 7, true}, Case{5, 1, 64, 0, 11, 11, false},
                 Case{12, 12, 64, 12, 1, 13, true}}) {
    const std::size_t qw = c.H * c.dk, kw = c.G * c.dk;
    const Vec q = random_vec(c.nq * qw, 71), kk = random_vec(c.nk * kw, 72), v = random_vec(c.nk * kw, 73);
    const k::AttentionLayout lay{c.H, c.G, c.dk, /*q_ld*/ qw, /*k_ld*/ kw, /*v_ld*/ kw, /*out_ld*/ qw};
    k::AttentionOptions o;
    o.causal = c.causal;
    auto run = [&](std::size_t threads, Vec& out, Vec& probs, Vec& scores) {
      ThreadCount tc(threads);
      out.assign(c.nq * qw, NAN);
      probs.assign(c.H * c.nk * c.nk, -7.0f);
      scores.assign(c.H * c.nk * c.nk, -7.0f);
      k::attention_rows(q.data(), kk.data(), v.data(), out.data(), probs.data(), scores.data(), c.q0, c.nq, c.nk, c.nk,
                        lay, o);
    };
    Vec out1, probs1, scores1;
    run(1, out1, probs1, scores1);
    for (std::size_t threads : {2, 3}) {
      CAPTURE(c.H, c.G, c.dk, threads);
      Vec out, probs, scores;
      run(threads, out, probs, scores);
      CHECK(same_bits(out, out1));
      CHECK(same_bits(probs, probs1));
      CHECK(same_bits(scores, scores1));
    }
  }
}
