// libFuzzer harness: the input is config.json, of any family; an accepted one must
// describe a model the forward pass can run (heads, key/value heads, rotary).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "model/config.hpp"

using namespace hs::model;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = parse_model_spec(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!c) { hs::fuzz::check_error(c.error()); return 0; }
  const ModelSpec& g = c.value();
  bool ok = g.n_layer >= 1 && g.n_head >= 1 && g.n_embd >= 1 && g.n_positions >= 1 && g.vocab_size >= 1 &&
            g.n_inner >= 1 && g.layer_norm_epsilon > 0 && g.head_dim >= 1 && g.n_kv_head >= 1 &&
            g.n_kv_head <= g.n_head && g.n_head % g.n_kv_head == 0 && g.position_offset >= 0 &&
            (g.family != Family::Gpt2 || g.n_embd == g.n_head * g.head_dim);
  if (g.rotary) {
    ok = ok && g.rotary_dims >= 2 && g.rotary_dims % 2 == 0 && g.rotary_dims <= g.head_dim &&
         g.inv_freq.size() == std::size_t(g.rotary_dims / 2);
    for (float f : g.inv_freq) ok = ok && std::isfinite(f) && f > 0;
  }
  if (!ok) hs::fuzz::fail("accepted config breaks an invariant", std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
