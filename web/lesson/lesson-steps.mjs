// web/lesson/lesson-steps.mjs — the guided lesson's text and what each step shows, as data
// (web/panels/lesson.mjs builds the panel and drives the page from it). Written for
// Headscope in our own words. A step: id; title; `skip(m)` (null, or why the step does
// not apply to this model); `show`: the page state the step sets — view, focus (a head
// {layer, head}, or {role}: the head scoring highest on that role in this run), knobs
// (over the defaults: every step starts from default knobs), pin ('last': the last
// token) — and `text(m)`: its paragraphs, from the model's facts m (lessonFacts) and
// `m.focus`, the head the step selected ({layer, head, role, score}).

// The numbers the lesson quotes, from the module's model info; `panel`: the shell
// has the page's Knobs panel and loss line (the element has neither, and its steps
// point at the full page instead).
export function lessonFacts(info, name = 'this model', { panel = true } = {}) {
  const H = info.n_head;
  const C = info.n_embd;
  const dk = info.head_dim || Math.round(C / H);
  const kv = info.n_kv_head && info.n_kv_head < H ? info.n_kv_head : H;
  return { name, family: info.family, encoder: info.causal === false, L: info.n_layer, H, C, dk, kv, heads: info.n_layer * H, panel };
}

const thinner = (m) => (m.dk % 4 === 0 ? 4 : m.dk % 2 === 0 ? 2 : 1); // heads x this: the misconceptions step's example
const headName = (f) => (f ? `layer ${f.layer} head ${f.head}` : 'the selected head');
const ENCODER = (m) => (m.encoder ? 'this model is an encoder: it reads the text both ways, so it has no causal mask to switch off' : null);

export const LESSON_STEPS = [
  {
    id: 'grid',
    title: 'Every head at once',
    show: { view: 'grid', focus: { layer: 0, head: 0 } },
    text: (m) => [
      `${m.name} has ${m.L} layers of ${m.H} attention heads: ${m.heads} heads, each drawn as one small square in the grid.`,
      'A square is one head\'s attention on your text: row i is the token doing the reading, column j the token it reads, and the colour is how much of its attention goes there. Each row adds up to 1.',
      m.encoder
        ? 'This model is an encoder: every token may read every other token, before and after it, so the squares are filled in everywhere.'
        : 'The grey upper triangle is the causal mask: a token may read itself and the tokens before it, never the ones after.',
    ],
  },
  {
    id: 'slices',
    title: 'Each head has its own slice of Q, K and V',
    show: { view: 'inside', focus: { layer: 0, head: 0 }, pin: 'last' },
    text: (m) => [
      'A layer turns every token\'s vector (d_model numbers wide) into a query, a key and a value. These are not shared by the heads: each head gets its own slice, d_k numbers wide, and d_model = heads × d_k.',
      `In GPT-2 small that is 768 = 12 × 64; in the original Transformer (Vaswani et al., 2017) 512 = 8 × 64. In ${m.name}: ${m.C} = ${m.H} × ${m.dk}.`,
      m.kv < m.H
        ? `${m.name} uses grouped-query attention: its ${m.H} query heads share ${m.kv} key/value heads, so each group of ${m.H / m.kv} heads asks its own questions of the same keys and values.`
        : 'So a head only sees its slice: it computes its pattern from its own queries and keys, and passes on its own values. The heads\' outputs are put side by side again (back to d_model numbers) and mixed by the output projection.',
      'The view on screen, "Inside one head", shows the slices of layer 0 head 0 for the last token: q is its query slice, and every k and v is a key and value slice of the same head.',
    ],
  },
  {
    id: 'scores',
    title: 'Scores: how well the query matches each key',
    show: { view: 'inside', focus: { layer: 0, head: 0 }, pin: 'last' },
    text: (m) => [
      'Attention is softmax(Q Kᵀ / √d_k) · V. Read it one token at a time: the token\'s query q is compared with every key k_j by a dot product, q · k_j — one number per token it may read.',
      `Then every score is divided by √d_k = √${m.dk} ≈ ${Math.sqrt(m.dk).toFixed(2)}. The "Scores" and "Scaled" columns of the view are these numbers, exactly as the kernels computed them for this text.`,
      m.encoder ? 'An encoder scores every key, before and after the token.' : 'The keys after the token are masked: their scores become −∞, so they get weight 0.',
    ],
  },
  {
    id: 'softmax',
    title: 'Softmax, then a weighted sum of values',
    show: { view: 'inside', focus: { layer: 0, head: 0 }, pin: 'last' },
    text: () => [
      'The softmax turns the scaled scores into weights: each is e^score divided by the sum of all of them, so they are ≥ 0 and add up to 1. The largest score gets the most weight, but not all of it.',
      'The head\'s output for the token is Σ_j weight_j · v_j: the values, mixed in those proportions. The "Weights" column is the row of the matrix you saw in the grid; the last rows of the view are the output and how it joins the other heads.',
      'Change the query token at the top of the view, or click a token in the strip, to follow another row.',
    ],
  },
  {
    id: 'no-scale',
    title: 'What breaks without √d_k',
    show: { view: 'matrix', focus: { layer: 0, head: 0 }, knobs: { scale: false } },
    text: (m) => [
      `The knob "scale scores by 1/√d_k" is now off${m.panel ? ' (Knobs panel)' : ''}. A dot product of two d_k-wide vectors grows with d_k: with d_k = ${m.dk} the raw scores are about √${m.dk} ≈ ${Math.sqrt(m.dk).toFixed(1)} times larger than the scaled ones.`,
      'Larger scores make the softmax sharper: most of a row\'s weight piles onto one token and the others get almost none. Compare this matrix with the last step\'s weights: the rows are closer to a single bright cell.',
      `In training that is the real harm: a saturated softmax passes almost no gradient, so the model learns slowly or not at all. ${m.panel ? 'The loss line in the Knobs panel shows' : 'The full page ("Open in Headscope") shows in its loss line'} how much worse this trained model predicts with the scale gone.`,
    ],
  },
  {
    id: 'no-mask',
    title: 'What breaks without the causal mask',
    skip: ENCODER,
    show: { view: 'matrix', focus: { layer: 0, head: 0 }, knobs: { causal: false } },
    text: (m) => [
      'The knob "causal mask" is now off: every token may read the tokens after it, and the upper triangle of the matrix fills in.',
      `The model was trained to predict each next token from the tokens before it. The mask is what kept the answer out of sight; it never learnt to use a view of the future, so now its numbers are off: ${m.panel ? 'watch the loss line in the Knobs panel, and the next-token predictions' : 'the full page ("Open in Headscope") shows its loss and its next-token predictions suffer'}.`,
      'Encoders such as BERT are trained without a mask, on a different task (filling in masked tokens), so for them this knob does not apply.',
    ],
  },
  {
    id: 'roles',
    title: 'Heads specialise',
    show: { view: 'head', focus: { role: ['previous_token', 'induction', 'first_token', 'next_token', 'to_cls'] } },
    text: (m) => [
      `Heads learn different jobs. The page scores every head on simple patterns (previous token, first token, the same token, induction, …) in the "Head roles" table, and labels the grid.`,
      m.focus
        ? `Selected now: ${headName(m.focus)}, the strongest "${m.focus.role.replace(/_/g, ' ')}" head on this text (score ${m.focus.score.toFixed(2)}${m.focus.score < 0.4 ? ': a weak score — no head does this clearly on this text' : ''}). The head view draws each token's lines to the tokens it reads.`
        : 'Select a head in the grid and compare its lines in the head view with its scores in the table.',
      'A role on one text is a hint, not a definition: type a different text and see which labels stay.',
    ],
  },
  {
    id: 'ablate',
    title: 'Some heads are redundant',
    show: { view: 'grid', focus: { role: ['previous_token', 'induction', 'first_token', 'next_token', 'to_cls'] }, knobs: { ablate: 'focus' } },
    text: (m) => [
      `${headName(m.focus)} is now switched off: its output is replaced by zeros (the crossed square in the grid${m.panel ? ', and the Knobs panel\'s list' : ''}).`,
      `${m.panel ? 'Look at the loss line in the Knobs panel: switching' : 'Switching'} off one head often changes the model's predictions only a little${m.panel ? '' : ' (the full page\'s loss line measures it)'}. Other heads do similar work, and later layers make up for it.`,
      m.encoder
        ? 'Ctrl-click (or X on) more squares to switch more heads off. Ranking heads by their cost needs a next-token loss, which an encoder does not have.'
        : m.panel
          ? 'Ctrl-click (or X on) more squares to switch more heads off, or let "Rank and switch off" in the Knobs panel find the heads that matter least on this text.'
          : 'Ctrl-click (or X on) more squares to switch more heads off; in the full page, "Rank and switch off" finds the heads that matter least on this text.',
    ],
  },
  {
    id: 'myths',
    title: 'Three common misconceptions',
    show: { view: 'grid', focus: { layer: 0, head: 0 } },
    text: (m) => [
      'A head does not store facts. Attention moves information between positions; what is moved was computed elsewhere. Much of what a model "knows" is in its MLP weights: a head\'s pattern is routing, not memory.',
      `More heads is not always better. With d_model fixed, more heads means a thinner slice each: ${m.C} = ${m.H} × ${m.dk} here, but ${m.C} split into ${m.H * thinner(m)} heads would leave each only ${m.dk / thinner(m)} numbers to match queries and keys with. Studies that prune trained models find that many heads can go with little loss (Michel et al., 2019, "Are Sixteen Heads Really Better than One?").`,
      `Heads are not equally important. Switching off one head can cost a lot while another costs nothing, as the last step showed; ${m.panel ? 'the loss line and the ranking in the Knobs panel measure' : 'the full page\'s loss line and ranking measure'} it on your own text.`,
    ],
  },
  {
    id: 'your-turn',
    title: 'Your turn',
    show: { view: 'grid', focus: { layer: 0, head: 0 } },
    text: () => [
      'Type your own text: every view follows it live. A teacher can turn any head into a question with "Make an exercise": the link hides that head until you have predicted where it looks.',
      'You can come back to any step: the lesson remembers where you were, and each step has its own link.',
    ],
  },
];
