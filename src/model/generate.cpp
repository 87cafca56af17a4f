// Generation: the sampling knobs' grammar, the choice of a next token, the
// step that runs one new position with prefix reuse, and the CLI's JSON.
#include "model/generate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <numeric>

#include "json/json.hpp"
#include "json/writer.hpp"
#include "tokenizer/utf8.hpp"

namespace hs::model {

namespace {

constexpr double kMaxSeed = 9007199254740992.0;  // 2^53: every seed is exact in a JS number

// One sampling knob: its JSON key, what its value looks like, and the check that sets it.
struct SamplingKnob {
  const char* name;
  const char* value_help;
  std::function<Status(SamplingOptions&, double x, const std::string& who)> set;
};

bool is_whole(double x) { return std::floor(x) == x; }

const std::vector<SamplingKnob>& sampling_table() {
  static const std::vector<SamplingKnob> table = {
      {"max_new", "N", [](SamplingOptions& o, double x, const std::string& who) -> Status {
         if (!is_whole(x) || x < 1 || x > 1e6) return make_error(who + " must be a whole number of tokens, 1 or more");
         o.max_new = static_cast<std::size_t>(x);
         return {};
       }},
      {"sample_temperature", "X", [](SamplingOptions& o, double x, const std::string& who) -> Status {
         if (!(x >= 0) || x > 1e6) return make_error(who + " must be 0 (greedy) or a positive number");
         o.temperature = x;
         return {};
       }},
      {"top_k", "K", [](SamplingOptions& o, double x, const std::string& who) -> Status {
         if (!is_whole(x) || x < 0 || x > 1e9) return make_error(who + " must be a non-negative integer (0: all tokens)");
         o.top_k = static_cast<std::size_t>(x);
         return {};
       }},
      {"top_p", "P", [](SamplingOptions& o, double x, const std::string& who) -> Status {
         if (!(x > 0 && x <= 1)) return make_error(who + " must be in (0, 1]");
         o.top_p = x;
         return {};
       }},
      {"seed", "S", [](SamplingOptions& o, double x, const std::string& who) -> Status {
         if (!is_whole(x) || x < 0 || x >= kMaxSeed) return make_error(who + " must be an integer in [0, 2^53)");
         o.seed = static_cast<uint64_t>(x);
         return {};
       }},
  };
  return table;
}

const SamplingKnob* find_sampling_knob(const std::string& name) {
  for (const SamplingKnob& k : sampling_table())
    if (name == k.name) return &k;
  return nullptr;
}

std::string knob_flag(const char* name) {
  std::string f = std::string("--") + name;
  std::replace(f.begin(), f.end(), '_', '-');
  return f;
}

std::string known_sampling_names() {
  std::string out;
  for (const SamplingKnob& k : sampling_table()) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The context a run of this model with these options can hold.
std::size_t context_limit(const ModelSpec& c, const RunOptions& o) {
  std::size_t limit = static_cast<std::size_t>(c.n_positions);
  if (o.max_tokens > 0) limit = std::min(limit, o.max_tokens);
  return limit;
}

bool is_end_of_text(const ModelSpec& c, int32_t id) {
  return std::find(c.eos_token_ids.begin(), c.eos_token_ids.end(), id) != c.eos_token_ids.end();
}

}  // namespace

Result<SamplingOptions> sampling_options_from_json(std::string_view json_text) {
  SamplingOptions o;
  if (json_text.empty()) return o;
  HS_TRY_ASSIGN(json::Value v, json::parse(json_text, "sampling options"));
  if (!v.is_object()) return make_error("sampling options must be a JSON object");
  for (std::size_t i = 0; i < v.keys.size(); ++i) {
    const SamplingKnob* k = find_sampling_knob(v.keys[i]);
    const std::string who = "sampling option \"" + v.keys[i] + "\"";
    if (!k) return make_error("unknown " + who + " (known: " + known_sampling_names() + ")");
    if (!v.items[i].is_number()) return make_error(who + " must be a number");
    HS_TRY(k->set(o, v.items[i].number, who));
  }
  return o;
}

Result<bool> apply_sampling_flag(SamplingOptions& o, int argc, char** argv, int& i) {
  const std::string flag = argv[i];
  if (flag.size() < 3 || flag.compare(0, 2, "--") != 0) return false;
  std::string name = flag.substr(2);
  std::replace(name.begin(), name.end(), '-', '_');
  const SamplingKnob* k = find_sampling_knob(name);
  if (!k) return false;
  if (i + 1 >= argc) return make_error(flag + " needs a value (" + k->value_help + ")");
  const std::string text = argv[++i];
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(x)) return make_error(flag + " must be a number, not \"" + text + "\"");
  HS_TRY(k->set(o, x, flag));
  return true;
}

std::string sampling_flags_usage() {
  std::string out;
  for (const SamplingKnob& k : sampling_table())
    out += (out.empty() ? "" : " ") + std::string("[") + knob_flag(k.name) + " " + k.value_help + "]";
  return out;
}

double uniform_at(uint64_t seed, std::size_t step) {
  const uint64_t bits = splitmix64(seed + 0x9e3779b97f4a7c15ull * (uint64_t(step) + 1));
  return double(bits >> 11) * (1.0 / 9007199254740992.0);
}

Result<Choice> choose_next(const std::vector<float>& logits, const SamplingOptions& o, std::size_t step) {
  if (logits.empty()) return make_error("there are no logits to choose the next token from");
  for (float x : logits)
    if (!std::isfinite(x))
      return make_error("the last position's logits are not finite (NaN or Inf in the weights or activations): "
                        "there is no next token to choose");
  const std::size_t V = logits.size();
  const double top = *std::max_element(logits.begin(), logits.end());
  double z = 0.0;  // softmax at temperature 1, for the chosen token's probability
  for (float x : logits) z += std::exp(double(x) - top);
  auto model_prob = [&](int32_t id) { return std::exp(double(logits[std::size_t(id)]) - top) / z; };

  if (o.temperature == 0.0) {  // greedy: the first largest logit
    const auto id = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    return Choice{id, model_prob(id)};
  }
  // candidates by logit, largest first (equal logits: lower id first)
  std::vector<int32_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  const std::size_t k = o.top_k > 0 ? std::min(o.top_k, V) : V;
  std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(k), order.end(), before);
  order.resize(k);
  std::vector<double> w(k);
  double sum = 0.0;
  for (std::size_t i = 0; i < k; ++i) sum += w[i] = std::exp((double(logits[order[i]]) - top) / o.temperature);
  std::size_t keep = k;  // top-p: the fewest leading candidates whose share reaches top_p
  if (o.top_p < 1.0) {
    double cum = 0.0;
    for (keep = 0; keep < k;) {
      cum += w[keep++] / sum;
      if (cum >= o.top_p) break;
    }
  }
  double kept = 0.0;
  for (std::size_t i = 0; i < keep; ++i) kept += w[i];
  const double u = uniform_at(o.seed, step) * kept;
  double cum = 0.0;
  for (std::size_t i = 0; i < keep; ++i) {
    cum += w[i];
    if (u < cum) return Choice{order[i], model_prob(order[i])};
  }
  return Choice{order[keep - 1], model_prob(order[keep - 1])};  // (u rounded up to the total)
}

const char* stop_name(Stop s) {
  switch (s) {
    case Stop::MaxNew: return "max_new";
    case Stop::Context: return "context";
    case Stop::EndOfText: return "end_of_text";
  }
  return "";
}

std::string stop_sentence(Stop s, const ModelSpec& c, const RunOptions& o) {
  switch (s) {
    case Stop::MaxNew: return "generated the tokens asked for (max_new)";
    case Stop::Context: {
      const std::size_t limit = context_limit(c, o);
      return "reached the context length (" + std::to_string(limit) + " tokens" +
             (limit < std::size_t(c.n_positions) ? ", max_tokens" : ", the model's n_positions") + ")";
    }
    case Stop::EndOfText: return "the model chose its end-of-text token";
  }
  return "";
}

Status check_can_generate(const Model& model, const RunOptions& options) {
  const ModelSpec& c = model.config();
  if (!c.causal)
    return make_error(c.model_type + " is an encoder: its attention goes both ways, so it does not continue a text "
                      "token by token; fill a masked token instead (the masked-token view)");
  if (!options.causal) return make_error("generate needs the causal mask: drop causal=false (--no-causal)");
  if (!model.weights().has_lm_head) return make_error("the model has no LM head: it predicts no next token");
  return {};
}

Result<StepResult> generate_step(const Model& model, const RunResult& previous, const SamplingOptions& sampling,
                                 std::size_t step) {
  const ModelSpec& c = model.config();
  HS_TRY(check_can_generate(model, previous.options));
  const std::size_t limit = context_limit(c, previous.options);
  if (previous.T >= limit)
    return make_error("the text already fills the context (" + std::to_string(limit) +
                      " tokens): there is no room for another token");
  HS_TRY_ASSIGN(Choice choice, choose_next(previous.logits_last, sampling, step));
  std::vector<int32_t> ids = previous.ids;
  ids.push_back(choice.id);
  HS_TRY_ASSIGN(RunResult run, model.run_ids(std::move(ids), previous.options, &previous));
  StepResult s{std::move(run), choice, std::nullopt};
  if (is_end_of_text(c, choice.id)) s.stop = Stop::EndOfText;
  else if (step + 1 >= sampling.max_new) s.stop = Stop::MaxNew;
  else if (s.run.T >= limit) s.stop = Stop::Context;
  return s;
}

namespace {
// The bytes as text: each byte that does not start a well-formed UTF-8 sequence becomes U+FFFD
// (a token can be part of a character, or random bytes of an untrained model).
std::string as_text(const std::string& bytes) {
  std::string out;
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t i = 0; i < bytes.size();) {
    uint32_t cp = 0;
    const std::size_t n = tokenizer::utf8::decode(s, bytes.size(), i, &cp);
    if (n == 0) {
      tokenizer::utf8::append(out, 0xFFFD);
      ++i;
    } else {
      out.append(bytes, i, n);
      i += n;
    }
  }
  return out;
}
}  // namespace

std::string continuation_text(const tokenizer::Tokenizer& tok, const std::vector<int32_t>& ids,
                              std::size_t prompt_tokens) {
  const std::string all = tok.decode(ids);
  const std::string prompt = tok.decode(std::vector<int32_t>(ids.begin(), ids.begin() + std::ptrdiff_t(prompt_tokens)));
  if (all.compare(0, prompt.size(), prompt) == 0) return as_text(all.substr(prompt.size()));
  return as_text(tok.decode(std::vector<int32_t>(ids.begin() + std::ptrdiff_t(prompt_tokens), ids.end())));
}

Result<Generation> generate(const Model& model, std::string_view text, const RunOptions& options,
                            const SamplingOptions& sampling) {
  HS_TRY(check_can_generate(model, options));
  Generation g;
  HS_TRY_ASSIGN(g.last, model.run(text, options));
  g.prompt_tokens = g.last.T;
  if (g.last.T >= context_limit(model.config(), options)) {
    g.stop = Stop::Context;  // the prompt fills the context already
  } else {
    for (std::size_t step = 0;; ++step) {
      HS_TRY_ASSIGN(StepResult s, generate_step(model, g.last, sampling, step));
      g.last = std::move(s.run);
      g.probs.push_back(s.choice.prob);
      if (s.stop) {
        g.stop = *s.stop;
        break;
      }
    }
  }
  g.continuation = continuation_text(model.tokenizer(), g.last.ids, g.prompt_tokens);
  return g;
}

std::string generation_json(const Generation& g, const ModelSpec& config) {
  json::Writer w;
  w.begin_object().key("ids").array(g.last.ids).key("tokens").array(g.last.tokens);
  w.field("prompt_tokens", g.prompt_tokens).key("probs").array(g.probs);
  w.field("stopped", std::string(stop_name(g.stop)));
  w.field("stopped_because", stop_sentence(g.stop, config, g.last.options));
  w.field("continuation", g.continuation).end_object();
  return w.take();
}

}  // namespace hs::model
