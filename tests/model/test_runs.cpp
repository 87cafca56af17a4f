// A run as an object: its options' one grammar (JSON and command-line flags),
// the loss computed from a run's own logits, and each head's score scale.
// Uses the bundled model models/brown-small.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "json/writer.hpp"
#include "model/loader.hpp"
#include "model/run_json.hpp"
#include "model/run_options.hpp"

using namespace hs::model;
using Catch::Matchers::ContainsSubstring;

namespace {

const std::string kBundled = std::string(HEADSCOPE_SOURCE_DIR) + "/models/brown-small";
const char* kText = "The cat sat on the mat. The cat sat on the mat.";

std::unique_ptr<Model> bundled() {
  auto m = load_model_folder(kBundled);
  REQUIRE(m.ok());
  return std::move(m.value());
}

hs::Result<RunOptions> from_flags(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  RunOptions o;
  for (int i = 0; i < int(argv.size()); ++i) {
    HS_TRY_ASSIGN(bool used, apply_run_option_flag(o, int(argv.size()), argv.data(), i));
    if (!used) return hs::make_error("not a run option: " + std::string(argv[i]));
  }
  return o;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("run options: JSON keys and command-line flags are one grammar") {
  auto j = run_options_from_json(
      R"({"causal":false,"scale":false,"temperature":2,"temperature_head":"2.1","ablate":"0.1,1.2",)"
      R"("ablation":"mean","max_tokens":7})");
  REQUIRE(j.ok());
  auto f = from_flags({"--no-causal", "--no-scale", "--temperature", "2", "--temperature-head", "2.1", "--ablate",
                       "0.1,1.2", "--ablation", "mean", "--max-tokens", "7"});
  REQUIRE(f.ok());
  for (const RunOptions* o : {&j.value(), &f.value()}) {
    CHECK_FALSE(o->causal);
    CHECK_FALSE(o->scale);
    CHECK(o->temperature == 2.0f);
    CHECK(o->temperature_head == HeadRef{2, 1});
    CHECK(o->ablate == std::vector<HeadRef>{{0, 1}, {1, 2}});
    CHECK(o->ablation == AblationMode::Mean);
    CHECK(o->max_tokens == 7);
  }
  // the older flag name still works
  auto old = from_flags({"--ablate-mode", "mean"});
  REQUIRE(old.ok());
  CHECK(old->ablation == AblationMode::Mean);
  // defaults
  auto d = run_options_from_json("");
  REQUIRE(d.ok());
  CHECK(d->causal);
  CHECK(d->scale);
  CHECK(d->ablate.empty());
  CHECK(d->temperature_head.layer == -1);
}

TEST_CASE("run options: errors name the option and what it takes") {
  auto err = [](const std::string& json) { return run_options_from_json(json).error().message; };
  CHECK_THAT(err(R"({"scale":1})"), ContainsSubstring("run option \"scale\" must be true or false"));
  CHECK_THAT(err(R"({"sclae":true})"), ContainsSubstring("unknown run option \"sclae\" (known: causal, scale,"));
  CHECK_THAT(err(R"({"max_tokens":-1})"), ContainsSubstring("\"max_tokens\" must be a non-negative integer"));
  CHECK_THAT(err(R"({"max_tokens":1.5})"), ContainsSubstring("must be a non-negative integer"));
  CHECK_THAT(err(R"({"ablation":"half"})"), ContainsSubstring("\"ablation\" must be \"zero\" or \"mean\", not \"half\""));
  CHECK_THAT(err(R"({"ablate":"x.1"})"), ContainsSubstring("bad head \"x.1\""));
  CHECK_THAT(err(R"({"temperature_head":"0.1,0.2"})"), ContainsSubstring("takes one head"));
  CHECK_THAT(err(R"({"temperature":"hot"})"), ContainsSubstring("\"temperature\" must be a number"));
  CHECK_THAT(err("[1]"), ContainsSubstring("run options must be a JSON object"));
  CHECK_THAT(from_flags({"--temperature", "hot"}).error().message,
             ContainsSubstring("--temperature must be a number, not \"hot\""));
  CHECK_THAT(from_flags({"--max-tokens"}).error().message, ContainsSubstring("--max-tokens needs a value"));
  CHECK_THAT(from_flags({"--ablation", "half"}).error().message, ContainsSubstring("--ablation must be"));
  // internal options are not flags; neither is anything unknown
  CHECK_THAT(from_flags({"--all-logits"}).error().message, ContainsSubstring("not a run option"));
  CHECK_THAT(from_flags({"--no-ablate"}).error().message, ContainsSubstring("not a run option"));
  CHECK_THAT(run_option_flags_usage(), ContainsSubstring("[--no-causal] [--no-scale] [--temperature X]"));
}

TEST_CASE("json writer: commas, nesting, numbers as the CLI writes them") {
  hs::json::Writer w;
  w.begin_object().field("a", 1).key("b").begin_array().value(0.5f).value(std::nan("")).value("x\"y").end_array();
  w.key("c").begin_object().end_object().field("d", true).key("e").array(std::vector<int>{1, 2}).end_object();
  CHECK(w.str() == R"({"a":1,"b":[0.5,null,"x\"y"],"c":{},"d":true,"e":[1,2]})");
  hs::json::Writer v;
  v.begin_array().value(1.0 / 3.0).value(1e-30).value(-0.0).end_array();
  CHECK(v.str() == "[0.3333333,1e-30,-0]");
}

TEST_CASE("a run's loss equals a separate score, with and without knobs") {
  auto m = bundled();
  for (const char* opts : {"", R"({"ablate":"0.1,2.0","ablation":"mean"})", R"({"scale":false,"causal":false})"}) {
    auto o = run_options_from_json(opts);
    REQUIRE(o.ok());
    auto run = m->run(kText, o.value());
    REQUIRE(run.ok());
    CHECK(run->logits_all.empty());  // a run computes the last position's logits only
    auto from_run = m->loss(run.value());
    REQUIRE(from_run.ok());
    CHECK(run->logits_all.size() == run->T * std::size_t(run->vocab_size));
    auto separate = m->score(kText, o.value());
    REQUIRE(separate.ok());
    CHECK(from_run->tokens == separate->tokens);
    CHECK(from_run->mean_nll == separate->mean_nll);  // the same arithmetic on the same logits
    CHECK(from_run->mean_nll > 0.5);
  }
  auto one = m->run("The");
  REQUIRE(one.ok());
  CHECK_THAT(m->loss(one.value()).error().message, ContainsSubstring("a loss needs at least 2"));
}

TEST_CASE("a run records each head's score scale: 1/sqrt(d_k), or 1 unscaled") {
  auto m = bundled();
  const std::size_t L = m->config().n_layer, H = m->config().n_head, dk = m->config().n_embd / H;
  auto r = m->run(kText);
  REQUIRE(r.ok());
  REQUIRE(r->score_scale.size() == L * H);
  for (float s : r->score_scale) CHECK(s == Catch::Approx(1.0 / std::sqrt(double(dk))));
  RunOptions unscaled;
  unscaled.scale = false;
  auto u = m->run(kText, unscaled);
  REQUIRE(u.ok());
  for (float s : u->score_scale) CHECK(s == 1.0f);

  // a config with scale_attn_weights: false records 1 and computes as the knob does
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "headscope-test-unscaled";
  fs::create_directories(dir);
  for (const char* f : {"model.safetensors", "tokenizer.json"})
    fs::copy_file(fs::path(kBundled) / f, dir / f, fs::copy_options::overwrite_existing);
  std::string config = slurp(fs::path(kBundled) / "config.json");
  const std::string on = "\"scale_attn_weights\": true";
  REQUIRE(config.find(on) != std::string::npos);
  config.replace(config.find(on), on.size(), "\"scale_attn_weights\": false");
  std::ofstream(dir / "config.json", std::ios::binary) << config;
  auto plain = load_model_folder(dir.string());
  REQUIRE(plain.ok());
  auto p = plain.value()->run(kText);
  REQUIRE(p.ok());
  for (float s : p->score_scale) CHECK(s == 1.0f);
  REQUIRE(p->attention.size() == u->attention.size());
  for (std::size_t i = 0; i < p->attention.size(); ++i) REQUIRE(p->attention[i] == u->attention[i]);
  fs::remove_all(dir);
}
