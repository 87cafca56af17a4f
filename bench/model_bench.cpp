// bench/model_bench — load a model folder once, then time Model::run (the whole
// forward pass keeping every head's attention, plus last-position logits) for
// T = 8, 32, 64 tokens: median of 20 runs after 3 warm-up runs.
//
//   model_bench --model DIR [--runs 20] [--T 8,32,64]
// prints e.g.
//   native_load_ms 812.4 ms
//   native_run_T8_ms 12.3 ms
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "model/loader.hpp"

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

const char* kText =
    "Attention heads in a transformer each look at earlier positions of the text, weighing them by the "
    "similarity of a query and a key, and copy information from the values they attend to. Some heads track "
    "the previous token, others find the first token, and induction heads complete repeated patterns. ";

}  // namespace

int main(int argc, char** argv) {
#ifdef __EMSCRIPTEN__
  const std::string build = "wasm";
#else
  const std::string build = "native";
#endif
  std::string dir, tag;
  int runs = 20;
  std::vector<std::size_t> lengths = {8, 32, 64};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--name" && i + 1 < argc) {
      tag = std::string(argv[++i]) + "_";
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--T" && i + 1 < argc) {
      lengths.clear();
      std::string s = argv[++i];
      for (std::size_t p = 0; p < s.size();) {
        std::size_t c = s.find(',', p);
        if (c == std::string::npos) c = s.size();
        lengths.push_back(std::strtoul(s.substr(p, c - p).c_str(), nullptr, 10));
        p = c + 1;
      }
    } else {
      std::fprintf(stderr, "usage: model_bench --model DIR [--name TAG] [--runs 20] [--T 8,32,64]\n");
      return 2;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "model_bench: --model DIR is required\n");
    return 2;
  }

  auto t0 = std::chrono::steady_clock::now();
  auto loaded = hs::model::load_model_folder(dir);
  if (!loaded) {
    std::fprintf(stderr, "model_bench: %s\n", loaded.error().message.c_str());
    return 2;
  }
  std::printf("%s_%sload_ms %.1f ms\n", build.c_str(), tag.c_str(), ms_since(t0));
  const hs::model::Model& model = *loaded.value();
  const auto& cfg = model.config();
  std::printf("# model: %lld layers x %lld heads, n_embd %lld, n_positions %lld, vocab %lld\n",
              (long long)cfg.n_layer, (long long)cfg.n_head, (long long)cfg.n_embd, (long long)cfg.n_positions,
              (long long)cfg.vocab_size);

  std::vector<int32_t> text_ids = model.tokenizer().encode(kText);
  if (text_ids.empty()) text_ids.push_back(0);
  for (std::size_t T : lengths) {
    if (T == 0 || T > static_cast<std::size_t>(cfg.n_positions)) {
      std::fprintf(stderr, "model_bench: T = %zu is outside [1, n_positions]\n", T);
      return 2;
    }
    std::vector<int32_t> ids;
    while (ids.size() < T) ids.push_back(text_ids[ids.size() % text_ids.size()]);
    std::vector<double> times;
    // warm up (V8 runs wasm in its baseline tier until it optimises): >= 3 runs and >= 1 s
    auto warm_start = std::chrono::steady_clock::now();
    for (int i = 0; i < 3 || ms_since(warm_start) < 1000.0; ++i) {
      auto r = model.run_ids(ids);
      if (!r) {
        std::fprintf(stderr, "model_bench: %s\n", r.error().message.c_str());
        return 2;
      }
    }
    for (int i = 0; i < runs; ++i) {
      auto t = std::chrono::steady_clock::now();
      auto r = model.run_ids(ids);
      times.push_back(ms_since(t));
    }
    std::sort(times.begin(), times.end());
    const double median = times.size() % 2 ? times[times.size() / 2]
                                            : 0.5 * (times[times.size() / 2 - 1] + times[times.size() / 2]);
    std::printf("%s_%srun_T%zu_ms %.2f ms\n", build.c_str(), tag.c_str(), T, median);
    std::printf("# min %.2f, max %.2f over %d runs\n", times.front(), times.back(), runs);
  }
  return 0;
}
