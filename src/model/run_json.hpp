// src/model — the JSON the CLIs print (native and wasm print the same bytes for
// the same numbers): tokenize -> {ids, tokens}; run -> {ids, tokens, family,
// n_layer, n_head, n_kv_head, causal, truncated, nonfinite, attention, logits_last}; score -> {tokens, mean_nll}
// (lens: src/model/logit_lens.hpp).
#pragma once

#include <string>

#include "model/model.hpp"

namespace hs::model {

std::string tokenize_json(const std::vector<int32_t>& ids, const std::vector<std::string>& tokens);
std::string run_json(const RunResult& r);
std::string score_json(const Model::Score& s);

}  // namespace hs::model
