// src/train/gpt2.hpp — the GPT-2 model the trainer optimizes: parameter layout
// (HuggingFace GPT2LMHeadModel tensor names, Conv1D weights stored [in, out]),
// the forward pass and its hand-written backward pass, one short function per
// stage. Everything is templated on the scalar type: float for training,
// double for the finite-difference gradient check and the PyTorch comparison.
//
// Conventions: matrices are row-major Eigen maps over flat buffers; a batch of
// B sequences of T tokens is processed as N = B*T rows. Loss is the mean
// next-token cross-entropy over all N positions (times `loss_scale` so that
// workers splitting a batch produce gradients of the whole-batch mean).
#pragma once

#include <Eigen/Dense>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace hs::train {

struct Config {
  int n_layer = 2;
  int n_head = 2;
  int n_embd = 8;
  int n_ctx = 16;  // = n_positions
  int vocab_size = 11;
  double ln_eps = 1e-5;
};

// Parameter / gradient / optimizer-state buffers: 64-byte aligned, so that
// vectorized loops split into the same prologue/body in every process (a
// resumed run must round exactly like an uninterrupted one).
using FloatBuf = std::vector<float, Eigen::aligned_allocator<float>>;

template <class S> using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S> using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;
template <class S> using RowV = Eigen::Matrix<S, 1, Eigen::Dynamic>;
template <class S> using MapM = Eigen::Map<Mat<S>>;
template <class S> using CMapM = Eigen::Map<const Mat<S>>;
template <class S> using MapR = Eigen::Map<RowV<S>>;
template <class S> using CMapR = Eigen::Map<const RowV<S>>;

// ---------------------------------------------------------------------------
// Parameter layout: one flat buffer, tensors in HF state-dict order.

struct TensorInfo {
  std::string name;             // HF name, e.g. "transformer.h.0.attn.c_attn.weight"
  std::vector<int64_t> shape;   // HF shape, e.g. {C, 3C}
  size_t offset = 0;            // into the flat buffer (elements)
  size_t size = 0;              // elements
  bool decay = false;           // AdamW weight decay applies (matmul weights only)
};

struct LayerOffsets {
  size_t ln1_w, ln1_b, attn_w, attn_b, attn_proj_w, attn_proj_b;
  size_t ln2_w, ln2_b, fc_w, fc_b, mlp_proj_w, mlp_proj_b;
};

struct Layout {
  Config cfg;
  std::vector<TensorInfo> tensors;
  size_t wte = 0, wpe = 0, lnf_w = 0, lnf_b = 0;
  std::vector<LayerOffsets> layers;
  size_t total = 0;
};

inline Layout make_layout(const Config& cfg) {
  Layout L;
  L.cfg = cfg;
  const int64_t C = cfg.n_embd, V = cfg.vocab_size, P = cfg.n_ctx;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, bool decay) {
    TensorInfo t;
    t.name = name;
    t.shape = std::move(shape);
    t.size = 1;
    for (auto d : t.shape) t.size *= static_cast<size_t>(d);
    t.offset = L.total;
    t.decay = decay;
    L.total += t.size;
    L.tensors.push_back(t);
    return t.offset;
  };
  L.wte = add("transformer.wte.weight", {V, C}, false);
  L.wpe = add("transformer.wpe.weight", {P, C}, false);
  for (int l = 0; l < cfg.n_layer; ++l) {
    const std::string p = "transformer.h." + std::to_string(l) + ".";
    LayerOffsets o;
    o.ln1_w = add(p + "ln_1.weight", {C}, false);
    o.ln1_b = add(p + "ln_1.bias", {C}, false);
    o.attn_w = add(p + "attn.c_attn.weight", {C, 3 * C}, true);
    o.attn_b = add(p + "attn.c_attn.bias", {3 * C}, false);
    o.attn_proj_w = add(p + "attn.c_proj.weight", {C, C}, true);
    o.attn_proj_b = add(p + "attn.c_proj.bias", {C}, false);
    o.ln2_w = add(p + "ln_2.weight", {C}, false);
    o.ln2_b = add(p + "ln_2.bias", {C}, false);
    o.fc_w = add(p + "mlp.c_fc.weight", {C, 4 * C}, true);
    o.fc_b = add(p + "mlp.c_fc.bias", {4 * C}, false);
    o.mlp_proj_w = add(p + "mlp.c_proj.weight", {4 * C, C}, true);
    o.mlp_proj_b = add(p + "mlp.c_proj.bias", {C}, false);
    L.layers.push_back(o);
  }
  L.lnf_w = add("transformer.ln_f.weight", {C}, false);
  L.lnf_b = add("transformer.ln_f.bias", {C}, false);
  return L;
}

// ---------------------------------------------------------------------------
// Activations kept for the backward pass (one set per worker thread).

template <class S>
struct LayerActs {
  Mat<S> ln1_hat, ln1;   // [N, C]   normalized input, LN output
  Vec<S> ln1_rstd;       // [N]
  Mat<S> qkv;            // [N, 3C]  q | k | v, heads contiguous inside each
  Mat<S> att;            // [B*H*T, T] softmax probabilities (zero above the diagonal)
  Mat<S> atty;           // [N, C]   heads merged, before c_proj
  Mat<S> x_mid;          // [N, C]   residual after attention
  Mat<S> ln2_hat, ln2;   // [N, C]
  Vec<S> ln2_rstd;       // [N]
  Mat<S> h;              // [N, 4C]  c_fc output (pre-GELU)
  Mat<S> hg;             // [N, 4C]  GELU output
};

template <class S>
struct Acts {
  int B = 0, T = 0;
  std::vector<Mat<S>> x;          // n_layer+1 residual streams [N, C]; x[0] = embeddings
  std::vector<LayerActs<S>> layer;
  Mat<S> lnf_hat, lnf;            // [N, C]
  Vec<S> lnf_rstd;                // [N]
  Mat<S> probs;                   // [N, V] softmax of the logits
  // backward scratch
  Mat<S> dx, dln, datty, dqkv, dh, dP, dlogits;
};

// ---------------------------------------------------------------------------
// Stages. Each forward has a matching backward; backward functions accumulate
// parameter gradients (+=) and write (=) the input gradient unless noted.

// x[n] = wte[tok[n]] + wpe[n mod T].   tok: [N], x: [N, C]
template <class S>
void embed_forward(const Layout& L, const S* p, const int32_t* tok, int N, int T, Mat<S>& x) {
  const int C = L.cfg.n_embd;
  x.resize(N, C);
  for (int n = 0; n < N; ++n)
    x.row(n) = CMapR<S>(p + L.wte + size_t(tok[n]) * C, C) + CMapR<S>(p + L.wpe + size_t(n % T) * C, C);
}

template <class S>
void embed_backward(const Layout& L, S* g, const int32_t* tok, int N, int T, const Mat<S>& dx) {
  const int C = L.cfg.n_embd;
  for (int n = 0; n < N; ++n) {
    MapR<S>(g + L.wte + size_t(tok[n]) * C, C) += dx.row(n);
    MapR<S>(g + L.wpe + size_t(n % T) * C, C) += dx.row(n);
  }
}

// y = (x - mean) * rstd * gamma + beta, per row.   x, xhat, y: [N, C]; rstd: [N]
template <class S>
void layernorm_forward(const Mat<S>& x, const S* gamma, const S* beta, double eps,
                       Mat<S>& xhat, Vec<S>& rstd, Mat<S>& y) {
  const int N = int(x.rows()), C = int(x.cols());
  xhat.resize(N, C);
  y.resize(N, C);
  rstd.resize(N);
  CMapR<S> g(gamma, C), b(beta, C);
  for (int n = 0; n < N; ++n) {
    const S mean = x.row(n).mean();
    const S var = (x.row(n).array() - mean).square().mean();
    const S r = S(1) / std::sqrt(var + S(eps));
    rstd(n) = r;
    xhat.row(n) = (x.row(n).array() - mean) * r;
    y.row(n) = xhat.row(n).cwiseProduct(g) + b;
  }
}

// dx += rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * gamma
template <class S>
void layernorm_backward(const Mat<S>& dy, const Mat<S>& xhat, const Vec<S>& rstd, const S* gamma,
                        S* dgamma, S* dbeta, Mat<S>& dx_accum) {
  const int N = int(dy.rows()), C = int(dy.cols());
  CMapR<S> g(gamma, C);
  MapR<S> dg(dgamma, C), db(dbeta, C);
  dg += dy.cwiseProduct(xhat).colwise().sum();
  db += dy.colwise().sum();
  for (int n = 0; n < N; ++n) {
    RowV<S> dxhat = dy.row(n).cwiseProduct(g);
    const S m1 = dxhat.mean();
    const S m2 = dxhat.cwiseProduct(xhat.row(n)).mean();
    dx_accum.row(n).array() += rstd(n) * (dxhat.array() - m1 - xhat.row(n).array() * m2);
  }
}

// y = x W + b (HF Conv1D).   x: [N, in], W: [in, out], b: [out], y: [N, out]
template <class S>
void linear_forward(const Mat<S>& x, const S* W, const S* b, int in, int out, Mat<S>& y) {
  y.resize(x.rows(), out);
  y.noalias() = x * CMapM<S>(W, in, out);
  y.rowwise() += CMapR<S>(b, out);
}

// dW += x^T dy; db += sum_rows dy; dx = dy W^T (when dx != nullptr)
template <class S>
void linear_backward(const Mat<S>& dy, const Mat<S>& x, const S* W, S* dW, S* db, int in, int out,
                     Mat<S>* dx) {
  MapM<S>(dW, in, out).noalias() += x.transpose() * dy;
  MapR<S>(db, out) += dy.colwise().sum();
  if (dx) {
    dx->resize(dy.rows(), in);
    dx->noalias() = dy * CMapM<S>(W, in, out).transpose();
  }
}

// GELU, tanh form ("gelu_new"): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
// (Eigen's vectorized tanh; h, y: [N, 4C])
template <class S>
void gelu_forward(const Mat<S>& h, Mat<S>& y) {
  const S k = S(0.7978845608028654), c = S(0.044715);
  const auto x = h.array();
  y.resize(h.rows(), h.cols());
  y.array() = S(0.5) * x * (S(1) + (k * (x + c * x.cube())).tanh());
}

// dh = dy * gelu'(h),  gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2),  t = tanh(k (x + c x^3))
template <class S>
void gelu_backward(const Mat<S>& dy, const Mat<S>& h, Mat<S>& dh) {
  const S k = S(0.7978845608028654), c = S(0.044715);
  const auto x = h.array();
  Mat<S> t(h.rows(), h.cols());
  t.array() = (k * (x + c * x.cube())).tanh();
  const auto ta = t.array();
  dh.resize(h.rows(), h.cols());
  dh.array() = dy.array() * (S(0.5) * (S(1) + ta) + S(0.5) * x * (S(1) - ta.square()) * k * (S(1) + S(3) * c * x.square()));
}

// Causal multi-head attention for B sequences of T tokens.
// qkv: [N, 3C] -> P_bh = softmax(q k^T / sqrt(d) + causal mask): [T, T]; y_bh = P_bh v: [T, d]
// Head h of sequence b: its query, key and value columns of qkv ([T, d] each)
// and its rows of the attention weights att ([T, T]).
template <class Qkv, class Att>
struct HeadBlocks {
  Eigen::Block<Qkv> q, k, v;
  Eigen::Block<Att> P;
};
template <class Qkv, class Att>
HeadBlocks<Qkv, Att> head_blocks(Qkv& qkv, Att& att, int b, int h, int T, int H) {
  const int C = int(qkv.cols()) / 3, d = C / H;
  return {Eigen::Block<Qkv>(qkv, b * T, h * d, T, d), Eigen::Block<Qkv>(qkv, b * T, C + h * d, T, d),
          Eigen::Block<Qkv>(qkv, b * T, 2 * C + h * d, T, d),
          Eigen::Block<Att>(att, Eigen::Index((size_t(b) * H + h) * T), 0, T, T)};
}

template <class S>
void attention_forward(const Mat<S>& qkv, int B, int T, int H, Mat<S>& att, Mat<S>& y) {
  const int C = int(qkv.cols()) / 3, d = C / H;
  const S scale = S(1) / std::sqrt(S(d));
  att.resize(size_t(B) * H * T, T);
  y.resize(size_t(B) * T, C);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h) {
      auto [q, k, v, P] = head_blocks(qkv, att, b, h, T, H);
      P.noalias() = (q * k.transpose()) * scale;
      for (int i = 0; i < T; ++i) {
        auto row = P.row(i);
        const S m = row.head(i + 1).maxCoeff();
        row.head(i + 1) = (row.head(i + 1).array() - m).exp();
        row.head(i + 1) /= row.head(i + 1).sum();
        row.tail(T - i - 1).setZero();
      }
      y.block(b * T, h * d, T, d).noalias() = P * v;
    }
}

// dP = dy v^T; dv = P^T dy; dS = P .* (dP - rowsum(P .* dP)); dq = dS k / sqrt(d); dk = dS^T q / sqrt(d)
template <class S>
void attention_backward(const Mat<S>& dy, const Mat<S>& qkv, const Mat<S>& att, int B, int T, int H,
                        Mat<S>& dP, Mat<S>& dqkv) {
  const int C = int(qkv.cols()) / 3, d = C / H;
  const S scale = S(1) / std::sqrt(S(d));
  dqkv.resize(qkv.rows(), qkv.cols());
  dP.resize(T, T);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h) {
      const auto [q, k, v, P] = head_blocks(qkv, att, b, h, T, H);
      auto dyh = dy.block(b * T, h * d, T, d);
      dP.noalias() = dyh * v.transpose();
      dqkv.block(b * T, 2 * C + h * d, T, d).noalias() = P.transpose() * dyh;
      const Vec<S> rs = P.cwiseProduct(dP).rowwise().sum();
      dP = P.cwiseProduct(dP.colwise() - rs);  // dS (zero above the diagonal since P is)
      dqkv.block(b * T, h * d, T, d).noalias() = (dP * k) * scale;
      dqkv.block(b * T, C + h * d, T, d).noalias() = (dP.transpose() * q) * scale;
    }
}

// probs = softmax(x wte^T) row-wise.   x: [N, C], probs: [N, V]. Returns sum of -log p[target].
template <class S>
double lm_head_forward(const Layout& L, const S* p, const Mat<S>& x, const int32_t* target, Mat<S>& probs) {
  const int C = L.cfg.n_embd, V = L.cfg.vocab_size;
  probs.resize(x.rows(), V);
  probs.noalias() = x * CMapM<S>(p + L.wte, V, C).transpose();
  double loss = 0;
  for (int n = 0; n < int(x.rows()); ++n) {
    auto row = probs.row(n);
    const S m = row.maxCoeff();
    row = (row.array() - m).exp();
    const S sum = row.sum();
    row /= sum;
    if (target) loss -= std::log(std::max<double>(double(row(target[n])), 1e-30));
  }
  return loss;
}

// dlogits = (probs - onehot(target)) * loss_scale; dwte += dlogits^T x; dx = dlogits wte
template <class S>
void lm_head_backward(const Layout& L, const S* p, S* g, const Mat<S>& x, const int32_t* target,
                      const Mat<S>& probs, S loss_scale, Mat<S>& dlogits, Mat<S>& dx) {
  const int C = L.cfg.n_embd, V = L.cfg.vocab_size;
  dlogits = probs;
  for (int n = 0; n < int(x.rows()); ++n) dlogits(n, target[n]) -= S(1);
  dlogits *= loss_scale;
  MapM<S>(g + L.wte, V, C).noalias() += dlogits.transpose() * x;
  dx.resize(x.rows(), C);
  dx.noalias() = dlogits * CMapM<S>(p + L.wte, V, C);
}

// ---------------------------------------------------------------------------
// Whole model.

// One pre-LN block: x_mid = x + c_proj(attn(ln_1(x))); x_out = x_mid + mlp(ln_2(x_mid))
template <class S>
void block_forward(const Layout& L, const S* p, const LayerOffsets& o, const Mat<S>& x, int B, int T,
                   LayerActs<S>& a, Mat<S>& x_out) {
  const int C = L.cfg.n_embd, H = L.cfg.n_head;
  layernorm_forward(x, p + o.ln1_w, p + o.ln1_b, L.cfg.ln_eps, a.ln1_hat, a.ln1_rstd, a.ln1);
  linear_forward(a.ln1, p + o.attn_w, p + o.attn_b, C, 3 * C, a.qkv);
  attention_forward(a.qkv, B, T, H, a.att, a.atty);
  linear_forward(a.atty, p + o.attn_proj_w, p + o.attn_proj_b, C, C, a.x_mid);
  a.x_mid += x;
  layernorm_forward(a.x_mid, p + o.ln2_w, p + o.ln2_b, L.cfg.ln_eps, a.ln2_hat, a.ln2_rstd, a.ln2);
  linear_forward(a.ln2, p + o.fc_w, p + o.fc_b, C, 4 * C, a.h);
  gelu_forward(a.h, a.hg);
  linear_forward(a.hg, p + o.mlp_proj_w, p + o.mlp_proj_b, 4 * C, C, x_out);
  x_out += a.x_mid;
}

// dx (in/out): gradient w.r.t. the block output on entry, w.r.t. its input on exit.
template <class S>
void block_backward(const Layout& L, const S* p, S* g, const LayerOffsets& o, const Mat<S>& x, int B,
                    int T, LayerActs<S>& a, Acts<S>& s, Mat<S>& dx) {
  const int C = L.cfg.n_embd, H = L.cfg.n_head;
  // MLP branch: dx is d(x_out) = d(x_mid) through the residual, plus the branch.
  linear_backward(dx, a.hg, p + o.mlp_proj_w, g + o.mlp_proj_w, g + o.mlp_proj_b, 4 * C, C, &s.dh);
  gelu_backward(s.dh, a.h, s.dh);
  linear_backward(s.dh, a.ln2, p + o.fc_w, g + o.fc_w, g + o.fc_b, C, 4 * C, &s.dln);
  layernorm_backward(s.dln, a.ln2_hat, a.ln2_rstd, p + o.ln2_w, g + o.ln2_w, g + o.ln2_b, dx);
  // attention branch: dx is now d(x_mid) = d(x) through the residual, plus the branch.
  linear_backward(dx, a.atty, p + o.attn_proj_w, g + o.attn_proj_w, g + o.attn_proj_b, C, C, &s.datty);
  attention_backward(s.datty, a.qkv, a.att, B, T, H, s.dP, s.dqkv);
  linear_backward(s.dqkv, a.ln1, p + o.attn_w, g + o.attn_w, g + o.attn_b, C, 3 * C, &s.dln);
  layernorm_backward(s.dln, a.ln1_hat, a.ln1_rstd, p + o.ln1_w, g + o.ln1_w, g + o.ln1_b, dx);
}

// Forward over B sequences of T tokens (tok, target: [B*T]; target may be null).
// Returns the summed cross-entropy (0 without targets); activations stay in `a`.
template <class S>
double model_forward(const Layout& L, const S* p, const int32_t* tok, const int32_t* target, int B, int T,
                     Acts<S>& a) {
  const int N = B * T, nl = L.cfg.n_layer;
  a.B = B;
  a.T = T;
  a.x.resize(nl + 1);
  a.layer.resize(nl);
  embed_forward(L, p, tok, N, T, a.x[0]);
  for (int l = 0; l < nl; ++l) block_forward(L, p, L.layers[l], a.x[l], B, T, a.layer[l], a.x[l + 1]);
  layernorm_forward(a.x[nl], p + L.lnf_w, p + L.lnf_b, L.cfg.ln_eps, a.lnf_hat, a.lnf_rstd, a.lnf);
  return lm_head_forward(L, p, a.lnf, target, a.probs);
}

// Backward of loss_scale * (summed cross-entropy); accumulates into g.
template <class S>
void model_backward(const Layout& L, const S* p, S* g, const int32_t* tok, const int32_t* target, S loss_scale,
                    Acts<S>& a) {
  const int N = a.B * a.T, nl = L.cfg.n_layer, C = L.cfg.n_embd;
  lm_head_backward(L, p, g, a.lnf, target, a.probs, loss_scale, a.dlogits, a.dln);
  a.dx.setZero(N, C);
  layernorm_backward(a.dln, a.lnf_hat, a.lnf_rstd, p + L.lnf_w, g + L.lnf_w, g + L.lnf_b, a.dx);
  for (int l = nl - 1; l >= 0; --l) block_backward(L, p, g, L.layers[l], a.x[l], a.B, a.T, a.layer[l], a, a.dx);
  embed_backward(L, g, tok, N, a.T, a.dx);
}

}  // namespace hs::train
