// Kernel tests: every kernel against a float64 reference written plainly here,
// on awkward sizes (T = 1, 3, 17, 64; C not a multiple of the lane count; head
// dims 1, 7, 64, 128), masked and unmasked. The same file runs natively and as
// wasm under Node. Error measure: max |got - ref| / max(|ref|, tiny) over the
// output, i.e. relative to the output's scale, bound 1e-5.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "kernels/kernels.hpp"

namespace k = hs::kernels;
using Vec = std::vector<float>;
using DVec = std::vector<double>;

namespace {

Vec random_vec(std::size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  Vec v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

double rel_error(const Vec& got, const DVec& ref) {
  REQUIRE(got.size() == ref.size());
  double max_ref = 1e-30, max_err = 0.0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    max_ref = std::max(max_ref, std::abs(ref[i]));
    if (std::isnan(got[i]) != std::isnan(ref[i])) return INFINITY;
    if (!std::isnan(ref[i])) max_err = std::max(max_err, std::abs(got[i] - ref[i]));
  }
  return max_err / max_ref;
}

DVec ref_gemm(const Vec& x, const Vec& w, const Vec* b, std::size_t T, std::size_t K, std::size_t N) {
  DVec y(T * N);
  for (std::size_t i = 0; i < T; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      double s = b ? (*b)[j] : 0.0;
      for (std::size_t kk = 0; kk < K; ++kk) s += double(x[i * K + kk]) * w[kk * N + j];
      y[i * N + j] = s;
    }
  return y;
}

struct RefAttention {
  DVec out, probs, scores;
};

RefAttention ref_attention(const Vec& q, const Vec& kk, const Vec& v, std::size_t ld, std::size_t T,
                           std::size_t C, std::size_t H, bool causal, bool scale, double temperature) {
  const std::size_t dk = C / H;
  RefAttention r{DVec(T * C, 0.0), DVec(H * T * T, 0.0), DVec(H * T * T, 0.0)};
  for (std::size_t h = 0; h < H; ++h)
    for (std::size_t i = 0; i < T; ++i) {
      std::vector<double> s(T, -INFINITY);
      double mx = -INFINITY;
      for (std::size_t j = 0; j < T; ++j) {
        if (causal && j > i) continue;
        double d = 0;
        for (std::size_t e = 0; e < dk; ++e) d += double(q[i * ld + h * dk + e]) * kk[j * ld + h * dk + e];
        r.scores[(h * T + i) * T + j] = d;
        s[j] = d * (scale ? 1.0 / std::sqrt(double(dk)) : 1.0) / temperature;
        mx = std::max(mx, s[j]);
      }
      double z = 0;
      for (std::size_t j = 0; j < T; ++j) z += std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx);
      for (std::size_t j = 0; j < T; ++j) {
        double p = std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx) / z;
        r.probs[(h * T + i) * T + j] = p;
        for (std::size_t e = 0; e < dk; ++e) r.out[i * C + h * dk + e] += p * v[j * ld + h * dk + e];
      }
    }
  return r;
}

}  // namespace

TEST_CASE("build reports its SIMD architecture") {
  INFO("arch " << k::simd_arch_name() << ", lanes " << k::simd_lanes());
  CHECK(k::simd_lanes() >= 4);
}

TEST_CASE("gemm_bias matches a float64 reference on awkward shapes") {
  const std::size_t T = GENERATE(1, 3, 17, 64);
  const std::size_t K = GENERATE(1, 7, 64, 300, 769);
  const std::size_t N = GENERATE(1, 5, 13, 64, 100);
  const bool with_bias = GENERATE(true, false);
  CAPTURE(T, K, N, with_bias);
  Vec x = random_vec(T * K, 1), w = random_vec(K * N, 2), b = random_vec(N, 3);
  Vec y(T * N, NAN);
  k::gemm_bias(x.data(), w.data(), with_bias ? b.data() : nullptr, y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, with_bias ? &b : nullptr, T, K, N)) <= 1e-5);
}

TEST_CASE("gemm_bias on the transformer's shapes") {
  const auto shape = GENERATE(std::vector<std::size_t>{64, 768, 2304}, std::vector<std::size_t>{32, 3072, 768},
                              std::vector<std::size_t>{1, 768, 2304});
  const std::size_t T = shape[0], K = shape[1], N = shape[2];
  CAPTURE(T, K, N);
  Vec x = random_vec(T * K, 4), w = random_vec(K * N, 5, 0.02f), b = random_vec(N, 6);
  Vec y(T * N);
  k::gemm_bias(x.data(), w.data(), b.data(), y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, &b, T, K, N)) <= 1e-5);
}

TEST_CASE("gemm_transposed_b matches a float64 reference") {
  const std::size_t T = GENERATE(1, 3, 17);
  const std::size_t K = GENERATE(1, 7, 64, 130);
  const std::size_t N = GENERATE(1, 11, 257);
  CAPTURE(T, K, N);
  Vec x = random_vec(T * K, 7), wt = random_vec(N * K, 8);
  Vec w(K * N);  // transpose for the reference
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t kk = 0; kk < K; ++kk) w[kk * N + n] = wt[n * K + kk];
  Vec y(T * N);
  k::gemm_transposed_b(x.data(), wt.data(), y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, nullptr, T, K, N)) <= 1e-5);
}

TEST_CASE("layer_norm matches a float64 reference, in place too") {
  const std::size_t T = GENERATE(1, 3, 17);
  const std::size_t C = GENERATE(1, 7, 64, 192, 769);
  CAPTURE(T, C);
  Vec x = random_vec(T * C, 9, 3.0f), g = random_vec(C, 10), b = random_vec(C, 11);
  for (auto& v : x) v += 5.0f;  // an offset mean, to catch one-pass variance
  DVec ref(T * C);
  for (std::size_t t = 0; t < T; ++t) {
    double m = 0, var = 0;
    for (std::size_t c = 0; c < C; ++c) m += x[t * C + c];
    m /= C;
    for (std::size_t c = 0; c < C; ++c) var += (x[t * C + c] - m) * (x[t * C + c] - m);
    var /= C;
    for (std::size_t c = 0; c < C; ++c)
      ref[t * C + c] = (x[t * C + c] - m) / std::sqrt(var + 1e-5) * g[c] + b[c];
  }
  Vec y(T * C);
  k::layer_norm(x.data(), g.data(), b.data(), y.data(), T, C, 1e-5f);
  CHECK(rel_error(y, ref) <= 1e-5);
  k::layer_norm(x.data(), g.data(), b.data(), x.data(), T, C, 1e-5f);
  CHECK(rel_error(x, ref) <= 1e-5);
}

TEST_CASE("GELU, tanh and erf forms, match float64 element-wise") {
  const std::size_t n = GENERATE(1, 3, 17, 1001);
  CAPTURE(n);
  Vec x = random_vec(n, 12, 3.0f);
  x[0] = -8.0f;  // deep negative tail
  Vec a = x, e = x;
  k::gelu_tanh(a.data(), n);
  k::gelu_erf(e.data(), n);
  for (std::size_t i = 0; i < n; ++i) {
    double v = x[i];
    double rt = 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
    double re = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    CHECK(std::abs(a[i] - rt) <= 1e-5 * std::max(1.0, std::abs(rt)));
    CHECK(std::abs(e[i] - re) <= 1e-5 * std::max(1.0, std::abs(re)));
  }
}

TEST_CASE("add_inplace") {
  const std::size_t n = GENERATE(1, 5, 33);
  Vec y = random_vec(n, 13), x = random_vec(n, 14), want(n);
  for (std::size_t i = 0; i < n; ++i) want[i] = y[i] + x[i];
  k::add_inplace(y.data(), x.data(), n);
  CHECK(y == want);
}

TEST_CASE("softmax_rows: safe, masked, fully masked rows give zeros") {
  const std::size_t cols = GENERATE(1, 3, 17, 64);
  const std::size_t rows = 4;
  CAPTURE(cols);
  const float ninf = -std::numeric_limits<float>::infinity();
  Vec x = random_vec(rows * cols, 15, 20.0f);
  x[0] += 1000.0f;  // would overflow a naive exp
  for (std::size_t j = 0; j < cols; j += 2) x[1 * cols + j] = ninf;  // row 1 half masked
  for (std::size_t j = 0; j < cols; ++j) x[2 * cols + j] = ninf;      // row 2 fully masked
  DVec ref(rows * cols, 0.0);
  for (std::size_t r = 0; r < rows; ++r) {
    double mx = -INFINITY, z = 0;
    for (std::size_t j = 0; j < cols; ++j) mx = std::max(mx, double(x[r * cols + j]));
    if (std::isinf(mx)) continue;
    for (std::size_t j = 0; j < cols; ++j) z += std::exp(x[r * cols + j] - mx);
    for (std::size_t j = 0; j < cols; ++j) ref[r * cols + j] = std::exp(x[r * cols + j] - mx) / z;
  }
  k::softmax_rows(x.data(), rows, cols);
  CHECK(rel_error(x, ref) <= 1e-5);
  for (std::size_t j = 0; j < cols; ++j) CHECK(x[2 * cols + j] == 0.0f);
}

TEST_CASE("multi-head attention matches a float64 reference") {
  const std::size_t T = GENERATE(1, 3, 17, 64);
  const std::size_t dk = GENERATE(1, 7, 64, 128);
  const std::size_t H = GENERATE(1, 3);
  const bool causal = GENERATE(true, false);
  const bool scale = GENERATE(true, false);
  const std::size_t C = H * dk;
  const std::size_t ld = 3 * C;  // a fused QKV buffer, as the model stores it
  CAPTURE(T, dk, H, causal, scale);
  Vec qkv = random_vec(T * ld, 16);
  const float* q = qkv.data();
  const float* kk = qkv.data() + C;
  const float* v = qkv.data() + 2 * C;
  Vec out(T * C, NAN), probs(H * T * T, NAN), scores(H * T * T, NAN);
  k::AttentionOptions opt;
  opt.causal = causal;
  opt.scale = scale;
  opt.temperature = scale ? 1.0f : 2.5f;
  k::attention(q, kk, v, ld, out.data(), probs.data(), scores.data(), T, C, H, opt);
  Vec qv(qkv.begin(), qkv.end()), kv(qkv.begin() + C, qkv.end()), vv(qkv.begin() + 2 * C, qkv.end());
  qv.resize(T * ld); kv.resize(T * ld); vv.resize(T * ld);
  auto ref = ref_attention(qv, kv, vv, ld, T, C, H, causal, scale, opt.temperature);
  CHECK(rel_error(probs, ref.probs) <= 1e-5);
  CHECK(rel_error(out, ref.out) <= 1e-5);
  CHECK(rel_error(scores, ref.scores) <= 1e-5);
  // rows sum to one, the future is exactly zero under the causal mask
  for (std::size_t h = 0; h < H; ++h)
    for (std::size_t i = 0; i < T; ++i) {
      double s = 0;
      for (std::size_t j = 0; j < T; ++j) {
        s += probs[(h * T + i) * T + j];
        if (causal && j > i) CHECK(probs[(h * T + i) * T + j] == 0.0f);
      }
      CHECK(std::abs(s - 1.0) < 1e-5);
    }
}

TEST_CASE("gemm_packed matches a float64 reference on awkward shapes") {
  const std::size_t T = GENERATE(1, 3, 17, 64);
  const std::size_t K = GENERATE(1, 7, 129, 300);
  const std::size_t N = GENERATE(1, 5, 13, 64, 100);
  const bool with_bias = GENERATE(true, false);
  CAPTURE(T, K, N, with_bias);
  Vec x = random_vec(T * K, 21), w = random_vec(K * N, 22), b = random_vec(N, 23);
  Vec packed(k::packed_size(K, N), NAN);
  k::pack_weights(w.data(), K, N, packed.data());
  Vec y(T * N, NAN);
  k::gemm_packed(x.data(), packed.data(), with_bias ? b.data() : nullptr, y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, with_bias ? &b : nullptr, T, K, N)) <= 1e-5);
}

TEST_CASE("gemm_packed on the transformer's shapes") {
  const auto shape = GENERATE(std::vector<std::size_t>{64, 768, 2304}, std::vector<std::size_t>{32, 3072, 768},
                              std::vector<std::size_t>{1, 768, 2304}, std::vector<std::size_t>{5, 192, 4099});
  const std::size_t T = shape[0], K = shape[1], N = shape[2];
  CAPTURE(T, K, N);
  Vec x = random_vec(T * K, 24), w = random_vec(K * N, 25, 0.02f), b = random_vec(N, 26);
  Vec packed(k::packed_size(K, N));
  k::pack_weights(w.data(), K, N, packed.data());
  Vec y(T * N);
  k::gemm_packed(x.data(), packed.data(), b.data(), y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, &b, T, K, N)) <= 1e-5);
}
