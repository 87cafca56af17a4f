// config.json reader for GPT-2 (HuggingFace GPT2Config fields), on the strict
// field reader of src/formats.
#include "model/config.hpp"

#include "json/json.hpp"

namespace hs::model {

Result<Gpt2Config> parse_gpt2_config(std::string_view json_text, std::string_view source) {
  HS_TRY_ASSIGN(formats::HfConfig config, formats::HfConfig::parse(json_text, source));
  return parse_gpt2_config(config);
}

Result<Gpt2Config> parse_gpt2_config(const formats::HfConfig& hf) {
  const std::string& src = hf.source();
  Gpt2Config c;
  HS_TRY_ASSIGN(std::optional<std::string> model_type, hf.string("model_type"));
  if (model_type) {
    c.model_type = *model_type;
    if (c.model_type != "gpt2")
      return make_error(src + ": model_type " + json::quoted(c.model_type) +
                        " is not supported (Headscope reads GPT-2 checkpoints, model_type \"gpt2\")");
  }
  HS_TRY_ASSIGN(c.n_layer, hf.integer({"n_layer", "num_hidden_layers"}, 1, 256));
  HS_TRY_ASSIGN(c.n_head, hf.integer({"n_head", "num_attention_heads"}, 1, 1024));
  HS_TRY_ASSIGN(c.n_embd, hf.integer({"n_embd", "hidden_size"}, 1, 65536));
  HS_TRY_ASSIGN(c.n_positions, hf.integer({"n_positions", "max_position_embeddings", "n_ctx"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.vocab_size, hf.integer({"vocab_size"}, 1, 1 << 24));
  HS_TRY_ASSIGN(c.n_inner, hf.integer_or({"n_inner"}, 4 * c.n_embd, 1, 1 << 20));
  if (c.n_embd % c.n_head != 0)
    return make_error(src + ": n_embd (" + std::to_string(c.n_embd) + ") is not divisible by n_head (" +
                      std::to_string(c.n_head) + ")");

  HS_TRY_ASSIGN(c.layer_norm_epsilon, hf.number_or("layer_norm_epsilon", c.layer_norm_epsilon, 0.0, 1.0));
  HS_TRY_ASSIGN(std::optional<std::string> activation, hf.string("activation_function"));
  if (activation) {
    c.activation_name = *activation;
    if (*activation == "gelu_new" || *activation == "gelu_pytorch_tanh" || *activation == "gelu_fast")
      c.activation = Activation::GeluTanh;
    else if (*activation == "gelu")
      c.activation = Activation::GeluErf;
    else if (*activation == "relu")
      c.activation = Activation::Relu;
    else
      return make_error(src + ": activation_function " + json::quoted(*activation) +
                        " is not supported (gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu)");
  }
  HS_TRY_ASSIGN(c.scale_attn_weights, hf.boolean_or("scale_attn_weights", c.scale_attn_weights));
  for (const char* unsupported : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention"})
    if (hf.is_true(unsupported)) return make_error(src + ": \"" + unsupported + "\": true is not supported");
  return c;
}

}  // namespace hs::model
