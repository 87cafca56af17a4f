// config.json readers, one per family, on the strict field reader of
// src/formats. Each fills the family-neutral ModelSpec with what its
// HuggingFace config class means by its fields (names and defaults as HF's
// configuration_*.py define them).
#include "model/config.hpp"

#include <cmath>

#include "json/json.hpp"

namespace hs::model {

const char* family_name(Family f) {
  switch (f) {
    case Family::Gpt2: return "gpt2";
    case Family::Llama: return "llama";
    case Family::NeoX: return "gpt_neox";
    case Family::Bert: return "bert";
  }
  return "?";
}

namespace {

using formats::HfConfig;

constexpr const char* kSupportedTypes = "gpt2, llama, mistral, qwen2, gpt_neox, bert, roberta, distilbert";

Status parse_activation(const HfConfig& hf, const char* field, const std::string& fallback, ModelSpec& c) {
  HS_TRY_ASSIGN(std::optional<std::string> act, hf.string(field));
  c.activation_name = act ? *act : fallback;
  const std::string& a = c.activation_name;
  if (a == "gelu_new" || a == "gelu_pytorch_tanh" || a == "gelu_fast") c.activation = Activation::GeluTanh;
  else if (a == "gelu") c.activation = Activation::GeluErf;
  else if (a == "relu") c.activation = Activation::Relu;
  else if (a == "silu" || a == "swish") c.activation = Activation::Silu;
  else
    return make_error(hf.source() + ": " + field + " " + json::quoted(a) +
                      " is not supported (gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu, silu)");
  return {};
}

Status check_heads(const HfConfig& hf, const ModelSpec& c) {
  const std::string& src = hf.source();
  if (c.n_kv_head > c.n_head || c.n_head % c.n_kv_head != 0)
    return make_error(src + ": num_key_value_heads (" + std::to_string(c.n_kv_head) +
                      ") must divide num_attention_heads (" + std::to_string(c.n_head) + ")");
  if (c.rotary && (c.rotary_dims < 2 || c.rotary_dims % 2 != 0 || c.rotary_dims > c.head_dim))
    return make_error(src + ": the rotary dimensions (" + std::to_string(c.rotary_dims) +
                      ") must be even and at most head_dim (" + std::to_string(c.head_dim) + ")");
  return {};
}

// inv_freq[i] = theta^(-2i / dims), then rope_scaling (none, or Llama 3's).
Status rotary_frequencies(const HfConfig& hf, double theta, ModelSpec& c) {
  const std::string& src = hf.source();
  c.inv_freq.resize(static_cast<std::size_t>(c.rotary_dims / 2));
  for (std::size_t i = 0; i < c.inv_freq.size(); ++i)
    c.inv_freq[i] = static_cast<float>(std::pow(theta, -2.0 * double(i) / double(c.rotary_dims)));
  const json::Value* rs = hf.find("rope_scaling");
  if (!rs || rs->is_null()) return {};
  if (!rs->is_object()) return make_error(src + ": field \"rope_scaling\" must be an object or null");
  const json::Value* type = rs->find("rope_type");
  if (!type) type = rs->find("type");
  if (!type || !type->is_string()) return make_error(src + ": rope_scaling has no \"rope_type\"");
  if (type->string == "default") return {};
  if (type->string != "llama3")
    return make_error(src + ": rope_scaling type " + json::quoted(type->string) +
                      " is not supported (supported: llama3, or none)");
  auto num = [&](const char* k) -> Result<double> {
    const json::Value* v = rs->find(k);
    if (!v || !v->is_number() || !(v->number > 0))
      return make_error(src + ": rope_scaling \"" + k + "\" must be a positive number");
    return v->number;
  };
  HS_TRY_ASSIGN(double factor, num("factor"));
  HS_TRY_ASSIGN(double low, num("low_freq_factor"));
  HS_TRY_ASSIGN(double high, num("high_freq_factor"));
  HS_TRY_ASSIGN(double old_len, num("original_max_position_embeddings"));
  if (!(high > low)) return make_error(src + ": rope_scaling high_freq_factor must be above low_freq_factor");
  const double pi = 3.14159265358979323846;
  const double low_wavelen = old_len / low, high_wavelen = old_len / high;
  for (float& f : c.inv_freq) {
    const double freq = f, wavelen = 2 * pi / freq;
    double scaled = wavelen > low_wavelen ? freq / factor : freq;
    if (!(wavelen < high_wavelen) && !(wavelen > low_wavelen)) {  // between: a smooth blend
      const double smooth = (old_len / wavelen - low) / (high - low);
      scaled = (1 - smooth) * scaled / factor + smooth * scaled;
    }
    f = static_cast<float>(scaled);
  }
  return {};
}

Result<ModelSpec> gpt2_spec(const HfConfig& hf, ModelSpec c) {
  const std::string& src = hf.source();
  HS_TRY_ASSIGN(c.n_layer, hf.integer({"n_layer", "num_hidden_layers"}, 1, 256));
  HS_TRY_ASSIGN(c.n_head, hf.integer({"n_head", "num_attention_heads"}, 1, 1024));
  HS_TRY_ASSIGN(c.n_embd, hf.integer({"n_embd", "hidden_size"}, 1, 65536));
  HS_TRY_ASSIGN(c.n_positions, hf.integer({"n_positions", "max_position_embeddings", "n_ctx"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.vocab_size, hf.integer({"vocab_size"}, 1, 1 << 24));
  HS_TRY_ASSIGN(c.n_inner, hf.integer_or({"n_inner"}, 4 * c.n_embd, 1, 1 << 20));
  if (c.n_embd % c.n_head != 0)
    return make_error(src + ": n_embd (" + std::to_string(c.n_embd) + ") is not divisible by n_head (" +
                      std::to_string(c.n_head) + ")");
  c.n_kv_head = c.n_head;
  c.head_dim = c.n_embd / c.n_head;
  HS_TRY_ASSIGN(c.layer_norm_epsilon, hf.number_or("layer_norm_epsilon", 1e-5, 0.0, 1.0));
  HS_TRY(parse_activation(hf, "activation_function", "gelu_new", c));
  if (c.activation == Activation::Silu)
    return make_error(src + ": activation_function " + json::quoted(c.activation_name) + " is not supported for gpt2");
  HS_TRY_ASSIGN(c.scale_attn_weights, hf.boolean_or("scale_attn_weights", true));
  for (const char* unsupported : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention"})
    if (hf.is_true(unsupported)) return make_error(src + ": \"" + unsupported + "\": true is not supported");
  return c;
}

// LlamaConfig, MistralConfig, Qwen2Config.
Result<ModelSpec> llama_spec(const HfConfig& hf, ModelSpec c) {
  const std::string& src = hf.source();
  c.family = Family::Llama;
  HS_TRY_ASSIGN(c.n_layer, hf.integer({"num_hidden_layers"}, 1, 512));
  HS_TRY_ASSIGN(c.n_head, hf.integer({"num_attention_heads"}, 1, 1024));
  HS_TRY_ASSIGN(c.n_embd, hf.integer({"hidden_size"}, 1, 65536));
  HS_TRY_ASSIGN(c.n_kv_head, hf.integer_or({"num_key_value_heads"}, c.n_head, 1, 1024));
  if (c.n_embd % c.n_head != 0 && !hf.find("head_dim"))
    return make_error(src + ": hidden_size (" + std::to_string(c.n_embd) + ") is not divisible by num_attention_heads (" +
                      std::to_string(c.n_head) + ") and head_dim is not given");
  HS_TRY_ASSIGN(c.head_dim, hf.integer_or({"head_dim"}, c.n_embd / c.n_head, 1, 4096));
  HS_TRY_ASSIGN(c.n_inner, hf.integer({"intermediate_size"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.n_positions, hf.integer({"max_position_embeddings"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.vocab_size, hf.integer({"vocab_size"}, 1, 1 << 24));
  HS_TRY_ASSIGN(c.layer_norm_epsilon, hf.number_or("rms_norm_eps", 1e-6, 0.0, 1.0));
  HS_TRY(parse_activation(hf, "hidden_act", "silu", c));
  c.norm = NormKind::Rms;
  c.norm_bias = false;
  c.gated_mlp = true;
  c.learned_positions = false;
  c.final_norm = true;
  HS_TRY_ASSIGN(c.tied_lm_head, hf.boolean_or("tie_word_embeddings", false));
  // biases: Llama's attention_bias / mlp_bias; Qwen2 always has q/k/v biases
  HS_TRY_ASSIGN(bool attention_bias, hf.boolean_or("attention_bias", false));
  HS_TRY_ASSIGN(c.mlp_bias, hf.boolean_or("mlp_bias", false));
  c.qkv_bias = attention_bias || c.model_type == "qwen2";
  c.o_bias = attention_bias && c.model_type == "llama";
  if (c.model_type == "mistral" && attention_bias) c.o_bias = true;
  // sliding window: Mistral's applies to every layer and is honoured; Qwen2's
  // only past max_window_layers, which is not
  if (c.model_type == "qwen2") {
    if (hf.is_true("use_sliding_window"))
      return make_error(src + ": use_sliding_window: true (Qwen2's sliding_window on some layers) is not supported");
  } else {
    HS_TRY_ASSIGN(c.sliding_window, hf.integer_or({"sliding_window"}, 0, 0, int64_t(1) << 40));
  }
  c.rotary = true;
  HS_TRY_ASSIGN(double partial, hf.number_or("partial_rotary_factor", 1.0, 0.0, 1.0));
  c.rotary_dims = static_cast<int64_t>(double(c.head_dim) * partial);
  HS_TRY(check_heads(hf, c));
  HS_TRY_ASSIGN(double theta, hf.number_or("rope_theta", 10000.0, 0.0, 1e12));
  HS_TRY(rotary_frequencies(hf, theta, c));
  return c;
}

// GPTNeoXConfig (Pythia).
Result<ModelSpec> neox_spec(const HfConfig& hf, ModelSpec c) {
  const std::string& src = hf.source();
  c.family = Family::NeoX;
  HS_TRY_ASSIGN(c.n_layer, hf.integer({"num_hidden_layers"}, 1, 512));
  HS_TRY_ASSIGN(c.n_head, hf.integer({"num_attention_heads"}, 1, 1024));
  HS_TRY_ASSIGN(c.n_embd, hf.integer({"hidden_size"}, 1, 65536));
  if (c.n_embd % c.n_head != 0)
    return make_error(src + ": hidden_size (" + std::to_string(c.n_embd) + ") is not divisible by num_attention_heads (" +
                      std::to_string(c.n_head) + ")");
  c.n_kv_head = c.n_head;
  c.head_dim = c.n_embd / c.n_head;
  HS_TRY_ASSIGN(c.n_inner, hf.integer({"intermediate_size"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.n_positions, hf.integer({"max_position_embeddings"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.vocab_size, hf.integer({"vocab_size"}, 1, 1 << 24));
  HS_TRY_ASSIGN(c.layer_norm_epsilon, hf.number_or("layer_norm_eps", 1e-5, 0.0, 1.0));
  HS_TRY(parse_activation(hf, "hidden_act", "gelu", c));
  HS_TRY_ASSIGN(c.parallel_residual, hf.boolean_or("use_parallel_residual", true));
  HS_TRY_ASSIGN(c.tied_lm_head, hf.boolean_or("tie_word_embeddings", false));
  HS_TRY_ASSIGN(bool bias, hf.boolean_or("attention_bias", true));
  c.qkv_bias = c.o_bias = bias;
  c.learned_positions = false;
  c.rotary = true;
  const char* pct_field = hf.find("partial_rotary_factor") ? "partial_rotary_factor" : "rotary_pct";
  HS_TRY_ASSIGN(double pct, hf.number_or(pct_field, 0.25, 0.0, 1.0));
  c.rotary_dims = static_cast<int64_t>(double(c.head_dim) * pct);
  HS_TRY(check_heads(hf, c));
  const char* theta_field = hf.find("rope_theta") ? "rope_theta" : "rotary_emb_base";
  HS_TRY_ASSIGN(double theta, hf.number_or(theta_field, 10000.0, 0.0, 1e12));
  HS_TRY(rotary_frequencies(hf, theta, c));
  return c;
}

// BertConfig, RobertaConfig, DistilBertConfig.
Result<ModelSpec> bert_spec(const HfConfig& hf, ModelSpec c) {
  const std::string& src = hf.source();
  c.family = Family::Bert;
  const bool distil = c.model_type == "distilbert";
  HS_TRY_ASSIGN(c.n_layer, hf.integer({distil ? "n_layers" : "num_hidden_layers"}, 1, 512));
  HS_TRY_ASSIGN(c.n_head, hf.integer({distil ? "n_heads" : "num_attention_heads"}, 1, 1024));
  HS_TRY_ASSIGN(c.n_embd, hf.integer({distil ? "dim" : "hidden_size"}, 1, 65536));
  if (c.n_embd % c.n_head != 0)
    return make_error(src + ": the hidden size (" + std::to_string(c.n_embd) + ") is not divisible by the heads (" +
                      std::to_string(c.n_head) + ")");
  c.n_kv_head = c.n_head;
  c.head_dim = c.n_embd / c.n_head;
  HS_TRY_ASSIGN(c.n_inner, hf.integer({distil ? "hidden_dim" : "intermediate_size"}, 1, 1 << 20));
  HS_TRY_ASSIGN(int64_t max_pos, hf.integer({"max_position_embeddings"}, 1, 1 << 20));
  HS_TRY_ASSIGN(c.vocab_size, hf.integer({"vocab_size"}, 1, 1 << 24));
  HS_TRY_ASSIGN(c.layer_norm_epsilon, hf.number_or("layer_norm_eps", 1e-12, 0.0, 1.0));
  HS_TRY(parse_activation(hf, distil ? "activation" : "hidden_act", "gelu", c));
  HS_TRY_ASSIGN(std::optional<std::string> pos_type, hf.string("position_embedding_type"));
  if (pos_type && *pos_type != "absolute")
    return make_error(src + ": position_embedding_type " + json::quoted(*pos_type) + " is not supported (absolute)");
  if (c.model_type == "roberta") {
    HS_TRY_ASSIGN(int64_t pad, hf.integer_or({"pad_token_id"}, 1, 0, 1 << 24));
    c.position_offset = pad + 1;
  }
  if (max_pos <= c.position_offset)
    return make_error(src + ": max_position_embeddings (" + std::to_string(max_pos) + ") leaves no position");
  c.n_positions = max_pos - c.position_offset;
  c.token_types = !distil;
  if (c.token_types) {
    HS_TRY_ASSIGN(c.n_token_types, hf.integer_or({"type_vocab_size"}, 2, 1, 1 << 16));
  }
  c.causal = false;
  c.post_norm = true;
  c.final_norm = false;
  c.tied_lm_head = true;
  return c;
}

}  // namespace

Result<ModelSpec> parse_model_spec(std::string_view json_text, std::string_view source) {
  HS_TRY_ASSIGN(formats::HfConfig config, formats::HfConfig::parse(json_text, source));
  return parse_model_spec(config);
}

namespace {
// eos_token_id: one id, a list of ids (Llama 3), or absent/null (no end-of-text id).
Result<std::vector<int32_t>> end_of_text_ids(const formats::HfConfig& hf, int64_t vocab_size) {
  std::vector<int32_t> ids;
  const json::Value* v = hf.find("eos_token_id");
  if (!v || v->is_null()) return ids;
  std::vector<const json::Value*> items;
  if (v->is_array())
    for (const json::Value& e : v->items) items.push_back(&e);
  else
    items.push_back(v);
  for (const json::Value* e : items) {
    if (!e->is_integer || e->integer < 0 || e->integer >= vocab_size)
      return make_error(hf.source() + ": eos_token_id must be a token id in [0, vocab_size " +
                        std::to_string(vocab_size) + ") or a list of them");
    ids.push_back(static_cast<int32_t>(e->integer));
  }
  return ids;
}

Result<ModelSpec> family_spec(const formats::HfConfig& hf) {
  ModelSpec c;
  HS_TRY_ASSIGN(std::optional<std::string> model_type, hf.string("model_type"));
  if (model_type) c.model_type = *model_type;
  const std::string& t = c.model_type;
  if (t == "gpt2") return gpt2_spec(hf, std::move(c));
  if (t == "llama" || t == "mistral" || t == "qwen2") return llama_spec(hf, std::move(c));
  if (t == "gpt_neox") return neox_spec(hf, std::move(c));
  if (t == "bert" || t == "roberta" || t == "distilbert") return bert_spec(hf, std::move(c));
  return make_error(hf.source() + ": model_type " + json::quoted(t) + " is not supported (supported: " +
                    kSupportedTypes + ")");
}
}  // namespace

Result<ModelSpec> parse_model_spec(const formats::HfConfig& hf) {
  HS_TRY_ASSIGN(ModelSpec c, family_spec(hf));
  HS_TRY_ASSIGN(c.eos_token_ids, end_of_text_ids(hf, c.vocab_size));
  return c;
}

}  // namespace hs::model
