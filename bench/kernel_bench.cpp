// bench/kernel_bench — kernel figures for one build (native or wasm under Node):
// the measured SIMD f32 peak (independent multiply/add chains), our GEMM on the
// shapes of a GPT-2-small forward pass (packed weights, as the model uses it, and
// the unpacked variant), the same shapes through Eigen compiled
// for the same target, and the attention kernel. Each figure is the median of
// 20 timed runs after a warm-up long enough for V8's optimising tier.
// Output: one "name value unit" line per figure; names start with the build
// ("wasm_", "wasm_relaxed_" or "native_").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <xsimd/xsimd.hpp>

#include "formats/dtype.hpp"
#include "kernels/kernels.hpp"
#include "kernels/relaxed_fma.hpp"

namespace {

#if defined(__wasm_relaxed_simd__)
const char* kPrefix = "wasm_relaxed";  // the wasm-relaxed preset: fused multiply-add
#elif defined(__EMSCRIPTEN__)
const char* kPrefix = "wasm";
#else
const char* kPrefix = "native";
#endif

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Median seconds per call, after warming up for at least `warm_s` seconds. Each
// of the `runs` samples times enough back-to-back calls to last >= 20 ms, so that
// a coarse clock (a page's performance.now() is rounded to 0.1 ms without
// cross-origin isolation) does not quantise a 5 ms kernel to 2 %.
double time_median(const std::function<void()>& fn, double warm_s = 0.4, int runs = 20) {
  double start = now_s();
  int warm = 0;
  while (now_s() - start < warm_s || warm < 3) {
    fn();
    ++warm;
  }
  const double per_call = (now_s() - start) / warm;
  const int inner = std::max(1, int(0.02 / std::max(per_call, 1e-9)));
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    double a = now_s();
    for (int j = 0; j < inner; ++j) fn();
    t.push_back((now_s() - a) / inner);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

volatile float g_sink;

// Peak: many independent multiply-add chains (acc = acc * m + c), enough to
// keep the SIMD ports busy rather than wait on latency; 2 flops a lane a step.
// With FMA hardware (native) a step is one instruction, in WASM SIMD128 (no FMA)
// a multiply and an add, with relaxed SIMD one f32x4.relaxed_madd again. We try 8, 12 and 16 chains and report the best.
template <int N>
double chains_gflops() {
  using B = xsimd::batch<float>;
  const int iters = 1 << 19;
  auto body = [&] {
    B acc[N];
    for (int k = 0; k < N; ++k) acc[k] = B(1.0f + 0.01f * k);
    const B m(0.999999f), c(1e-7f);
    for (int i = 0; i < iters; ++i)
      for (int k = 0; k < N; ++k) acc[k] = xsimd::fma(acc[k], m, c);
    B s(0.0f);
    for (int k = 0; k < N; ++k) s += acc[k];
    g_sink = xsimd::reduce_add(s);
  };
  double t = time_median(body, 0.3, 9);
  return double(N) * 2.0 * B::size * iters / t / 1e9;
}

double peak_gflops() {
  return std::max({chains_gflops<8>(), chains_gflops<12>(), chains_gflops<16>()});
}

std::vector<float> randn(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

void print(const std::string& name, double value, const char* unit) {
  std::printf("%s_%s %.4g %s\n", kPrefix, name.c_str(), value, unit);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  std::printf("# %s build, SIMD %s, %zu lanes\n", kPrefix, hs::kernels::simd_arch_name(), hs::kernels::simd_lanes());
  print("peak_gflops", peak_gflops(), "GFLOP/s");

  struct Shape { std::size_t T, K, N; };
  const Shape shapes[] = {{64, 768, 2304}, {64, 768, 768}, {64, 3072, 768}, {1, 768, 2304}};
  for (const Shape& s : shapes) {
    auto x = randn(s.T * s.K, 1), w = randn(s.K * s.N, 2), b = randn(s.N, 3);
    std::vector<float> y(s.T * s.N);
    const double flops = 2.0 * s.T * s.K * s.N;
    const std::string tag = "gemm_" + std::to_string(s.T) + "x" + std::to_string(s.K) + "x" + std::to_string(s.N);
    // the product's path: weights packed once (as at model load), then gemm_packed
    std::vector<float> packed(hs::kernels::packed_size(s.K, s.N));
    hs::kernels::pack_weights(w.data(), s.K, s.N, packed.data());
    double t = time_median([&] { hs::kernels::gemm_packed(x.data(), packed.data(), b.data(), y.data(), s.T, s.K, s.N); },
                           quick ? 0.1 : 0.5);
    print(tag + "_gflops", flops / t / 1e9, "GFLOP/s");
    double tu = time_median([&] { hs::kernels::gemm_bias(x.data(), w.data(), b.data(), y.data(), s.T, s.K, s.N); },
                            quick ? 0.1 : 0.5);
    print("unpacked_" + tag + "_gflops", flops / tu / 1e9, "GFLOP/s");
    // Eigen, same data, row-major maps, same target
    using RM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Eigen::Map<const RM> X(x.data(), s.T, s.K), Wm(w.data(), s.K, s.N);
    Eigen::Map<const Eigen::RowVectorXf> B(b.data(), s.N);
    Eigen::Map<RM> Y(y.data(), s.T, s.N);
    double te = time_median([&] { Y.noalias() = X * Wm; Y.rowwise() += B; }, quick ? 0.1 : 0.5);
    print("eigen_" + tag + "_gflops", flops / te / 1e9, "GFLOP/s");
  }

  // 16-bit weights: the one-token path (T = 1) over matrices too big for any cache
  // (3072 x 4096: 50 MB as F32), GEMM at T = 64, and the LM head's gemm_table
  // (GPT-2's 50257 x 768 table), each with F32, F16 and BF16 weights of the same values
  {
    using hs::kernels::WeightType;
    const std::pair<WeightType, const char*> types[] = {{WeightType::F32, "f32"}, {WeightType::F16, "f16"}, {WeightType::BF16, "bf16"}};
    const Shape big[] = {{1, 3072, 4096}, {64, 768, 2304}};
    for (const Shape& s : big) {
      auto x = randn(s.T * s.K, 5), w = randn(s.K * s.N, 6);
      std::vector<float> y(s.T * s.N);
      std::vector<float> packed(hs::kernels::packed_size(s.K, s.N));
      hs::kernels::pack_weights(w.data(), s.K, s.N, packed.data());
      std::vector<uint16_t> w16(w.size()), packed16(packed.size());
      for (auto [type, name] : types) {
        const void* data = packed.data();
        if (type != WeightType::F32) {
          for (std::size_t i = 0; i < w.size(); ++i)
            w16[i] = type == WeightType::F16 ? hs::formats::float_to_half(w[i]) : hs::formats::float_to_bf16(w[i]);
          hs::kernels::pack_weights16(w16.data(), s.K, s.N, packed16.data());
          data = packed16.data();
        }
        const hs::kernels::WeightRef ref{data, type};
        double t = time_median([&] { hs::kernels::gemm_packed(x.data(), ref, nullptr, y.data(), s.T, s.K, s.N); },
                               quick ? 0.1 : 0.5);
        print("weights_" + std::string(name) + "_gemm_" + std::to_string(s.T) + "x" + std::to_string(s.K) + "x" +
                  std::to_string(s.N) + "_ms", t * 1e3, "ms");
      }
    }
    const std::size_t V = 50257, C = 768;
    auto x = randn(C, 7), table = randn(V * C, 8);
    std::vector<float> y(V), laid32(hs::kernels::table_size(V, C));
    std::vector<uint16_t> t16(table.size()), laid(hs::kernels::table_size(V, C));
    for (auto [type, name] : types) {
      const void* data = laid32.data();
      if (type == WeightType::F32) {
        hs::kernels::pack_table(table.data(), V, C, laid32.data());
      } else {
        for (std::size_t i = 0; i < table.size(); ++i)
          t16[i] = type == WeightType::F16 ? hs::formats::float_to_half(table[i]) : hs::formats::float_to_bf16(table[i]);
        hs::kernels::pack_table16(t16.data(), V, C, laid.data());
        data = laid.data();
      }
      const hs::kernels::WeightRef ref{data, type};
      double t = time_median([&] { hs::kernels::gemm_table(x.data(), ref, y.data(), 1, C, V); }, quick ? 0.1 : 0.5);
      print("weights_" + std::string(name) + "_lm_head_1x768x50257_ms", t * 1e3, "ms");
    }
  }

  {
    const std::size_t T = 64, C = 768, H = 12;
    auto qkv = randn(T * 3 * C, 4);
    std::vector<float> out(T * C), probs(H * T * T);
    double t = time_median([&] {
      hs::kernels::attention(qkv.data(), qkv.data() + C, qkv.data() + 2 * C, 3 * C, out.data(), probs.data(),
                             nullptr, T, C, H, {});
    });
    print("attention_T64_C768_H12_ms", t * 1e3, "ms");
  }
  return 0;
}
