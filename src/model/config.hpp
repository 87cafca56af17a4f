// src/model — GPT-2 models as HuggingFace writes them: what config.json's fields
// mean for GPT-2, the weights in their final place (read from safetensors through
// src/formats), the forward pass that keeps every head's attention, head roles,
// and the RunResult the CLI and the wasm module turn into JSON. This header:
// GPT2Config from config.json (read with formats::HfConfig).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "formats/hf_config.hpp"

namespace hs::model {

enum class Activation { GeluTanh, GeluErf, Relu };

struct Gpt2Config {
  std::string model_type = "gpt2";
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_embd = 0;
  int64_t n_positions = 0;
  int64_t vocab_size = 0;
  int64_t n_inner = 0;  // MLP width; 4 * n_embd when config.json says null or omits it
  double layer_norm_epsilon = 1e-5;
  Activation activation = Activation::GeluTanh;
  std::string activation_name = "gelu_new";
  bool scale_attn_weights = true;
  int64_t head_dim() const { return n_embd / n_head; }
};

// Parse config.json. Unknown fields are ignored; missing or invalid required
// ones (n_layer, n_head, n_embd, n_positions, vocab_size) are named in the error.
// Accepts GPT2Config's aliases (num_hidden_layers, hidden_size, ...).
Result<Gpt2Config> parse_gpt2_config(std::string_view json_text,
                                     std::string_view source = "config.json");
// The same, on an already parsed config.json (whose other fields the caller may read).
Result<Gpt2Config> parse_gpt2_config(const formats::HfConfig& config);

}  // namespace hs::model
