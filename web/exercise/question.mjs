// web/exercise/question.mjs — a predict-then-reveal question as data, with no DOM:
// its one grammar (URL hash keys = <headscope-view> attributes), its wording, the
// query token it names, the scoring of an answer against a run's real attention
// or head roles, and the session's score (sessionStorage: nothing leaves the page).
//   exercise  attend | role
//     attend: "From token `from`, which token does L<layer>H<head> attend to most?"
//             the reader clicks a token of the strip; right when its weight is the row's largest
//     role:   "Which head looks at the <role>?" (role: a head-role name, previous_token by default)
//             the reader clicks a head of the grid; right when the module labels it with that role
//   from      the query token: a position (digits) or a token's text (its first occurrence)
//   layer, head  the hidden head of an attend question (the page's own keys)
//   question  the wording, when the author wrote their own
//   role      the role a role question asks for

export const EXERCISE_KINDS = ['attend', 'role'];
export const EXERCISE_PARAMS = ['exercise', 'from', 'question', 'role'];
export const ROLE_WORDS = {
  previous_token: 'the previous token', first_token: 'the first token', self: 'the token itself',
  same_token: 'an earlier copy of the same token', induction: 'the token after an earlier copy of the current one (induction)',
  punctuation: 'punctuation', to_cls: '[CLS]', to_sep: '[SEP]', next_token: 'the next token',
};

const digits = (v) => typeof v === 'string' && /^\d+$/.test(v.trim());

// A question from a getter of URL params / attributes (name -> string or null), with the
// hidden head's layer and head; null when there is no (valid) `exercise` key.
export function questionFromParams(get, { layer = 0, head = 0 } = {}) {
  const kind = get('exercise');
  if (!EXERCISE_KINDS.includes(kind)) return null;
  const q = { kind, question: get('question') || '' };
  if (kind === 'attend') {
    const from = get('from');
    q.from = from === null || from === undefined || from === '' ? null : digits(from) ? Number(from) : from;
    q.layer = layer;
    q.head = head;
  } else {
    const role = get('role');
    q.role = role && ROLE_WORDS[role] ? role : 'previous_token';
  }
  return q;
}

// [[key, value]] of a question in the URL / attribute grammar (layer and head are the page's keys).
export function questionParams(q) {
  if (!q) return [];
  const out = [['exercise', q.kind]];
  if (q.kind === 'attend' && q.from !== null && q.from !== undefined) out.push(['from', String(q.from)]);
  if (q.kind === 'role' && q.role !== 'previous_token') out.push(['role', q.role]);
  if (q.question) out.push(['question', q.question]);
  return out;
}

// One string naming the question (and its text and model): the key of its answer in the session.
export const questionKey = (q, text, model) =>
  JSON.stringify([q.kind, q.from, q.layer, q.head, q.role, text, model || '']);

const shown = (t) => String(t).trim();

// The query position of an attend question in run r: {pos} or {error} naming what is wrong.
export function queryPosition(q, r) {
  if (q.from === null || q.from === undefined) return { error: 'the question names no query token: give from=<position or token>' };
  if (typeof q.from === 'number') {
    if (q.from >= r.T) return { error: `from=${q.from} is past the text's last token (${r.T} tokens: 0 to ${r.T - 1})` };
    return { pos: q.from };
  }
  const want = q.from.trim().toLowerCase();
  const pos = r.tokens.findIndex((t) => shown(t).trim().toLowerCase() === want);
  if (pos < 0) return { error: `from="${q.from}" is not one of the text's tokens (${r.tokens.map((t) => `“${shown(t).trim()}”`).join(' ')})` };
  return { pos };
}

// The question's wording (the author's, or ours from the run's tokens).
export function questionText(q, r) {
  if (q.question) return q.question;
  if (q.kind === 'role') return `Which head looks at ${ROLE_WORDS[q.role]}? Click it in the grid.`;
  const at = r ? queryPosition(q, r) : { error: true };
  const tok = at.error ? `token ${q.from}` : `“${shown(r.tokens[at.pos]).trim()}” (token ${at.pos})`;
  return `From ${tok}, which token does layer ${q.layer} head ${q.head} attend to most? Click it in the token strip.`;
}

// Scores choice j of an attend question against attention [L,H,T,T] of run r (the real
// weights, not the hidden ones): {right, chosen, weight, best, bestWeight}. Ties: any
// token within 1e-6 of the row's largest weight is right.
export function scoreAttend(q, r, attention, j) {
  const { pos } = queryPosition(q, r);
  const row = ((q.layer * r.n_head + q.head) * r.T + pos) * r.T;
  let best = 0;
  for (let k = 1; k < r.T; k++) if (attention[row + k] > attention[row + best]) best = k;
  const weight = attention[row + j];
  return { right: weight >= attention[row + best] - 1e-6, chosen: j, weight, best, bestWeight: attention[row + best], pos };
}

// Scores a head choice of a role question against the run's head roles on its text:
// {right, layer, head, score, best: [{layer, head, score}] the heads labelled with the role
// (or the highest-scoring one when none is)}.
export function scoreRole(q, roles, layer, head) {
  const k = roles.names.indexOf(q.role);
  const score = (l, h) => (k < 0 || roles.scores[l][h][k] === null ? 0 : roles.scores[l][h][k]);
  const labelled = [];
  let top = { layer: 0, head: 0, score: -1 };
  for (let l = 0; l < roles.roles.length; l++) {
    for (let h = 0; h < roles.roles[l].length; h++) {
      if (roles.roles[l][h] === q.role) labelled.push({ layer: l, head: h, score: score(l, h) });
      if (score(l, h) > top.score) top = { layer: l, head: h, score: score(l, h) };
    }
  }
  const chosen = layer >= 0 && layer < roles.roles.length && head >= 0 && head < roles.roles[layer].length;
  const right = chosen && (roles.roles[layer][head] === q.role || (labelled.length === 0 && layer === top.layer && head === top.head));
  return { right, layer, head, score: chosen ? score(layer, head) : 0, best: labelled.length ? labelled : [top] };
}

// The session's score: {right, total, answers: {questionKey: answer}}, kept in sessionStorage.
const SCORE_KEY = 'headscope:exercise-score';
export function loadScore() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SCORE_KEY));
    if (s && Number.isInteger(s.right) && Number.isInteger(s.total) && s.answers) return s;
  } catch { /* no storage, or not ours */ }
  return { right: 0, total: 0, answers: {} };
}

// Records an answer once per question (a reload shows it again, not counted twice).
export function recordAnswer(key, answer) {
  const s = loadScore();
  if (!s.answers[key]) {
    s.answers[key] = answer;
    s.total += 1;
    if (answer.right) s.right += 1;
    try { sessionStorage.setItem(SCORE_KEY, JSON.stringify(s)); } catch { /* storage full or off: the score stays for this page only */ }
  }
  return s;
}

export const scoreLine = (s) => `Score this session: ${s.right} right of ${s.total}.`;
