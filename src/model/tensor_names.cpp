// The tensor tables of the four families (HF names as the *ForCausalLM /
// *ForMaskedLM classes save them; the prefix of the base model is optional).
#include "model/tensor_names.hpp"

namespace hs::model {

namespace {

using Shape = std::vector<int64_t>;

// Builds one family's slots: names are given without the base model's prefix.
class Table {
 public:
  Table(std::vector<std::string> prefixes, std::vector<WeightSlot>& out) : prefixes_(std::move(prefixes)), out_(out) {}

  // Every spelling of a name: with each prefix ("" means none), and with the
  // legacy LayerNorm names gamma/beta for weight/bias when `legacy_ln`.
  std::vector<std::string> names(const std::string& name, bool prefixed = true) const {
    std::vector<std::string> bases = {name};
    for (const char* norm : {"LayerNorm.", "layer_norm."}) {
      const auto at = name.rfind(norm);
      if (at == std::string::npos) continue;
      const std::size_t cut = at + std::string(norm).size();
      const std::string head = name.substr(0, cut), tail = name.substr(cut);
      if (tail == "weight") bases.push_back(head + "gamma");
      if (tail == "bias") bases.push_back(head + "beta");
    }
    std::vector<std::string> out;
    for (const std::string& p : prefixed ? prefixes_ : std::vector<std::string>{""})
      for (const std::string& b : bases) out.push_back(p + b);
    return out;
  }

  // A vector (or a small table) stored as one tensor in its own layout.
  void plain(FloatBuffer& dest, const std::string& name, Shape shape, bool optional = false, bool prefixed = true) {
    out_.push_back(stored_as_is(name, std::move(shape), optional, prefixed));
    out_.back().dest = &dest;
  }

  // An embedding table (or an untied LM head) stored as one tensor.
  void plain(WeightArray& dest, const std::string& name, Shape shape, bool optional = false, bool prefixed = true) {
    out_.push_back(stored_as_is(name, std::move(shape), optional, prefixed));
    out_.back().array = &dest;
  }

  // A matrix [K, N] (packed), from parts.
  void matrix(WeightArray& dest, Shape shape, std::vector<TensorPart> parts, bool optional = false) {
    WeightSlot s;
    s.array = &dest;
    s.shape = shape;
    s.matrix = true;
    s.optional = optional;
    s.group = group_;
    s.parts = std::move(parts);
    out_.push_back(std::move(s));
  }

  // A Linear weight [out, in] placed as the [in, out] matrix.
  void linear(WeightArray& dest, const std::string& name, int64_t in, int64_t out, bool optional = false,
              bool prefixed = true) {
    matrix(dest, {in, out}, {part(name, {out, in}, Placement::Transposed, 0, prefixed)}, optional);
  }

  // A vector [n] from parts.
  void vector(FloatBuffer& dest, int64_t n, std::vector<TensorPart> parts, bool optional = false) {
    WeightSlot s;
    s.dest = &dest;
    s.shape = {n};
    s.optional = optional;
    s.group = group_;
    s.parts = std::move(parts);
    out_.push_back(std::move(s));
  }

  TensorPart part(const std::string& name, Shape shape, Placement placement, int64_t offset, bool prefixed = true) const {
    return {names(name, prefixed), std::move(shape), placement, offset};
  }

  void set_group(std::string g) { group_ = std::move(g); }

 private:
  WeightSlot stored_as_is(const std::string& name, Shape shape, bool optional, bool prefixed) const {
    WeightSlot s;
    s.shape = shape;
    s.optional = optional;
    s.group = group_;
    s.parts.push_back({names(name, prefixed), shape, Placement::AsStored, 0});
    return s;
  }

  std::vector<std::string> prefixes_;
  std::vector<WeightSlot>& out_;
  std::string group_;
};

std::string layer(const char* stem, int64_t l) { return std::string(stem) + std::to_string(l) + "."; }

void gpt2_table(const ModelSpec& c, Weights& w, std::vector<WeightSlot>& out) {
  const int64_t C = c.n_embd, V = c.vocab_size, P = c.n_positions, F = c.n_inner;
  Table t({"", "transformer."}, out);
  t.plain(w.tok_emb, "wte.weight", {V, C});
  t.plain(w.pos_emb, "wpe.weight", {P, C});
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string p = layer("h.", l);
    LayerWeights& L = w.layers[l];
    t.plain(L.norm1_g, p + "ln_1.weight", {C});
    t.plain(L.norm1_b, p + "ln_1.bias", {C});
    t.matrix(L.qkv_w, {C, 3 * C}, {t.part(p + "attn.c_attn.weight", {C, 3 * C}, Placement::AsStored, 0)});
    t.plain(L.qkv_b, p + "attn.c_attn.bias", {3 * C});
    t.matrix(L.o_w, {C, C}, {t.part(p + "attn.c_proj.weight", {C, C}, Placement::AsStored, 0)});
    t.plain(L.o_b, p + "attn.c_proj.bias", {C});
    t.plain(L.norm2_g, p + "ln_2.weight", {C});
    t.plain(L.norm2_b, p + "ln_2.bias", {C});
    t.matrix(L.up_w, {C, F}, {t.part(p + "mlp.c_fc.weight", {C, F}, Placement::AsStored, 0)});
    t.plain(L.up_b, p + "mlp.c_fc.bias", {F});
    t.matrix(L.down_w, {F, C}, {t.part(p + "mlp.c_proj.weight", {F, C}, Placement::AsStored, 0)});
    t.plain(L.down_b, p + "mlp.c_proj.bias", {C});
  }
  t.plain(w.final_norm_g, "ln_f.weight", {C});
  t.plain(w.final_norm_b, "ln_f.bias", {C});
  t.plain(w.lm_head, "lm_head.weight", {V, C}, /*optional=*/true);
}

// LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM.
void llama_table(const ModelSpec& c, Weights& w, std::vector<WeightSlot>& out) {
  const int64_t C = c.n_embd, V = c.vocab_size, F = c.n_inner, Q = c.q_width(), KV = c.kv_width();
  Table t({"model.", ""}, out);
  t.plain(w.tok_emb, "embed_tokens.weight", {V, C});
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string p = layer("layers.", l);
    LayerWeights& L = w.layers[l];
    t.plain(L.norm1_g, p + "input_layernorm.weight", {C});
    t.matrix(L.qkv_w, {C, Q + 2 * KV},
             {t.part(p + "self_attn.q_proj.weight", {Q, C}, Placement::Transposed, 0),
              t.part(p + "self_attn.k_proj.weight", {KV, C}, Placement::Transposed, Q),
              t.part(p + "self_attn.v_proj.weight", {KV, C}, Placement::Transposed, Q + KV)});
    if (c.qkv_bias)
      t.vector(L.qkv_b, Q + 2 * KV,
               {t.part(p + "self_attn.q_proj.bias", {Q}, Placement::AsStored, 0),
                t.part(p + "self_attn.k_proj.bias", {KV}, Placement::AsStored, Q),
                t.part(p + "self_attn.v_proj.bias", {KV}, Placement::AsStored, Q + KV)});
    t.linear(L.o_w, p + "self_attn.o_proj.weight", Q, C);
    if (c.o_bias) t.plain(L.o_b, p + "self_attn.o_proj.bias", {C});
    t.plain(L.norm2_g, p + "post_attention_layernorm.weight", {C});
    t.matrix(L.up_w, {C, 2 * F},
             {t.part(p + "mlp.gate_proj.weight", {F, C}, Placement::Transposed, 0),
              t.part(p + "mlp.up_proj.weight", {F, C}, Placement::Transposed, F)});
    if (c.mlp_bias)
      t.vector(L.up_b, 2 * F,
               {t.part(p + "mlp.gate_proj.bias", {F}, Placement::AsStored, 0),
                t.part(p + "mlp.up_proj.bias", {F}, Placement::AsStored, F)});
    t.linear(L.down_w, p + "mlp.down_proj.weight", F, C);
    if (c.mlp_bias) t.plain(L.down_b, p + "mlp.down_proj.bias", {C});
  }
  t.plain(w.final_norm_g, "norm.weight", {C});
  t.plain(w.lm_head, "lm_head.weight", {V, C}, /*optional=*/c.tied_lm_head, /*prefixed=*/false);
}

// GPTNeoXForCausalLM (Pythia).
void neox_table(const ModelSpec& c, Weights& w, std::vector<WeightSlot>& out) {
  const int64_t C = c.n_embd, V = c.vocab_size, F = c.n_inner;
  Table t({"gpt_neox.", ""}, out);
  t.plain(w.tok_emb, "embed_in.weight", {V, C});
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string p = layer("layers.", l);
    LayerWeights& L = w.layers[l];
    t.plain(L.norm1_g, p + "input_layernorm.weight", {C});
    t.plain(L.norm1_b, p + "input_layernorm.bias", {C});
    t.matrix(L.qkv_w, {C, 3 * C}, {t.part(p + "attention.query_key_value.weight", {3 * C, C}, Placement::NeoxQkv, 0)});
    if (c.qkv_bias)
      t.vector(L.qkv_b, 3 * C, {t.part(p + "attention.query_key_value.bias", {3 * C}, Placement::NeoxQkv, 0)});
    t.linear(L.o_w, p + "attention.dense.weight", C, C);
    if (c.o_bias) t.plain(L.o_b, p + "attention.dense.bias", {C});
    t.plain(L.norm2_g, p + "post_attention_layernorm.weight", {C});
    t.plain(L.norm2_b, p + "post_attention_layernorm.bias", {C});
    t.linear(L.up_w, p + "mlp.dense_h_to_4h.weight", C, F);
    t.plain(L.up_b, p + "mlp.dense_h_to_4h.bias", {F});
    t.linear(L.down_w, p + "mlp.dense_4h_to_h.weight", F, C);
    t.plain(L.down_b, p + "mlp.dense_4h_to_h.bias", {C});
  }
  t.plain(w.final_norm_g, "final_layer_norm.weight", {C});
  t.plain(w.final_norm_b, "final_layer_norm.bias", {C});
  t.plain(w.lm_head, "embed_out.weight", {V, C}, /*optional=*/c.tied_lm_head, /*prefixed=*/false);
}

// The BERT-style encoders differ only in names: one row per model type.
struct EncoderNames {
  const char* prefix;       // the base model's ("bert.", ...)
  const char* layer;        // "encoder.layer."
  const char* q, *k, *v, *o, *norm1, *up, *down, *norm2;  // within a layer, without ".weight"/".bias"
  const char* head_dense, *head_norm, *head_bias, *decoder;  // the masked-LM head (top-level names)
  const char* head_bias_alt;
};

const EncoderNames kBert = {"bert.", "encoder.layer.", "attention.self.query", "attention.self.key",
                            "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                            "intermediate.dense", "output.dense", "output.LayerNorm",
                            "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                            "cls.predictions.bias", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias"};
const EncoderNames kRoberta = {"roberta.", "encoder.layer.", "attention.self.query", "attention.self.key",
                               "attention.self.value", "attention.output.dense", "attention.output.LayerNorm",
                               "intermediate.dense", "output.dense", "output.LayerNorm", "lm_head.dense",
                               "lm_head.layer_norm", "lm_head.bias", "lm_head.decoder.weight", "lm_head.decoder.bias"};
const EncoderNames kDistilbert = {"distilbert.", "transformer.layer.", "attention.q_lin", "attention.k_lin",
                                  "attention.v_lin", "attention.out_lin", "sa_layer_norm", "ffn.lin1", "ffn.lin2",
                                  "output_layer_norm", "vocab_transform", "vocab_layer_norm", "vocab_projector.bias",
                                  "vocab_projector.weight", "vocab_projector.bias"};

// BertForMaskedLM, RobertaForMaskedLM, DistilBertForMaskedLM (and their base models, without the head).
void encoder_table(const ModelSpec& c, const EncoderNames& n, Weights& w, std::vector<WeightSlot>& out) {
  const int64_t C = c.n_embd, V = c.vocab_size, F = c.n_inner;
  const std::string W = ".weight", B = ".bias";
  Table t({n.prefix, ""}, out);
  t.plain(w.tok_emb, "embeddings.word_embeddings.weight", {V, C});
  t.plain(w.pos_emb, "embeddings.position_embeddings.weight", {c.position_offset + c.n_positions, C});
  if (c.token_types) t.plain(w.type_emb, "embeddings.token_type_embeddings.weight", {c.n_token_types, C});
  t.plain(w.emb_norm_g, "embeddings.LayerNorm.weight", {C});
  t.plain(w.emb_norm_b, "embeddings.LayerNorm.bias", {C});
  for (int64_t l = 0; l < c.n_layer; ++l) {
    const std::string p = layer(n.layer, l);
    LayerWeights& L = w.layers[l];
    t.matrix(L.qkv_w, {C, 3 * C},
             {t.part(p + n.q + W, {C, C}, Placement::Transposed, 0), t.part(p + n.k + W, {C, C}, Placement::Transposed, C),
              t.part(p + n.v + W, {C, C}, Placement::Transposed, 2 * C)});
    t.vector(L.qkv_b, 3 * C,
             {t.part(p + n.q + B, {C}, Placement::AsStored, 0), t.part(p + n.k + B, {C}, Placement::AsStored, C),
              t.part(p + n.v + B, {C}, Placement::AsStored, 2 * C)});
    t.linear(L.o_w, p + n.o + W, C, C);
    t.plain(L.o_b, p + n.o + B, {C});
    t.plain(L.norm1_g, p + n.norm1 + W, {C});
    t.plain(L.norm1_b, p + n.norm1 + B, {C});
    t.linear(L.up_w, p + n.up + W, C, F);
    t.plain(L.up_b, p + n.up + B, {F});
    t.linear(L.down_w, p + n.down + W, F, C);
    t.plain(L.down_b, p + n.down + B, {C});
    t.plain(L.norm2_g, p + n.norm2 + W, {C});
    t.plain(L.norm2_b, p + n.norm2 + B, {C});
  }
  // the masked-LM head: top-level names (no base-model prefix), all there or all absent
  t.set_group("the masked-LM head");
  t.linear(w.mlm_w, std::string(n.head_dense) + W, C, C, true, false);
  t.plain(w.mlm_b, std::string(n.head_dense) + B, {C}, true, false);
  t.plain(w.mlm_norm_g, std::string(n.head_norm) + W, {C}, true, false);
  t.plain(w.mlm_norm_b, std::string(n.head_norm) + B, {C}, true, false);
  t.vector(w.mlm_bias, V, {{{n.head_bias, n.head_bias_alt}, {V}, Placement::AsStored, 0}}, true);
  t.set_group("");
  t.plain(w.lm_head, n.decoder, {V, C}, /*optional=*/true, /*prefixed=*/false);  // when not tied
}

}  // namespace

std::vector<WeightSlot> weight_slots(const ModelSpec& spec, Weights& w) {
  w.layers.resize(static_cast<std::size_t>(spec.n_layer));
  std::vector<WeightSlot> out;
  switch (spec.family) {
    case Family::Gpt2: gpt2_table(spec, w, out); break;
    case Family::Llama: llama_table(spec, w, out); break;
    case Family::NeoX: neox_table(spec, w, out); break;
    case Family::Bert:
      encoder_table(spec, spec.model_type == "distilbert" ? kDistilbert : spec.model_type == "roberta" ? kRoberta : kBert,
                    w, out);
      break;
  }
  return out;
}

}  // namespace hs::model
