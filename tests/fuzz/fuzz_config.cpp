// libFuzzer harness: the input is config.json.
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
  if (g.n_layer < 1 || g.n_head < 1 || g.n_embd < 1 || g.n_positions < 1 || g.vocab_size < 1 || g.n_inner < 1 ||
      g.n_embd % g.n_head != 0 || !(g.layer_norm_epsilon > 0))
    hs::fuzz::fail("accepted config breaks an invariant", std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
