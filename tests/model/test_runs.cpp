// A run as an object: its options' one grammar (JSON and command-line flags),
// the loss computed from a run's own logits, and each head's score scale.
// Uses the bundled model models/brown-small.
#include <cmath>
#include <filesystem>
#include <random>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "formats/safetensors.hpp"
#include "json/writer.hpp"
#include "model/loader.hpp"
#include "model/run_json.hpp"
#include "model/run_options.hpp"
#include "bundled_model.hpp"

using namespace hs::model;
using namespace hs::model::testing;
using Catch::Matchers::ContainsSubstring;

namespace {

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

// ---------------------------------------------------------------- prefix reuse

namespace {

// A random Llama-style checkpoint (6 heads sharing 2 key/value heads, head_dim 6,
// rotary, SwiGLU, untied head) with the bundled model's tokenizer, in a temp folder.
std::string write_random_llama() {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "headscope-test-llama";
  fs::create_directories(dir);
  const int64_t C = 36, H = 6, KV = 2, D = 6, F = 50, L = 2, V = 4096;  // (the config below says the same)
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 0.3);
  std::vector<hs::formats::TensorValues> t;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, double mean = 0.0) {
    hs::formats::TensorValues v;
    v.name = name;
    v.dtype = hs::formats::DType::F32;
    v.shape = shape;
    std::size_t n = 1;
    for (int64_t d : shape) n *= std::size_t(d);
    v.values.resize(n);
    for (double& x : v.values) x = mean + normal(rng);
    t.push_back(std::move(v));
  };
  add("model.embed_tokens.weight", {V, C});
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "input_layernorm.weight", {C}, 1.0);
    add(p + "self_attn.q_proj.weight", {H * D, C});
    add(p + "self_attn.k_proj.weight", {KV * D, C});
    add(p + "self_attn.v_proj.weight", {KV * D, C});
    add(p + "self_attn.o_proj.weight", {C, H * D});
    add(p + "post_attention_layernorm.weight", {C}, 1.0);
    add(p + "mlp.gate_proj.weight", {F, C});
    add(p + "mlp.up_proj.weight", {F, C});
    add(p + "mlp.down_proj.weight", {C, F});
  }
  add("model.norm.weight", {C}, 1.0);
  add("lm_head.weight", {V, C});
  REQUIRE(hs::formats::write_safetensors((dir / "model.safetensors").string(), t).ok());
  std::ofstream(dir / "config.json")
      << R"({"model_type":"llama","hidden_size":36,"num_attention_heads":6,"num_key_value_heads":2,)"
      << R"("intermediate_size":50,"num_hidden_layers":2,"vocab_size":4096,"max_position_embeddings":96,)"
      << R"("rms_norm_eps":1e-5,"rope_theta":500.0,"tie_word_embeddings":false})";
  fs::copy_file(fs::path(kBundled) / "tokenizer.json", dir / "tokenizer.json", fs::copy_options::overwrite_existing);
  return dir.string();
}

void require_same_run(const RunResult& a, const RunResult& b) {
  REQUIRE(a.ids == b.ids);
  REQUIRE(a.attention.size() == b.attention.size());
  for (std::size_t i = 0; i < a.attention.size(); ++i) REQUIRE(std::abs(a.attention[i] - b.attention[i]) <= 1e-6f);
  REQUIRE(a.logits_last.size() == b.logits_last.size());
  for (std::size_t i = 0; i < a.logits_last.size(); ++i)
    REQUIRE(std::abs(a.logits_last[i] - b.logits_last[i]) <= 1e-6f * (1 + std::abs(b.logits_last[i])));
  REQUIRE(a.final_hidden.size() == b.final_hidden.size());
  for (std::size_t i = 0; i < a.final_hidden.size(); ++i)
    REQUIRE(std::abs(a.final_hidden[i] - b.final_hidden[i]) <= 1e-6f * (1 + std::abs(b.final_hidden[i])));
}

}  // namespace

TEST_CASE("prefix reuse: a reused run equals a full run over random edits, knob changes between runs") {
  auto gpt2 = bundled();
  auto llama_loaded = load_model_folder(write_random_llama());
  REQUIRE(llama_loaded.ok());
  const std::unique_ptr<Model>& llama = llama_loaded.value();
  CHECK(llama->config().n_kv_head == 2);
  const std::string words[] = {" the", " cat", " sat", " on", " mat", ".", " A", " dog", " ran", "!", " ", "ing"};
  for (const Model* m : {gpt2.get(), llama.get()}) {
    std::mt19937 rng(11);
    std::string text = "The cat";
    RunOptions opt;
    auto prev = m->run(text, opt);
    REQUIRE(prev.ok());
    auto taken_prev = m->run(text, opt);  // the same chain of runs through run_taking
    REQUIRE(taken_prev.ok());
    std::size_t reused_runs = 0, reused_positions = 0, grew = 0, shrank = 0;
    for (int step = 0; step < 60; ++step) {
      const int kind = int(rng() % 10);
      if (kind < 5) text += words[rng() % 12];                                     // type
      else if (kind < 7 && text.size() > 2) text.resize(text.size() - 1 - rng() % 3);  // backspace
      else if (kind < 8) text.insert(rng() % (text.size() + 1), words[rng() % 12]);  // edit in the middle
      else if (kind < 9) text += " and the dog sat on the cat again";              // paste
      else {                                                                          // a knob changes
        opt = RunOptions{};
        if (rng() % 2) opt.ablate = {{1, int(rng() % 2)}};
        if (rng() % 3 == 0) opt.scale = false;
        if (rng() % 3 == 0) { opt.temperature = 2.0f; opt.temperature_head = {0, 1}; }
        if (rng() % 3 == 0) opt.value_weighted = true;
        if (rng() % 3 == 0) opt.lens = true;
      }
      if (text.size() > 300) text = text.substr(0, 40);
      auto reused = m->run(text, opt, &prev.value());
      auto full = m->run(text, opt);
      const std::size_t T0 = taken_prev->T;
      auto taken = m->run_taking(text, opt, taken_prev.value());
      REQUIRE(reused.ok());
      REQUIRE(full.ok());
      REQUIRE(taken.ok());
      CHECK(taken_prev->ids.empty());  // its arrays are the new run's now
      CHECK(taken_prev->attention.empty());
      grew += taken->reused > 0 && taken->T > T0;
      shrank += taken->reused > 0 && taken->T < T0;
      if (step % 2 == 0 && full->T > 1) {  // the loss of a reused run (its shared rows' logits and losses reused)
        auto a = m->loss(reused.value());
        auto b = m->loss(full.value());
        auto c = m->loss(taken.value());
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        REQUIRE(c.ok());
        REQUIRE(c->mean_nll == a->mean_nll);
        REQUIRE(std::abs(a->mean_nll - b->mean_nll) <= 1e-9 * std::abs(b->mean_nll));
        REQUIRE(reused->logits_all == full->logits_all);
      }
      INFO("step " << step << " text \"" << text << "\" reused " << reused->reused);
      CHECK(full->reused == 0);
      require_same_run(reused.value(), full.value());
      // taking the previous run's arrays gives the bits of copying its rows
      CHECK(taken->reused == reused->reused);
      CHECK(taken->ids == reused->ids);
      CHECK(taken->attention == reused->attention);
      CHECK(taken->kv == reused->kv);
      CHECK(taken->final_hidden == reused->final_hidden);
      CHECK(taken->logits_last == reused->logits_last);
      CHECK(taken->value_weighted == reused->value_weighted);
      CHECK(taken->value_norms == reused->value_norms);
      CHECK(taken->residuals == reused->residuals);
      CHECK(taken->logits_all_rows == reused->logits_all_rows);
      CHECK(taken->logits_all == reused->logits_all);
      CHECK(taken->nll_rows == reused->nll_rows);
      CHECK(taken->nll == reused->nll);
      if (reused->reused > 0) {
        ++reused_runs;
        reused_positions += reused->reused;
      }
      prev = std::move(reused);
      taken_prev = std::move(taken);
    }
    // the reuse really happened (most edits keep a prefix), with texts growing and shrinking
    CHECK(reused_runs > 30);
    CHECK(reused_positions > 200);
    CHECK(grew > 5);
    CHECK(shrank > 3);
  }
}

TEST_CASE("prefix reuse: what breaks the premise recomputes in full") {
  auto m = bundled();
  auto base = m->run(kText);
  REQUIRE(base.ok());
  auto again = m->run(std::string(kText) + " The", {}, &base.value());
  REQUIRE(again.ok());
  CHECK(again->reused > 0);
  RunOptions knob;
  knob.scale = false;
  CHECK(m->run(std::string(kText) + " The", knob, &base.value())->reused == 0);  // other knobs
  RunOptions mean;
  mean.ablate = {{0, 1}};
  mean.ablation = AblationMode::Mean;
  auto with_mean = m->run(kText, mean);
  REQUIRE(with_mean.ok());
  CHECK(m->run(std::string(kText) + " The", mean, &with_mean.value())->reused == 0);  // a mean over positions
  RunOptions unmasked;
  unmasked.causal = false;
  auto open = m->run(kText, unmasked);
  REQUIRE(open.ok());
  CHECK(m->run(std::string(kText) + " The", unmasked, &open.value())->reused == 0);  // every row sees the new token
  RunOptions inter;
  inter.keep_intermediates = true;
  auto with_inter = m->run(kText, inter);
  REQUIRE(with_inter.ok());
  CHECK(m->run(std::string(kText) + " The", inter, &with_inter.value())->reused == 0);
  // a shorter text that is a prefix reuses every row
  auto shorter = m->run("The cat sat", {}, &base.value());
  REQUIRE(shorter.ok());
  CHECK(shorter->reused == shorter->T);
  require_same_run(shorter.value(), m->run("The cat sat").value());
}

// ---------------------------------------------------------------- sharded weights

namespace {

// The bundled model's tensors split into two shards + model.safetensors.index.json,
// as the Hub publishes large models, in a temp folder named `name`.
std::filesystem::path write_sharded_bundled(const std::string& name, bool duplicate_one = false) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"config.json", "tokenizer.json"})
    fs::copy_file(fs::path(kBundled) / f, dir / f, fs::copy_options::overwrite_existing);
  auto values = hs::formats::read_safetensors_values(kBundled + "/model.safetensors");
  REQUIRE(values.ok());
  std::vector<hs::formats::TensorValues> first, second;
  std::string map;
  for (auto& [tensor, v] : values.value()) {
    const bool in_first = first.size() <= second.size();
    map += std::string(map.empty() ? "" : ",") + "\"" + tensor + "\": \"model-0000" + (in_first ? "1" : "2") + "-of-00002.safetensors\"";
    (in_first ? first : second).push_back(v);
  }
  if (duplicate_one) second.push_back(first.front());
  REQUIRE(hs::formats::write_safetensors((dir / "model-00001-of-00002.safetensors").string(), first).ok());
  REQUIRE(hs::formats::write_safetensors((dir / "model-00002-of-00002.safetensors").string(), second).ok());
  std::ofstream(dir / "model.safetensors.index.json", std::ios::binary)
      << "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" << map << "}}";
  return dir;
}

}  // namespace

TEST_CASE("sharded weights: index.json + two shards give the same runs as the single file") {
  namespace fs = std::filesystem;
  const fs::path dir = write_sharded_bundled("headscope-test-sharded");
  auto sharded = load_model_folder(dir.string());
  REQUIRE(sharded.ok());
  auto whole = bundled();
  auto a = sharded.value()->run(kText);
  auto b = whole->run(kText);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(a->attention.size() == b->attention.size());
  for (std::size_t i = 0; i < a->attention.size(); ++i) REQUIRE(a->attention[i] == b->attention[i]);
  REQUIRE(a->logits_last.size() == b->logits_last.size());
  for (std::size_t i = 0; i < a->logits_last.size(); ++i) REQUIRE(a->logits_last[i] == b->logits_last[i]);
  fs::remove_all(dir);
}

TEST_CASE("sharded weights: a missing shard, a tensor in two shards, a broken index name the file") {
  namespace fs = std::filesystem;
  fs::path dir = write_sharded_bundled("headscope-test-sharded-missing");
  fs::remove(dir / "model-00002-of-00002.safetensors");
  auto missing = load_model_folder(dir.string());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, ContainsSubstring("model-00002-of-00002.safetensors: cannot open"));
  fs::remove_all(dir);

  dir = write_sharded_bundled("headscope-test-sharded-twice", true);
  auto twice = load_model_folder(dir.string());
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.error().message, ContainsSubstring("model-00002-of-00002.safetensors: tensor"));
  CHECK_THAT(twice.error().message, ContainsSubstring("is also in an earlier shard"));
  fs::remove_all(dir);

  auto no_map = safetensors_shard_names("{\"metadata\": {}}", "model.safetensors.index.json");
  REQUIRE_FALSE(no_map.ok());
  CHECK_THAT(no_map.error().message, ContainsSubstring("model.safetensors.index.json: no weight_map"));
  auto outside = safetensors_shard_names("{\"weight_map\": {\"a\": \"../x.safetensors\"}}", "i.json");
  REQUIRE_FALSE(outside.ok());
  CHECK_THAT(outside.error().message, ContainsSubstring("weight_map[\"a\"] is not a shard file name"));
  auto names = safetensors_shard_names("{\"weight_map\": {\"a\": \"s2\", \"b\": \"s1\", \"c\": \"s2\"}}", "i.json");
  REQUIRE(names.ok());
  CHECK(names.value() == std::vector<std::string>{"s1", "s2"});
}

// ---------------------------------------------------------------- value-weighted attention

TEST_CASE("value-weighted attention = alpha_ij ||v_j W_O^h||, against float64 from the file's weights") {
  auto m = bundled();
  RunOptions opt;
  opt.value_weighted = true;
  auto r = m->run(kText, opt);
  REQUIRE(r.ok());
  const std::size_t L = r->n_layer, H = r->n_head, T = r->T, C = r->n_embd, dk = C / H;
  REQUIRE(r->value_weighted.size() == L * H * T * T);
  auto file = hs::formats::read_safetensors_values(kBundled + "/model.safetensors");
  REQUIRE(file.ok());
  double worst = 0.0, scale = 0.0;
  for (std::size_t l = 0; l < L; ++l) {
    const auto& wo = file->at("transformer.h." + std::to_string(l) + ".attn.c_proj.weight").values;  // [C, C] Conv1D [in, out]
    for (std::size_t h = 0; h < H; ++h)
      for (std::size_t j = 0; j < T; ++j) {
        const float* v = r->kv.data() + (l * T + j) * 2 * C + C + h * dk;  // v_j of head h
        double ss = 0.0;
        for (std::size_t o = 0; o < C; ++o) {
          double y = 0.0;
          for (std::size_t d = 0; d < dk; ++d) y += double(v[d]) * wo[(h * dk + d) * C + o];
          ss += y * y;
        }
        const double norm = std::sqrt(ss);
        for (std::size_t i = j; i < T; ++i) {
          const std::size_t at = ((l * H + h) * T + i) * T + j;
          const double want = double(r->attention[at]) * norm;
          worst = std::max(worst, std::abs(want - r->value_weighted[at]));
          scale = std::max(scale, std::abs(want));
        }
      }
  }
  INFO("max error " << worst << " of values up to " << scale);
  CHECK(scale > 0.1);
  CHECK(worst <= 1e-5 * scale);
  // and keys the mask hides get 0
  CHECK(r->value_weighted[(0 * T + 0) * T + 1] == 0.0f);
  // off by default, and absent then
  CHECK(m->run(kText)->value_weighted.empty());
  // a reused run gives the same numbers
  auto shorter = m->run("The cat sat on the mat. The", opt);
  REQUIRE(shorter.ok());
  auto reused = m->run(kText, opt, &shorter.value());
  REQUIRE(reused.ok());
  CHECK(reused->reused > 0);
  REQUIRE(reused->value_weighted.size() == r->value_weighted.size());
  for (std::size_t i = 0; i < r->value_weighted.size(); ++i)
    REQUIRE(std::abs(reused->value_weighted[i] - r->value_weighted[i]) <= 1e-6f * (1 + std::abs(r->value_weighted[i])));
}
