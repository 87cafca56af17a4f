// web/views/pairs.mjs — "Minimal pairs": two sentences A (the scope's text) and B
// (state.textB) run through the worker by the usual run path (B on a channel of
// its own, with A's run options), and for the focused head A's and B's attention
// side by side and the difference map B − A on the aligned tokens (web/pairs.mjs:
// alignment by position where the tokens agree, or on a common prefix and suffix);
// how much every head changed (max |B − A|, a layer × head grid: click or arrows +
// Enter to pick a head); and the change in the prediction (the top 5 next tokens
// of A and of B; encoders: the masked-token prediction at a mask in both
// sentences). Built-in examples that teach coreference, or the reader's own B.
// The drawn numbers are kept in `this.drawn` (tests compare them with the native CLI).
import { sizeCanvas, cellAt, rgba } from '../draw.mjs';
import { tokenLabel, clip } from '../tokens.mjs';
import { startScene, finishScene, SCENE_WIDTH, weightHex, atFocusedHead, wrap } from '../scene.mjs';
import { drawnWeights } from '../value-weighted.mjs';
import { runIsCausal } from '../model-family.mjs';
import { PAIR_EXAMPLES, OWN_EXAMPLE, exampleOf, alignTokens, alignmentText, differenceMap, headChanges, divergingRgb } from '../pairs.mjs';

const LABEL_W = 66;  // row labels left of each panel
const TITLE_H = 18;
const PANEL_GAP = 14;
const CHANGE_W = 38, CHANGE_H = 22, CHANGE_LEFT = 30, CHANGE_TOP = 18;
const percent = (p) => `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%`;
const hex = ([r, g, b]) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;

// The canvas with the scene's drawing interface (rect, text), so one routine draws both.
function canvasPainter(ctx, font) {
  return {
    rect(x, y, w, h, fill, extra = {}) {
      if (fill !== 'none') { ctx.fillStyle = fill; ctx.fillRect(x, y, w, h); }
      if (extra.stroke) { ctx.strokeStyle = extra.stroke; ctx.lineWidth = extra.sw || 1; ctx.strokeRect(x, y, w, h); }
    },
    text(x, y, text, { size = 12, fill = '#111', anchor = 'start', weight = 'normal', mono = false } = {}) {
      ctx.font = `${weight === 'normal' ? '' : weight + ' '}${size}px ${mono ? 'ui-monospace, "DejaVu Sans Mono", monospace' : font}`;
      ctx.fillStyle = fill;
      ctx.textAlign = { start: 'left', middle: 'center', end: 'right' }[anchor];
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(text, x, y);
    },
  };
}

export class PairsView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.channel = app.client.channel(); // B's runs (A's are the scope's own)
    // its parts (web/views/markup.mjs pairsSection): .pairs-<name>
    const parts = { canvas: 'canvas', changesCanvas: 'changes', example: 'example', textB: 'text-b', alignNote: 'align', status: 'status', cellNote: 'cell', predict: 'predict' };
    for (const [field, name] of Object.entries(parts)) this[field] = section.querySelector(`.pairs-${name}`);
    this.wrap = this.canvas.parentElement;
    this.rB = null;
    this.bKey = '';
    this.cursor = null;      // keyboard cell of the difference map {u, v}
    this.headCursor = null;  // keyboard cell of the changes grid {layer, head}
    this.geom = null;
    this.drawn = null;
    this.example.replaceChildren(...[...PAIR_EXAMPLES.map((e) => [e.id, e.title]), [OWN_EXAMPLE, 'Your own two sentences']]
      .map(([value, text]) => Object.assign(document.createElement('option'), { value, textContent: text })));
    this.example.addEventListener('change', () => this.chooseExample(this.example.value));
    this.textB.addEventListener('input', () => this.setTextB(this.textB.value));
    const c = this.canvas;
    c.addEventListener('mousemove', (e) => this.onMove(e));
    c.addEventListener('mouseleave', () => app.hideTooltip());
    c.addEventListener('keydown', (e) => this.onKey(e));
    const g = this.changesCanvas;
    g.addEventListener('click', (e) => { const hit = this.headAt(e); if (hit) app.select(hit.layer, hit.head); });
    g.addEventListener('mousemove', (e) => this.onChangesMove(e));
    g.addEventListener('mouseleave', () => app.hideTooltip());
    g.addEventListener('keydown', (e) => this.onChangesKey(e));
  }

  // ---------------------------------------------------------- the two texts
  chooseExample(id) {
    const e = PAIR_EXAMPLES.find((x) => x.id === id);
    if (!e) { this.textB.focus(); return; }
    this.setTextB(e.b, { run: false });
    this.app.setText(e.a);
    if (this.app.state.model) this.ensureB(this.app.runOptions()); // B is queued right behind A
  }

  setTextB(text, { run = true } = {}) {
    const { app } = this;
    app.state.textB = text;
    if (app.hooks.textBChanged) app.hooks.textBChanged(text);
    if (app.hooks.changed) app.hooks.changed();
    if (run) { this.stale = true; app.invalidate('all'); }
  }

  // B's run with A's run options (the same model), asked of the worker when B or the options change.
  ensureB(options = {}) {
    const { app } = this;
    const model = app.state.model;
    const text = app.state.textB || '';
    const key = `${model.key}\n${JSON.stringify(options)}\n${text}`;
    if (key === this.bKey) return;
    this.bKey = key;
    this.rB = null;
    this.bError = null;
    if (!text) return;
    app.client.run(this.channel, model.key, text, options).then((msg) => {
      if (!msg || this.bKey !== key) return;
      msg.workerRunId = msg.id;
      msg.text = text;
      msg.weights = drawnWeights(msg);
      this.rB = msg;
      this.stale = true;
      app.invalidate('all');
    }, (e) => {
      if (this.bKey !== key) return;
      this.bError = e.message;
      this.stale = true;
      app.invalidate('all');
    });
  }

  setResult(r) {
    this.r = r;
    this.changes = null;
    if (r.T) this.ensureB(r.options);
  }

  // Both runs on screen, of the same model and options: {rA, rB, al, changes}, else null.
  pair() {
    const rA = this.r, rB = this.rB;
    if (!rA || !rA.T || !rB || !rB.T || rA.n_layer !== rB.n_layer || rA.n_head !== rB.n_head) return null;
    if (!this.changes || this.changes.rB !== rB || this.changes.rA !== rA) {
      const al = alignTokens(rA.tokens, rB.tokens);
      const max = headChanges(rA, rA.weights, rB, rB.weights, al.pairs);
      // the colours' full scale: the largest change of any head (so heads compare by colour)
      this.changes = { rA, rB, al, max, range: Math.max(1e-6, ...max) };
    }
    return this.changes;
  }

  ready() { return !!this.pair(); }

  // Why there is nothing to compare yet, or null.
  missingReason() {
    if (!this.app.state.textB) return 'Choose an example above, or type sentence B, to compare it with sentence A (the text).';
    if (this.bError) return `Sentence B could not be run: ${this.bError}`;
    if (!this.pair()) return 'Running sentence B…';
    return null;
  }

  // ---------------------------------------------------------- drawing
  render() {
    const r = this.r;
    if (!r || !r.T) return;
    const { state } = this.app;
    if (this.textB.getRootNode().activeElement !== this.textB && this.textB.value !== (state.textB || '')) this.textB.value = state.textB || '';
    this.example.value = exampleOf(this.app.text, state.textB || '');
    const reason = this.missingReason();
    this.status.hidden = !reason;
    this.status.textContent = reason || '';
    for (const el of [this.wrap, this.changesCanvas.parentElement, this.predict, this.alignNote, this.cellNote]) el.hidden = !!reason;
    this.section.dataset.pairs = reason ? (state.textB && !this.bError ? 'pending' : 'none') : 'drawn';
    if (reason) { this.drawn = null; return; }
    const p = this.pair();
    const { rA, rB, al } = p;
    this.alignNote.textContent = alignmentText(al, rA.tokens, rB.tokens);
    const { layer: l, head: h } = state;
    const D = differenceMap(rA, rA.weights, rB, rB.weights, al.pairs, l, h);
    const headOf = (x) => Array.from(x.weights.subarray((l * x.n_head + h) * x.T * x.T, (l * x.n_head + h + 1) * x.T * x.T));
    this.drawn = {
      layer: l, head: h, textA: rA.text, textB: rB.text, tokensA: rA.tokens, tokensB: rB.tokens,
      pairs: al.pairs, how: al.how, weightsA: headOf(rA), weightsB: headOf(rB), diff: Array.from(D), changes: Array.from(p.max),
    };
    this.drawMaps(p, D);
    this.drawChanges(p);
    this.showPrediction(p);
    this.section.dataset.head = `${l}.${h}`; // the head drawn (tests wait for it: the view redraws on the next frame)
    this.section.dataset.texts = `${rA.text}\n${rB.text}`;
  }

  // Cell size and the three panels' places for a width `avail`: side by side, or one under
  // the other when that gives bigger cells (narrow screens).
  mapLayout(p, avail) {
    const { rA, rB, al } = p;
    const n = al.pairs.length;
    const fixed = 3 * LABEL_W + 2 * PANEL_GAP;
    const cs = Math.max(6, Math.min(26, Math.floor((avail - fixed) / (rA.T + rB.T + n))));
    const tall = Math.max(6, Math.min(26, Math.floor((avail - LABEL_W - 4) / Math.max(rA.T, rB.T, n))));
    if (cs < 10 && tall > cs * 1.5) { // side by side, cells under 10 px are hard to read
      const yB = TITLE_H + rA.T * tall + PANEL_GAP, yD = yB + TITLE_H + rB.T * tall + PANEL_GAP;
      return { cs: tall, xA: LABEL_W, xB: LABEL_W, xD: LABEL_W, yA: 0, yB, yD, n,
        width: LABEL_W + Math.max(rA.T, rB.T, n) * tall + 4, height: yD + TITLE_H + n * tall + 4 };
    }
    const xA = LABEL_W, xB = xA + rA.T * cs + PANEL_GAP + LABEL_W, xD = xB + rB.T * cs + PANEL_GAP + LABEL_W;
    return { cs, xA, xB, xD, yA: 0, yB: 0, yD: 0, n, width: xD + n * cs + 4, height: TITLE_H + Math.max(rA.T, rB.T, n) * cs + 4 };
  }

  // A, B and B − A of the focused head, painted with `pen` (the canvas, or a scene) at (x0, y0).
  paintMaps(pen, p, D, g, x0, y0) {
    const { colors, state } = this.app;
    const { rA, rB, al } = p;
    const { cs, n } = g;
    const causal = runIsCausal(rA);
    const bg = rgba(colors.bg);
    const labelSize = Math.min(11, Math.max(8, cs - 3));
    const every = Math.ceil(labelSize / cs); // small cells: a label on every k-th row only
    const matrix = (x, yp, title, T, cell, label) => {
      const y = y0 + yp;
      pen.text(x0 + x - LABEL_W, y + 12, title, { size: 12, weight: '600', fill: colors.fg });
      for (let i = 0; i < T; i++) {
        if (i % every === 0) pen.text(x0 + x - 4, y + TITLE_H + i * cs + cs / 2 + labelSize / 2 - 1, clip(label(i), 8), { anchor: 'end', size: labelSize, fill: colors.muted, mono: true });
        for (let j = 0; j < T; j++) pen.rect(x0 + x + j * cs, y + TITLE_H + i * cs, cs - (cs > 8 ? 1 : 0), cs - (cs > 8 ? 1 : 0), cell(i, j));
      }
    };
    const att = (r) => (i, j) => (causal && j > i ? colors.mask : weightHex(r.weights[((state.layer * r.n_head + state.head) * r.T + i) * r.T + j], state.scale));
    matrix(g.xA, g.yA, 'A', rA.T, att(rA), (i) => tokenLabel(rA.tokens[i]));
    matrix(g.xB, g.yB, 'B', rB.T, att(rB), (i) => tokenLabel(rB.tokens[i]));
    matrix(g.xD, g.yD, `B − A (full colour: ±${p.range.toFixed(2)})`, n, (u, v) => {
      if (causal && al.pairs[v][0] > al.pairs[u][0]) return colors.mask;
      return hex(divergingRgb(D[u * n + v] / p.range, bg));
    }, (u) => tokenLabel(rA.tokens[al.pairs[u][0]]));
  }

  drawMaps(p, D) {
    const { colors } = this.app;
    const avail = Math.max(320, this.wrap.clientWidth - 2);
    const g = this.mapLayout(p, avail);
    this.geom = g;
    const { ctx } = sizeCanvas(this.canvas, g.width, g.height);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, g.width, g.height);
    this.paintMaps(canvasPainter(ctx, colors.font), p, D, g, 0, 0);
    const cur = this.cursor && this.cursor.u < g.n && this.cursor.v < g.n ? this.cursor : null;
    if (cur) {
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = colors.focus;
      ctx.lineWidth = 2;
      ctx.strokeRect(g.xD + cur.v * g.cs, g.yD + TITLE_H + cur.u * g.cs, g.cs, g.cs);
      ctx.setLineDash([]);
    }
    this.canvas.dataset.geom = `${g.xD},${g.yD + TITLE_H},${g.cs}`; // for tests: cell (u, v) of B − A at x + v*cs, y + u*cs
    const { state } = this.app;
    const best = this.largest(p, D);
    this.canvas.setAttribute('aria-label', `Minimal pair, layer ${state.layer}, head ${state.head}: A's attention (${p.rA.T} tokens), B's (${p.rB.T}) and B minus A on ${g.n} aligned tokens` +
      (best ? `; the largest change: ${this.cellText(p, D, best.u, best.v)}` : '') + '. Arrow keys move over the difference map.');
    this.cellNote.textContent = cur ? this.cellText(p, D, cur.u, cur.v) : best ? `Largest change of this head: ${this.cellText(p, D, best.u, best.v)}` : '';
  }

  largest(p, D) {
    const n = p.al.pairs.length;
    let best = null;
    for (let k = 0; k < D.length; k++) if (!best || Math.abs(D[k]) > Math.abs(D[best.u * n + best.v])) best = { u: Math.floor(k / n), v: k % n };
    return best;
  }

  // "“it” → “trophy”: A 0.31, B 0.12, B − A −0.19" for aligned cell (u, v).
  cellText(p, D, u, v) {
    const { rA, rB, al } = p;
    const { layer: l, head: h } = this.app.state;
    const [ai, bi] = al.pairs[u], [aj, bj] = al.pairs[v];
    const a = rA.weights[((l * rA.n_head + h) * rA.T + ai) * rA.T + aj];
    const b = rB.weights[((l * rB.n_head + h) * rB.T + bi) * rB.T + bj];
    const d = D[u * al.pairs.length + v];
    return `“${tokenLabel(rA.tokens[ai])}” → “${tokenLabel(rA.tokens[aj])}”: A ${a.toFixed(3)}, B ${b.toFixed(3)}, B − A ${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`;
  }

  onMove(e) {
    const p = this.pair(), g = this.geom;
    if (!p || !g) return;
    const hit = cellAt(this.canvas, e, { left: g.xD, top: g.yD + TITLE_H, cw: g.cs, ch: g.cs, rows: g.n, cols: g.n });
    if (!hit) return this.app.hideTooltip();
    const D = differenceMap(p.rA, p.rA.weights, p.rB, p.rB.weights, p.al.pairs, this.app.state.layer, this.app.state.head);
    this.app.showTooltip([`Layer ${this.app.state.layer} · head ${this.app.state.head} · B − A`, this.cellText(p, D, hit.row, hit.col)], e.clientX, e.clientY);
  }

  onKey(e) {
    const g = this.geom;
    if (!g || !g.n) return;
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!moves[e.key]) return;
    e.preventDefault();
    const c = this.cursor || { u: g.n - 1, v: 0 };
    const [du, dv] = moves[e.key];
    this.cursor = { u: Math.max(0, Math.min(g.n - 1, c.u + du)), v: Math.max(0, Math.min(g.n - 1, c.v + dv)) };
    this.render();
  }

  // The layer x head grid of max |B − A|.
  drawChanges(p) {
    const { colors, state } = this.app;
    const { n_layer: L, n_head: H } = p.rA;
    const w = CHANGE_LEFT + H * CHANGE_W + 2, hgt = CHANGE_TOP + L * CHANGE_H + 2;
    const { ctx } = sizeCanvas(this.changesCanvas, w, hgt);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, w, hgt);
    this.paintChanges(canvasPainter(ctx, colors.font), p, 0, 0);
    const c = this.changesCanvas.getRootNode().activeElement === this.changesCanvas && this.headCursor;
    if (c) {
      ctx.setLineDash([3, 2]);
      ctx.strokeStyle = colors.fg;
      ctx.lineWidth = 2;
      ctx.strokeRect(CHANGE_LEFT + c.head * CHANGE_W + 2, CHANGE_TOP + c.layer * CHANGE_H + 2, CHANGE_W - 5, CHANGE_H - 5);
      ctx.setLineDash([]);
    }
    const cur = this.headCursor || { layer: state.layer, head: state.head };
    this.changesCanvas.setAttribute('aria-label', `How much each head changed from A to B (largest |B − A| on the aligned tokens), ${L} layers × ${H} heads. ` +
      `Cursor on layer ${cur.layer}, head ${cur.head}: ${p.max[cur.layer * H + cur.head].toFixed(2)}. Selected: layer ${state.layer}, head ${state.head}. Arrow keys move, Enter selects.`);
  }

  paintChanges(pen, p, x0, y0) {
    const { colors, state } = this.app;
    const { n_layer: L, n_head: H } = p.rA;
    const bg = rgba(colors.bg);
    for (let h = 0; h < H; h++) pen.text(x0 + CHANGE_LEFT + h * CHANGE_W + CHANGE_W / 2, y0 + 12, `H${h}`, { anchor: 'middle', size: 10, fill: colors.muted });
    for (let l = 0; l < L; l++) {
      pen.text(x0 + CHANGE_LEFT - 5, y0 + CHANGE_TOP + l * CHANGE_H + CHANGE_H / 2 + 4, `L${l}`, { anchor: 'end', size: 10, fill: colors.muted });
      for (let h = 0; h < H; h++) {
        const v = p.max[l * H + h];
        const rgb = divergingRgb(v / p.range, bg);
        const x = x0 + CHANGE_LEFT + h * CHANGE_W, y = y0 + CHANGE_TOP + l * CHANGE_H;
        pen.rect(x, y, CHANGE_W - 1, CHANGE_H - 1, hex(rgb));
        const light = (rgb[0] * 299 + rgb[1] * 587 + rgb[2] * 114) / 1000 > 140;
        pen.text(x + CHANGE_W / 2, y + CHANGE_H / 2 + 4, v.toFixed(2), { anchor: 'middle', size: 10, fill: light ? '#111111' : '#ffffff', mono: true });
      }
    }
    pen.rect(x0 + CHANGE_LEFT + state.head * CHANGE_W - 1, y0 + CHANGE_TOP + state.layer * CHANGE_H - 1, CHANGE_W + 1, CHANGE_H + 1, 'none', { stroke: colors.select, sw: 2 });
  }

  headAt(e) {
    const p = this.pair();
    if (!p) return null;
    const hit = cellAt(this.changesCanvas, e, { left: CHANGE_LEFT, top: CHANGE_TOP, cw: CHANGE_W, ch: CHANGE_H, rows: p.rA.n_layer, cols: p.rA.n_head });
    return hit ? { layer: hit.row, head: hit.col } : null;
  }

  onChangesMove(e) {
    const hit = this.headAt(e);
    const p = this.pair();
    if (!hit) return this.app.hideTooltip();
    this.app.showTooltip([`Layer ${hit.layer} · head ${hit.head}`, `largest |B − A| on the aligned tokens: ${p.max[hit.layer * p.rA.n_head + hit.head].toFixed(3)}`, 'click to show this head'], e.clientX, e.clientY);
  }

  onChangesKey(e) {
    const p = this.pair();
    if (!p) return;
    const { state } = this.app;
    const c = this.headCursor || { layer: state.layer, head: state.head };
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (moves[e.key]) {
      e.preventDefault();
      this.headCursor = { layer: Math.max(0, Math.min(p.rA.n_layer - 1, c.layer + moves[e.key][0])), head: Math.max(0, Math.min(p.rA.n_head - 1, c.head + moves[e.key][1])) };
      this.render();
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.app.select(c.layer, c.head);
    }
  }

  // ---------------------------------------------------------- the prediction
  // {title, rows: [[tokenA, pA, tokenB, pB]…]} or {title, reason} (no prediction to compare).
  prediction(p) {
    const info = this.app.state.model && this.app.state.model.info;
    const { rA, rB } = p;
    if (info && info.has_predictions === false) return { title: 'Prediction', reason: 'not available: this model was saved without its LM head, so it predicts no tokens.' };
    if (info && !info.causal) {
      const mask = info.mask_token;
      const at = (r) => (mask ? r.tokens.indexOf(mask) : -1);
      const [ma, mb] = [at(rA), at(rB)];
      if (ma < 0 || mb < 0) {
        return { title: 'Masked-token prediction', reason: `not available: an encoder predicts the token at a mask, not the next token. Put ${mask || 'the mask token'} in both sentences (e.g. in place of “it”) to compare what it fills in.` };
      }
      if (!rA.pairNext || !rB.pairNext) { this.requestMasked(rA, this.app.channel); this.requestMasked(rB, this.channel); return { title: 'Masked-token prediction', reason: 'computing…' }; }
      return { title: `Masked-token prediction at ${mask} (A position ${ma}, B position ${mb})`, rows: this.topRows(rA.pairNext, ma, rB.pairNext, mb) };
    }
    if (!rA.next || !rB.next) return { title: 'Next token', reason: 'not available for this run.' };
    return { title: `Next token after “${tokenLabel(rA.tokens[rA.T - 1])}” (A) and “${tokenLabel(rB.tokens[rB.T - 1])}” (B)`, rows: this.topRows(rA.next, rA.T - 1, rB.next, rB.T - 1) };
  }

  // Every position's masked-token numbers of one run (once per run).
  requestMasked(r, channel) {
    if (r.pairNextAsked) return;
    r.pairNextAsked = true;
    this.app.client.nextAll(channel, r.workerRunId).then((msg) => {
      if (!msg) return;
      r.pairNext = msg.next;
      this.stale = true;
      this.app.invalidate('all');
    }, (e) => { r.pairNextAsked = false; console.warn(`masked-token prediction failed: ${e.message}`); });
  }

  topRows(na, ta, nb, tb) {
    const rows = [];
    for (let k = 0; k < Math.min(na.k, nb.k); k++) {
      rows.push([na.topTokens[ta * na.k + k], na.topP[ta * na.k + k], nb.topTokens[tb * nb.k + k], nb.topP[tb * nb.k + k]]);
    }
    return rows;
  }

  showPrediction(p) {
    const pr = this.prediction(p);
    const head = document.createElement('p');
    head.className = 'pairs-predict-title';
    head.textContent = pr.reason ? `${pr.title}: ${pr.reason}` : pr.title;
    if (!pr.rows) { this.predict.replaceChildren(head); this.drawn.prediction = null; return; }
    const table = document.createElement('table');
    table.className = 'pairs-predict-table';
    const cap = document.createElement('caption');
    cap.className = 'visually-hidden';
    cap.textContent = `${pr.title}: the top ${pr.rows.length} of A and of B`;
    const tr = (cells, tag) => {
      const row = document.createElement('tr');
      for (const c of cells) { const td = document.createElement(tag); td.textContent = c; row.append(td); }
      return row;
    };
    table.append(cap, tr(['#', 'A', 'p', 'B', 'p'], 'th'), ...pr.rows.map(([ta, pa, tb, pb], k) => tr([String(k + 1), tokenLabel(ta), percent(pa), tokenLabel(tb), percent(pb)], 'td')));
    this.predict.replaceChildren(head, table);
    this.drawn.prediction = pr.rows;
  }

  // ---------------------------------------------------------- export
  // The picture for slides: sentence B under the title, A | B | B − A, how they were
  // aligned, the per-head changes, then the two predictions.
  scene() {
    const p = this.pair();
    const { sc, top, colors, r } = startScene(this.app, 'pairs', 'minimal pair: A, B and B − A', atFocusedHead);
    let y = top;
    const lines = (text, opts) => { for (const line of wrap(text, 120).slice(0, 3)) { sc.text(20, y, line, opts); y += 15; } };
    lines(`A: “${r.text}”`, { size: 12 });
    lines(`B: “${this.app.state.textB || ''}”`, { size: 12 });
    if (!p) return finishScene(sc, SCENE_WIDTH, y);
    const D = differenceMap(p.rA, p.rA.weights, p.rB, p.rB.weights, p.al.pairs, this.app.state.layer, this.app.state.head);
    const g = this.mapLayout(p, Math.max(SCENE_WIDTH - 40, 3 * LABEL_W + (r.T + p.rB.T + p.al.pairs.length) * 12));
    this.paintMaps(sc, p, D, g, 20, y + 4);
    y += g.height + 20;
    lines(alignmentText(p.al, p.rA.tokens, p.rB.tokens), { size: 11, fill: colors.muted });
    y += 8;
    sc.text(20, y, 'How much each head changed (largest |B − A| on the aligned tokens)', { size: 12, weight: '600' });
    this.paintChanges(sc, p, 20, y + 4);
    y += 4 + CHANGE_TOP + p.rA.n_layer * CHANGE_H + 22;
    const pr = this.prediction(p);
    sc.text(20, y, pr.title, { size: 12, weight: '600' });
    if (pr.rows) {
      for (const [k, [ta, pa, tb, pb]] of pr.rows.entries()) {
        y += 16;
        sc.text(20, y, `${k + 1}. A “${clip(tokenLabel(ta), 16)}” ${percent(pa)}`, { size: 11, mono: true });
        sc.text(300, y, `B “${clip(tokenLabel(tb), 16)}” ${percent(pb)}`, { size: 11, mono: true });
      }
    } else {
      y += 16;
      sc.text(20, y, clip(pr.reason, 120), { size: 11, fill: colors.muted });
    }
    return finishScene(sc, Math.max(SCENE_WIDTH, g.width + 40), y + 10);
  }
}
