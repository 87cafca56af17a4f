// web/views/inside.mjs — "Inside one head": the focused head's computation for
// one query token, with the numbers the wasm kernels computed (a run with
// intermediates): q_i and every k_j (slices of qkv), the raw scores q_i·k_j
// (`scores`), the same times the run's scale factor (1/sqrt(d_k), or 1 when
// the knob or the model's config switches scaling off) and the head's temperature, for
// display, the causal mask, the softmax weights (`attention`), every v_j, and
// the head's output for token i (`headOut`), then how the heads' outputs are
// concatenated and projected. Nothing here recomputes attention: values are only
// sliced, and the scaled column is the raw score times a constant.
import { sizeCanvas, hatch } from '../draw.mjs';
import { tokenLabel, clip } from '../tokens.mjs';
import { DIV_LUT32, divIndex, divergingCss, colorCss } from '../colormap.mjs';
import { startScene, finishScene, SCENE_WIDTH, weightHex } from '../scene.mjs';
import { kvHeadOf, kvShareText, runIsCausal } from '../model-family.mjs';
import { QuerySwitch } from './selected-queries.mjs';

const RH = 18; // row height
const HEAD = 40; // header rows: titles, q strip
const NUM = 62; // a numbers column
// the picture's place in the model: the focused head and query (web/scene.mjs)
const AT_QUERY = {
  where: ({ state }) => `layer ${state.layer} · head ${state.head}`,
  file: (ctl) => `-L${ctl.state.layer}H${ctl.state.head}-query${ctl.queryPos()}`,
};

const STEPS = [
  ['q', 'Query q_i', 'what token i is looking for: its slice of the layer\'s query vector (after c_attn, bias included).'],
  ['k', 'Keys k_j', 'what every token offers to be found by.'],
  ['qk', 'Scores q_i·k_j', 'one dot product per token: how well each key matches the query (raw, as the kernel computed it).'],
  ['scaled', 'Scaled', 'divided by √d_k so the scores do not grow with the vector length (and by the temperature, if set for this head).'],
  ['mask', 'Causal mask', 'a token cannot look at later tokens: their scores become −∞.'],
  ['softmax', 'Softmax → weights', 'turns the scores into weights ≥ 0 that sum to 1 (the attention pattern you see in the other views).'],
  ['v', 'Values v_j', 'what every token passes on when it is looked at.'],
  ['out', 'Weighted sum', 'Σ_j weight_j · v_j: the head\'s output for token i.'],
  ['proj', 'Concatenate and project', 'the outputs of all heads are put side by side and multiplied by c_proj, then added to the residual stream.'],
];

// A score or scaled score as the view and the exported picture write it.
export const formatScore = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

// The numbers of the focused head for query i: slices of a run with
// intermediates (qkv, scores, headOut), nothing recomputed. `app` gives the
// focused layer/head and query (the controller). Also used by scene().
export function headInternals(r, app) {
  const { state } = app;
  const { T, n_head: H } = r;
  const l = state.layer;
  const h = state.head;
  const dk = r.head_dim || r.n_embd / H;
  const C = H * dk; // Q: the query width, and the width of the heads' outputs side by side
  const KV = (r.n_kv_head || H) * dk; // the key and value widths (grouped-query attention: fewer heads)
  const g = kvHeadOf({ n_head: H, n_kv_head: r.n_kv_head || H }, h); // the key/value head this head reads
  const i = app.queryPos();
  const opt = r.options || {};
  // qkv [L, T, Q + 2 KV]: q | k | v; head h's query at h * dk, its key and value at g * dk
  const width = C + 2 * KV;
  const slice = (t, start) => r.qkv.subarray((l * T + t) * width + start, (l * T + t) * width + start + dk);
  const row = (t, part) => slice(t, part === 0 ? h * dk : part === 1 ? C + g * dk : C + KV + g * dk);
  const temp = opt.temperature && (!opt.temperature_head || opt.temperature_head === `${l}.${h}`) ? opt.temperature : 1;
  // the factor the head's raw q·k was multiplied by before the softmax (temperature excluded):
  // the run's own when it says (1 when the knob is off or the config has scale_attn_weights:
  // false), else 1/sqrt(d_k) unless the scale knob is off
  const scale = r.scale_factors ? r.scale_factors[l * H + h] : opt.scale === false ? 1 : 1 / Math.sqrt(dk);
  const factor = scale / temp;
  const att = (l * H + h) * T * T + i * T;
  return {
    l, h, i, T, H, C, dk, temp, factor, causal: runIsCausal(r), kvHead: g, kvShare: kvShareText({ n_head: H, n_kv_head: r.n_kv_head || H }, h), scaleOn: r.scale_factors ? Math.abs(scale * Math.sqrt(dk) - 1) < 1e-6 : opt.scale !== false, scaleKnobOff: opt.scale === false,
    q: row(i, 0),
    k: Array.from({ length: T }, (_, j) => row(j, 1)),
    v: Array.from({ length: T }, (_, j) => row(j, 2)),
    raw: r.scores.subarray(att, att + T),
    w: r.attention.subarray(att, att + T),
    out: r.headOut.subarray((l * T + i) * C + h * dk, (l * T + i) * C + (h + 1) * dk),
    concat: r.headOut.subarray((l * T + i) * C, (l * T + i + 1) * C),
    ablated: app.isAblated(l, h),
  };
}

export class InsideView {
  constructor(app, section) {
    this.app = app;
    this.section = section;
    this.title = section.querySelector('.inside-title');
    this.query = section.querySelector('.inside-query');
    this.shapes = section.querySelector('.inside-shapes');
    this.wrap = section.querySelector('.inside-wrap');
    this.canvas = section.querySelector('.inside-canvas');
    this.steps = section.querySelector('.inside-steps');
    this.concat = section.querySelector('.inside-concat');
    this.missing = section.querySelector('.inside-missing');
    this.queries = new QuerySwitch(app, section.querySelector('.inside-queries'));
    this.hoverSensitive = false;
    this.geom = null;
    this.tokensKey = '';
    this.query.addEventListener('change', () => {
      app.state.queryPos = Number(this.query.value);
      if (app.hooks.changed) app.hooks.changed();
      this.render(true);
    });
    this.canvas.addEventListener('mousemove', (e) => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => app.hideTooltip());
    // captions: one per step
    this.steps.replaceChildren(...STEPS.map(([key, name, text], n) => {
      const li = document.createElement('li');
      li.dataset.step = key;
      const b = document.createElement('b');
      b.textContent = `${n + 1} · ${name}: `;
      const span = document.createElement('span');
      span.className = 'step-text';
      span.textContent = text;
      li.append(b, span);
      return li;
    }));
  }

  setResult(r) {
    this.r = r;
    const key = r.ids.join(',');
    if (key !== this.tokensKey) {
      this.tokensKey = key;
      this.query.replaceChildren(...r.tokens.map((t, i) => new Option(`#${i} “${clip(tokenLabel(t), 16)}”`, String(i))));
    }
  }

  stepText(key, text) {
    const li = this.steps.querySelector(`[data-step="${key}"] .step-text`);
    if (li) li.textContent = text;
  }

  // The numbers of the focused head for query i (slices of the run's arrays).
  data() {
    return headInternals(this.r, this.app);
  }

  render() {
    const r = this.r;
    if (!r || !r.T) return;
    const ok = r.qkv && r.scores && r.headOut;
    this.missing.hidden = !!ok;
    this.wrap.hidden = !ok;
    if (!ok) return; // the controller re-runs with intermediates when this view shows
    const d = this.data();
    const { colors } = this.app;
    this.query.value = String(d.i);
    this.queries.render(r, d.i);
    this.title.textContent = `Inside one head · layer ${d.l} · head ${d.h}`;
    const sq = Math.sqrt(d.dk);
    this.shapes.textContent = `${d.C === r.n_embd ? `d_model ${d.C} = ` : `d_model ${r.n_embd} · queries ${d.C} = `}${d.H} heads × d_k ${d.dk}` +
      `${d.kvShare ? ` · this head ${d.kvShare}` : ''} · ${d.T} tokens · query: token #${d.i} “${tokenLabel(r.tokens[d.i])}”`;
    this.stepText('q', `what token #${d.i} is looking for: ${d.dk} numbers, its slice of the layer's query vector (${d.C} = ${d.H} × ${d.dk}, after c_attn, bias included).`);
    this.stepText('scaled', d.scaleOn
      ? `divided by √d_k = √${d.dk} = ${sq.toFixed(3)} so the scores do not grow with the vector length${d.temp !== 1 ? `, then by this head's temperature ${d.temp}` : ''}.`
      : `${d.scaleKnobOff ? 'the 1/√d_k scale is switched off' : 'this model does not scale its scores (scale_attn_weights: false in its config)'}: the raw scores go to the softmax as they are${d.temp !== 1 ? ` (÷ temperature ${d.temp})` : ''}${d.scaleKnobOff ? ' — the weights get sharper' : ''}.`);
    this.stepText('k', d.kvShare
      ? `what every token offers to be found by: key/value head ${d.kvHead}'s keys, which this head ${d.kvShare.replace(/ \(key\/value head \d+\)$/, '')}.`
      : 'what every token offers to be found by.');
    this.stepText('mask', d.causal
      ? `token #${d.i} cannot look at the ${d.T - 1 - d.i} later token${d.T - 1 - d.i === 1 ? '' : 's'}: their scores become −∞ (weight 0).`
      : r.causal === false && this.app.state.model && this.app.state.model.info.causal === false
        ? 'no mask: this model reads the text both ways, so every token looks at every token, later ones too.'
        : 'the causal mask is switched off: every token may look at later tokens too (not how the model was trained).');
    this.stepText('out', `Σ_j weight_j · v_j: the head's output for token #${d.i}, ${d.dk} numbers${d.ablated ? ' — this head is switched off, so its output is replaced (' + ((r.options && r.options.ablation) || 'zero') + ')' : ''}.`);
    this.stepText('proj', `the ${d.H} heads' outputs (${d.H} × ${d.dk}) are put side by side into one vector of ${d.C}, multiplied by c_proj (${d.C} × ${r.n_embd}, plus bias) and added to the residual stream; the next layer reads the sum.`);

    // geometry
    const avail = Math.max(300, this.wrap.clientWidth - 4);
    const LW = 96;
    const MW = 66; // the mask column: wide enough for its header "5  mask" before "6  weight"
    const fixed = LW + 3 * NUM + 86 + MW;
    const cw = Math.max(2, Math.min(8, Math.floor((avail - fixed) / (2 * d.dk))));
    const SW = cw * d.dk; // strip width
    const x = {};
    x.label = 0;
    x.k = LW;
    x.raw = x.k + SW + 12;
    x.scaled = x.raw + NUM;
    x.mask = x.scaled + NUM;
    x.w = x.mask + MW;
    x.v = x.w + 86 + 8;
    const W = x.v + SW + 4;
    const Hh = HEAD + d.T * RH + 30;
    this.geom = { x, cw, SW, W, d };
    const { ctx, dpr } = sizeCanvas(this.canvas, W, Hh);
    ctx.fillStyle = colors.bg;
    ctx.fillRect(0, 0, W, Hh);
    const font = colors.font;
    ctx.textBaseline = 'middle';

    let qkMax = 0;
    for (const a of [d.q, ...d.k]) for (const v of a) qkMax = Math.max(qkMax, Math.abs(v));
    let vMax = 0;
    for (const a of [d.out, ...d.v]) for (const v of a) vMax = Math.max(vMax, Math.abs(v));
    this.geom.qkMax = qkMax;
    this.geom.vMax = vMax;
    const strip = (vec, x0, y0, h, max) => {
      const img = ctx.createImageData(Math.round(SW * dpr), Math.max(1, Math.round(h * dpr)));
      const px = new Uint32Array(img.data.buffer);
      for (let py = 0; py < img.height; py++) {
        for (let pxi = 0; pxi < img.width; pxi++) {
          const k = Math.min(vec.length - 1, Math.floor(pxi / (cw * dpr)));
          px[py * img.width + pxi] = DIV_LUT32[divIndex(vec[k], max)];
        }
      }
      ctx.putImageData(img, Math.round(x0 * dpr), Math.round(y0 * dpr));
    };

    // header: step numbers and names
    ctx.font = `600 11px ${font}`;
    ctx.fillStyle = colors.fg;
    ctx.textAlign = 'left';
    ctx.fillText('2  k_j', x.k, 8);
    ctx.fillText('3  q·k', x.raw + 4, 8);
    ctx.fillText(d.scaleOn ? '4  ÷√dk' : '4  (no ÷)', x.scaled + 4, 8);
    ctx.fillText('5  mask', x.mask + 4, 8);
    ctx.fillText('6  weight', x.w, 8);
    ctx.fillText('7  v_j', x.v, 8);
    // q strip above the keys
    ctx.textAlign = 'right';
    ctx.fillText(`1  q #${d.i}`, x.k - 6, 27);
    strip(d.q, x.k, 20, 14, qkMax);

    // rows
    ctx.font = `11px ${font}`;
    const yRow = (j) => HEAD + j * RH;
    const hatchFill = hatch(ctx, colors.mask, colors.maskLine, dpr);
    for (let j = 0; j < d.T; j++) {
      const y = yRow(j);
      const masked = d.causal && j > d.i;
      if (j === d.i) {
        ctx.fillStyle = colors.mask;
        ctx.fillRect(0, y, W, RH);
      }
      ctx.fillStyle = j === d.i ? colors.fg : colors.muted;
      ctx.textAlign = 'right';
      ctx.fillText(`${clip(tokenLabel(r.tokens[j]), 9)} #${j}`, x.k - 6, y + RH / 2);
      strip(d.k[j], x.k, y + 2, RH - 4, qkMax);
      strip(d.v[j], x.v, y + 2, RH - 4, vMax);
      ctx.fillStyle = colors.fg;
      // the kernel skips masked pairs (their raw score stays 0): shown as a dash
      ctx.fillText(masked && d.raw[j] === 0 ? '–' : formatScore(d.raw[j]), x.raw + NUM - 8, y + RH / 2);
      if (masked) {
        ctx.fillStyle = hatchFill;
        ctx.fillRect(x.scaled, y + 1, NUM - 4, RH - 2);
        ctx.fillRect(x.w, y + 1, 86, RH - 2);
        ctx.fillStyle = colors.fg;
        ctx.fillText('−∞', x.mask + 40, y + RH / 2);
      } else {
        ctx.fillText(formatScore(d.raw[j] * d.factor), x.scaled + NUM - 8, y + RH / 2);
        ctx.fillStyle = colors.muted;
        ctx.fillText('·', x.mask + 40, y + RH / 2);
        // weight: a bar (viridis) and the number
        const wv = d.w[j];
        ctx.fillStyle = colors.mask;
        ctx.fillRect(x.w, y + 4, 44, RH - 8);
        ctx.fillStyle = colorCss(wv, 'linear');
        ctx.fillRect(x.w, y + 4, Math.max(wv > 0 ? 1 : 0, 44 * wv), RH - 8);
        ctx.fillStyle = colors.fg;
        ctx.fillText(wv.toFixed(3), x.w + 86, y + RH / 2);
      }
    }
    // the weighted sum under the values
    const yo = yRow(d.T) + 8;
    ctx.font = `600 11px ${font}`;
    ctx.fillStyle = colors.fg;
    ctx.textAlign = 'right';
    ctx.fillText(`8  output #${d.i}`, x.v - 6, yo + 8);
    strip(d.out, x.v, yo, 16, vMax);
    let sum = 0;
    for (let j = 0; j < d.T; j++) sum += d.w[j];
    ctx.font = `11px ${font}`;
    ctx.fillStyle = colors.muted;
    ctx.textAlign = 'left';
    ctx.fillText(`Σ weights = ${sum.toFixed(4)}`, x.raw + 4, yo + 8);
    this.canvas.setAttribute('aria-label',
      `Inside layer ${d.l} head ${d.h} for token ${d.i}: weights ` +
      Array.from(d.w.subarray(0, d.causal ? d.i + 1 : d.T), (w, j) => `#${j} ${w.toFixed(2)}`).join(', '));

    this.renderConcat(d);
  }

  // Step 9: every head's output for token i side by side (the real numbers of
  // headOut), the focused head outlined, then c_proj and the residual stream.
  renderConcat(d) {
    const box = this.concat;
    box.replaceChildren();
    const row = document.createElement('div');
    row.className = 'concat-row';
    for (let h = 0; h < d.H; h++) {
      const seg = document.createElement('span');
      seg.className = 'concat-head';
      if (h === d.h) seg.classList.add('current');
      if (this.app.isAblated(d.l, h)) seg.classList.add('off');
      seg.title = `head ${h}: ${d.dk} numbers${this.app.isAblated(d.l, h) ? ' (switched off)' : ''}`;
      // mean of the head's output, as a colour (the strip above shows all its numbers)
      let s = 0;
      for (let k = 0; k < d.dk; k++) s += d.concat[h * d.dk + k];
      seg.style.backgroundColor = divergingCss(s / d.dk, this.geom.vMax / 4);
      seg.textContent = `H${h}`;
      row.append(seg);
    }
    const eq = (t) => { const s = document.createElement('span'); s.className = 'concat-op'; s.textContent = t; return s; };
    const shape = document.createElement('p');
    shape.className = 'concat-shape';
    shape.textContent = `[${d.H} heads × ${d.dk}] → concat: ${d.C} = ${d.H} × ${d.dk} → × c_proj (${d.C}×${this.r.n_embd}) + bias → + residual stream (${d.T} tokens × ${this.r.n_embd}) → layer ${d.l + 1 < this.r.n_layer ? d.l + 1 : 'ln_f and the next-token logits'}`;
    box.append(row, eq(''), shape);
  }

  onMove(e) {
    const g = this.geom;
    if (!g) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    const { d, x, cw } = g;
    const j = Math.floor((py - HEAD) / RH);
    const lines = [];
    if (py >= 20 && py < 34 && px >= x.k && px < x.k + g.SW) {
      const k = Math.floor((px - x.k) / cw);
      lines.push(`q_${d.i}[${k}] = ${d.q[k].toFixed(5)}`, `query of token #${d.i}, layer ${d.l}, head ${d.h}`);
    } else if (j >= 0 && j < d.T) {
      const tok = `“${tokenLabel(this.r.tokens[j])}” #${j}`;
      if (px >= x.k && px < x.k + g.SW) {
        const k = Math.floor((px - x.k) / cw);
        lines.push(`k_${j}[${k}] = ${d.k[j][k].toFixed(5)}`, `key of ${tok}`);
      } else if (px >= x.v && px < x.v + g.SW) {
        const k = Math.floor((px - x.v) / cw);
        lines.push(`v_${j}[${k}] = ${d.v[j][k].toFixed(5)}`, `value of ${tok}`);
      } else if (px >= x.raw && px < x.v) {
        const masked = d.causal && j > d.i;
        lines.push(`${tok}`, masked && d.raw[j] === 0 ? 'q·k: not computed (masked)' : `q·k = ${d.raw[j].toFixed(6)}`,
          masked ? 'masked: −∞, weight 0' : `scaled = ${(d.raw[j] * d.factor).toFixed(6)}`,
          masked ? '' : `weight = ${d.w[j].toFixed(6)}`);
      }
    } else if (py >= HEAD + d.T * RH && px >= x.v && px < x.v + g.SW) {
      const k = Math.floor((px - x.v) / cw);
      lines.push(`output[${k}] = ${d.out[k].toFixed(5)}`, `head ${d.h}'s output for token #${d.i}`);
    }
    if (lines.length) this.app.showTooltip(lines.filter(Boolean), e.clientX, e.clientY);
    else this.app.hideTooltip();
  }

  // The view as a picture for slides (web/scene.mjs; written by web/export.mjs).
  scene() {
    const { sc, top, r, colors } = startScene(this.app, 'inside', 'inside one head', AT_QUERY);
    let y;
    // one query's scores, scaling, mask and softmax weights against every key (as the module computed them)
    const d = headInternals(r, this.app);
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
      sc.rect(xbar, yj + 4, Math.max(d.w[j] > 0 ? 0.5 : 0, barW * d.w[j]), 12, weightHex(d.w[j], 'linear'));
      sc.text(xbar + barW + 8, yj + 14, d.w[j].toFixed(3), { size: 12 });
    }
    y = hy + 8 + rows * rowH + 8;
    if (rows < d.T) { sc.text(20, y + 6, `… ${d.T - rows} more key tokens`, { size: 11, fill: colors.muted }); y += 16; }
    sc.text(20, y + 8, `head output for token #${d.i} = Σ_j weight_j · v_j: ${d.dk} numbers` +
      `${d.ablated ? ` (this head is switched off: ${(r.options && r.options.ablation) || 'zero'})` : ''}`, { size: 12, fill: colors.muted });
    y += 20;
    return finishScene(sc, SCENE_WIDTH, y);
  }
}
