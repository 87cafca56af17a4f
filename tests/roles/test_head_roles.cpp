// Head-role scores on constructed inputs: an attention pattern built by hand
// for each role must be scored and labelled as that role.
#include <cmath>
#include <cstring>
#include <random>

#include "catch.hpp"
#include "kernels/thread_pool.hpp"
#include "model/head_roles.hpp"

using namespace hs::model;

namespace {

// A one-layer run over `ids` with H heads whose attention rows are set by `pattern(h, i, row)`.
template <class F>
RunResult make_run(const std::vector<int32_t>& ids, int H, F pattern) {
  RunResult r;
  r.ids = ids;
  r.T = ids.size();
  r.n_layer = 1;
  r.n_head = H;
  for (int32_t id : ids) r.tokens.push_back(id == 0 ? "." : " w" + std::to_string(id));
  r.attention.assign(H * r.T * r.T, 0.0f);
  for (int h = 0; h < H; ++h)
    for (std::size_t i = 0; i < r.T; ++i) pattern(h, i, r.attention.data() + (h * r.T + i) * r.T);
  return r;
}

}  // namespace

TEST_CASE("roles: previous-token, first-token, self heads on a plain sentence") {
  std::vector<int32_t> ids = {5, 6, 7, 8, 9, 10, 11, 12};
  auto r = make_run(ids, 3, [](int h, std::size_t i, float* row) {
    std::size_t j = h == 0 ? (i ? i - 1 : 0) : h == 1 ? 0 : i;
    row[j] = 1.0f;
  });
  auto s = score_heads(r);
  REQUIRE(s.size() == 3);
  CHECK(s[0].previous_token == Catch::Approx(1.0));
  CHECK(head_role(s[0]) == "previous_token");
  CHECK(s[1].first_token == Catch::Approx(1.0));
  CHECK(head_role(s[1]) == "first_token");
  CHECK(s[2].self == Catch::Approx(1.0));
  CHECK(head_role(s[2]) == "self");
  CHECK(std::isnan(s[0].same_token));  // no repeated token: the score does not apply
  CHECK(std::isnan(s[0].induction));
  CHECK(head_scores_json(s, 1, 3).find("null") != std::string::npos);  // NaN scores are written as null
}

TEST_CASE("roles: an induction head on a repeated random sequence") {
  std::vector<int32_t> ids = induction_probe(10, 100, 200, 7);
  REQUIRE(ids.size() == 20);
  const std::size_t n = 10;
  // head 0: in the second copy, attend to the token after the earlier occurrence;
  // head 1: attend to the earlier occurrence itself (duplicate-token head)
  auto r = make_run(ids, 2, [&](int h, std::size_t i, float* row) {
    if (i >= n) row[h == 0 ? i - n + 1 : i - n] = 1.0f;
    else row[0] = 1.0f;
  });
  auto s = score_heads(r);
  CHECK(s[0].induction > 0.9);
  CHECK(head_role(s[0]) == "induction");
  CHECK(s[1].same_token > 0.9);
  CHECK(s[1].induction < 0.1);
  CHECK(head_role(s[1]) == "same_token");
}

TEST_CASE("roles: a sentence of identical tokens makes same-token attention total") {
  std::vector<int32_t> ids(6, 42);
  auto r = make_run(ids, 1, [](int, std::size_t i, float* row) {
    for (std::size_t j = 0; j <= i; ++j) row[j] = 1.0f / float(i + 1);
  });
  auto s = score_heads(r);
  // every earlier key is the same token: same-token mass = i / (i + 1) averaged
  double want = 0;
  for (int i = 1; i < 6; ++i) want += double(i) / (i + 1);
  CHECK(s[0].same_token == Catch::Approx(want / 5).epsilon(1e-6));
}

TEST_CASE("roles: punctuation heads and the JSON shape") {
  std::vector<int32_t> ids = {5, 6, 0, 7, 8, 0, 9};
  auto r = make_run(ids, 1, [&](int, std::size_t i, float* row) {
    std::size_t last_punct = 0;
    bool found = false;
    for (std::size_t j = 0; j <= i; ++j)
      if (ids[j] == 0) { last_punct = j; found = true; }
    row[found ? last_punct : i] = 1.0f;
  });
  auto s = score_heads(r);
  CHECK(s[0].punctuation > 0.6);
  std::string j = head_scores_json(s, 1, 1);
  CHECK(j.find("\"names\":[\"previous_token\"") != std::string::npos);
  CHECK(j.find("\"roles\":[[\"punctuation\"]]") != std::string::npos);
}

TEST_CASE("roles: HeadScoreTotals pools the queries of several runs") {
  // Run A: head 0 always on the previous token (7 queries, all 1.0).
  // Run B (ids 5 6 5): query 1 all on key 0 (its previous token and the first),
  // query 2 half on key 1 (previous) and half on key 0 (the earlier 5).
  auto a = make_run({5, 6, 7, 8, 9, 10, 11, 12}, 1, [](int, std::size_t i, float* row) { row[i ? i - 1 : 0] = 1.0f; });
  auto b = make_run({5, 6, 5}, 1, [](int, std::size_t i, float* row) {
    if (i == 0) { row[0] = 1.0f; return; }
    row[i - 1] = 0.5f;
    row[0] += 0.5f;
  });
  HeadScoreTotals totals;
  totals.add(a);
  totals.add(b);
  const std::vector<HeadScores> s = totals.scores();
  REQUIRE(s.size() == 1);
  // previous token: (7 x 1.0 + 1.0 + 0.5) / 9 queries, not the mean of the runs' means (0.875)
  CHECK(s[0].previous_token == Catch::Approx(8.5 / 9.0));
  // first token: run A puts 1.0 on key 0 only at query 1; run B 1.0 at query 1 and 0.5 at query 2
  CHECK(s[0].first_token == Catch::Approx(2.5 / 9.0));
  // only run B's query 2 has an earlier occurrence (key 0): same-token is its mass there,
  // induction its mass on the key after it (key 1)
  CHECK(s[0].same_token == Catch::Approx(0.5));
  CHECK(s[0].induction == Catch::Approx(0.5));
  // one run through the totals is score_heads
  HeadScoreTotals one;
  one.add(a);
  CHECK(one.scores()[0].previous_token == score_heads(a)[0].previous_token);
  CHECK(std::isnan(one.scores()[0].same_token));
}

namespace {

// An encoder run (BERT family, no causal mask) over "[CLS] w5 w6 w7 w8 [SEP]".
template <class F>
RunResult make_encoder_run(int H, F pattern) {
  RunResult r = make_run({101, 5, 6, 7, 8, 102}, H, pattern);
  r.tokens.front() = "[CLS]";
  r.tokens.back() = "[SEP]";
  r.family = Family::Bert;
  r.causal = false;
  return r;
}

// Heads: 0 all on [CLS], 1 all on [SEP], 2 on the next token (the last on itself), 3 spread evenly.
void encoder_patterns(int h, std::size_t i, float* row, std::size_t T) {
  if (h == 0) row[0] = 1.0f;
  else if (h == 1) row[T - 1] = 1.0f;
  else if (h == 2) row[i + 1 < T ? i + 1 : i] = 1.0f;
  else for (std::size_t j = 0; j < T; ++j) row[j] = 1.0f / float(T);
}

}  // namespace

TEST_CASE("roles: encoder heads to [CLS], to [SEP], to the next token, and broad") {
  auto r = make_encoder_run(4, [](int h, std::size_t i, float* row) { encoder_patterns(h, i, row, 6); });
  auto s = score_heads(r);
  REQUIRE(s.size() == 4);
  CHECK(s[0].encoder);
  CHECK(s[0].to_cls == Catch::Approx(1.0));
  CHECK(head_role(s[0]) == "to_cls");
  CHECK(s[1].to_sep == Catch::Approx(1.0));
  CHECK(head_role(s[1]) == "to_sep");
  CHECK(s[2].next_token == Catch::Approx(1.0));  // 5 queries with a next token, all on it
  CHECK(head_role(s[2]) == "next_token");
  CHECK(s[3].broad == Catch::Approx(1.0));  // uniform rows: entropy log T over log T
  CHECK(s[3].to_cls == Catch::Approx(1.0 / 6));
  CHECK(head_role(s[3]) == "broad");
  // one-hot rows have no spread
  CHECK(s[0].broad == Catch::Approx(0.0).margin(1e-12));
  // a head on its own token in an encoder is still "self"; one that reads both neighbours,
  // more the next, is a next-token head
  auto r2 = make_encoder_run(2, [](int h, std::size_t i, float* row) {
    if (h == 0) { row[i] = 1.0f; return; }
    const std::size_t T = 6;
    if (i == 0) row[1] = 1.0f;
    else if (i + 1 == T) row[i - 1] = 1.0f;
    else { row[i - 1] = 0.25f; row[i + 1] = 0.75f; }
  });
  auto s2 = score_heads(r2);
  CHECK(head_role(s2[0]) == "self");
  CHECK(s2[1].previous_token == Catch::Approx((0.25 * 4 + 1.0) / 5));
  CHECK(s2[1].next_token == Catch::Approx((1.0 + 0.75 * 4) / 5));
  CHECK(head_role(s2[1]) == "next_token");
}

TEST_CASE("roles: encoder patterns are scored on decoders but the roles stay the decoder ones") {
  // the same tokens and patterns as an encoder's, but a causal GPT-2 run (rows see keys j <= i)
  auto r = make_run({101, 5, 6, 7, 8, 102}, 2, [](int h, std::size_t i, float* row) {
    if (h == 0) row[0] = 1.0f;
    else for (std::size_t j = 0; j <= i; ++j) row[j] = 1.0f / float(i + 1);
  });
  r.tokens.front() = "<s>";
  auto s = score_heads(r);
  CHECK_FALSE(s[0].encoder);
  CHECK(s[0].to_cls == Catch::Approx(1.0));  // <s> opens the text: scored
  CHECK(std::isnan(s[0].to_sep));            // no [SEP] or </s> at the end: does not apply
  CHECK(s[0].next_token == Catch::Approx(0.0));
  CHECK(head_role(s[0]) == "first_token");   // not to_cls: a decoder's attention sink
  CHECK(s[1].broad == Catch::Approx(1.0));   // uniform over the keys each query sees
  CHECK(head_role(s[1]) == "mixed");         // broad is an encoder role
  // the JSON names the encoder scores after the decoder ones
  std::string j = head_scores_json(s, 1, 2);
  CHECK(j.find("\"punctuation\",\"to_cls\",\"to_sep\",\"next_token\",\"broad\"]") != std::string::npos);
  // a text that does not start with [CLS] or <s>: to_cls does not apply
  auto plain = make_run({5, 6, 7}, 1, [](int, std::size_t, float* row) { row[0] = 1.0f; });
  CHECK(std::isnan(score_heads(plain)[0].to_cls));
}

namespace {

// A causal run of 2 layers x 3 heads over `ids` with random attention rows (each row a
// distribution over keys 0..i); rows [0, p) are taken from `shared` when given (a run whose
// first p ids are these), as a run that reused them would have them.
RunResult random_causal_run(const std::vector<int32_t>& ids, unsigned seed, const RunResult* shared = nullptr,
                            std::size_t p = 0) {
  const int L = 2, H = 3;
  RunResult r;
  r.ids = ids;
  r.T = ids.size();
  r.n_layer = L;
  r.n_head = H;
  r.reused = p;
  for (int32_t id : ids) r.tokens.push_back(id == 0 ? "," : id == 1 ? "\n" : " w" + std::to_string(id));
  const std::size_t T = r.T;
  r.attention.assign(L * H * T * T, 0.0f);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int lh = 0; lh < L * H; ++lh)
    for (std::size_t i = 0; i < T; ++i) {
      float* row = r.attention.data() + (lh * T + i) * T;
      if (shared && i < p) {
        const float* from = shared->attention.data() + (lh * shared->T + i) * shared->T;
        std::copy(from, from + i + 1, row);
        continue;
      }
      float total = 0;
      for (std::size_t j = 0; j <= i; ++j) total += row[j] = u(rng) < 0.3f ? 0.0f : u(rng);
      if (total == 0) row[i] = total = 1;
      for (std::size_t j = 0; j <= i; ++j) row[j] /= total;
    }
  return r;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_same_scores(const std::vector<HeadScores>& a, const std::vector<HeadScores>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k)
    for (std::size_t s = 0; s < head_score_names().size(); ++s) {
      INFO("head " << k << ", score " << head_score_names()[s]);
      CHECK(same_bits(head_score(a[k], s), head_score(b[k], s)));
    }
}

}  // namespace

TEST_CASE("roles: a run scored from the row sums of the run it reused rows from equals a full scoring") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> id(0, 5);  // few ids: repeats, induction, punctuation
  for (std::size_t threads : {1, 3}) {
    hs::kernels::set_thread_count(threads);
    for (int trial = 0; trial < 40; ++trial) {
      std::vector<int32_t> a_ids(1 + rng() % 40);
      for (auto& x : a_ids) x = id(rng);
      const std::size_t p = rng() % (a_ids.size() + 1);  // rows shared with the next run
      std::vector<int32_t> b_ids(a_ids.begin(), a_ids.begin() + p);
      b_ids.resize(std::max<std::size_t>(1, p + rng() % 12));  // an edit: appended, deleted or changed
      for (std::size_t i = p; i < b_ids.size(); ++i) b_ids[i] = id(rng);
      INFO("trial " << trial << ", threads " << threads << ": T " << a_ids.size() << " -> " << b_ids.size()
                    << ", reused " << std::min(p, b_ids.size()));
      const RunResult a = random_causal_run(a_ids, 100 + trial);
      const std::size_t reused = std::min(p, b_ids.size());
      const RunResult b = random_causal_run(b_ids, 200 + trial, &a, reused);
      HeadRowSums a_rows;
      check_same_scores(score_heads(a, a_rows), score_heads(a));
      CHECK(a_rows.rows == a.T);
      HeadRowSums b_rows = a_rows.prefix(reused);
      CHECK(b_rows.rows == reused);
      check_same_scores(score_heads(b, b_rows), score_heads(b));
      CHECK(b_rows.rows == b.T);
      check_same_scores(score_heads(b, b_rows), score_heads(b));  // scored again from its own rows
    }
  }
  hs::kernels::set_thread_count(1);
}

TEST_CASE("roles: kept row sums are read, not recomputed (a wrong one shows)") {
  std::vector<int32_t> ids = {2, 3, 2, 3, 0, 4, 2, 3};
  const RunResult r = random_causal_run(ids, 5);
  HeadRowSums rows;
  const auto full = score_heads(r, rows);
  rows.heads[0][6].same_token += 0.5;  // query 6 of head 0 (its id occurred before)
  const auto from_rows = score_heads(r, rows);
  CHECK(from_rows[0].same_token > full[0].same_token);
  CHECK(same_bits(from_rows[1].same_token, full[1].same_token));
  // an encoder run reads every key from every row: its rows are always recomputed
  RunResult enc = r;
  enc.causal = false;
  enc.family = Family::Bert;
  HeadRowSums enc_rows = rows;
  check_same_scores(score_heads(enc, enc_rows), score_heads(enc));
}
