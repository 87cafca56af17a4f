// src/wasm — the exported C API of the WebAssembly module: thin marshalling
// between JavaScript and src/model. web/headscope-api.mjs is its only caller.
//
// Handles. A loaded model is a handle; so is every run. A run keeps all it
// computed (attention, logits, hidden states, intermediates) until it is freed
// with hs_run_free, or its model is; JS asks for any of its arrays by name, in
// place (views of the heap must be re-created after any call that can grow
// memory). hs_run_meta says which arrays a run has and their shapes.
//
// Errors. Every call that can fail returns 0 or a null pointer and leaves its
// message in hs_last_error(); web/headscope-api.mjs turns that into a JS Error
// with the same text. Returned strings stay valid until the next call that
// returns a string.
//
// Safetensors bytes are pulled, tensor by tensor, through the JS function
// Module.hsReadBytes(readerId, offset, n, dstPtr) (synchronous: a Web Worker
// reads File slices with FileReaderSync, Node and fetched models copy from an
// ArrayBuffer), so a model is never held twice in memory.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <string>

#include "json/writer.hpp"
#include "kernels/kernels.hpp"
#include "kernels/thread_pool.hpp"
#include "model/generate.hpp"
#include "model/head_roles.hpp"
#include "model/loader.hpp"
#include "model/logit_lens.hpp"
#include "model/run_json.hpp"

using namespace hs;

EM_JS(int, hs_js_read_bytes, (int reader, double offset, double n, unsigned char* dst), {
  return Module.hsReadBytes(reader, offset, n, dst >>> 0);
});
EM_JS(void, hs_js_progress, (int reader, double done, double total), {
  if (Module.hsProgress) Module.hsProgress(reader, done, total);
});

namespace {

struct LoadedModel {
  std::unique_ptr<model::Model> model;
  std::string probe_roles;  // cached: the induction probe does not depend on the text
};

struct Run {
  int model = 0;              // the model's handle
  model::RunResult result;
  std::vector<float> logits;  // hs_run_logits_at's answer
  std::optional<model::LogitLens> lens;  // the logit lens, as far as hs_run_lens_step got
  model::HeadRowSums role_rows;  // hs_run_roles_json's row sums: the next run that reuses rows takes them
};

// The role row sums a new run can take from the run it reused its first `reused` rows from.
model::HeadRowSums role_rows_from(const Run* from, std::size_t reused) {
  return from && reused > 0 ? from->role_rows.prefix(reused) : model::HeadRowSums{};
}

std::map<int, LoadedModel> g_models;
std::map<int, Run> g_runs;
int g_next_handle = 1;  // models and runs never share a number
std::string g_error;
std::string g_text;     // the last string returned

int set_error(const std::string& m) {
  g_error = m;
  return 0;
}

const char* give(std::string s) {
  g_text = std::move(s);
  return g_text.c_str();
}

const char* give(Result<std::string> r) {
  if (!r) {
    set_error(r.error().message);
    return nullptr;
  }
  return give(std::move(r.value()));
}

std::optional<std::string> maybe_string(const char* p, int n) {
  if (!p || n < 0) return std::nullopt;
  return std::string(p, static_cast<std::size_t>(n));
}

LoadedModel* find_model(int handle) {
  auto it = g_models.find(handle);
  if (it == g_models.end()) {
    set_error("no model with handle " + std::to_string(handle) + " (it was freed or never loaded)");
    return nullptr;
  }
  return &it->second;
}

Run* find_run(int handle) {
  auto it = g_runs.find(handle);
  if (it == g_runs.end()) {
    set_error("no run with handle " + std::to_string(handle) + " (it was freed, or its model was)");
    return nullptr;
  }
  return &it->second;
}

const model::Model& model_of(const Run& r) { return *g_models.at(r.model).model; }

Result<model::RunOptions> options_from(const char* json_text) {
  return model::run_options_from_json(json_text ? std::string_view(json_text) : std::string_view());
}

// A run's arrays: name, the vector, its shape.
struct ArrayRef {
  const char* name;
  const std::vector<float>* data;
  std::vector<std::size_t> shape;
};

std::vector<ArrayRef> arrays_of(const model::RunResult& r) {
  const std::size_t L = r.n_layer, H = r.n_head, T = r.T, C = r.n_embd, V = r.vocab_size;
  const std::size_t Q = std::size_t(r.n_head) * r.head_dim, KV = std::size_t(r.n_kv_head) * r.head_dim;
  std::vector<ArrayRef> all = {
      {"attention", &r.attention, {L, H, T, T}},
      {"logits_last", &r.logits_last, {V}},
      {"logits_all", &r.logits_all, {T, V}},
      {"final_hidden", &r.final_hidden, {T, C}},
      {"score_scale", &r.score_scale, {L, H}},
      {"value_weighted", &r.value_weighted, {L, H, T, T}},
      {"qkv", &r.qkv, {L, T, Q + 2 * KV}},
      {"scores", &r.scores, {L, H, T, T}},
      {"head_out", &r.head_out, {L, T, Q}},
  };
  std::vector<ArrayRef> present;
  for (auto& a : all)
    if (!a.data->empty() && (a.data != &r.logits_all || r.logits_all_rows == T)) present.push_back(std::move(a));
  return present;
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* hs_last_error() { return g_error.c_str(); }

EMSCRIPTEN_KEEPALIVE void* hs_alloc(int n) { return std::malloc(n > 0 ? static_cast<std::size_t>(n) : 1); }
EMSCRIPTEN_KEEPALIVE void hs_free(void* p) { std::free(p); }

// The threads the kernels use: n (>= 1; the threaded build can start as many as
// its worker pool, hsThreads - 1, plus its own thread; the other builds stay at
// 1). Returns the count now in use.
EMSCRIPTEN_KEEPALIVE int hs_set_threads(int n) {
  hs::kernels::set_thread_count(n > 1 ? static_cast<std::size_t>(n) : 1);
  return static_cast<int>(hs::kernels::thread_count());
}

// Which SIMD the module was built for, and a kernel self-check: attention and
// GEMM against a double-precision loop on a small case. Returns JSON.
EMSCRIPTEN_KEEPALIVE const char* hs_selfcheck() {
  const std::size_t T = 5, C = 12, H = 3, N = 7;
  std::vector<float> qkv(T * 3 * C), out(T * C), probs(H * T * T), wt(C * N), y(T * N);
  for (std::size_t i = 0; i < qkv.size(); ++i) qkv[i] = std::sin(0.37 * i);
  for (std::size_t i = 0; i < wt.size(); ++i) wt[i] = std::cos(0.11 * i);
  kernels::attention(qkv.data(), qkv.data() + C, qkv.data() + 2 * C, 3 * C, out.data(), probs.data(), nullptr, T, C,
                     H, {});
  kernels::gemm_bias(qkv.data(), wt.data(), nullptr, y.data(), T, C, N);  // the first T*C floats as [T, C]
  double max_err = 0.0;
  for (std::size_t i = 0; i < T; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < C; ++k) s += double(qkv[i * C + k]) * wt[k * N + j];
      max_err = std::max(max_err, std::abs(s - y[i * N + j]));
    }
  const std::size_t dk = C / H;
  for (std::size_t h = 0; h < H; ++h)
    for (std::size_t i = 0; i < T; ++i) {
      double mx = -1e300, z = 0;
      std::vector<double> s(i + 1);
      for (std::size_t j = 0; j <= i; ++j) {
        double d = 0;
        for (std::size_t e = 0; e < dk; ++e) d += double(qkv[i * 3 * C + h * dk + e]) * qkv[j * 3 * C + C + h * dk + e];
        s[j] = d / std::sqrt(double(dk));
        mx = std::max(mx, s[j]);
      }
      for (std::size_t j = 0; j <= i; ++j) z += std::exp(s[j] - mx);
      for (std::size_t j = 0; j <= i; ++j)
        max_err = std::max(max_err, std::abs(std::exp(s[j] - mx) / z - probs[(h * T + i) * T + j]));
    }
  json::Writer w;
  w.begin_object().field("arch", kernels::simd_arch_name()).field("lanes", kernels::simd_lanes());
  w.field("max_error", max_err).field("ok", max_err < 1e-4).end_object();
  return give(w.take());
}

// Load a model. Text files are passed as (pointer, length) with length -1 for
// "absent". The safetensors file is read through reader `reader_id`. `weights`
// says how matrices and tables are kept: "stored" (or null), "f32", "compact16".
EMSCRIPTEN_KEEPALIVE int hs_model_load(const char* config, int config_len, const char* tokenizer_json,
                                       int tokenizer_len, const char* vocab_json, int vocab_len,
                                       const char* merges_txt, int merges_len, double safetensors_size,
                                       int reader_id, const char* weights) {
  model::ModelFiles files;
  if (!config || config_len < 0) return set_error("config.json is missing");
  if (weights && *weights) {
    auto storage = model::weight_storage_from_name(weights);
    if (!storage) return set_error(std::string("weights \"") + weights + "\": expected stored, f32 or compact16");
    files.storage = *storage;
  }
  files.config_json.assign(config, static_cast<std::size_t>(config_len));
  files.tokenizer_json = maybe_string(tokenizer_json, tokenizer_len);
  files.vocab_json = maybe_string(vocab_json, vocab_len);
  files.merges_txt = maybe_string(merges_txt, merges_len);
  files.safetensors_size = static_cast<uint64_t>(safetensors_size);
  files.safetensors_read = [reader_id](uint64_t offset, uint64_t n, unsigned char* dst) -> Status {
    if (!hs_js_read_bytes(reader_id, double(offset), double(n), dst))
      return make_error("could not read " + std::to_string(n) + " bytes at offset " + std::to_string(offset));
    return {};
  };
  auto m = model::load_model(files, [reader_id](uint64_t done, uint64_t total) {
    hs_js_progress(reader_id, double(done), double(total));
  });
  if (!m) return set_error(m.error().message);
  const int handle = g_next_handle++;
  g_models[handle].model = std::move(m.value());
  return handle;
}

// Frees the model and every run of it.
EMSCRIPTEN_KEEPALIVE void hs_model_free(int handle) {
  for (auto it = g_runs.begin(); it != g_runs.end();)
    it = it->second.model == handle ? g_runs.erase(it) : std::next(it);
  g_models.erase(handle);
}

// {"family","model_type","n_layer","n_head","n_kv_head","head_dim","n_embd","causal",
//  "has_predictions","n_positions","vocab_size","n_inner","activation","scale_attn_weights",
//  "nonfinite_weights", "weights": {"storage", "bytes", "f32_bytes", "arrays_16bit",
//  "arrays_f32", "arrays_compacted", "compact_max_rel_error"}}
EMSCRIPTEN_KEEPALIVE const char* hs_model_info(int handle) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  const auto& c = m->model->config();
  json::Writer w;
  w.begin_object().field("family", model::family_name(c.family)).field("model_type", c.model_type);
  w.field("n_layer", c.n_layer).field("n_head", c.n_head).field("n_kv_head", c.n_kv_head);
  w.field("head_dim", c.head_dim).field("n_embd", c.n_embd).field("causal", c.causal);
  w.field("has_predictions", m->model->weights().has_lm_head);
  w.field("n_positions", c.n_positions).field("vocab_size", c.vocab_size).field("n_inner", c.n_inner);
  w.field("activation", c.activation_name).field("scale_attn_weights", c.scale_attn_weights);
  const model::Weights& wt = m->model->weights();
  w.field("nonfinite_weights", wt.has_nonfinite);
  w.key("weights").begin_object().field("storage", model::weight_storage_name(wt.storage));
  w.field("bytes", double(wt.bytes)).field("f32_bytes", double(wt.f32_bytes));
  w.field("arrays_16bit", wt.arrays_16bit).field("arrays_f32", wt.arrays_f32);
  w.field("arrays_compacted", wt.arrays_compacted).field("compact_max_rel_error", wt.compact_max_rel_error);
  w.end_object().end_object();
  return give(w.take());
}

// Tokens of the text; options as hs_run's (only "special" matters here).
EMSCRIPTEN_KEEPALIVE const char* hs_tokenize_json(int handle, const char* text, int len, const char* options_json) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  auto opt = options_from(options_json);
  if (!opt) return give(Result<std::string>(opt.error()));
  std::vector<int32_t> ids = m->model->tokenizer().encode(std::string_view(text, len), opt->special);
  std::vector<std::string> tokens;
  for (int32_t id : ids) tokens.push_back(m->model->tokenizer().token_text(id));
  return give(model::tokenize_json(ids, tokens));
}

// The display text of every vocabulary entry, as a JSON array (for the
// next-token view).
EMSCRIPTEN_KEEPALIVE const char* hs_vocab_json(int handle) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  const auto& tok = m->model->tokenizer();
  json::Writer w;
  w.begin_array();
  for (std::size_t i = 0; i < static_cast<std::size_t>(m->model->config().vocab_size); ++i)
    w.value(i < tok.vocab_size() ? tok.token_text(int32_t(i)) : std::string());
  w.end_array();
  return give(w.take());
}

// ---------------------------------------------------------------- runs

// Runs the model on the text; returns the run's handle (0 on error). `previous`
// (0: none) is an earlier run of the same model whose unchanged prefix this run
// may reuse (see Model::run); it stays valid, unless `take_previous` is 1: then
// the new run takes its arrays (Model::run_taking: no copy of the reused rows) and
// `previous` is freed when the run succeeds (on an error it stays as it was).
EMSCRIPTEN_KEEPALIVE int hs_run(int handle, const char* text, int len, const char* options_json, int previous,
                                int take_previous) {
  LoadedModel* m = find_model(handle);
  if (!m) return 0;
  auto opt = options_from(options_json);
  if (!opt) return set_error(opt.error().message);
  Run* prev = nullptr;
  if (previous) {
    auto it = g_runs.find(previous);
    if (it != g_runs.end() && it->second.model == handle) prev = &it->second;
  }
  const std::string_view t(text, len);
  auto r = prev && take_previous ? m->model->run_taking(t, opt.value(), prev->result)
                                 : m->model->run(t, opt.value(), prev ? &prev->result : nullptr);
  if (!r) return set_error(r.error().message);
  model::HeadRowSums role_rows = role_rows_from(prev, r->reused);
  if (prev && take_previous) g_runs.erase(previous);
  const int run = g_next_handle++;
  g_runs[run] = Run{handle, std::move(r.value()), {}, std::nullopt, std::move(role_rows)};
  return run;
}

EMSCRIPTEN_KEEPALIVE void hs_run_free(int run) { g_runs.erase(run); }

// {"ids","tokens","T","family","n_layer","n_head","n_kv_head","head_dim","n_embd","causal",
//  "reused","vocab_size","truncated","nonfinite","n_tokens_in_text","arrays":{NAME: [shape...]}}:
//  every array hs_run_array can give now ("reused": leading positions taken from the previous run).
EMSCRIPTEN_KEEPALIVE const char* hs_run_meta(int run) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  const auto& res = r->result;
  json::Writer w;
  w.begin_object().key("ids").array(res.ids).key("tokens").array(res.tokens);
  w.field("T", res.T).field("family", model::family_name(res.family)).field("n_layer", res.n_layer);
  w.field("n_head", res.n_head).field("n_kv_head", res.n_kv_head).field("head_dim", res.head_dim);
  w.field("n_embd", res.n_embd).field("causal", res.causal).field("reused", res.reused);
  w.field("vocab_size", res.vocab_size).field("truncated", res.truncated).field("nonfinite", res.nonfinite);
  w.field("n_tokens_in_text", res.n_tokens_in_text);
  w.key("arrays").begin_object();
  for (const ArrayRef& a : arrays_of(res)) w.key(a.name).array(a.shape);
  w.end_object().end_object();
  return give(w.take());
}

// A pointer to one of the run's float32 arrays, by the name hs_run_meta lists.
EMSCRIPTEN_KEEPALIVE const float* hs_run_array(int run, const char* name) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  const std::string_view want(name ? name : "");
  for (const ArrayRef& a : arrays_of(r->result))
    if (want == a.name) return a.data->data();
  set_error("run " + std::to_string(run) + " has no array \"" + std::string(want) + "\"");
  return nullptr;
}

// The CLI contract's JSON of the run.
EMSCRIPTEN_KEEPALIVE const char* hs_run_json(int run) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  return give(model::run_json(r->result));
}

// Every position's next-token logits of the run, from its final hidden states
// (no new forward pass); afterwards the run has the array "logits_all".
EMSCRIPTEN_KEEPALIVE int hs_run_fill_all_logits(int run) {
  Run* r = find_run(run);
  if (!r) return 0;
  Status st = model_of(*r).fill_all_logits(r->result);
  if (!st.ok()) return set_error(st.error().message);
  return 1;
}

// The run's mean next-token NLL as the CLI's score JSON, from the run's own
// logits (fills "logits_all"; no new forward pass).
EMSCRIPTEN_KEEPALIVE const char* hs_run_loss_json(int run) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  auto s = model_of(*r).loss(r->result);
  if (!s) return give(Result<std::string>(s.error()));
  return give(model::score_json(s.value()));
}

// Next-token logits [V] at `position` of the run; valid until the next call for this run.
EMSCRIPTEN_KEEPALIVE const float* hs_run_logits_at(int run, int position) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  if (position < 0) {
    set_error("logits_at: negative position");
    return nullptr;
  }
  auto l = model_of(*r).logits_at(r->result, static_cast<std::size_t>(position));
  if (!l) {
    set_error(l.error().message);
    return nullptr;
  }
  r->logits = std::move(l.value());
  return r->logits.data();
}

// Head-role scores of the run (head_scores_json).
EMSCRIPTEN_KEEPALIVE const char* hs_run_roles_json(int run) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  return give(model::head_scores_json(model::score_heads(r->result, r->role_rows), r->result.n_layer, r->result.n_head));
}

// ---------------------------------------------------------------- the logit lens

// One more layer of the run's logit lens with `top` tokens per position (the first call,
// or one with another `top`, begins it with the last layer): returns how many layers are
// still to compute, -1 on error. The run must have been made with the option "lens" (it
// keeps the residual stream). The worker calls it once per queue step.
EMSCRIPTEN_KEEPALIVE int hs_run_lens_step(int run, int top) {
  Run* r = find_run(run);
  if (!r) return -1;
  if (top < 1) {
    set_error("logit lens: top must be at least 1, not " + std::to_string(top));
    return -1;
  }
  const model::Model& m = model_of(*r);
  if (!r->lens || r->lens->top != std::size_t(top)) {
    auto begun = model::logit_lens_begin(m, r->result, static_cast<std::size_t>(top));
    if (!begun) {
      set_error(begun.error().message);
      return -1;
    }
    r->lens = std::move(begun.value());
  } else {
    Status st = model::logit_lens_step(m, r->result, *r->lens);
    if (!st.ok()) {
      set_error(st.error().message);
      return -1;
    }
  }
  return static_cast<int>(r->lens->layers_left);
}

// The logit lens of a run made with the option "lens": the top `top` tokens of every layer
// at every position, as the CLI's lens JSON (logit_lens.hpp), finishing the layers
// hs_run_lens_step has not done. No new forward pass: the LM head on the kept rows.
EMSCRIPTEN_KEEPALIVE const char* hs_run_lens_json(int run, int top) {
  Run* r = find_run(run);
  if (!r) return nullptr;
  int left = hs_run_lens_step(run, top);
  while (left > 0) left = hs_run_lens_step(run, top);
  if (left < 0) return nullptr;
  return give(model::lens_json(r->result, *r->lens));
}

// ---------------------------------------------------------------- by text

// Head-role scores on the induction probe (computed once per model).
EMSCRIPTEN_KEEPALIVE const char* hs_probe_roles_json(int handle) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  if (m->probe_roles.empty()) {
    auto p = m->model->run_ids(model::model_induction_probe(*m->model), {});
    if (!p) return give(Result<std::string>(p.error()));
    m->probe_roles = model::head_scores_json(model::score_heads(p.value()), p->n_layer, p->n_head);
  }
  return give(m->probe_roles);
}

// Mean next-token NLL of a text as the CLI's score JSON (its own forward pass).
EMSCRIPTEN_KEEPALIVE const char* hs_score_json(int handle, const char* text, int len, const char* options_json) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  auto opt = options_from(options_json);
  if (!opt) return give(Result<std::string>(opt.error()));
  auto r = m->model->score(std::string_view(text, len), opt.value());
  if (!r) return give(Result<std::string>(r.error()));
  return give(model::score_json(r.value()));
}

// Head-role scores on the text and on the induction probe (see head_roles.hpp).
EMSCRIPTEN_KEEPALIVE const char* hs_roles_json(int handle, const char* text, int len, const char* options_json) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  auto opt = options_from(options_json);
  if (!opt) return give(Result<std::string>(opt.error()));
  return give(model::roles_json(*m->model, std::string_view(text, len), opt.value()));
}

// ---------------------------------------------------------------- generation (src/model/generate.hpp)

// One generation step after run `previous` (its model's, a causal run): chooses the next token
// (sampling options JSON as generate.hpp's grammar; `step` is 0 for the first new token) and runs
// previous ids + [it], computing only the new position. Returns
// {"run": handle of the new run, "id", "token", "prob", "step", "prompt_tokens", "continuation",
//  "stopped": null | "max_new" | "context" | "end_of_text", "stopped_because"}; `previous` stays.
EMSCRIPTEN_KEEPALIVE const char* hs_generate_step(int previous, const char* sampling_json, int step) {
  Run* prev = find_run(previous);
  if (!prev) return nullptr;
  if (step < 0 || std::size_t(step) >= prev->result.T) return give(Result<std::string>(make_error(
      "generate: step " + std::to_string(step) + " does not fit a run of " + std::to_string(prev->result.T) + " tokens")));
  auto sampling = model::sampling_options_from_json(sampling_json ? std::string_view(sampling_json) : std::string_view());
  if (!sampling) return give(Result<std::string>(sampling.error()));
  const model::Model& m = model_of(*prev);
  auto s = model::generate_step(m, prev->result, sampling.value(), std::size_t(step));
  if (!s) return give(Result<std::string>(s.error()));
  const int run = g_next_handle++;
  const int model_handle = prev->model;  // (prev may move when g_runs grows)
  const std::size_t prompt_tokens = prev->result.T - std::size_t(step);
  model::HeadRowSums role_rows = role_rows_from(prev, s->run.reused);
  Run& r = g_runs[run] = Run{model_handle, std::move(s->run), {}, std::nullopt, std::move(role_rows)};
  json::Writer w;
  w.begin_object().field("run", run).field("id", s->choice.id).field("token", r.result.tokens.back());
  w.field("prob", s->choice.prob).field("step", step).field("prompt_tokens", prompt_tokens);
  w.field("continuation", model::continuation_text(m.tokenizer(), r.result.ids, prompt_tokens));
  w.key("stopped");
  if (s->stop) w.value(model::stop_name(*s->stop)).field("stopped_because", model::stop_sentence(*s->stop, m.config(), r.result.options));
  else w.null().key("stopped_because").null();
  w.end_object();
  return give(w.take());
}

// The CLI's generate JSON for a text (the whole loop; web/cli.mjs generate).
EMSCRIPTEN_KEEPALIVE const char* hs_generate_json(int handle, const char* text, int len, const char* options_json,
                                                  const char* sampling_json) {
  LoadedModel* m = find_model(handle);
  if (!m) return nullptr;
  auto opt = options_from(options_json);
  if (!opt) return give(Result<std::string>(opt.error()));
  auto sampling = model::sampling_options_from_json(sampling_json ? std::string_view(sampling_json) : std::string_view());
  if (!sampling) return give(Result<std::string>(sampling.error()));
  auto g = model::generate(*m->model, std::string_view(text, len), opt.value(), sampling.value());
  if (!g) return give(Result<std::string>(g.error()));
  return give(model::generation_json(g.value(), m->model->config()));
}

}  // extern "C"
