// The logit lens (src/model/logit_lens.hpp) on the bundled model models/brown-small:
// its top tokens and probabilities against a float64 final norm + unembedding of the
// kept residual stream (read from the file's own weights), the last layer against the
// run's own logits, T = 1, prefix reuse, and the errors. Every family against float64
// forwards of its own: tests/reference/families check (the "lens" cases).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "catch.hpp"
#include "formats/safetensors.hpp"
#include "model/loader.hpp"
#include "model/logit_lens.hpp"
#include "bundled_model.hpp"

using namespace hs::model;
using namespace hs::model::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

RunOptions with_lens() {
  RunOptions o;
  o.lens = true;
  return o;
}

// softmax(LN_f(x) E^T) in float64 from the file's weights       x: [C] -> [V]
std::vector<double> reference_probs(const std::map<std::string, hs::formats::TensorValues>& file, const float* x,
                                    std::size_t C, std::size_t V, double eps) {
  const auto& g = file.at("transformer.ln_f.weight").values;
  const auto& b = file.at("transformer.ln_f.bias").values;
  const auto& E = file.at("transformer.wte.weight").values;  // [V, C], tied
  double mean = 0.0, var = 0.0;
  for (std::size_t c = 0; c < C; ++c) mean += x[c];
  mean /= double(C);
  for (std::size_t c = 0; c < C; ++c) var += (x[c] - mean) * (x[c] - mean);
  var /= double(C);
  std::vector<double> h(C), p(V);
  for (std::size_t c = 0; c < C; ++c) h[c] = (x[c] - mean) / std::sqrt(var + eps) * g[c] + b[c];
  double mx = -INFINITY;
  for (std::size_t v = 0; v < V; ++v) {
    double s = 0.0;
    for (std::size_t c = 0; c < C; ++c) s += h[c] * E[v * C + c];
    p[v] = s;
    mx = std::max(mx, s);
  }
  double z = 0.0;
  for (double& s : p) z += (s = std::exp(s - mx));
  for (double& s : p) s /= z;
  return p;
}

}  // namespace

TEST_CASE("logit lens: top tokens and probabilities = float64 final norm + unembedding of each layer's residual") {
  auto m = bundled();
  auto r = m->run(kText, with_lens());
  REQUIRE(r.ok());
  const std::size_t L = r->n_layer, T = r->T, C = r->n_embd, V = r->vocab_size, K = 7;
  REQUIRE(r->residuals.size() == L * T * C);
  auto lens = logit_lens(*m, r.value(), K);
  REQUIRE(lens.ok());
  REQUIRE(lens->top_ids.size() == L * T * K);
  REQUIRE(lens->top_tokens.size() == L * T * K);
  auto file = hs::formats::read_safetensors_values(kBundled + "/model.safetensors");
  REQUIRE(file.ok());
  double worst = 0.0;
  for (std::size_t l = 0; l < L; ++l)
    for (std::size_t t = 0; t < T; ++t) {
      const std::vector<double> p =
          reference_probs(file.value(), r->residuals.data() + (l * T + t) * C, C, V, m->config().layer_norm_epsilon);
      std::vector<double> sorted = p;
      std::sort(sorted.begin(), sorted.end(), std::greater<double>());
      for (std::size_t k = 0; k < K; ++k) {
        const std::size_t at = (l * T + t) * K + k;
        // the k-th largest probability, and the id named has it (ties may order either way)
        worst = std::max(worst, std::abs(sorted[k] - lens->top_probs[at]));
        worst = std::max(worst, std::abs(p[lens->top_ids[at]] - lens->top_probs[at]));
        if (k > 0) REQUIRE(lens->top_probs[at] <= lens->top_probs[at - 1]);
        REQUIRE(lens->top_tokens[at] == m->tokenizer().token_text(lens->top_ids[at]));
      }
      const int32_t final_id = lens->final_ids[t];
      worst = std::max(worst, std::abs(p[final_id] - lens->final_prob[l * T + t]));
    }
  INFO("max probability error " << worst);
  CHECK(worst <= 2e-5);
  // the lens shows something: the layers do not all agree with the last one everywhere
  double spread = 0.0;
  for (std::size_t t = 0; t < T; ++t) spread = std::max(spread, double(lens->final_prob[(L - 1) * T + t] - lens->final_prob[t]));
  CHECK(spread > 0.05);
}

TEST_CASE("logit lens: the last layer is the run's own prediction, at every position") {
  auto m = bundled();
  auto r = m->run(kText, with_lens());
  REQUIRE(r.ok());
  const std::size_t L = r->n_layer, T = r->T, V = r->vocab_size, K = 5;
  auto lens = logit_lens(*m, r.value(), K);
  REQUIRE(lens.ok());
  for (std::size_t t = 0; t < T; ++t) {
    auto logits = m->logits_at(r.value(), t);
    REQUIRE(logits.ok());
    if (t + 1 == T)
      for (std::size_t v = 0; v < V; ++v) REQUIRE(logits.value()[v] == r->logits_last[v]);
    std::vector<int32_t> order(V);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits.value()[a] > logits.value()[b]; });
    double mx = logits.value()[order[0]], z = 0.0;
    for (float x : logits.value()) z += std::exp(double(x) - mx);
    for (std::size_t k = 0; k < K; ++k) {
      const std::size_t at = ((L - 1) * T + t) * K + k;
      CHECK(lens->top_ids[at] == order[k]);
      CHECK(std::abs(lens->top_probs[at] - std::exp(double(logits.value()[order[k]]) - mx) / z) <= 1e-6);
    }
    CHECK(lens->final_ids[t] == order[0]);
    CHECK(lens->final_prob[(L - 1) * T + t] == lens->top_probs[((L - 1) * T + t) * K]);
  }
}

TEST_CASE("logit lens: one token, K = vocab, and prefix reuse keep the same numbers") {
  auto m = bundled();
  auto one = m->run("The", with_lens());
  REQUIRE(one.ok());
  REQUIRE(one->T == 1);
  auto all = logit_lens(*m, one.value(), std::size_t(one->vocab_size));
  REQUIRE(all.ok());
  for (std::size_t l = 0; l < all->n_layer; ++l) {  // every id once, probabilities summing to 1
    const std::size_t V = one->vocab_size;
    std::vector<int32_t> ids(all->top_ids.begin() + l * V, all->top_ids.begin() + (l + 1) * V);
    std::sort(ids.begin(), ids.end());
    for (std::size_t v = 0; v < V; ++v) REQUIRE(ids[v] == int32_t(v));
    double sum = 0.0;
    for (std::size_t v = 0; v < V; ++v) sum += all->top_probs[l * V + v];
    CHECK(std::abs(sum - 1.0) < 1e-4);
  }
  auto full = m->run(kText, with_lens());
  auto shorter = m->run("The cat sat on the mat. The", with_lens());
  REQUIRE(full.ok());
  REQUIRE(shorter.ok());
  auto reused = m->run(kText, with_lens(), &shorter.value());
  REQUIRE(reused.ok());
  CHECK(reused->reused > 0);
  REQUIRE(reused->residuals.size() == full->residuals.size());
  for (std::size_t i = 0; i < full->residuals.size(); ++i)
    REQUIRE(std::abs(reused->residuals[i] - full->residuals[i]) <= 1e-5f * (1 + std::abs(full->residuals[i])));
  // off by default: no residual stream kept
  CHECK(m->run(kText)->residuals.empty());
}

TEST_CASE("logit lens: errors name what is wrong") {
  auto m = bundled();
  auto r = m->run(kText, with_lens());
  REQUIRE(r.ok());
  auto zero = logit_lens(*m, r.value(), 0);
  REQUIRE(!zero.ok());
  CHECK_THAT(zero.error().message, ContainsSubstring("top must be between 1 and the vocabulary size 4096"));
  auto big = logit_lens(*m, r.value(), 4097);
  REQUIRE(!big.ok());
  CHECK_THAT(big.error().message, ContainsSubstring("not 4097"));
  auto plain = m->run(kText);
  REQUIRE(plain.ok());
  auto none = logit_lens(*m, plain.value(), 5);
  REQUIRE(!none.ok());
  CHECK_THAT(none.error().message, ContainsSubstring("kept no residual stream"));
}

TEST_CASE("logit lens a layer at a time (the worker's steps) = all at once") {
  auto m = bundled();
  auto r = m->run(kText, with_lens());
  REQUIRE(r.ok());
  auto whole = logit_lens(*m, r.value(), 5);
  REQUIRE(whole.ok());
  auto steps = logit_lens_begin(*m, r.value(), 5);
  REQUIRE(steps.ok());
  CHECK(steps->layers_left == std::size_t(r->n_layer) - 1);
  std::size_t n = 0;
  while (!steps->complete()) {
    REQUIRE(logit_lens_step(*m, r.value(), steps.value()).ok());
    ++n;
  }
  CHECK(n == std::size_t(r->n_layer) - 1);
  CHECK(steps->top_ids == whole->top_ids);
  CHECK(steps->top_probs == whole->top_probs);
  CHECK(steps->top_tokens == whole->top_tokens);
  CHECK(steps->final_prob == whole->final_prob);
  CHECK(lens_json(r.value(), steps.value()) == lens_json(r.value(), whole.value()));
  // a step on another run is refused
  auto other = m->run("The cat", with_lens());
  REQUIRE(other.ok());
  auto fresh = logit_lens_begin(*m, r.value(), 5);
  REQUIRE(fresh.ok());
  auto bad = logit_lens_step(*m, other.value(), fresh.value());
  REQUIRE(!bad.ok());
  CHECK_THAT(bad.error().message, ContainsSubstring("the run changed"));
}
