// web/model-family.mjs — what the page and the element say and allow for each
// model family (state.model.info from the wasm module: family, n_head,
// n_kv_head, causal, has_predictions, mask_token): the family's name and the
// model's shape for the header, which query heads share a key/value head
// (grouped-query attention), the knobs that do not apply with their one-line
// reasons, and the masked-token edit of a text for encoders.

const FAMILY_NAMES = { gpt2: 'GPT-2', llama: 'Llama-style', gpt_neox: 'GPT-NeoX', bert: 'BERT-style' };

export const familyName = (info) => FAMILY_NAMES[info.family] || info.family || 'GPT-2';

// Encoders read the text both ways: no causal mask, masked-token predictions.
export const isEncoder = (info) => !!info && info.causal === false;

// How the module keeps the weights, from the model info's `weights`:
// "weights 16-bit (BF16 as stored) · 270 MB (F32: 540 MB)", and for compacted
// F32 weights how much rounding changed them.
export function describeWeights(info) {
  const w = info.weights;
  if (!w) return '';
  const mb = (n) => (n < 1048576 ? `${(n / 1024).toFixed(0)} kB` : `${Math.round(n / 1048576).toLocaleString('en')} MB`);
  const size = w.f32_bytes > w.bytes ? `${mb(w.bytes)} (as F32: ${mb(w.f32_bytes)})` : mb(w.bytes);
  if (w.arrays_compacted > 0)
    return `weights rounded from F32 to 16 bits · ${size} · rounding changed each matrix by at most ${w.compact_max_rel_error.toExponential(1)} of its norm`;
  if (w.arrays_16bit > 0) return `weights kept 16-bit as stored · ${size}`;
  return `weights F32 · ${size}`;
}

// "Llama-style · 2 layers × 6 heads, 2 key/value heads"
export function describeFamilyShape(info) {
  const kv = kvGroupSize(info) > 1 ? `, ${info.n_kv_head} key/value head${info.n_kv_head === 1 ? '' : 's'}` : '';
  return `${familyName(info)} · ${info.n_layer} layers × ${info.n_head} heads${kv}`;
}

// Query heads per key/value head (1: every head has its own).
export function kvGroupSize(info) {
  const kv = info.n_kv_head || info.n_head;
  return kv > 0 && kv < info.n_head ? info.n_head / kv : 1;
}

// The key/value head query head h reads: floor(h / (n_head / n_kv_head)).
export const kvHeadOf = (info, h) => Math.floor(h / kvGroupSize(info));

// The query heads that share head h's key/value head: [first, last].
export function kvGroupHeads(info, h) {
  const g = kvGroupSize(info);
  const first = kvHeadOf(info, h) * g;
  return [first, first + g - 1];
}

// "shares its keys and values with heads 0–2 (key/value head 0)", or '' when heads do not share.
export function kvShareText(info, h) {
  if (kvGroupSize(info) === 1) return '';
  const [a, b] = kvGroupHeads(info, h);
  return `shares its keys and values with heads ${a}–${b} (key/value head ${kvHeadOf(info, h)})`;
}

// The knobs that do not apply to this model: {knob: one-line reason}.
export function knobReasons(info) {
  if (!isEncoder(info)) return {};
  return {
    causal: 'reads the text both ways: there is no mask to switch off',
    rank: 'it ranks heads by next-token loss, which an encoder does not have',
  };
}

// The text with token `pos` of run `r` replaced by the model's mask token
// (null when the model has none). The tokens are the text's pieces in order,
// so the token's place in the text is the length of the tokens before it.
export function maskTokenInText(text, r, pos, info) {
  const mask = info.mask_token;
  if (!mask || pos < 0 || pos >= r.T) return null;
  const before = r.tokens.slice(0, pos).join('');
  const tok = r.tokens[pos];
  if (text.startsWith(before + tok)) return before + mask + text.slice(before.length + tok.length);
  // tokens that do not spell the text (normalised or partial characters): spell it from the tokens
  return r.tokens.map((t, i) => (i === pos ? mask : t)).join('');
}

// Whether run result `r` used the causal mask: the module says (false for
// encoders, and for decoders with the causal knob off); older results: the knob.
export const runIsCausal = (r) => (typeof r.causal === 'boolean' ? r.causal : !r.options || r.options.causal !== false);
