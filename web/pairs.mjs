// web/pairs.mjs — minimal pairs as data: the built-in examples, how two runs'
// tokens are aligned, the difference map B − A of one head on the aligned tokens,
// and how much each head changed. Plain functions, no DOM (web/views/pairs.mjs draws them).
//
// Alignment: when A and B have the same number of tokens, position i of A goes with
// position i of B wherever the two token strings agree (the tokens that differ are
// shown apart). When the lengths differ, A and B are aligned on their longest common
// prefix and common suffix (tokens equal from the start, and from the end, not
// overlapping); the differing middles are shown apart.
import { tokenLabel } from './tokens.mjs';

export const PAIR_EXAMPLES = [
  { id: 'trophy', title: 'The trophy and the suitcase (what is “it”?)',
    a: 'The trophy didn\'t fit in the suitcase because it was too big.',
    b: 'The trophy didn\'t fit in the suitcase because it was too small.' },
  { id: 'notebook', title: 'Sarah and Emma (who is “she”?)',
    a: 'Sarah gave Emma her notebook because she trusted her.',
    b: 'Sarah gave Emma her notebook because she had missed the class.' },
];
export const OWN_EXAMPLE = 'own';

// The example whose two sentences these are, else OWN_EXAMPLE.
export function exampleOf(a, b) {
  const e = PAIR_EXAMPLES.find((x) => x.a === a && x.b === b);
  return e ? e.id : OWN_EXAMPLE;
}

// {pairs: [[iA, iB]…] in order, how: 'position'|'prefix-suffix', prefix, suffix,
//  apartA: [iA…], apartB: [iB…] (tokens not aligned)}
export function alignTokens(tokensA, tokensB) {
  const TA = tokensA.length, TB = tokensB.length;
  const pairs = [], apartA = [], apartB = [];
  if (TA === TB) {
    for (let i = 0; i < TA; i++) {
      if (tokensA[i] === tokensB[i]) pairs.push([i, i]);
      else { apartA.push(i); apartB.push(i); }
    }
    return { how: 'position', pairs, apartA, apartB, prefix: 0, suffix: 0 };
  }
  let prefix = 0;
  while (prefix < TA && prefix < TB && tokensA[prefix] === tokensB[prefix]) prefix++;
  let suffix = 0;
  while (suffix < TA - prefix && suffix < TB - prefix && tokensA[TA - 1 - suffix] === tokensB[TB - 1 - suffix]) suffix++;
  for (let i = 0; i < prefix; i++) pairs.push([i, i]);
  for (let i = prefix; i < TA - suffix; i++) apartA.push(i);
  for (let i = prefix; i < TB - suffix; i++) apartB.push(i);
  for (let k = suffix; k > 0; k--) pairs.push([TA - k, TB - k]);
  return { how: 'prefix-suffix', pairs, apartA, apartB, prefix, suffix };
}

// One sentence saying how the tokens were aligned.
export function alignmentText(al, tokensA, tokensB) {
  const words = (toks, idx) => idx.map((i) => `“${tokenLabel(toks[i])}”`).join(' ') || 'nothing';
  const n = (k) => `${k} token${k === 1 ? '' : 's'}`;
  if (al.how === 'position') {
    return al.apartA.length
      ? `Same length (${n(tokensA.length)}): aligned position by position where the tokens agree (${n(al.pairs.length)}); ` +
        `shown apart: A ${words(tokensA, al.apartA)} / B ${words(tokensB, al.apartB)} (position${al.apartA.length === 1 ? '' : 's'} ${al.apartA.join(', ')}).`
      : `The same ${n(tokensA.length)}: every position aligned.`;
  }
  return `Different lengths (A ${n(tokensA.length)}, B ${n(tokensB.length)}): aligned on the common prefix (${n(al.prefix)}) ` +
    `and suffix (${n(al.suffix)}); the middles are shown apart: A ${words(tokensA, al.apartA)} / B ${words(tokensB, al.apartB)}.`;
}

// The difference map of head (l, h): n x n (n aligned tokens), D[u][v] = B[bu][bv] − A[au][av].
// wA, wB: [L, H, T, T] weights of each run.
export function differenceMap(rA, wA, rB, wB, pairs, l, h) {
  const n = pairs.length;
  const D = new Float32Array(n * n);
  const oA = (l * rA.n_head + h) * rA.T * rA.T, oB = (l * rB.n_head + h) * rB.T * rB.T;
  for (let u = 0; u < n; u++) {
    const [ai, bi] = pairs[u];
    for (let v = 0; v < n; v++) {
      const [aj, bj] = pairs[v];
      D[u * n + v] = wB[oB + bi * rB.T + bj] - wA[oA + ai * rA.T + aj];
    }
  }
  return D;
}

// max |B − A| over the aligned tokens, per head: Float32Array [L * H] (no map is built).
export function headChanges(rA, wA, rB, wB, pairs) {
  const { n_layer: L, n_head: H } = rA;
  const out = new Float32Array(L * H);
  const a = Int32Array.from(pairs, (p) => p[0]), b = Int32Array.from(pairs, (p) => p[1]);
  const n = pairs.length;
  for (let k = 0; k < L * H; k++) {
    const oA = k * rA.T * rA.T, oB = k * rB.T * rB.T;
    let m = 0;
    for (let u = 0; u < n; u++) {
      const rowA = oA + a[u] * rA.T, rowB = oB + b[u] * rB.T;
      for (let v = 0; v < n; v++) {
        const d = Math.abs(wB[rowB + b[v]] - wA[rowA + a[v]]);
        if (d > m) m = d;
      }
    }
    out[k] = m;
  }
  return out;
}

// The head that changed most: {layer, head, change}.
export function mostChanged(changes, H) {
  let best = 0;
  for (let k = 1; k < changes.length; k++) if (changes[k] > changes[best]) best = k;
  return { layer: Math.floor(best / H), head: best % H, change: changes[best] || 0 };
}

// A diverging colour for d in [-1, 1]: blue (B lower) — the background — orange (B higher).
export function divergingRgb(d, bg = [255, 255, 255]) {
  const t = Math.min(1, Math.abs(d)) ** 0.6;
  const end = d < 0 ? [33, 102, 172] : [214, 96, 77];
  return bg.map((c, k) => Math.round(c + (end[k] - c) * t));
}
