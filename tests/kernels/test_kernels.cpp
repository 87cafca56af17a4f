// Kernel tests: every kernel against a float64 reference written plainly here,
// on awkward sizes (T = 1, 3, 17, 64; C not a multiple of the lane count; head
// dims 1, 7, 64, 128), masked and unmasked. The same file runs natively and as
// wasm under Node. Error measure: max |got - ref| / max(|ref|, tiny) over the
// output, i.e. relative to the output's scale, bound 1e-5.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "catch.hpp"
#include "formats/dtype.hpp"
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
  // every row-tile height: T = 2 and 7 leave tiles of 2 and 1 rows after 4- and 6-row tiles
  const std::size_t T = GENERATE(1, 2, 3, 7, 17, 64);
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

// ---- weights kept in 16 bits ------------------------------------------------------

namespace {

using Bits = std::vector<uint16_t>;

float widen(uint16_t h, k::WeightType t) {
  return t == k::WeightType::F16 ? hs::formats::half_to_float(h) : hs::formats::bf16_to_float(h);
}

// Random weights rounded to the type, with the awkward values sprinkled in:
// +-0, subnormal halves (the smallest, the largest), F16's largest finite.
Bits random_bits(std::size_t n, unsigned seed, k::WeightType t, float scale) {
  Vec v = random_vec(n, seed, scale);
  Bits b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = t == k::WeightType::F16 ? hs::formats::float_to_half(v[i]) : hs::formats::float_to_bf16(v[i]);
  const uint16_t specials[] = {0x0000, 0x8000, 0x0001, 0x83ff, 0x03ff, 0x0400, 0x7bff, 0xfbff, 0x3c00};
  for (std::size_t i = 0; i < n; i += 7) b[i] = specials[(i / 7) % 9];
  return b;
}

Vec widened(const Bits& b, k::WeightType t) {
  Vec v(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) v[i] = widen(b[i], t);
  return v;
}

bool same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("every finite F16 and BF16 value widens exactly in the kernels") {
  for (k::WeightType t : {k::WeightType::F16, k::WeightType::BF16}) {
    CAPTURE(int(t));
    Bits all;
    for (uint32_t h = 0; h <= 0xffff; ++h) {
      const uint16_t exponent = t == k::WeightType::F16 ? 0x7c00 : 0x7f80;
      if ((h & exponent) != exponent) all.push_back(uint16_t(h));
    }
    const std::size_t cols = 2 * k::simd_lanes() * 5 + 3;  // groups and a tail
    while (all.size() % cols) all.push_back(0x3c00);
    const std::size_t rows = all.size() / cols;
    Bits table(k::table_size(rows, cols));
    k::pack_table16(all.data(), rows, cols, table.data());
    Vec got(all.size());
    for (std::size_t r = 0; r < rows; ++r) k::table_row({table.data(), t}, cols, r, got.data() + r * cols);
    CHECK(same_bits(got, widened(all, t)));
  }
}

TEST_CASE("gemm_packed with 16-bit weights: float64 reference, and the same floats as F32 weights") {
  const k::WeightType t = GENERATE(k::WeightType::F16, k::WeightType::BF16);
  const std::size_t T = GENERATE(1, 3, 17, 64);
  const std::size_t K = GENERATE(1, 7, 129, 300);
  const std::size_t N = GENERATE(1, 5, 13, 64, 100);
  const bool with_bias = GENERATE(true, false);
  // an activation too large to scale by 2^112 (the one-token path then widens F16 in full)
  const bool large = GENERATE(false, true);
  CAPTURE(int(t), T, K, N, with_bias, large);
  Vec x = random_vec(T * K, 31), b = random_vec(N, 33);
  if (large && t == k::WeightType::F16) x[T * K / 2] = -1e5f;  // (BF16's range would overflow)
  const Bits w16 = random_bits(K * N, 32, t, 0.5f);
  const Vec w = widened(w16, t);
  Bits packed16(k::packed_size(K, N), 0xffff);
  k::pack_weights16(w16.data(), K, N, packed16.data());
  Vec y(T * N, NAN);
  k::gemm_packed(x.data(), k::WeightRef{packed16.data(), t}, with_bias ? b.data() : nullptr, y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, with_bias ? &b : nullptr, T, K, N)) <= 1e-5);
  Vec packed(k::packed_size(K, N));
  k::pack_weights(w.data(), K, N, packed.data());
  Vec y32(T * N, NAN);
  k::gemm_packed(x.data(), packed.data(), with_bias ? b.data() : nullptr, y32.data(), T, K, N);
  CHECK(same_bits(y, y32));
}

TEST_CASE("gemm_table and table_row: float64 reference, and 16-bit tables give the same floats as F32 ones") {
  const k::WeightType t = GENERATE(k::WeightType::F32, k::WeightType::F16, k::WeightType::BF16);
  const std::size_t T = GENERATE(1, 3, 17);
  const std::size_t K = GENERATE(1, 7, 42, 64, 130);
  const std::size_t N = GENERATE(1, 11, 257);  // rows: a zero-padded last panel but for 1
  const bool large = GENERATE(false, true);  // see above
  CAPTURE(int(t), T, K, N, large);
  Vec x = random_vec(T * K, 34);
  if (large && t == k::WeightType::F16) x[T * K / 2] = 1e30f;
  const k::WeightType bits_type = t == k::WeightType::F32 ? k::WeightType::BF16 : t;
  const Bits wt16 = random_bits(N * K, 35, bits_type, 1.0f);
  const Vec wt = widened(wt16, bits_type);  // the table [N, K] as floats
  Vec table32(k::table_size(N, K), NAN);
  k::pack_table(wt.data(), N, K, table32.data());
  Bits table16(k::table_size(N, K), 0xffff);
  k::pack_table16(wt16.data(), N, K, table16.data());
  const k::WeightRef table = t == k::WeightType::F32 ? k::WeightRef{table32.data(), t} : k::WeightRef{table16.data(), t};
  Vec w(K * N);  // transpose for the reference
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t kk = 0; kk < K; ++kk) w[kk * N + n] = wt[n * K + kk];
  Vec y(T * N, NAN), y32(T * N, NAN);
  k::gemm_table(x.data(), table, y.data(), T, K, N);
  CHECK(rel_error(y, ref_gemm(x, w, nullptr, T, K, N)) <= 1e-5);
  k::gemm_table(x.data(), k::WeightRef{table32.data(), k::WeightType::F32}, y32.data(), T, K, N);
  CHECK(same_bits(y, y32));
  for (std::size_t r : {std::size_t(0), N / 2, N - 1}) {
    CAPTURE(r);
    Vec row(K, NAN);
    k::table_row(table, K, r, row.data());
    CHECK(same_bits(row, Vec(wt.begin() + r * K, wt.begin() + (r + 1) * K)));
  }
}

// ---- kernels of the Llama-style, GPT-NeoX and BERT-style families ---------------

TEST_CASE("rms_norm matches a float64 reference, in place too") {
  for (std::size_t C : {1, 3, 7, 64, 129}) {
    const std::size_t T = 5;
    Vec x = random_vec(T * C, 11 + C, 2.0f), g = random_vec(C, 12 + C);
    DVec ref(T * C);
    for (std::size_t t = 0; t < T; ++t) {
      double ss = 0;
      for (std::size_t c = 0; c < C; ++c) ss += double(x[t * C + c]) * x[t * C + c];
      const double r = 1.0 / std::sqrt(ss / double(C) + 1e-6);
      for (std::size_t c = 0; c < C; ++c) ref[t * C + c] = x[t * C + c] * r * g[c];
    }
    Vec y(T * C);
    k::rms_norm(x.data(), g.data(), y.data(), T, C, 1e-6f);
    CHECK(rel_error(y, ref) < 1e-5);
    k::rms_norm(x.data(), g.data(), x.data(), T, C, 1e-6f);
    CHECK(rel_error(x, ref) < 1e-5);
  }
}

TEST_CASE("silu_gate: silu(gate) * up, with a row stride") {
  for (std::size_t F : {1, 5, 16, 37}) {
    const std::size_t T = 3, ld = 2 * F + 1;  // gate and up in one buffer, an odd stride
    Vec buf = random_vec(T * ld, 21 + F, 3.0f);
    DVec ref(T * F);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t i = 0; i < F; ++i) {
        const double g = buf[t * ld + i], u = buf[t * ld + F + i];
        ref[t * F + i] = g / (1.0 + std::exp(-g)) * u;
      }
    k::silu_gate(buf.data(), buf.data() + F, T, F, ld);
    Vec got(T * F);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t i = 0; i < F; ++i) got[t * F + i] = buf[t * ld + i];
    CHECK(rel_error(got, ref) < 1e-5);
  }
}

TEST_CASE("rotary: rotate-half pairs, partial rotary leaves the other dims, positions from pos0") {
  struct Case { std::size_t head_dim, rot_dims, pos0; };
  for (Case cs : {Case{8, 8, 0}, Case{7 * 2, 14, 3}, Case{16, 4, 100}, Case{10, 6, 1000}, Case{64, 64, 4000}}) {
    const std::size_t T = 5, H = 3, ld = H * cs.head_dim + 2;
    Vec x = random_vec(T * ld, 31 + cs.head_dim), orig = x;
    const std::size_t half = cs.rot_dims / 2;
    Vec inv(half);
    for (std::size_t d = 0; d < half; ++d) inv[d] = float(std::pow(10000.0, -2.0 * d / double(cs.rot_dims)));
    k::rotary(x.data(), ld, T, cs.pos0, H, cs.head_dim, cs.rot_dims, inv.data());
    DVec ref(orig.begin(), orig.end());
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t d = 0; d < half; ++d) {
          const std::size_t a = t * ld + h * cs.head_dim + d, b = a + half;
          const double ang = double(cs.pos0 + t) * double(inv[d]);
          ref[a] = orig[a] * std::cos(ang) - orig[b] * std::sin(ang);
          ref[b] = orig[b] * std::cos(ang) + orig[a] * std::sin(ang);
        }
    CHECK(rel_error(x, ref) < 1e-5);
    // dims past rot_dims, and the padding columns, are untouched
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t c = 0; c < ld; ++c)
        if (c >= H * cs.head_dim || c % cs.head_dim >= cs.rot_dims) REQUIRE(x[t * ld + c] == orig[t * ld + c]);
  }
}

namespace {
// float64 attention with grouped key/value heads, queries at positions [q0, q0+nq).
RefAttention ref_attention_gqa(const Vec& q, const Vec& kk, const Vec& v, std::size_t q0, std::size_t nq, std::size_t nk,
                               std::size_t H, std::size_t G, std::size_t dk, bool causal) {
  const std::size_t P = nk, qw = H * dk, kw = G * dk;
  RefAttention r{DVec(nq * qw, 0.0), DVec(H * P * P, 0.0), DVec(H * P * P, 0.0)};
  for (std::size_t h = 0; h < H; ++h) {
    const std::size_t g = h / (H / G);
    for (std::size_t rr = 0; rr < nq; ++rr) {
      const std::size_t i = q0 + rr;
      std::vector<double> s(nk, -INFINITY);
      double mx = -INFINITY;
      for (std::size_t j = 0; j < nk; ++j) {
        if (causal && j > i) continue;
        double d = 0;
        for (std::size_t e = 0; e < dk; ++e) d += double(q[rr * qw + h * dk + e]) * kk[j * kw + g * dk + e];
        s[j] = d / std::sqrt(double(dk));
        mx = std::max(mx, s[j]);
      }
      double z = 0;
      for (std::size_t j = 0; j < nk; ++j) z += std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx);
      for (std::size_t j = 0; j < nk; ++j) {
        const double p = std::isinf(s[j]) ? 0.0 : std::exp(s[j] - mx) / z;
        r.probs[(h * P + i) * P + j] = p;
        for (std::size_t e = 0; e < dk; ++e) r.out[rr * qw + h * dk + e] += p * v[j * kw + g * dk + e];
      }
    }
  }
  return r;
}
}  // namespace

TEST_CASE("attention_rows: grouped and multi-query key/value heads, odd head dims, a block of rows") {
  struct Case { std::size_t H, G, dk, q0, nq, nk; bool causal; };
  for (Case c : {Case{6, 2, 7, 0, 9, 9, true}, Case{4, 1, 5, 0, 1, 1, true}, Case{9, 3, 64, 4, 3, 7, true},
                 Case{6, 6, 3, 0, 11, 11, false}, Case{4, 1, 16, 12, 1, 13, true}, Case{8, 2, 6, 0, 17, 17, true}}) {
    const std::size_t qw = c.H * c.dk, kw = c.G * c.dk;
    Vec q = random_vec(c.nq * qw, 41 + c.dk), kk = random_vec(c.nk * kw, 42 + c.dk), v = random_vec(c.nk * kw, 43);
    auto ref = ref_attention_gqa(q, kk, v, c.q0, c.nq, c.nk, c.H, c.G, c.dk, c.causal);
    k::AttentionLayout lay;
    lay.n_head = c.H;
    lay.n_kv_head = c.G;
    lay.head_dim = c.dk;
    lay.q_ld = lay.out_ld = qw;
    lay.k_ld = lay.v_ld = kw;
    k::AttentionOptions o;
    o.causal = c.causal;
    Vec out(c.nq * qw), probs(c.H * c.nk * c.nk, -7.0f);
    k::attention_rows(q.data(), kk.data(), v.data(), out.data(), probs.data(), nullptr, c.q0, c.nq, c.nk, c.nk, lay, o);
    CHECK(rel_error(out, ref.out) < 1e-5);
    // only rows q0..q0+nq-1 are written; compare those
    for (std::size_t h = 0; h < c.H; ++h)
      for (std::size_t i = 0; i < c.nk; ++i)
        for (std::size_t j = 0; j < c.nk; ++j) {
          const std::size_t at = (h * c.nk + i) * c.nk + j;
          if (i >= c.q0 && i < c.q0 + c.nq) REQUIRE(std::abs(probs[at] - ref.probs[at]) < 1e-6);
          else REQUIRE(probs[at] == -7.0f);
        }
  }
}

TEST_CASE("attention_rows: the rows of a block equal the same rows of a full pass") {
  const std::size_t H = 6, G = 2, dk = 5, T = 13, qw = H * dk, kw = G * dk;
  Vec q = random_vec(T * qw, 51), kk = random_vec(T * kw, 52), v = random_vec(T * kw, 53);
  k::AttentionLayout lay;
  lay.n_head = H;
  lay.n_kv_head = G;
  lay.head_dim = dk;
  lay.q_ld = lay.out_ld = qw;
  lay.k_ld = lay.v_ld = kw;
  Vec out_full(T * qw), probs_full(H * T * T);
  k::attention_rows(q.data(), kk.data(), v.data(), out_full.data(), probs_full.data(), nullptr, 0, T, T, T, lay, {});
  const std::size_t q0 = 9;
  Vec out_tail((T - q0) * qw), probs_tail(H * T * T, 0.0f);
  k::attention_rows(q.data() + q0 * qw, kk.data(), v.data(), out_tail.data(), probs_tail.data(), nullptr, q0, T - q0, T,
                    T, lay, {});
  for (std::size_t i = 0; i < out_tail.size(); ++i) REQUIRE(out_tail[i] == out_full[q0 * qw + i]);
  for (std::size_t h = 0; h < H; ++h)
    for (std::size_t i = q0; i < T; ++i)
      for (std::size_t j = 0; j < T; ++j) REQUIRE(probs_tail[(h * T + i) * T + j] == probs_full[(h * T + i) * T + j]);
}
