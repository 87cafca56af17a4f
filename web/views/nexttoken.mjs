// web/views/nexttoken.mjs — "Next token": what the model predicts after the
// hovered (or pinned, or last) position: the top-5 tokens with probabilities,
// the probability and rank of the token that really follows, and the entropy.
// The worker reduces the all-positions logits to these numbers.
import { renderToken, tokenLabel } from '../tokens.mjs';

export class NextTokenView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.where = section.querySelector('#next-where');
    this.list = section.querySelector('#next-list');
    this.actual = section.querySelector('#next-actual');
    this.hoverSensitive = true;
    this.rows = [];
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

  render() {
    const r = this.r;
    if (!r || !r.T) return;
    const pos = this.app.activePos();
    const ready = r.next && r.next.topIds[pos * r.next.k] >= 0;
    this.section.classList.toggle('pending', !ready);
    if (!ready) {
      // large vocabularies: other positions are computed on demand
      if (r.next && this.requested !== r.id) {
        this.requested = r.id;
        this.app.requestNextAll(r.id);
      }
      this.where.textContent = `computing the predictions after token #${pos}…`;
      return;
    }
    const { k, topP, topTokens, actualP, actualRank, entropy } = r.next;
    const from = Math.max(0, pos - 5);
    const ctx = r.tokens.slice(from, pos + 1).join('').replace(/\r?\n/g, '↵').trimStart();
    this.where.textContent = `after ${from > 0 ? '…' : ''}“${ctx}” (token #${pos} of ${r.T})` +
      (pos === r.T - 1 && this.app.focusPos() === null ? ' · hover a token to pick another position' : '');
    for (let q = 0; q < k; q++) {
      const row = this.rows[q];
      const p = topP[pos * k + q];
      const s = topTokens[pos * k + q];
      renderToken(row.tok, s);
      row.tok.title = `“${tokenLabel(s)}”`;
      row.fill.style.width = `${(p * 100).toFixed(2)}%`;
      row.p.textContent = fmtP(p);
      const isActual = pos + 1 < r.T && r.ids[pos + 1] === r.next.topIds[pos * k + q];
      row.li.classList.toggle('actual', isActual);
    }
    const bits = (entropy[pos] / Math.LN2).toFixed(2);
    this.actual.replaceChildren();
    if (pos + 1 < r.T) {
      const tok = document.createElement('span');
      tok.className = 'tok-inline';
      renderToken(tok, r.tokens[pos + 1]);
      this.actual.append('Actually next: ', tok,
        ` ${fmtP(actualP[pos])} · rank ${actualRank[pos] + 1} of ${r.vocab_size.toLocaleString('en')} · uncertainty ${bits} bits`);
    } else {
      this.actual.append(`End of the text · uncertainty ${bits} bits`);
    }
  }
}

// A probability as the view and the exported picture write it.
export function fmtP(p) {
  if (p >= 0.1) return `${(p * 100).toFixed(1)}%`;
  if (p >= 0.001) return `${(p * 100).toFixed(2)}%`;
  return `${(p * 100).toExponential(1)}%`;
}
