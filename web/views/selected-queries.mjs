// web/views/selected-queries.mjs — several selected query tokens (the controller's
// state.selection, `sel` in links) in the two views that show one position at a time:
// "Inside one head" gets a switch of the selected queries (which one its step-by-step numbers
// are for, and that the others are selected: a button per query, aria-pressed on the one
// shown, its choice kept as state.queryPos, `query` in links), and the next-token view gets
// the top-k predictions at every selected position, one block per position, from the run's
// next-token numbers (web/next-tokens.mjs: topIds/topP/topTokens [T, k], actualP, actualRank),
// and drawn the same way in the view's exported picture (selectedNextScene).
import { h } from './markup.mjs';
import { renderToken, tokenLabel, clip } from '../tokens.mjs';

const chipText = (r, i) => `#${i} “${clip(tokenLabel(r.tokens[i]), 12)}”`;

// The switch above "Inside one head": hidden unless two or more queries are selected.
export class QuerySwitch {
  constructor(app, el) {
    this.app = app;
    this.el = el;
    this.note = h('p', { class: 'hint inside-queries-note' });
    this.buttons = h('div', { class: 'seg inside-queries-seg', role: 'group', 'aria-label': 'Selected queries: the one shown' });
    el.append(this.note, this.buttons);
    this.key = '';
    this.buttons.addEventListener('click', (e) => {
      const b = e.target.closest('[data-q]');
      if (!b) return;
      app.state.queryPos = Number(b.dataset.q);
      if (app.hooks.changed) app.hooks.changed();
      app.invalidate('all');
    });
  }

  // r: the run on screen; shown: the query the view's numbers are for.
  render(r, shown) {
    const sel = this.app.queries();
    this.el.hidden = !sel;
    if (!sel) { this.key = ''; return; }
    const key = `${r.ids.join(',')}|${sel.join(',')}`;
    if (key !== this.key) {
      this.key = key;
      this.buttons.replaceChildren(...sel.map((i) => h('button', { type: 'button', class: 'seg-btn', 'data-q': String(i), text: chipText(r, i) })));
    }
    for (const b of this.buttons.children) b.setAttribute('aria-pressed', String(Number(b.dataset.q) === shown));
    const k = sel.indexOf(shown);
    this.note.textContent = k >= 0
      ? `${sel.length} queries are selected (the other views show their mean). The numbers below are for one query at a time: query ${k + 1} of ${sel.length}, token #${shown}. Choose another:`
      : `${sel.length} queries are selected (the other views show their mean); the numbers below are for token #${shown}, which is not one of them. Choose a selected one:`;
    this.el.dataset.shown = String(shown);
  }
}

// The next-token view's predictions at every selected position: one block per position, its
// top-k as bars and the token really there. encoder: the predictions are AT a position, not
// after it. Returns false (nothing drawn) while some position's numbers are still missing.
export function renderSelectedNext(box, r, sel, { encoder, fmtP }) {
  const { k, topP, topIds, topTokens, actualP, actualRank } = r.next;
  if (sel.some((pos) => !(topIds[pos * k] >= 0))) return false;
  const ahead = encoder ? 0 : 1;
  box.replaceChildren(...sel.map((pos) => {
    const from = Math.max(0, pos - 3);
    const ctx = r.tokens.slice(from, pos + 1).join('').replace(/\r?\n/g, '↵').trimStart();
    const label = encoder ? `at token #${pos} “${tokenLabel(r.tokens[pos])}”` : `after ${from > 0 ? '…' : ''}“${ctx}” (token #${pos})`;
    const list = h('ol', { class: 'next-list', 'aria-label': `Top ${k} predictions ${label}` });
    for (let q = 0; q < k; q++) {
      const p = topP[pos * k + q];
      const tok = h('span', { class: 'next-tok', title: `“${tokenLabel(topTokens[pos * k + q])}”` });
      renderToken(tok, topTokens[pos * k + q]);
      const fill = h('span', { class: 'next-fill' });
      fill.style.width = `${(p * 100).toFixed(2)}%`;
      const actual = pos + ahead < r.T && r.ids[pos + ahead] === topIds[pos * k + q];
      list.append(h('li', { class: actual ? 'actual' : null, 'data-id': String(topIds[pos * k + q]), 'data-p': String(p) },
        tok, h('span', { class: 'next-bar' }, fill), h('span', { class: 'next-p', text: fmtP(p) })));
    }
    const rest = pos + ahead < r.T
      ? `${encoder ? 'actually there' : 'actually next'}: “${tokenLabel(r.tokens[pos + ahead])}” ${fmtP(actualP[pos])} · rank ${actualRank[pos] + 1}`
      : 'end of the text';
    return h('li', { class: 'next-at', 'data-pos': String(pos) },
      h('p', { class: 'next-at-where', text: label }), list, h('p', { class: 'next-actual', text: rest }));
  }));
  return true;
}

// The exported next-token picture with several selected positions: per position its label, its
// top-k as bars and the token really there, two columns wide (web/scene.mjs; nexttoken.mjs scene()).
// Returns the y under the last row.
export function selectedNextScene(sc, top, r, sel, { encoder, fmtP, colors }) {
  const { k, topP, topIds, topTokens, actualP, actualRank } = r.next;
  const ahead = encoder ? 0 : 1;
  const colW = 360, rowH = 18, blockH = 22 + k * rowH + 32;
  sc.text(20, top + 14, `the top ${k} ${encoder ? 'at' : 'after'} each of the ${sel.length} selected tokens`, { size: 13 });
  sel.forEach((pos, n) => {
    const x = 20 + (n % 2) * colW;
    const y = top + 30 + Math.floor(n / 2) * blockH;
    const from = Math.max(0, pos - 3);
    const ctx = r.tokens.slice(from, pos + 1).join('').replace(/\r?\n/g, '↵').trimStart();
    sc.text(x, y + 12, encoder ? `at token #${pos} “${clip(tokenLabel(r.tokens[pos]), 16)}”` : `after ${from > 0 ? '…' : ''}“${clip(ctx, 28)}” (token #${pos})`, { size: 12, weight: '600' });
    for (let q = 0; q < k; q++) {
      const p = topP[pos * k + q];
      const yq = y + 20 + q * rowH;
      const actual = pos + ahead < r.T && r.ids[pos + ahead] === topIds[pos * k + q];
      sc.text(x + 100, yq + 12, clip(tokenLabel(topTokens[pos * k + q]), 12), { anchor: 'end', size: 12, mono: true, weight: actual ? '600' : 'normal' });
      sc.rect(x + 108, yq + 3, 170, 11, colors.track);
      sc.rect(x + 108, yq + 3, Math.max(0.5, 170 * p), 11, actual ? colors.select : colors.accent);
      sc.text(x + 284, yq + 12, fmtP(p), { size: 11 });
    }
    const rest = pos + ahead < r.T ? `${encoder ? 'actually there' : 'actually next'}: “${clip(tokenLabel(r.tokens[pos + ahead]), 14)}” ${fmtP(actualP[pos])} · rank ${actualRank[pos] + 1}` : 'end of the text';
    sc.text(x, y + 20 + k * rowH + 14, rest, { size: 11, fill: colors.muted });
  });
  return top + 30 + Math.ceil(sel.length / 2) * blockH;
}
