// tests/train/test_hf_folder.cpp — the trainer's HuggingFace folder
// (src/train/hf_folder.hpp) through the project's one safetensors writer and
// strict reader and the model's config.json reader: export then import gives
// the same weights (exactly in F32, to F16 precision in F16), the page's loader
// accepts the folder, and config.json fields the trainer's GPT-2 lacks are refused.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "catch.hpp"
#include "formats/files.hpp"
#include "formats/safetensors.hpp"
#include "model/config.hpp"
#include "train/hf_folder.hpp"

using namespace hs::train;
using Catch::Matchers::ContainsSubstring;

namespace {

Layout tiny_layout() {
  Config c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 8;
  c.n_ctx = 6;
  c.vocab_size = 13;
  return make_layout(c);
}

void replace_in_file(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = hs::formats::read_text_file(path).value();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("hf folder: export then import, F32 exactly and F16 to half precision") {
  const Layout L = tiny_layout();
  FloatBuf p;
  init_gpt2_weights(L, p, 3);
  for (hs::formats::DType dtype : {hs::formats::DType::F32, hs::formats::DType::F16}) {
    const std::string dir = std::string("test_hf_folder_") + hs::formats::dtype_name(dtype);
    ExportOptions ex;
    ex.dtype = dtype;
    ex.eot_id = 12;
    REQUIRE(write_hf_folder(dir, L, p.data(), ex).ok());
    // the page's config reader accepts what the trainer writes
    auto cfg = hs::model::parse_model_spec(hs::formats::read_text_file(dir + "/config.json").value());
    REQUIRE(cfg.ok());
    CHECK(cfg->n_positions == 6);
    CHECK(cfg->n_inner == 32);
    auto m = load_hf_folder(dir);
    REQUIRE(m.ok());
    CHECK(m->eot_id == 12);
    CHECK(m->layout.total == L.total);
    CHECK(m->layout.cfg.n_ctx == 6);
    double max_err = 0;
    for (size_t i = 0; i < L.total; ++i) max_err = std::max(max_err, std::abs(double(m->params[i]) - double(p[i])));
    if (dtype == hs::formats::DType::F32)
      CHECK(max_err == 0);
    else  // |w| < ~0.1 (N(0, 0.02)) and F16 keeps 11 significant bits: error < 0.1 x 2^-11, and not 0
      CHECK((max_err > 0 && max_err <= 1e-4));
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("hf folder: config.json fields the trainer's GPT-2 does not have are refused") {
  const Layout L = tiny_layout();
  FloatBuf p;
  init_gpt2_weights(L, p, 3);
  const std::string dir = "test_hf_folder_refused";
  REQUIRE(write_hf_folder(dir, L, p.data(), ExportOptions{}).ok());
  const std::string config = dir + "/config.json";
  replace_in_file(config, "\"n_inner\": null", "\"n_inner\": 16");
  CHECK_THAT(load_hf_folder(dir).error().message,
             ContainsSubstring("config.json: n_inner 16 is not supported (the trainer's MLP is 4 x n_embd = 32)"));
  replace_in_file(config, "\"n_inner\": 16", "\"n_inner\": null");
  replace_in_file(config, "\"gelu_new\"", "\"relu\"");
  CHECK_THAT(load_hf_folder(dir).error().message, ContainsSubstring("config.json: activation_function \"relu\" is not supported"));
  replace_in_file(config, "\"relu\"", "\"gelu_new\"");
  replace_in_file(config, "\"n_head\": 2", "\"n_head\": 3");  // the strict reader's own check
  CHECK_THAT(load_hf_folder(dir).error().message, ContainsSubstring("config.json: n_embd (8) is not divisible by n_head (3)"));
  replace_in_file(config, "\"n_head\": 3", "\"n_head\": 2");
  REQUIRE(load_hf_folder(dir).ok());
  // a truncated weights file is refused by the strict reader, naming the file
  std::filesystem::resize_file(dir + "/model.safetensors", std::filesystem::file_size(dir + "/model.safetensors") - 4);
  CHECK_THAT(load_hf_folder(dir).error().message, ContainsSubstring("model.safetensors"));
  std::filesystem::remove_all(dir);
}
