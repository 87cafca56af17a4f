// web/state-hash.mjs — the page state <-> URL hash (index.html#text=...&layer=2&...),
// for the page and the element's "Open in Headscope" link. Only fields that
// differ from the defaults are written, so links stay short; every field
// round-trips. The knob fields are web/knobs.mjs's grammar.
//   text, text-b (the minimal pairs' sentence B), model (a bundled name, a folder URL, or hf:OWNER/NAME[@REV]), hub (the Hub's base URL
//   for hf: models, when not https://huggingface.co), layer, head, view, colour (linear|sqrt), overlay (head|layer),
//   pin, query, roles (text|probe), theme, weights (compact16: F32 weights rounded to 16 bits),
//   knobs: scale (0|1), causal (0|1), temperature, temperature-head (L.H),
//          ablate (L.H,L.H), ablation (zero|mean), value-weighted (0|1)
//   sel (several query tokens, "1,4,5": the views show their mean attention),
//   generation: gen (how many trailing tokens of the text were generated: the replay slider's
//          range; the pinned row is `pin`), and the sampling knobs max-new, sample-temperature,
//          top-k, top-p, seed
//   exercise: exercise (attend|role), from, question, role (web/exercise/question.mjs; an attend
//          question's head is `layer`/`head`), and lesson (the guided lesson's step, 1 = the first)
import { knobsFromParams, knobParams } from './knobs.mjs';
import { samplingFromParams, samplingParams } from './knobs.mjs';
import { questionFromParams, questionParams } from './exercise/question.mjs';

export const VIEWS = ['grid', 'head', 'matrix', 'next', 'inside', 'lens', 'pairs'];

const int = (v) => (v !== null && v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : null);

// state: {text, model, layer, head, view, colour, overlay, pin, query, roles, knobs, gen, sampling}
export function parseHash(hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const s = {};
  if (p.has('text')) s.text = p.get('text');
  if (p.get('text-b')) s.textB = p.get('text-b');
  if (p.get('model')) s.model = p.get('model');
  if (p.get('hub')) s.hub = p.get('hub');
  for (const f of ['layer', 'head', 'pin', 'query', 'gen']) { const n = int(p.get(f)); if (n !== null) s[f] = n; }
  if (VIEWS.includes(p.get('view'))) s.view = p.get('view');
  if (['linear', 'sqrt'].includes(p.get('colour'))) s.colour = p.get('colour');
  if (['head', 'layer'].includes(p.get('overlay'))) s.overlay = p.get('overlay');
  if (['text', 'probe'].includes(p.get('roles'))) s.roles = p.get('roles');
  if (['light', 'dark'].includes(p.get('theme'))) s.theme = p.get('theme');
  if (p.get('weights') === 'compact16') s.weights = 'compact16';
  const sel = (p.get('sel') || '').split(',').filter((x) => /^\d+$/.test(x)).map(Number);
  if (sel.length >= 2) s.selection = [...new Set(sel)].sort((a, b) => a - b);
  s.knobs = knobsFromParams((k) => p.get(k));
  s.sampling = samplingFromParams((k) => p.get(k));
  const exercise = questionFromParams((k) => p.get(k), { layer: s.layer || 0, head: s.head || 0 });
  if (exercise) s.exercise = exercise;
  const lesson = int(p.get('lesson'));
  if (lesson) s.lesson = lesson;
  return s;
}

export function formatHash(s) {
  const p = new URLSearchParams();
  if (s.text !== undefined) p.set('text', s.text);
  if (s.textB) p.set('text-b', s.textB);
  if (s.model) p.set('model', s.model);
  if (s.hub) p.set('hub', s.hub);
  const asked = s.exercise && s.exercise.kind === 'attend' ? s.exercise : s; // a question's link names its hidden head
  if (asked.layer) p.set('layer', String(asked.layer));
  if (asked.head) p.set('head', String(asked.head));
  if (s.view && s.view !== 'grid') p.set('view', s.view);
  if (s.colour && s.colour !== 'linear') p.set('colour', s.colour);
  if (s.overlay && s.overlay !== 'head') p.set('overlay', s.overlay);
  if (s.pin !== null && s.pin !== undefined) p.set('pin', String(s.pin));
  if (s.query !== null && s.query !== undefined) p.set('query', String(s.query));
  if (s.roles && s.roles !== 'text') p.set('roles', s.roles);
  if (s.theme) p.set('theme', s.theme);
  if (s.weights && s.weights !== 'stored') p.set('weights', s.weights);
  if (s.selection && s.selection.length >= 2) p.set('sel', s.selection.join(','));
  for (const [k, v] of knobParams(s.knobs)) p.set(k, v);
  if (s.gen) p.set('gen', String(s.gen));
  if (s.sampling) for (const [k, v] of samplingParams(s.sampling)) p.set(k, v);
  for (const [k, v] of questionParams(s.exercise)) p.set(k, v);
  if (s.lesson) p.set('lesson', String(s.lesson));
  // URLSearchParams writes spaces as '+': keep them readable as %20 in links
  return '#' + p.toString().replace(/\+/g, '%20');
}

// Attribute-safe text for snippets.
export function escapeAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
