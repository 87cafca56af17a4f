// config.json reader for GPT-2 (HuggingFace GPT2Config fields).
#include "model/config.hpp"

#include "json/json.hpp"

namespace hs::model {

namespace {

// A string from the file as a JSON string literal (quotes, control characters
// escaped), so that error messages stay on one line.
std::string quoted(std::string_view s) {
  std::string out;
  json::write_string(out, s);
  return out;
}

// Reads an integer field, trying each alias; `required` fields must be present.
Result<int64_t> read_int(const json::Value& root, std::string_view source,
                         std::initializer_list<const char*> names, bool required,
                         int64_t fallback, int64_t min_value, int64_t max_value) {
  for (const char* name : names) {
    const json::Value* v = root.find(name);
    if (!v || v->is_null()) continue;
    if (!v->is_number() || !v->is_integer)
      return make_error(std::string(source) + ": field \"" + name + "\" must be an integer, got " +
                        json::type_name(v->type));
    if (v->integer < min_value || v->integer > max_value)
      return make_error(std::string(source) + ": field \"" + name + "\" = " + std::to_string(v->integer) +
                        " is out of range [" + std::to_string(min_value) + ", " + std::to_string(max_value) + "]");
    return v->integer;
  }
  if (required)
    return make_error(std::string(source) + ": required field \"" + *names.begin() + "\" is missing");
  return fallback;
}

}  // namespace

Result<Gpt2Config> parse_gpt2_config(std::string_view json_text, std::string_view source) {
  HS_TRY_ASSIGN(json::Value root, json::parse(json_text, source));
  const std::string src(source);
  if (!root.is_object()) return make_error(src + ": expected a JSON object, got " + json::type_name(root.type));

  Gpt2Config c;
  if (const json::Value* mt = root.find("model_type")) {
    if (!mt->is_string()) return make_error(src + ": field \"model_type\" must be a string");
    c.model_type = mt->string;
    if (c.model_type != "gpt2")
      return make_error(src + ": model_type " + quoted(c.model_type) +
                        " is not supported (Headscope reads GPT-2 checkpoints, model_type \"gpt2\")");
  }
  HS_TRY_ASSIGN(c.n_layer, read_int(root, source, {"n_layer", "num_hidden_layers"}, true, 0, 1, 256));
  HS_TRY_ASSIGN(c.n_head, read_int(root, source, {"n_head", "num_attention_heads"}, true, 0, 1, 1024));
  HS_TRY_ASSIGN(c.n_embd, read_int(root, source, {"n_embd", "hidden_size"}, true, 0, 1, 65536));
  HS_TRY_ASSIGN(c.n_positions, read_int(root, source, {"n_positions", "max_position_embeddings", "n_ctx"}, true, 0, 1, 1 << 20));
  HS_TRY_ASSIGN(c.vocab_size, read_int(root, source, {"vocab_size"}, true, 0, 1, 1 << 24));
  HS_TRY_ASSIGN(c.n_inner, read_int(root, source, {"n_inner"}, false, 4 * c.n_embd, 1, 1 << 20));
  if (c.n_embd % c.n_head != 0)
    return make_error(src + ": n_embd (" + std::to_string(c.n_embd) + ") is not divisible by n_head (" +
                      std::to_string(c.n_head) + ")");

  if (const json::Value* eps = root.find("layer_norm_epsilon")) {
    if (!eps->is_number() || !(eps->number > 0.0) || eps->number > 1.0)
      return make_error(src + ": field \"layer_norm_epsilon\" must be a number in (0, 1]");
    c.layer_norm_epsilon = eps->number;
  }
  if (const json::Value* act = root.find("activation_function")) {
    if (!act->is_string()) return make_error(src + ": field \"activation_function\" must be a string");
    c.activation_name = act->string;
    if (act->string == "gelu_new" || act->string == "gelu_pytorch_tanh" || act->string == "gelu_fast")
      c.activation = Activation::GeluTanh;
    else if (act->string == "gelu")
      c.activation = Activation::GeluErf;
    else if (act->string == "relu")
      c.activation = Activation::Relu;
    else
      return make_error(src + ": activation_function " + quoted(act->string) +
                        " is not supported (gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, relu)");
  }
  if (const json::Value* s = root.find("scale_attn_weights")) {
    if (!s->is_bool()) return make_error(src + ": field \"scale_attn_weights\" must be true or false");
    c.scale_attn_weights = s->boolean;
  }
  for (const char* unsupported : {"scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn", "add_cross_attention"}) {
    const json::Value* v = root.find(unsupported);
    if (v && v->is_bool() && v->boolean)
      return make_error(src + ": \"" + unsupported + "\": true is not supported");
  }
  return c;
}

}  // namespace hs::model
