// web/views/grid.mjs — "All heads": one canvas holding a thumbnail of every
// head's attention matrix (rows: layers, columns: heads), with a short label for
// heads whose behaviour is clear (previous-token, first-token, self, induction).
// Click or arrow keys + Enter to select a head; the hovered token's row is marked
// in every thumbnail.
import { sizeCanvas, packed, paintMatrix } from '../draw.mjs';
import { tokenLabel } from '../tokens.mjs';

const LABEL_W = 30;
const LABEL_H = 18;
const GAP = 4;

// Per head: mean attention to the previous token, the first token, itself, and
// the induction score (attention from a repeated token to what followed its
// earlier occurrence); each a mean over the query rows where it is defined.
export function headStats(r) {
  const { n_layer: L, n_head: H, T, attention: a, ids } = r;
  const stats = [];
  // induction targets: for each i, positions k+1 where ids[k] == ids[i], k < i, k+1 < i
  const targets = [];
  for (let i = 0; i < T; i++) {
    const t = [];
    for (let k = 0; k + 1 < i; k++) if (ids[k] === ids[i]) t.push(k + 1);
    targets.push(t);
  }
  const nInd = targets.filter((t) => t.length).length;
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const off = (l * H + h) * T * T;
      let prev = 0, first = 0, self = 0, ind = 0;
      for (let i = 1; i < T; i++) {
        const row = off + i * T;
        prev += a[row + i - 1];
        first += a[row];
        self += a[row + i];
        for (const j of targets[i]) ind += a[row + j];
      }
      const n = Math.max(1, T - 1);
      stats.push({ prev: prev / n, first: first / n, self: self / n, ind: nInd ? ind / nInd : NaN });
    }
  }
  return stats;
}

export function headBadge(s) {
  if (!s) return '';
  if (s.ind > 0.4) return 'induction';
  if (s.prev > 0.6) return 'previous';
  if (s.self > 0.6) return 'self';
  if (s.first > 0.6) return 'first';
  return '';
}

export class GridView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.canvas = section.querySelector('canvas');
    this.wrap = this.canvas.parentElement;
    this.focus = null; // keyboard cursor {layer, head}
    this.hover = null;
    this.hoverSensitive = true;
    this.geom = null;
    this.image = null;
    this.stats = [];
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => this.onMove(e));
    c.addEventListener('mouseleave', () => { this.hover = null; app.hideTooltip(); this.render(false); });
    c.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (!hit) return;
      this.focus = hit;
      app.select(hit.layer, hit.head, { openHead: true });
    });
    c.addEventListener('keydown', (e) => this.onKey(e));
    c.addEventListener('focus', () => this.render(false));
    c.addEventListener('blur', () => this.render(false));
  }

  setResult(r) {
    this.r = r;
    this.stats = r.T ? headStats(r) : [];
    this.image = null;
  }

  cursor() {
    const s = this.app.state;
    return this.focus || { layer: s.layer, head: s.head };
  }

  onKey(e) {
    const r = this.r;
    if (!r) return;
    const c = { ...this.cursor() };
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[e.key]) {
      c.layer = Math.max(0, Math.min(r.n_layer - 1, c.layer + moves[e.key][0]));
      c.head = Math.max(0, Math.min(r.n_head - 1, c.head + moves[e.key][1]));
      this.focus = c;
      this.describe();
      this.render(false);
      this.scrollTo(c);
      e.preventDefault();
    } else if (e.key === 'Enter' || e.key === ' ') {
      this.app.select(c.layer, c.head, { openHead: true });
      e.preventDefault();
    }
  }

  describe() {
    const c = this.cursor();
    const s = this.stats[c.layer * this.r.n_head + c.head];
    const b = headBadge(s);
    this.canvas.setAttribute('aria-label',
      `All heads. Cursor on layer ${c.layer}, head ${c.head}${b ? ` (${b} head)` : ''}. ` +
      `Selected: layer ${this.app.state.layer}, head ${this.app.state.head}. Arrow keys move, Enter selects.`);
  }

  scrollTo(c) {
    const g = this.geom;
    if (!g) return;
    const y = LABEL_H + c.layer * (g.cell + GAP);
    const w = this.wrap;
    if (y < w.scrollTop) w.scrollTop = y - LABEL_H;
    else if (y + g.cell > w.scrollTop + w.clientHeight) w.scrollTop = y + g.cell - w.clientHeight + GAP;
  }

  hit(e) {
    const g = this.geom;
    if (!g) return null;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - LABEL_W;
    const y = e.clientY - rect.top - LABEL_H;
    if (x < 0 || y < 0) return null;
    const head = Math.floor(x / (g.cell + GAP));
    const layer = Math.floor(y / (g.cell + GAP));
    if (head >= g.H || layer >= g.L) return null;
    if (x - head * (g.cell + GAP) > g.cell || y - layer * (g.cell + GAP) > g.cell) return null;
    const fx = (x - head * (g.cell + GAP)) / g.cell;
    const fy = (y - layer * (g.cell + GAP)) / g.cell;
    return { layer, head, i: Math.min(g.T - 1, Math.floor(fy * g.T)), j: Math.min(g.T - 1, Math.floor(fx * g.T)) };
  }

  onMove(e) {
    const hit = this.hit(e);
    const r = this.r;
    if (!hit || !r) {
      this.hover = null;
      this.app.hideTooltip();
      this.render(false);
      return;
    }
    this.hover = hit;
    const s = this.stats[hit.layer * r.n_head + hit.head];
    const pct = (v) => `${(v * 100).toFixed(0)}%`;
    const lines = [`Layer ${hit.layer} · head ${hit.head}${headBadge(s) ? ` · ${headBadge(s)} head` : ''}`];
    if (s) {
      lines.push(`to previous token ${pct(s.prev)} · to first token ${pct(s.first)} · to itself ${pct(s.self)}`);
      if (!Number.isNaN(s.ind)) lines.push(`induction (repeated token → what followed it before): ${pct(s.ind)}`);
    }
    const v = r.attention[((hit.layer * r.n_head + hit.head) * r.T + hit.i) * r.T + hit.j];
    lines.push(hit.j > hit.i
      ? `“${tokenLabel(r.tokens[hit.i])}” → “${tokenLabel(r.tokens[hit.j])}”: masked (future)`
      : `“${tokenLabel(r.tokens[hit.i])}” → “${tokenLabel(r.tokens[hit.j])}”: ${v.toFixed(4)}`);
    this.app.showTooltip(lines, e.clientX, e.clientY);
    this.render(false);
  }

  render(full = true) {
    const r = this.r;
    if (!r || !r.T) return;
    const { state, colors } = this.app;
    const { n_layer: L, n_head: H, T } = r;
    const avail = Math.max(200, this.wrap.clientWidth - 2);
    const cell = Math.max(18, Math.min(180, Math.floor((avail - LABEL_W - GAP * (H - 1)) / H)));
    const cssW = LABEL_W + H * cell + (H - 1) * GAP;
    const cssH = LABEL_H + L * cell + (L - 1) * GAP + 2;
    const key = `${cell}|${state.scale}|${colors.bg}|${colors.mask}|${window.devicePixelRatio}`;
    const { ctx, dpr } = sizeCanvas(this.canvas, cssW, cssH);
    this.geom = { cell, L, H, T };
    if (full || !this.image || this.imageKey !== key) {
      const img = ctx.createImageData(this.canvas.width, this.canvas.height);
      const px = new Uint32Array(img.data.buffer);
      px.fill(packed(colors.bg));
      const maskPx = packed(colors.mask);
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < H; h++) {
          const x0 = Math.round((LABEL_W + h * (cell + GAP)) * dpr);
          const y0 = Math.round((LABEL_H + l * (cell + GAP)) * dpr);
          const w = Math.round((LABEL_W + h * (cell + GAP) + cell) * dpr) - x0;
          const hh = Math.round((LABEL_H + l * (cell + GAP) + cell) * dpr) - y0;
          paintMatrix(px, img.width, x0, y0, w, hh, r.attention, (l * H + h) * T * T, T, state.scale, true, maskPx);
        }
      }
      this.image = img;
      this.imageKey = key;
    }
    ctx.putImageData(this.image, 0, 0);

    // labels
    ctx.font = `11px ${colors.font}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    for (let h = 0; h < H; h++) {
      ctx.fillStyle = h === state.head ? colors.fg : colors.muted;
      ctx.fillText(`H${h}`, LABEL_W + h * (cell + GAP) + cell / 2, LABEL_H / 2);
    }
    ctx.textAlign = 'right';
    for (let l = 0; l < L; l++) {
      ctx.fillStyle = l === state.layer ? colors.fg : colors.muted;
      ctx.fillText(`L${l}`, LABEL_W - 6, LABEL_H + l * (cell + GAP) + cell / 2);
    }
    // behaviour badges
    if (cell >= 44) {
      ctx.font = `600 10px ${colors.font}`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < H; h++) {
          const b = headBadge(this.stats[l * H + h]);
          if (!b) continue;
          const x = LABEL_W + h * (cell + GAP);
          const y = LABEL_H + l * (cell + GAP) + cell;
          const w = ctx.measureText(b).width + 6;
          ctx.fillStyle = 'rgba(0,0,0,0.62)';
          ctx.fillRect(x + cell - w - 2, y - 15, w, 13);
          ctx.fillStyle = '#fff';
          ctx.fillText(b, x + cell - w + 1, y - 3);
        }
      }
    }
    const box = (l, h) => [LABEL_W + h * (cell + GAP), LABEL_H + l * (cell + GAP)];
    // the token row in focus, in every thumbnail
    const pos = this.app.focusPos();
    if (pos !== null) {
      // a tick on both sides of the row, not over the data
      ctx.fillStyle = colors.focus;
      const y = (pos / T) * cell;
      const hgt = Math.max(2, cell / T);
      for (let l = 0; l < L; l++) {
        for (let h = 0; h < H; h++) {
          const [x0, y0] = box(l, h);
          ctx.fillRect(x0 - 3, y0 + y, 3, hgt);
          ctx.fillRect(x0 + cell, y0 + y, 3, hgt);
        }
      }
    }
    // hover, selection, keyboard cursor
    if (this.hover) {
      const [x, y] = box(this.hover.layer, this.hover.head);
      ctx.strokeStyle = colors.muted;
      ctx.lineWidth = 1;
      ctx.strokeRect(x - 1.5, y - 1.5, cell + 3, cell + 3);
    }
    {
      const [x, y] = box(state.layer, state.head);
      ctx.strokeStyle = colors.select;
      ctx.lineWidth = 2.5;
      ctx.strokeRect(x - 1.5, y - 1.5, cell + 3, cell + 3);
    }
    if (document.activeElement === this.canvas) {
      const c = this.cursor();
      const [x, y] = box(c.layer, c.head);
      ctx.strokeStyle = colors.focus;
      ctx.lineWidth = 2;
      ctx.setLineDash([4, 3]);
      ctx.strokeRect(x - 3, y - 3, cell + 6, cell + 6);
      ctx.setLineDash([]);
    }
    if (full) {
      if (!this.focus || this.focus.layer >= L || this.focus.head >= H) this.focus = null;
      this.describe();
    }
  }
}
