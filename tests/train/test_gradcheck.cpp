// tests/train/test_gradcheck.cpp — the trainer's hand-written backward pass
// against central finite differences in float64, for every element of every
// parameter tensor of a tiny GPT-2 (2 layers, 2 heads, C=8, T=5, V=11, B=2);
// plus the learning-rate schedule (the safetensors/F16 round trip is in tests/formats).
#include <cmath>
#include <cstdio>

#include "catch.hpp"
#include "train/gpt2.hpp"
#include "train/optim.hpp"
#include "train/rng.hpp"

using namespace hs::train;

namespace {

// A GPT-2 with random parameters and a random batch of B x n_ctx tokens.
struct TinyGpt2 {
  Config cfg;
  Layout L;
  std::vector<double> p;  // p: [L.total]
  std::vector<int32_t> tok, tgt;  // [B * n_ctx]
  int B;
  // ln_jitter: spread of layer-norm weights around 1; w_scale: spread of every other parameter.
  TinyGpt2(int n_layer, int n_head, int n_embd, int n_ctx, int vocab, int batch, uint64_t seed, double ln_jitter,
           double w_scale)
      : B(batch) {
    cfg.n_layer = n_layer;
    cfg.n_head = n_head;
    cfg.n_embd = n_embd;
    cfg.n_ctx = n_ctx;
    cfg.vocab_size = vocab;
    L = make_layout(cfg);
    Rng rng(seed);
    p.resize(L.total);
    for (const auto& t : L.tensors) {
      const bool ln_w = t.name.find(".ln_") != std::string::npos && t.name.find(".weight") != std::string::npos;
      for (size_t i = 0; i < t.size; ++i) p[t.offset + i] = ln_w ? 1.0 + ln_jitter * rng.normal() : w_scale * rng.normal();
    }
    for (int n = 0; n < B * n_ctx; ++n) {
      tok.push_back(int32_t(rng.below(uint64_t(vocab))));
      tgt.push_back(int32_t(rng.below(uint64_t(vocab))));
    }
  }
  int tokens() const { return B * cfg.n_ctx; }
  double loss(const std::vector<double>& q) const {
    Acts<double> a;
    return model_forward<double>(L, q.data(), tok.data(), tgt.data(), B, cfg.n_ctx, a) / double(tokens());
  }
};

}  // namespace

TEST_CASE("gpt2 backward matches central finite differences (float64, every tensor)") {
  TinyGpt2 m(/*layers*/ 2, /*heads*/ 2, /*C*/ 8, /*T*/ 5, /*V*/ 11, /*B*/ 2, /*seed*/ 99, 0.3, 0.4);
  const int N = m.tokens();
  Acts<double> a;
  std::vector<double> g(m.L.total, 0.0);
  model_forward<double>(m.L, m.p.data(), m.tok.data(), m.tgt.data(), m.B, m.cfg.n_ctx, a);
  model_backward<double>(m.L, m.p.data(), g.data(), m.tok.data(), m.tgt.data(), 1.0 / N, a);
  const double h = 1e-5;
  for (const auto& t : m.L.tensors) {
    double max_err = 0, max_ref = 0;
    std::vector<double> q = m.p;
    for (size_t i = t.offset; i < t.offset + t.size; ++i) {
      q[i] = m.p[i] + h;
      const double lp = m.loss(q);
      q[i] = m.p[i] - h;
      const double lm = m.loss(q);
      q[i] = m.p[i];
      const double fd = (lp - lm) / (2 * h);
      max_err = std::max(max_err, std::abs(fd - g[i]));
      max_ref = std::max(max_ref, std::abs(fd));
    }
    // relative error per tensor: max |g - fd| / max |fd|
    const double rel = max_err / std::max(max_ref, 1e-300);
    INFO(t.name << ": max|g-fd| = " << max_err << ", max|fd| = " << max_ref << ", rel = " << rel);
    CHECK(max_ref > 0);
    CHECK(rel < 1e-6);
  }
}

TEST_CASE("schedule: linear warmup then cosine to the floor") {
  Schedule s;
  s.max_lr = 1.0;
  s.min_lr_frac = 0.1;
  s.warmup = 10;
  s.total = 110;
  CHECK(s.at(0) == Catch::Approx(0.1));
  CHECK(s.at(9) == Catch::Approx(1.0));
  CHECK(s.at(60) == Catch::Approx(0.55));
  CHECK(s.at(110) == Catch::Approx(0.1));
}

TEST_CASE("gpt2 float32 training path matches the float64 one (loss and every gradient)") {
  // Training runs the float instantiation; the checks above cover the double one.
  const TinyGpt2 m(/*layers*/ 2, /*heads*/ 4, /*C*/ 64, /*T*/ 32, /*V*/ 50, /*B*/ 3, /*seed*/ 5, 0.1, 0.1);
  const Layout& L = m.L;
  const std::vector<double>& pd = m.p;
  const std::vector<int32_t>& tok = m.tok;
  const std::vector<int32_t>& tgt = m.tgt;
  const int B = m.B, T = m.cfg.n_ctx;
  std::vector<double> gd(L.total, 0.0);
  Acts<double> ad;
  const double ld = model_forward<double>(L, pd.data(), tok.data(), tgt.data(), B, T, ad);
  model_backward<double>(L, pd.data(), gd.data(), tok.data(), tgt.data(), 1.0 / (B * T), ad);
  FloatBuf pf(L.total), gf(L.total, 0.0f);
  for (size_t i = 0; i < L.total; ++i) pf[i] = float(pd[i]);
  Acts<float> af;
  const double lf = model_forward<float>(L, pf.data(), tok.data(), tgt.data(), B, T, af);
  model_backward<float>(L, pf.data(), gf.data(), tok.data(), tgt.data(), 1.0f / float(B * T), af);
  CHECK(std::abs(ld - lf) <= 1e-5 * std::abs(ld));
  for (const auto& t : L.tensors) {
    double max_err = 0, max_ref = 0;
    for (size_t i = t.offset; i < t.offset + t.size; ++i) {
      max_err = std::max(max_err, std::abs(gd[i] - double(gf[i])));
      max_ref = std::max(max_ref, std::abs(gd[i]));
    }
    INFO(t.name << ": max|g32 - g64| / max|g64| = " << max_err / max_ref);
    CHECK(max_err / max_ref <= 1e-5);
  }
}
