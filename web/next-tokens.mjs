// web/next-tokens.mjs — the worker's next-token (or masked-token) numbers of a
// run: per position the top-k tokens, the entropy, and the probability and rank
// of the token actually there, read from the run's logits in the module's heap.

const TOPK = 5;

// Per position: top-k next tokens (ids, probabilities), the entropy, and the
// probability and rank of the token that actually follows. For encoders
// (info.causal false) the logits at t are the masked-LM head's prediction for
// position t itself, so the "actual" token is ids[t], not ids[t + 1]. Reads the logits in
// place in the heap: one pass for max, top-k and rank, one for the softmax sum.
// With lastOnly, only the last position is filled, from the run's last-position
// logits (free with every run); the other positions stay empty (rank -1).
// null for an encoder saved without its masked-LM head (no logits at all).
export function nextTokens(entry, run, lastOnly = false) {
  const { model } = entry;
  if (model.info.has_predictions === false) return null;
  const { ids, T, vocab_size: V } = run.meta;
  const ahead = model.info.causal ? 1 : 0; // the position a row of logits predicts, from t
  const logits = run.view(lastOnly ? 'logits_last' : 'logits_all'); // [V] or [T, V], in place
  const topIds = new Int32Array(T * TOPK);
  const topP = new Float32Array(T * TOPK);
  const actualP = new Float32Array(T).fill(NaN);
  const actualRank = new Int32Array(T).fill(-1);
  const entropy = new Float32Array(T);
  const kv = new Float32Array(TOPK);
  const ki = new Int32Array(TOPK);
  topIds.fill(-1);
  for (let t = lastOnly ? T - 1 : 0; t < T; t++) {
    const row = lastOnly ? logits : logits.subarray(t * V, (t + 1) * V);
    const next = t + ahead < ids.length ? ids[t + ahead] : -1;
    const a = next >= 0 ? row[next] : Infinity;
    kv.fill(-Infinity);
    ki.fill(-1);
    let max = -Infinity;
    let rank = 0;
    for (let i = 0; i < V; i++) {
      const x = row[i];
      if (x > a) rank++;
      if (x > kv[TOPK - 1]) {
        if (x > max) max = x;
        let j = TOPK - 1;
        while (j > 0 && kv[j - 1] < x) { kv[j] = kv[j - 1]; ki[j] = ki[j - 1]; j--; }
        kv[j] = x; ki[j] = i;
      }
    }
    let sum = 0;
    let sumxl = 0;
    for (let i = 0; i < V; i++) {
      const d = row[i] - max;
      const e = Math.exp(d);
      sum += e;
      sumxl += e * d;
    }
    for (let j = 0; j < TOPK; j++) {
      topIds[t * TOPK + j] = ki[j];
      topP[t * TOPK + j] = ki[j] < 0 ? 0 : Math.exp(kv[j] - max) / sum;
    }
    entropy[t] = Math.log(sum) - sumxl / sum; // nats
    if (next >= 0) {
      actualP[t] = Math.exp(a - max) / sum;
      actualRank[t] = rank;
    }
  }
  if (!entry.vocab) entry.vocab = model.vocab();
  const topTokens = Array.from(topIds, (tid) => (tid >= 0 ? entry.vocab[tid] : ''));
  return { k: TOPK, complete: !lastOnly, topIds, topP, topTokens, actualP, actualRank, entropy };
}

export function nextTransfer(next) {
  return next ? [next.topIds.buffer, next.topP.buffer, next.actualP.buffer, next.actualRank.buffer, next.entropy.buffer] : [];
}
