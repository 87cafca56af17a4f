// src/model — head roles: scores that say what kind of pattern each attention
// head follows, computed from a run's attention [L, H, T, T] and its ids.
// Definitions (every score is a mean attention mass in [0, 1]):
//   previous_token  mean over queries i >= 1 of A[i, i-1]
//   first_token     mean over queries i >= 1 of A[i, 0]           (attention sink)
//   self            mean over queries i >= 1 of A[i, i]
//   same_token      over queries i whose token occurred before (at some j < i):
//                   mean of the mass on those earlier occurrences
//   induction       over queries i whose token occurred before at j < i-1:
//                   mean of the mass on the tokens right after them, A[i, j+1]
//                   (on a random sequence repeated twice: "what came next last time")
//   punctuation     mean over queries i >= 1 of the mass on punctuation/newline keys j <= i
// Encoder patterns, scored on every run (every query i, 0 included, counts):
//   to_cls          mean of A[i, 0] when the first token is [CLS] or <s> (else NaN)
//   to_sep          mean of A[i, T-1] when the last token is [SEP] or </s> (else NaN)
//   next_token      mean over queries i < T-1 of A[i, i+1] (0 under a causal mask)
//   broad           mean over queries that see >= 2 keys of the row's entropy divided
//                   by log(keys it sees): T both ways, i+1 under the causal mask;
//                   1 = spread evenly, 0 = on one key (not a mass: a normalized entropy)
// A score is NaN when the text has no query it applies to.
// Roles: decoders (gpt2, llama, gpt_neox) get the first six roles only, exactly
// as before the encoder patterns existed; encoders (bert) can also be labelled
// to_cls, to_sep, next_token and broad (head_role).
#pragma once

#include <string>
#include <vector>

#include "model/model.hpp"

namespace hs::model {

struct HeadScores {
  double previous_token = 0, first_token = 0, self = 0, same_token = 0, induction = 0, punctuation = 0;
  double to_cls = 0, to_sep = 0, next_token = 0, broad = 0;
  bool encoder = false;  // scored on an encoder's runs: the encoder roles apply
};

// Names of the scores, in HeadScores order.
const std::vector<std::string>& head_score_names();
double head_score(const HeadScores& s, std::size_t index);

// The sums of one attention row behind the scores that read a whole row
// (same_token, induction, punctuation, broad), per head, for the first `rows`
// queries of a causal run. They are what costs: L x H x T^2 / 2 entries, a
// logarithm each. A run that keeps them hands the first p rows to the next run
// that reuses its first p attention rows (RunResult::reused >= p), which then
// scores only its new rows; the scores are the same bits as a full scoring. The
// scores that read one or two entries a row are summed afresh every time.
struct HeadRowSums {
  struct Row {
    double same_token = 0, induction = 0, punctuation = 0, broad = 0;
    bool has_same = false, has_induction = false, has_broad = false;
  };
  std::size_t rows = 0;                // queries [0, rows) of every head are here
  std::vector<std::vector<Row>> heads;  // [L * H][rows]

  // The first p rows (p <= rows), for a run whose first p attention rows are this run's.
  HeadRowSums prefix(std::size_t p) const;
};

// Per head, [L * H], from a run. `tokens` gives the display text used to find
// punctuation keys.
std::vector<HeadScores> score_heads(const RunResult& r);
// The same, with `rows` holding sums of r's first rows.rows queries (from prefix()
// of the run r reused them from, or from an earlier call on r); the missing rows
// are computed and kept in `rows`. An encoder run (no causal mask) recomputes
// every row: a row there reads every key, so it changes with T.
std::vector<HeadScores> score_heads(const RunResult& r, HeadRowSums& rows);

// The sums behind HeadScores over any number of runs of one model: every query
// of every run counts once, so the scores are means over all the runs' queries
// (score_heads is one run's). headscope-train analyze scores its validation
// windows and probes with it.
class HeadScoreTotals {
 public:
  void add(const RunResult& r);  // every run of the same model (same L and H)
  void add(const RunResult& r, HeadRowSums& rows);  // reading and filling `rows` (see score_heads)
  std::vector<HeadScores> scores() const;  // [L * H]

 private:
  struct Head {
    HeadScores sums;
    std::size_t queries = 0, same_token_queries = 0, induction_queries = 0;
    std::size_t cls_queries = 0, sep_queries = 0, next_queries = 0, broad_queries = 0;
  };
  bool encoder_ = false;
  std::vector<Head> heads_;
};

// The strongest role of a head: the name of its highest score if that score is
// at least `threshold`, else "mixed". First-token and self count only when no
// other role reaches the threshold (many heads park attention there).
// Encoders: next_token joins the specific patterns; to_sep and to_cls (the
// resting places of encoders) come before first_token and self; "broad" when
// nothing else applies and broad >= `broad_threshold`.
std::string head_role(const HeadScores& s, double threshold = 0.4, double broad_threshold = 0.85);

// A probe for induction: `n` random ids (fixed seed) in [lo, hi), repeated twice.
std::vector<int32_t> induction_probe(std::size_t n, int32_t lo, int32_t hi, unsigned seed = 1234);

// JSON: {"names":[...], "scores":[[L][H][k]], "roles":[[L][H]]} (NaN as null).
std::string head_scores_json(const std::vector<HeadScores>& scores, int n_layer, int n_head);

// The model's induction probe: `probe_len` random ids (no byte tokens when the
// vocabulary is large, no last id), repeated twice, fitting n_positions.
std::vector<int32_t> model_induction_probe(const Model& model, std::size_t probe_len = 24);

// Scores on the text's run and on the induction probe (a random sequence of
// 2 x `probe_len` tokens), as {"text": head_scores_json, "probe": head_scores_json}.
Result<std::string> roles_json(const Model& model, std::string_view text, const RunOptions& options,
                               std::size_t probe_len = 24);

}  // namespace hs::model
