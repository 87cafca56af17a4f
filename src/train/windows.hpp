// src/train/windows.hpp — what the trainer puts in each training window of
// T+1 tokens: a random stretch of the training text, optionally with a repeated
// span, or one of two synthetic tasks that give the attention patterns we want
// to show a reason to exist within a small budget: a copy task (induction
// heads) and alternating pairs (previous-token heads). Validation windows are
// always plain text.
#pragma once

#include <cstdint>
#include <vector>

#include "train/rng.hpp"

namespace hs::train {

struct WindowMix {
  double copy_frac = 0;    // windows that are a copy task (make_copy_window)
  double alt_frac = 0;     // windows of alternating pairs (make_alternating_window)
  double repeat_frac = 0;  // of the remaining text windows: those given a repeated span (add_repeat)
  int vocab = 0;           // random tokens are drawn from [0, vocab) without eot
  int copy_vocab = 0;      // copy-task tokens from [0, copy_vocab) instead (0: vocab)
  int eot = 0;
};

// One training window into w (its size is T+1): draws the start in `text`,
// then the kind of window, from `rng` in a fixed order (runs are reproducible
// and resume bit-exactly). text.size() must exceed w.size().
void fill_training_window(const std::vector<int32_t>& text, const WindowMix& mix, Rng& rng, std::vector<int32_t>& w);

// Repeated span: pick a length m in [8, n/2] and a start p, then overwrite
// w[p+m, p+2m) with w[p, p+m). Half of the time the span is first replaced by
// random tokens (copying then has nothing but the earlier occurrence to go on).
// Needs w.size() >= 16 (the trainer refuses shorter windows with repeats).
void add_repeat(std::vector<int32_t>& w, Rng& rng, int vocab, int eot);

// Copy task: w = [eot, random tokens] in which a span of m random tokens,
// m in [min(8, (n-1)/8), (n-1)/2], appears a second time at a random later
// start (the gap between the copies is random too, so no fixed offset predicts
// the copy). In the second copy only the earlier occurrence predicts the next
// token: the loss there falls only by attending to the token after that
// occurrence (an induction head, which needs a previous-token head in an
// earlier layer to find it).
void make_copy_window(std::vector<int32_t>& w, Rng& rng, int vocab, int eot);

// Alternating pairs: w = [eot, A B A B .., C D C D .., ..], segments of 4..16
// tokens each alternating two random tokens. Inside a segment the next token is
// the one before the current one, so attending to the previous position and
// copying its token solves it; "attend to any other token" does not, because
// earlier segments hold other pairs.
void make_alternating_window(std::vector<int32_t>& w, Rng& rng, int vocab, int eot);

}  // namespace hs::train
