// Generation (src/model/generate.hpp): greedy steps against full runs without
// reuse, the stops (max_new, end of text, context), sampling's determinism and
// its top-k / top-p sets as properties, the knobs' grammar, and what is refused.
// Uses the bundled model models/brown-small.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "model/generate.hpp"
#include "model/loader.hpp"

using namespace hs::model;
using Catch::Matchers::ContainsSubstring;

namespace {

const std::string kBundled = std::string(HEADSCOPE_SOURCE_DIR) + "/models/brown-small";
const char* kPrompt = "The cat sat on the";

std::unique_ptr<Model> bundled() {
  auto m = load_model_folder(kBundled);
  REQUIRE(m.ok());
  return std::move(m.value());
}

int32_t argmax(const std::vector<float>& v) {
  return int32_t(std::max_element(v.begin(), v.end()) - v.begin());
}

hs::Result<SamplingOptions> sampling_from_flags(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  SamplingOptions o;
  for (int i = 0; i < int(argv.size()); ++i) {
    HS_TRY_ASSIGN(bool used, apply_sampling_flag(o, int(argv.size()), argv.data(), i));
    if (!used) return hs::make_error("not a sampling flag: " + std::string(argv[i]));
  }
  return o;
}

// The bundled model's files in a folder of its own, with config.json's eos_token_id replaced.
std::string bundled_with_eos(int32_t eos) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("headscope-generate-eos-" + std::to_string(eos));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"model.safetensors", "tokenizer.json"}) fs::create_symlink(fs::path(kBundled) / f, dir / f);
  std::ifstream in(fs::path(kBundled) / "config.json");
  std::stringstream s;
  s << in.rdbuf();
  std::string cfg = s.str();
  const std::string key = "\"eos_token_id\": 4095";
  const std::size_t at = cfg.find(key);
  REQUIRE(at != std::string::npos);
  cfg.replace(at, key.size(), "\"eos_token_id\": [7, " + std::to_string(eos) + "]");
  std::ofstream(dir / "config.json") << cfg;
  return dir.string();
}

// Logits whose softmax is known: token i has weight w[i].
std::vector<float> logits_of(const std::vector<double>& w) {
  std::vector<float> l;
  for (double x : w) l.push_back(float(std::log(x)));
  return l;
}

}  // namespace

TEST_CASE("greedy generation: each id is the argmax of a full run (no reuse) of the ids before it") {
  auto m = bundled();
  SamplingOptions s;
  s.max_new = 8;
  auto g = generate(*m, kPrompt, {}, s);
  REQUIRE(g.ok());
  const std::size_t n0 = g->prompt_tokens;
  REQUIRE(g->last.ids.size() == n0 + 8);
  REQUIRE(g->probs.size() == 8);
  CHECK(g->stop == Stop::MaxNew);
  for (std::size_t k = 0; k < 8; ++k) {
    std::vector<int32_t> prefix(g->last.ids.begin(), g->last.ids.begin() + std::ptrdiff_t(n0 + k));
    auto full = m->run_ids(prefix, {});
    REQUIRE(full.ok());
    CHECK(full->reused == 0);
    const int32_t want = argmax(full->logits_last);
    CHECK(g->last.ids[n0 + k] == want);
    double z = 0, top = *std::max_element(full->logits_last.begin(), full->logits_last.end());
    for (float x : full->logits_last) z += std::exp(double(x) - top);
    CHECK(std::abs(g->probs[k] - std::exp(double(full->logits_last[std::size_t(want)]) - top) / z) < 1e-5);
  }
  // the last run over prompt + generated equals a full run of those ids
  auto full = m->run_ids(g->last.ids, {});
  REQUIRE(full.ok());
  REQUIRE(full->attention.size() == g->last.attention.size());
  float err = 0;
  for (std::size_t i = 0; i < full->attention.size(); ++i) err = std::max(err, std::abs(full->attention[i] - g->last.attention[i]));
  CHECK(err < 1e-5f);
  CHECK(g->continuation == m->tokenizer().decode(g->last.ids).substr(std::string(kPrompt).size()));
}

TEST_CASE("a generation step computes only the new position (prefix reuse)") {
  auto m = bundled();
  auto prompt = m->run(kPrompt, {});
  REQUIRE(prompt.ok());
  auto s = generate_step(*m, prompt.value(), {}, 0);
  REQUIRE(s.ok());
  CHECK(s->run.T == prompt->T + 1);
  CHECK(s->run.reused == prompt->T);
  CHECK(s->choice.id == argmax(prompt->logits_last));
  CHECK_FALSE(s->stop.has_value());  // max_new 16 by default
}

TEST_CASE("generation stops at an end-of-text id from config.json (one or a list)") {
  auto m = bundled();
  auto prompt = m->run(kPrompt, {});
  REQUIRE(prompt.ok());
  const int32_t first = argmax(prompt->logits_last);
  auto eos_model = load_model_folder(bundled_with_eos(first));
  REQUIRE(eos_model.ok());
  CHECK(eos_model.value()->config().eos_token_ids == std::vector<int32_t>{7, first});
  auto g = generate(*eos_model.value(), kPrompt, {}, {});
  REQUIRE(g.ok());
  CHECK(g->stop == Stop::EndOfText);
  CHECK(g->last.ids.size() == g->prompt_tokens + 1);
  CHECK(g->last.ids.back() == first);
  CHECK_THAT(generation_json(g.value(), eos_model.value()->config()), ContainsSubstring("\"stopped\":\"end_of_text\""));
}

TEST_CASE("generation stops at the context length (max_tokens or n_positions) and says which") {
  auto m = bundled();
  RunOptions o;
  o.max_tokens = 9;
  SamplingOptions s;
  s.max_new = 100;
  auto g = generate(*m, kPrompt, o, s);
  REQUIRE(g.ok());
  CHECK(g->last.T == 9);
  CHECK(g->stop == Stop::Context);
  CHECK_THAT(stop_sentence(g->stop, m->config(), o), ContainsSubstring("9 tokens, max_tokens"));
  CHECK(g->probs.size() == 9 - g->prompt_tokens);
  // a run that already fills the context has no room for a step
  auto full = m->run_ids(g->last.ids, o);
  REQUIRE(full.ok());
  auto step = generate_step(*m, full.value(), s, 0);
  REQUIRE_FALSE(step.ok());
  CHECK_THAT(step.error().message, ContainsSubstring("fills the context (9 tokens)"));
}

TEST_CASE("sampling with a seed is reproducible, and the seed matters") {
  auto m = bundled();
  SamplingOptions s;
  s.max_new = 12;
  s.temperature = 1.5;
  s.seed = 42;
  auto a = generate(*m, kPrompt, {}, s);
  auto b = generate(*m, kPrompt, {}, s);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->last.ids == b->last.ids);
  CHECK(a->probs == b->probs);
  std::set<std::vector<int32_t>> seen;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    s.seed = seed;
    auto g = generate(*m, kPrompt, {}, s);
    REQUIRE(g.ok());
    seen.insert(g->last.ids);
  }
  CHECK(seen.size() > 1);
  // the random numbers: in [0, 1), fixed by (seed, step)
  CHECK(uniform_at(1, 0) == uniform_at(1, 0));
  CHECK(uniform_at(1, 0) != uniform_at(1, 1));
  CHECK(uniform_at(1, 0) != uniform_at(2, 0));
  for (std::size_t k = 0; k < 1000; ++k) {
    const double u = uniform_at(7, k);
    CHECK((u >= 0.0 && u < 1.0));
  }
}

TEST_CASE("sampling: top-k and top-p keep the tokens they should, and their frequencies follow the weights") {
  // weights 0.4 0.3 0.15 0.1 0.05 (ids 0..4), then 95 tokens of 0.0001
  std::vector<double> w = {0.4, 0.3, 0.15, 0.1, 0.05};
  w.resize(100, 1e-4);
  const auto logits = logits_of(w);
  auto draw = [&](SamplingOptions o, std::size_t n) {
    std::map<int32_t, std::size_t> count;
    for (std::size_t step = 0; step < n; ++step) {
      auto c = choose_next(logits, o, step);
      REQUIRE(c.ok());
      ++count[c->id];
    }
    return count;
  };
  SamplingOptions o;
  o.temperature = 1.0;
  o.seed = 3;
  SECTION("top-k 3: only the 3 most likely, in proportion 0.4 : 0.3 : 0.15") {
    o.top_k = 3;
    auto count = draw(o, 20000);
    for (auto [id, n] : count) CHECK(id < 3);
    CHECK(std::abs(double(count[0]) / 20000 - 0.4 / 0.85) < 0.02);
    CHECK(std::abs(double(count[2]) / 20000 - 0.15 / 0.85) < 0.02);
  }
  SECTION("top-p 0.8: the fewest tokens reaching 0.8 (ids 0, 1, 2)") {
    o.top_p = 0.8;
    auto count = draw(o, 5000);
    for (auto [id, n] : count) CHECK(id < 3);
    CHECK(count.size() == 3);
  }
  SECTION("top-p 0.3: the most likely token alone") {
    o.top_p = 0.3;
    auto count = draw(o, 500);
    CHECK(count.size() == 1);
    CHECK(count[0] == 500);
  }
  SECTION("no limits: every token can come up, the first at about 0.4") {
    auto count = draw(o, 20000);
    CHECK(std::abs(double(count[0]) / 20000 - 0.4 / (1 + 95e-4 - 0.0)) < 0.02);
    CHECK(count.size() > 5);
  }
  SECTION("a low temperature sharpens: almost always the first") {
    o.temperature = 0.05;
    auto count = draw(o, 1000);
    CHECK(count[0] > 990);
  }
  SECTION("the chosen token's prob is the model's, whatever the knobs") {
    o.top_k = 2;
    auto c = choose_next(logits, o, 0);
    REQUIRE(c.ok());
    CHECK(std::abs(c->prob - w[std::size_t(c->id)] / std::accumulate(w.begin(), w.end(), 0.0)) < 1e-6);
  }
}

TEST_CASE("greedy: the lowest id among equal largest logits; non-finite logits are an error") {
  std::vector<float> l = {0.f, 2.f, 1.f, 2.f};
  auto c = choose_next(l, {}, 0);
  REQUIRE(c.ok());
  CHECK(c->id == 1);
  l[2] = std::nanf("");
  auto bad = choose_next(l, {}, 0);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, ContainsSubstring("not finite"));
}

TEST_CASE("sampling knobs: JSON keys and command-line flags are one grammar; errors name the knob") {
  auto j = sampling_options_from_json(R"({"max_new":5,"sample_temperature":0.7,"top_k":40,"top_p":0.9,"seed":11})");
  REQUIRE(j.ok());
  auto f = sampling_from_flags({"--max-new", "5", "--sample-temperature", "0.7", "--top-k", "40", "--top-p", "0.9",
                                "--seed", "11"});
  REQUIRE(f.ok());
  CHECK(j->max_new == 5);
  CHECK(f->max_new == 5);
  CHECK(j->temperature == f->temperature);
  CHECK(j->top_k == 40);
  CHECK(f->top_k == 40);
  CHECK(j->top_p == f->top_p);
  CHECK(j->seed == 11);
  CHECK(f->seed == 11);
  auto unknown = sampling_options_from_json(R"({"topk":3})");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message, ContainsSubstring("known: max_new, sample_temperature, top_k, top_p, seed"));
  for (const char* bad : {R"({"top_p":0})", R"({"top_p":1.5})", R"({"max_new":0})", R"({"top_k":-1})",
                          R"({"seed":1.5})", R"({"sample_temperature":-1})", R"({"max_new":"3"})"}) {
    auto r = sampling_options_from_json(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
  }
  auto flag = sampling_from_flags({"--top-p", "lots"});
  REQUIRE_FALSE(flag.ok());
  CHECK_THAT(flag.error().message, ContainsSubstring("--top-p must be a number, not \"lots\""));
  auto missing = sampling_from_flags({"--seed"});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, ContainsSubstring("--seed needs a value"));
}

TEST_CASE("generate refuses runs without the causal mask") {
  auto m = bundled();
  RunOptions o;
  o.causal = false;
  auto g = generate(*m, kPrompt, o, {});
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.error().message, ContainsSubstring("causal"));
}
