// web/views/lens.mjs — "Logit lens": for every layer (rows, layer 0 on top) and
// position (columns), the token the model would predict if it stopped after that
// layer (the family's final norm and LM head on the residual stream, computed by
// the module: src/model/logit_lens.hpp), coloured by the probability that layer
// gives the model's final prediction at that position. Click a cell (or arrows +
// Enter) for its top 5: the cell's layer becomes the focused layer and its position
// the pinned token, so a link restores it. The numbers come from the worker's
// 'lens' request on the run on screen (runs keep their residual stream while this
// view is visible). A checkpoint without an LM head has no lens: the view says so.
import { sizeCanvas, cellAt } from '../draw.mjs';
import { colorCss, inkOn } from '../colormap.mjs';
import { tokenLabel, clip } from '../tokens.mjs';
import { startScene, finishScene, SCENE_WIDTH, weightHex } from '../scene.mjs';

const HEAD_H = 22;   // the input tokens above the columns
const LABEL_W = 34;  // "L0" … on the left
const CELL_H = 24;

const atEveryLayer = {
  where: () => 'every layer',
  file: () => '',
};

const percent = (p) => `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%`;

export class LensView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.canvas = section.querySelector('.lens-canvas');
    this.wrap = this.canvas.parentElement;
    this.missing = section.querySelector('.lens-missing');
    this.detail = section.querySelector('.lens-detail');
    this.cursor = null; // keyboard cell {l, t}
    this.geom = null;
    const c = this.canvas;
    c.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (hit) this.choose(hit.l, hit.t);
    });
    c.addEventListener('mousemove', (e) => this.onMove(e));
    c.addEventListener('mouseleave', () => app.hideTooltip());
    c.addEventListener('keydown', (e) => this.onKey(e));
  }

  setResult(r) {
    this.r = r;
    if (r.T && !r.lens && !r.lensError) this.app.requestLens();
  }

  // The cell the top 5 is shown for: the focused layer and the pinned token (else the last one).
  chosen() {
    const r = this.r;
    const { layer, pinPos } = this.app.state;
    return { l: Math.min(layer, r.n_layer - 1), t: pinPos !== null && pinPos < r.T ? pinPos : r.T - 1 };
  }

  choose(l, t) {
    const { state } = this.app;
    if (state.pinPos !== t) this.app.togglePin(t);
    this.app.select(l, state.head);
  }

  hit(e) {
    const g = this.geom;
    const c = g && cellAt(this.canvas, e, { left: g.left, top: g.top, cw: g.cw, ch: g.ch, rows: g.L, cols: g.T });
    return c ? { l: c.row, t: c.col } : null;
  }

  onMove(e) {
    const hit = this.hit(e);
    const lens = this.r && this.r.lens;
    if (!hit || !lens) return this.app.hideTooltip();
    const { l, t } = hit;
    const final = this.r.lens.top_tokens[lens.n_layer - 1][t][0];
    this.app.showTooltip([
      `Layer ${l} · position ${t} “${tokenLabel(this.r.tokens[t])}”`,
      `top: “${tokenLabel(lens.top_tokens[l][t][0])}” ${percent(lens.top_probs[l][t][0])}`,
      `final prediction “${tokenLabel(final)}”: ${percent(lens.final_prob[l][t])} here`,
    ], e.clientX, e.clientY);
  }

  onKey(e) {
    const r = this.r;
    if (!r || !r.lens) return;
    const cur = this.cursor || this.chosen();
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[e.key]) {
      e.preventDefault();
      const [dl, dt] = moves[e.key];
      this.cursor = { l: Math.max(0, Math.min(r.n_layer - 1, cur.l + dl)), t: Math.max(0, Math.min(r.T - 1, cur.t + dt)) };
      this.render();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.choose(cur.l, cur.t);
      this.cursor = null;
    }
  }

  // Why there is no grid to draw, or null.
  missingReason() {
    const r = this.r;
    const info = this.app.state.model && this.app.state.model.info;
    if (info && info.has_predictions === false)
      return 'This model was saved without its masked-LM head: it predicts no tokens, so there is no lens to look through.';
    if (r.lensError) return `The lens could not be computed: ${r.lensError}`;
    if (!r.lens) return 'Computing the lens…';
    return null;
  }

  render() {
    const r = this.r;
    if (!r || !r.T) return;
    const reason = this.missingReason();
    this.missing.hidden = !reason;
    this.missing.textContent = reason || '';
    this.wrap.hidden = !!reason;
    this.detail.hidden = !!reason;
    this.section.dataset.lens = reason ? (r.lens || r.lensError ? 'none' : 'pending') : 'drawn';
    if (reason) return;
    const lens = r.lens;
    const { state, colors } = this.app;
    const L = lens.n_layer, T = r.T;
    const ctx0 = this.canvas.getContext('2d');
    ctx0.font = `11px ${colors.font}`;
    let widest = 0;
    for (const row of lens.top_tokens) for (const cell of row) widest = Math.max(widest, ctx0.measureText(clip(tokenLabel(cell[0]), 10)).width);
    const cw = Math.max(34, Math.min(96, Math.ceil(widest) + 10));
    const ch = CELL_H;
    const left = LABEL_W, top = HEAD_H;
    const cssW = left + T * cw + 2, cssH = top + L * ch + 2;
    this.geom = { left, top, cw, ch, T, L };
    this.canvas.dataset.geom = `${left},${top},${cw},${ch}`; // for tests: cell (l, t) at left + t*cw, top + l*ch
    const { ctx } = sizeCanvas(this.canvas, cssW, cssH);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, cssW, cssH);
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    ctx.font = `11px ${colors.font}`;
    for (let t = 0; t < T; t++) {
      ctx.fillStyle = colors.muted;
      ctx.fillText(clip(tokenLabel(r.tokens[t]), 10), left + t * cw + cw / 2, top / 2);
    }
    ctx.textAlign = 'right';
    for (let l = 0; l < L; l++) {
      ctx.fillStyle = colors.muted;
      ctx.fillText(`L${l}`, left - 6, top + l * ch + ch / 2);
    }
    ctx.textAlign = 'center';
    for (let l = 0; l < L; l++) {
      for (let t = 0; t < T; t++) {
        const p = lens.final_prob[l][t];
        ctx.fillStyle = colorCss(p, state.scale);
        ctx.fillRect(left + t * cw, top + l * ch, cw - 1, ch - 1);
        ctx.fillStyle = inkOn(p, state.scale);
        ctx.fillText(clip(tokenLabel(lens.top_tokens[l][t][0]), 10), left + t * cw + cw / 2, top + l * ch + ch / 2);
      }
    }
    const sel = this.chosen();
    ctx.lineWidth = 2;
    ctx.strokeStyle = colors.focus;
    ctx.strokeRect(left + sel.t * cw, top + sel.l * ch, cw - 1, ch - 1);
    if (this.cursor) {
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = colors.fg;
      ctx.strokeRect(left + this.cursor.t * cw + 2, top + this.cursor.l * ch + 2, cw - 5, ch - 5);
      ctx.setLineDash([]);
    }
    this.canvas.setAttribute('aria-label', `Logit lens: ${L} layers x ${T} positions; selected layer ${sel.l}, position ${sel.t}`);
    this.showDetail(sel.l, sel.t);
  }

  // The top 5 of one cell, as a list.
  showDetail(l, t) {
    const r = this.r;
    const lens = r.lens;
    const final = lens.top_tokens[lens.n_layer - 1][t][0];
    const head = document.createElement('p');
    head.className = 'lens-where';
    head.textContent = `Layer ${l} · after “${tokenLabel(r.tokens[t])}” (position ${t}): the final prediction ` +
      `“${tokenLabel(final)}” gets ${percent(lens.final_prob[l][t])} here`;
    const list = document.createElement('ol');
    list.className = 'lens-top';
    for (let k = 0; k < lens.top; k++) {
      const li = document.createElement('li');
      const tok = document.createElement('code');
      tok.textContent = tokenLabel(lens.top_tokens[l][t][k]);
      li.append(tok, ` ${percent(lens.top_probs[l][t][k])}`);
      li.dataset.id = String(lens.top_ids[l][t][k]);
      list.append(li);
    }
    this.detail.replaceChildren(head, list);
    this.detail.dataset.cell = `${l},${t}`; // the cell shown (tests wait for it: the view redraws on the next frame)
  }

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const { sc, top, state, r, colors, T, L } = startScene(this.app, 'lens', 'logit lens (colour: probability of the final prediction)', atEveryLayer);
    const lens = r.lens;
    const cw = Math.max(34, Math.min(80, Math.floor((SCENE_WIDTH - 60) / T)));
    const ch = CELL_H, left = 46, mtop = top + 24;
    for (let t = 0; t < T; t++)
      sc.text(left + t * cw + cw / 2, mtop - 8, clip(tokenLabel(r.tokens[t]), 9), { anchor: 'middle', size: 10, fill: colors.muted, mono: true });
    for (let l = 0; l < L; l++) {
      sc.text(left - 6, mtop + l * ch + ch / 2 + 4, `L${l}`, { anchor: 'end', size: 11, fill: colors.muted });
      for (let t = 0; t < T; t++) {
        const p = lens ? lens.final_prob[l][t] : 0;
        sc.rect(left + t * cw, mtop + l * ch, cw - 1, ch - 1, weightHex(p, state.scale));
        if (lens) sc.text(left + t * cw + cw / 2, mtop + l * ch + ch / 2 + 4, clip(tokenLabel(lens.top_tokens[l][t][0]), 9),
          { anchor: 'middle', size: 10, fill: inkOn(p, state.scale), mono: true });
      }
    }
    const y = mtop + L * ch + 10;
    return finishScene(sc, Math.max(SCENE_WIDTH, left + T * cw + 20), y);
  }
}
