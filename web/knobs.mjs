// web/knobs.mjs — the knobs of a run in ONE grammar, for the page, the
// <headscope-view> element, the URL state (web/state-hash.mjs), the exported
// picture and the command line (web/cli.mjs):
//   knob state  {scale, causal, temperature, temperatureHead, ablate, ablation, valueWeighted}
//   <-> the module's run options {scale, causal, temperature, temperature_head, ablate, ablation, value_weighted}
//   <-> URL params = element attributes: scale, causal (0|1), temperature,
//       temperature-head (L.H), ablate (L.H,L.H), ablation (zero|mean), value-weighted (0|1)
//   <-> CLI flags: --no-scale, --no-causal, --temperature X, --temperature-head L.H,
//       --ablate L.H,L.H, --ablation zero|mean (older name --ablate-mode) (and --max-tokens N: knob state
//       maxTokens, run option max_tokens, a command-line limit only)
// The sampling knobs of generation (src/model/generate.hpp) are a second set in
// the same grammar, never run options (they do not change a run, only which token
// comes next):
//   sampling state {maxNew, sampleTemperature, topK, topP, seed}
//   <-> the module's sampling options {max_new, sample_temperature, top_k, top_p, seed}
//   <-> URL params = element attributes: max-new, sample-temperature, top-k, top-p, seed
//   <-> CLI flags (generate): --max-new N, --sample-temperature X, --top-k K, --top-p P, --seed S
// Values that do not parse are dropped from URLs and attributes (a link never
// breaks the page) and are errors on the command line.

export const DEFAULT_KNOBS = Object.freeze({
  scale: true, causal: true, temperature: 1, temperatureHead: null, ablate: [], ablation: 'zero', valueWeighted: false,
});

export const defaultKnobs = () => ({ ...DEFAULT_KNOBS, ablate: [] });

export function knobsEqual(a, b) {
  return a.scale === b.scale && a.causal === b.causal && a.temperature === b.temperature &&
    a.temperatureHead === b.temperatureHead && a.ablation === b.ablation && !!a.valueWeighted === !!b.valueWeighted &&
    a.ablate.length === b.ablate.length && a.ablate.every((x, i) => x === b.ablate[i]);
}

const HEAD_RE = /^\d+\.\d+$/;

// "L.H" list sorted by layer then head, no duplicates.
export function sortHeads(list) {
  const key = (s) => s.split('.').map(Number);
  return [...new Set(list)].sort((a, b) => {
    const [la, ha] = key(a);
    const [lb, hb] = key(b);
    return la - lb || ha - hb;
  });
}

// The ablate list with head "L.H" switched off, or back on if it was off.
export function toggleHead(list, id) {
  return list.includes(id) ? list.filter((x) => x !== id) : sortHeads([...list, id]);
}

// Heads named by `knobs` that a model of L layers x H heads has; the others are dropped.
export function knobsForShape(knobs, L, H) {
  const ok = (s) => { const [l, h] = s.split('.').map(Number); return l < L && h < H; };
  knobs.ablate = knobs.ablate.filter(ok);
  if (knobs.temperatureHead && !ok(knobs.temperatureHead)) knobs.temperatureHead = null;
  return knobs;
}

// One knob: its URL param / attribute name, its CLI flag (`off` / `on`: a flag
// without a value that switches the knob off / on), how a string is read (null: not valid;
// `strict`: every part must be valid) and written (null: the default, not written).
const FIELDS = [
  { key: 'scale', param: 'scale', flag: '--no-scale', off: true,
    read: (s) => !/^(0|false|off|no)$/i.test(s.trim()), write: (v) => (v ? null : '0') },
  { key: 'causal', param: 'causal', flag: '--no-causal', off: true,
    read: (s) => !/^(0|false|off|no)$/i.test(s.trim()), write: (v) => (v ? null : '0') },
  { key: 'temperature', param: 'temperature', flag: '--temperature', usage: 'X', what: 'a positive number',
    read: (s) => { const t = Number(s); return s.trim() !== '' && Number.isFinite(t) && t > 0 ? t : null; },
    write: (v) => (v === 1 ? null : String(v)) },
  { key: 'temperatureHead', param: 'temperature-head', flag: '--temperature-head', usage: 'L.H', what: 'a head L.H',
    read: (s) => (HEAD_RE.test(s.trim()) ? s.trim() : null), write: (v) => v || null },
  { key: 'ablate', param: 'ablate', flag: '--ablate', usage: 'L.H,L.H', what: 'heads L.H,L.H',
    read: (s, strict) => {
      const parts = s.split(',').map((x) => x.trim());
      const heads = parts.filter((x) => HEAD_RE.test(x));
      return strict && heads.length !== parts.length ? null : sortHeads(heads);
    },
    write: (v) => (v.length ? v.join(',') : null) },
  { key: 'ablation', param: 'ablation', flag: '--ablation', oldFlag: '--ablate-mode', usage: 'zero|mean', what: 'zero or mean',
    read: (s) => (s === 'zero' || s === 'mean' ? s : null), write: (v) => (v === 'zero' ? null : v) },
  // a limit of the command line only (the page and the element show the model's whole context)
  { key: 'maxTokens', param: null, flag: '--max-tokens', usage: 'N', what: 'a positive integer',
    read: (s) => (/^\d+$/.test(s.trim()) && Number(s) >= 1 ? Number(s) : null), write: () => null },
  // the command line only: leave out the special tokens the tokenizer adds ([CLS] ... [SEP], <s>)
  { key: 'special', param: null, flag: '--no-special', off: true, read: () => false, write: () => null },
  // value-weighted attention ||alpha v W_O|| (value_weighted): the views draw it, the CLI prints it
  { key: 'valueWeighted', param: 'value-weighted', flag: '--value-weighted', on: true,
    read: (s) => !/^(0|false|off|no)$/i.test(s.trim()), write: (v) => (v ? '1' : null) },
];
const PARAM_FIELDS = FIELDS.filter((f) => f.param);

// The URL params / element attributes the knobs use.
export const KNOB_PARAMS = PARAM_FIELDS.map((f) => f.param);

// State of `fields` from a getter of string values, over the defaults in `k`.
function fromParams(fields, k, get) {
  for (const f of fields) {
    const s = get(f.param);
    if (s === null || s === undefined || (f.key === 'ablate' && !s)) continue;
    const v = f.read(s, false);
    if (v !== null) k[f.key] = v;
  }
  return k;
}

// [param, value] pairs of `fields` that differ from the defaults.
function toParams(fields, k) {
  const out = [];
  for (const f of fields) {
    const v = f.write(k[f.key]);
    if (v !== null) out.push([f.param, v]);
  }
  return out;
}

// Knobs from a getter of string values (URLSearchParams.get or getAttribute).
export const knobsFromParams = (get) => fromParams(PARAM_FIELDS, defaultKnobs(), get);

// [param, value] pairs of the knobs that differ from the defaults.
export const knobParams = (k) => toParams(PARAM_FIELDS, k);

// Knobs -> the module's run options.
export function knobOptions(k) {
  const o = { causal: k.causal, scale: k.scale };
  if (k.temperature !== 1) {
    o.temperature = k.temperature; // one head, or every head when no head is named
    if (k.temperatureHead) o.temperature_head = k.temperatureHead;
  }
  if (k.ablate.length) {
    o.ablate = k.ablate.join(',');
    o.ablation = k.ablation;
  }
  if (k.maxTokens) o.max_tokens = k.maxTokens;
  if (k.special === false) o.special = false;
  if (k.valueWeighted) o.value_weighted = true;
  return o;
}

// The CLI's knob flags, for its usage line.
export const KNOB_FLAGS_USAGE = FIELDS.map((f) => (f.off || f.on ? `[${f.flag}]` : `[${f.flag} ${f.usage}]`)).join(' ');

// A command-line knob flag: null when `flag` is not one; else whether it takes a
// value and apply(knobs, value), which throws an Error naming the flag and the value.
export const knobFlag = (flag) => flagOf(FIELDS, flag);

function flagOf(fields, flag) {
  const f = fields.find((x) => x.flag === flag || x.oldFlag === flag); // (oldFlag: an older spelling)
  if (!f) return null;
  return {
    takesValue: !f.off && !f.on,
    apply(k, value) {
      if (f.off || f.on) { k[f.key] = !!f.on; return; }
      const v = f.read(value, true);
      if (v === null) throw new Error(`${flag} must be ${f.what}, not "${value}"`);
      k[f.key] = v;
    },
  };
}

// ---------------------------------------------------------------- sampling (generation)
export const DEFAULT_SAMPLING = Object.freeze({ maxNew: 16, sampleTemperature: 0, topK: 0, topP: 1, seed: 0 });
export const defaultSampling = () => ({ ...DEFAULT_SAMPLING });

const wholeIn = (lo, hi) => (s) => (/^\d+$/.test(s.trim()) && Number(s) >= lo && Number(s) <= hi ? Number(s) : null);
const numberIf = (ok) => (s) => { const x = Number(s); return s.trim() !== '' && Number.isFinite(x) && ok(x) ? x : null; };
const unlessDefault = (key) => (v) => (v === DEFAULT_SAMPLING[key] ? null : String(v));

const SAMPLING_FIELDS = [
  { key: 'maxNew', param: 'max-new', flag: '--max-new', usage: 'N', what: 'a whole number of tokens, 1 or more',
    option: 'max_new', read: wholeIn(1, 1e6), write: unlessDefault('maxNew') },
  { key: 'sampleTemperature', param: 'sample-temperature', flag: '--sample-temperature', usage: 'X',
    what: '0 (greedy) or a positive number', option: 'sample_temperature', read: numberIf((x) => x >= 0 && x <= 1e6),
    write: unlessDefault('sampleTemperature') },
  { key: 'topK', param: 'top-k', flag: '--top-k', usage: 'K', what: 'a non-negative integer (0: all tokens)',
    option: 'top_k', read: wholeIn(0, 1e9), write: unlessDefault('topK') },
  { key: 'topP', param: 'top-p', flag: '--top-p', usage: 'P', what: 'a number in (0, 1]', option: 'top_p',
    read: numberIf((x) => x > 0 && x <= 1), write: unlessDefault('topP') },
  { key: 'seed', param: 'seed', flag: '--seed', usage: 'S', what: 'an integer in [0, 2^53)', option: 'seed',
    read: wholeIn(0, Number.MAX_SAFE_INTEGER), write: unlessDefault('seed') },
];

// The URL params / element attributes of the sampling knobs.
export const SAMPLING_PARAMS = SAMPLING_FIELDS.map((f) => f.param);

export const samplingFromParams = (get) => fromParams(SAMPLING_FIELDS, defaultSampling(), get);
export const samplingParams = (s) => toParams(SAMPLING_FIELDS, s);
export const samplingFlag = (flag) => flagOf(SAMPLING_FIELDS, flag);
export const SAMPLING_FLAGS_USAGE = SAMPLING_FIELDS.map((f) => `[${f.flag} ${f.usage}]`).join(' ');

// Sampling state -> the module's sampling options (generate.hpp's JSON keys).
export function samplingOptions(s) {
  const o = {};
  for (const f of SAMPLING_FIELDS) o[f.option] = s[f.key];
  return o;
}

// Whether the sampling knobs draw at random (else greedy, and the seed does not matter).
export const isSampling = (s) => s.sampleTemperature > 0;
