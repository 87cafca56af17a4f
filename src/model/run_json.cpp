// JSON writers for the CLI contract.
#include "model/run_json.hpp"

#include "json/writer.hpp"

namespace hs::model {

std::string tokenize_json(const std::vector<int32_t>& ids, const std::vector<std::string>& tokens) {
  json::Writer w;
  w.begin_object().key("ids").array(ids).key("tokens").array(tokens).end_object();
  return w.take();
}

namespace {
// An [L, H, T, T] array of the run as nested [L][H][T][T] JSON arrays.
void write_heads_matrices(json::Writer& w, const std::vector<float>& a, const RunResult& r) {
  const std::size_t T = r.T;
  w.begin_array();
  for (int l = 0; l < r.n_layer; ++l) {
    w.begin_array();
    for (int h = 0; h < r.n_head; ++h) {
      w.begin_array();
      for (std::size_t i = 0; i < T; ++i) w.array(a.data() + ((std::size_t(l) * r.n_head + h) * T + i) * T, T);
      w.end_array();
    }
    w.end_array();
  }
  w.end_array();
}
}  // namespace

std::string run_json(const RunResult& r) {
  json::Writer w;
  w.begin_object();
  w.key("ids").array(r.ids).key("tokens").array(r.tokens);
  w.field("family", family_name(r.family)).field("n_layer", r.n_layer).field("n_head", r.n_head);
  w.field("n_kv_head", r.n_kv_head).field("causal", r.causal);
  w.field("truncated", r.truncated).field("nonfinite", r.nonfinite);
  w.key("attention");
  write_heads_matrices(w, r.attention, r);
  if (!r.value_weighted.empty()) {
    w.key("value_weighted");
    write_heads_matrices(w, r.value_weighted, r);
  }
  w.key("logits_last").array(r.logits_last);
  w.end_object();
  return w.take();
}

std::string score_json(const Model::Score& s) {
  json::Writer w;
  w.begin_object().field("tokens", s.tokens).field("mean_nll", s.mean_nll).field("truncated", s.truncated).end_object();
  return w.take();
}

}  // namespace hs::model
