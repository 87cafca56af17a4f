// The logit lens: layer by layer (the last first), the LM head (Model::residual_logits)
// on a few rows of the kept residual stream at a time, a softmax in double, the top K.
#include "model/logit_lens.hpp"

#include <algorithm>
#include <cmath>

#include "json/writer.hpp"

namespace hs::model {

namespace {

// Rows of logits computed at once: about 16 MB of them.
std::size_t rows_per_block(std::size_t V, std::size_t T) {
  return std::max<std::size_t>(1, std::min<std::size_t>(T, (std::size_t(4) << 20) / std::max<std::size_t>(V, 1)));
}

// One position of one layer: the top K of softmax(logits) and the probability of `want` (if >= 0).
void top_of_row(const float* logits, std::size_t V, std::size_t K, int32_t* ids, float* probs, int32_t want,
                float* want_prob) {
  double mx = -INFINITY;
  for (std::size_t v = 0; v < V; ++v) mx = std::max(mx, double(logits[v]));
  double z = 0.0;
  for (std::size_t v = 0; v < V; ++v) z += std::exp(double(logits[v]) - mx);
  // the K largest logits, kept sorted (a larger one goes first; an equal one after, so the lower id wins)
  std::size_t kept = 0;
  for (std::size_t v = 0; v < V; ++v) {
    const float x = logits[v];
    if (kept == K && !(x > logits[ids[K - 1]])) continue;
    std::size_t at = kept < K ? kept++ : K - 1;
    while (at > 0 && x > logits[ids[at - 1]]) {
      ids[at] = ids[at - 1];
      --at;
    }
    ids[at] = int32_t(v);
  }
  for (std::size_t k = 0; k < K; ++k) probs[k] = float(std::exp(double(logits[ids[k]]) - mx) / z);
  if (want >= 0) *want_prob = float(std::exp(double(logits[want]) - mx) / z);
}

// Layer l of the lens: its top K and, below the last layer, the probability of the final ids.
Status lens_layer(const Model& model, const RunResult& run, LogitLens& lens, std::size_t l) {
  const ModelSpec& c = model.config();
  const std::size_t L = lens.n_layer, T = lens.T, C = c.n_embd, V = c.vocab_size, K = lens.top;
  const std::size_t B = rows_per_block(V, T);
  std::vector<float> logits(B * V);
  for (std::size_t t0 = 0; t0 < T; t0 += B) {
    const std::size_t n = std::min(B, T - t0);
    HS_TRY(model.residual_logits(run.residuals.data() + (l * T + t0) * C, n, logits.data()));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t t = t0 + i, at = (l * T + t) * K;
      top_of_row(logits.data() + i * V, V, K, lens.top_ids.data() + at, lens.top_probs.data() + at,
                 l + 1 == L ? -1 : lens.final_ids[t], lens.final_prob.data() + l * T + t);
      if (l + 1 == L) {
        lens.final_ids[t] = lens.top_ids[at];
        lens.final_prob[l * T + t] = lens.top_probs[at];
      }
    }
  }
  const auto& tok = model.tokenizer();
  for (std::size_t at = l * T * K; at < (l + 1) * T * K; ++at) {
    const int32_t id = lens.top_ids[at];
    lens.top_tokens[at] = std::size_t(id) < tok.vocab_size() ? tok.token_text(id) : std::string();
  }
  return {};
}

}  // namespace

Result<LogitLens> logit_lens_begin(const Model& model, const RunResult& run, std::size_t top) {
  const ModelSpec& c = model.config();
  const std::size_t L = c.n_layer, T = run.T, C = c.n_embd, V = c.vocab_size;
  if (!model.weights().has_lm_head)  // (residual_logits refuses it, saying why in the model's words)
    HS_TRY(model.residual_logits(nullptr, 0, nullptr));
  if (top < 1 || top > V)
    return make_error("logit lens: top must be between 1 and the vocabulary size " + std::to_string(V) + ", not " +
                      std::to_string(top));
  if (run.residuals.size() != L * T * C || T == 0)
    return make_error("logit lens: the run kept no residual stream (run it with the option \"lens\")");
  LogitLens lens;
  lens.n_layer = L;
  lens.T = T;
  lens.top = top;
  lens.top_ids.assign(L * T * top, 0);
  lens.top_probs.assign(L * T * top, 0.0f);
  lens.top_tokens.assign(L * T * top, std::string());
  lens.final_ids.assign(T, -1);
  lens.final_prob.assign(L * T, 0.0f);
  HS_TRY(lens_layer(model, run, lens, L - 1));  // the last layer first: its top tokens colour the others
  lens.layers_left = L - 1;
  return lens;
}

Status logit_lens_step(const Model& model, const RunResult& run, LogitLens& lens) {
  if (lens.complete()) return {};
  if (lens.T != run.T || run.residuals.size() != lens.n_layer * run.T * std::size_t(model.config().n_embd))
    return make_error("logit lens: the run changed since its lens began");
  HS_TRY(lens_layer(model, run, lens, lens.layers_left - 1));
  --lens.layers_left;
  return {};
}

Result<LogitLens> logit_lens(const Model& model, const RunResult& run, std::size_t top) {
  HS_TRY_ASSIGN(LogitLens lens, logit_lens_begin(model, run, top));
  while (!lens.complete()) HS_TRY(logit_lens_step(model, run, lens));
  return lens;
}

std::string lens_json(const RunResult& run, const LogitLens& lens) {
  const std::size_t L = lens.n_layer, T = lens.T, K = lens.top;
  json::Writer w;
  w.begin_object();
  w.key("ids").array(run.ids).key("tokens").array(run.tokens);
  w.field("family", family_name(run.family)).field("n_layer", run.n_layer).field("top", K);
  // an [L, T, K] array as [L][T][K]
  auto layers_positions = [&](const char* name, const auto& a) {
    w.key(name).begin_array();
    for (std::size_t l = 0; l < L; ++l) {
      w.begin_array();
      for (std::size_t t = 0; t < T; ++t) w.array(a.data() + (l * T + t) * K, K);
      w.end_array();
    }
    w.end_array();
  };
  layers_positions("top_ids", lens.top_ids);
  layers_positions("top_probs", lens.top_probs);
  layers_positions("top_tokens", lens.top_tokens);
  w.key("final_ids").array(lens.final_ids);
  w.key("final_prob").begin_array();
  for (std::size_t l = 0; l < L; ++l) w.array(lens.final_prob.data() + l * T, T);
  w.end_array();
  w.end_object();
  return w.take();
}

}  // namespace hs::model
