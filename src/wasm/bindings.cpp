// src/wasm — the exported C API of the WebAssembly module: thin marshalling
// between JavaScript and src/model. Every call that can fail returns 0 (or a
// null pointer) and leaves its message in hs_last_error(); web/headscope-api.mjs
// turns that into a JS Error with the same text. Models are handles (ints).
// Results of the last run stay alive, per model, until the next run, so JS can
// view them in place (views must be re-created after any call that can grow
// memory).
//
// Safetensors bytes are pulled, tensor by tensor, through the JS function
// Module.hsReadBytes(readerId, offset, n, dstPtr) (synchronous: a Web Worker
// reads File slices with FileReaderSync, Node and fetched models copy from an
// ArrayBuffer), so a model is never held twice in memory.
#include <emscripten/emscripten.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include <algorithm>

#include "json/json.hpp"
#include "kernels/kernels.hpp"
#include "model/head_roles.hpp"
#include "model/loader.hpp"
#include "model/run_json.hpp"

using namespace hs;

EM_JS(int, hs_js_read_bytes, (int reader, double offset, double n, unsigned char* dst), {
  return Module.hsReadBytes(reader, offset, n, dst >>> 0);
});
EM_JS(void, hs_js_progress, (int reader, double done, double total), {
  if (Module.hsProgress) Module.hsProgress(reader, done, total);
});

namespace {

struct Session {
  std::unique_ptr<model::Model> model;
  model::RunResult last;
  std::vector<float> logits;  // hs_logits_at's result
  std::string probe_roles;    // cached: the induction probe does not depend on the text
  std::string text;  // scratch for returned strings
};

std::map<int, Session> g_sessions;
int g_next_handle = 1;
std::string g_error;
std::string g_text;

int set_error(const std::string& m) {
  g_error = m;
  return 0;
}

std::optional<std::string> maybe_string(const char* p, int n) {
  if (!p || n < 0) return std::nullopt;
  return std::string(p, static_cast<std::size_t>(n));
}

Session* session(int handle) {
  auto it = g_sessions.find(handle);
  if (it == g_sessions.end()) {
    set_error("no model with handle " + std::to_string(handle) + " (it was freed or never loaded)");
    return nullptr;
  }
  return &it->second;
}

// Options arrive as a JSON object: {"causal":true,"scale":true,"temperature":1,
// "temperature_head":"L.H","ablate":"L.H,L.H","ablation":"zero"|"mean",
// "all_logits":false,"intermediates":false}
Result<model::RunOptions> parse_options(const char* json_text) {
  model::RunOptions o;
  if (!json_text || !*json_text) return o;
  HS_TRY_ASSIGN(json::Value v, json::parse(json_text, "run options"));
  if (!v.is_object()) return make_error("run options must be a JSON object");
  auto boolean = [&](const char* k, bool& out) -> Status {
    if (const json::Value* x = v.find(k)) {
      if (!x->is_bool()) return make_error(std::string("run option \"") + k + "\" must be true or false");
      out = x->boolean;
    }
    return {};
  };
  HS_TRY(boolean("causal", o.causal));
  HS_TRY(boolean("scale", o.scale));
  HS_TRY(boolean("all_logits", o.all_logits));
  HS_TRY(boolean("intermediates", o.keep_intermediates));
  if (const json::Value* x = v.find("max_tokens"); x && !x->is_null()) {
    if (!x->is_number() || !x->is_integer || x->integer < 0)
      return make_error("run option \"max_tokens\" must be a non-negative integer");
    o.max_tokens = static_cast<std::size_t>(x->integer);
  }
  if (const json::Value* x = v.find("temperature")) {
    if (!x->is_number()) return make_error("run option \"temperature\" must be a number");
    o.temperature = static_cast<float>(x->number);
  }
  if (const json::Value* x = v.find("temperature_head"); x && !x->is_null()) {
    if (!x->is_string()) return make_error("run option \"temperature_head\" must be \"L.H\"");
    HS_TRY_ASSIGN(auto heads, model::parse_head_list(x->string));
    if (heads.size() == 1) o.temperature_head = heads[0];
  }
  if (const json::Value* x = v.find("ablate"); x && !x->is_null()) {
    if (!x->is_string()) return make_error("run option \"ablate\" must be \"L.H,L.H\"");
    HS_TRY_ASSIGN(o.ablate, model::parse_head_list(x->string));
  }
  if (const json::Value* x = v.find("ablation"); x && !x->is_null()) {
    if (!x->is_string() || (x->string != "zero" && x->string != "mean"))
      return make_error("run option \"ablation\" must be \"zero\" or \"mean\"");
    o.ablation = x->string == "mean" ? model::AblationMode::Mean : model::AblationMode::Zero;
  }
  return o;
}

// A string result handed to JS: kept in the session until its next call, or
// null with the error recorded.
const char* to_js(Session* s, Result<std::string> r) {
  if (!r) {
    set_error(r.error().message);
    return nullptr;
  }
  s->text = std::move(r.value());
  return s->text.c_str();
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* hs_last_error() { return g_error.c_str(); }

EMSCRIPTEN_KEEPALIVE void* hs_alloc(int n) { return std::malloc(n > 0 ? static_cast<std::size_t>(n) : 1); }
EMSCRIPTEN_KEEPALIVE void hs_free(void* p) { std::free(p); }

// Which SIMD the module was built for, and a kernel self-check: attention and
// GEMM against a double-precision loop on a small case. Returns JSON.
EMSCRIPTEN_KEEPALIVE const char* hs_selfcheck() {
  const std::size_t T = 5, C = 12, H = 3, N = 7;
  std::vector<float> qkv(T * 3 * C), out(T * C), probs(H * T * T), w(C * N), y(T * N);
  for (std::size_t i = 0; i < qkv.size(); ++i) qkv[i] = std::sin(0.37 * i);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::cos(0.11 * i);
  kernels::attention(qkv.data(), qkv.data() + C, qkv.data() + 2 * C, 3 * C, out.data(), probs.data(), nullptr, T, C,
                     H, {});
  kernels::gemm_bias(qkv.data(), w.data(), nullptr, y.data(), T, C, N);  // rows of 3C read as [T, C] with ld 3C? no: first T*C
  double max_err = 0.0;
  for (std::size_t i = 0; i < T; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < C; ++k) s += double(qkv[i * C + k]) * w[k * N + j];
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
  g_text = std::string("{\"arch\":\"") + kernels::simd_arch_name() + "\",\"lanes\":" +
           std::to_string(kernels::simd_lanes()) + ",\"max_error\":" + std::to_string(max_err) +
           ",\"ok\":" + (max_err < 1e-4 ? "true" : "false") + "}";
  return g_text.c_str();
}

// Load a model. Text files are passed as (pointer, length) with length -1 for
// "absent". The safetensors file is read through reader `reader_id`.
EMSCRIPTEN_KEEPALIVE int hs_model_load(const char* config, int config_len, const char* tokenizer_json,
                                       int tokenizer_len, const char* vocab_json, int vocab_len,
                                       const char* merges_txt, int merges_len, double safetensors_size,
                                       int reader_id) {
  model::ModelFiles files;
  if (!config || config_len < 0) return set_error("config.json is missing");
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
  int handle = g_next_handle++;
  g_sessions[handle].model = std::move(m.value());
  return handle;
}

EMSCRIPTEN_KEEPALIVE void hs_model_free(int handle) { g_sessions.erase(handle); }

// {"n_layer","n_head","n_embd","n_positions","vocab_size","n_inner","activation","nonfinite_weights"}
EMSCRIPTEN_KEEPALIVE const char* hs_model_info(int handle) {
  Session* s = session(handle);
  if (!s) return nullptr;
  const auto& c = s->model->config();
  s->text = "{\"n_layer\":" + std::to_string(c.n_layer) + ",\"n_head\":" + std::to_string(c.n_head) +
            ",\"n_embd\":" + std::to_string(c.n_embd) + ",\"n_positions\":" + std::to_string(c.n_positions) +
            ",\"vocab_size\":" + std::to_string(c.vocab_size) + ",\"n_inner\":" + std::to_string(c.n_inner) +
            ",\"activation\":";
  json::write_string(s->text, c.activation_name);
  s->text += std::string(",\"nonfinite_weights\":") + (s->model->weights().has_nonfinite ? "true" : "false") + "}";
  return s->text.c_str();
}

EMSCRIPTEN_KEEPALIVE const char* hs_tokenize_json(int handle, const char* text, int len) {
  Session* s = session(handle);
  if (!s) return nullptr;
  std::vector<int32_t> ids = s->model->tokenizer().encode(std::string_view(text, len));
  std::vector<std::string> tokens;
  for (int32_t id : ids) tokens.push_back(s->model->tokenizer().token_text(id));
  s->text = model::tokenize_json(ids, tokens);
  return s->text.c_str();
}

// The display text of every vocabulary entry, as a JSON array (for the
// next-token view).
EMSCRIPTEN_KEEPALIVE const char* hs_vocab_json(int handle) {
  Session* s = session(handle);
  if (!s) return nullptr;
  const auto& tok = s->model->tokenizer();
  s->text = "[";
  for (std::size_t i = 0; i < static_cast<std::size_t>(s->model->config().vocab_size); ++i) {
    if (i) s->text += ',';
    json::write_string(s->text, i < tok.vocab_size() ? tok.token_text(int32_t(i)) : std::string());
  }
  s->text += "]";
  return s->text.c_str();
}

// Run; returns 1 on success. The result stays in the session for the getters.
EMSCRIPTEN_KEEPALIVE int hs_run(int handle, const char* text, int len, const char* options_json) {
  Session* s = session(handle);
  if (!s) return 0;
  auto opt = parse_options(options_json);
  if (!opt) return set_error(opt.error().message);
  auto r = s->model->run(std::string_view(text, len), opt.value());
  if (!r) return set_error(r.error().message);
  s->last = std::move(r.value());
  return 1;
}

// The CLI contract's JSON for the last run.
EMSCRIPTEN_KEEPALIVE const char* hs_result_json(int handle) {
  Session* s = session(handle);
  if (!s) return nullptr;
  s->text = model::run_json(s->last);
  return s->text.c_str();
}

// {"ids","tokens","T","n_layer","n_head","truncated","nonfinite","n_tokens_in_text"} of the last run.
EMSCRIPTEN_KEEPALIVE const char* hs_result_meta(int handle) {
  Session* s = session(handle);
  if (!s) return nullptr;
  const auto& r = s->last;
  s->text = model::tokenize_json(r.ids, r.tokens);
  s->text.pop_back();
  s->text += ",\"T\":" + std::to_string(r.T) + ",\"n_layer\":" + std::to_string(r.n_layer) +
             ",\"n_head\":" + std::to_string(r.n_head) + ",\"n_embd\":" + std::to_string(r.n_embd) +
             ",\"vocab_size\":" + std::to_string(r.vocab_size) +
             ",\"truncated\":" + (r.truncated ? "true" : "false") +
             ",\"nonfinite\":" + (r.nonfinite ? "true" : "false") +
             ",\"n_tokens_in_text\":" + std::to_string(r.n_tokens_in_text) +
             ",\"has_intermediates\":" + (r.qkv.empty() ? "false" : "true") +
             ",\"has_all_logits\":" + (r.logits_all.empty() ? "false" : "true") + "}";
  return s->text.c_str();
}

// Pointers into the last run's arrays (float32), or null when absent.
EMSCRIPTEN_KEEPALIVE const float* hs_result_array(int handle, int which) {
  Session* s = session(handle);
  if (!s) return nullptr;
  auto& r = s->last;
  const std::vector<float>* v = nullptr;
  switch (which) {
    case 0: v = &r.attention; break;    // [L, H, T, T]
    case 1: v = &r.logits_last; break;  // [V]
    case 2: v = &r.logits_all; break;   // [T, V]
    case 3: v = &r.qkv; break;          // [L, T, 3C]
    case 4: v = &r.scores; break;       // [L, H, T, T]
    case 5: v = &r.head_out; break;     // [L, T, C]
  }
  if (!v || v->empty()) return nullptr;
  return v->data();
}

// Mean next-token NLL as the CLI's score JSON.
EMSCRIPTEN_KEEPALIVE const char* hs_score_json(int handle, const char* text, int len, const char* options_json) {
  Session* s = session(handle);
  if (!s) return nullptr;
  const std::string_view t(text, len);
  auto opt = parse_options(options_json);
  if (!opt) return to_js(s, opt.error());
  auto r = s->model->score(t, opt.value());
  if (!r) return to_js(s, r.error());
  return to_js(s, model::score_json(r.value()));
}

// Next-token logits [V] at `position` of the last run; pointer valid until the next call.
EMSCRIPTEN_KEEPALIVE const float* hs_logits_at(int handle, int position) {
  Session* s = session(handle);
  if (!s) return nullptr;
  if (position < 0) {
    set_error("logits_at: negative position");
    return nullptr;
  }
  auto r = s->model->logits_at(s->last, static_cast<std::size_t>(position));
  if (!r) {
    set_error(r.error().message);
    return nullptr;
  }
  s->logits = std::move(r.value());
  return s->logits.data();
}

// Every position's next-token logits of the last run, from its final hidden
// states (no new run); returns 1, then hs_result_array(handle, 2) has them.
EMSCRIPTEN_KEEPALIVE int hs_result_fill_all_logits(int handle) {
  Session* s = session(handle);
  if (!s) return 0;
  Status st = s->model->fill_all_logits(s->last);
  if (!st.ok()) return set_error(st.error().message);
  return 1;
}

// Head-role scores of the last run (no new run): head_scores_json.
EMSCRIPTEN_KEEPALIVE const char* hs_result_roles_json(int handle) {
  Session* s = session(handle);
  if (!s) return nullptr;
  s->text = model::head_scores_json(model::score_heads(s->last), s->last.n_layer, s->last.n_head);
  return s->text.c_str();
}

// Head-role scores on the induction probe (computed once per model).
EMSCRIPTEN_KEEPALIVE const char* hs_probe_roles_json(int handle) {
  Session* s = session(handle);
  if (!s) return nullptr;
  if (s->probe_roles.empty()) {
    auto p = s->model->run_ids(model::model_induction_probe(*s->model), {});
    if (!p) return to_js(s, p.error());
    s->probe_roles = model::head_scores_json(model::score_heads(p.value()), p->n_layer, p->n_head);
  }
  return s->probe_roles.c_str();
}

// Head-role scores on the text and on the induction probe (see head_roles.hpp).
EMSCRIPTEN_KEEPALIVE const char* hs_roles_json(int handle, const char* text, int len, const char* options_json) {
  Session* s = session(handle);
  if (!s) return nullptr;
  const std::string_view t(text, len);
  auto opt = parse_options(options_json);
  if (!opt) return to_js(s, opt.error());
  return to_js(s, model::roles_json(*s->model, t, opt.value()));
}

}  // extern "C"
