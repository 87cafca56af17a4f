// src/model/generate — continuing a text token by token with a causal model:
// the choice of each next token (greedy, or sampled with temperature, top-k and
// top-p from an explicit seed) and the loop that appends it and runs only the
// new position (Model::run_ids with the previous run: prefix reuse). The same
// code serves the native CLI (`headscope generate`) and the wasm module (one
// step per call, so the worker can draw each token as it comes); the random
// numbers are our own integer hash of (seed, step), so both give the same ids.
//
// Sampling knobs have one grammar, like run options: JSON keys max_new,
// sample_temperature, top_k, top_p, seed; CLI flags --max-new, --sample-temperature,
// --top-k, --top-p, --seed. ("temperature" is already the attention softmax's
// run option, so the sampling one is named sample_temperature.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "model/model.hpp"

namespace hs::model {

struct SamplingOptions {
  std::size_t max_new = 16;        // tokens to add at most
  double temperature = 0.0;        // 0: greedy (argmax); > 0: sample from softmax(logits / temperature)
  std::size_t top_k = 0;           // sample among the k most likely tokens (0: all)
  double top_p = 1.0;              // ... and among the fewest whose probabilities sum to >= top_p
  uint64_t seed = 0;               // with step, the only source of randomness
};

// Options from a JSON object ({"max_new":8,"sample_temperature":0.7,...}); "" is all defaults.
// Unknown keys and out-of-range values are errors naming the key.
Result<SamplingOptions> sampling_options_from_json(std::string_view json_text);

// Like apply_run_option_flag: if argv[i] is a sampling flag, applies it (consuming its value).
Result<bool> apply_sampling_flag(SamplingOptions& options, int argc, char** argv, int& i);

// The flags of apply_sampling_flag, for a usage message.
std::string sampling_flags_usage();

// A uniform number in [0, 1) that depends only on (seed, step): splitmix64's mixing of
// seed + step * its golden-ratio increment, top 53 bits.
double uniform_at(uint64_t seed, std::size_t step);

struct Choice {
  int32_t id = 0;
  double prob = 0.0;  // the model's probability of `id` (softmax of the logits, temperature 1, no top-k/top-p)
};

// The next token after a run, from its logits_last, at generation step `step`
// (0 for the first new token). Greedy: the largest logit (the lowest id among equals).
Result<Choice> choose_next(const std::vector<float>& logits, const SamplingOptions& options, std::size_t step);

// Why a generation stops.
enum class Stop { MaxNew, Context, EndOfText };
const char* stop_name(Stop s);            // "max_new", "context", "end_of_text"
std::string stop_sentence(Stop s, const ModelSpec& config, const RunOptions& options);

// Refuses what cannot continue text: encoders (attention both ways: their
// predictions are the masked-token view's), runs without the causal mask, a
// model without an LM head.
Status check_can_generate(const Model& model, const RunOptions& options);

// One step: choose the token after `previous` and run previous.ids + [it],
// reusing every position of `previous`.
struct StepResult {
  RunResult run;
  Choice choice;
  std::optional<Stop> stop;  // set when no further step may follow (end of text, max_new, context)
};
Result<StepResult> generate_step(const Model& model, const RunResult& previous, const SamplingOptions& sampling,
                                 std::size_t step);

// The whole loop: the prompt's run, then generate_step until a stop.
struct Generation {
  RunResult last;                // the run over prompt + generated tokens
  std::size_t prompt_tokens = 0; // leading ids of last.ids that were the prompt
  std::vector<double> probs;     // per generated token: Choice::prob
  Stop stop = Stop::MaxNew;
  std::string continuation;      // the generated tokens as text (what the text box gets appended)
};
Result<Generation> generate(const Model& model, std::string_view text, const RunOptions& options,
                            const SamplingOptions& sampling);

// The generated ids' text, as it continues the prompt's text: decode(all) minus decode(prompt)
// when that is a prefix (so a leading space the decoder strips at the start is kept), else decode(generated).
// Bytes that are not well-formed UTF-8 (part of a character, or an untrained model's bytes) become U+FFFD.
std::string continuation_text(const tokenizer::Tokenizer& tok, const std::vector<int32_t>& ids,
                              std::size_t prompt_tokens);

// The CLI's JSON: {ids, tokens, prompt_tokens, probs, stopped, stopped_because, continuation}.
std::string generation_json(const Generation& g, const ModelSpec& config);

}  // namespace hs::model
