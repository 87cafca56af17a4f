// Kernels over xsimd::batch<float>: one source for WASM SIMD128, SSE, AVX and
// AVX-512. See kernels.hpp for the contracts.
#include "kernels/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>
#include "kernels/relaxed_fma.hpp"  // xsimd::fma fused in the relaxed-SIMD wasm build

namespace hs::kernels {

namespace {

using Batch = xsimd::batch<float>;
constexpr std::size_t kLanes = Batch::size;  // floats per SIMD register

inline Batch load(const float* p) { return Batch::load_unaligned(p); }
inline void store(float* p, const Batch& b) { b.store_unaligned(p); }

// ---- GEMM --------------------------------------------------------------------
// Register tile: MR rows of x times NB batches (NB*kLanes columns) of the weights w.
// Accumulators MR*NB = 8 fit the 16 vector registers of SSE/wasm with room for
// the NB weight loads and the broadcast. K is blocked so a weight panel stays in cache
// while every row tile of x streams past it.
constexpr std::size_t MR = 4;
constexpr std::size_t NB = 2;
constexpr std::size_t KC = 256;

// acc rows [i0, i0+mr) x columns [j, j+NB*kLanes); first K block starts from bias
// (or zero), later blocks from y.
template <std::size_t mr>
inline void gemm_tile(const float* x, const float* Wm, const float* b, float* y,
                      std::size_t K, std::size_t N, std::size_t i0, std::size_t j,
                      std::size_t k0, std::size_t k1) {
  Batch acc[mr][NB];
  for (std::size_t r = 0; r < mr; ++r)
    for (std::size_t c = 0; c < NB; ++c) {
      if (k0 != 0) acc[r][c] = load(y + (i0 + r) * N + j + c * kLanes);
      else if (b) acc[r][c] = load(b + j + c * kLanes);
      else acc[r][c] = Batch(0.0f);
    }
  const float* xrow[mr];
  for (std::size_t r = 0; r < mr; ++r) xrow[r] = x + (i0 + r) * K;
  for (std::size_t k = k0; k < k1; ++k) {
    const float* wk = Wm + k * N + j;
    Batch w[NB];
    for (std::size_t c = 0; c < NB; ++c) w[c] = load(wk + c * kLanes);
    for (std::size_t r = 0; r < mr; ++r) {
      Batch a(xrow[r][k]);
      for (std::size_t c = 0; c < NB; ++c) acc[r][c] = xsimd::fma(a, w[c], acc[r][c]);
    }
  }
  for (std::size_t r = 0; r < mr; ++r)
    for (std::size_t c = 0; c < NB; ++c) store(y + (i0 + r) * N + j + c * kLanes, acc[r][c]);
}

// Same, one batch wide (for the columns left over after NB*kLanes panels).
template <std::size_t mr>
inline void gemm_tile1(const float* x, const float* Wm, const float* b, float* y,
                       std::size_t K, std::size_t N, std::size_t i0, std::size_t j,
                       std::size_t k0, std::size_t k1) {
  Batch acc[mr];
  for (std::size_t r = 0; r < mr; ++r) {
    if (k0 != 0) acc[r] = load(y + (i0 + r) * N + j);
    else if (b) acc[r] = load(b + j);
    else acc[r] = Batch(0.0f);
  }
  for (std::size_t k = k0; k < k1; ++k) {
    Batch w = load(Wm + k * N + j);
    for (std::size_t r = 0; r < mr; ++r) acc[r] = xsimd::fma(Batch(x[(i0 + r) * K + k]), w, acc[r]);
  }
  for (std::size_t r = 0; r < mr; ++r) store(y + (i0 + r) * N + j, acc[r]);
}


void gemm_rows(std::size_t mr, const float* x, const float* Wm, const float* b, float* y,
               std::size_t K, std::size_t N, std::size_t i0, std::size_t j, std::size_t k0,
               std::size_t k1, bool wide) {
  if (wide) {
    switch (mr) {
      case 4: gemm_tile<4>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
      case 3: gemm_tile<3>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
      case 2: gemm_tile<2>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
      default: gemm_tile<1>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
    }
  } else {
    switch (mr) {
      case 4: gemm_tile1<4>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
      case 3: gemm_tile1<3>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
      case 2: gemm_tile1<2>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
      default: gemm_tile1<1>(x, Wm, b, y, K, N, i0, j, k0, k1); break;
    }
  }
}

}  // namespace

std::size_t simd_lanes() { return kLanes; }
const char* simd_arch_name() { return xsimd::default_arch::name(); }

void gemm_bias(const float* x, const float* Wm, const float* b, float* y,
               std::size_t T, std::size_t K, std::size_t N) {
  const std::size_t panel = NB * kLanes;
  const std::size_t n_wide = N / panel * panel;
  const std::size_t n_vec = N / kLanes * kLanes;
  if (K == 0) {
    for (std::size_t i = 0; i < T; ++i)
      for (std::size_t j = 0; j < N; ++j) y[i * N + j] = b ? b[j] : 0.0f;
    return;
  }
  for (std::size_t k0 = 0; k0 < K; k0 += KC) {
    const std::size_t k1 = std::min(K, k0 + KC);
    for (std::size_t j = 0; j < n_wide; j += panel)
      for (std::size_t i0 = 0; i0 < T; i0 += MR)
        gemm_rows(std::min(MR, T - i0), x, Wm, b, y, K, N, i0, j, k0, k1, true);
    for (std::size_t j = n_wide; j < n_vec; j += kLanes)
      for (std::size_t i0 = 0; i0 < T; i0 += MR)
        gemm_rows(std::min(MR, T - i0), x, Wm, b, y, K, N, i0, j, k0, k1, false);
    // scalar tail: the last N % kLanes columns
    for (std::size_t i = 0; i < T; ++i)
      for (std::size_t j = n_vec; j < N; ++j) {
        float acc = (k0 != 0) ? y[i * N + j] : (b ? b[j] : 0.0f);
        for (std::size_t k = k0; k < k1; ++k) acc += x[i * K + k] * Wm[k * N + j];
        y[i * N + j] = acc;
      }
  }
}

// ---- packed GEMM ---------------------------------------------------------------
namespace {

constexpr std::size_t PKC = 128;  // K block: a panel block (128 x 8 floats) stays in L1

// y rows [i0, i0+mr) x one panel; `panel` points at row k0 of the panel.
// `out` is y itself (ldo = N) or, for the zero-padded last panel, a local tile.
template <std::size_t mr>
inline void packed_tile(const float* x, std::size_t K, const float* panel, const float* init, std::size_t ldi,
                        float* out, std::size_t ldo, std::size_t k0, std::size_t k1) {
  Batch acc[mr][NB];
  for (std::size_t r = 0; r < mr; ++r)
    for (std::size_t c = 0; c < NB; ++c)
      acc[r][c] = init ? load(init + r * ldi + c * kLanes) : Batch(0.0f);
  const float* xr[mr];
  for (std::size_t r = 0; r < mr; ++r) xr[r] = x + r * K;
  const float* p = panel;
  for (std::size_t k = k0; k < k1; ++k, p += NB * kLanes) {
    Batch w[NB];
    for (std::size_t c = 0; c < NB; ++c) w[c] = load(p + c * kLanes);
    for (std::size_t r = 0; r < mr; ++r) {
      const Batch a(xr[r][k]);
      for (std::size_t c = 0; c < NB; ++c) acc[r][c] = xsimd::fma(a, w[c], acc[r][c]);
    }
  }
  for (std::size_t r = 0; r < mr; ++r)
    for (std::size_t c = 0; c < NB; ++c) store(out + r * ldo + c * kLanes, acc[r][c]);
}

void packed_rows(std::size_t mr, const float* x, std::size_t K, const float* panel, const float* init,
                 std::size_t ldi, float* out, std::size_t ldo, std::size_t k0, std::size_t k1) {
  switch (mr) {
    case 4: packed_tile<4>(x, K, panel, init, ldi, out, ldo, k0, k1); break;
    case 3: packed_tile<3>(x, K, panel, init, ldi, out, ldo, k0, k1); break;
    case 2: packed_tile<2>(x, K, panel, init, ldi, out, ldo, k0, k1); break;
    default: packed_tile<1>(x, K, panel, init, ldi, out, ldo, k0, k1); break;
  }
}

// One row of x (T = 1, a matrix-vector product): G panels side by side over the
// whole of K (a panel is read once, so K blocking buys nothing). A 1-row tile of
// one panel has only NB accumulators, too few to hide the add latency when fma
// is a multiply and an add (wasm); G = 4 panels give 4*NB independent chains and
// four sequential weight streams. `init` (bias or null) and `out` are G*NB*kLanes wide.
template <std::size_t G>
inline void gemv_panels(const float* x, std::size_t K, const float* panel, std::size_t pstride, const float* init,
                        float* out) {
  Batch acc[G][NB];
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t c = 0; c < NB; ++c) acc[g][c] = init ? load(init + (g * NB + c) * kLanes) : Batch(0.0f);
  const float* p = panel;
  for (std::size_t k = 0; k < K; ++k, p += NB * kLanes) {
    const Batch a(x[k]);
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t c = 0; c < NB; ++c) acc[g][c] = xsimd::fma(a, load(p + g * pstride + c * kLanes), acc[g][c]);
  }
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t c = 0; c < NB; ++c) store(out + (g * NB + c) * kLanes, acc[g][c]);
}

void gemv_packed(const float* x, const float* packed, const float* b, float* y, std::size_t K, std::size_t N) {
  constexpr std::size_t G = 4;
  const std::size_t nr = NB * kLanes, pstride = K * nr;
  const std::size_t full = N / nr;
  std::size_t p = 0;
  for (; p + G <= full; p += G)
    gemv_panels<G>(x, K, packed + p * pstride, pstride, b ? b + p * nr : nullptr, y + p * nr);
  for (; p < full; ++p) gemv_panels<1>(x, K, packed + p * pstride, pstride, b ? b + p * nr : nullptr, y + p * nr);
  if (full * nr < N) {  // the zero-padded last panel, through a local tile
    const std::size_t j0 = full * nr, width = N - j0;
    float tile[NB * kLanes], init[NB * kLanes];
    for (std::size_t c = 0; c < nr; ++c) init[c] = (b && c < width) ? b[j0 + c] : 0.0f;
    gemv_panels<1>(x, K, packed + full * pstride, pstride, init, tile);
    std::copy(tile, tile + width, y + j0);
  }
}

}  // namespace

std::size_t packed_panel_width() { return NB * kLanes; }

std::size_t packed_size(std::size_t K, std::size_t N) {
  const std::size_t nr = NB * kLanes;
  return (N + nr - 1) / nr * nr * K;
}

void pack_weights(const float* Wm, std::size_t K, std::size_t N, float* packed) {
  const std::size_t nr = NB * kLanes;
  const std::size_t panels = (N + nr - 1) / nr;
  for (std::size_t p = 0; p < panels; ++p) {
    float* dst = packed + p * K * nr;
    const std::size_t j0 = p * nr, width = std::min(nr, N - j0);
    for (std::size_t k = 0; k < K; ++k) {
      const float* src = Wm + k * N + j0;
      std::size_t c = 0;
      for (; c < width; ++c) dst[k * nr + c] = src[c];
      for (; c < nr; ++c) dst[k * nr + c] = 0.0f;
    }
  }
}

void gemm_packed(const float* x, const float* packed, const float* b, float* y,
                 std::size_t T, std::size_t K, std::size_t N) {
  const std::size_t nr = NB * kLanes;
  const std::size_t full = N / nr;  // panels entirely inside y
  const std::size_t panels = (N + nr - 1) / nr;
  if (T == 1 && K != 0) {
    gemv_packed(x, packed, b, y, K, N);
    return;
  }
  // y starts as the bias (or zero); every K block then accumulates onto it.
  for (std::size_t i = 0; i < T; ++i) {
    if (b) std::copy(b, b + N, y + i * N);
    else std::fill(y + i * N, y + (i + 1) * N, 0.0f);
  }
  if (K == 0) return;
  float tile[MR * NB * kLanes];  // the last, zero-padded panel goes through here
  for (std::size_t k0 = 0; k0 < K; k0 += PKC) {
    const std::size_t k1 = std::min(K, k0 + PKC);
    for (std::size_t p = 0; p < panels; ++p) {
      const float* panel = packed + p * K * nr + k0 * nr;
      const std::size_t j0 = p * nr;
      for (std::size_t i0 = 0; i0 < T; i0 += MR) {
        const std::size_t mr = std::min(MR, T - i0);
        float* yi = y + i0 * N + j0;
        if (p < full) {
          packed_rows(mr, x + i0 * K, K, panel, yi, N, yi, N, k0, k1);
        } else {
          const std::size_t width = N - j0;
          for (std::size_t r = 0; r < mr; ++r)
            for (std::size_t c = 0; c < nr; ++c) tile[r * nr + c] = c < width ? yi[r * N + c] : 0.0f;
          packed_rows(mr, x + i0 * K, K, panel, tile, nr, tile, nr, k0, k1);
          for (std::size_t r = 0; r < mr; ++r)
            for (std::size_t c = 0; c < width; ++c) yi[r * N + c] = tile[r * nr + c];
        }
      }
    }
  }
}

namespace {
inline float dot(const float* a, const float* b, std::size_t n) {
  std::size_t i = 0;
  Batch acc0(0.0f), acc1(0.0f);
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    acc0 = xsimd::fma(load(a + i), load(b + i), acc0);
    acc1 = xsimd::fma(load(a + i + kLanes), load(b + i + kLanes), acc1);
  }
  for (; i + kLanes <= n; i += kLanes) acc0 = xsimd::fma(load(a + i), load(b + i), acc0);
  float s = xsimd::reduce_add(acc0 + acc1);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

namespace {
// Four dot products x . w0..w3 at once: the x loads are shared and the four
// chains are independent (one dot has too few to hide the add latency when fma
// is a multiply and an add, as in wasm). Sums in the same order as dot().
inline void dot4(const float* a, const float* w0, const float* w1, const float* w2, const float* w3, std::size_t n,
                 float* out) {
  Batch s0(0.0f), s1(0.0f), s2(0.0f), s3(0.0f), t0(0.0f), t1(0.0f), t2(0.0f), t3(0.0f);
  std::size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const Batch x0 = load(a + i), x1 = load(a + i + kLanes);
    s0 = xsimd::fma(x0, load(w0 + i), s0);
    s1 = xsimd::fma(x0, load(w1 + i), s1);
    s2 = xsimd::fma(x0, load(w2 + i), s2);
    s3 = xsimd::fma(x0, load(w3 + i), s3);
    t0 = xsimd::fma(x1, load(w0 + i + kLanes), t0);
    t1 = xsimd::fma(x1, load(w1 + i + kLanes), t1);
    t2 = xsimd::fma(x1, load(w2 + i + kLanes), t2);
    t3 = xsimd::fma(x1, load(w3 + i + kLanes), t3);
  }
  for (; i + kLanes <= n; i += kLanes) {
    const Batch x0 = load(a + i);
    s0 = xsimd::fma(x0, load(w0 + i), s0);
    s1 = xsimd::fma(x0, load(w1 + i), s1);
    s2 = xsimd::fma(x0, load(w2 + i), s2);
    s3 = xsimd::fma(x0, load(w3 + i), s3);
  }
  float r[4] = {xsimd::reduce_add(s0 + t0), xsimd::reduce_add(s1 + t1), xsimd::reduce_add(s2 + t2),
                xsimd::reduce_add(s3 + t3)};
  for (; i < n; ++i) {
    r[0] += a[i] * w0[i];
    r[1] += a[i] * w1[i];
    r[2] += a[i] * w2[i];
    r[3] += a[i] * w3[i];
  }
  for (int q = 0; q < 4; ++q) out[q] = r[q];
}
}  // namespace

void gemm_transposed_b(const float* x, const float* Wt, float* y,
                       std::size_t T, std::size_t K, std::size_t N) {
  const std::size_t n4 = N / 4 * 4;
  for (std::size_t i = 0; i < T; ++i) {
    const float* xi = x + i * K;
    for (std::size_t j = 0; j < n4; j += 4)
      dot4(xi, Wt + j * K, Wt + (j + 1) * K, Wt + (j + 2) * K, Wt + (j + 3) * K, K, y + i * N + j);
    for (std::size_t j = n4; j < N; ++j) y[i * N + j] = dot(xi, Wt + j * K, K);
  }
}

// ---- element-wise and row kernels -------------------------------------------

void layer_norm(const float* x, const float* gamma, const float* beta, float* y,
                std::size_t T, std::size_t C, float eps) {
  const std::size_t cv = C / kLanes * kLanes;
  for (std::size_t t = 0; t < T; ++t) {
    const float* xr = x + t * C;
    float* yr = y + t * C;
    // mean
    Batch s(0.0f);
    for (std::size_t c = 0; c < cv; c += kLanes) s += load(xr + c);
    float sum = xsimd::reduce_add(s);
    for (std::size_t c = cv; c < C; ++c) sum += xr[c];
    const float mean = sum / static_cast<float>(C);
    // variance of the centred values (two passes: no cancellation)
    Batch m(mean), v(0.0f);
    for (std::size_t c = 0; c < cv; c += kLanes) {
      Batch d = load(xr + c) - m;
      v = xsimd::fma(d, d, v);
    }
    float var = xsimd::reduce_add(v);
    for (std::size_t c = cv; c < C; ++c) var += (xr[c] - mean) * (xr[c] - mean);
    var /= static_cast<float>(C);
    const float rstd = 1.0f / std::sqrt(var + eps);
    Batch rs(rstd);
    for (std::size_t c = 0; c < cv; c += kLanes)
      store(yr + c, xsimd::fma((load(xr + c) - m) * rs, load(gamma + c), load(beta + c)));
    for (std::size_t c = cv; c < C; ++c) yr[c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
  }
}

void rms_norm(const float* x, const float* gamma, float* y, std::size_t T, std::size_t C, float eps) {
  const std::size_t cv = C / kLanes * kLanes;
  for (std::size_t t = 0; t < T; ++t) {
    const float* xr = x + t * C;
    float* yr = y + t * C;
    Batch s(0.0f);
    for (std::size_t c = 0; c < cv; c += kLanes) {
      const Batch v = load(xr + c);
      s = xsimd::fma(v, v, s);
    }
    float ss = xsimd::reduce_add(s);
    for (std::size_t c = cv; c < C; ++c) ss += xr[c] * xr[c];
    const float rstd = 1.0f / std::sqrt(ss / static_cast<float>(C) + eps);
    const Batch rs(rstd);
    for (std::size_t c = 0; c < cv; c += kLanes) store(yr + c, load(xr + c) * rs * load(gamma + c));
    for (std::size_t c = cv; c < C; ++c) yr[c] = xr[c] * rstd * gamma[c];
  }
}

void silu_gate(float* gate, const float* up, std::size_t T, std::size_t F, std::size_t ld) {
  const std::size_t fv = F / kLanes * kLanes;
  const Batch one(1.0f);
  for (std::size_t t = 0; t < T; ++t) {
    float* g = gate + t * ld;
    const float* u = up + t * ld;
    for (std::size_t i = 0; i < fv; i += kLanes) {
      const Batch x = load(g + i);
      store(g + i, x / (one + xsimd::exp(-x)) * load(u + i));
    }
    for (std::size_t i = fv; i < F; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  }
}

void rotary(float* x, std::size_t ld, std::size_t T, std::size_t pos0, std::size_t n_heads, std::size_t head_dim,
            std::size_t rot_dims, const float* inv_freq) {
  const std::size_t half = rot_dims / 2;
  std::vector<float> cs(half), sn(half);
  for (std::size_t t = 0; t < T; ++t) {
    const double pos = static_cast<double>(pos0 + t);
    for (std::size_t d = 0; d < half; ++d) {
      // the angle in double: positions up to 10^5 times frequencies near 1 lose digits in float
      const double a = pos * static_cast<double>(inv_freq[d]);
      cs[d] = static_cast<float>(std::cos(a));
      sn[d] = static_cast<float>(std::sin(a));
    }
    for (std::size_t h = 0; h < n_heads; ++h) {
      float* xh = x + t * ld + h * head_dim;
      const std::size_t hv = half / kLanes * kLanes;
      for (std::size_t d = 0; d < hv; d += kLanes) {
        const Batch a = load(xh + d), b = load(xh + half + d), c = load(&cs[d]), s = load(&sn[d]);
        store(xh + d, a * c - b * s);
        store(xh + half + d, b * c + a * s);
      }
      for (std::size_t d = hv; d < half; ++d) {
        const float a = xh[d], b = xh[half + d];
        xh[d] = a * cs[d] - b * sn[d];
        xh[half + d] = b * cs[d] + a * sn[d];
      }
    }
  }
}

void gelu_tanh(float* x, std::size_t n) {
  const float k = 0.7978845608028654f;  // sqrt(2/pi)
  const std::size_t nv = n / kLanes * kLanes;
  const Batch half(0.5f), one(1.0f), kb(k), cb(0.044715f);
  for (std::size_t i = 0; i < nv; i += kLanes) {
    Batch v = load(x + i);
    Batch inner = kb * xsimd::fma(cb * v, v * v, v);
    store(x + i, half * v * (one + xsimd::tanh(inner)));
  }
  for (std::size_t i = nv; i < n; ++i) {
    float v = x[i];
    x[i] = 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v)));
  }
}

void gelu_erf(float* x, std::size_t n) {
  const float r = 0.7071067811865476f;  // 1/sqrt(2)
  const std::size_t nv = n / kLanes * kLanes;
  const Batch half(0.5f), one(1.0f), rb(r);
  for (std::size_t i = 0; i < nv; i += kLanes) {
    Batch v = load(x + i);
    store(x + i, half * v * (one + xsimd::erf(v * rb)));
  }
  for (std::size_t i = nv; i < n; ++i) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * r));
}

void add_inplace(float* y, const float* x, std::size_t n) {
  const std::size_t nv = n / kLanes * kLanes;
  for (std::size_t i = 0; i < nv; i += kLanes) store(y + i, load(y + i) + load(x + i));
  for (std::size_t i = nv; i < n; ++i) y[i] += x[i];
}

namespace {
// Softmax of one row in place; -inf entries get 0, an all -inf row all zeros.
void softmax_row(float* r, std::size_t n) {
  const float ninf = -std::numeric_limits<float>::infinity();
  const std::size_t nv = n / kLanes * kLanes;
  Batch mb(ninf);
  for (std::size_t j = 0; j < nv; j += kLanes) mb = xsimd::max(mb, load(r + j));
  float mx = xsimd::reduce_max(mb);
  for (std::size_t j = nv; j < n; ++j) mx = std::max(mx, r[j]);
  if (mx == ninf || std::isnan(mx)) {
    // fully masked: no key to attend to (NaN input propagates as NaN below)
    if (mx == ninf) {
      for (std::size_t j = 0; j < n; ++j) r[j] = 0.0f;
      return;
    }
  }
  const Batch m(mx);
  Batch sb(0.0f);
  for (std::size_t j = 0; j < nv; j += kLanes) {
    Batch e = xsimd::exp(load(r + j) - m);  // exp(-inf) = 0
    store(r + j, e);
    sb += e;
  }
  float sum = xsimd::reduce_add(sb);
  for (std::size_t j = nv; j < n; ++j) {
    r[j] = std::exp(r[j] - mx);
    sum += r[j];
  }
  const Batch inv(1.0f / sum);
  for (std::size_t j = 0; j < nv; j += kLanes) store(r + j, load(r + j) * inv);
  const float invs = 1.0f / sum;
  for (std::size_t j = nv; j < n; ++j) r[j] *= invs;
}
}  // namespace

void softmax_rows(float* x, std::size_t rows, std::size_t cols) {
  for (std::size_t i = 0; i < rows; ++i) softmax_row(x + i * cols, cols);
}

// ---- attention -----------------------------------------------------------------

void attention_rows(const float* q, const float* k, const float* v, float* out, float* probs, float* scores,
                    std::size_t q0, std::size_t n_q, std::size_t n_k, std::size_t P,
                    const AttentionLayout& lay, const AttentionOptions& options) {
  const std::size_t dk = lay.head_dim, H = lay.n_head, G = lay.n_kv_head, group = H / G;
  float factor = options.scale ? 1.0f / std::sqrt(static_cast<float>(dk)) : 1.0f;
  factor /= options.temperature;
  // K_g transposed to [dk, n_k], so scores for one query stream along keys.
  std::vector<float> kt(dk * n_k);
  const std::size_t tv = n_k / kLanes * kLanes;
  const std::size_t dv = dk / kLanes * kLanes;
  for (std::size_t g = 0; g < G; ++g) {
    const std::size_t koff = g * dk;
    for (std::size_t j = 0; j < n_k; ++j)
      for (std::size_t d = 0; d < dk; ++d) kt[d * n_k + j] = k[j * lay.k_ld + koff + d];
    for (std::size_t h = g * group; h < (g + 1) * group; ++h) {
      const std::size_t qoff = h * dk;
      for (std::size_t r = 0; r < n_q; ++r) {
        const std::size_t i = q0 + r;  // the query's position
        float* row = probs + (h * P + i) * P;
        const float* qi = q + r * lay.q_ld + qoff;
        const std::size_t n_keys = options.causal ? std::min(i + 1, n_k) : n_k;
        // raw scores q_i . k_j over visible keys, vectorised along j
        const std::size_t nv = std::min(n_keys / kLanes * kLanes, tv);
        for (std::size_t j = 0; j < nv; j += kLanes) {
          Batch s(0.0f);
          for (std::size_t d = 0; d < dk; ++d) s = xsimd::fma(Batch(qi[d]), load(&kt[d * n_k + j]), s);
          store(row + j, s);
        }
        for (std::size_t j = nv; j < n_keys; ++j) {
          float s = 0.0f;
          for (std::size_t d = 0; d < dk; ++d) s += qi[d] * kt[d * n_k + j];
          row[j] = s;
        }
        if (scores) {
          float* srow = scores + (h * P + i) * P;
          std::copy(row, row + n_keys, srow);
          std::fill(srow + n_keys, srow + P, 0.0f);
        }
        for (std::size_t j = 0; j < n_keys; ++j) row[j] *= factor;
        if (options.window && i + 1 > options.window)  // keys before the window are masked
          std::fill(row, row + (i + 1 - options.window), -std::numeric_limits<float>::infinity());
        softmax_row(row, n_keys);
        std::fill(row + n_keys, row + P, 0.0f);  // masked keys, and columns past n_k
        // out_i = sum_j p_ij v_j, vectorised along d
        float* oi = out + r * lay.out_ld + qoff;
        const float* vg = v + koff;
        for (std::size_t d = 0; d < dv; d += kLanes) {
          Batch acc(0.0f);
          for (std::size_t j = 0; j < n_keys; ++j) acc = xsimd::fma(Batch(row[j]), load(vg + j * lay.v_ld + d), acc);
          store(oi + d, acc);
        }
        for (std::size_t d = dv; d < dk; ++d) {
          float acc = 0.0f;
          for (std::size_t j = 0; j < n_keys; ++j) acc += row[j] * vg[j * lay.v_ld + d];
          oi[d] = acc;
        }
      }
    }
  }
}

void attention(const float* q, const float* k, const float* v, std::size_t ld,
               float* out, float* probs, float* scores,
               std::size_t T, std::size_t C, std::size_t H,
               const AttentionOptions& options) {
  AttentionLayout lay;
  lay.n_head = lay.n_kv_head = H;
  lay.head_dim = C / H;
  lay.q_ld = lay.k_ld = lay.v_ld = ld;
  lay.out_ld = C;
  attention_rows(q, k, v, out, probs, scores, 0, T, T, T, lay, options);
}

}  // namespace hs::kernels
