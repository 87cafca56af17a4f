// src/model — the logit lens (nostalgebraist, 2020): what the model would predict
// if it stopped after block l, for every layer l and position t, read from the
// residual stream a run kept (RunOptions::lens):
//   p_l(t) = softmax(head(x_l[t]))      x_l: [T, C] the residual stream after block l
// where head is the family's own LM head with its input transform (the final norm
// of a decoder, the masked-LM transform of an encoder). After the last block this
// is the model's own prediction. Kept per (l, t): the top K ids and probabilities,
// and the probability p_l(t) gives the last layer's top token (the lens' colour).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "model/model.hpp"

namespace hs::model {

struct LogitLens {
  std::size_t n_layer = 0, T = 0, top = 0;
  std::vector<int32_t> top_ids;        // [L, T, K] most probable first (ties: the lower id)
  std::vector<float> top_probs;        // [L, T, K]
  std::vector<std::string> top_tokens; // [L, T, K] as the user reads them (Tokenizer::token_text)
  std::vector<int32_t> final_ids;      // [T] the last layer's top token at each position
  std::vector<float> final_prob;       // [L, T] p_l(t)[final_ids[t]]
  std::size_t layers_left = 0;         // layers [0, layers_left) are still to compute (logit_lens_step)

  bool complete() const { return layers_left == 0; }
};

// The lens of a finished run of `model` that kept its residual stream. Errors: the
// run kept none, top < 1 or above the vocabulary, the checkpoint has no LM head.
Result<LogitLens> logit_lens(const Model& model, const RunResult& run, std::size_t top);

// The same a layer at a time, for a caller that must not be busy for long (the page's
// worker): begin checks and computes the last layer (its top tokens colour the others),
// each step one more layer, from the top down, until complete().
Result<LogitLens> logit_lens_begin(const Model& model, const RunResult& run, std::size_t top);
Status logit_lens_step(const Model& model, const RunResult& run, LogitLens& lens);

// The lens as the CLI's JSON: {ids, tokens, family, n_layer, top, top_ids, top_probs,
// top_tokens ([L][T][K] each), final_ids [T], final_prob [L][T]}.
std::string lens_json(const RunResult& run, const LogitLens& lens);

}  // namespace hs::model
