// tests/train/test_gradcheck.cpp — the trainer's hand-written backward pass
// against central finite differences in float64, for every element of every
// parameter tensor of a tiny GPT-2 (2 layers, 2 heads, C=8, T=5, V=11, B=2);
// plus the safetensors/F16 round trip and the learning-rate schedule.
#include <cmath>
#include <cstdio>

#include "catch.hpp"
#include "train/gpt2.hpp"
#include "train/optim.hpp"
#include "train/rng.hpp"
#include "train/safetensors_io.hpp"

using namespace hs::train;

namespace {

struct Tiny {
  Config cfg;
  Layout L;
  std::vector<double> p;
  std::vector<int32_t> tok, tgt;
  int B = 2;
  Tiny() {
    cfg.n_layer = 2;
    cfg.n_head = 2;
    cfg.n_embd = 8;
    cfg.n_ctx = 5;
    cfg.vocab_size = 11;
    L = make_layout(cfg);
    Rng rng(99);
    p.resize(L.total);
    for (const auto& t : L.tensors) {
      const bool ln_w = t.name.find(".ln_") != std::string::npos && t.name.find(".weight") != std::string::npos;
      for (size_t i = 0; i < t.size; ++i) p[t.offset + i] = ln_w ? 1.0 + 0.3 * rng.normal() : 0.4 * rng.normal();
    }
    const int N = B * cfg.n_ctx;
    for (int n = 0; n < N; ++n) {
      tok.push_back(int32_t(rng.below(11)));
      tgt.push_back(int32_t(rng.below(11)));
    }
  }
  double loss(const std::vector<double>& q) {
    Acts<double> a;
    return model_forward<double>(L, q.data(), tok.data(), tgt.data(), B, cfg.n_ctx, a) / double(B * cfg.n_ctx);
  }
};

}  // namespace

TEST_CASE("gpt2 backward matches central finite differences (float64, every tensor)") {
  Tiny m;
  const int N = m.B * m.cfg.n_ctx;
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

TEST_CASE("float16 conversion rounds to nearest even and round-trips") {
  CHECK(float_to_half(1.0f) == 0x3c00);
  CHECK(float_to_half(-2.0f) == 0xc000);
  CHECK(float_to_half(65504.0f) == 0x7bff);
  CHECK(float_to_half(1e6f) == 0x7c00);
  CHECK(float_to_half(5.960464477539063e-08f) == 0x0001);  // smallest subnormal
  CHECK(float_to_half(1.0f + 1.0f / 2048) == 0x3c00);        // tie -> even
  CHECK(float_to_half(1.0f + 3.0f / 2048) == 0x3c02);        // tie -> even (up)
  for (uint32_t h = 0; h < 0x7c00; ++h) CHECK(float_to_half(half_to_float(uint16_t(h))) == h);
}

TEST_CASE("safetensors write/read round trip, header sorted and tiling") {
  const std::string path = "test_train_roundtrip.safetensors";
  std::vector<StTensor> ts = {{"b.weight", DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6}},
                              {"a.bias", DType::F16, {3}, {0.5, -1.25, 3}},
                              {"c", DType::F64, {1}, {0.1}}};
  REQUIRE(write_safetensors(path, ts).ok());
  auto r = read_safetensors(path);
  REQUIRE(r.ok());
  CHECK(r->at("b.weight").values == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(r->at("a.bias").values == std::vector<double>{0.5, -1.25, 3});
  CHECK(r->at("c").values[0] == 0.1);
  std::remove(path.c_str());
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
  Config cfg;
  cfg.n_layer = 2;
  cfg.n_head = 4;
  cfg.n_embd = 64;
  cfg.n_ctx = 32;
  cfg.vocab_size = 50;
  Layout L = make_layout(cfg);
  Rng rng(5);
  std::vector<double> pd(L.total);
  for (const auto& t : L.tensors) {
    const bool ln_w = t.name.find(".ln_") != std::string::npos && t.name.find(".weight") != std::string::npos;
    for (size_t i = 0; i < t.size; ++i) pd[t.offset + i] = ln_w ? 1.0 + 0.1 * rng.normal() : 0.1 * rng.normal();
  }
  const int B = 3, T = cfg.n_ctx;
  std::vector<int32_t> tok, tgt;
  for (int n = 0; n < B * T; ++n) {
    tok.push_back(int32_t(rng.below(50)));
    tgt.push_back(int32_t(rng.below(50)));
  }
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
