// web/panels/loss.mjs — the loss line of the knobs panel: the text's mean
// next-token loss without the knobs and, when knobs are set, with them. The
// loss of the run on screen comes from that run's own logits (the worker's
// 'loss', no second forward pass); only the loss without knobs, when knobs are
// set, needs a pass of its own (a 'score', cached per model and text).
// Encoders predict no next token: the line says so.
import { DEFAULT_KNOBS, knobsEqual } from '../knobs.mjs';

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
    if (model.info.causal === false) {
      line.textContent = 'No next-token loss: this model reads the text both ways (it fills in masked tokens).';
      return;
    }
    if (r.T < 2) {
      line.textContent = '';
      return;
    }
    const knobbed = !knobsEqual(state.knobs, DEFAULT_KNOBS);
    try {
      const ofRun = await page.ctl.client.loss(page.ctl.channel, r.workerRunId); // this run's own logits
      if (!ofRun) return; // a newer run replaced it
      const key = `${model.key}\n${text}`;
      if (!knobbed) baseLoss.set(key, ofRun);
      else if (!baseLoss.has(key)) baseLoss.set(key, await client.score(model.key, text, {}));
      if (baseLoss.size > 50) baseLoss.delete(baseLoss.keys().next().value);
      const base = baseLoss.get(key);
      const withK = ofRun;
      if (mine !== seq || !base) return;
      if (!knobbed) {
        line.textContent = `Loss on this text: ${fmt(base)} nats per token (${base.tokens} tokens; nats: the natural log of how surprised the model is by each next token, lower is better).`;
      } else {
        const d = withK.mean_nll - base.mean_nll;
        line.textContent = `Loss on this text: ${fmt(base)} → ${fmt(withK)} nats per token with the knobs (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}).`;
      }
      line.dataset.base = String(base.mean_nll);
      line.dataset.knobs = String(withK.mean_nll);
      line.dataset.text = text; // the text these numbers are of (tests)
      line.dataset.run = String(r.id); // the run on screen these numbers are of (tests)
    } catch (e) {
      if (mine === seq) line.textContent = `Loss: ${e.message}`;
    }
  }
  const clear = () => { line.textContent = ''; };
  return { update, clear };
}
