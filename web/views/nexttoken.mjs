// web/views/nexttoken.mjs — "Next token": what the model predicts after the
// hovered (or pinned, or last) position: the top-5 tokens with probabilities,
// the probability and rank of the token that really follows, and the entropy.
// The worker reduces the all-positions logits to these numbers.
import { renderToken, tokenLabel, clip } from '../tokens.mjs';
import { startScene, finishScene, SCENE_WIDTH } from '../scene.mjs';

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

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const nextPos = nextTokenPosition(this.app);
    const { sc, top, r, colors, T } = startScene(this.app, 'next', 'next token', {
      where: ({ state }) => `after token #${nextPos} of ${state.result.T}`, file: () => `-after${nextPos}`,
    });
    let y;
    // the top-k predictions after nextPos as bars, and the token that really follows
    const { k, topP, topIds, topTokens, actualP, actualRank, entropy } = r.next;
    const from = Math.max(0, nextPos - 5);
    const ctx = r.tokens.slice(from, nextPos + 1).join('').replace(/\r?\n/g, '↵').trimStart();
    sc.text(20, top + 14, `after ${from > 0 ? '…' : ''}“${ctx}”`, { size: 13 });
    const rowH = 24, xl = 180, barW = 420, y0 = top + 30;
    for (let q = 0; q < k; q++) {
      const p = topP[nextPos * k + q];
      const yq = y0 + q * rowH;
      const actual = nextPos + 1 < T && r.ids[nextPos + 1] === topIds[nextPos * k + q];
      sc.text(xl - 10, yq + 15, clip(tokenLabel(topTokens[nextPos * k + q]), 20),
        { anchor: 'end', size: 13, mono: true, weight: actual ? '600' : 'normal' });
      sc.rect(xl, yq + 4, barW, 14, colors.track);
      sc.rect(xl, yq + 4, Math.max(0.5, barW * p), 14, actual ? colors.select : colors.accent);
      sc.text(xl + barW + 10, yq + 15, fmtP(p), { size: 12 });
    }
    y = y0 + k * rowH + 10;
    const bits = (entropy[nextPos] / Math.LN2).toFixed(2);
    const tail = nextPos + 1 < T
      ? `actually next: “${clip(tokenLabel(r.tokens[nextPos + 1]), 20)}” ${fmtP(actualP[nextPos])} · rank ${actualRank[nextPos] + 1} of ${r.vocab_size.toLocaleString('en')} · uncertainty ${bits} bits`
      : `end of the text · uncertainty ${bits} bits`;
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

// The position whose predictions the next-token picture shows: the view's own
// (hovered, pinned or last) when its numbers are there, else the last one.
export function nextTokenPosition(ctl) {
  const r = ctl.state.result;
  const pos = ctl.activePos();
  return pos !== null && r.next.topIds[pos * r.next.k] >= 0 ? pos : r.T - 1;
}
