// web/head-words.mjs — words for every picture: a one-line description of what
// one head does on the text on screen ("L0H3 looks at the previous token: 0.87
// of its weight on this text"), computed from the weights the views draw (α, or
// the value-weighted rows). Plain functions, no DOM: the grid's tooltip, the
// canvases' text alternative (web/views/head-description.mjs) and the "Copy
// descriptions" export all call describeHead / describeHeads.
//
// The scores follow the module's head-role definitions (src/model/head_roles.cpp,
// explained in web/panels/roles-table.mjs), over the query rows i ≥ 1 that hold
// weight (a fully masked row, all zeros or not finite, is left out):
//   previous token  mean of W[i][i-1]          first token  mean of W[i][0] (an attention sink)
//   self            mean of W[i][i]
//   induction-like  over rows whose token appeared earlier at k (k + 1 < i): mean of the weight on k + 1
//   to one token    the token j ≥ 1 with the largest mean W[i][j] ("mostly to 'cat'")
//   broad           mean over rows of the entropy of the visible weights / log(visible keys)
// The description is the strongest of induction, previous token and one token if it
// reaches THRESHOLD, else first token, else self, else broad (from BROAD), else "no single pattern".
import { tokenLabel } from './tokens.mjs';

export const THRESHOLD = 0.4; // as the module's roles (src/model/head_roles.cpp)
export const BROAD = 0.85;

const PHRASES = {
  previous_token: () => 'looks at the previous token',
  induction: () => 'is induction-like: it looks at the token after an earlier copy of the current one',
  key_token: (key) => `attends mostly to “${key}”`,
  first_token: () => 'looks at the first token (an attention sink: a place to park attention)',
  self: () => 'looks at the token itself',
};

const MIXED_NAMES = { previous_token: 'the previous token', first_token: 'the first token', self: 'the token itself' };

const rowSum = (W, at, n) => { let s = 0; for (let j = 0; j < n; j++) s += W[at + j]; return s; };

// The pattern scores of one head. W: [.., T, T] weights with head (offset) at W[offset + i*T + j];
// ids: token ids (for induction; optional); causal: query i sees keys 0..i only.
export function headScores(W, offset, T, { ids = null, causal = true } = {}) {
  const s = { rows: 0, masked: 0, previous_token: 0, first_token: 0, self: 0, induction: NaN, broad: NaN, key: -1, key_token: 0 };
  const perKey = new Float64Array(T);
  let ind = 0, indRows = 0, broad = 0, broadRows = 0;
  for (let i = T === 1 ? 0 : 1; i < T; i++) {
    const at = offset + i * T;
    const visible = causal ? i + 1 : T;
    const sum = rowSum(W, at, T);
    if (!(Number.isFinite(sum) && sum > 1e-6)) { s.masked++; continue; }
    s.rows++;
    if (i > 0) s.previous_token += W[at + i - 1];
    s.first_token += W[at];
    s.self += W[at + i];
    for (let j = 0; j < T; j++) perKey[j] += W[at + j];
    if (ids) {
      let found = false, w = 0;
      for (let k = 0; k + 1 < i; k++) if (ids[k] === ids[i]) { found = true; w += W[at + k + 1]; }
      if (found) { ind += w; indRows++; }
    }
    if (visible >= 2) {
      let h = 0;
      for (let j = 0; j < visible; j++) { const a = W[at + j] / sum; if (a > 0) h -= a * Math.log(a); }
      broad += h / Math.log(visible);
      broadRows++;
    }
  }
  const n = s.rows;
  if (n) {
    s.previous_token /= n; s.first_token /= n; s.self /= n;
    for (let j = 1; j < T; j++) if (perKey[j] / n > s.key_token) { s.key_token = perKey[j] / n; s.key = j; }
  }
  if (indRows) s.induction = ind / indRows;
  if (broadRows) s.broad = broad / broadRows;
  if (T === 1) s.previous_token = 0;
  return s;
}

// The pattern a head shows: {pattern, score, key (the token index for 'key_token')}.
export function headPattern(s) {
  if (!s.rows) return { pattern: 'none', score: 0 };
  const specific = [['induction', s.induction], ['previous_token', s.previous_token], ['key_token', s.key_token]]
    .filter(([, v]) => Number.isFinite(v) && v >= THRESHOLD).sort((a, b) => b[1] - a[1]);
  if (specific.length) return { pattern: specific[0][0], score: specific[0][1], key: s.key };
  if (s.first_token >= THRESHOLD && s.first_token >= s.self) return { pattern: 'first_token', score: s.first_token };
  if (s.self >= THRESHOLD) return { pattern: 'self', score: s.self };
  if (Number.isFinite(s.broad) && s.broad >= BROAD) return { pattern: 'broad', score: s.broad };
  const all = [['previous_token', s.previous_token], ['first_token', s.first_token], ['self', s.self], ['key_token', s.key_token]]
    .sort((a, b) => b[1] - a[1]);
  return { pattern: 'mixed', score: all[0][1], strongest: all[0][0], key: s.key };
}

// One line for head (l, h): r = {T, n_head, tokens, ids}, W the drawn weights [L, H, T, T].
export function describeHead(r, W, l, h, { causal = true } = {}) {
  const { T } = r;
  const name = `L${l}H${h}`;
  if (!T) return `${name}: no text`;
  const s = headScores(W, (l * r.n_head + h) * T * T, T, { ids: r.ids, causal });
  const p = headPattern(s);
  const f = (v) => v.toFixed(2);
  const tok = (j) => tokenLabel(r.tokens[j]);
  if (p.pattern === 'none') return `${name} draws no weight on this text: every query row is masked`;
  if (T === 1) return `${name} has one token to look at: ${f(s.self)} of its weight on “${tok(0)}” itself`;
  const skipped = s.masked ? ` (${s.masked} masked ${s.masked === 1 ? 'row' : 'rows'} left out)` : '';
  if (p.pattern === 'broad') return `${name} spreads its weight broadly: ${f(p.score)} of the most even spread on this text${skipped}`;
  if (p.pattern === 'mixed') {
    const what = p.strongest === 'key_token' ? `on “${tok(p.key)}”` : `on ${MIXED_NAMES[p.strongest]}`;
    return `${name} has no single pattern: at most ${f(p.score)} of its weight ${what} on this text${skipped}`;
  }
  return `${name} ${PHRASES[p.pattern](p.pattern === 'key_token' ? tok(p.key) : '')}: ${f(p.score)} of its weight on this text${skipped}`;
}

// Every head's line, layer by layer (the "Copy descriptions" text).
export function describeHeads(r, W, opts) {
  const lines = [];
  for (let l = 0; l < r.n_layer; l++) for (let h = 0; h < r.n_head; h++) lines.push(describeHead(r, W, l, h, opts));
  return lines;
}
