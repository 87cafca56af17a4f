// web/export.mjs — the current view as a picture for slides: a small scene of
// rects, lines and text (the sentence, model, layer and head in a title block),
// written either as SVG (real vector elements and text, no embedded bitmap) or
// drawn on a canvas at 2x for a PNG. Nothing goes through blob/data images, so
// it works under the strict CSP.
import { LUT, lutIndex, headColor } from './colormap.mjs';
import { tokenLabel, clip } from './tokens.mjs';
import { ROLE_INFO, headRole } from './views/grid.mjs';
import { fmtP } from './views/nexttoken.mjs';
import { headInternals, formatScore } from './views/inside.mjs';

const rgb = (v, scale) => {
  const i = lutIndex(v, scale) * 4;
  return `#${[LUT[i], LUT[i + 1], LUT[i + 2]].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
};

// Wrap `text` to lines of about `n` characters.
function wrap(text, n) {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && (cur + ' ' + w).length > n) { lines.push(cur); cur = w; } else cur = cur ? cur + ' ' + w : w;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

// scene: {w, h, bg, items: [{t:'rect'|'line'|'text', ...}]}
class Scene {
  constructor(colors) { this.items = []; this.c = colors; this.w = 0; this.h = 0; }
  rect(x, y, w, h, fill, extra = {}) { this.items.push({ t: 'rect', x, y, w, h, fill, ...extra }); }
  line(x1, y1, x2, y2, stroke, width, opacity = 1) { this.items.push({ t: 'line', x1, y1, x2, y2, stroke, width, opacity }); }
  text(x, y, text, { size = 12, fill = this.c.fg, anchor = 'start', weight = 'normal', rotate = 0, mono = false } = {}) {
    // control characters (not allowed in XML, invisible on a canvas) written as <0xNN>, as the token strip does
    text = String(text).replace(/[\u0000-\u001f\u007f]/g, (c) => `<0x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}>`);
    this.items.push({ t: 'text', x, y, text, size, fill, anchor, weight, rotate, mono });
  }
}

// The position whose predictions the next-token picture shows: the view's own
// (hovered, pinned or last) when its numbers are there, else the last one.
function nextTokenPosition(ctl) {
  const r = ctl.state.result;
  const pos = ctl.activePos();
  return pos !== null && r.next.topIds[pos * r.next.k] >= 0 ? pos : r.T - 1;
}

export function buildScene(ctl, view) {
  const r = ctl.state.result;
  if (view === 'next' && !r.next) view = 'matrix';  // a run without next-token numbers
  if (view === 'inside' && !(r.qkv && r.scores && r.headOut)) view = 'matrix';  // a run without intermediates
  const { colors, state } = ctl;
  const sc = new Scene(colors);
  const { T, n_head: H, n_layer: L } = r;
  const causal = !r.options || r.options.causal !== false;
  const W0 = 760;
  // title block
  const lines = wrap(`“${r.text}”`, 92).slice(0, 6);
  let y = 26;
  for (const line of lines) { sc.text(20, y, line, { size: 15, weight: '600' }); y += 20; }
  const viewName = { grid: 'all heads', head: 'head view', matrix: 'attention matrix', next: 'next token', inside: 'inside one head' }[view] || view;
  const nextPos = view === 'next' ? nextTokenPosition(ctl) : null;
  const knobs = [];
  const k = state.knobs;
  if (!k.scale) knobs.push('no 1/√d_k');
  if (!k.causal) knobs.push('no causal mask');
  if (k.temperature !== 1) knobs.push(`temperature ${k.temperature} on ${k.temperatureHead || 'every head'}`);
  if (k.ablate.length) knobs.push(`heads off (${k.ablation}): ${k.ablate.join(', ')}`);
  const where = view === 'grid' ? `${L} layers × ${H} heads`
    : view === 'next' ? `after token #${nextPos} of ${T}` : `layer ${state.layer} · head ${state.head}`;
  sc.text(20, y + 2, `model ${r.modelName} · ${where} · ${viewName}${knobs.length ? ' · ' + knobs.join(' · ') : ''}`, { size: 12, fill: colors.muted });
  y += 22;
  const top = y;
  const labels = r.tokens.map((t) => clip(tokenLabel(t), 14));
  let W = W0;

  if (view === 'grid') {
    const cell = Math.max(24, Math.min(96, Math.floor((W0 - 60) / H) - 6));
    const gap = 6;
    for (let h = 0; h < H; h++) sc.text(50 + h * (cell + gap) + cell / 2, top + 10, `H${h}`, { anchor: 'middle', size: 11, fill: colors.muted });
    for (let l = 0; l < L; l++) {
      const y0 = top + 18 + l * (cell + gap);
      sc.text(42, y0 + cell / 2 + 4, `L${l}`, { anchor: 'end', size: 11, fill: colors.muted });
      for (let h = 0; h < H; h++) {
        const x0 = 50 + h * (cell + gap);
        const off = (l * H + h) * T * T;
        const cs = cell / T;
        sc.rect(x0, y0, cell, cell, colors.mask);
        for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
          if (causal && j > i) continue;
          sc.rect(x0 + j * cs, y0 + i * cs, cs + 0.02, cs + 0.02, rgb(r.attention[off + i * T + j], state.scale));
        }
        const role = headRole(r, l, h, state.roleSource || 'text');
        if (role && cell >= 40) {
          sc.rect(x0 + cell - 40, y0 + cell - 14, 38, 12, ROLE_INFO[role].color);
          sc.text(x0 + cell - 21, y0 + cell - 4.5, ROLE_INFO[role].short, { anchor: 'middle', size: 9, fill: '#ffffff', weight: '600' });
        }
        if (ctl.isAblated(l, h)) {
          sc.rect(x0, y0, cell, cell, '#000000', { opacity: 0.55 });
          sc.line(x0 + 3, y0 + 3, x0 + cell - 3, y0 + cell - 3, '#ffffff', 1.5);
          sc.line(x0 + cell - 3, y0 + 3, x0 + 3, y0 + cell - 3, '#ffffff', 1.5);
        }
        if (l === state.layer && h === state.head) sc.rect(x0 - 2, y0 - 2, cell + 4, cell + 4, 'none', { stroke: colors.select, sw: 2 });
      }
    }
    W = Math.max(W0, 60 + H * (cell + gap));
    y = top + 18 + L * (cell + gap) + 10;
  } else if (view === 'head') {
    const rowH = 20;
    const heads = state.overlay === 'layer' ? Array.from({ length: H }, (_, h) => h) : [state.head];
    const xl = 200, xr = 480;
    for (let i = 0; i < T; i++) {
      sc.text(xl - 8, top + i * rowH + 14, labels[i], { anchor: 'end', size: 12, mono: true });
      sc.text(xr + 8, top + i * rowH + 14, labels[i], { size: 12, mono: true });
    }
    for (const h of heads) {
      const off = (state.layer * H + h) * T * T;
      const stroke = heads.length > 1 ? headColor(h) : colors.accent;
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
        if (causal && j > i) continue;
        const v = r.attention[off + i * T + j];
        if (v < 0.02) continue;
        sc.line(xl, top + i * rowH + 10, xr, top + j * rowH + 10, stroke, 0.6 + 2.6 * v, Math.min(1, 0.9 * v));
      }
    }
    y = top + T * rowH + 12;
  } else if (view === 'next') {
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
  } else if (view === 'inside') {
    // one query's scores, scaling, mask and softmax weights against every key (as the module computed them)
    const d = headInternals(r, ctl);
    const scaling = d.scaleOn ? `÷ √${d.dk}` : 'no ÷ √d_k';
    sc.text(20, top + 14, `query: token #${d.i} “${clip(tokenLabel(r.tokens[d.i]), 24)}” · d_k ${d.dk}` +
      ` · scaled = q·k ${scaling}${d.temp !== 1 ? ` ÷ temperature ${d.temp}` : ''} · weights = softmax(scaled)`, { size: 13 });
    const xk = 170, xraw = 240, xsc = 320, xbar = 350, barW = 300;
    const hy = top + 40;
    sc.text(xk, hy, 'key token', { anchor: 'end', size: 11, fill: colors.muted });
    sc.text(xraw, hy, 'q·k', { anchor: 'end', size: 11, fill: colors.muted });
    sc.text(xsc, hy, 'scaled', { anchor: 'end', size: 11, fill: colors.muted });
    sc.text(xbar, hy, 'weight', { size: 11, fill: colors.muted });
    const rowH = 20, rows = Math.min(d.T, 64);
    for (let j = 0; j < rows; j++) {
      const yj = hy + 8 + j * rowH;
      const masked = d.causal && j > d.i;
      if (j === d.i) sc.rect(20, yj, xbar + barW + 70 - 20, rowH, colors.mask);
      sc.text(xk, yj + 14, `${clip(tokenLabel(r.tokens[j]), 14)} #${j}`, { anchor: 'end', size: 12, mono: true, fill: j === d.i ? colors.fg : colors.muted });
      sc.text(xraw, yj + 14, masked && d.raw[j] === 0 ? '–' : formatScore(d.raw[j]), { anchor: 'end', size: 12 });
      if (masked) {
        sc.text(xsc, yj + 14, '−∞', { anchor: 'end', size: 12, fill: colors.muted });
        sc.text(xbar, yj + 14, 'masked: weight 0', { size: 11, fill: colors.muted });
        continue;
      }
      sc.text(xsc, yj + 14, formatScore(d.raw[j] * d.factor), { anchor: 'end', size: 12 });
      sc.rect(xbar, yj + 4, barW, 12, colors.track);
      sc.rect(xbar, yj + 4, Math.max(d.w[j] > 0 ? 0.5 : 0, barW * d.w[j]), 12, rgb(d.w[j], 'linear'));
      sc.text(xbar + barW + 8, yj + 14, d.w[j].toFixed(3), { size: 12 });
    }
    y = hy + 8 + rows * rowH + 8;
    if (rows < d.T) { sc.text(20, y + 6, `… ${d.T - rows} more key tokens`, { size: 11, fill: colors.muted }); y += 16; }
    sc.text(20, y + 8, `head output for token #${d.i} = Σ_j weight_j · v_j: ${d.dk} numbers` +
      `${d.ablated ? ` (this head is switched off: ${(r.options && r.options.ablation) || 'zero'})` : ''}`, { size: 12, fill: colors.muted });
    y += 20;
  } else {
    // matrix
    const cell = Math.max(10, Math.min(32, Math.floor((W0 - 140) / T)));
    const left = 130, mtop = top + 110;
    const off = (state.layer * H + state.head) * T * T;
    for (let i = 0; i < T; i++) {
      sc.text(left - 6, mtop + i * cell + cell / 2 + 4, labels[i], { anchor: 'end', size: Math.min(12, cell - 1), mono: true });
      sc.text(left + i * cell + cell / 2 + 4, mtop - 6, labels[i], { size: Math.min(12, cell - 1), rotate: -90, mono: true });
      for (let j = 0; j < T; j++) {
        if (causal && j > i) { sc.rect(left + j * cell, mtop + i * cell, cell, cell, colors.mask); continue; }
        const v = r.attention[off + i * T + j];
        sc.rect(left + j * cell, mtop + i * cell, cell, cell, rgb(v, state.scale));
        if (cell >= 26 && v >= 0.005) {
          sc.text(left + j * cell + cell / 2, mtop + i * cell + cell / 2 + 3.5, v >= 0.995 ? '1' : v.toFixed(2).slice(1),
            { anchor: 'middle', size: 9, fill: lutIndex(v, state.scale) > 150 ? '#111111' : '#ffffff' });
        }
      }
    }
    W = Math.max(W0, left + T * cell + 20);
    y = mtop + T * cell + 12;
  }
  sc.text(20, y + 12, 'Headscope — attention computed in the browser', { size: 10, fill: colors.muted });
  sc.w = Math.ceil(W);
  sc.h = Math.ceil(y + 22);
  sc.bg = colors.bg;
  return sc;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v) => (Math.round(v * 100) / 100).toString();

export function sceneToSvg(sc, font) {
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${sc.w}" height="${sc.h}" viewBox="0 0 ${sc.w} ${sc.h}" font-family="${esc(font)}">`];
  out.push(`<rect width="100%" height="100%" fill="${esc(sc.bg)}"/>`);
  for (const it of sc.items) {
    if (it.t === 'rect') {
      const stroke = it.stroke ? ` stroke="${esc(it.stroke)}" stroke-width="${it.sw || 1}"` : '';
      const op = it.opacity !== undefined ? ` fill-opacity="${it.opacity}"` : '';
      out.push(`<rect x="${n(it.x)}" y="${n(it.y)}" width="${n(it.w)}" height="${n(it.h)}" fill="${esc(it.fill)}"${op}${stroke}/>`);
    } else if (it.t === 'line') {
      out.push(`<line x1="${n(it.x1)}" y1="${n(it.y1)}" x2="${n(it.x2)}" y2="${n(it.y2)}" stroke="${esc(it.stroke)}" stroke-width="${n(it.width)}" stroke-opacity="${n(it.opacity)}" stroke-linecap="round"/>`);
    } else {
      const tr = it.rotate ? ` transform="rotate(${it.rotate} ${n(it.x)} ${n(it.y)})"` : '';
      const ff = it.mono ? ' font-family="ui-monospace, DejaVu Sans Mono, Menlo, monospace"' : '';
      out.push(`<text x="${n(it.x)}" y="${n(it.y)}" font-size="${it.size}" fill="${esc(it.fill)}" text-anchor="${it.anchor}" font-weight="${it.weight}" xml:space="preserve"${ff}${tr}>${esc(it.text)}</text>`);
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

export function sceneToCanvas(sc, font, scale = 2) {
  const c = document.createElement('canvas');
  c.width = sc.w * scale;
  c.height = sc.h * scale;
  const ctx = c.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = sc.bg;
  ctx.fillRect(0, 0, sc.w, sc.h);
  const anchor = { start: 'left', middle: 'center', end: 'right' };
  for (const it of sc.items) {
    if (it.t === 'rect') {
      ctx.globalAlpha = it.opacity !== undefined ? it.opacity : 1;
      if (it.fill !== 'none') { ctx.fillStyle = it.fill; ctx.fillRect(it.x, it.y, it.w, it.h); }
      if (it.stroke) { ctx.strokeStyle = it.stroke; ctx.lineWidth = it.sw || 1; ctx.strokeRect(it.x, it.y, it.w, it.h); }
    } else if (it.t === 'line') {
      ctx.globalAlpha = it.opacity;
      ctx.strokeStyle = it.stroke;
      ctx.lineWidth = it.width;
      ctx.lineCap = 'round';
      ctx.beginPath();
      ctx.moveTo(it.x1, it.y1);
      ctx.lineTo(it.x2, it.y2);
      ctx.stroke();
    } else {
      ctx.globalAlpha = 1;
      ctx.save();
      ctx.translate(it.x, it.y);
      if (it.rotate) ctx.rotate((it.rotate * Math.PI) / 180);
      ctx.font = `${it.weight === 'normal' ? '' : it.weight + ' '}${it.size}px ${it.mono ? 'ui-monospace, "DejaVu Sans Mono", monospace' : font}`;
      ctx.fillStyle = it.fill;
      ctx.textAlign = anchor[it.anchor];
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(it.text, 0, 0);
      ctx.restore();
    }
  }
  ctx.globalAlpha = 1;
  return c;
}

export function exportName(ctl, view, ext) {
  const s = ctl.state;
  const slug = (ctl.state.result.text || 'text').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'text';
  const where = view === 'grid' ? '' : view === 'next' ? `-after${nextTokenPosition(ctl)}`
    : view === 'inside' ? `-L${s.layer}H${s.head}-query${ctl.queryPos()}` : `-L${s.layer}H${s.head}`;
  return `headscope-${slug}-${view}${where}.${ext}`;
}

export function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
