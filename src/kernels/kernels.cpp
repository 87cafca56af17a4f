// Kernels over xsimd::batch<float>: one source for WASM SIMD128, SSE, AVX and
// AVX-512. See kernels.hpp for the contracts.
#include "kernels/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <xsimd/xsimd.hpp>
#include "kernels/relaxed_fma.hpp"  // xsimd::fma fused in the relaxed-SIMD wasm build
#include "kernels/thread_pool.hpp"

#include "formats/dtype.hpp"

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

// ---- weights as stored: float32 or 16-bit groups -------------------------------
// A weight type gives the two float batches of one group of 2*kLanes values (a
// packed panel row, or part of a table row) and one value of a table row's tail.
namespace {

using IBatch = xsimd::batch<int32_t>;  // same architecture and lane count as Batch
static_assert(IBatch::size == kLanes, "int32 and float batches must have the same lanes");

inline IBatch load_words(const uint16_t* p) { return IBatch::load_unaligned(reinterpret_cast<const int32_t*>(p)); }

// binary16 -> float for the two halves of each 32-bit word. Finite values only
// (a tensor holding inf or NaN is kept in float32 at load). A half in the top 16
// bits of a lane, shifted right by 3 (arithmetically), has its exponent and
// mantissa where a float's go (bits 13..27) and its sign at bit 31 (bits 28..30,
// copies of the sign, are masked off): read as a float that is exactly the value
// times 2^-112 (subnormal halves become subnormal floats, exactly). One multiply
// by 2^112 rescales every finite half; the one-token kernels skip it and scale
// their activations by 2^112 instead (see kRawScale).
inline Batch half_on_top_to_raw(const IBatch& top) {
  return xsimd::bitwise_cast<float>((top >> 3) & IBatch(int32_t(0x8fffe000u)));
}

// Each weight type gives the two float batches of one group of 2*kLanes values
// (load2), the same values times kRawScale, whichever is cheaper to make
// (load2_raw), and one value of a table row's tail (at). A kernel that reads
// raw values multiplies its activations by 1/kRawScale instead: a power of two,
// so every product is the same as with load2's values (bit for bit) as long as
// the scaled activations stay finite (raw_scale_fits).
struct F32Weights {
  using Elem = float;
  static constexpr float kRawScale = 1.0f;
  static void load2(const float* p, Batch& a, Batch& b) {
    a = load(p);
    b = load(p + kLanes);
  }
  static void load2_raw(const float* p, Batch& a, Batch& b) { load2(p, a, b); }
  static float at(const float* p, std::size_t i) { return p[i]; }
};

struct BF16Weights {  // bfloat16 is the top half of a float32
  using Elem = uint16_t;
  static constexpr float kRawScale = 1.0f;
  static void load2(const uint16_t* p, Batch& a, Batch& b) {
    const IBatch u = load_words(p);
    a = xsimd::bitwise_cast<float>(u << 16);
    b = xsimd::bitwise_cast<float>(u & IBatch(int32_t(0xffff0000u)));
  }
  static void load2_raw(const uint16_t* p, Batch& a, Batch& b) { load2(p, a, b); }
  static float at(const uint16_t* p, std::size_t i) { return formats::bf16_to_float(p[i]); }
};

struct F16Weights {
  using Elem = uint16_t;
  static constexpr float kRawScale = 0x1p-112f;
  static void load2_raw(const uint16_t* p, Batch& a, Batch& b) {
    const IBatch u = load_words(p);
    a = half_on_top_to_raw(u << 16);  // the low half, moved to the top
    b = half_on_top_to_raw(u);        // the high half (the low one is masked off)
  }
  static void load2(const uint16_t* p, Batch& a, Batch& b) {
    load2_raw(p, a, b);
    a = a * Batch(0x1p112f);
    b = b * Batch(0x1p112f);
  }
  static float at(const uint16_t* p, std::size_t i) { return formats::half_to_float(p[i]); }
};

// One group of 2*kLanes weights (a panel row or part of a table row): as values, or raw (times WT::kRawScale).
template <typename WT, bool Raw>
inline void load_group(const typename WT::Elem* p, Batch& a, Batch& b) {
  if (Raw) WT::load2_raw(p, a, b);
  else WT::load2(p, a, b);
}

// True when x[0..n) times 1/WT::kRawScale stays finite (always, for types whose
// raw values are the values). For F16: |x| < 2^15, so x * 2^112 < 2^127.
template <typename WT>
bool raw_scale_fits(const float* x, std::size_t n) {
  if constexpr (WT::kRawScale == 1.0f) {
    return true;
  } else {
    const float limit = 0x1p15f;
    for (std::size_t i = 0; i < n; ++i)
      if (!(std::fabs(x[i]) < limit)) return false;  // NaN too: take the unscaled path
    return true;
  }
}

// Calls f with the weight type of `w` and its data as that type's elements.
template <typename F>
void with_weight_type(const WeightRef& w, F&& f) {
  switch (w.type) {
    case WeightType::F32: f(F32Weights{}, static_cast<const float*>(w.data)); break;
    case WeightType::BF16: f(BF16Weights{}, static_cast<const uint16_t*>(w.data)); break;
    case WeightType::F16: f(F16Weights{}, static_cast<const uint16_t*>(w.data)); break;
  }
}

}  // namespace

std::size_t weight_type_bytes(WeightType t) { return t == WeightType::F32 ? 4 : 2; }

// ---- packed GEMM ---------------------------------------------------------------
namespace {

static_assert(NB == 2, "a 16-bit group holds exactly the two batches of a panel row");
constexpr std::size_t PKC = 128;  // K block: a panel block (128 x 8 floats) stays in L1

// y rows [i0, i0+mr) x one panel; `panel` points at row k0 of the panel (float32).
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

// Rows per packed tile. With a fused multiply-add (relaxed SIMD, native FMA
// hardware) each accumulator chain waits on one fma's latency per step, so more
// independent chains are needed to fill the pipes: 6 rows x NB = 12 accumulators
// (plus NB weights and one broadcast: 15 of the 16 vector registers). Without
// fma (plain wasm) 4 rows already run at the measured peak.
#if defined(__wasm_relaxed_simd__)
#ifndef HEADSCOPE_PMR
#define HEADSCOPE_PMR 6
#endif
constexpr std::size_t PMR = HEADSCOPE_PMR;
#else
constexpr std::size_t PMR = 4;
#endif

template <std::size_t mr>
void packed_rows_upto(std::size_t m, const float* x, std::size_t K, const float* panel, const float* init,
                      std::size_t ldi, float* out, std::size_t ldo, std::size_t k0, std::size_t k1) {
  if constexpr (mr > 1) {
    if (m < mr) return packed_rows_upto<mr - 1>(m, x, K, panel, init, ldi, out, ldo, k0, k1);
  }
  packed_tile<mr>(x, K, panel, init, ldi, out, ldo, k0, k1);
}

// y rows [0, mr) (mr <= PMR) x one panel.
void packed_rows(std::size_t mr, const float* x, std::size_t K, const float* panel, const float* init,
                 std::size_t ldi, float* out, std::size_t ldo, std::size_t k0, std::size_t k1) {
  packed_rows_upto<PMR>(mr, x, K, panel, init, ldi, out, ldo, k0, k1);
}

// One row of x (T = 1, a matrix-vector product): G panels side by side over the
// whole of K (a panel is read once, so K blocking buys nothing). A 1-row tile of
// one panel has only NB accumulators, too few to hide the add latency when fma
// is a multiply and an add (wasm); G = 4 panels give 4*NB independent chains and
// four sequential weight streams. 16-bit panels are widened here, in registers:
// this path is bound by the bytes it streams. `init` (bias or null) and `out`
// are G*NB*kLanes wide.
template <typename WT, std::size_t G, bool Raw>
inline void gemv_panels(const float* x, std::size_t K, const typename WT::Elem* panel, std::size_t pstride,
                        const float* init, float* out) {
  Batch acc[G][NB];
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t c = 0; c < NB; ++c) acc[g][c] = init ? load(init + (g * NB + c) * kLanes) : Batch(0.0f);
  const float up = Raw ? 1.0f / WT::kRawScale : 1.0f;
  const typename WT::Elem* p = panel;
  for (std::size_t k = 0; k < K; ++k, p += NB * kLanes) {
    const Batch a(Raw ? x[k] * up : x[k]);
    for (std::size_t g = 0; g < G; ++g) {
      Batch w0, w1;
      load_group<WT, Raw>(p + g * pstride, w0, w1);
      acc[g][0] = xsimd::fma(a, w0, acc[g][0]);
      acc[g][1] = xsimd::fma(a, w1, acc[g][1]);
    }
  }
  for (std::size_t g = 0; g < G; ++g)
    for (std::size_t c = 0; c < NB; ++c) store(out + (g * NB + c) * kLanes, acc[g][c]);
}

template <typename WT, bool Raw>
void gemv_packed_with(const float* x, const typename WT::Elem* packed, const float* b, float* y, std::size_t K,
                      std::size_t N) {
  constexpr std::size_t G = 4;
  const std::size_t nr = NB * kLanes, pstride = K * nr;
  const std::size_t full = N / nr;
  // the whole panels, in groups of G split over the threads (a panel's sums do
  // not depend on the group it is computed in)
  parallel_for(full, G, [&](std::size_t p0, std::size_t p1) {
    std::size_t p = p0;
    for (; p + G <= p1; p += G)
      gemv_panels<WT, G, Raw>(x, K, packed + p * pstride, pstride, b ? b + p * nr : nullptr, y + p * nr);
    for (; p < p1; ++p)
      gemv_panels<WT, 1, Raw>(x, K, packed + p * pstride, pstride, b ? b + p * nr : nullptr, y + p * nr);
  });
  if (full * nr < N) {  // the zero-padded last panel, through a local tile
    const std::size_t j0 = full * nr, width = N - j0;
    float tile[NB * kLanes], init[NB * kLanes];
    for (std::size_t c = 0; c < nr; ++c) init[c] = (b && c < width) ? b[j0 + c] : 0.0f;
    gemv_panels<WT, 1, Raw>(x, K, packed + full * pstride, pstride, init, tile);
    std::copy(tile, tile + width, y + j0);
  }
}

// Raw 16-bit values (one multiply fewer per weight) unless the activations are too large to scale.
template <typename WT>
void gemv_packed(const float* x, const typename WT::Elem* packed, const float* b, float* y, std::size_t K,
                 std::size_t N) {
  if (raw_scale_fits<WT>(x, K)) gemv_packed_with<WT, true>(x, packed, b, y, K, N);
  else gemv_packed_with<WT, false>(x, packed, b, y, K, N);
}

// Rows [k0, k1) of a panel as float32: the panel itself, or (16-bit) widened
// into `scratch` once and then read by every row tile of x.
inline const float* panel_block(F32Weights, const float* panel, std::size_t k0, std::size_t, float*) {
  return panel + k0 * NB * kLanes;
}
template <typename WT>
inline const float* panel_block(WT, const uint16_t* panel, std::size_t k0, std::size_t k1, float* scratch) {
  const std::size_t nr = NB * kLanes;
  for (std::size_t k = k0; k < k1; ++k) {
    Batch w0, w1;
    WT::load2(panel + k * nr, w0, w1);
    store(scratch + (k - k0) * nr, w0);
    store(scratch + (k - k0) * nr + kLanes, w1);
  }
  return scratch;
}

template <typename WT>
void gemm_packed_as(const float* x, const typename WT::Elem* packed, const float* b, float* y, std::size_t T,
                    std::size_t K, std::size_t N) {
  const std::size_t nr = NB * kLanes;
  const std::size_t full = N / nr;  // panels entirely inside y
  const std::size_t panels = (N + nr - 1) / nr;
  if (T == 1 && K != 0) {
    gemv_packed<WT>(x, packed, b, y, K, N);
    return;
  }
  // y starts as the bias (or zero); every K block then accumulates onto it.
  for (std::size_t i = 0; i < T; ++i) {
    if (b) std::copy(b, b + N, y + i * N);
    else std::fill(y + i * N, y + (i + 1) * N, 0.0f);
  }
  if (K == 0) return;
  // Panels split over the threads; each panel's columns of y are summed by one
  // thread in the same K-block order, whatever the thread count.
  parallel_for(panels, 1, [&](std::size_t p_begin, std::size_t p_end) {
    float tile[PMR * NB * kLanes];  // the last, zero-padded panel goes through here
    alignas(64) float scratch[PKC * NB * kLanes];
    for (std::size_t k0 = 0; k0 < K; k0 += PKC) {
      const std::size_t k1 = std::min(K, k0 + PKC);
      for (std::size_t p = p_begin; p < p_end; ++p) {
        const float* panel = panel_block(WT{}, packed + p * K * nr, k0, k1, scratch);
        const std::size_t j0 = p * nr;
        for (std::size_t i0 = 0; i0 < T; i0 += PMR) {
          const std::size_t mr = std::min(PMR, T - i0);
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
  });
}

// One panel row or table group of 2*kLanes values, 16-bit, as stored: kLanes
// 32-bit words, word i holding value i (low half) and value kLanes + i (high half).
inline void write_group16(const uint16_t* v, uint16_t* out) {
  for (std::size_t i = 0; i < kLanes; ++i) {
    out[2 * i] = v[i];
    out[2 * i + 1] = v[kLanes + i];
  }
}

}  // namespace

std::size_t packed_panel_width() { return NB * kLanes; }

std::size_t packed_size(std::size_t K, std::size_t N) {
  const std::size_t nr = NB * kLanes;
  return (N + nr - 1) / nr * nr * K;
}

namespace {
// The panels of a [K, N] matrix whose element (k, n) is at(k, n), each panel row
// zero-padded to nr values, handed to put(row values, dst).
template <typename E, typename At, typename Put>
void pack_panels(std::size_t K, std::size_t N, E* packed, At at, Put put) {
  const std::size_t nr = NB * kLanes;
  const std::size_t panels = (N + nr - 1) / nr;
  E row[NB * kLanes];
  for (std::size_t p = 0; p < panels; ++p) {
    E* dst = packed + p * K * nr;
    const std::size_t j0 = p * nr, width = std::min(nr, N - j0);
    for (std::size_t k = 0; k < K; ++k) {
      std::size_t c = 0;
      for (; c < width; ++c) row[c] = at(k, j0 + c);
      for (; c < nr; ++c) row[c] = E(0);
      put(row, dst + k * nr);
    }
  }
}
void copy_group(const float* row, float* dst) { std::copy(row, row + NB * kLanes, dst); }
}  // namespace

void pack_weights(const float* Wm, std::size_t K, std::size_t N, float* packed) {
  pack_panels(K, N, packed, [&](std::size_t k, std::size_t n) { return Wm[k * N + n]; }, copy_group);
}

void pack_weights16(const uint16_t* Wm, std::size_t K, std::size_t N, uint16_t* packed) {
  pack_panels(K, N, packed, [&](std::size_t k, std::size_t n) { return Wm[k * N + n]; }, write_group16);
}

std::size_t table_size(std::size_t rows, std::size_t cols) { return packed_size(cols, rows); }

void pack_table(const float* W, std::size_t rows, std::size_t cols, float* out) {
  pack_panels(cols, rows, out, [&](std::size_t c, std::size_t r) { return W[r * cols + c]; }, copy_group);
}

void pack_table16(const uint16_t* W, std::size_t rows, std::size_t cols, uint16_t* out) {
  pack_panels(cols, rows, out, [&](std::size_t c, std::size_t r) { return W[r * cols + c]; }, write_group16);
}

void gemm_packed(const float* x, const float* packed, const float* b, float* y,
                 std::size_t T, std::size_t K, std::size_t N) {
  gemm_packed_as<F32Weights>(x, packed, b, y, T, K, N);
}

void gemm_packed(const float* x, const WeightRef& packed, const float* b, float* y, std::size_t T, std::size_t K,
                 std::size_t N) {
  with_weight_type(packed, [&](auto wt, const auto* data) {
    gemm_packed_as<decltype(wt)>(x, data, b, y, T, K, N);
  });
}

namespace {
// Four dot products x . w0..w3 (rows of Wt) at once: the x loads are shared and
// the eight chains are independent (one dot has too few to hide the add latency
// when fma is a multiply and an add, as in wasm).
inline void dot4(const float* a, const float* const w[4], std::size_t n, float* out) {
  Batch s[4] = {Batch(0.0f), Batch(0.0f), Batch(0.0f), Batch(0.0f)};
  Batch t[4] = {Batch(0.0f), Batch(0.0f), Batch(0.0f), Batch(0.0f)};
  std::size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const Batch x0 = load(a + i), x1 = load(a + i + kLanes);
    for (int q = 0; q < 4; ++q) {
      s[q] = xsimd::fma(x0, load(w[q] + i), s[q]);
      t[q] = xsimd::fma(x1, load(w[q] + i + kLanes), t[q]);
    }
  }
  for (int q = 0; q < 4; ++q) {
    float tail = 0.0f;
    for (std::size_t j = i; j < n; ++j) tail += a[j] * w[q][j];
    out[q] = xsimd::reduce_add(s[q] + t[q]) + tail;
  }
}
}  // namespace

void gemm_transposed_b(const float* x, const float* Wt, float* y,
                       std::size_t T, std::size_t K, std::size_t N) {
  for (std::size_t i = 0; i < T; ++i) {
    const float* xi = x + i * K;
    float* yi = y + i * N;
    std::size_t j = 0;
    for (; j + 4 <= N; j += 4) {
      const float* const rows[4] = {Wt + j * K, Wt + (j + 1) * K, Wt + (j + 2) * K, Wt + (j + 3) * K};
      dot4(xi, rows, K, yi + j);
    }
    for (; j < N; ++j) {
      float d = 0.0f;
      for (std::size_t k = 0; k < K; ++k) d += xi[k] * Wt[j * K + k];
      yi[j] = d;
    }
  }
}

void gemm_table(const float* x, const WeightRef& table, float* y, std::size_t T, std::size_t K, std::size_t N) {
  gemm_packed(x, table, nullptr, y, T, K, N);  // the table's transpose [K, N], packed
}

void table_row(const WeightRef& table, std::size_t cols, std::size_t row, float* out) {
  // Row r is column r % nr of panel r / nr: one value in each of the panel's cols rows.
  const std::size_t nr = NB * kLanes, lane = row % nr;
  const std::size_t at = row / nr * cols * nr;
  // Within a 16-bit group, value j is in word j % kLanes, low half first (write_group16).
  const std::size_t in_group = lane < kLanes ? 2 * lane : 2 * (lane - kLanes) + 1;
  with_weight_type(table, [&](auto wt, const auto* data) {
    using WT = decltype(wt);
    const std::size_t j = std::is_same_v<WT, F32Weights> ? lane : in_group;
    for (std::size_t c = 0; c < cols; ++c) out[c] = WT::at(data, at + c * nr + j);
  });
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
  // Each K_g transposed to [dk, n_k] (kt_all[g]), so scores for one query
  // stream along keys; then the heads, split over the threads.
  std::vector<float> kt_all(G * dk * n_k);
  const std::size_t tv = n_k / kLanes * kLanes;
  const std::size_t dv = dk / kLanes * kLanes;
  parallel_for(G, 1, [&](std::size_t g0, std::size_t g1) {
    for (std::size_t g = g0; g < g1; ++g) {
      float* kt = kt_all.data() + g * dk * n_k;
      for (std::size_t j = 0; j < n_k; ++j)
        for (std::size_t d = 0; d < dk; ++d) kt[d * n_k + j] = k[j * lay.k_ld + g * dk + d];
    }
  });
  parallel_for(H, 1, [&](std::size_t h0, std::size_t h1) {
    for (std::size_t h = h0; h < h1; ++h) {
      const std::size_t g = h / group, koff = g * dk;
      const float* kt = kt_all.data() + g * dk * n_k;
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
  });
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
