// web/views/matrix.mjs — "Matrix": the selected head's T x T attention heatmap
// (rows: query token, columns: the token attended to), token labels on both
// axes, causally masked cells hatched (distinct from a 0 weight), the exact
// value on hover, and the values printed in the cells when they are big enough.
import { sizeCanvas, packed, hatch, paintMatrix, cellAt } from '../draw.mjs';
import { tokenLabel, clip } from '../tokens.mjs';
import { lutIndex } from '../colormap.mjs';
import { atFocusedHead, startScene, finishScene, SCENE_WIDTH, weightHex } from '../scene.mjs';
import { valueWeightedLine } from '../value-weighted.mjs';
import { runIsCausal } from '../model-family.mjs';

export class MatrixView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.canvas = section.querySelector('canvas');
    this.wrap = this.canvas.parentElement;
    this.title = section.querySelector('#matrix-title');
    this.hoverSensitive = true;
    this.cellHover = null;
    this.geom = null;
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => this.onMove(e));
    c.addEventListener('mouseleave', () => {
      this.cellHover = null;
      app.hideTooltip();
      app.setHover(null);
    });
    c.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (hit) app.togglePin(hit.i);
    });
  }

  setResult(r) {
    this.r = r;
    this.labels = r.tokens.map((t) => tokenLabel(t));
  }

  hit(e) {
    const g = this.geom;
    const c = g && cellAt(this.canvas, e, { left: g.left, top: g.top, cw: g.cell, ch: g.cell, rows: g.T, cols: g.T });
    return c ? { i: c.row, j: c.col } : null;
  }

  onMove(e) {
    const hit = this.hit(e);
    const r = this.r;
    if (!hit || !r) {
      this.cellHover = null;
      this.app.hideTooltip();
      this.app.setHover(null);
      return;
    }
    this.cellHover = hit;
    const { layer, head } = this.app.state;
    const { i, j } = hit;
    const at = ((layer * r.n_head + head) * r.T + i) * r.T + j;
    const v = r.weights[at];
    const causal = runIsCausal(r);
    const q = `“${this.labels[i]}” (#${i})`;
    const k = `“${this.labels[j]}” (#${j})`;
    const vw = valueWeightedLine(r, at);
    const ex = this.app.exercise; // an exercise's hidden head: no numbers
    this.app.showTooltip(
      ex && ex.hides(layer, head) ? [ex.hiddenTip, `${q} → ${k}`]
      : causal && j > i
        ? [`masked`, `${q} cannot see the later token ${k}`]
        : [`${v.toFixed(6)}`, `${q} → ${k}`, `layer ${layer} · head ${head}`, ...(vw ? [vw] : [])],
      e.clientX, e.clientY);
    this.app.setHover(i);
    this.render(false);
  }

  render(full = true) {
    const r = this.r;
    if (!r || !r.T) return;
    const { state, colors } = this.app;
    const { T, n_head: H } = r;
    const off = (state.layer * H + state.head) * T * T;
    this.title.textContent = `Matrix · layer ${state.layer} · head ${state.head}${this.app.queriesTitle()}`;
    this.canvas.setAttribute('aria-label', `Attention matrix of layer ${state.layer}, head ${state.head}, ${T} tokens`);

    const ctx0 = this.canvas.getContext('2d');
    const font = colors.font;
    const avail = Math.max(160, this.wrap.clientWidth - 4);
    // label width from the longest (clipped) label, at the font size the cells allow
    const labels = this.labels.map((s) => clip(s, 14));
    const widest = (px) => {
      ctx0.font = `${px}px ${font}`;
      let w = 0;
      for (const s of labels) w = Math.max(w, ctx0.measureText(s).width);
      return Math.ceil(w) + 10;
    };
    let left = widest(12);
    let cell = Math.max(4, Math.min(40, Math.floor((avail - left) / T)));
    const fontPx = Math.min(12, Math.max(8, cell - 2));
    if (fontPx < 12) {
      left = widest(fontPx);
      cell = Math.max(4, Math.min(40, Math.floor((avail - left) / T)));
    }
    const top = left; // column labels are vertical
    const cssW = left + T * cell + 2;
    const cssH = top + T * cell + 2;
    this.geom = { left, top, cell, T };
    this.canvas.dataset.geom = `${left},${top},${cell}`; // for tests: cell (i, j) is at left + j*cell, top + i*cell
    const { ctx, dpr } = sizeCanvas(this.canvas, cssW, cssH);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, cssW, cssH);

    // cells
    const x0 = Math.round(left * dpr);
    const y0 = Math.round(top * dpr);
    const w = Math.round(T * cell * dpr);
    const img = ctx.createImageData(w, w);
    const px = new Uint32Array(img.data.buffer);
    paintMatrix(px, w, 0, 0, w, w, r.weights, off, T, state.scale, false, 0);
    ctx.putImageData(img, x0, y0);
    // masked upper triangle, hatched (unless the causal mask is switched off)
    const causal = runIsCausal(r);
    if (causal) {
      ctx.fillStyle = hatch(ctx, colors.mask, colors.maskLine, dpr);
      for (let i = 0; i < T - 1; i++) ctx.fillRect(left + (i + 1) * cell, top + i * cell, (T - i - 1) * cell, cell);
    }
    // grid lines between cells when they are large
    if (cell >= 14) {
      ctx.strokeStyle = colors.bg;
      ctx.globalAlpha = 0.5;
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let k = 1; k < T; k++) {
        ctx.moveTo(left + k * cell, top); ctx.lineTo(left + k * cell, top + T * cell);
        ctx.moveTo(left, top + k * cell); ctx.lineTo(left + T * cell, top + k * cell);
      }
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    // values in cells
    if (cell >= 30) {
      ctx.font = `10px ${font}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (let i = 0; i < T; i++) {
        for (let j = 0; j <= (causal ? i : T - 1); j++) {
          const v = r.weights[off + i * T + j];
          if (v < 0.005) continue;
          ctx.fillStyle = lutIndex(v, state.scale) > 150 ? '#111' : '#fff';
          ctx.fillText(v >= 0.995 ? '1' : v.toFixed(2).slice(1), left + j * cell + cell / 2, top + i * cell + cell / 2);
        }
      }
    }

    // labels: rows on the left, columns vertical on top
    const every = Math.max(1, Math.ceil((fontPx + 1) / cell));
    const pos = this.app.focusPos();
    const hj = this.cellHover ? this.cellHover.j : -1;
    ctx.font = `${fontPx}px ${font}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let i = 0; i < T; i++) {
      if (i % every && i !== pos) continue;
      ctx.fillStyle = i === pos ? colors.fg : colors.muted;
      ctx.font = `${i === pos ? '600 ' : ''}${fontPx}px ${font}`;
      ctx.fillText(labels[i], left - 6, top + i * cell + cell / 2);
    }
    ctx.save();
    ctx.translate(left, top);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    for (let j = 0; j < T; j++) {
      if (j % every && j !== hj) continue;
      ctx.fillStyle = j === hj ? colors.fg : colors.muted;
      ctx.font = `${j === hj ? '600 ' : ''}${fontPx}px ${font}`;
      ctx.fillText(labels[j], 6, j * cell + cell / 2);
    }
    ctx.restore();

    // highlights: the focused row, the hovered column
    ctx.lineWidth = 2;
    ctx.strokeStyle = colors.focus;
    if (pos !== null) ctx.strokeRect(left - 1, top + pos * cell - 1, T * cell + 2, cell + 2);
    for (const i of this.app.queries() || []) if (i !== pos) ctx.strokeRect(left - 1, top + i * cell - 1, T * cell + 2, cell + 2);
    if (hj >= 0) {
      ctx.globalAlpha = 0.6;
      ctx.strokeRect(left + hj * cell - 1, top - 1, cell + 2, T * cell + 2);
      ctx.globalAlpha = 1;
    }
  }

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const { sc, top, causal, labels, state, r, colors, T, H } = startScene(this.app, 'matrix', 'attention matrix', atFocusedHead);
    let W = SCENE_WIDTH;
    let y;
    const cell = Math.max(10, Math.min(32, Math.floor((SCENE_WIDTH - 140) / T)));
    const left = 130, mtop = top + 110;
    const off = (state.layer * H + state.head) * T * T;
    for (let i = 0; i < T; i++) {
      sc.text(left - 6, mtop + i * cell + cell / 2 + 4, labels[i], { anchor: 'end', size: Math.min(12, cell - 1), mono: true });
      sc.text(left + i * cell + cell / 2 + 4, mtop - 6, labels[i], { size: Math.min(12, cell - 1), rotate: -90, mono: true });
      for (let j = 0; j < T; j++) {
        if (causal && j > i) { sc.rect(left + j * cell, mtop + i * cell, cell, cell, colors.mask); continue; }
        const v = r.weights[off + i * T + j];
        sc.rect(left + j * cell, mtop + i * cell, cell, cell, weightHex(v, state.scale));
        if (cell >= 26 && v >= 0.005) {
          sc.text(left + j * cell + cell / 2, mtop + i * cell + cell / 2 + 3.5, v >= 0.995 ? '1' : v.toFixed(2).slice(1),
            { anchor: 'middle', size: 9, fill: lutIndex(v, state.scale) > 150 ? '#111111' : '#ffffff' });
        }
      }
    }
    W = Math.max(SCENE_WIDTH, left + T * cell + 20);
    y = mtop + T * cell + 12;
    return finishScene(sc, W, y);
  }
}
