// web/pos-roles.mjs — each head's most-attended part-of-speech relation on a
// tagged probe (models/<name>/pos-probe.json, made by scripts/make-pos-probe.mjs
// from held-out Brown corpus sentences): "NOUN → DET 0.61" = noun queries put
// 61% of their attention on the determiners before them. Plain functions, no
// DOM: the page runs the model on each probe sentence through the worker
// client and aggregates here; tests call headTagRelations on made-up results.
//
// Definitions (also shown in the page, TAG_RELATION_HELP):
//   token -> word   a token belongs to the word its characters overlap most
//                   (ties: the earlier word); tokens overlapping no word are ignored.
//   a(q -> k)       for a query word q and an EARLIER word k (causal): the sum of
//                   the head's weights from a token of q to the tokens of k,
//                   averaged over q's tokens.
//   share(A -> B)   the mean, over the query words of tag A that have at least one
//                   earlier word of tag B ("the pair is available"), of the sum of
//                   a(q -> k) over the earlier words k of tag B. A fraction of the
//                   query tokens' whole attention: between 0 and 1.
//   uniform(A -> B) the same mean for a uniform head (equal weight on each visible
//                   token): tokens of earlier B words / tokens visible to the query token.
//   relation        the pair (A, B) with the largest share − uniform, among pairs
//                   available for at least MIN_QUERIES query words, OTHER left out;
//                   its score is share(A -> B).

export const MIN_QUERIES = 20;

export const TAG_RELATION_HELP =
  'bundled models with a part-of-speech probe only (pos-probe.json: held-out Brown corpus sentences, each word tagged ' +
  'DET, NOUN, VERB, …). The model is run on each sentence with the knobs at their defaults; a token belongs to the word ' +
  'it overlaps most. For a query word and an earlier word, the head\'s attention between them is the sum of its weights ' +
  'from a query-word token to the earlier word\'s tokens, averaged over the query word\'s tokens. The share of A → B is ' +
  'the mean, over query words of tag A that have an earlier word of tag B, of the attention they put on all earlier ' +
  'B words together (0 to 1; a uniform head would give “tokens of earlier B words ÷ visible tokens”). The column shows ' +
  `the relation whose share most exceeds that uniform share (pairs seen for at least ${MIN_QUERIES} query words, OTHER ` +
  'left out) and its share: “NOUN → DET 0.61” = noun queries put 61% of their attention on the determiners before them. ' +
  'Attention within the query word and to tokens of no word never counts.';

// Character spans of the tokens (their strings concatenate to the text), or
// null when they do not spell a prefix of it (byte tokens like "<0xE2>").
export function tokenSpans(tokens, text) {
  const spans = [];
  let o = 0;
  for (const t of tokens) {
    if (text.slice(o, o + t.length) !== t) return null;
    spans.push([o, o + t.length]);
    o += t.length;
  }
  return spans;
}

// For each token, the index of the word it overlaps most (-1: none).
export function wordOfTokens(spans, words) {
  const out = new Int32Array(spans.length).fill(-1);
  let w0 = 0;
  for (let t = 0; t < spans.length; t++) {
    const [a, b] = spans[t];
    while (w0 < words.length && words[w0].end <= a) w0++;
    let best = 0;
    for (let w = w0; w < words.length && words[w].start < b; w++) {
      const ov = Math.min(b, words[w].end) - Math.max(a, words[w].start);
      if (ov > best) { best = ov; out[t] = w; }
    }
  }
  return out;
}

// Running sums over the probe, per head and (query tag, key tag) pair.
export function newTally(L, H, tags) {
  const K = tags.length;
  return {
    L, H, tags, index: new Map(tags.map((t, i) => [t, i])),
    share: new Float64Array(L * H * K * K), uniform: new Float64Array(L * H * K * K),
    queries: new Float64Array(K * K), // per pair: query words where it is available (same for every head)
    sentences: 0, skipped: 0,
  };
}

function tagIndex(tally, tag) {
  if (!tally.index.has(tag)) throw new Error(`tag "${tag}" is not in the probe's tag set`);
  return tally.index.get(tag);
}

// Add one probe sentence ({text, words: [{start, end, tag}]}) and the model's
// result on its text ({tokens, attention [L,H,T,T] row = query, T, n_layer, n_head}).
export function addSentence(tally, sentence, result) {
  const { L, H, tags } = tally;
  const K = tags.length;
  const T = result.T ?? result.tokens.length;
  const spans = tokenSpans(result.tokens.slice(0, T), sentence.text);
  if (!spans || result.n_layer !== L || result.n_head !== H) { tally.skipped++; return false; }
  const words = sentence.words;
  const wordOf = wordOfTokens(spans, words);
  const wtag = words.map((w) => tagIndex(tally, w.tag));
  const tokTag = Int32Array.from(wordOf, (w) => (w < 0 ? -1 : wtag[w]));
  // tokens of each word, in order
  const toks = words.map(() => []);
  for (let t = 0; t < T; t++) if (wordOf[t] >= 0) toks[wordOf[t]].push(t);
  const att = result.attention;
  const mass = new Float64Array(K);
  const count = new Float64Array(K);
  const avail = new Uint8Array(K);
  for (let q = 0; q < words.length; q++) {
    const qt = toks[q];
    if (!qt.length) continue;
    const A = wtag[q];
    avail.fill(0);
    for (let k = 0; k < q; k++) if (toks[k].length) avail[wtag[k]] = 1;
    let any = false;
    for (let B = 0; B < K; B++) if (avail[B]) { tally.queries[A * K + B]++; any = true; }
    if (!any) continue;
    for (let lh = 0; lh < L * H; lh++) {
      const base = lh * K * K + A * K;
      for (const t of qt) {
        mass.fill(0);
        count.fill(0);
        const row = (lh * T + t) * T;
        for (let u = 0; u <= t; u++) {
          const w = wordOf[u];
          if (w < 0 || w >= q) continue; // no word, or the query word itself
          mass[tokTag[u]] += att[row + u];
          count[tokTag[u]]++;
        }
        for (let B = 0; B < K; B++) {
          if (!avail[B]) continue;
          tally.share[base + B] += mass[B] / qt.length;
          tally.uniform[base + B] += count[B] / (t + 1) / qt.length;
        }
      }
    }
  }
  tally.sentences++;
  return true;
}

// {heads: [L][H] of {relation, query, key, score, uniform, lift, queries, top}
// | null, tags, sentences, skipped}; top = the 3 best relations.
export function finishTally(tally, { minQueries = MIN_QUERIES } = {}) {
  const { L, H, tags } = tally;
  const K = tags.length;
  const heads = [];
  for (let l = 0; l < L; l++) {
    const row = [];
    for (let h = 0; h < H; h++) {
      const cands = [];
      for (let A = 0; A < K; A++) {
        for (let B = 0; B < K; B++) {
          const n = tally.queries[A * K + B];
          if (n < minQueries || tags[A] === 'OTHER' || tags[B] === 'OTHER') continue;
          const i = (l * H + h) * K * K + A * K + B;
          const score = Math.min(1, Math.max(0, tally.share[i] / n));
          const uniform = tally.uniform[i] / n;
          cands.push({
            relation: `${tags[A]} → ${tags[B]}`, query: tags[A], key: tags[B], score, uniform,
            lift: uniform > 0 ? score / uniform : null, queries: n, excess: score - uniform,
          });
        }
      }
      cands.sort((a, b) => b.excess - a.excess || b.score - a.score || (a.relation < b.relation ? -1 : 1));
      row.push(cands.length ? { ...cands[0], top: cands.slice(0, 3) } : null);
    }
    heads.push(row);
  }
  return { heads, tags, sentences: tally.sentences, skipped: tally.skipped };
}

function probeTags(probe) {
  const tags = Object.keys(probe.tagset || {});
  for (const s of probe.sentences) for (const w of s.words) if (!tags.includes(w.tag)) tags.push(w.tag);
  return tags;
}

// Synchronous: results[i] is the model's result on probe.sentences[i].
export function headTagRelations(probe, results, opts) {
  const first = results.find(Boolean);
  if (!first) return null;
  const tally = newTally(first.n_layer, first.n_head, probeTags(probe));
  probe.sentences.forEach((s, i) => { if (results[i]) addSentence(tally, s, results[i]); else tally.skipped++; });
  return finishTally(tally, opts);
}

// Runs the model on every probe sentence, one at a time (`run(text)` ->
// Promise<result | null>; null = superseded, which stops the computation and
// resolves to null), so other work on the worker goes between the sentences.
export async function computeTagRelations(probe, run, { onProgress, stop } = {}) {
  let tally = null;
  const total = probe.sentences.length;
  for (let i = 0; i < total; i++) {
    if (stop && stop()) return null;
    const s = probe.sentences[i];
    const r = await run(s.text);
    if (!r) return null;
    tally ??= newTally(r.n_layer, r.n_head, probeTags(probe));
    addSentence(tally, s, r);
    if (onProgress) onProgress(i + 1, total);
  }
  return tally ? finishTally(tally) : null;
}
