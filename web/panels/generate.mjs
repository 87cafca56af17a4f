// web/panels/generate.mjs — "Continue" and its replay, for the page and for
// <headscope-view generate>: the sampling knobs (web/knobs.mjs's second grammar:
// tokens, temperature, top-k, top-p, seed), Continue / Stop (the controller's
// continueText: one worker request per token, prefix reuse, each token drawn as
// it comes), and a slider over the generated tokens that pins the query row that
// produced each one. The generated text joins the host's text box; `generated`
// (how many trailing tokens were generated) and the pinned row are the state a
// link keeps. Encoders do not continue text: the panel says so and hides its controls.
import { h } from '../views/markup.mjs';
import { defaultSampling, isSampling, samplingOptions } from '../knobs.mjs';
import { isEncoder } from '../model-family.mjs';
import { tokenLabel } from '../tokens.mjs';

const ENCODER_REASON = 'an encoder reads the text both ways and does not continue it: fill a masked token instead ' +
  '(click a token in the strip)';

// host: {text(t, {final}) the text grew (final: generation ended: run it, a promise of that run),
//        changed() state to keep (URL / attributes), failed(message)}
export function generatePanel(ctl, host) {
  const num = (cls, label, attrs) => {
    const input = h('input', { type: 'number', class: `num ${cls}`, ...attrs });
    return [h('label', { class: 'field' }, h('span', { text: label }), input), input];
  };
  const [maxNewField, maxNew] = num('gen-max-new', 'tokens', { min: '1', max: '1000', step: '1' });
  const [tempField, temp] = num('gen-temperature', 'temperature', { min: '0', step: '0.1', title: '0: greedy (the most likely token)' });
  const [topKField, topK] = num('gen-top-k', 'top-k', { min: '0', step: '1', title: '0: every token' });
  const [topPField, topP] = num('gen-top-p', 'top-p', { min: '0.01', max: '1', step: '0.05' });
  const [seedField, seed] = num('gen-seed', 'seed', { min: '0', step: '1' });
  const go = h('button', { type: 'button', class: 'btn small gen-continue', text: 'Continue ▸' });
  const stop = h('button', { type: 'button', class: 'btn small gen-stop', hidden: true, text: 'Stop' });
  const mode = h('span', { class: 'gen-mode muted' });
  const status = h('p', { class: 'gen-status hint muted', role: 'status', 'aria-live': 'polite' });
  const slider = h('input', { type: 'range', class: 'gen-replay', min: '1', max: '1', step: '1', value: '1',
    'aria-label': 'Replay the generated tokens' });
  const replayText = h('output', { class: 'gen-replay-text' });
  const replay = h('div', { class: 'gen-replay-row', hidden: true },
    h('label', { class: 'field' }, h('span', { text: 'Replay' }), slider), replayText,
    h('p', { class: 'hint muted', text: 'A causal model\'s row t does not depend on later tokens: it is exactly what ' +
      'the model attended to when it produced token t + 1.' }));
  const reason = h('p', { class: 'knob-reason gen-reason', hidden: true });
  const controls = h('div', { class: 'knob-row gen-controls' }, maxNewField, tempField, topKField, topPField, seedField,
    go, stop, mode);
  const el = h('div', { class: 'gen-panel' }, controls, reason, status, replay);

  let sampling = defaultSampling();
  let generated = 0;         // trailing tokens of the text that were generated
  let running = null;        // the continueText in progress
  let settle = null;         // {promptT, steps}: the re-run of the final text, to count its generated tokens
  let encoder = false;

  function showSampling() {
    maxNew.value = String(sampling.maxNew);
    temp.value = String(sampling.sampleTemperature);
    topK.value = String(sampling.topK);
    topP.value = String(sampling.topP);
    seed.value = String(sampling.seed);
    const on = isSampling(sampling);
    for (const f of [topKField, topPField, seedField]) f.classList.toggle('not-applicable', !on);
    mode.textContent = on ? 'sampling' : 'greedy (temperature 0)';
  }

  function readSampling() {
    const n = (input, lo, hi, whole, fallback) => {
      const x = Number(input.value);
      return input.value.trim() !== '' && Number.isFinite(x) && x >= lo && x <= hi && (!whole || Number.isInteger(x)) ? x : fallback;
    };
    const d = defaultSampling();
    sampling = {
      maxNew: n(maxNew, 1, 1000, true, d.maxNew), sampleTemperature: n(temp, 0, 1e6, false, d.sampleTemperature),
      topK: n(topK, 0, 1e9, true, d.topK), topP: n(topP, 1e-9, 1, false, d.topP), seed: n(seed, 0, Number.MAX_SAFE_INTEGER, true, d.seed),
    };
    showSampling();
    host.changed();
  }
  for (const input of [maxNew, temp, topK, topP, seed]) input.addEventListener('change', readSampling);

  // The replay slider from the run on screen and the pinned row: position k of the generated
  // tokens is token T - generated + k - 1, produced by the row before it.
  function showReplay() {
    const r = ctl.state.result;
    const n = r ? Math.min(generated, r.T - 1) : 0;
    replay.hidden = encoder || n < 1;
    ctl.state.replayNote = null; // what an exported picture says of the replay
    if (replay.hidden) return;
    const first = r.T - n; // the first generated token
    slider.max = String(n);
    const pin = ctl.state.pinPos;
    const k = pin !== null && pin >= first - 1 && pin <= r.T - 2 ? pin - first + 2 : null;
    slider.value = String(k || n);
    if (k === null) {
      replayText.textContent = `${n} generated token${n === 1 ? '' : 's'}: move the slider to see what each attended to`;
      return;
    }
    const p = first + k - 1;
    replayText.textContent = `token ${k} of ${n}, “${tokenLabel(r.tokens[p])}”, came from row ${p - 1} (“${tokenLabel(r.tokens[p - 1])}”)`;
    ctl.state.replayNote = `generated token ${k} of ${n} (#${p}), from row #${p - 1}`;
  }

  function replayTo(k) {
    const r = ctl.state.result;
    if (!r || generated < 1) return;
    const n = Math.min(generated, r.T - 1);
    const row = r.T - n + Math.max(1, Math.min(n, k)) - 2;
    ctl.state.pinPos = row;
    ctl.state.queryPos = row;
    showReplay();
    ctl.invalidate('all');
    host.changed();
  }
  slider.addEventListener('input', () => replayTo(Number(slider.value)));

  function setRunning(on) {
    go.hidden = on;
    stop.hidden = !on;
    for (const input of [maxNew, temp, topK, topP, seed]) input.disabled = on;
  }

  async function continueText() {
    if (running || encoder || !ctl.state.result) return;
    // the text typed since the run on screen (a run still waiting for a pause in typing) goes first
    if (ctl.state.result.text !== ctl.text) {
      running = { stop: () => {} }; // (no second Continue meanwhile)
      const drawn = await ctl.run({ immediate: true }).catch(() => null);
      running = null;
      if (!drawn) return;
    }
    const start = ctl.state.result;
    const before = generated;
    const base = start.T;
    running = ctl.continueText(samplingOptions(sampling), {
      onStep: (g) => {
        generated = before + g.step + 1;
        showReplay();
        status.textContent = `generating… ${g.step + 1} of ${sampling.maxNew}: “${tokenLabel(g.token)}” (p = ${g.prob.toFixed(3)})`;
        host.text(ctl.text, { final: false });
      },
    });
    setRunning(true);
    try {
      const out = await running.done;
      const n = out.steps.length;
      status.textContent = `${n} token${n === 1 ? '' : 's'} generated (${isSampling(sampling) ? `sampled, seed ${sampling.seed}` : 'greedy'}): ${out.because}.`;
      if (n && out.stopped !== 'replaced') {
        settle = { promptT: base - before, steps: base + n };
        await host.text(ctl.text, { final: true });
      }
    } catch (e) {
      status.textContent = '';
      host.failed(`Could not continue the text: ${e.message}`);
    } finally {
      running = null;
      setRunning(false);
      host.changed();
    }
  }
  go.addEventListener('click', continueText);
  stop.addEventListener('click', () => { if (running) running.stop(); });

  // A new result on screen. After a generation the host re-runs the final text: its tokens
  // after the prompt are the generated ones (said when the text re-tokenizes differently).
  function update(r) {
    if (settle && !running && r.T) {
      generated = Math.max(0, r.T - settle.promptT);
      if (r.T !== settle.steps) status.textContent += ` The text re-tokenizes into ${r.T} tokens (${settle.steps} were generated): the views show the text's own.`;
      settle = null;
      host.changed();
    }
    showReplay();
  }

  function applyModel(info) {
    encoder = isEncoder(info);
    controls.hidden = encoder;
    reason.hidden = !encoder;
    reason.textContent = encoder ? `Not for this model: ${ENCODER_REASON}.` : '';
    if (encoder) generated = 0;
    showReplay();
  }

  showSampling();
  return {
    el,
    update,
    applyModel,
    replayTo,
    continueText,
    stop: () => { if (running) running.stop(); },
    get running() { return !!running; },
    get sampling() { return { ...sampling }; },
    set sampling(s) { sampling = { ...defaultSampling(), ...s }; showSampling(); },
    get generated() { return generated; },
    set generated(n) { generated = Math.max(0, n | 0); showReplay(); },
    // the text was edited by hand: nothing in it counts as generated any more
    forget() { generated = 0; settle = null; showReplay(); },
  };
}
