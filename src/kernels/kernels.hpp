// src/kernels — the numeric heart of Headscope: GEMM, layer norm, RMS norm, GELU,
// SiLU gate, rotary positions, softmax, residual add and multi-head attention
// (grouped key/value heads, any row strides), written once against xsimd::batch so
// the same source compiles to WASM SIMD128 in the browser and SSE/AVX natively.
//
// Every kernel works on caller-owned, row-major float buffers and allocates
// nothing on the hot path except the attention kernel's small per-call scratch.
// Each has a scalar tail for sizes that are not a multiple of the lane count.
// Shapes are given in comments as [rows, cols].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hs::kernels {

// Number of float lanes in the SIMD batch this build uses (4 in wasm).
std::size_t simd_lanes();
// Name of the xsimd architecture this build uses ("wasm", "sse4.2", "avx2", ...).
const char* simd_arch_name();

// y[T, N] = x[T, K] · W[K, N] + b[N]   (b may be null).
// W is stored [in, out], as HuggingFace GPT-2 Conv1D weights are.
void gemm_bias(const float* x, const float* W, const float* b, float* y,
               std::size_t T, std::size_t K, std::size_t N);

// Weights packed once (at model load) for gemm_packed: column panels of
// packed_panel_width() floats, each stored [K, width] contiguously, the last
// panel zero-padded. Streaming a panel is then sequential, whatever N is.
std::size_t packed_panel_width();
std::size_t packed_size(std::size_t K, std::size_t N);  // floats
void pack_weights(const float* W, std::size_t K, std::size_t N, float* packed);

// y[T, N] = x[T, K] · W[K, N] + b[N] with W given packed (pack_weights).
void gemm_packed(const float* x, const float* packed, const float* b, float* y,
                 std::size_t T, std::size_t K, std::size_t N);

// y[T, N] = x[T, K] · Wt[N, K]^T, Wt row-major [out, in] (the model's tables use
// the table layout below and gemm_table instead).
void gemm_transposed_b(const float* x, const float* Wt, float* y,
                       std::size_t T, std::size_t K, std::size_t N);

// ---- weights kept in 16 bits ---------------------------------------------------
// Matrices and embedding tables may stay IEEE binary16 (F16) or bfloat16 (BF16),
// as a checkpoint stores them, and are widened to float inside the kernels: half
// the memory, and half the bytes the one-token path streams. 16-bit values are
// stored in groups of 2*simd_lanes() (= packed_panel_width()): simd_lanes()
// 32-bit words, word i holding value i in its low half and value
// simd_lanes() + i in its high half, so that one vector load gives two float
// batches. A packed panel row is one group.
// 16-bit F16 weights must be finite (keep a tensor with inf or NaN in float32).
enum class WeightType : std::uint8_t { F32, F16, BF16 };
std::size_t weight_type_bytes(WeightType t);

// A matrix (packed) or a table (table layout) in one of the weight types: data
// points at floats for F32, at the 16-bit layout above otherwise.
struct WeightRef {
  const void* data = nullptr;
  WeightType type = WeightType::F32;
};

// 16-bit bits of W [K, N] into gemm_packed's panels (packed_size(K, N) values, in groups).
void pack_weights16(const uint16_t* W, std::size_t K, std::size_t N, uint16_t* packed);
// gemm_packed with weights of any type (F32: the same as above).
void gemm_packed(const float* x, const WeightRef& packed, const float* b, float* y,
                 std::size_t T, std::size_t K, std::size_t N);

// ---- tables: embeddings and the LM head ----------------------------------------
// A table [rows, cols] (token embeddings, tied or not to the LM head; position
// and token-type embeddings) is kept in the table layout: the packed panels of
// its transpose [cols, rows], table_size(rows, cols) values. The LM head's
// logits are then a packed GEMM (streaming panels, the fastest one-token path)
// and an embedding lookup gathers one value from each row of a panel.
std::size_t table_size(std::size_t rows, std::size_t cols);
void pack_table(const float* W, std::size_t rows, std::size_t cols, float* out);
void pack_table16(const uint16_t* W, std::size_t rows, std::size_t cols, uint16_t* out);
// y[T, N] = x[T, K] · table[N, K]^T (the LM head: logits = hidden · E^T).
void gemm_table(const float* x, const WeightRef& table, float* y, std::size_t T, std::size_t K, std::size_t N);
// out[cols] = row `row` of a table [rows, cols] as float (an embedding lookup).
void table_row(const WeightRef& table, std::size_t cols, std::size_t row, float* out);

// y[T, C] = (x - mean) / sqrt(var + eps) * gamma + beta, per row.  y may alias x.
void layer_norm(const float* x, const float* gamma, const float* beta, float* y,
                std::size_t T, std::size_t C, float eps);

// y[T, C] = x / sqrt(mean(x^2) + eps) * gamma, per row (Llama's RMSNorm).  y may alias x.
void rms_norm(const float* x, const float* gamma, float* y, std::size_t T, std::size_t C, float eps);

// In place over gate[T, F]: gate = silu(gate) * up, silu(g) = g / (1 + e^-g)
// (the SwiGLU MLP's gate; rows of gate and up are `ld` floats apart).
void silu_gate(float* gate, const float* up, std::size_t T, std::size_t F, std::size_t ld);

// Rotary position embedding in place ("rotate half", as HF Llama and GPT-NeoX
// apply it): for each row t (position pos0 + t) and each of n_heads heads of
// head_dim floats starting at x + t*ld + h*head_dim, the first rot_dims dims are
// rotated in pairs (d, d + rot_dims/2) by the angle position * inv_freq[d]
// (inv_freq has rot_dims/2 entries); dims past rot_dims are left as they are.
void rotary(float* x, std::size_t ld, std::size_t T, std::size_t pos0, std::size_t n_heads, std::size_t head_dim,
            std::size_t rot_dims, const float* inv_freq);

// In place: GPT-2's tanh approximation of GELU ("gelu_new"):
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
void gelu_tanh(float* x, std::size_t n);
// In place: exact GELU, 0.5 x (1 + erf(x / sqrt(2))).
void gelu_erf(float* x, std::size_t n);

// y[i] += x[i]
void add_inplace(float* y, const float* x, std::size_t n);

// Row-wise softmax in place over x[rows, cols]. Entries equal to -inf are masked
// and get probability 0; a fully masked row becomes all zeros (never NaN).
void softmax_rows(float* x, std::size_t rows, std::size_t cols);

struct AttentionOptions {
  bool causal = true;        // query i sees keys j <= i only (decoder)
  bool scale = true;         // divide scores by sqrt(d_k)
  float temperature = 1.0f;  // scores are divided by this before the softmax
  std::size_t window = 0;    // sliding window: query i sees keys j > i - window only (0: no limit)
};

// Where each head's numbers are: query head h reads columns [h*head_dim,
// (h+1)*head_dim) of q; it shares key/value head g = h / (n_head / n_kv_head),
// columns [g*head_dim, ...) of k and v; it writes out's columns [h*head_dim, ...).
// Rows of q, k, v and out are the given strides apart (a fused QKV buffer of
// width W has q_ld = k_ld = v_ld = W).
struct AttentionLayout {
  std::size_t n_head = 1, n_kv_head = 1, head_dim = 1;
  std::size_t q_ld = 0, k_ld = 0, v_ld = 0, out_ld = 0;
};

// Attention rows for queries at positions [q0, q0 + n_q) against keys and
// values at positions [0, n_k) (causal: query i sees keys j <= i, so n_k >=
// q0 + n_q). q and out point at the row of position q0; k and v at position 0.
//   probs:  [n_head, P, P] with P = probs_ld; rows q0..q0+n_q-1 are written
//   scores: the same shape, optional (null): raw q_i . k_j before scaling,
//           temperature and mask
// per head, softmax(Q_h K_g^T / sqrt(head_dim) + mask) V_g.
void attention_rows(const float* q, const float* k, const float* v, float* out, float* probs, float* scores,
                    std::size_t q0, std::size_t n_q, std::size_t n_k, std::size_t probs_ld,
                    const AttentionLayout& layout, const AttentionOptions& options);

// Multi-head attention for one layer (every query, one key/value head per head).
//   q, k, v: [T, C] each, rows `ld` floats apart (ld = 3C reads a fused QKV buffer)
//   out:     [T, C]      head h writes columns [h*d_k, (h+1)*d_k)
//   probs:   [H, T, T]   the attention probabilities (masked entries are 0)
//   scores:  [H, T, T]   optional (may be null): the raw scores q_i · k_j before
//                        scaling, temperature and mask, for teaching views
// with d_k = C / H and, per head, softmax(Q_h K_h^T / sqrt(d_k) + mask) V_h.
void attention(const float* q, const float* k, const float* v, std::size_t ld,
               float* out, float* probs, float* scores,
               std::size_t T, std::size_t C, std::size_t H,
               const AttentionOptions& options);

}  // namespace hs::kernels
