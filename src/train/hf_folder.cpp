// src/train/hf_folder.cpp — HF GPT-2 folder export/import and GPT-2 init (see header).
#include "train/hf_folder.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "json/json.hpp"
#include "train/rng.hpp"

namespace hs::train {

void init_gpt2_weights(const Layout& L, FloatBuf& p, uint64_t seed) {
  p.assign(L.total, 0.0f);
  Rng rng(seed);
  const double std0 = 0.02, std_resid = 0.02 / std::sqrt(2.0 * L.cfg.n_layer);
  for (const auto& t : L.tensors) {
    const bool is_weight = t.name.size() > 7 && t.name.compare(t.name.size() - 7, 7, ".weight") == 0;
    const bool is_ln = t.name.find(".ln_") != std::string::npos;
    if (is_ln && is_weight) {
      for (size_t i = 0; i < t.size; ++i) p[t.offset + i] = 1.0f;
    } else if (is_weight) {
      const bool resid = t.name.find("c_proj.weight") != std::string::npos;
      const double sd = resid ? std_resid : std0;
      for (size_t i = 0; i < t.size; ++i) p[t.offset + i] = float(sd * rng.normal());
    }  // biases stay 0
  }
}

void init_wpe_sinusoid(const Layout& L, FloatBuf& p, double rms) {
  const int C = L.cfg.n_embd;
  const double scale = rms * std::sqrt(2.0);  // sin/cos have RMS 1/sqrt(2)
  for (int t = 0; t < L.cfg.n_ctx; ++t)
    for (int i = 0; i < C / 2; ++i) {
      const double f = std::pow(10000.0, -2.0 * i / C);
      p[L.wpe + size_t(t) * C + 2 * i] = float(scale * std::sin(t * f));
      p[L.wpe + size_t(t) * C + 2 * i + 1] = float(scale * std::cos(t * f));
    }
}

std::string gpt2_config_json(const Config& c, DType dtype, int eot_id) {
  std::ostringstream o;
  o << "{\n"
    << "  \"activation_function\": \"gelu_new\",\n"
    << "  \"architectures\": [\"GPT2LMHeadModel\"],\n"
    << "  \"attn_pdrop\": 0.0,\n"
    << "  \"bos_token_id\": " << eot_id << ",\n"
    << "  \"embd_pdrop\": 0.0,\n"
    << "  \"eos_token_id\": " << eot_id << ",\n"
    << "  \"initializer_range\": 0.02,\n"
    << "  \"layer_norm_epsilon\": 1e-05,\n"
    << "  \"model_type\": \"gpt2\",\n"
    << "  \"n_ctx\": " << c.n_ctx << ",\n"
    << "  \"n_embd\": " << c.n_embd << ",\n"
    << "  \"n_head\": " << c.n_head << ",\n"
    << "  \"n_inner\": null,\n"
    << "  \"n_layer\": " << c.n_layer << ",\n"
    << "  \"n_positions\": " << c.n_ctx << ",\n"
    << "  \"reorder_and_upcast_attn\": false,\n"
    << "  \"resid_pdrop\": 0.0,\n"
    << "  \"scale_attn_by_inverse_layer_idx\": false,\n"
    << "  \"scale_attn_weights\": true,\n"
    << "  \"summary_activation\": null,\n"
    << "  \"summary_first_dropout\": 0.1,\n"
    << "  \"summary_proj_to_labels\": true,\n"
    << "  \"summary_type\": \"cls_index\",\n"
    << "  \"summary_use_proj\": true,\n"
    << "  \"tie_word_embeddings\": true,\n"
    << "  \"torch_dtype\": \"" << (dtype == DType::F16 ? "float16" : "float32") << "\",\n"
    << "  \"transformers_version\": \"4.36.2\",\n"
    << "  \"use_cache\": true,\n"
    << "  \"vocab_size\": " << c.vocab_size << "\n"
    << "}\n";
  return o.str();
}

Status write_params_safetensors(const std::string& path, const Layout& L, const double* values, DType dtype) {
  std::vector<StTensor> ts;
  for (const auto& t : L.tensors) {
    StTensor s;
    s.name = t.name;
    s.dtype = dtype;
    s.shape = t.shape;
    s.values.assign(values + t.offset, values + t.offset + t.size);
    ts.push_back(std::move(s));
  }
  return write_safetensors(path, std::move(ts));
}

Status write_hf_folder(const std::string& dir, const Layout& L, const float* params, const ExportOptions& opt) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(dir + ": cannot create: " + ec.message());
  std::vector<double> v(params, params + L.total);
  HS_TRY(write_params_safetensors(dir + "/model.safetensors", L, v.data(), opt.dtype));
  {
    std::ofstream f(dir + "/config.json", std::ios::trunc);
    f << gpt2_config_json(L.cfg, opt.dtype, opt.eot_id);
    if (!f) return make_error(dir + "/config.json: write failed");
  }
  if (!opt.tokenizer_json.empty()) {
    fs::copy_file(opt.tokenizer_json, dir + "/tokenizer.json", fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(opt.tokenizer_json + ": cannot copy: " + ec.message());
  }
  return {};
}

static Result<int> int_field(const json::Value& cfg, const char* key) {
  const json::Value* v = cfg.find(key);
  if (!v || !v->is_integer) return make_error(std::string("config.json: missing integer field ") + key);
  return int(v->integer);
}

Result<LoadedModel> load_hf_folder(const std::string& dir) {
  std::ifstream f(dir + "/config.json");
  if (!f) return make_error(dir + "/config.json: cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  HS_TRY_ASSIGN(json::Value cfgj, json::parse(text, "config.json"));
  Config c;
  HS_TRY_ASSIGN(c.n_layer, int_field(cfgj, "n_layer"));
  HS_TRY_ASSIGN(c.n_head, int_field(cfgj, "n_head"));
  HS_TRY_ASSIGN(c.n_embd, int_field(cfgj, "n_embd"));
  HS_TRY_ASSIGN(c.n_ctx, int_field(cfgj, "n_positions"));
  HS_TRY_ASSIGN(c.vocab_size, int_field(cfgj, "vocab_size"));
  if (const json::Value* e = cfgj.find("layer_norm_epsilon"); e && e->is_number()) c.ln_eps = e->number;
  LoadedModel m;
  if (const json::Value* e = cfgj.find("eos_token_id"); e && e->is_integer) m.eot_id = int(e->integer);
  m.layout = make_layout(c);
  HS_TRY_ASSIGN(auto tensors, read_safetensors(dir + "/model.safetensors"));
  m.params.assign(m.layout.total, 0.0f);
  for (const auto& t : m.layout.tensors) {
    auto it = tensors.find(t.name);
    if (it == tensors.end()) return make_error(dir + "/model.safetensors: missing tensor " + t.name);
    if (it->second.shape != t.shape) return make_error(dir + "/model.safetensors: tensor " + t.name + ": wrong shape");
    for (size_t i = 0; i < t.size; ++i) m.params[t.offset + i] = float(it->second.values[i]);
  }
  return m;
}

}  // namespace hs::train
