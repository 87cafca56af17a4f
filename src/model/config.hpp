// src/model — transformer checkpoints as HuggingFace writes them: what
// config.json's fields mean for each family, the weights in their final place
// (read from safetensors through src/formats), the forward pass that keeps every
// head's attention, head roles, and the RunResult the CLI and the wasm module
// turn into JSON. This header: ModelSpec, the family-neutral description of a
// model, from config.json (read with formats::HfConfig).
//
// Families and their model_type values:
//   gpt2      gpt2                        learned positions, pre-LayerNorm, GELU MLP
//   llama     llama, mistral, qwen2       rotary, RMSNorm, SwiGLU, grouped key/value heads
//   gpt_neox  gpt_neox                    partial rotary, parallel residual, fused per-head QKV
//   bert      bert, roberta, distilbert   bidirectional, post-LayerNorm, masked-LM head
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "formats/hf_config.hpp"

namespace hs::model {

enum class Family { Gpt2, Llama, NeoX, Bert };
enum class NormKind { Layer, Rms };
enum class Activation { GeluTanh, GeluErf, Relu, Silu };

struct ModelSpec {
  std::string model_type = "gpt2";
  Family family = Family::Gpt2;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_kv_head = 0;    // key/value heads; n_head unless grouped (each serves n_head / n_kv_head)
  int64_t head_dim = 0;     // d_k; n_embd / n_head unless config.json says otherwise
  int64_t n_embd = 0;
  int64_t n_positions = 0;  // the longest run (positions the model has embeddings or was trained for)
  int64_t vocab_size = 0;
  int64_t n_inner = 0;      // MLP width
  double layer_norm_epsilon = 1e-5;  // the epsilon of every norm, LayerNorm or RMSNorm
  NormKind norm = NormKind::Layer;
  Activation activation = Activation::GeluTanh;
  std::string activation_name = "gelu_new";
  bool gated_mlp = false;          // SwiGLU: down(act(gate(x)) * up(x))
  bool causal = true;              // decoders; encoders attend both ways
  bool parallel_residual = false;  // NeoX: x + attn(norm1(x)) + mlp(norm2(x))
  bool post_norm = false;          // BERT: x = norm(x + sublayer(x)), embeddings normed
  bool final_norm = true;          // a norm before the LM head (decoders)
  bool scale_attn_weights = true;
  bool qkv_bias = true, o_bias = true, mlp_bias = true, norm_bias = true;
  bool tied_lm_head = true;        // the LM head reuses the token embeddings (unless the file has its own)
  bool rotary = false;
  int64_t rotary_dims = 0;         // dims of each head that are rotated (partial rotary: fewer than head_dim)
  std::vector<float> inv_freq;     // [rotary_dims / 2], rope_theta and rope_scaling applied
  bool learned_positions = true;   // position embedding table [n_positions + position_offset, C]
  int64_t position_offset = 0;     // RoBERTa: position ids start at padding_idx + 1
  bool token_types = false;        // BERT/RoBERTa: token type 0's embedding is added
  int64_t n_token_types = 0;       // rows of the token type table (type_vocab_size)
  std::vector<int32_t> eos_token_ids;  // config.json's eos_token_id (one or a list; none when absent)
  int64_t sliding_window = 0;      // Mistral: a query sees the last sliding_window keys (0: all)

  int64_t q_width() const { return n_head * head_dim; }
  int64_t kv_width() const { return n_kv_head * head_dim; }
};

// "gpt2", "llama", "gpt_neox" or "bert": the family's name in JSON and on the page.
const char* family_name(Family f);

// Parse config.json. Unknown fields are ignored; missing or invalid required
// ones are named in the error; an unknown model_type lists the supported ones.
Result<ModelSpec> parse_model_spec(std::string_view json_text, std::string_view source = "config.json");
// The same, on an already parsed config.json (whose other fields the caller may read).
Result<ModelSpec> parse_model_spec(const formats::HfConfig& config);

}  // namespace hs::model
