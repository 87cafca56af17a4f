// web/panels/exercise-author.mjs — "Make an exercise": a small form for teachers that
// builds a predict-then-reveal question (web/exercise/question.mjs) — the kind, the text
// (the page's own text box follows it), the head, the query token, the role asked for,
// the wording — into a link to this page and a <headscope-view> embed code, each with a
// Copy button and shown as it is typed. Nothing is sent anywhere: the question is all in
// the link. The query token is named by its text when that text occurs once, else by its
// position.
import { h } from '../views/markup.mjs';
import { formatHash, escapeAttr } from '../state-hash.mjs';
import { tokenLabel } from '../tokens.mjs';
import { questionParams, questionText, ROLE_WORDS } from '../exercise/question.mjs';
import { ROLE_INFO } from '../views/grid.mjs';

const field = (label, control) => h('label', { class: 'field author-field' }, h('span', { text: label }), control);

export function exerciseAuthor(page) {
  const { state } = page;
  const ui = {
    kind: h('select', { class: 'author-kind' },
      h('option', { value: 'attend', text: 'Which token does a head attend to most?' }),
      h('option', { value: 'role', text: 'Which head has a role?' })),
    text: h('textarea', { class: 'author-text', rows: '2', spellcheck: 'false' }),
    layer: h('select', { class: 'author-layer' }),
    head: h('select', { class: 'author-head' }),
    from: h('select', { class: 'author-from' }),
    role: h('select', { class: 'author-role' }, ...Object.keys(ROLE_WORDS).map((r) => h('option', { value: r, text: ROLE_INFO[r] ? ROLE_INFO[r].label : r }))),
    question: h('input', { type: 'text', class: 'author-question', spellcheck: 'true' }),
    link: h('input', { type: 'text', class: 'author-link', readonly: true, 'aria-label': 'Link to the exercise' }),
    embed: h('textarea', { class: 'author-embed', rows: '4', readonly: true, spellcheck: 'false', 'aria-label': 'Embed code of the exercise' }),
    copyLink: h('button', { type: 'button', class: 'btn small author-copy-link', text: 'Copy link' }),
    copyEmbed: h('button', { type: 'button', class: 'btn small author-copy-embed', text: 'Copy embed code' }),
    open: h('a', { class: 'author-open', text: 'Try the exercise' }),
    status: h('p', { class: 'hint muted author-status', role: 'status', 'aria-live': 'polite' }),
  };
  const attendOnly = [field('Layer', ui.layer), field('Head', ui.head), field('Query token', ui.from)];
  const roleOnly = [field('Role asked for', ui.role)];
  const el = h('details', { id: 'exercise-author', class: 'knobs exercise-author' },
    h('summary', {}, h('span', { class: 'knobs-title', text: 'Make an exercise' }), ' ',
      h('span', { class: 'muted', text: 'a predict-then-reveal question as a link or an embed, for teachers' })),
    h('form', { class: 'author-form', 'aria-label': 'Make an exercise' },
      field('Kind of question', ui.kind), field('Text (the page follows it)', ui.text),
      h('div', { class: 'author-row' }, ...attendOnly, ...roleOnly),
      field('Question (leave empty for ours)', ui.question),
      field('Link', ui.link), h('div', { class: 'author-row' }, ui.copyLink, ui.open),
      field('Embed code', ui.embed), h('div', { class: 'author-row' }, ui.copyEmbed),
      ui.status));
  el.querySelector('form').addEventListener('submit', (e) => e.preventDefault());

  // The question the form describes (null before the model has run).
  function question() {
    const r = state.result;
    if (ui.kind.value === 'role') return { kind: 'role', role: ui.role.value, question: ui.question.value.trim() };
    if (!r || !r.T) return null;
    const pos = Math.min(Number(ui.from.value) || 0, r.T - 1);
    const word = r.tokens[pos].trim();
    const once = word && !/^\d+$/.test(word) && r.tokens.filter((t) => t.trim().toLowerCase() === word.toLowerCase()).length === 1;
    return { kind: 'attend', from: once ? word : pos, layer: Number(ui.layer.value) || 0, head: Number(ui.head.value) || 0, question: ui.question.value.trim() };
  }

  function link(q) {
    const s = page.url.current();
    const hash = formatHash({ text: page.text(), model: s.model, hub: s.hub, weights: s.weights, layer: q.layer, head: q.head, knobs: s.knobs, exercise: q });
    return location.href.split('#')[0] + hash;
  }

  function embed(q) {
    const s = page.url.current();
    const base = location.href.split('#')[0].replace(/[^/]*$/, '');
    const attrs = [['text', page.text()]];
    if (s.model) attrs.push(['model', page.share.elementModel(s.model)]);
    if (q.kind === 'attend') attrs.push(['layer', String(q.layer)], ['head', String(q.head)], ['view', 'head']);
    attrs.push(...questionParams(q));
    return `<script type="module" src="${escapeAttr(base)}headscope-element.js"></script>\n` +
      `<headscope-view ${attrs.map(([k, v]) => `${k}="${escapeAttr(v)}"`).join(' ')}></headscope-view>`;
  }

  function build() {
    for (const f of attendOnly) f.hidden = ui.kind.value !== 'attend';
    for (const f of roleOnly) f.hidden = ui.kind.value !== 'role';
    const q = question();
    if (!q) return;
    ui.question.placeholder = questionText({ ...q, question: '' }, state.result);
    ui.link.value = link(q);
    ui.open.href = ui.link.value;
    ui.embed.value = embed(q);
  }

  // The model's heads and the run's tokens in the selects (keeping the author's choices).
  function update(r) {
    const info = state.model && state.model.info;
    if (!info) return;
    const fill = (sel, n, label) => {
      if (sel.options.length === n) return;
      const keep = sel.value;
      sel.replaceChildren(...Array.from({ length: n }, (_, i) => h('option', { value: String(i), text: label(i) })));
      if (Number(keep) < n) sel.value = keep;
    };
    if (!ui.layer.options.length) ui.layer.value = String(state.layer);
    fill(ui.layer, info.n_layer, (i) => `L${i}`);
    fill(ui.head, info.n_head, (i) => `H${i}`);
    if (r && r.T) {
      const keep = ui.from.value;
      ui.from.replaceChildren(...r.tokens.map((t, i) => h('option', { value: String(i), text: `${i} · ${tokenLabel(t)}` })));
      ui.from.value = keep !== '' && Number(keep) < r.T ? keep : String(r.T - 1);
    }
    if (document.activeElement !== ui.text) ui.text.value = page.text();
    build();
  }

  async function copy(text, what) {
    try {
      await navigator.clipboard.writeText(text);
      ui.status.textContent = `${what} copied to the clipboard.`;
    } catch {
      ui.status.textContent = `Select and copy the ${what.toLowerCase()} above (the clipboard is not available here).`;
    }
  }
  el.addEventListener('toggle', () => {
    if (!el.open) return;
    ui.layer.value = String(state.layer); // the form starts from the head on screen
    ui.head.value = String(state.head);
    update(state.result);
  });
  for (const c of [ui.kind, ui.layer, ui.head, ui.from, ui.role, ui.question]) c.addEventListener('input', build);
  ui.text.addEventListener('input', () => {
    page.setText(ui.text.value);
    page.requestRun();
    page.url.sync();
  });
  ui.copyLink.addEventListener('click', () => { ui.link.select(); copy(ui.link.value, 'Link'); });
  ui.copyEmbed.addEventListener('click', () => { ui.embed.select(); copy(ui.embed.value, 'Embed code'); });

  return { el, update, question, link: () => ui.link.value, embed: () => ui.embed.value };
}
