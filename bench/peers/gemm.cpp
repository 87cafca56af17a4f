// bench/peers/gemm.cpp — a tiny Emscripten program that links src/kernels and
// exports Headscope's GEMM (and a SIMD peak loop) to JavaScript, so the peers
// bench can time our kernel in the same JS engine, page and way as
// TensorFlow.js's wasm backend (XNNPACK). Not part of the product's module.
// Built by bench/peers/run.mjs into build/peers/gemm.{mjs,wasm}.
#include <cstddef>
#include <cstdlib>

#include <xsimd/xsimd.hpp>

#include "kernels/kernels.hpp"

namespace kn = hs::kernels;

extern "C" {

float* peers_alloc_floats(std::size_t n) { return static_cast<float*>(std::aligned_alloc(64, (n * 4 + 63) / 64 * 64)); }
void peers_free(void* p) { std::free(p); }
std::size_t peers_packed_size(std::size_t K, std::size_t N) { return kn::packed_size(K, N); }
void peers_pack(const float* W, std::size_t K, std::size_t N, float* packed) { kn::pack_weights(W, K, N, packed); }

// y[T, N] = x[T, K] . W[K, N] + b[N], W packed once (as the model does at load).
void peers_gemm_packed(const float* x, const float* packed, const float* b, float* y, std::size_t T, std::size_t K,
                       std::size_t N) {
  kn::gemm_packed(x, packed, b, y, T, K, N);
}
void peers_gemm_bias(const float* x, const float* W, const float* b, float* y, std::size_t T, std::size_t K,
                     std::size_t N) {
  kn::gemm_bias(x, W, b, y, T, K, N);
}
void peers_gelu_tanh(float* x, std::size_t n) { kn::gelu_tanh(x, n); }
// y[T, N] = x[T, K] . Wt[N, K]^T: the tied LM head (stage timing of the forward pass)
void peers_gemm_transposed_b(const float* x, const float* Wt, float* y, std::size_t T, std::size_t K, std::size_t N) {
  kn::gemm_transposed_b(x, Wt, y, T, K, N);
}
void peers_layer_norm(const float* x, const float* g, const float* b, float* y, std::size_t T, std::size_t C) {
  kn::layer_norm(x, g, b, y, T, C, 1e-5f);
}
void peers_attention(const float* qkv, float* out, float* probs, std::size_t T, std::size_t C, std::size_t H) {
  kn::attention(qkv, qkv + C, qkv + 2 * C, 3 * C, out, probs, nullptr, T, C, H, {});
}

// The WASM SIMD f32 peak loop of bench/kernel_bench.cpp: 12 independent chains of
// acc = acc * m + c per lane (2 flops; a mul and an add in wasm). Returns a sink.
float peers_peak(int iters) {
  using B = xsimd::batch<float>;
  B a0(1.0f), a1(1.1f), a2(1.2f), a3(1.3f), a4(1.4f), a5(1.5f), a6(1.6f), a7(1.7f);
  B a8(1.0f), a9(1.1f), a10(1.2f), a11(1.3f);
  const B m(0.999999f), c(1e-7f);
  for (int i = 0; i < iters; ++i) {
    a0 = xsimd::fma(a0, m, c); a1 = xsimd::fma(a1, m, c); a2 = xsimd::fma(a2, m, c);
    a3 = xsimd::fma(a3, m, c); a4 = xsimd::fma(a4, m, c); a5 = xsimd::fma(a5, m, c);
    a6 = xsimd::fma(a6, m, c); a7 = xsimd::fma(a7, m, c); a8 = xsimd::fma(a8, m, c);
    a9 = xsimd::fma(a9, m, c); a10 = xsimd::fma(a10, m, c); a11 = xsimd::fma(a11, m, c);
  }
  B s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  return xsimd::reduce_add(s);
}
// flops of one peers_peak(iters) call
double peers_peak_flops(int iters) { return 12.0 * 2.0 * xsimd::batch<float>::size * iters; }

}  // extern "C"
