// web/panels/loss.mjs — the loss line of the knobs panel: the text's mean
// next-token loss without the knobs and, when knobs are set, with them
// (scoreJson in the worker; the loss without knobs is cached per model and text).
import { DEFAULT_KNOBS, knobsEqual, knobOptions } from '../knobs.mjs';

export function lossPanel(page) {
  const { $, client, state } = page;
  const line = $('loss');
  let seq = 0;
  const baseLoss = new Map(); // `${model key}\n${text}` -> score without knobs
  const fmt = (x) => x.mean_nll.toFixed(3);

  async function update(r) {
    const mine = ++seq;
    const model = state.model;
    const text = r.text;
    const knobbed = !knobsEqual(state.knobs, DEFAULT_KNOBS);
    try {
      const key = `${model.key}\n${text}`;
      if (!baseLoss.has(key)) {
        if (baseLoss.size > 50) baseLoss.clear();
        baseLoss.set(key, await client.score(model.key, text, {}));
      }
      const base = baseLoss.get(key);
      const withK = knobbed ? await client.score(model.key, text, knobOptions(state.knobs)) : base;
      if (mine !== seq || !base) return;
      if (!knobbed) {
        line.textContent = `Loss on this text: ${fmt(base)} nats per token (${base.tokens} tokens).`;
      } else {
        const d = withK.mean_nll - base.mean_nll;
        line.textContent = `Loss on this text: ${fmt(base)} → ${fmt(withK)} nats per token with the knobs (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}).`;
      }
      line.dataset.base = String(base.mean_nll);
      line.dataset.knobs = String(withK.mean_nll);
    } catch (e) {
      if (mine === seq) line.textContent = `Loss: ${e.message}`;
    }
  }
  const clear = () => { line.textContent = ''; };
  return { update, clear };
}
