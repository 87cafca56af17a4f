// web/scene.mjs — a view as a picture for slides, as data: a scene of rects,
// lines and text. Every view's scene() (web/views/) starts with the same title
// block (the sentence, the model, where in the model, the view and the knobs in
// use) and ends with the same footer; web/export.mjs writes scenes as SVG or PNG.
import { LUT, lutIndex } from './colormap.mjs';
import { tokenLabel, clip } from './tokens.mjs';
import { runIsCausal } from './model-family.mjs';

export const SCENE_WIDTH = 760; // the narrowest picture

// The colour-map colour of an attention weight, as #rrggbb.
export const weightHex = (v, scale) => {
  const i = lutIndex(v, scale) * 4;
  return `#${[LUT[i], LUT[i + 1], LUT[i + 2]].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
};

// Wrap `text` to lines of about `n` characters.
export function wrap(text, n) {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const lines = [];
  let cur = '';
  for (const w of words) {
    if (cur && (cur + ' ' + w).length > n) { lines.push(cur); cur = w; } else cur = cur ? cur + ' ' + w : w;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

// scene: {w, h, bg, name (the file name without extension), items: [{t:'rect'|'line'|'text', ...}]}
export class Scene {
  constructor(colors) { this.items = []; this.c = colors; this.w = 0; this.h = 0; }
  rect(x, y, w, h, fill, extra = {}) { this.items.push({ t: 'rect', x, y, w, h, fill, ...extra }); }
  line(x1, y1, x2, y2, stroke, width, opacity = 1) { this.items.push({ t: 'line', x1, y1, x2, y2, stroke, width, opacity }); }
  text(x, y, text, { size = 12, fill = this.c.fg, anchor = 'start', weight = 'normal', rotate = 0, mono = false } = {}) {
    // control characters (not allowed in XML, invisible on a canvas) written as <0xNN>, as the token strip does
    text = String(text).replace(/[\u0000-\u001f\u007f]/g, (c) => `<0x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}>`);
    this.items.push({ t: 'text', x, y, text, size, fill, anchor, weight, rotate, mono });
  }
}

// A text as a file-name part: "the-cat-sat-on".
export const textSlug = (text) => (text || 'text').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32) || 'text';

// Where in the model a picture is: `where` for its title, `file` for its file name.
export const atFocusedHead = {
  where: ({ state }) => `layer ${state.layer} · head ${state.head}`,
  file: ({ state }) => `-L${state.layer}H${state.head}`,
};

// A view's scene with its title block: `view` (its key, e.g. 'matrix'), `title`
// (e.g. 'attention matrix') and `at` ({where(ctl), file(ctl)}, e.g. atFocusedHead).
// Returns the scene (with its file name, sc.name), the y its body starts at,
// whether the run was causal, the token labels, and for the view's drawing the
// controller's state, result, colours and the run's T, H, L.
export function startScene(ctl, view, title, at) {
  const { colors, state } = ctl;
  const r = state.result;
  const { T, n_head: H, n_layer: L } = r;
  const sc = new Scene(colors);
  sc.name = `headscope-${textSlug(r.text)}-${view}${at.file(ctl)}`;
  const lines = wrap(`“${r.text}”`, 92).slice(0, 6);
  let y = 26;
  for (const line of lines) { sc.text(20, y, line, { size: 15, weight: '600' }); y += 20; }
  const knobs = [];
  const k = state.knobs;
  if (!k.scale) knobs.push('no 1/√d_k');
  if (!k.causal) knobs.push('no causal mask');
  if (k.temperature !== 1) knobs.push(`temperature ${k.temperature} on ${k.temperatureHead || 'every head'}`);
  if (k.ablate.length) knobs.push(`heads off (${k.ablation}): ${k.ablate.join(', ')}`);
  const queries = ctl.queries ? ctl.queries() : null; // several query tokens
  // (the next-token picture names its selected positions itself; "Inside one head" is for one of them)
  const listed = queries ? `${queries.length} queries (${queries.map((i) => `#${i}`).join(', ')})` : '';
  if (queries && view === 'inside') knobs.push(`one of ${listed} selected`);
  else if (queries && view !== 'next') knobs.push(`mean of ${listed}`);
  if (state.replayNote) knobs.push(state.replayNote); // generation's replay (web/panels/generate.mjs)
  if (r.valueWeighted) knobs.push('value-weighted α·‖v W_O‖, rows normalised');
  sc.text(20, y + 2, `model ${r.modelName} · ${at.where(ctl)} · ${title}${knobs.length ? ' · ' + knobs.join(' · ') : ''}`, { size: 12, fill: colors.muted });
  return {
    sc, state, r, colors, T, H, L,
    top: y + 22,
    causal: runIsCausal(r),
    labels: r.tokens.map((t) => clip(tokenLabel(t), 14)),
  };
}

// The footer, and the scene's size: `w` wide, body ending at `y`.
export function finishScene(sc, w, y) {
  sc.text(20, y + 12, 'Headscope — attention computed in the browser', { size: 10, fill: sc.c.muted });
  sc.w = Math.ceil(w);
  sc.h = Math.ceil(y + 22);
  sc.bg = sc.c.bg;
  return sc;
}
