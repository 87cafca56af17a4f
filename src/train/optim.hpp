// src/train/optim.hpp — AdamW with decoupled weight decay, the learning-rate
// schedule (linear warmup, cosine decay to a floor) and global gradient-norm
// clipping. Weight decay applies only to matmul weights (TensorInfo::decay):
// biases and layer-norm gains/shifts are per-channel offsets and scales whose
// natural value is not 0 (decaying an LN gain pulls it toward 0, not toward 1),
// and the embeddings (wte doubles as the tied LM head) receive sparse
// gradients — decay would shrink rare tokens' rows every step while they are
// rarely updated — so, as in GPT-2/minGPT practice, they are not decayed.
#pragma once

#include <cmath>
#include <vector>

#include "train/gpt2.hpp"

namespace hs::train {

struct AdamWConfig {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weight_decay = 0.1;
};

struct Schedule {
  double max_lr = 1e-3, min_lr_frac = 0.1;
  long warmup = 100, total = 1000;
  // lr for 0-based step
  double at(long step) const {
    if (step < warmup) return max_lr * double(step + 1) / double(warmup);
    if (step >= total) return max_lr * min_lr_frac;
    const double t = double(step - warmup) / double(std::max(1L, total - warmup));
    return max_lr * (min_lr_frac + (1.0 - min_lr_frac) * 0.5 * (1.0 + std::cos(M_PI * t)));
  }
};

// Scales g in place so that its global L2 norm is at most max_norm; returns the norm before clipping.
inline double clip_grad_norm(FloatBuf& g, double max_norm) {
  double ss = 0;
  for (float x : g) ss += double(x) * double(x);
  const double norm = std::sqrt(ss);
  if (max_norm > 0 && norm > max_norm) {
    const float s = float(max_norm / (norm + 1e-12));
    for (float& x : g) x *= s;
  }
  return norm;
}

// One AdamW step (t = 1-based step count for bias correction).
// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (mhat / (sqrt(vhat)+eps) + wd * p [decayed tensors])
inline void adamw_step(const Layout& L, FloatBuf& p, const FloatBuf& g, FloatBuf& m,
                       FloatBuf& v, const AdamWConfig& c, double lr, long t) {
  const double bc1 = 1.0 - std::pow(c.beta1, double(t)), bc2 = 1.0 - std::pow(c.beta2, double(t));
  const float b1 = float(c.beta1), b2 = float(c.beta2);
  for (const auto& ti : L.tensors) {
    const float wd = ti.decay ? float(c.weight_decay) : 0.0f;
    const float step = float(lr / bc1), isb2 = float(1.0 / std::sqrt(bc2)), eps = float(c.eps), flr = float(lr);
    for (size_t i = ti.offset; i < ti.offset + ti.size; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= step * m[i] / (std::sqrt(v[i]) * isb2 + eps) + flr * wd * p[i];
    }
  }
}

}  // namespace hs::train
