// web/views/headview.mjs — "Head view": the tokens in two columns (left: the
// token that looks, right: the tokens it looks at) joined by lines whose width
// and opacity are the attention weight. One head, or every head of the layer
// overlaid in distinct colours (click a colour chip to hide/show a head).
// Hover a token to isolate its lines; click to pin it.
import { sizeCanvas } from '../draw.mjs';
import { renderToken, tokenLabel } from '../tokens.mjs';
import { headColor, colorCss } from '../colormap.mjs';
import { atFocusedHead, startScene, finishScene, SCENE_WIDTH } from '../scene.mjs';
import { runIsCausal, kvGroupSize, kvGroupHeads, kvShareText } from '../model-family.mjs';

// must match .tok-col li height in style.css (24 px on touch screens: WCAG 2.2's target size)
const ROW = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches ? 24 : 22;

export class HeadView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.left = section.querySelector('#hv-left');
    this.right = section.querySelector('#hv-right');
    this.canvas = section.querySelector('#hv-canvas');
    this.body = section.querySelector('#headview-body');
    this.legend = section.querySelector('#headview-legend');
    this.title = section.querySelector('#headview-title');
    this.kv = section.querySelector('#headview-kv');
    this.hoverSensitive = true;
    this.rightHover = null;
    this.hidden = new Set(); // heads hidden in the overlay
    this.tokensKey = '';

    for (const btn of section.querySelectorAll('.seg-btn')) {
      btn.addEventListener('click', () => {
        app.state.overlay = btn.dataset.overlay;
        for (const b of section.querySelectorAll('.seg-btn')) b.setAttribute('aria-pressed', String(b === btn));
        this.render(true);
      });
    }
    const index = (e) => {
      const li = e.target.closest('li');
      return li ? Number(li.dataset.i) : null;
    };
    this.left.addEventListener('mouseover', (e) => { const i = index(e); if (i !== null) app.setHover(i); });
    this.left.addEventListener('mouseleave', () => app.setHover(null));
    this.left.addEventListener('click', (e) => { const i = index(e); if (i !== null) app.togglePin(i); });
    this.right.addEventListener('mouseover', (e) => {
      const j = index(e);
      if (j === null) return;
      this.rightHover = j;
      app.setHover(null);
      this.render(false);
    });
    this.right.addEventListener('mouseleave', () => { this.rightHover = null; this.render(false); });
    this.legend.addEventListener('click', (e) => {
      const chip = e.target.closest('[data-head]');
      if (!chip || app.state.overlay !== 'layer') return;
      const h = Number(chip.dataset.head);
      if (this.hidden.has(h)) this.hidden.delete(h);
      else this.hidden.add(h);
      this.render(true);
    });
  }

  setResult(r) {
    this.r = r;
    const key = r.ids.join(',');
    if (key === this.tokensKey) return;
    // reuse list items; only the text changes, and only from the first token that differs
    // (a keystroke changes the last one or two)
    const before = this.shownTokens || [];
    let same = 0;
    while (same < before.length && same < r.T && before[same] === r.tokens[same] && this.shownIds[same] === r.ids[same]) same++;
    this.tokensKey = key;
    this.shownTokens = r.tokens.slice(0, r.T);
    this.shownIds = r.ids.slice(0, r.T);
    for (const col of [this.left, this.right]) {
      while (col.children.length > r.T) col.lastChild.remove();
      while (col.children.length < r.T) {
        const li = document.createElement('li');
        li.dataset.i = String(col.children.length);
        col.append(li);
      }
      for (let i = Math.min(same, col.children.length); i < r.T; i++) {
        const li = col.children[i];
        renderToken(li, r.tokens[i]);
        li.title = `#${i} · id ${r.ids[i]} · “${tokenLabel(r.tokens[i])}”`;
      }
    }
  }

  heads() {
    const { state } = this.app;
    if (state.overlay !== 'layer') return [state.head];
    const all = Array.from({ length: this.r.n_head }, (_, h) => h);
    return all.filter((h) => !this.hidden.has(h));
  }

  renderLegend() {
    const { state, colors } = this.app;
    const layerMode = state.overlay === 'layer';
    const H = this.r.n_head;
    const want = layerMode ? H : 1;
    if (this.legend.children.length !== want || this.legend.dataset.mode !== state.overlay) {
      this.legend.replaceChildren();
      this.legend.dataset.mode = state.overlay;
      for (let k = 0; k < want; k++) {
        const chip = document.createElement(layerMode ? 'button' : 'span');
        chip.className = 'chip';
        if (layerMode) { chip.type = 'button'; chip.dataset.head = String(k); }
        const sw = document.createElement('span');
        sw.className = 'swatch';
        chip.append(sw, document.createElement('span'));
        this.legend.append(chip);
      }
    }
    for (let k = 0; k < want; k++) {
      const chip = this.legend.children[k];
      const h = layerMode ? k : state.head;
      chip.lastChild.textContent = `H${h}`;
      chip.firstChild.style.backgroundColor = layerMode ? headColor(h) : colors.accent;
      if (layerMode) {
        chip.setAttribute('aria-pressed', String(!this.hidden.has(h)));
        const share = kvShareText({ n_head: H, n_kv_head: this.r.n_kv_head || H }, h);
        chip.title = `${this.hidden.has(h) ? `show head ${h}` : `hide head ${h}`}${share ? ` (it ${share})` : ''}`;
      }
    }
  }

  render() {
    const r = this.r;
    if (!r || !r.T) return;
    const { state, colors } = this.app;
    const { T, n_head: H } = r;
    const layerMode = state.overlay === 'layer';
    this.title.textContent = (layerMode
      ? `Head view · layer ${state.layer} · all ${H} heads`
      : `Head view · layer ${state.layer} · head ${state.head}`) + this.app.queriesTitle();
    this.renderLegend();
    this.renderKvShare(layerMode);
    const heads = this.heads();
    const room = this.body.clientWidth - this.left.offsetWidth - this.right.offsetWidth - 4;
    const width = Math.max(60, Math.min(room, 360));
    const { ctx } = sizeCanvas(this.canvas, width, T * ROW);
    ctx.clearRect(0, 0, width, T * ROW);

    // which lines: a hovered right token isolates lines into it; a focused
    // (hovered/pinned) left token isolates lines out of it
    const focus = this.app.focusPos();
    const queries = this.app.queries(); // several query tokens: lines out of each, their mean weights
    const iso = this.rightHover !== null ? { side: 'right', k: this.rightHover }
      : queries && (focus === null || queries.includes(focus)) ? { side: 'left', k: queries[queries.length - 1], rows: queries }
        : focus !== null ? { side: 'left', k: focus } : null;
    const leftIso = (i) => (iso.rows ? iso.rows.includes(i) : iso.k === i);
    const a = r.weights;
    const causal = runIsCausal(r);
    const sqrt = state.scale === 'sqrt';
    const x0 = 2;
    const x1 = width - 2;
    ctx.lineCap = 'round';
    for (const h of heads) {
      const off = (state.layer * H + h) * T * T;
      ctx.strokeStyle = layerMode ? headColor(h) : colors.accent;
      for (let i = 0; i < T; i++) {
        if (iso && iso.side === 'left' && !leftIso(i)) continue;
        for (let j = 0; j <= (causal ? i : T - 1); j++) {
          if (iso && iso.side === 'right' && iso.k !== j) continue;
          let v = a[off + i * T + j];
          if (v < 0.02) continue;
          if (sqrt) v = Math.sqrt(v);
          ctx.globalAlpha = Math.min(1, (layerMode ? 0.75 : 0.9) * v + (iso ? 0.1 : 0));
          ctx.lineWidth = 0.6 + 2.6 * v;
          ctx.beginPath();
          ctx.moveTo(x0, i * ROW + ROW / 2);
          ctx.lineTo(x1, j * ROW + ROW / 2);
          ctx.stroke();
        }
      }
    }
    ctx.globalAlpha = 1;

    // token highlights: the isolated token, and the weights on the other side
    const mean = (i, j) => {
      let s = 0;
      for (const h of heads) s += a[(state.layer * H + h) * T * T + i * T + j];
      return heads.length ? s / heads.length : 0;
    };
    for (let k = 0; k < T; k++) {
      const L = this.left.children[k];
      const R = this.right.children[k];
      L.classList.toggle('active', !!iso && iso.side === 'left' && leftIso(k));
      L.classList.toggle('pinned', state.pinPos === k);
      R.classList.toggle('active', !!iso && iso.side === 'right' && iso.k === k);
      let lw = '';
      let rw = '';
      if (iso && iso.side === 'left' && iso.rows) rw = iso.rows.reduce((t, i) => t + (k <= i || !causal ? mean(i, k) : 0), 0) / iso.rows.length;
      else if (iso && iso.side === 'left' && (k <= iso.k || !causal)) rw = mean(iso.k, k);
      if (iso && iso.side === 'right' && (k >= iso.k || !causal)) lw = mean(k, iso.k);
      this.weight(R, rw, sqrt);
      this.weight(L, lw, sqrt);
    }
    // keep the isolated token in view when it was chosen elsewhere
    if (iso && iso.side === 'left' && this.lastIso !== iso.k) {
      const li = this.left.children[iso.k];
      const box = this.body.getBoundingClientRect();
      const lb = li.getBoundingClientRect();
      if (lb.top < box.top || lb.bottom > box.bottom) this.body.scrollTop += lb.top - box.top - box.height / 2;
    }
    this.lastIso = iso && iso.side === 'left' ? iso.k : null;
  }

  // Grouped-query models: which query heads share the focused head's keys and
  // values (one head), or every group of the layer (all heads).
  renderKvShare(layerMode) {
    const shape = { n_head: this.r.n_head, n_kv_head: this.r.n_kv_head || this.r.n_head };
    const group = kvGroupSize(shape);
    this.kv.hidden = group === 1;
    if (group === 1) return;
    const { state } = this.app;
    if (!layerMode) {
      this.kv.textContent = `Head ${state.head} ${kvShareText(shape, state.head)}.`;
      return;
    }
    const groups = [];
    for (let first = 0; first < shape.n_head; first += group) {
      const [a, b] = kvGroupHeads(shape, first);
      groups.push(`kv ${first / group}: heads ${a}–${b}`);
    }
    this.kv.textContent = `Heads sharing keys and values · ${groups.join(' · ')}`;
  }

  // Background of a token in proportion to the weight it receives/gives.
  weight(li, v, sqrt) {
    if (v === '' || v < 0.01) {
      li.style.backgroundColor = '';
      li.style.color = '';
      li.removeAttribute('data-w');
      return;
    }
    li.style.backgroundColor = colorCss(v, sqrt ? 'sqrt' : 'linear');
    li.style.color = (sqrt ? Math.sqrt(v) : v) > 0.6 ? '#111' : '#fff';
    li.dataset.w = v.toFixed(2);
  }

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const { sc, top, causal, labels, state, r, colors, T, H } = startScene(this.app, 'head', 'head view', atFocusedHead);
    let y;
    const rowH = 20;
    const heads = state.overlay === 'layer' ? Array.from({ length: H }, (_, h) => h) : [state.head];
    const queries = this.app.queries(); // several query tokens: only their lines
    const xl = 200, xr = 480;
    for (let i = 0; i < T; i++) {
      sc.text(xl - 8, top + i * rowH + 14, labels[i], { anchor: 'end', size: 12, mono: true });
      sc.text(xr + 8, top + i * rowH + 14, labels[i], { size: 12, mono: true });
    }
    for (const h of heads) {
      const off = (state.layer * H + h) * T * T;
      const stroke = heads.length > 1 ? headColor(h) : colors.accent;
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
        if ((causal && j > i) || (queries && !queries.includes(i))) continue;
        const v = r.weights[off + i * T + j];
        if (v < 0.02) continue;
        sc.line(xl, top + i * rowH + 10, xr, top + j * rowH + 10, stroke, 0.6 + 2.6 * v, Math.min(1, 0.9 * v));
      }
    }
    y = top + T * rowH + 12;
    return finishScene(sc, SCENE_WIDTH, y);
  }
}
