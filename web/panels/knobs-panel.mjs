// web/panels/knobs-panel.mjs — the "Knobs" panel: the 1/√d_k and causal-mask
// switches, value-weighted drawing (alpha ||v W_O||), the softmax temperature and its head, the heads switched off (a
// checkbox per head, zero or mean replacement), the reset button, and the
// one-line summary of the knobs in use. Setting a knob re-runs the model.
// Knobs that do not apply to the model (web/model-family.mjs knobReasons: the
// causal mask and head ranking for encoders) are disabled with their reason
// shown next to them.
import { defaultKnobs } from '../knobs.mjs';
import { knobReasons } from '../model-family.mjs';

export function knobsPanel(page) {
  const { $, state, ctl } = page;
  const ui = {
    details: $('knobs'), scale: $('knob-scale'), causal: $('knob-causal'), vw: $('knob-vw'), temp: $('knob-temp'),
    tempValue: $('knob-temp-value'), tempHead: $('knob-temp-head'), ablation: $('knob-ablation'),
    ablateList: $('ablate-list'), ablateClear: $('ablate-clear'), reset: $('knobs-reset'), summary: $('knob-summary'),
    causalReason: $('knob-causal-reason'), rankGo: $('rank-go'), rankN: $('rank-n'), rankReason: $('rank-reason'),
  };
  let reasons = {};

  function set(patch, { run = true } = {}) {
    Object.assign(state.knobs, patch);
    show();
    page.url.sync();
    if (run) {
      ctl.invalidate('all');
      page.requestRun({ immediate: true });
    }
  }

  // The temperature head list and one checkbox per head, for a model of L x H heads.
  function buildLists(L, H) {
    const heads = [];
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) heads.push([l, h]);
    ui.tempHead.replaceChildren(new Option('all heads', ''), ...heads.map(([l, h]) => new Option(`L${l} H${h}`, `${l}.${h}`)));
    ui.ablateList.replaceChildren();
    for (let l = 0; l < L; l++) {
      const row = document.createElement('div');
      row.className = 'ablate-row';
      const lab = document.createElement('span');
      lab.className = 'ablate-layer muted';
      lab.textContent = `L${l}`;
      row.append(lab);
      for (let h = 0; h < H; h++) {
        const label = document.createElement('label');
        label.className = 'ablate-box';
        const cb = document.createElement('input');
        cb.type = 'checkbox';
        cb.value = `${l}.${h}`;
        cb.setAttribute('aria-label', `switch off layer ${l} head ${h}`);
        label.title = `layer ${l}, head ${h}`;
        label.append(cb, document.createTextNode(`H${h}`));
        row.append(label);
      }
      ui.ablateList.append(row);
    }
  }

  // Disable the knobs that do not apply to the model (info), each with its reason;
  // an encoder's causal knob stays on (the module ignores it: there is no mask).
  function applyModel(info) {
    reasons = knobReasons(info);
    const off = (input, reasonEl, reason) => {
      input.disabled = !!reason;
      input.closest('label, .knob-row').classList.toggle('not-applicable', !!reason);
      reasonEl.hidden = !reason;
      reasonEl.textContent = reason ? `Not for this model: ${reason}.` : '';
    };
    off(ui.causal, ui.causalReason, reasons.causal);
    off(ui.rankGo, ui.rankReason, reasons.rank);
    ui.rankN.disabled = !!reasons.rank;
    if (reasons.causal && !state.knobs.causal) state.knobs.causal = true;
  }

  // The knobs that do not apply to the model on screen: {knob: reason}.
  const notApplicable = () => reasons;

  // The controls and the summary from state.knobs.
  function show() {
    const k = state.knobs;
    ui.scale.checked = k.scale;
    ui.causal.checked = k.causal;
    ui.vw.checked = !!k.valueWeighted;
    ui.temp.value = String(Math.log2(k.temperature));
    ui.tempValue.textContent = k.temperature.toFixed(2);
    ui.tempHead.value = k.temperatureHead || '';
    ui.ablation.value = k.ablation;
    for (const cb of ui.ablateList.querySelectorAll('input')) cb.checked = k.ablate.includes(cb.value);
    const parts = [];
    if (!k.scale) parts.push('no 1/√dk');
    if (!k.causal) parts.push('no causal mask');
    if (k.valueWeighted) parts.push('value-weighted');
    if (k.temperature !== 1) parts.push(`temperature ${k.temperature.toFixed(2)} on ${k.temperatureHead ? `L${k.temperatureHead.replace('.', ' H')}` : 'every head'}`);
    if (k.ablate.length) parts.push(`${k.ablate.length} head${k.ablate.length === 1 ? '' : 's'} off`);
    ui.summary.textContent = parts.length ? `· ${parts.join(' · ')}` : '';
    if (parts.length) ui.details.open = true;
  }

  ui.scale.addEventListener('change', () => set({ scale: ui.scale.checked }));
  ui.causal.addEventListener('change', () => set({ causal: ui.causal.checked }));
  ui.vw.addEventListener('change', () => set({ valueWeighted: ui.vw.checked }));
  // the temperature goes to the focused head, unless the reader chose one (or "all heads") in the list
  let tempAllHeads = false;
  let tempHeadChosen = false;
  ui.temp.addEventListener('input', () => {
    const t = Math.round(2 ** Number(ui.temp.value) * 100) / 100;
    ui.tempValue.textContent = t.toFixed(2);
    const head = state.knobs.temperatureHead || (tempAllHeads ? null : `${state.layer}.${state.head}`);
    set({ temperature: t, temperatureHead: t === 1 && !tempAllHeads && !tempHeadChosen ? null : head });
  });
  ui.tempHead.addEventListener('change', () => {
    tempAllHeads = !ui.tempHead.value;
    tempHeadChosen = !!ui.tempHead.value;
    set({ temperatureHead: ui.tempHead.value || null });
  });
  ui.ablation.addEventListener('change', () => set({ ablation: ui.ablation.value }));
  ui.ablateList.addEventListener('change', () => {
    set({ ablate: [...ui.ablateList.querySelectorAll('input:checked')].map((c) => c.value) });
  });
  ui.ablateClear.addEventListener('click', () => set({ ablate: [] }));
  ui.reset.addEventListener('click', () => set(defaultKnobs()));
  ctl.onAblate = (ablate) => set({ ablate });
  ctl.onValueWeighted = (valueWeighted) => set({ valueWeighted });

  return { set, show, buildLists, applyModel, notApplicable };
}
