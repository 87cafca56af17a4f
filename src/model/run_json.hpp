// src/model — the JSON the CLIs print (native and wasm print the same bytes for
// the same numbers): tokenize -> {ids, tokens}; run -> {ids, tokens, n_layer,
// n_head, truncated, attention, logits_last}; score -> {tokens, mean_nll}.
#pragma once

#include <string>

#include "model/gpt2.hpp"

namespace hs::model {

std::string tokenize_json(const std::vector<int32_t>& ids, const std::vector<std::string>& tokens);
std::string run_json(const RunResult& r);
std::string score_json(const Model::Score& s);

}  // namespace hs::model
