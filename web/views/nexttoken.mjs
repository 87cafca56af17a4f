// web/views/nexttoken.mjs — "Next token": what the model predicts after the
// hovered (or pinned, or last) position: the top-5 tokens with probabilities,
// the probability and rank of the token that really follows, and the entropy.
// The worker reduces the all-positions logits to these numbers.
// Encoders (info.causal false) predict the token AT a position, not after it:
// the view becomes "Masked token": the predictions for the chosen position (a
// masked one by default), and a row of the text's tokens to click one to mask
// (the text re-runs with it replaced by the model's mask token). A model saved
// without its masked-LM head (has_predictions false) says so instead.
import { renderToken, tokenLabel, clip } from '../tokens.mjs';
import { startScene, finishScene, SCENE_WIDTH } from '../scene.mjs';
import { isEncoder } from '../model-family.mjs';
import { renderSelectedNext, selectedNextScene } from './selected-queries.mjs';

export class NextTokenView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.heading = section.querySelector('h2');
    this.where = section.querySelector('#next-where');
    this.list = section.querySelector('#next-list');
    this.actual = section.querySelector('#next-actual');
    this.masker = section.querySelector('#next-mask');
    this.maskHint = section.querySelector('#next-mask-hint');
    this.multi = section.querySelector('#next-multi');
    this.hoverSensitive = true;
    this.rows = [];
    this.maskKey = '';
    this.masker.addEventListener('click', (e) => {
      const chip = e.target.closest('[data-i]');
      if (chip) this.app.maskToken(Number(chip.dataset.i));
    });
  }

  setResult(r) {
    this.r = r;
    const k = r.next ? r.next.k : 0;
    while (this.rows.length < k) {
      const li = document.createElement('li');
      const tok = document.createElement('span');
      tok.className = 'next-tok';
      const bar = document.createElement('span');
      bar.className = 'next-bar';
      const fill = document.createElement('span');
      fill.className = 'next-fill';
      bar.append(fill);
      const p = document.createElement('span');
      p.className = 'next-p';
      li.append(tok, bar, p);
      this.list.append(li);
      this.rows.push({ li, tok, fill, p });
    }
  }

  info() {
    const m = this.app.state.model;
    return m ? m.info : {};
  }

  // Encoders: the text's tokens as buttons; a click masks that token.
  renderMasker(r, pos) {
    const info = this.info();
    const encoder = isEncoder(info);
    const usable = encoder && info.has_predictions !== false;
    this.masker.hidden = !usable;
    this.maskHint.hidden = !usable;
    if (!usable) return;
    this.maskHint.textContent = info.mask_token
      ? `Click a token to mask it (the text is re-run with ${info.mask_token} in its place), or type ${info.mask_token} in the text.`
      : 'This vocabulary has no mask token ([MASK] or <mask>): the predictions are for the tokens as they are.';
    const key = `${r.ids.join(',')}|${info.mask_token}`;
    if (key !== this.maskKey) {
      this.maskKey = key;
      this.masker.replaceChildren(...r.tokens.map((t, i) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'chip-tok mask-chip';
        b.dataset.i = String(i);
        renderToken(b, t);
        const masked = r.ids[i] === info.mask_id;
        b.classList.toggle('masked', masked);
        b.disabled = !info.mask_token || masked;
        b.title = masked ? `#${i} is masked` : `mask #${i} “${tokenLabel(t)}”`;
        return b;
      }));
    }
    for (const b of this.masker.children) b.classList.toggle('active', Number(b.dataset.i) === pos);
  }

  render() {
    const r = this.r;
    if (!r || !r.T) return;
    const info = this.info();
    const encoder = isEncoder(info);
    this.heading.textContent = encoder ? 'Masked token' : 'Next token';
    const pos = viewPosition(this.app);
    this.renderMasker(r, pos);
    if (encoder && info.has_predictions === false) {
      this.section.classList.remove('pending');
      this.section.dataset.predictions = 'none';
      this.list.hidden = true;
      this.where.textContent = 'This model was saved without its masked-LM head: it has no predictions to show (its attention is all there is).';
      this.actual.replaceChildren();
      return;
    }
    delete this.section.dataset.predictions;
    if (this.renderSelected(r, encoder)) return;
    this.list.hidden = false;
    const ready = r.next && r.next.topIds[pos * r.next.k] >= 0;
    this.section.classList.toggle('pending', !ready);
    if (!ready) {
      // large vocabularies: other positions are computed on demand
      if (r.next && this.requested !== r.id) {
        this.requested = r.id;
        this.app.requestNextAll(r.id);
      }
      this.where.textContent = encoder ? `computing the predictions for token #${pos}…` : `computing the predictions after token #${pos}…`;
      return;
    }
    const { k, topP, topTokens, actualP, actualRank, entropy } = r.next;
    const ahead = encoder ? 0 : 1; // the position the predictions are for, from pos
    this.section.dataset.pos = String(pos);
    if (encoder) {
      this.where.textContent = `for token #${pos} of ${r.T} “${tokenLabel(r.tokens[pos])}”${r.ids[pos] === info.mask_id ? ' (masked)' : ''}: what the model would put there, reading the whole text` +
        (this.app.focusPos() === null ? ' · hover a token to pick another position' : '');
    } else {
      const from = Math.max(0, pos - 5);
      const ctx = r.tokens.slice(from, pos + 1).join('').replace(/\r?\n/g, '↵').trimStart();
      this.where.textContent = `after ${from > 0 ? '…' : ''}“${ctx}” (token #${pos} of ${r.T})` +
        (pos === r.T - 1 && this.app.focusPos() === null ? ' · hover a token to pick another position' : '');
    }
    for (let q = 0; q < k; q++) {
      const row = this.rows[q];
      const p = topP[pos * k + q];
      const s = topTokens[pos * k + q];
      renderToken(row.tok, s);
      row.tok.title = `“${tokenLabel(s)}”`;
      row.fill.style.width = `${(p * 100).toFixed(2)}%`;
      row.p.textContent = fmtP(p);
      const isActual = pos + ahead < r.T && r.ids[pos + ahead] === r.next.topIds[pos * k + q];
      row.li.classList.toggle('actual', isActual);
    }
    const bits = (entropy[pos] / Math.LN2).toFixed(2);
    this.actual.replaceChildren();
    if (pos + ahead < r.T && !(encoder && r.ids[pos] === info.mask_id)) {
      const tok = document.createElement('span');
      tok.className = 'tok-inline';
      renderToken(tok, r.tokens[pos + ahead]);
      this.actual.append(encoder ? 'Actually there: ' : 'Actually next: ', tok,
        ` ${fmtP(actualP[pos])} · rank ${actualRank[pos] + 1} of ${r.vocab_size.toLocaleString('en')} · uncertainty ${bits} bits`);
    } else {
      this.actual.append(`${encoder ? 'A masked token' : 'End of the text'} · uncertainty ${bits} bits`);
    }
  }

  // Several selected queries: the predictions at each of them (true: drawn that way, or waiting
  // for their numbers), else the one-position list is shown again (false).
  renderSelected(r, encoder) {
    const sel = this.app.queries();
    this.multi.hidden = !sel;
    this.list.hidden = !!sel;
    this.actual.hidden = !!sel;
    if (!sel) { delete this.section.dataset.positions; return false; }
    const ready = !!r.next && renderSelectedNext(this.multi, r, sel, { encoder, fmtP });
    this.section.classList.toggle('pending', !ready);
    const where = `${encoder ? 'at' : 'after'} each of the ${sel.length} selected tokens (#${sel.join(', #')})`;
    if (ready) {
      this.section.dataset.positions = sel.join(',');
      this.where.textContent = `the top ${r.next.k} ${where}`;
    } else {
      this.multi.replaceChildren();
      if (r.next && this.requested !== r.id) {
        this.requested = r.id;
        this.app.requestNextAll(r.id);
      }
      this.where.textContent = `computing the predictions ${where}…`;
    }
    return true;
  }

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const nextPos = nextTokenPosition(this.app);
    const info = this.info();
    const encoder = isEncoder(info);
    const ahead = encoder ? 0 : 1;
    const sel = this.app.queries();
    const many = sel && sel.every((pos) => this.app.state.result.next.topIds[pos * this.app.state.result.next.k] >= 0) ? sel : null;
    const { sc, top, r, colors, T } = startScene(this.app, 'next', encoder ? 'masked token' : 'next token', many
      ? { where: () => `${many.length} selected positions (#${many.join(', #')})`, file: () => `-sel${many.join('-')}` }
      : encoder
        ? { where: ({ state }) => `token #${nextPos} of ${state.result.T}`, file: () => `-at${nextPos}` }
        : { where: ({ state }) => `after token #${nextPos} of ${state.result.T}`, file: () => `-after${nextPos}` });
    let y;
    if (encoder && info.has_predictions === false) {
      sc.text(20, top + 14, 'no masked-LM head in this checkpoint: no predictions', { size: 13 });
      return finishScene(sc, SCENE_WIDTH, top + 30);
    }
    if (many) return finishScene(sc, SCENE_WIDTH, selectedNextScene(sc, top, r, many, { encoder, fmtP, colors }));
    // the top-k predictions after (encoders: at) nextPos as bars, and the token really there
    const { k, topP, topIds, topTokens, actualP, actualRank, entropy } = r.next;
    const from = Math.max(0, nextPos - 5);
    const ctx = r.tokens.slice(from, nextPos + 1).join('').replace(/\r?\n/g, '↵').trimStart();
    sc.text(20, top + 14, encoder
      ? `at “${clip(tokenLabel(r.tokens[nextPos]), 20)}” in ${from > 0 ? '…' : ''}“${ctx}”`
      : `after ${from > 0 ? '…' : ''}“${ctx}”`, { size: 13 });
    const rowH = 24, xl = 180, barW = 420, y0 = top + 30;
    for (let q = 0; q < k; q++) {
      const p = topP[nextPos * k + q];
      const yq = y0 + q * rowH;
      const actual = nextPos + ahead < T && r.ids[nextPos + ahead] === topIds[nextPos * k + q];
      sc.text(xl - 10, yq + 15, clip(tokenLabel(topTokens[nextPos * k + q]), 20),
        { anchor: 'end', size: 13, mono: true, weight: actual ? '600' : 'normal' });
      sc.rect(xl, yq + 4, barW, 14, colors.track);
      sc.rect(xl, yq + 4, Math.max(0.5, barW * p), 14, actual ? colors.select : colors.accent);
      sc.text(xl + barW + 10, yq + 15, fmtP(p), { size: 12 });
    }
    y = y0 + k * rowH + 10;
    const bits = (entropy[nextPos] / Math.LN2).toFixed(2);
    const rest = (label) => `${label}: “${clip(tokenLabel(r.tokens[nextPos + ahead]), 20)}” ${fmtP(actualP[nextPos])} · rank ${actualRank[nextPos] + 1} of ${r.vocab_size.toLocaleString('en')} · uncertainty ${bits} bits`;
    const tail = encoder
      ? (r.ids[nextPos] === info.mask_id ? `a masked token · uncertainty ${bits} bits` : rest('actually there'))
      : nextPos + 1 < T ? rest('actually next') : `end of the text · uncertainty ${bits} bits`;
    sc.text(20, y + 8, tail, { size: 12, fill: colors.muted });
    y += 20;
    return finishScene(sc, SCENE_WIDTH, y);
  }
}

// A probability as the view and the exported picture write it.
export function fmtP(p) {
  if (p >= 0.1) return `${(p * 100).toFixed(1)}%`;
  if (p >= 0.001) return `${(p * 100).toFixed(2)}%`;
  return `${(p * 100).toExponential(1)}%`;
}

// The position the view shows: the hovered or pinned one; else, for encoders,
// the last masked token (if any); else the last one.
function viewPosition(ctl) {
  const r = ctl.state.result;
  const focus = ctl.focusPos();
  if (focus !== null) return focus;
  const info = ctl.state.model ? ctl.state.model.info : {};
  if (isEncoder(info) && info.mask_id >= 0) {
    const masked = r.ids.lastIndexOf(info.mask_id);
    if (masked >= 0 && masked < r.T) return masked;
  }
  return ctl.activePos();
}

// The position whose predictions the next-token picture shows: the view's own
// when its numbers are there, else the last one.
export function nextTokenPosition(ctl) {
  const r = ctl.state.result;
  const pos = viewPosition(ctl);
  return pos !== null && r.next.topIds[pos * r.next.k] >= 0 ? pos : r.T - 1;
}
