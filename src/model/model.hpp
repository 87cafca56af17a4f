// src/model — the Model (spec + tokenizer + weights) that turns text into a
// RunResult: the forward pass of every family, keeping every head's attention.
// A causal run can reuse the unchanged prefix of an earlier run (its keys and
// values per layer), computing only the positions after it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "model/config.hpp"
#include "model/run_options.hpp"
#include "model/weights.hpp"
#include "tokenizer/tokenizer.hpp"

namespace hs::model {

// The result arrays of a run are refused above this size (the attention of a
// long text in a big model grows as L x H x T^2), with an error that says so.
constexpr std::size_t kMaxResultBytes = std::size_t(1) << 30;

// Floats a run on T tokens allocates for its result arrays and scratch.
double run_result_floats(const ModelSpec& config, std::size_t T, const RunOptions& options);

// Whether a run on T tokens can allocate its arrays: over kMaxResultBytes, or
// more than malloc can give now, is an error saying so (Model::run_ids checks
// this before it allocates anything).
Status check_run_fits(const ModelSpec& config, std::size_t T, const RunOptions& options);

struct RunResult {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;  // as the user reads them (Tokenizer::token_text)
  bool truncated = false;           // the text had more tokens than n_positions
  std::size_t n_tokens_in_text = 0; // before truncation
  Family family = Family::Gpt2;
  int n_layer = 0, n_head = 0, n_kv_head = 0, head_dim = 0, n_embd = 0, vocab_size = 0;
  bool causal = true;               // the mask this run used
  std::size_t T = 0;
  std::size_t reused = 0;           // leading positions copied from the previous run (0: computed in full)
  RunOptions options;               // what the run was asked for
  std::vector<float> attention;     // [L, H, T, T]
  std::vector<float> logits_last;   // [V]
  std::vector<float> logits_all;    // [T, V] when requested; rows [0, logits_all_rows) hold numbers
  std::size_t logits_all_rows = 0;  // (a reused run starts with the previous run's rows)
  std::vector<double> nll;          // [T - 1] next-token NLL of each position, rows [0, nll_rows) computed
  std::size_t nll_rows = 0;
  std::vector<float> final_hidden;  // [T, C] what the LM head reads (after the final norm, or the
                                    // masked-LM transform): logits of any position on demand
  std::vector<float> score_scale;   // [L, H] factor each head's q.k was multiplied by before softmax
                                    // (1/sqrt(d_k), or 1 without scaling; temperature not included)
  bool nonfinite = false;           // NaN/Inf appeared in weights or activations
  std::vector<float> kv;            // [L, T, 2 KV] keys (rotated) | values of every layer (causal runs)
  // value-weighted attention (options.value_weighted): what key j adds to query i's output of
  // head h is alpha_ij v_j W_O^h; its size alpha_ij ||v_j W_O^h|| (Kobayashi et al., 2020)
  std::vector<float> value_weighted;  // [L, H, T, T]
  std::vector<float> value_norms;     // [L, H, T] ||v_j W_O^h||
  std::vector<float> residuals;       // [L, T, C] the residual stream after each block (options.lens)
  // intermediates (keep_intermediates); Q = n_head * head_dim, KV = n_kv_head * head_dim
  std::vector<float> qkv;           // [L, T, Q + 2 KV]  q | k | v, per layer (rotated, where rotary)
  std::vector<float> scores;        // [L, H, T, T] raw q.k before scale and mask
  std::vector<float> head_out;      // [L, T, Q]  concatenated head outputs before the output projection
};

class Model {
 public:
  Model(ModelSpec config, tokenizer::Tokenizer tokenizer, Weights weights);

  const ModelSpec& config() const { return config_; }
  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  const Weights& weights() const { return weights_; }

  // Tokenize (truncating to n_positions), run, fill a RunResult. Errors: empty
  // text, ids outside the embedding table, options naming absent heads.
  // With `previous` (an earlier run of this model), a run that can reuse it
  // (same options, causal, no mean ablation, no intermediates) computes only
  // the positions after the ids both share; the numbers are the same as a full run's.
  Result<RunResult> run(std::string_view text, const RunOptions& options = {},
                        const RunResult* previous = nullptr) const;
  Result<RunResult> run_ids(std::vector<int32_t> ids, const RunOptions& options = {},
                            const RunResult* previous = nullptr) const;
  // The same, taking the arrays of `previous` instead of copying its reused rows:
  // they stay in place (rows moved only when T changes), so a keystroke on a long
  // text does not copy every head's matrix. On success `previous` is left empty
  // (no arrays, no ids: it cannot be reused again, and must not be read); on an
  // error it is as it was.
  Result<RunResult> run_taking(std::string_view text, const RunOptions& options, RunResult& previous) const;
  Result<RunResult> run_ids_taking(std::vector<int32_t> ids, const RunOptions& options, RunResult& previous) const;

  // Mean next-token negative log-likelihood (nats) over the text's tokens.
  struct Score {
    std::size_t tokens = 0;
    double mean_nll = 0.0;
    bool truncated = false;
  };
  Result<Score> score(std::string_view text, const RunOptions& options = {}) const;

  // The same mean NLL of a finished run, from its own logits (fills
  // r.logits_all if the run has not got them yet): no second forward pass.
  Result<Score> loss(RunResult& r) const;

  // Next-token logits [V] at `position` of a finished run (from its final_hidden).
  Result<std::vector<float>> logits_at(const RunResult& r, std::size_t position) const;

  // Fill r.logits_all [T, V] of a finished run from its final_hidden (the same
  // numbers as a run with all_logits, without running the blocks again).
  Status fill_all_logits(RunResult& r) const;

  // logits[rows, V] of residual-stream rows x[rows, C] read as if the model stopped
  // there: the LM head's input (final norm, or the masked-LM transform), then the LM
  // head (the logit lens, src/model/logit_lens.hpp). Errors: no LM head.
  Status residual_logits(const float* x, std::size_t rows, float* logits) const;

 private:
  std::string no_lm_head_message() const;
  std::string not_causal_message() const;
  // run's and run_taking's ids: the text tokenized, or an error for a text with no tokens.
  Result<std::vector<int32_t>> encode_text(std::string_view text, const RunOptions& options) const;
  // run_ids and run_ids_taking: `take` (when not null) is `previous`, whose arrays the run takes.
  Result<RunResult> run_ids_reusing(std::vector<int32_t> ids, const RunOptions& options, const RunResult* previous,
                                    RunResult* take) const;

  ModelSpec config_;
  tokenizer::Tokenizer tokenizer_;
  Weights weights_;
};

// Check that the tokenizer fits the model (its ids fit the embedding table).
Status check_tokenizer_fits(const ModelSpec& config, const tokenizer::Tokenizer& tok);

}  // namespace hs::model
