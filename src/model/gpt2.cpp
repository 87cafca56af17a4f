// GPT-2 forward pass over the xsimd kernels, one short function per stage.
//   x = wte[ids] + wpe[0..T)                       x: [T, C]
//   per layer: x += attn(ln_1(x)); x += mlp(ln_2(x))
//   logits = ln_f(x) · wte^T                        logits: [T or 1, V]
#include "model/gpt2.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.hpp"

namespace hs::model {

namespace kn = hs::kernels;

Model::Model(Gpt2Config config, tokenizer::Tokenizer tokenizer, Gpt2Weights weights)
    : config_(std::move(config)), tokenizer_(std::move(tokenizer)), weights_(std::move(weights)) {}

Status check_tokenizer_fits(const Gpt2Config& config, const tokenizer::Tokenizer& tok) {
  if (tok.vocab_size() == 0) return make_error("tokenizer: the vocabulary is empty");
  if (static_cast<int64_t>(tok.vocab_size()) > config.vocab_size)
    return make_error("tokenizer: its vocabulary has ids up to " + std::to_string(tok.vocab_size() - 1) +
                      " but config.json vocab_size is " + std::to_string(config.vocab_size) +
                      " (tokenizer and model do not belong together)");
  return {};
}

namespace {

// x[t, :] = wte[ids[t], :] + wpe[t, :]                 x: [T, C]
void embed(const Gpt2Weights& w, const std::vector<int32_t>& ids, std::size_t C, float* x) {
  for (std::size_t t = 0; t < ids.size(); ++t) {
    const float* te = w.wte.data() + static_cast<std::size_t>(ids[t]) * C;
    const float* pe = w.wpe.data() + t * C;
    for (std::size_t c = 0; c < C; ++c) x[t * C + c] = te[c] + pe[c];
  }
}

// Remove the output of the listed heads of this layer: zero, or its mean over positions.
void ablate_heads(float* head_out, std::size_t T, std::size_t C, std::size_t dk, int layer,
                  const RunOptions& opt) {
  for (const HeadRef& h : opt.ablate) {
    if (h.layer != layer) continue;
    const std::size_t off = static_cast<std::size_t>(h.head) * dk;
    for (std::size_t d = 0; d < dk; ++d) {
      float mean = 0.0f;
      if (opt.ablation == AblationMode::Mean) {
        for (std::size_t t = 0; t < T; ++t) mean += head_out[t * C + off + d];
        mean /= static_cast<float>(T);
      }
      for (std::size_t t = 0; t < T; ++t) head_out[t * C + off + d] = mean;
    }
  }
}

struct Scratch {
  std::vector<float> x, ln, qkv, heads, proj, fc;
};

// heads = attention(c_attn(ln_1(x)))    heads: [T, C], probs: [H, T, T] of this layer
// (c_proj and the residual are attention_projection's)
void attention_block(const Gpt2Config& cfg, const LayerWeights& L, int layer, const RunOptions& opt,
                     Scratch& s, std::size_t T, float* probs, float* scores) {
  const std::size_t C = cfg.n_embd, H = cfg.n_head, dk = C / H;
  kn::layer_norm(s.x.data(), L.ln1_g.data(), L.ln1_b.data(), s.ln.data(), T, C, float(cfg.layer_norm_epsilon));
  kn::gemm_packed(s.ln.data(), L.attn_w.data(), L.attn_b.data(), s.qkv.data(), T, C, 3 * C);  // qkv: [T, 3C]

  kn::AttentionOptions ao;
  ao.causal = opt.causal;
  ao.scale = opt.scale && cfg.scale_attn_weights;
  const bool per_head_temperature = opt.temperature != 1.0f && opt.temperature_head.layer >= 0;
  if (!per_head_temperature) ao.temperature = opt.temperature;
  kn::attention(s.qkv.data(), s.qkv.data() + C, s.qkv.data() + 2 * C, 3 * C, s.heads.data(), probs, scores,
                T, C, H, ao);
  if (per_head_temperature && opt.temperature_head.layer == layer) {
    // re-run the one head at its own temperature (a 1-head call on its column slice)
    const std::size_t h = static_cast<std::size_t>(opt.temperature_head.head);
    kn::AttentionOptions one = ao;
    one.temperature = opt.temperature;
    std::vector<float> out1(T * dk), probs1(T * T);
    std::vector<float> q(T * dk), k(T * dk), v(T * dk);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t d = 0; d < dk; ++d) {
        q[t * dk + d] = s.qkv[t * 3 * C + h * dk + d];
        k[t * dk + d] = s.qkv[t * 3 * C + C + h * dk + d];
        v[t * dk + d] = s.qkv[t * 3 * C + 2 * C + h * dk + d];
      }
    one.scale = ao.scale;
    // the 1-head call must scale by this head's d_k, which it does (C = dk, H = 1)
    kn::attention(q.data(), k.data(), v.data(), dk, out1.data(), probs1.data(), nullptr, T, dk, 1, one);
    std::copy(probs1.begin(), probs1.end(), probs + h * T * T);
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t d = 0; d < dk; ++d) s.heads[t * C + h * dk + d] = out1[t * dk + d];
  }
  ablate_heads(s.heads.data(), T, C, dk, layer, opt);
}

void attention_projection(const Gpt2Config& cfg, const LayerWeights& L, Scratch& s, std::size_t T) {
  const std::size_t C = cfg.n_embd;
  kn::gemm_packed(s.heads.data(), L.proj_w.data(), L.proj_b.data(), s.proj.data(), T, C, C);
  kn::add_inplace(s.x.data(), s.proj.data(), T * C);  // residual
}

void activation(const Gpt2Config& cfg, float* x, std::size_t n) {
  switch (cfg.activation) {
    case Activation::GeluTanh: kn::gelu_tanh(x, n); break;
    case Activation::GeluErf: kn::gelu_erf(x, n); break;
    case Activation::Relu:
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
  }
}

// x += c_proj(gelu(c_fc(ln_2(x))))
void mlp_block(const Gpt2Config& cfg, const LayerWeights& L, Scratch& s, std::size_t T) {
  const std::size_t C = cfg.n_embd, F = cfg.n_inner;
  kn::layer_norm(s.x.data(), L.ln2_g.data(), L.ln2_b.data(), s.ln.data(), T, C, float(cfg.layer_norm_epsilon));
  kn::gemm_packed(s.ln.data(), L.fc_w.data(), L.fc_b.data(), s.fc.data(), T, C, F);  // fc: [T, F]
  activation(cfg, s.fc.data(), T * F);
  kn::gemm_packed(s.fc.data(), L.fc2_w.data(), L.fc2_b.data(), s.proj.data(), T, F, C);
  kn::add_inplace(s.x.data(), s.proj.data(), T * C);  // residual
}

bool all_finite(const float* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

}  // namespace

double run_result_floats(const Gpt2Config& cfg, std::size_t T, const RunOptions& opt) {
  const double L = cfg.n_layer, H = cfg.n_head, C = cfg.n_embd, V = cfg.vocab_size, F = cfg.n_inner;
  const double t = static_cast<double>(T);
  return L * H * t * t * (opt.keep_intermediates ? 2 : 1) + V + (opt.all_logits ? t * V : 0.0) +
         (opt.keep_intermediates ? L * t * 4 * C : 0.0) + t * (8 * C + F);  // scratch x ln qkv heads proj fc, final_hidden
}

Result<RunResult> Model::run(std::string_view text, const RunOptions& options) const {
  if (text.empty()) return make_error("text is empty: there is nothing to run the model on");
  std::vector<int32_t> ids = tokenizer_.encode(text);
  if (ids.empty()) return make_error("text is empty: it gave no tokens");
  return run_ids(std::move(ids), options);
}

// Refuse a run whose arrays cannot be allocated, before allocating any of them.
// Two checks: the result arrays against kMaxResultBytes; then a malloc of about
// what the run will hold (arrays and scratch, plus a margin) that is freed at
// once. The second one matters in the browser: the wasm build has no exceptions,
// so a std::vector that cannot grow aborts the module; with a big model loaded
// and a long text, a run under the first limit can still be more than the page
// has left.
Status check_run_fits(const Gpt2Config& cfg, std::size_t T, const RunOptions& opt) {
  const double floats = run_result_floats(cfg, T, opt);
  if (floats * sizeof(float) > double(kMaxResultBytes))
    return make_error("a run on " + std::to_string(T) + " tokens would need " +
                      std::to_string(static_cast<long long>(floats * 4 / (1 << 20))) +
                      " MB for its attention and logits; shorten the text (or lower max_tokens)");
  const double bytes = floats * sizeof(float) * 1.25 + double(16 << 20);
  // (through a volatile, or the compiler drops the malloc/free pair as unused)
  void* volatile probe = std::malloc(static_cast<std::size_t>(bytes));
  if (!probe)
    return make_error("out of memory: a run on " + std::to_string(T) + " tokens needs about " +
                      std::to_string(static_cast<long long>(bytes / (1 << 20))) +
                      " MB for its attention, logits and scratch, more than this page has left; shorten the text "
                      "(or lower max_tokens)");
  std::free(probe);
  return {};
}

Result<RunResult> Model::run_ids(std::vector<int32_t> ids, const RunOptions& opt) const {
  const Gpt2Config& cfg = config_;
  const std::size_t C = cfg.n_embd, H = cfg.n_head, L = cfg.n_layer, V = cfg.vocab_size, F = cfg.n_inner;
  if (ids.empty()) return make_error("no tokens to run");
  for (int32_t id : ids)
    if (id < 0 || id >= cfg.vocab_size)
      return make_error("token id " + std::to_string(id) + " is outside the model's vocabulary (vocab_size " +
                        std::to_string(cfg.vocab_size) + ")");
  for (const HeadRef& h : opt.ablate)
    if (h.layer < 0 || h.layer >= cfg.n_layer || h.head < 0 || h.head >= cfg.n_head)
      return make_error("ablate: head " + std::to_string(h.layer) + "." + std::to_string(h.head) +
                        " does not exist (the model has " + std::to_string(cfg.n_layer) + " layers x " +
                        std::to_string(cfg.n_head) + " heads)");
  if (opt.temperature_head.layer >= 0 &&
      (opt.temperature_head.layer >= cfg.n_layer || opt.temperature_head.head < 0 ||
       opt.temperature_head.head >= cfg.n_head))
    return make_error("temperature: head " + std::to_string(opt.temperature_head.layer) + "." +
                      std::to_string(opt.temperature_head.head) + " does not exist");
  if (!(opt.temperature > 0.0f) || !std::isfinite(opt.temperature))
    return make_error("temperature must be a positive number");

  RunResult r;
  r.n_tokens_in_text = ids.size();
  std::size_t limit = static_cast<std::size_t>(cfg.n_positions);
  if (opt.max_tokens > 0) limit = std::min(limit, opt.max_tokens);
  if (ids.size() > limit) {
    ids.resize(limit);
    r.truncated = true;
  }
  const std::size_t T = ids.size();
  HS_TRY(check_run_fits(cfg, T, opt));
  r.T = T;
  r.n_layer = int(L);
  r.n_head = int(H);
  r.n_embd = int(C);
  r.vocab_size = int(V);
  r.ids = ids;
  r.tokens.reserve(T);
  for (int32_t id : ids) r.tokens.push_back(tokenizer_.token_text(id));
  r.attention.assign(L * H * T * T, 0.0f);
  const bool scaled = opt.scale && cfg.scale_attn_weights;
  r.score_scale.assign(L * H, scaled ? 1.0f / std::sqrt(float(C / H)) : 1.0f);
  if (opt.keep_intermediates) {
    r.qkv.assign(L * T * 3 * C, 0.0f);
    r.scores.assign(L * H * T * T, 0.0f);
    r.head_out.assign(L * T * C, 0.0f);
  }

  Scratch s;
  s.x.resize(T * C);
  s.ln.resize(T * C);
  s.qkv.resize(T * 3 * C);
  s.heads.resize(T * C);
  s.proj.resize(T * C);
  s.fc.resize(T * F);

  embed(weights_, ids, C, s.x.data());
  for (std::size_t l = 0; l < L; ++l) {
    const LayerWeights& Lw = weights_.layers[l];
    float* probs = r.attention.data() + l * H * T * T;
    float* scores = opt.keep_intermediates ? r.scores.data() + l * H * T * T : nullptr;
    attention_block(cfg, Lw, int(l), opt, s, T, probs, scores);
    if (opt.keep_intermediates) {
      std::copy(s.qkv.begin(), s.qkv.end(), r.qkv.begin() + l * T * 3 * C);
      std::copy(s.heads.begin(), s.heads.end(), r.head_out.begin() + l * T * C);
    }
    attention_projection(cfg, Lw, s, T);
    mlp_block(cfg, Lw, s, T);
  }
  kn::layer_norm(s.x.data(), weights_.lnf_g.data(), weights_.lnf_b.data(), s.x.data(), T, C,
                 float(cfg.layer_norm_epsilon));

  r.final_hidden = s.x;
  // logits = ln_f(x) · wte^T, for the last position (or all)
  r.logits_last.resize(V);
  kn::gemm_transposed_b(s.x.data() + (T - 1) * C, weights_.lm_head_data(), r.logits_last.data(), 1, C, V);
  if (opt.all_logits) {
    r.logits_all.resize(T * V);
    kn::gemm_transposed_b(s.x.data(), weights_.lm_head_data(), r.logits_all.data(), T, C, V);
  }
  r.nonfinite = weights_.has_nonfinite || !all_finite(r.logits_last.data(), V) ||
                !all_finite(r.attention.data(), r.attention.size());
  return r;
}

Result<std::vector<float>> Model::logits_at(const RunResult& r, std::size_t position) const {
  const std::size_t C = config_.n_embd, V = config_.vocab_size;
  if (position >= r.T || r.final_hidden.size() != r.T * C)
    return make_error("logits_at: position " + std::to_string(position) + " is outside the last run (" +
                      std::to_string(r.T) + " tokens)");
  std::vector<float> logits(V);
  kn::gemm_transposed_b(r.final_hidden.data() + position * C, weights_.lm_head_data(), logits.data(), 1, C, V);
  return logits;
}

Status Model::fill_all_logits(RunResult& r) const {
  const std::size_t C = config_.n_embd, V = config_.vocab_size;
  if (r.T == 0 || r.final_hidden.size() != r.T * C || std::size_t(r.vocab_size) != V)
    return make_error("all logits: there is no finished run of this model to compute them for");
  if (r.logits_all.size() == r.T * V) return {};
  RunOptions sizing;
  sizing.all_logits = true;
  HS_TRY(check_run_fits(config_, r.T, sizing));
  r.logits_all.resize(r.T * V);
  kn::gemm_transposed_b(r.final_hidden.data(), weights_.lm_head_data(), r.logits_all.data(), r.T, C, V);  // [T, V]
  return {};
}

Result<Model::Score> Model::score(std::string_view text, const RunOptions& options) const {
  if (text.empty()) return make_error("text is empty: there is nothing to score");
  std::vector<int32_t> ids = tokenizer_.encode(text);
  if (ids.size() < 2) return make_error("text has " + std::to_string(ids.size()) +
                                        " token; scoring needs at least 2 (a context and a next token)");
  RunOptions opt = options;
  opt.all_logits = true;
  HS_TRY_ASSIGN(RunResult r, run_ids(std::move(ids), opt));
  return loss(r);
}

// mean over t of  logsumexp(logits[t]) - logits[t][ids[t+1]]
Result<Model::Score> Model::loss(RunResult& r) const {
  if (r.T < 2) return make_error("the run has " + std::to_string(r.T) +
                                 " token; a loss needs at least 2 (a context and a next token)");
  HS_TRY(fill_all_logits(r));
  const std::size_t V = r.vocab_size;
  double total = 0.0;
  for (std::size_t t = 0; t + 1 < r.T; ++t) {
    const float* row = r.logits_all.data() + t * V;
    double mx = -INFINITY;
    for (std::size_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
    double z = 0.0;
    for (std::size_t v = 0; v < V; ++v) z += std::exp(double(row[v]) - mx);
    total += (mx + std::log(z)) - double(row[r.ids[t + 1]]);
  }
  Score s;
  s.tokens = r.T;
  s.mean_nll = total / double(r.T - 1);
  s.truncated = r.truncated;
  return s;
}

}  // namespace hs::model
