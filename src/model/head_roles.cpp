// Head-role scores over a run's attention; see head_roles.hpp for definitions.
#include "model/head_roles.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <random>

#include "json/json.hpp"
#include "kernels/thread_pool.hpp"

namespace hs::model {

const std::vector<std::string>& head_score_names() {
  static const std::vector<std::string> names = {"previous_token", "first_token", "self",
                                                 "same_token",     "induction",   "punctuation",
                                                 "to_cls",         "to_sep",      "next_token",
                                                 "broad"};
  return names;
}

double head_score(const HeadScores& s, std::size_t index) {
  switch (index) {
    case 0: return s.previous_token;
    case 1: return s.first_token;
    case 2: return s.self;
    case 3: return s.same_token;
    case 4: return s.induction;
    case 5: return s.punctuation;
    case 6: return s.to_cls;
    case 7: return s.to_sep;
    case 8: return s.next_token;
    default: return s.broad;
  }
}

namespace {
bool is_punctuation_token(const std::string& text) {
  bool any = false;
  for (unsigned char c : text) {
    if (c == ' ' || c == '\t') continue;
    if (c == '\n' || c == '\r' || (c < 0x80 && std::ispunct(c))) {
      any = true;
      continue;
    }
    return false;
  }
  return any;
}

bool is_sequence_start_token(const std::string& text) { return text == "[CLS]" || text == "<s>"; }
bool is_sequence_end_token(const std::string& text) { return text == "[SEP]" || text == "</s>"; }

// Query i's whole-row sums of one head (see HeadRowSums); row = A[i, :] of a [T, T] matrix.
HeadRowSums::Row row_sums(const float* row, std::size_t i, std::size_t T, const std::vector<int32_t>& ids,
                          const std::vector<bool>& punct, bool causal) {
  HeadRowSums::Row out;
  if (i >= 1) {
    for (std::size_t j = 0; j < i; ++j) {
      if (ids[j] == ids[i]) {
        out.has_same = true;
        out.same_token += row[j];
        if (j + 1 < i) {
          out.has_induction = true;
          out.induction += row[j + 1];
        }
      }
      if (punct[j]) out.punctuation += row[j];
    }
    if (punct[i]) out.punctuation += row[i];
  }
  const std::size_t keys = causal ? i + 1 : T;  // the keys query i can see
  if (keys >= 2) {
    double entropy = 0;  // -sum_j a_j log a_j, in nats
    for (std::size_t j = 0; j < keys; ++j)
      if (row[j] > 0) entropy -= row[j] * std::log(static_cast<double>(row[j]));
    out.broad = entropy / std::log(static_cast<double>(keys));
    out.has_broad = true;
  }
  return out;
}

// The encoder patterns of one head over one run (see head_roles.hpp): to [CLS],
// to [SEP], to the next token, and how broad each row is (from its row sums).
struct EncoderPatternSums {
  double to_cls = 0, to_sep = 0, next_token = 0, broad = 0;
  std::size_t cls_queries = 0, sep_queries = 0, next_queries = 0, broad_queries = 0;
};

EncoderPatternSums encoder_pattern_sums(const float* A, std::size_t T, const HeadRowSums::Row* rows,
                                        bool starts_with_cls, bool ends_with_sep) {
  EncoderPatternSums sums;
  for (std::size_t i = 0; i < T; ++i) {
    const float* row = A + i * T;  // A[i, :]
    if (starts_with_cls) { sums.to_cls += row[0]; ++sums.cls_queries; }
    if (ends_with_sep) { sums.to_sep += row[T - 1]; ++sums.sep_queries; }
    if (i + 1 < T) { sums.next_token += row[i + 1]; ++sums.next_queries; }
    if (rows[i].has_broad) { sums.broad += rows[i].broad; ++sums.broad_queries; }
  }
  return sums;
}
}  // namespace

HeadRowSums HeadRowSums::prefix(std::size_t p) const {
  HeadRowSums out;
  out.rows = std::min(p, rows);
  out.heads.reserve(heads.size());
  for (const auto& h : heads) out.heads.emplace_back(h.begin(), h.begin() + out.rows);
  return out;
}

void HeadScoreTotals::add(const RunResult& r) {
  HeadRowSums rows;
  add(r, rows);
}

void HeadScoreTotals::add(const RunResult& r, HeadRowSums& rows) {
  const std::size_t T = r.T, L = r.n_layer, H = r.n_head;
  if (heads_.empty()) heads_.resize(L * H);
  if (r.family == Family::Bert) encoder_ = true;
  const bool starts_with_cls = T > 0 && !r.tokens.empty() && is_sequence_start_token(r.tokens[0]);
  const bool ends_with_sep = T > 0 && r.tokens.size() >= T && is_sequence_end_token(r.tokens[T - 1]);
  std::vector<bool> punct(T);
  for (std::size_t j = 0; j < T; ++j) punct[j] = j < r.tokens.size() && is_punctuation_token(r.tokens[j]);
  // rows [0, known) are there; the rest are computed below (every row of an encoder run)
  const std::size_t known = r.causal && rows.heads.size() == L * H ? std::min(rows.rows, T) : 0;
  rows.heads.resize(L * H);
  for (auto& h : rows.heads) h.resize(T);  // (before the threads: their bodies do not allocate)
  rows.rows = T;
  // heads are independent: each is scored by one thread, with the same code for any count
  kernels::parallel_for(L * H, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t lh = begin; lh < end; ++lh) {
      const float* A = r.attention.data() + lh * T * T;
      HeadRowSums::Row* row_sum = rows.heads[lh].data();
      for (std::size_t i = known; i < T; ++i) row_sum[i] = row_sums(A + i * T, i, T, r.ids, punct, r.causal);
      Head& head = heads_[lh];
      HeadScores& sum = head.sums;
      for (std::size_t i = 1; i < T; ++i) {
        const float* row = A + i * T;
        ++head.queries;
        sum.previous_token += row[i - 1];
        sum.first_token += row[0];
        sum.self += row[i];
        sum.punctuation += row_sum[i].punctuation;
        if (row_sum[i].has_same) { sum.same_token += row_sum[i].same_token; ++head.same_token_queries; }
        if (row_sum[i].has_induction) { sum.induction += row_sum[i].induction; ++head.induction_queries; }
      }
      const EncoderPatternSums enc = encoder_pattern_sums(A, T, row_sum, starts_with_cls, ends_with_sep);
      sum.to_cls += enc.to_cls;
      sum.to_sep += enc.to_sep;
      sum.next_token += enc.next_token;
      sum.broad += enc.broad;
      head.cls_queries += enc.cls_queries;
      head.sep_queries += enc.sep_queries;
      head.next_queries += enc.next_queries;
      head.broad_queries += enc.broad_queries;
    }
  });
}

std::vector<HeadScores> HeadScoreTotals::scores() const {
  const double nan = std::nan("");
  auto mean = [nan](double sum, std::size_t n) { return n ? sum / n : nan; };
  std::vector<HeadScores> out(heads_.size());
  for (std::size_t k = 0; k < heads_.size(); ++k) {
    const Head& head = heads_[k];
    HeadScores& s = out[k];
    s.previous_token = mean(head.sums.previous_token, head.queries);
    s.first_token = mean(head.sums.first_token, head.queries);
    s.self = mean(head.sums.self, head.queries);
    s.punctuation = mean(head.sums.punctuation, head.queries);
    s.same_token = mean(head.sums.same_token, head.same_token_queries);
    s.induction = mean(head.sums.induction, head.induction_queries);
    s.to_cls = mean(head.sums.to_cls, head.cls_queries);
    s.to_sep = mean(head.sums.to_sep, head.sep_queries);
    s.next_token = mean(head.sums.next_token, head.next_queries);
    s.broad = mean(head.sums.broad, head.broad_queries);
    s.encoder = encoder_;
  }
  return out;
}

std::vector<HeadScores> score_heads(const RunResult& r) {
  HeadScoreTotals totals;
  totals.add(r);
  return totals.scores();
}

std::vector<HeadScores> score_heads(const RunResult& r, HeadRowSums& rows) {
  HeadScoreTotals totals;
  totals.add(r, rows);
  return totals.scores();
}

namespace {
// The name of the highest finite score of `candidates` that reaches `threshold`, or nullptr.
const char* strongest(std::initializer_list<std::pair<const char*, double>> candidates, double threshold) {
  const char* best = nullptr;
  double best_v = threshold;
  for (const auto& [name, v] : candidates)
    if (std::isfinite(v) && v >= best_v) { best = name; best_v = v; }
  return best;
}
}  // namespace

std::string head_role(const HeadScores& s, double threshold, double broad_threshold) {
  // specific patterns first, then the resting places
  if (!s.encoder) {
    if (const char* best = strongest({{"induction", s.induction},
                                      {"previous_token", s.previous_token},
                                      {"same_token", s.same_token},
                                      {"punctuation", s.punctuation}},
                                     threshold))
      return best;
    if (std::isfinite(s.first_token) && s.first_token >= threshold && s.first_token >= s.self) return "first_token";
    if (std::isfinite(s.self) && s.self >= threshold) return "self";
    return "mixed";
  }
  if (const char* best = strongest({{"induction", s.induction},
                                    {"previous_token", s.previous_token},
                                    {"next_token", s.next_token},
                                    {"same_token", s.same_token},
                                    {"punctuation", s.punctuation}},
                                   threshold))
    return best;
  if (const char* rest = strongest({{"to_sep", s.to_sep}, {"to_cls", s.to_cls}}, threshold)) return rest;
  if (std::isfinite(s.first_token) && s.first_token >= threshold && s.first_token >= s.self) return "first_token";
  if (std::isfinite(s.self) && s.self >= threshold) return "self";
  if (std::isfinite(s.broad) && s.broad >= broad_threshold) return "broad";
  return "mixed";
}

std::vector<int32_t> induction_probe(std::size_t n, int32_t lo, int32_t hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> d(lo, hi - 1);
  std::vector<int32_t> ids(n);
  for (auto& id : ids) id = d(rng);
  ids.insert(ids.end(), ids.begin(), ids.end());
  return ids;
}

std::string head_scores_json(const std::vector<HeadScores>& scores, int n_layer, int n_head) {
  std::string out = "{\"names\":[";
  const auto& names = head_score_names();
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (k) out += ',';
    json::write_string(out, names[k]);
  }
  out += "],\"scores\":[";
  for (int l = 0; l < n_layer; ++l) {
    out += l ? ",[" : "[";
    for (int h = 0; h < n_head; ++h) {
      out += h ? ",[" : "[";
      const HeadScores& s = scores[l * n_head + h];
      for (std::size_t k = 0; k < names.size(); ++k) {
        if (k) out += ',';
        double v = head_score(s, k);
        if (std::isfinite(v)) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.5g", v);
          out += buf;
        } else {
          out += "null";
        }
      }
      out += ']';
    }
    out += ']';
  }
  out += "],\"roles\":[";
  for (int l = 0; l < n_layer; ++l) {
    out += l ? ",[" : "[";
    for (int h = 0; h < n_head; ++h) {
      if (h) out += ',';
      json::write_string(out, head_role(scores[l * n_head + h]));
    }
    out += ']';
  }
  out += "]}";
  return out;
}

std::vector<int32_t> model_induction_probe(const Model& model, std::size_t probe_len) {
  const auto& cfg = model.config();
  // skip the 256 byte tokens when the vocabulary is large enough, and the last id
  // (<|endoftext|> by convention)
  const int32_t vocab = static_cast<int32_t>(std::min<std::size_t>(model.tokenizer().vocab_size(), cfg.vocab_size));
  const int32_t lo = vocab > 1024 ? 256 : 0;
  const int32_t hi = std::max(lo + 1, vocab - 1);
  const std::size_t n = std::min<std::size_t>(probe_len, static_cast<std::size_t>(cfg.n_positions) / 2);
  return induction_probe(std::max<std::size_t>(n, 1), lo, hi);
}

Result<std::string> roles_json(const Model& model, std::string_view text, const RunOptions& options,
                               std::size_t probe_len) {
  HS_TRY_ASSIGN(RunResult r, model.run(text, options));
  HS_TRY_ASSIGN(RunResult p, model.run_ids(model_induction_probe(model, probe_len), options));
  std::string out = "{\"text\":" + head_scores_json(score_heads(r), r.n_layer, r.n_head);
  out += ",\"probe\":" + head_scores_json(score_heads(p), p.n_layer, p.n_head) + "}";
  return out;
}

}  // namespace hs::model
