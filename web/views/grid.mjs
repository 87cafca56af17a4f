// web/views/grid.mjs — "All heads": one canvas holding a thumbnail of every
// head's attention matrix (rows: layers, columns: heads), with a short label for
// heads whose behaviour is clear (previous token, first token, self, same token,
// induction, punctuation; for encoders also to [CLS], to [SEP], next token,
// broad: ROLE_INFO below). Click or arrow keys + Enter to select
// a head, ctrl-click or X to switch it off; the hovered token's row is marked in
// every thumbnail. Grouped-query models (fewer key/value heads than query
// heads): the heads sharing a key/value head are labelled "kv g" together and
// separated from the next group by a thin line. scene(): the same as a picture for slides.
import { sizeCanvas, packed, paintMatrix } from '../draw.mjs';
import { tokenLabel } from '../tokens.mjs';
import { startScene, finishScene, SCENE_WIDTH, weightHex } from '../scene.mjs';
import { valueWeightedLine } from '../value-weighted.mjs';
import { runIsCausal, kvGroupSize, kvHeadOf, kvShareText } from '../model-family.mjs';
import { describeHead } from '../head-words.mjs';

const LABEL_W = 30;
const LABEL_H = 18;
const KV_LABEL_H = 14; // grouped-query models: a "kv g" row above the head labels
const GAP = 4;
// the picture's place in the model (web/scene.mjs)
const WHOLE_MODEL = { where: ({ state }) => `${state.result.n_layer} layers × ${state.result.n_head} heads`, file: () => '' };

// Head roles come from the module (lastRunRoles / probeRoles, definitions in
// src/model/head_roles.hpp); the grid shows each head's strongest role on this
// text as a short label in the role's colour. Colours: Okabe-Ito (colour-blind safe).
export const ROLE_INFO = {
  previous_token: { short: 'prev', color: '#0072B2', label: 'previous token' },
  first_token: { short: 'first', color: '#8a8a8a', label: 'first token' },
  self: { short: 'self', color: '#CC79A7', label: 'self' },
  same_token: { short: 'same', color: '#009E73', label: 'same token' },
  induction: { short: 'induct', color: '#D55E00', label: 'induction' },
  punctuation: { short: 'punct', color: '#E69F00', label: 'punctuation' },
  // encoder roles (src/model/head_roles.hpp: labelled on encoders only)
  to_cls: { short: 'cls', color: '#4d4d4d', label: 'to [CLS]', encoder: true },
  to_sep: { short: 'sep', color: '#7a5a00', label: 'to [SEP]', encoder: true },
  next_token: { short: 'next', color: '#332288', label: 'next token', encoder: true },
  broad: { short: 'broad', color: '#8c8c5a', label: 'broad', encoder: true },
};

// The role of head (l, h) in a result ('' when mixed or unknown).
export function headRole(r, l, h, which = 'text') {
  const roles = r && r.roles && r.roles[which];
  const role = roles && roles.roles[l] && roles.roles[l][h];
  return role && ROLE_INFO[role] ? role : '';
}

// The run's heads as the grouping helpers read them.
const headShape = (r) => ({ n_head: r.n_head, n_kv_head: r.n_kv_head || r.n_head });

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
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => this.onMove(e));
    c.addEventListener('mouseleave', () => { this.hover = null; app.hideTooltip(); this.render(false); });
    c.addEventListener('click', (e) => {
      const hit = this.hit(e);
      if (!hit) return;
      this.focus = hit;
      // ctrl/cmd-click switches a head off (or on again) where the reader may
      if ((e.ctrlKey || e.metaKey) && app.onAblate) app.toggleAblate(hit.layer, hit.head);
      else app.select(hit.layer, hit.head, { openHead: true });
    });
    c.addEventListener('keydown', (e) => this.onKey(e));
    c.addEventListener('focus', () => this.render(false));
    c.addEventListener('blur', () => this.render(false));
    // layers scrolled into view are painted then (render paints only what is on screen)
    const scrolled = () => { if (this.r && this.layerFrom && this.layerFrom.some((f) => f < this.r.T)) this.render(false); };
    this.wrap.addEventListener('scroll', scrolled, { passive: true });
  }

  // What the image shows is tracked per layer of thumbnails: layerFrom[l], the first matrix row
  // of layer l that is out of date (>= T: up to date). A reused run's result (r.patch: rows
  // [0, reused) of every head as in run r.patch.base) of the same length as the result before it
  // leaves rows [0, reused) up to date (the thumbnails' geometry depends on T only); anything
  // else makes every row out of date. render() paints only the out-of-date rows of the layers
  // its scrolling box shows (the others when they are scrolled into view).
  setResult(r) {
    const prev = this.r;
    const ex = this.app.exercise;
    const p = prev && r.patch && r.patch.base === prev.workerRunId && r.T === prev.T &&
      r.valueWeighted === undefined && !(ex && ex.question) ? r.patch.reused : 0;
    if (this.layerFrom && p) for (let l = 0; l < this.layerFrom.length; l++) this.layerFrom[l] = Math.min(this.layerFrom[l], p);
    else this.layerFrom = null;
    this.r = r;
    this.dataChanged = true;
  }

  // The CSS px rows [top, bottom) of the canvas shown by its scrolling box (the box is at most
  // about the window's height: web/style.css .grid-wrap).
  visibleRows(cssH) {
    const c = this.canvas.getBoundingClientRect();
    const w = this.wrap.getBoundingClientRect();
    const scale = c.height > 0 ? c.height / cssH : 1; // (a CSS transform, e.g. a scaled slide)
    return [(w.top - c.top) / scale, (w.bottom - c.top) / scale];
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
      this.app.description.render(); // the live text alternative follows the cursor
      this.render(false);
      this.scrollTo(c);
      e.preventDefault();
    } else if (e.key === 'Enter' || e.key === ' ') {
      this.app.select(c.layer, c.head, { openHead: true });
      e.preventDefault();
    } else if ((e.key === 'x' || e.key === 'Delete') && this.app.onAblate) {
      this.app.toggleAblate(c.layer, c.head);
      e.preventDefault();
    }
  }

  describe() {
    const c = this.cursor();
    const b = headRole(this.r, c.layer, c.head, this.app.state.roleSource);
    const off = this.app.isAblated(c.layer, c.head);
    const share = kvShareText(headShape(this.r), c.head);
    this.canvas.setAttribute('aria-label',
      `All heads. Cursor on layer ${c.layer}, head ${c.head}${b ? ` (${ROLE_INFO[b].label} head)` : ''}${off ? ', switched off' : ''}${share ? `; it ${share}` : ''}. ` +
      `Selected: layer ${this.app.state.layer}, head ${this.app.state.head}. Arrow keys move, Enter selects` +
      `${this.app.onAblate ? ', X switches the head off or on' : ''}.`);
  }

  scrollTo(c) {
    const g = this.geom;
    if (!g) return;
    const y = g.labelH + c.layer * (g.cell + GAP);
    const w = this.wrap;
    if (y < w.scrollTop) w.scrollTop = y - g.labelH;
    else if (y + g.cell > w.scrollTop + w.clientHeight) w.scrollTop = y + g.cell - w.clientHeight + GAP;
  }

  hit(e) {
    const g = this.geom;
    if (!g) return null;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left - LABEL_W;
    const y = e.clientY - rect.top - g.labelH;
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
    const role = headRole(r, hit.layer, hit.head, this.app.state.roleSource);
    const lines = [`Layer ${hit.layer} · head ${hit.head}${role ? ` · ${ROLE_INFO[role].label} head` : ''}` +
      `${this.app.isAblated(hit.layer, hit.head) ? ' · switched off' : ''}`];
    lines.push(describeHead(r, r.weights, hit.layer, hit.head, { causal: runIsCausal(r) })); // its pattern in words (web/head-words.mjs)
    const share = kvShareText(headShape(r), hit.head);
    if (share) lines.push(`This head ${share}.`);
    const sc = r.roles && r.roles.text;
    if (sc) {
      const row = sc.scores[hit.layer][hit.head];
      lines.push(sc.names.map((n, k) => `${ROLE_INFO[n] ? ROLE_INFO[n].short : n} ${row[k] === null ? '–' : (row[k] * 100).toFixed(0) + '%'}`).join(' · '));
    }
    const causal = runIsCausal(r);
    const at = ((hit.layer * r.n_head + hit.head) * r.T + hit.i) * r.T + hit.j;
    const v = r.weights[at];
    lines.push(causal && hit.j > hit.i
      ? `“${tokenLabel(r.tokens[hit.i])}” → “${tokenLabel(r.tokens[hit.j])}”: masked (future)`
      : `“${tokenLabel(r.tokens[hit.i])}” → “${tokenLabel(r.tokens[hit.j])}”: ${v.toFixed(4)}`);
    const vw = !(causal && hit.j > hit.i) && valueWeightedLine(r, at);
    if (vw) lines.push(vw);
    const ex = this.app.exercise; // an exercise's hidden head: no numbers
    if (ex && ex.hides(hit.layer, hit.head)) lines.splice(1, lines.length - 1, ex.hiddenTip);
    this.app.showTooltip(lines, e.clientX, e.clientY);
    this.render(false);
  }

  render(full = true) {
    const r = this.r;
    if (!r || !r.T) return;
    const { state, colors } = this.app;
    const { n_layer: L, n_head: H, T } = r;
    this.section.querySelector('h2').textContent = `All heads${this.app.queriesTitle()}`;
    const avail = Math.max(200, this.wrap.clientWidth - 2);
    const cell = Math.max(18, Math.min(180, Math.floor((avail - LABEL_W - GAP * (H - 1)) / H)));
    const group = kvGroupSize(headShape(r)); // query heads per key/value head
    const labelH = LABEL_H + (group > 1 ? KV_LABEL_H : 0);
    const cssW = LABEL_W + H * cell + (H - 1) * GAP;
    const cssH = labelH + L * cell + (L - 1) * GAP + 2;
    const causal = runIsCausal(r);
    const { ctx, dpr } = sizeCanvas(this.canvas, cssW, cssH);
    const key = `${cell}|${state.scale}|${colors.bg}|${colors.mask}|${dpr}|${L}|${H}|${labelH}`;
    this.geom = { cell, L, H, T, labelH };
    const reuse = this.image && this.image.width === this.canvas.width && this.image.height === this.canvas.height;
    if (!reuse || this.imageKey !== key) { // a new geometry or colours: every pixel again
      if (!reuse) this.image = ctx.createImageData(this.canvas.width, this.canvas.height);
      new Uint32Array(this.image.data.buffer).fill(packed(colors.bg));
      this.imageKey = key;
      this.layerFrom = null;
    } else if (!this.dataChanged && this.paintedWeights !== r.weights) this.layerFrom = null; // (e.g. an exercise's reveal)
    this.dataChanged = false;
    this.paintedWeights = r.weights;
    if (!this.layerFrom || this.layerFrom.length !== L) this.layerFrom = new Int32Array(L);
    const [top, bottom] = this.visibleRows(cssH);
    const img = this.image;
    const px = new Uint32Array(img.data.buffer);
    const maskPx = packed(colors.mask);
    const painted = [];
    let fromMin = T;
    for (let l = 0; l < L; l++) {
      const from = this.layerFrom[l];
      const y = labelH + l * (cell + GAP);
      if (from >= T || y + cell < top || y > bottom) continue; // up to date, or off screen
      for (let h = 0; h < H; h++) {
        const x0 = Math.round((LABEL_W + h * (cell + GAP)) * dpr);
        const y0 = Math.round(y * dpr);
        const w = Math.round((LABEL_W + h * (cell + GAP) + cell) * dpr) - x0;
        const hh = Math.round((y + cell) * dpr) - y0;
        paintMatrix(px, img.width, x0, y0, w, hh, r.weights, (l * H + h) * T * T, T, state.scale, causal, maskPx, from);
      }
      this.layerFrom[l] = T;
      painted.push(l);
      fromMin = Math.min(fromMin, from);
    }
    if (painted.length) { // what this render painted (tests): matrix rows and layers
      this.canvas.dataset.paintedRows = `${fromMin}-${T}`;
      this.canvas.dataset.paintedLayers = painted.join(',');
    }
    this.canvas.dataset.staleLayers = [...this.layerFrom].map((f, l) => (f < T ? l : -1)).filter((l) => l >= 0).join(',');
    ctx.putImageData(this.image, 0, 0);

    // labels
    ctx.font = `11px ${colors.font}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    for (let h = 0; h < H; h++) {
      ctx.fillStyle = h === state.head ? colors.fg : colors.muted;
      ctx.fillText(`H${h}`, LABEL_W + h * (cell + GAP) + cell / 2, labelH - LABEL_H / 2);
    }
    if (group > 1) this.drawKvGroups(ctx, { H, group, cell, cssH, state });
    else delete this.canvas.dataset.kvGroups;
    ctx.textAlign = 'right';
    for (let l = 0; l < L; l++) {
      ctx.fillStyle = l === state.layer ? colors.fg : colors.muted;
      ctx.fillText(`L${l}`, LABEL_W - 6, labelH + l * (cell + GAP) + cell / 2);
    }
    // role labels (the module's strongest role on this text) and switched-off heads
    const shown = [];
    ctx.textAlign = 'left';
    ctx.textBaseline = 'bottom';
    ctx.font = `600 10px ${colors.font}`;
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const x = LABEL_W + h * (cell + GAP);
        const y = labelH + l * (cell + GAP);
        if (this.app.isAblated(l, h)) {
          ctx.fillStyle = 'rgba(0,0,0,0.55)';
          ctx.fillRect(x, y, cell, cell);
          ctx.strokeStyle = '#fff';
          ctx.lineWidth = 1.5;
          ctx.beginPath();
          ctx.moveTo(x + 3, y + 3); ctx.lineTo(x + cell - 3, y + cell - 3);
          ctx.moveTo(x + cell - 3, y + 3); ctx.lineTo(x + 3, y + cell - 3);
          ctx.stroke();
          if (cell >= 30) {
            ctx.fillStyle = '#fff';
            ctx.fillText('off', x + 3, y + 14);
          }
        }
        const role = headRole(r, l, h, this.app.state.roleSource);
        if (!role) continue;
        shown.push(`${l}.${h}:${role}`);
        const info = ROLE_INFO[role];
        if (cell >= 44) {
          const w = ctx.measureText(info.short).width + 6;
          ctx.fillStyle = info.color;
          ctx.fillRect(x + cell - w - 2, y + cell - 15, w, 13);
          ctx.fillStyle = '#fff';
          ctx.fillText(info.short, x + cell - w + 1, y + cell - 3);
        } else {
          // small cells: a coloured corner only
          ctx.fillStyle = info.color;
          ctx.beginPath();
          ctx.moveTo(x + cell, y + cell);
          ctx.lineTo(x + cell - Math.max(7, cell / 3), y + cell);
          ctx.lineTo(x + cell, y + cell - Math.max(7, cell / 3));
          ctx.fill();
        }
      }
    }
    this.canvas.dataset.roles = shown.join(' '); // the labels drawn (for tests and tools)
    const ex = this.app.exercise; // an exercise's hidden head: "?" over its blank cell
    for (let l = 0; ex && ex.question && l < L; l++) for (let h = 0; h < H; h++) if (ex.hides(l, h)) this.drawHidden(ctx, LABEL_W + h * (cell + GAP), labelH + l * (cell + GAP), cell);
    const box = (l, h) => [LABEL_W + h * (cell + GAP), labelH + l * (cell + GAP)];
    // the token row in focus, in every thumbnail
    const pos = this.app.focusPos();
    const rows = [...new Set([...(pos !== null ? [pos] : []), ...(this.app.queries() || [])])]; // (several query tokens)
    for (const p of rows) {
      // a tick on both sides of the row, not over the data
      ctx.fillStyle = colors.focus;
      const y = (p / T) * cell;
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
    if (this.canvas.getRootNode().activeElement === this.canvas) {
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

  // An exercise's hidden head: a "?" (and "answer first" when the cell is big enough) over its cell.
  drawHidden(ctx, x, y, cell) {
    const { colors } = this.app;
    ctx.save();
    ctx.fillStyle = colors.mask;
    ctx.fillRect(x, y, cell, cell);
    ctx.fillStyle = colors.fg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = `600 ${Math.max(12, Math.round(cell / 3))}px ${colors.font}`;
    ctx.fillText('?', x + cell / 2, y + cell / 2 - (cell >= 70 ? 8 : 0));
    if (cell >= 70) {
      ctx.font = `11px ${colors.font}`;
      ctx.fillText('answer first', x + cell / 2, y + cell / 2 + cell / 4);
    }
    ctx.restore();
  }

  // Grouped-query attention: "kv g" over each group of query heads that share
  // key/value head g, a bracket under it, and a thin line between groups.
  drawKvGroups(ctx, { H, group, cell, cssH, state }) {
    const { colors } = this.app;
    const groups = [];
    ctx.save();
    ctx.font = `10px ${this.app.colors.font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let first = 0; first < H; first += group) {
      const g = kvHeadOf(headShape(this.r), first);
      const last = first + group - 1;
      const x0 = LABEL_W + first * (cell + GAP);
      const x1 = LABEL_W + last * (cell + GAP) + cell;
      const mine = state.head >= first && state.head <= last;
      ctx.fillStyle = mine ? colors.fg : colors.muted;
      ctx.fillText(`kv ${g}`, (x0 + x1) / 2, KV_LABEL_H / 2);
      ctx.fillRect(x0 + 2, KV_LABEL_H - 2, x1 - x0 - 4, 1);
      if (first > 0) {
        ctx.fillStyle = colors.muted;
        ctx.fillRect(x0 - GAP / 2 - 0.5, 2, 1, cssH - 4);
      }
      groups.push(`${g}:${first}-${last}`);
    }
    ctx.restore();
    this.canvas.dataset.kvGroups = groups.join(' '); // the groups drawn (for tests and tools)
  }

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const { sc, top, causal, state, r, colors, T, H, L } = startScene(this.app, 'grid', 'all heads', WHOLE_MODEL);
    let W = SCENE_WIDTH;
    let y;
    const cell = Math.max(24, Math.min(96, Math.floor((SCENE_WIDTH - 60) / H) - 6));
    const gap = 6;
    // grouped-query models: "kv g" over each group of heads, a line between groups
    const group = kvGroupSize(headShape(r));
    const kvRow = group > 1 ? KV_LABEL_H : 0;
    const gridTop = top + 18 + kvRow;
    for (let first = 0; group > 1 && first < H; first += group) {
      const x0 = 50 + first * (cell + gap);
      const x1 = 50 + (first + group - 1) * (cell + gap) + cell;
      sc.text((x0 + x1) / 2, top + 10, `kv ${kvHeadOf(headShape(r), first)}`, { anchor: 'middle', size: 10, fill: colors.muted });
      sc.line(x0 + 2, top + 13, x1 - 2, top + 13, colors.muted, 1);
      if (first > 0) sc.line(x0 - gap / 2, top + 2, x0 - gap / 2, gridTop + L * (cell + gap) - gap, colors.muted, 1);
    }
    for (let h = 0; h < H; h++) sc.text(50 + h * (cell + gap) + cell / 2, top + 10 + kvRow, `H${h}`, { anchor: 'middle', size: 11, fill: colors.muted });
    for (let l = 0; l < L; l++) {
      const y0 = gridTop + l * (cell + gap);
      sc.text(42, y0 + cell / 2 + 4, `L${l}`, { anchor: 'end', size: 11, fill: colors.muted });
      for (let h = 0; h < H; h++) {
        const x0 = 50 + h * (cell + gap);
        const off = (l * H + h) * T * T;
        const cs = cell / T;
        sc.rect(x0, y0, cell, cell, colors.mask);
        for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
          if (causal && j > i) continue;
          sc.rect(x0 + j * cs, y0 + i * cs, cs + 0.02, cs + 0.02, weightHex(r.weights[off + i * T + j], state.scale));
        }
        const role = headRole(r, l, h, state.roleSource || 'text');
        if (role && cell >= 40) {
          sc.rect(x0 + cell - 40, y0 + cell - 14, 38, 12, ROLE_INFO[role].color);
          sc.text(x0 + cell - 21, y0 + cell - 4.5, ROLE_INFO[role].short, { anchor: 'middle', size: 9, fill: '#ffffff', weight: '600' });
        }
        if (this.app.isAblated(l, h)) {
          sc.rect(x0, y0, cell, cell, '#000000', { opacity: 0.55 });
          sc.line(x0 + 3, y0 + 3, x0 + cell - 3, y0 + cell - 3, '#ffffff', 1.5);
          sc.line(x0 + cell - 3, y0 + 3, x0 + 3, y0 + cell - 3, '#ffffff', 1.5);
        }
        if (l === state.layer && h === state.head) sc.rect(x0 - 2, y0 - 2, cell + 4, cell + 4, 'none', { stroke: colors.select, sw: 2 });
      }
    }
    W = Math.max(SCENE_WIDTH, 60 + H * (cell + gap));
    y = gridTop + L * (cell + gap) + 10;
    return finishScene(sc, W, y);
  }
}
