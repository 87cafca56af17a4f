// src/model — the knobs of one run (RunOptions) and their one grammar.
//
// Every option has one name. The wasm module (and so the page, the element and
// `node web/cli.mjs`) passes options as a JSON object keyed by that name; the
// native CLI spells the same name as a flag, '_' written '-': `--NAME VALUE`,
// or `--no-NAME` for a switch that is on by default. The table in
// run_options.cpp is the only place an option's name, type and check live.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace hs::model {

struct HeadRef {
  int layer = 0;
  int head = 0;
  bool operator==(const HeadRef& o) const { return layer == o.layer && head == o.head; }
};

enum class AblationMode { Zero, Mean };

// Knobs of one run: arguments, never state kept in the model.
struct RunOptions {
  bool causal = true;                 // causal mask (GPT-2 is a decoder: off only for teaching)
  bool scale = true;                  // divide scores by sqrt(d_k)
  float temperature = 1.0f;           // softmax temperature of `temperature_head` (all heads if layer < 0)
  HeadRef temperature_head{-1, -1};
  std::vector<HeadRef> ablate;        // heads whose output is removed
  AblationMode ablation = AblationMode::Zero;
  bool all_logits = false;            // logits for every position, not only the last
  bool keep_intermediates = false;    // q/k/v, raw scores and head outputs of every layer
  std::size_t max_tokens = 0;         // truncate to this many tokens (0: the model's n_positions)
  bool special = true;                // add the special tokens the tokenizer's post-processor names
  bool value_weighted = false;        // also ||alpha_ij v_j W_O^h|| per key (Kobayashi et al., 2020)
  bool lens = false;                  // keep the residual stream after every block (the logit lens)

  bool operator==(const RunOptions& o) const {
    return causal == o.causal && scale == o.scale && temperature == o.temperature &&
           temperature_head == o.temperature_head && ablate == o.ablate && ablation == o.ablation &&
           all_logits == o.all_logits && keep_intermediates == o.keep_intermediates && max_tokens == o.max_tokens &&
           special == o.special && value_weighted == o.value_weighted && lens == o.lens;
  }
};

// "L.H,L.H" -> heads; errors name the bad item.
Result<std::vector<HeadRef>> parse_head_list(const std::string& spec);

// Options from a JSON object ({"scale":false,"ablate":"0.1,1.2",...}); an empty
// string means all defaults. Unknown names are errors that list the known ones.
Result<RunOptions> run_options_from_json(std::string_view json_text);

// One command-line argument: if argv[i] is a run-option flag, applies it to
// `options` (consuming its value, so i may advance) and returns true; returns
// false for any other argument.
Result<bool> apply_run_option_flag(RunOptions& options, int argc, char** argv, int& i);

// The flags of apply_run_option_flag, for a usage message.
std::string run_option_flags_usage();

}  // namespace hs::model
