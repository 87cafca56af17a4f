// The forward pass of every family over the xsimd kernels, one short function
// per stage. Rows [p, T) of a run are computed; rows before p come from the
// previous run when it is reused (p = 0 otherwise).
//   x = embed(ids)                                           x: [T, C]
//   per layer, pre-norm (GPT-2, Llama):  x += attn(norm1(x)); x += mlp(norm2(x))
//              parallel (GPT-NeoX):      x += attn(norm1(x)) + mlp(norm2(x))
//              post-norm (BERT):         x = norm1(x + attn(x)); x = norm2(x + mlp(x))
//   attn(h) = o(attention(q(h), k(h), v(h)))   (rotary on q and k where the family has it)
//   logits = head(x) · E^T                                   logits: [1 or T, V]
//   head: the final norm (decoders) or the masked-LM transform (BERT family)
#include "model/model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.hpp"

namespace hs::model {

namespace kn = hs::kernels;

Model::Model(ModelSpec config, tokenizer::Tokenizer tokenizer, Weights weights)
    : config_(std::move(config)), tokenizer_(std::move(tokenizer)), weights_(std::move(weights)) {}

Status check_tokenizer_fits(const ModelSpec& config, const tokenizer::Tokenizer& tok) {
  if (tok.vocab_size() == 0) return make_error("tokenizer: the vocabulary is empty");
  if (static_cast<int64_t>(tok.vocab_size()) > config.vocab_size)
    return make_error("tokenizer: its vocabulary has ids up to " + std::to_string(tok.vocab_size() - 1) +
                      " but config.json vocab_size is " + std::to_string(config.vocab_size) +
                      " (tokenizer and model do not belong together)");
  return {};
}

namespace {

// The buffers of one run's new rows (n = T - p of them).
struct Scratch {
  std::vector<float> x;      // [n, C] the residual stream
  std::vector<float> ln;     // [n, C] a normed copy
  std::vector<float> qkv;    // [n, Q + 2 KV]
  std::vector<float> heads;  // [n, Q]
  std::vector<float> proj;   // [n, C]
  std::vector<float> fc;     // [n, F], or [n, 2F] gate | up
};

void norm(const ModelSpec& c, const FloatBuffer& g, const FloatBuffer& b, const float* x, float* y, std::size_t n) {
  if (c.norm == NormKind::Rms) kn::rms_norm(x, g.data(), y, n, c.n_embd, float(c.layer_norm_epsilon));
  else kn::layer_norm(x, g.data(), b.data(), y, n, c.n_embd, float(c.layer_norm_epsilon));
}

void activation(Activation a, float* x, std::size_t n) {
  switch (a) {
    case Activation::GeluTanh: kn::gelu_tanh(x, n); break;
    case Activation::GeluErf: kn::gelu_erf(x, n); break;
    case Activation::Relu:
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case Activation::Silu:
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-x[i]));
      break;
  }
}

// y[n, N] = x[n, K] · W + b   (b may be absent)
void linear(const float* x, const WeightArray& w, const FloatBuffer& b, float* y, std::size_t n, std::size_t K,
            std::size_t N) {
  kn::gemm_packed(x, w.ref(), b.empty() ? nullptr : b.data(), y, n, K, N);
}

// x[t] = E[ids[t]] (+ position p+t) (+ token type 0), normed for the BERT family   x: [n, C]
void embed(const ModelSpec& c, const Weights& w, const std::vector<int32_t>& ids, std::size_t p, float* x) {
  const std::size_t C = c.n_embd;
  for (std::size_t t = p; t < ids.size(); ++t) {
    float* xt = x + (t - p) * C;
    kn::table_row(w.tok_emb.ref(), C, static_cast<std::size_t>(ids[t]), xt);
    if (c.learned_positions) kn::add_inplace(xt, w.pos_emb.data() + (c.position_offset + t) * C, C);
    if (c.token_types) kn::add_inplace(xt, w.type_emb.data(), C);
  }
  if (c.post_norm) kn::layer_norm(x, w.emb_norm_g.data(), w.emb_norm_b.data(), x, ids.size() - p, C,
                                  float(c.layer_norm_epsilon));
}

// Remove the output of the listed heads of this layer: zero, or its mean over positions.
void ablate_heads(float* heads, std::size_t n, std::size_t Q, std::size_t dk, int layer, const RunOptions& opt) {
  for (const HeadRef& h : opt.ablate) {
    if (h.layer != layer) continue;
    const std::size_t off = static_cast<std::size_t>(h.head) * dk;
    for (std::size_t d = 0; d < dk; ++d) {
      float mean = 0.0f;
      if (opt.ablation == AblationMode::Mean) {
        for (std::size_t t = 0; t < n; ++t) mean += heads[t * Q + off + d];
        mean /= static_cast<float>(n);
      }
      for (std::size_t t = 0; t < n; ++t) heads[t * Q + off + d] = mean;
    }
  }
}

// What one layer's attention writes into the run.
struct LayerOut {
  float* probs;   // [H, T, T]
  float* scores;  // [H, T, T] or null
  float* kv;      // [T, 2 KV]: this layer's keys | values, rows [p, T) filled here
  float* qkv;     // [T, Q + 2 KV] or null: the intermediates of the inside view
  float* heads;   // [T, Q] or null
};

// heads = attention(q, k, v of h) for rows [p, T)      h: [n, C] -> s.heads: [n, Q]
void attention(const ModelSpec& c, const LayerWeights& L, int layer, const RunOptions& opt, const float* h,
               Scratch& s, std::size_t p, std::size_t T, const LayerOut& out) {
  const std::size_t n = T - p, C = c.n_embd, Q = c.q_width(), KV = c.kv_width(), W = Q + 2 * KV;
  const std::size_t H = c.n_head, dk = c.head_dim;
  linear(h, L.qkv_w, L.qkv_b, s.qkv.data(), n, C, W);  // qkv: [n, Q + 2KV]
  if (c.rotary) {
    kn::rotary(s.qkv.data(), W, n, p, H, dk, c.rotary_dims, c.inv_freq.data());             // q
    kn::rotary(s.qkv.data() + Q, W, n, p, c.n_kv_head, dk, c.rotary_dims, c.inv_freq.data());  // k
  }
  for (std::size_t t = 0; t < n; ++t)  // this layer's keys and values, for every later query
    std::memcpy(out.kv + (p + t) * 2 * KV, s.qkv.data() + t * W + Q, 2 * KV * sizeof(float));

  kn::AttentionLayout lay;
  lay.n_head = H;
  lay.n_kv_head = c.n_kv_head;
  lay.head_dim = dk;
  lay.q_ld = W;
  lay.k_ld = lay.v_ld = 2 * KV;
  lay.out_ld = Q;
  kn::AttentionOptions ao;
  ao.causal = c.causal && opt.causal;
  ao.scale = opt.scale && c.scale_attn_weights;
  ao.window = static_cast<std::size_t>(c.sliding_window);
  const bool one_head = opt.temperature != 1.0f && opt.temperature_head.layer >= 0;
  if (!one_head) ao.temperature = opt.temperature;
  kn::attention_rows(s.qkv.data(), out.kv, out.kv + KV, s.heads.data(), out.probs, out.scores, p, n, T, T, lay, ao);
  if (one_head && opt.temperature_head.layer == layer) {
    // the one head again at its own temperature, on its own columns
    const std::size_t hd = static_cast<std::size_t>(opt.temperature_head.head);
    const std::size_t g = hd / (H / c.n_kv_head);
    kn::AttentionLayout one = lay;
    one.n_head = one.n_kv_head = 1;
    kn::AttentionOptions at = ao;
    at.temperature = opt.temperature;
    std::vector<float> probs1(T * T, 0.0f);
    kn::attention_rows(s.qkv.data() + hd * dk, out.kv + g * dk, out.kv + KV + g * dk, s.heads.data() + hd * dk,
                       probs1.data(), nullptr, p, n, T, T, one, at);
    for (std::size_t i = p; i < T; ++i)
      std::copy(probs1.begin() + i * T, probs1.begin() + (i + 1) * T, out.probs + (hd * T + i) * T);
  }
  ablate_heads(s.heads.data(), n, Q, dk, layer, opt);
  if (out.qkv) std::copy(s.qkv.begin(), s.qkv.begin() + n * W, out.qkv + p * W);
  if (out.heads) std::copy(s.heads.begin(), s.heads.begin() + n * Q, out.heads + p * Q);
}

// s.fc = act(up(h)) or act(gate(h)) * up(h); s.proj = down(s.fc)        h: [n, C]
void mlp(const ModelSpec& c, const LayerWeights& L, const float* h, Scratch& s, std::size_t n) {
  const std::size_t C = c.n_embd, F = c.n_inner;
  if (c.gated_mlp) {
    linear(h, L.up_w, L.up_b, s.fc.data(), n, C, 2 * F);  // [n, 2F] gate | up
    if (c.activation == Activation::Silu) kn::silu_gate(s.fc.data(), s.fc.data() + F, n, F, 2 * F);
    else
      for (std::size_t t = 0; t < n; ++t) {
        activation(c.activation, s.fc.data() + t * 2 * F, F);
        for (std::size_t i = 0; i < F; ++i) s.fc[t * 2 * F + i] *= s.fc[t * 2 * F + F + i];
      }
    for (std::size_t t = 1; t < n; ++t)  // the products, packed as [n, F]
      std::memmove(s.fc.data() + t * F, s.fc.data() + t * 2 * F, F * sizeof(float));
  } else {
    linear(h, L.up_w, L.up_b, s.fc.data(), n, C, F);  // [n, F]
    activation(c.activation, s.fc.data(), n * F);
  }
  linear(s.fc.data(), L.down_w, L.down_b, s.proj.data(), n, F, C);
}

// One layer on rows [p, T) of the residual stream s.x, in the family's arrangement.
void layer_forward(const ModelSpec& c, const LayerWeights& L, int layer, const RunOptions& opt, Scratch& s,
                   std::size_t p, std::size_t T, const LayerOut& out) {
  const std::size_t n = T - p, C = c.n_embd, Q = c.q_width();
  if (c.post_norm) {  // BERT: x = norm1(x + attn(x)); x = norm2(x + mlp(x))
    attention(c, L, layer, opt, s.x.data(), s, p, T, out);
    linear(s.heads.data(), L.o_w, L.o_b, s.proj.data(), n, Q, C);
    kn::add_inplace(s.x.data(), s.proj.data(), n * C);
    norm(c, L.norm1_g, L.norm1_b, s.x.data(), s.x.data(), n);
    mlp(c, L, s.x.data(), s, n);
    kn::add_inplace(s.x.data(), s.proj.data(), n * C);
    norm(c, L.norm2_g, L.norm2_b, s.x.data(), s.x.data(), n);
    return;
  }
  norm(c, L.norm1_g, L.norm1_b, s.x.data(), s.ln.data(), n);
  attention(c, L, layer, opt, s.ln.data(), s, p, T, out);
  if (c.parallel_residual) {  // NeoX: x += attn(norm1(x)) + mlp(norm2(x)), both from the same x
    norm(c, L.norm2_g, L.norm2_b, s.x.data(), s.ln.data(), n);
    linear(s.heads.data(), L.o_w, L.o_b, s.qkv.data(), n, Q, C);  // (qkv is free now) attention's share
    kn::add_inplace(s.x.data(), s.qkv.data(), n * C);
    mlp(c, L, s.ln.data(), s, n);
    kn::add_inplace(s.x.data(), s.proj.data(), n * C);
    return;
  }
  linear(s.heads.data(), L.o_w, L.o_b, s.proj.data(), n, Q, C);
  kn::add_inplace(s.x.data(), s.proj.data(), n * C);  // residual
  norm(c, L.norm2_g, L.norm2_b, s.x.data(), s.ln.data(), n);
  mlp(c, L, s.ln.data(), s, n);
  kn::add_inplace(s.x.data(), s.proj.data(), n * C);  // residual
}

// Value-weighted attention of one layer for rows [p, T): ||v_j W_O^h|| of the new keys
// j >= p (earlier ones came with the reused prefix), then vw_ij = alpha_ij ||v_j W_O^h||.
//   kv: [T, 2 KV], probs and vw: [H, T, T], norms: [H, T]
void value_weighted(const ModelSpec& c, const LayerWeights& L, const float* kv, const float* probs, std::size_t p,
                    std::size_t T, float* norms, float* vw) {
  const std::size_t H = c.n_head, dk = c.head_dim, Q = c.q_width(), KV = c.kv_width(), C = c.n_embd;
  const std::size_t group = H / c.n_kv_head, n = T - p;
  std::vector<float> v(n * Q), out(n * C);  // one head's values in its own columns, the rest 0
  for (std::size_t h = 0; h < H; ++h) {
    const std::size_t g = h / group;
    std::fill(v.begin(), v.end(), 0.0f);
    for (std::size_t t = 0; t < n; ++t)
      std::copy(kv + (p + t) * 2 * KV + KV + g * dk, kv + (p + t) * 2 * KV + KV + (g + 1) * dk, v.begin() + t * Q + h * dk);
    kn::gemm_packed(v.data(), L.o_w.ref(), nullptr, out.data(), n, Q, C);  // v_j W_O^h: [n, C]
    for (std::size_t t = 0; t < n; ++t) {
      double ss = 0.0;
      for (std::size_t k = 0; k < C; ++k) ss += double(out[t * C + k]) * out[t * C + k];
      norms[h * T + p + t] = static_cast<float>(std::sqrt(ss));
    }
    for (std::size_t i = p; i < T; ++i)
      for (std::size_t j = 0; j < T; ++j)
        vw[(h * T + i) * T + j] = probs[(h * T + i) * T + j] * norms[h * T + j];
  }
}

// What the LM head reads, in place over x[n, C]: the final norm, or the masked-LM transform.
void head_input(const ModelSpec& c, const Weights& w, Scratch& s, std::size_t n) {
  const std::size_t C = c.n_embd;
  if (c.family == Family::Bert) {
    if (!w.has_lm_head) return;
    linear(s.x.data(), w.mlm_w, w.mlm_b, s.ln.data(), n, C, C);
    activation(c.activation, s.ln.data(), n * C);
    kn::layer_norm(s.ln.data(), w.mlm_norm_g.data(), w.mlm_norm_b.data(), s.x.data(), n, C,
                   float(c.layer_norm_epsilon));
    return;
  }
  norm(c, w.final_norm_g, w.final_norm_b, s.x.data(), s.x.data(), n);
}

// logits[rows, V] = hidden[rows, C] · E^T (+ the masked-LM bias)
void lm_logits(const ModelSpec& c, const Weights& w, const float* hidden, float* logits, std::size_t rows) {
  const std::size_t C = c.n_embd, V = c.vocab_size;
  kn::gemm_table(hidden, w.lm_head_ref(), logits, rows, C, V);
  if (!w.mlm_bias.empty())
    for (std::size_t r = 0; r < rows; ++r) kn::add_inplace(logits + r * V, w.mlm_bias.data(), V);
}

bool all_finite(const float* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

// How many leading positions of `prev` a run of `ids` with `opt` can take as they are.
std::size_t reusable_prefix(const ModelSpec& c, const std::vector<int32_t>& ids, const RunOptions& opt,
                            const RunResult* prev) {
  if (!prev || !c.causal || !opt.causal || opt.keep_intermediates || prev->options.keep_intermediates) return 0;
  if (opt.ablation == AblationMode::Mean && !opt.ablate.empty()) return 0;  // a mean over positions changes
  if (!(prev->options == opt) || prev->kv.empty() || prev->family != c.family || prev->n_embd != c.n_embd) return 0;
  std::size_t p = 0;
  const std::size_t limit = std::min(ids.size(), prev->ids.size());
  while (p < limit && ids[p] == prev->ids[p]) ++p;
  return p;  // (p == ids.size(): the text is a prefix of the previous one, every row is there)
}

// Rows and columns of room a run's head matrices are allocated with beyond T, so that the next
// run that takes them (Model::run_taking) and has a few more tokens moves rows in place.
constexpr std::size_t kGrowRoom = 8;

// Rows [0, p), columns [0, p) of every head's [T0, T0] matrix in `from` into the [T, T] matrices of `to`.
void copy_head_rows(const std::vector<float>& from, std::size_t T0, std::vector<float>& to, std::size_t T,
                    std::size_t heads, std::size_t p) {
  for (std::size_t lh = 0; lh < heads; ++lh)
    for (std::size_t i = 0; i < p; ++i)
      std::copy(from.begin() + (lh * T0 + i) * T0, from.begin() + (lh * T0 + i) * T0 + p, to.begin() + (lh * T + i) * T);
}

// The next-token losses of the rows a run shares with `prev` (row t's loss also needs
// ids[t + 1], so it is shared for t < p - 1), where the previous run had them.
void copy_shared_losses(const RunResult& prev, std::size_t p, std::size_t T, RunResult& r) {
  const std::size_t nll_rows = std::min(p > 0 ? p - 1 : 0, prev.nll_rows);
  if (T > 1) {
    r.nll.assign(T - 1, 0.0);
    std::copy(prev.nll.begin(), prev.nll.begin() + nll_rows, r.nll.begin());
    r.nll_rows = nll_rows;
  }
}

// Rows [0, p) of every array, from a run over T0 >= p positions into one over T.
void copy_prefix(const ModelSpec& c, const RunResult& prev, std::size_t p, RunResult& r) {
  const std::size_t L = c.n_layer, H = c.n_head, T = r.T, T0 = prev.T, C = c.n_embd, KV2 = 2 * c.kv_width();
  copy_head_rows(prev.attention, T0, r.attention, T, L * H, p);
  for (std::size_t l = 0; l < L; ++l)
    std::copy(prev.kv.begin() + l * T0 * KV2, prev.kv.begin() + (l * T0 + p) * KV2, r.kv.begin() + l * T * KV2);
  std::copy(prev.final_hidden.begin(), prev.final_hidden.begin() + p * C, r.final_hidden.begin());
  if (!r.value_weighted.empty() && prev.value_weighted.size() == L * H * T0 * T0) {  // (same options: both have it)
    copy_head_rows(prev.value_weighted, T0, r.value_weighted, T, L * H, p);
    for (std::size_t lh = 0; lh < L * H; ++lh)
      std::copy(prev.value_norms.begin() + lh * T0, prev.value_norms.begin() + lh * T0 + p, r.value_norms.begin() + lh * T);
  }
  if (!r.residuals.empty() && prev.residuals.size() == L * T0 * C)  // the logit lens (same options: both have it)
    for (std::size_t l = 0; l < L; ++l)
      std::copy(prev.residuals.begin() + l * T0 * C, prev.residuals.begin() + (l * T0 + p) * C, r.residuals.begin() + l * T * C);
  // logits and losses of the shared rows, where the previous run had them
  const std::size_t V = c.vocab_size, rows = std::min(p, prev.logits_all_rows);
  if (rows > 0) {
    r.logits_all.assign(T * V, 0.0f);
    std::copy(prev.logits_all.begin(), prev.logits_all.begin() + rows * V, r.logits_all.begin());
    r.logits_all_rows = rows;
  }
  copy_shared_losses(prev, p, T, r);
}

// Every array of a run over T positions, zeroed (a run that takes its previous run's arrays
// gets them from take_prefix instead).
void allocate_arrays(const ModelSpec& c, std::size_t T, const RunOptions& opt, RunResult& r) {
  const std::size_t L = c.n_layer, H = c.n_head, C = c.n_embd, Q = c.q_width(), KV = c.kv_width();
  r.attention.reserve(L * H * (T + kGrowRoom) * (T + kGrowRoom));  // (a taking run that grows a little stays here)
  r.attention.assign(L * H * T * T, 0.0f);
  r.kv.assign(L * T * 2 * KV, 0.0f);
  r.final_hidden.assign(T * C, 0.0f);
  if (opt.value_weighted) {
    r.value_weighted.assign(L * H * T * T, 0.0f);
    r.value_norms.assign(L * H * T, 0.0f);
  }
  if (opt.lens) r.residuals.assign(L * T * C, 0.0f);
  if (opt.keep_intermediates) {
    r.qkv.assign(L * T * (Q + 2 * KV), 0.0f);
    r.scores.assign(L * H * T * T, 0.0f);
    r.head_out.assign(L * T * Q, 0.0f);
  }
}

// `v`, a [blocks, T0, W0] array, becomes the [blocks, T, W] one in place: row i < p of
// each block keeps its first `keep` values (zeros after them), rows [p, T) are zeroed.
// Either both T >= T0 and W >= W0 (rows move up, so they are moved last first) or both
// are <= (rows move down, first first). A growing array that outgrows its capacity is
// reallocated once, with room for kGrowRoom more rows and columns.
void relayout_rows(std::vector<float>& v, std::size_t blocks, std::size_t T0, std::size_t W0, std::size_t T,
                   std::size_t W, std::size_t p, std::size_t keep) {
  const bool grows = T * W >= T0 * W0;
  if (grows) {
    if (v.capacity() < blocks * T * W) v.reserve(blocks * (T + kGrowRoom) * (W == T ? T + kGrowRoom : W));
    v.resize(blocks * T * W);
  }
  auto move_row = [&](std::size_t b, std::size_t i) {
    float* to = v.data() + (b * T + i) * W;
    std::memmove(to, v.data() + (b * T0 + i) * W0, keep * sizeof(float));
    std::fill(to + keep, to + W, 0.0f);
  };
  const bool moves = W != W0 || (blocks > 1 && T != T0);  // (one block of fixed-width rows stays put)
  if (moves && grows) {
    for (std::size_t b = blocks; b-- > 0;)
      for (std::size_t i = p; i-- > 0;) move_row(b, i);
  } else if (moves) {
    for (std::size_t b = 0; b < blocks; ++b)
      for (std::size_t i = 0; i < p; ++i) move_row(b, i);
  } else if (keep < W) {
    for (std::size_t b = 0; b < blocks; ++b)  // same shape: only the columns after `keep` to clear
      for (std::size_t i = 0; i < p; ++i) std::fill(v.data() + (b * T + i) * W + keep, v.data() + (b * T + i + 1) * W, 0.0f);
  }
  for (std::size_t b = 0; b < blocks; ++b) std::fill(v.data() + (b * T + p) * W, v.data() + (b + 1) * T * W, 0.0f);
  if (!grows) v.resize(blocks * T * W);
}

// copy_prefix's result without the copies: `r` takes the arrays of `prev` (same options, so the
// same arrays) and moves rows [0, p) to where a run over T positions has them.
void take_prefix(const ModelSpec& c, RunResult&& prev, std::size_t p, RunResult& r) {
  const std::size_t L = c.n_layer, H = c.n_head, T = r.T, T0 = prev.T, C = c.n_embd, KV2 = 2 * c.kv_width();
  r.attention = std::move(prev.attention);
  relayout_rows(r.attention, L * H, T0, T0, T, T, p, p);
  r.kv = std::move(prev.kv);
  relayout_rows(r.kv, L, T0, KV2, T, KV2, p, KV2);
  r.final_hidden = std::move(prev.final_hidden);
  relayout_rows(r.final_hidden, 1, T0, C, T, C, p, C);
  if (r.options.value_weighted) {
    r.value_weighted = std::move(prev.value_weighted);
    relayout_rows(r.value_weighted, L * H, T0, T0, T, T, p, p);
    r.value_norms = std::move(prev.value_norms);
    relayout_rows(r.value_norms, L * H, T0, 1, T, 1, p, 1);
  }
  if (r.options.lens) {
    r.residuals = std::move(prev.residuals);
    relayout_rows(r.residuals, L, T0, C, T, C, p, C);
  }
  // logits and losses of the shared rows, where the previous run had them (as copy_prefix)
  const std::size_t V = c.vocab_size, rows = std::min(p, prev.logits_all_rows);
  if (rows > 0) {
    r.logits_all = std::move(prev.logits_all);
    relayout_rows(r.logits_all, 1, T0, V, T, V, rows, V);
    r.logits_all_rows = rows;
  }
  copy_shared_losses(prev, p, T, r);
  prev = RunResult{};  // emptied: no ids, no arrays (reusable_prefix finds nothing to reuse in it)
}

}  // namespace

double run_result_floats(const ModelSpec& c, std::size_t T, const RunOptions& opt) {
  const double L = c.n_layer, H = c.n_head, C = c.n_embd, V = c.vocab_size, F = c.n_inner;
  const double Q = double(c.q_width()), KV = double(c.kv_width()), t = static_cast<double>(T);
  const double mlp = c.gated_mlp ? 2 * F : F;
  return L * H * t * t * (opt.keep_intermediates ? 2 : 1) + V + (opt.all_logits ? t * V : 0.0) +
         L * t * 2 * KV +                                                   // kv
         (opt.value_weighted ? L * H * t * (t + 1) : 0.0) +                 // value_weighted, value_norms
         (opt.lens ? L * t * C : 0.0) +                                     // residuals
         (opt.keep_intermediates ? L * t * (2 * Q + 2 * KV) : 0.0) +        // qkv, head_out
         t * (4 * C + Q + 2 * KV + Q + mlp + C);  // scratch x ln proj, qkv, heads, fc; final_hidden
}

Result<std::vector<int32_t>> Model::encode_text(std::string_view text, const RunOptions& options) const {
  if (text.empty()) return make_error("text is empty: there is nothing to run the model on");
  std::vector<int32_t> ids = tokenizer_.encode(text, options.special);
  if (ids.empty()) return make_error("text is empty: it gave no tokens");
  return ids;
}

Result<RunResult> Model::run(std::string_view text, const RunOptions& options, const RunResult* previous) const {
  HS_TRY_ASSIGN(std::vector<int32_t> ids, encode_text(text, options));
  return run_ids(std::move(ids), options, previous);
}

// Refuse a run whose arrays cannot be allocated, before allocating any of them.
// Two checks: the result arrays against kMaxResultBytes; then a malloc of about
// what the run will hold (arrays and scratch, plus a margin) that is freed at
// once. The second one matters in the browser: the wasm build has no exceptions,
// so a std::vector that cannot grow aborts the module; with a big model loaded
// and a long text, a run under the first limit can still be more than the page
// has left.
Status check_run_fits(const ModelSpec& cfg, std::size_t T, const RunOptions& opt) {
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

Result<RunResult> Model::run_ids(std::vector<int32_t> ids, const RunOptions& opt, const RunResult* previous) const {
  return run_ids_reusing(std::move(ids), opt, previous, nullptr);
}

Result<RunResult> Model::run_taking(std::string_view text, const RunOptions& options, RunResult& previous) const {
  HS_TRY_ASSIGN(std::vector<int32_t> ids, encode_text(text, options));
  return run_ids_taking(std::move(ids), options, previous);
}

Result<RunResult> Model::run_ids_taking(std::vector<int32_t> ids, const RunOptions& opt, RunResult& previous) const {
  return run_ids_reusing(std::move(ids), opt, &previous, &previous);
}

Result<RunResult> Model::run_ids_reusing(std::vector<int32_t> ids, const RunOptions& opt, const RunResult* previous,
                                         RunResult* take) const {
  const ModelSpec& cfg = config_;
  const std::size_t C = cfg.n_embd, H = cfg.n_head, L = cfg.n_layer, V = cfg.vocab_size, F = cfg.n_inner;
  const std::size_t Q = cfg.q_width(), KV = cfg.kv_width();
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
  r.family = cfg.family;
  r.n_layer = int(L);
  r.n_head = int(H);
  r.n_kv_head = int(cfg.n_kv_head);
  r.head_dim = int(cfg.head_dim);
  r.n_embd = int(C);
  r.vocab_size = int(V);
  r.causal = cfg.causal && opt.causal;
  r.options = opt;
  r.ids = ids;
  r.tokens.reserve(T);
  for (int32_t id : ids) r.tokens.push_back(tokenizer_.token_text(id));
  const bool scaled = opt.scale && cfg.scale_attn_weights;
  r.score_scale.assign(L * H, scaled ? 1.0f / std::sqrt(float(cfg.head_dim)) : 1.0f);
  const std::size_t p = reusable_prefix(cfg, ids, opt, previous);
  if (p > 0 && take) {
    take_prefix(cfg, std::move(*take), p, r);  // (nothing below can fail: `take` is only emptied on success)
  } else {
    allocate_arrays(cfg, T, opt, r);
    if (p > 0) copy_prefix(cfg, *previous, p, r);
    if (take) *take = RunResult{};  // (taken or not, it is not to be read again)
  }
  r.reused = p;
  const std::size_t n = T - p;  // rows to compute
  if (n > 0) {
    Scratch s;
    s.x.resize(n * C);
    s.ln.resize(n * C);
    s.qkv.resize(n * std::max(Q + 2 * KV, C));
    s.heads.resize(n * Q);
    s.proj.resize(n * C);
    s.fc.resize(n * (cfg.gated_mlp ? 2 * F : F));
    embed(cfg, weights_, ids, p, s.x.data());
    for (std::size_t l = 0; l < L; ++l) {
      const bool keep = opt.keep_intermediates;
      LayerOut out{r.attention.data() + l * H * T * T, keep ? r.scores.data() + l * H * T * T : nullptr,
                   r.kv.data() + l * T * 2 * KV, keep ? r.qkv.data() + l * T * (Q + 2 * KV) : nullptr,
                   keep ? r.head_out.data() + l * T * Q : nullptr};
      layer_forward(cfg, weights_.layers[l], int(l), opt, s, p, T, out);
      if (opt.value_weighted)
        value_weighted(cfg, weights_.layers[l], out.kv, out.probs, p, T, r.value_norms.data() + l * H * T,
                       r.value_weighted.data() + l * H * T * T);
      if (opt.lens) std::copy(s.x.begin(), s.x.end(), r.residuals.begin() + (l * T + p) * C);  // after block l
    }
    head_input(cfg, weights_, s, n);
    std::copy(s.x.begin(), s.x.end(), r.final_hidden.begin() + p * C);
  }
  if (weights_.has_lm_head) {
    r.logits_last.resize(V);
    lm_logits(cfg, weights_, r.final_hidden.data() + (T - 1) * C, r.logits_last.data(), 1);
    if (opt.all_logits) {
      r.logits_all.resize(T * V);
      lm_logits(cfg, weights_, r.final_hidden.data(), r.logits_all.data(), T);
      r.logits_all_rows = T;
    }
  }
  r.nonfinite = weights_.has_nonfinite || !all_finite(r.logits_last.data(), r.logits_last.size()) ||
                !all_finite(r.attention.data(), r.attention.size());
  return r;
}

std::string Model::no_lm_head_message() const {
  return std::string("this ") + config_.model_type + " checkpoint has no masked-LM head, so it predicts no tokens "
         "(its attention is all there is to see)";
}

std::string Model::not_causal_message() const {
  return std::string("a ") + config_.model_type + " model reads the text both ways and does not predict the next "
         "token, so it has no next-token loss";
}

Result<std::vector<float>> Model::logits_at(const RunResult& r, std::size_t position) const {
  const std::size_t C = config_.n_embd, V = config_.vocab_size;
  if (position >= r.T || r.final_hidden.size() != r.T * C)
    return make_error("logits_at: position " + std::to_string(position) + " is outside the last run (" +
                      std::to_string(r.T) + " tokens)");
  if (!weights_.has_lm_head) return make_error(no_lm_head_message());
  std::vector<float> logits(V);
  lm_logits(config_, weights_, r.final_hidden.data() + position * C, logits.data(), 1);
  return logits;
}

Status Model::fill_all_logits(RunResult& r) const {
  const std::size_t C = config_.n_embd, V = config_.vocab_size;
  if (r.T == 0 || r.final_hidden.size() != r.T * C || std::size_t(r.vocab_size) != V)
    return make_error("all logits: there is no finished run of this model to compute them for");
  if (r.logits_all_rows == r.T && r.logits_all.size() == r.T * V) return {};
  if (!weights_.has_lm_head) return make_error(no_lm_head_message());
  if (r.logits_all.size() != r.T * V) {
    RunOptions sizing;
    sizing.all_logits = true;
    HS_TRY(check_run_fits(config_, r.T, sizing));
    r.logits_all.assign(r.T * V, 0.0f);
    r.logits_all_rows = 0;
  }
  const std::size_t from = r.logits_all_rows;  // rows before it came with a reused prefix
  lm_logits(config_, weights_, r.final_hidden.data() + from * C, r.logits_all.data() + from * V, r.T - from);
  r.logits_all_rows = r.T;
  return {};
}

Status Model::residual_logits(const float* x, std::size_t rows, float* logits) const {
  if (!weights_.has_lm_head) return make_error(no_lm_head_message());
  Scratch s;
  s.x.assign(x, x + rows * config_.n_embd);
  s.ln.resize(rows * config_.n_embd);
  head_input(config_, weights_, s, rows);
  lm_logits(config_, weights_, s.x.data(), logits, rows);
  return {};
}

Result<Model::Score> Model::score(std::string_view text, const RunOptions& options) const {
  if (!config_.causal) return make_error(not_causal_message());
  if (text.empty()) return make_error("text is empty: there is nothing to score");
  std::vector<int32_t> ids = tokenizer_.encode(text, options.special);
  if (ids.size() < 2) return make_error("text has " + std::to_string(ids.size()) +
                                        " token; scoring needs at least 2 (a context and a next token)");
  RunOptions opt = options;
  opt.all_logits = true;
  HS_TRY_ASSIGN(RunResult r, run_ids(std::move(ids), opt));
  return loss(r);
}

// mean over t of  logsumexp(logits[t]) - logits[t][ids[t+1]]
Result<Model::Score> Model::loss(RunResult& r) const {
  if (!config_.causal) return make_error(not_causal_message());
  if (r.T < 2) return make_error("the run has " + std::to_string(r.T) +
                                 " token; a loss needs at least 2 (a context and a next token)");
  HS_TRY(fill_all_logits(r));
  const std::size_t V = r.vocab_size;
  if (r.nll.size() != r.T - 1) {
    r.nll.assign(r.T - 1, 0.0);
    r.nll_rows = 0;
  }
  for (std::size_t t = r.nll_rows; t + 1 < r.T; ++t) {  // rows before nll_rows came with a reused prefix
    const float* row = r.logits_all.data() + t * V;
    double mx = -INFINITY;
    for (std::size_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
    double z = 0.0;
    for (std::size_t v = 0; v < V; ++v) z += std::exp(double(row[v]) - mx);
    r.nll[t] = (mx + std::log(z)) - double(row[r.ids[t + 1]]);
  }
  r.nll_rows = r.T - 1;
  double total = 0.0;
  for (double x : r.nll) total += x;
  Score s;
  s.tokens = r.T;
  s.mean_nll = total / double(r.T - 1);
  s.truncated = r.truncated;
  return s;
}

}  // namespace hs::model
