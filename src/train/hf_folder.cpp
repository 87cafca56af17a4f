// src/train/hf_folder.cpp — HF GPT-2 folder export/import and GPT-2 init (see header).
#include "train/hf_folder.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/files.hpp"
#include "formats/hf_config.hpp"
#include "formats/safetensors.hpp"
#include "json/json.hpp"
#include "model/config.hpp"
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

std::string gpt2_config_json(const Config& c, formats::DType dtype, int eot_id) {
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
    << "  \"torch_dtype\": \"" << (dtype == formats::DType::F16 ? "float16" : "float32") << "\",\n"
    << "  \"transformers_version\": \"4.36.2\",\n"
    << "  \"use_cache\": true,\n"
    << "  \"vocab_size\": " << c.vocab_size << "\n"
    << "}\n";
  return o.str();
}

Status write_params_safetensors(const std::string& path, const Layout& L, const double* values,
                                formats::DType dtype) {
  std::vector<formats::TensorValues> ts;
  for (const auto& t : L.tensors) {
    formats::TensorValues s;
    s.name = t.name;
    s.dtype = dtype;
    s.shape = t.shape;
    s.values.assign(values + t.offset, values + t.offset + t.size);
    ts.push_back(std::move(s));
  }
  return formats::write_safetensors(path, std::move(ts));
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

namespace {

// The trainer's Config from config.json, read by the model's GPT-2 reader.
Result<Config> trainer_config(const model::ModelSpec& g, const std::string& source) {
  if (g.family != model::Family::Gpt2)
    return make_error(source + ": model_type " + json::quoted(g.model_type) + " is not supported (the trainer trains GPT-2)");
  if (g.n_inner != 4 * g.n_embd)
    return make_error(source + ": n_inner " + std::to_string(g.n_inner) +
                      " is not supported (the trainer's MLP is 4 x n_embd = " + std::to_string(4 * g.n_embd) + ")");
  if (g.activation != model::Activation::GeluTanh)
    return make_error(source + ": activation_function " + json::quoted(g.activation_name) +
                      " is not supported (the trainer's GPT-2 uses gelu_new)");
  if (!g.scale_attn_weights) return make_error(source + ": scale_attn_weights false is not supported by the trainer");
  Config c;
  c.n_layer = int(g.n_layer);
  c.n_head = int(g.n_head);
  c.n_embd = int(g.n_embd);
  c.n_ctx = int(g.n_positions);
  c.vocab_size = int(g.vocab_size);
  c.ln_eps = g.layer_norm_epsilon;
  return c;
}

}  // namespace

Result<LoadedModel> load_hf_folder(const std::string& dir) {
  const std::string config_path = dir + "/config.json", weights_path = dir + "/model.safetensors";
  HS_TRY_ASSIGN(std::string text, formats::read_text_file(config_path));
  HS_TRY_ASSIGN(formats::HfConfig hf, formats::HfConfig::parse(text, config_path));
  HS_TRY_ASSIGN(model::ModelSpec gpt2, model::parse_model_spec(hf));
  LoadedModel m;
  HS_TRY_ASSIGN(Config c, trainer_config(gpt2, config_path));
  HS_TRY_ASSIGN(int64_t eot, hf.integer_or({"eos_token_id"}, -1, 0, gpt2.vocab_size - 1));
  m.eot_id = int(eot);
  m.layout = make_layout(c);
  HS_TRY_ASSIGN(auto tensors, formats::read_safetensors_values(weights_path));
  m.params.assign(m.layout.total, 0.0f);
  for (const auto& t : m.layout.tensors) {
    auto it = tensors.find(t.name);
    if (it == tensors.end()) return make_error(weights_path + ": missing tensor " + t.name);
    if (it->second.shape != t.shape) return make_error(weights_path + ": tensor " + t.name + ": wrong shape");
    for (size_t i = 0; i < t.size; ++i) m.params[t.offset + i] = float(it->second.values[i]);
  }
  return m;
}

}  // namespace hs::train
