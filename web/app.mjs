// web/app.mjs — Headscope's page: layout and tabs, the model picker, the knobs
// panel, the head-roles table, the URL hash (every state field; replaceState, no
// history spam), links, embed code and exports. The views, the runs and the
// redraw loop live in a Controller (web/controller.mjs) over this document; the
// wasm module lives in the shared worker (web/client.mjs -> web/worker.mjs).
// After every redraw #app gets data-state="rendered", a bubbling
// `headscope:rendered` event fires and a `headscope:rendered` performance mark is
// set; window.headscope is the test hook.
import { drawLegend } from './colormap.mjs';
import { sharedClient } from './client.mjs';
import { Controller, DEFAULT_KNOBS, knobsEqual, knobOptions, sortHeads } from './controller.mjs';
import { parseHash, formatHash, escapeAttr } from './state-hash.mjs';
import { ROLE_INFO } from './views/grid.mjs';
import { buildScene, sceneToSvg, sceneToCanvas, exportName, download } from './export.mjs';
import { computeTagRelations, TAG_RELATION_HELP } from './pos-roles.mjs';

const $ = (id) => document.getElementById(id);
const root = $('app');
const ui = {
  text: $('text'), status: $('status'), progress: $('progress'), modelInfo: $('model-info'),
  notice: $('notice'), error: $('error'), empty: $('empty'), modelSelect: $('model-select'),
  openModel: $('open-model'), modelFiles: $('model-files'), theme: $('theme-toggle'),
  layer: $('layer-select'), head: $('head-select'), scale: $('scale-select'), legend: $('legend'),
  tooltip: $('tooltip'), drop: $('drop-overlay'), views: document.querySelector('.views'),
  knobs: $('knobs'), kScale: $('knob-scale'), kCausal: $('knob-causal'), kTemp: $('knob-temp'),
  kTempValue: $('knob-temp-value'), kTempHead: $('knob-temp-head'), kAblation: $('knob-ablation'),
  ablateList: $('ablate-list'), ablateClear: $('ablate-clear'), pruneN: $('prune-n'), pruneGo: $('prune-go'),
  pruneCancel: $('prune-cancel'), pruneProgress: $('prune-progress'), pruneStatus: $('prune-status'),
  loss: $('loss'), knobsReset: $('knobs-reset'), knobSummary: $('knob-summary'),
  copyLink: $('copy-link'), copyEmbed: $('copy-embed'), exportPng: $('export-png'), exportSvg: $('export-svg'),
  shareOut: $('share-out'), shareText: $('share-text'), shareLabel: $('share-label'), shareStatus: $('share-status'),
  rolesSource: $('roles-source'), rolesTable: $('roles-table'), roleDefs: $('role-defs'), roleLegend: $('role-legend'),
};

const client = sharedClient();
let view = 'grid';
let bundled = [];
let loadSeq = 0; // the model load in progress
let firstRender = true;

// ---------------------------------------------------------------- layout
const layouts = [
  { name: 'xwide', query: matchMedia('(min-width: 1560px)'), pinned: ['grid', 'next'], tabs: ['head', 'matrix', 'inside'] },
  { name: 'wide', query: matchMedia('(min-width: 1040px)'), pinned: ['grid'], tabs: ['head', 'matrix', 'inside', 'next'] },
  { name: 'narrow', query: null, pinned: [], tabs: ['grid', 'head', 'matrix', 'inside', 'next'] },
];
const layout = () => layouts.find((l) => !l.query || l.query.matches);
function visibleViews() {
  const l = layout();
  const active = l.tabs.includes(view) ? view : l.tabs[0];
  return { layout: l, active, visible: [...l.pinned, active] };
}

const ctl = new Controller({
  root,
  sections: { grid: $('view-grid'), head: $('view-head'), matrix: $('view-matrix'), next: $('view-next'), inside: $('view-inside') },
  strip: $('tokens'),
  tooltip: ui.tooltip,
  client,
  hooks: {
    visible: () => visibleViews().visible,
    running: () => setState('running'),
    result: onResult,
    rendered,
    failed: showError,
    selected: ({ openHead }) => {
      ui.layer.value = String(ctl.state.layer);
      ui.head.value = String(ctl.state.head);
      markCurrentRoleRow();
      if (openHead && layout().name === 'narrow') setView('head');
      syncHash();
    },
    changed: syncHash,
    drawn: () => drawLegend(ui.legend, ctl.state.scale),
  },
});
ctl.onToggleAblate = (l, h) => {
  const k = ctl.state.knobs;
  const id = `${l}.${h}`;
  setKnobs({ ablate: k.ablate.includes(id) ? k.ablate.filter((x) => x !== id) : sortHeads([...k.ablate, id]) });
};
const state = ctl.state;

function applyLayout() {
  const { layout: l, active, visible } = visibleViews();
  ui.views.dataset.layout = l.name;
  root.dataset.view = active;
  for (const tab of document.querySelectorAll('.tab')) {
    const name = tab.dataset.tab;
    tab.hidden = !l.tabs.includes(name);
    tab.setAttribute('aria-selected', String(name === active));
    tab.tabIndex = name === active ? 0 : -1;
  }
  for (const [name, v] of Object.entries(ctl.views)) v.section.hidden = !visible.includes(name) || !state.result;
}

function setView(name) {
  view = name;
  applyLayout();
  syncHash();
  // the inside panel needs the run's intermediate arrays
  const r = state.result;
  if (r && visibleViews().visible.includes('inside') && !r.qkv) ctl.run({ immediate: true });
  ctl.invalidate('all');
}

// ---------------------------------------------------------------- theme
const darkQuery = matchMedia('(prefers-color-scheme: dark)');
function currentTheme() {
  return document.documentElement.dataset.theme || (darkQuery.matches ? 'dark' : 'light');
}
function applyTheme(theme, save) {
  document.documentElement.dataset.theme = theme;
  if (save) try { localStorage.setItem('headscope-theme', theme); } catch { /* private mode */ }
  ui.theme.setAttribute('aria-pressed', String(theme === 'dark'));
  ui.theme.textContent = theme === 'dark' ? '☀' : '☾';
  ctl.refreshColors();
  syncHash();
}

// ---------------------------------------------------------------- status
function setState(s) { root.dataset.state = s; }
function setStatus(text) { ui.status.textContent = text; }
function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = false;
  setState('error');
  root.dispatchEvent(new CustomEvent('headscope:error', { bubbles: true, detail: { message } }));
}
function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
}
const mb = (n) => `${(n / 1048576).toFixed(n < 10485760 ? 1 : 0)} MB`;

function onResult(msg) {
  clearError();
  ui.empty.hidden = true;
  if (msg.truncated) {
    ui.notice.textContent = `Long text: only the first ${msg.T} of ${msg.n_tokens_in_text} tokens fit in this model's context (${state.model.info.n_positions}); the rest is not shown.`;
    ui.notice.hidden = false;
  } else if (msg.nonfinite) {
    ui.notice.textContent = 'This model produced non-finite numbers (NaN or ∞) for this text: the views below may be misleading.';
    ui.notice.hidden = false;
  } else {
    ui.notice.hidden = true;
  }
  setStatus(`computed in ${msg.runMs.toFixed(1)} ms`);
  applyLayout();
  renderRoles(msg);
  updateLoss(msg);
}

function rendered(r) {
  if (!r.T) {
    // empty text
    clearError();
    ui.empty.hidden = false;
    ui.notice.hidden = true;
    applyLayout();
    setStatus('Empty text: nothing to look at yet.');
    renderRoles(r); // (no roles: the table is emptied)
    ui.loss.textContent = '';
  }
  markLatest('headscope:rendered');
  startPos(); // the roles table's tag relations, if it is on screen now
  if (firstRender && r.T) {
    firstRender = false;
    performance.mark('headscope:first-render');
  }
  setState('rendered');
  root.dispatchEvent(new CustomEvent('headscope:rendered', {
    bubbles: true,
    detail: { tokens: r.tokens, n_layer: r.n_layer, n_head: r.n_head, T: r.T },
  }));
}

function requestRun(opts) {
  if (!state.model) return Promise.resolve(null);
  ctl.text = ui.text.value;
  return ctl.run(opts);
}

// ---------------------------------------------------------------- models
function describeModel(m) {
  const i = m.info;
  return `${i.n_layer} layers × ${i.n_head} heads · d=${i.n_embd} · context ${i.n_positions} · vocab ${i.vocab_size.toLocaleString('en')}`;
}
function fillSelect(select, n, label) {
  if (select.options.length === n) return;
  select.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(label(i), String(i))));
}
function onLoaded(model) {
  performance.mark('headscope:model-loaded');
  ui.progress.hidden = true;
  let value;
  if (model.source === 'file') {
    for (const o of [...ui.modelSelect.options]) if (o.value.startsWith('file:')) o.remove();
    ui.modelSelect.add(new Option(`${model.name} (your file)`, model.key));
    value = model.key;
  } else if (model.source === 'bundled') {
    value = `bundled:${model.name}`;
  } else {
    value = `url:${model.key}`;
    if (![...ui.modelSelect.options].some((o) => o.value === value)) ui.modelSelect.add(new Option(model.name, value));
  }
  ui.modelSelect.value = value;
  ui.modelSelect.dataset.current = ui.modelSelect.value;
  ctl.setModel(model);
  const { n_layer: L, n_head: H } = model.info;
  fillSelect(ui.layer, L, (i) => `L${i}`);
  fillSelect(ui.head, H, (i) => `H${i}`);
  buildKnobLists(L, H);
  showKnobs();
  ctl.select(state.layer, state.head);
  ui.modelInfo.textContent = `${model.name} · ${describeModel(model)}`;
  clearError();
  setState('ready');
  setStatus(model.timing
    ? `Model ${model.name} loaded (${mb(model.timing.bytes)}: fetched in ${model.timing.fetchMs.toFixed(0)} ms, loaded in ${model.timing.loadMs.toFixed(0)} ms).`
    : `Model ${model.name} loaded.`);
  requestRun({ immediate: true });
  syncHash();
}
function onProgress(msg) {
  ui.progress.hidden = false;
  ui.progress.max = msg.total || 1;
  ui.progress.value = msg.done;
  const pct = msg.total ? Math.round((100 * msg.done) / msg.total) : 0;
  setStatus(msg.phase === 'download' ? `Downloading model… ${mb(msg.done)} of ${mb(msg.total)}` : `Loading weights… ${pct}%`);
}
function loadFailed(seq, e) {
  if (seq !== loadSeq) return;
  ui.progress.hidden = true;
  ui.modelSelect.value = ui.modelSelect.dataset.current || '';
  showError(state.model
    ? `Could not open that model: ${e.message} — still using ${state.model.name}.`
    : `Could not open the model: ${e.message}`);
  setStatus(state.model ? `Model ${state.model.name}.` : 'No model loaded.');
}
// A model by URL (a bundled folder, or a folder path relative to this page).
function loadUrl(url, name) {
  const seq = ++loadSeq;
  setState('loading');
  setStatus(`Loading model ${name || url}…`);
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  client.load(url, { name, onProgress }).then((m) => { if (seq === loadSeq) onLoaded(m); }, (e) => loadFailed(seq, e));
}
function loadFiles(files) {
  files = [...files];
  if (!files.length) return;
  const seq = ++loadSeq;
  clearError();
  setState('loading');
  setStatus(`Opening ${files.map((f) => f.name).join(', ')}…`);
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  client.loadFiles(files, { onProgress }).then((m) => { if (seq === loadSeq) onLoaded(m); }, (e) => loadFailed(seq, e));
}
// The hash's model field: a bundled model's name, or a folder URL relative to the page.
function modelUrlFor(field) {
  const b = bundled.find((x) => x.name === field);
  if (b) return [b.url, b.name];
  if (field && field.includes('/')) return [new URL(field, location.href).href, undefined];
  return bundled.length ? [bundled[0].url, bundled[0].name] : [null];
}
function modelField() {
  const m = state.model;
  if (!m || m.source === 'file') return undefined;
  const b = bundled.find((x) => x.url === m.key);
  if (b) return b === bundled[0] ? undefined : b.name;
  return m.key;
}

// ---------------------------------------------------------------- knobs
function setKnobs(patch, { run = true } = {}) {
  Object.assign(state.knobs, patch);
  showKnobs();
  syncHash();
  if (run) {
    ctl.invalidate('all');
    requestRun({ immediate: true });
  }
}
function buildKnobLists(L, H) {
  const heads = [];
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) heads.push(`${l}.${h}`);
  ui.kTempHead.replaceChildren(new Option('all heads', ''), ...heads.map((x) => new Option(`L${x.split('.')[0]} H${x.split('.')[1]}`, x)));
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
function showKnobs() {
  const k = state.knobs;
  ui.kScale.checked = k.scale;
  ui.kCausal.checked = k.causal;
  ui.kTemp.value = String(Math.log2(k.temperature));
  ui.kTempValue.textContent = k.temperature.toFixed(2);
  ui.kTempHead.value = k.temperatureHead || '';
  ui.kAblation.value = k.ablation;
  for (const cb of ui.ablateList.querySelectorAll('input')) cb.checked = k.ablate.includes(cb.value);
  const parts = [];
  if (!k.scale) parts.push('no 1/√dk');
  if (!k.causal) parts.push('no causal mask');
  if (k.temperature !== 1) parts.push(`temperature ${k.temperature.toFixed(2)} on ${k.temperatureHead ? `L${k.temperatureHead.replace('.', ' H')}` : 'every head'}`);
  if (k.ablate.length) parts.push(`${k.ablate.length} head${k.ablate.length === 1 ? '' : 's'} off`);
  ui.knobSummary.textContent = parts.length ? `· ${parts.join(' · ')}` : '';
  if (parts.length) ui.knobs.open = true;
}

// Loss of the text without and with the knobs (scoreJson in the worker).
let lossSeq = 0;
const baseLoss = new Map(); // `${model key}\n${text}` -> score without knobs
async function updateLoss(r) {
  const seq = ++lossSeq;
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
    if (seq !== lossSeq || !base) return;
    const fmt = (x) => x.mean_nll.toFixed(3);
    if (!knobbed) {
      ui.loss.textContent = `Loss on this text: ${fmt(base)} nats per token (${base.tokens} tokens).`;
    } else {
      const d = withK.mean_nll - base.mean_nll;
      ui.loss.textContent = `Loss on this text: ${fmt(base)} → ${fmt(withK)} nats per token with the knobs (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}).`;
    }
    ui.loss.dataset.base = String(base.mean_nll);
    ui.loss.dataset.knobs = String(withK.mean_nll);
  } catch (e) {
    if (seq === lossSeq) ui.loss.textContent = `Loss: ${e.message}`;
  }
}

let prune = null;
function startPrune() {
  if (prune || !state.model || !state.result) return;
  const N = Math.max(1, Math.floor(Number(ui.pruneN.value) || 1));
  const { n_layer: L, n_head: H } = state.model.info;
  const options = knobOptions(state.knobs);
  ui.pruneGo.disabled = true;
  ui.pruneCancel.hidden = false;
  ui.pruneProgress.hidden = false;
  ui.pruneProgress.max = L * H + 1;
  ui.pruneProgress.value = 0;
  ui.pruneStatus.textContent = `Ranking ${L * H} heads…`;
  prune = client.prune(state.model.key, ui.text.value, { ...options, ablation: state.knobs.ablation }, (m) => {
    ui.pruneProgress.value = m.done;
    ui.pruneStatus.textContent = `Ranking heads… ${m.done - 1 > 0 ? m.done - 1 : 0} of ${L * H} scored`;
  });
  prune.promise.then((res) => {
    if (!res) { ui.pruneStatus.textContent = 'Ranking cancelled.'; return; }
    const order = Array.from(res.deltas, (d, i) => [d, i]).sort((a, b) => a[0] - b[0]);
    const chosen = order.slice(0, Math.min(N, L * H)).map(([, i]) => `${Math.floor(i / H)}.${i % H}`);
    ui.pruneStatus.textContent = `Least important on this text: ${order.slice(0, Math.min(N, L * H))
      .map(([d, i]) => `L${Math.floor(i / H)}H${i % H} (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)})`).join(', ')} — switched off.`;
    ui.pruneStatus.dataset.ranking = JSON.stringify(order.map(([d, i]) => [i, d]));
    setKnobs({ ablate: sortHeads(chosen) });
  }, (e) => { ui.pruneStatus.textContent = `Ranking failed: ${e.message}`; })
    .finally(() => {
      prune = null;
      ui.pruneGo.disabled = false;
      ui.pruneCancel.hidden = true;
      ui.pruneProgress.hidden = true;
    });
}

// ---------------------------------------------------------------- head roles
const ROLE_DEFS = {
  previous_token: 'mean, over every token after the first, of the weight it puts on the token just before it.',
  first_token: 'mean weight on the very first token (many heads park attention there: an “attention sink”).',
  self: 'mean weight a token puts on itself.',
  same_token: 'for tokens that appeared earlier in the text: mean weight on those earlier copies.',
  induction: 'for tokens that appeared earlier: mean weight on the token that came right after the earlier copy (“what came next last time”). High on the probe = an induction head.',
  punctuation: 'mean weight on punctuation and newline tokens.',
};
function buildRoleHelp() {
  ui.roleDefs.replaceChildren();
  for (const [name, text] of Object.entries(ROLE_DEFS)) {
    const dt = document.createElement('dt');
    const sw = document.createElement('span');
    sw.className = `role-chip role-${name}`;
    sw.textContent = ROLE_INFO[name].short;
    dt.append(sw, ` ${name}`);
    const dd = document.createElement('dd');
    dd.textContent = text;
    ui.roleDefs.append(dt, dd);
  }
  const dt = document.createElement('dt');
  dt.textContent = 'role';
  const dd = document.createElement('dd');
  dd.textContent = 'the highest score if it is at least 0.4, else “mixed”; first-token and self count only when no other score reaches 0.4. A dash: the text has no token the score applies to. Every score is a mean attention weight between 0 and 1, computed by the wasm module (src/model/head_roles.hpp).';
  ui.roleDefs.append(dt, dd);
  const pdt = document.createElement('dt');
  pdt.textContent = 'tag relation (Brown probe)';
  const pdd = document.createElement('dd');
  pdd.textContent = TAG_RELATION_HELP;
  ui.roleDefs.append(pdt, pdd);
  ui.roleLegend.replaceChildren(...Object.entries(ROLE_INFO).map(([name, info]) => {
    const s = document.createElement('span');
    s.className = `role-chip role-${name}`;
    s.textContent = info.short;
    s.title = name;
    return s;
  }));
}
// The table is built once per model (and shape); a new run only rewrites the
// cells whose text changed, so typing does not rebuild (and re-lay out) a table
// of L x H rows.
function renderRoles(r) {
  const roles = r.roles;
  const t = ui.rolesTable;
  if (!roles) {
    t.replaceChildren();
    delete t.dataset.shape;
    return;
  }
  const names = roles.text.names;
  const { n_layer: L, n_head: H } = r;
  const withPos = !!posProbeUrl(state.model);
  const shape = `${state.model.key}|${L}|${H}|${names.join(',')}|${withPos}`;
  if (t.dataset.shape !== shape) {
    buildRolesTable(names, L, H, withPos);
    t.dataset.shape = shape;
  }
  markCurrentRoleRow();
  const rows = t.tBodies[0].rows;
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const cells = rows[l * H + h].cells; // th, then per source: role + one per score
      for (const [w, which] of ['text', 'probe'].entries()) {
        const base = 1 + w * (names.length + 1);
        setRoleCell(cells[base], roles[which].roles[l][h]);
        roles[which].scores[l][h].forEach((v, k) => {
          const c = cells[base + 1 + k];
          const text = v === null ? '–' : v.toFixed(2);
          if (c.textContent !== text) c.textContent = text;
          c.classList.toggle('strong', v !== null && v >= 0.4);
        });
      }
    }
  }
}
// The focused head's row.
function markCurrentRoleRow() {
  const want = `${state.layer}.${state.head}`;
  for (const tr of ui.rolesTable.querySelectorAll('tr.current')) if (tr.dataset.head !== want) tr.classList.remove('current');
  const row = ui.rolesTable.querySelector(`tr[data-head="${want}"]`);
  if (row) row.classList.add('current');
}
function setRoleCell(rc, role) {
  if (rc.dataset.role === role) return;
  rc.dataset.role = role;
  if (ROLE_INFO[role]) {
    const chip = document.createElement('span');
    chip.className = `role-chip role-${role}`;
    chip.textContent = ROLE_INFO[role].short;
    rc.replaceChildren(chip);
  } else rc.textContent = role;
}
function buildRolesTable(names, L, H, withPos) {
  const t = ui.rolesTable;
  t.replaceChildren();
  const thead = t.createTHead();
  const h1 = thead.insertRow();
  const th = (row, text, attrs = {}) => {
    const c = document.createElement('th');
    c.textContent = text;
    for (const [k, v] of Object.entries(attrs)) c.setAttribute(k, v);
    row.append(c);
    return c;
  };
  th(h1, 'head', { rowspan: '2', scope: 'col' });
  th(h1, 'this text', { colspan: String(names.length + 1), scope: 'colgroup' });
  th(h1, 'induction probe', { colspan: String(names.length + 1), scope: 'colgroup' });
  if (withPos) th(h1, 'tag relation (Brown probe)', { rowspan: '2', scope: 'col', class: 'pos-head' });
  const h2 = thead.insertRow();
  for (let k = 0; k < 2; k++) {
    th(h2, 'role', { scope: 'col' });
    for (const n of names) th(h2, ROLE_INFO[n] ? ROLE_INFO[n].short : n, { scope: 'col', title: n });
  }
  const body = t.createTBody();
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      const row = body.insertRow();
      row.dataset.head = `${l}.${h}`;
      const c0 = document.createElement('th');
      c0.scope = 'row';
      const pick = document.createElement('button');
      pick.type = 'button';
      pick.className = 'linkish';
      pick.textContent = `L${l} H${h}`;
      pick.title = `focus layer ${l}, head ${h}`;
      c0.append(pick);
      row.append(c0);
      for (const which of ['text', 'probe']) {
        row.insertCell().className = `role-cell ${which}`;
        names.forEach((n) => {
          const c = row.insertCell();
          c.className = 'num';
          c.title = `${n} (${which})`;
        });
      }
      if (withPos) row.insertCell().className = 'role-cell pos-cell';
    }
  }
  if (withPos) fillPos(); // startPos once the views are drawn (rendered)
}

// ---------------------------------------------------------------- tag relations
// Bundled models with a pos-probe.json: each head's most-attended part-of-speech
// relation (web/pos-roles.mjs), computed once per model, when the roles table
// is first on screen, one probe sentence per worker run (typing goes between).
const pos = { cache: new Map(), visible: false, channel: 0 }; // model key -> {status, done, total, result, error}
function posProbeUrl(model) {
  if (!model) return null;
  const b = bundled.find((x) => x.url === model.key);
  return b && Array.isArray(b.files) && b.files.includes('pos-probe.json') ? `${b.url}pos-probe.json` : null;
}
function startPos() {
  const model = state.model;
  const url = posProbeUrl(model);
  if (!url || !pos.visible || pos.cache.has(model.key) || !rolesOnScreen()) return;
  const entry = { status: 'computing', done: 0, total: 0, result: null, error: null };
  pos.cache.set(model.key, entry);
  pos.channel ||= client.channel();
  fillPos();
  (async () => {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const probe = await res.json();
    entry.total = probe.sentences.length;
    showTagset(probe);
    const result = await computeTagRelations(probe, (text) => client.run(pos.channel, model.key, text, {}), {
      onProgress: (done) => { entry.done = done; if (state.model === model) fillPos(); },
    });
    if (!result) throw new Error('the probe runs were interrupted');
    entry.result = result;
    entry.status = 'done';
  })().catch((e) => {
    entry.status = 'error';
    entry.error = e.message;
  }).finally(() => { if (state.model === model) fillPos(entry); });
}
// The probe's tags, under the scores' definitions (once).
function showTagset(probe) {
  if (!probe.tagset || ui.roleDefs.querySelector('dd.pos-tagset')) return;
  const dt = document.createElement('dt');
  dt.textContent = 'tags (Brown probe)';
  const dd = document.createElement('dd');
  dd.className = 'pos-tagset';
  dd.textContent = `${Object.entries(probe.tagset).map(([t, d]) => `${t}: ${d}`).join('; ')}. ` +
    `${probe.sentences.length} sentences — ${probe.source}.`;
  ui.roleDefs.append(dt, dd);
}
function fillPos(entry = state.model && pos.cache.get(state.model.key)) {
  const cells = ui.rolesTable.querySelectorAll('td.pos-cell');
  const head = ui.rolesTable.querySelector('th.pos-head');
  if (head) head.dataset.status = entry ? entry.status : 'waiting';
  for (const c of cells) {
    const [l, h] = c.parentElement.dataset.head.split('.').map(Number);
    c.replaceChildren();
    c.classList.remove('muted');
    delete c.dataset.relation;
    delete c.dataset.score;
    c.removeAttribute('title');
    if (!entry) {
      c.classList.add('muted');
      c.textContent = '…';
      c.title = 'computed when this table is on screen';
      continue;
    }
    if (entry.status === 'computing') {
      c.classList.add('muted');
      c.textContent = entry.total ? `computing… ${entry.done}/${entry.total}` : 'computing…';
      continue;
    }
    if (entry.status === 'error') {
      c.classList.add('muted');
      c.textContent = 'unavailable';
      c.title = entry.error;
      continue;
    }
    const x = entry.result.heads[l] && entry.result.heads[l][h];
    if (!x) { c.textContent = '–'; continue; }
    const strong = document.createElement('b');
    strong.textContent = x.score.toFixed(2);
    c.append(`${x.relation} `, strong);
    c.dataset.relation = x.relation;
    c.dataset.score = String(x.score);
    c.title = `${x.query} queries put ${(x.score * 100).toFixed(0)}% of their attention on earlier ${x.key} words ` +
      `(a uniform head: ${(x.uniform * 100).toFixed(0)}%, ×${x.lift === null ? '–' : x.lift.toFixed(1)}; ` +
      `${x.queries} ${x.query} words with an earlier ${x.key}, ${entry.result.sentences} probe sentences). ` +
      `Next: ${x.top.slice(1).map((t) => `${t.relation} ${t.score.toFixed(2)}`).join(', ')}`;
  }
}
// The table is drawn (a run is shown) and some of it is in the window: before
// the first result the empty page can show the section for a moment.
function rolesOnScreen() {
  if (!ui.rolesTable.querySelector('td.pos-cell')) return false;
  const r = ui.rolesTable.getBoundingClientRect();
  return r.bottom > 0 && r.top < innerHeight && r.height > 0;
}
new IntersectionObserver((es) => {
  pos.visible = es.some((e) => e.isIntersecting);
  if (pos.visible) startPos();
}).observe(ui.rolesTable);

// ---------------------------------------------------------------- hash
function currentHashState() {
  return {
    text: ui.text.value, model: modelField(), layer: state.layer, head: state.head, view,
    colour: state.scale, overlay: state.overlay, pin: state.pinPos, query: state.queryPos,
    roles: state.roleSource || 'text', knobs: state.knobs, theme: document.documentElement.dataset.theme,
  };
}
let hashTimer = 0;
function syncHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    const h = formatHash(currentHashState());
    if (h !== location.hash) history.replaceState(null, '', h === '#' ? location.pathname + location.search : h);
  }, 60);
}
// Apply a parsed hash: returns the model field (loaded by the caller).
function applyHash(s) {
  if (s.text !== undefined) ui.text.value = s.text;
  state.layer = s.layer || 0; // absent fields mean their defaults
  state.head = s.head || 0;
  view = s.view || 'grid';
  state.scale = s.colour || 'linear';
  ui.scale.value = state.scale;
  state.overlay = s.overlay || 'head';
  for (const b of document.querySelectorAll('#view-head .seg-btn')) b.setAttribute('aria-pressed', String(b.dataset.overlay === state.overlay));
  state.pinPos = s.pin !== undefined ? s.pin : null;
  state.queryPos = s.query !== undefined ? s.query : null;
  state.roleSource = s.roles || 'text';
  ui.rolesSource.value = state.roleSource;
  state.knobs = s.knobs;
  showKnobs();
  applyLayout();
}
addEventListener('hashchange', () => {
  const s = parseHash(location.hash);
  const before = modelField();
  applyHash(s);
  if ((s.model || undefined) !== before && bundled.length) {
    const [url, name] = modelUrlFor(s.model);
    if (url) loadUrl(url, name);
  } else {
    if (state.model) ctl.select(state.layer, state.head);
    requestRun({ immediate: true });
  }
});

// ---------------------------------------------------------------- share & export
function pageUrl() {
  return location.href.split('#')[0] + formatHash(currentHashState());
}
function embedCode() {
  const s = currentHashState();
  const base = location.href.split('#')[0].replace(/[^/]*$/, '');
  const attrs = [`text="${escapeAttr(s.text)}"`];
  if (s.model) attrs.push(`model="${escapeAttr(bundled.some((b) => b.name === s.model) ? `${base}dist/models/${encodeURIComponent(s.model)}/` : s.model)}"`);
  attrs.push(`layer="${s.layer}"`, `head="${s.head}"`, `view="${['grid', 'head', 'matrix'].includes(s.view) ? s.view : 'head'}"`);
  const k = s.knobs;
  if (!k.scale) attrs.push('scale="0"');
  if (!k.causal) attrs.push('causal="0"');
  if (k.temperature !== 1) attrs.push(`temperature="${k.temperature}"`);
  if (k.temperatureHead) attrs.push(`temperature-head="${k.temperatureHead}"`);
  if (k.ablate.length) attrs.push(`ablate="${k.ablate.join(',')}"`);
  if (k.ablation !== 'zero') attrs.push(`ablation="${k.ablation}"`);
  attrs.push('editable');
  return `<!-- Headscope as an iframe -->\n<iframe src="${escapeAttr(pageUrl())}" title="Headscope: attention heads" width="100%" height="760" loading="lazy"></iframe>\n\n` +
    `<!-- or as an element (one script per page; elements share one worker) -->\n<script type="module" src="${escapeAttr(base)}headscope-element.js"></script>\n<headscope-view ${attrs.join(' ')}></headscope-view>`;
}
async function share(label, text) {
  ui.shareOut.hidden = false;
  ui.shareLabel.textContent = label;
  ui.shareText.value = text;
  ui.shareText.rows = Math.min(8, text.split('\n').length + 1);
  try {
    await navigator.clipboard.writeText(text);
    ui.shareStatus.textContent = 'Copied to the clipboard.';
  } catch {
    ui.shareText.select();
    ui.shareStatus.textContent = 'Select and copy the text above (the clipboard is not available here).';
  }
}
function exportView() {
  const { active } = visibleViews();
  const r = ctl.state.result;
  if (active === 'next' && r && r.next) return 'next';
  if (active === 'inside' && r && r.qkv) return 'inside';
  return ['grid', 'head', 'matrix'].includes(active) ? active : 'matrix';
}
function exportSvg(v = exportView()) {
  return sceneToSvg(buildScene(ctl, v), ctl.colors.font);
}
function exportPng(v = exportView()) {
  return sceneToCanvas(buildScene(ctl, v), ctl.colors.font, 2);
}

// ---------------------------------------------------------------- events
// Performance marks keep only the latest of each name, so a long session does
// not accumulate entries.
function markLatest(name) {
  performance.clearMarks(name);
  performance.mark(name);
}

ui.text.addEventListener('input', () => {
  markLatest('headscope:input');
  requestRun();
  syncHash();
});
ui.layer.addEventListener('change', () => ctl.select(Number(ui.layer.value), state.head));
ui.head.addEventListener('change', () => ctl.select(state.layer, Number(ui.head.value)));
ui.scale.addEventListener('change', () => { state.scale = ui.scale.value; ctl.invalidate('all'); syncHash(); });
ui.theme.addEventListener('click', () => applyTheme(currentTheme() === 'dark' ? 'light' : 'dark', true));
darkQuery.addEventListener('change', () => { if (!localStorage.getItem('headscope-theme')) ctl.refreshColors(); });
ui.modelSelect.addEventListener('change', () => {
  const v = ui.modelSelect.value;
  if (v.startsWith('bundled:')) {
    const b = bundled.find((x) => x.name === v.slice(8));
    if (b) loadUrl(b.url, b.name);
  } else if (v.startsWith('url:')) loadUrl(v.slice(4));
  else if (state.model && v === state.model.key) return;
  else showError('Open that file again to use it.');
});
ui.openModel.addEventListener('click', () => ui.modelFiles.click());
ui.modelFiles.addEventListener('change', () => {
  loadFiles(ui.modelFiles.files);
  ui.modelFiles.value = '';
});
for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => setView(tab.dataset.tab));
document.querySelector('.tabs').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
  const tabs = [...document.querySelectorAll('.tab')].filter((t) => !t.hidden);
  const i = tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true');
  const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
  setView(next.dataset.tab);
  next.focus();
  e.preventDefault();
});
for (const b of document.querySelectorAll('#view-head .seg-btn')) b.addEventListener('click', syncHash);
ui.kScale.addEventListener('change', () => setKnobs({ scale: ui.kScale.checked }));
ui.kCausal.addEventListener('change', () => setKnobs({ causal: ui.kCausal.checked }));
ui.kTemp.addEventListener('input', () => {
  const t = Math.round(2 ** Number(ui.kTemp.value) * 100) / 100;
  ui.kTempValue.textContent = t.toFixed(2);
  // the focused head, unless the reader chose one (or "all heads") in the list
  const head = state.knobs.temperatureHead || (tempAllHeads ? null : `${state.layer}.${state.head}`);
  setKnobs({ temperature: t, temperatureHead: t === 1 && !tempAllHeads && !tempHeadChosen ? null : head });
});
let tempAllHeads = false;
let tempHeadChosen = false;
ui.kTempHead.addEventListener('change', () => {
  tempAllHeads = !ui.kTempHead.value;
  tempHeadChosen = !!ui.kTempHead.value;
  setKnobs({ temperatureHead: ui.kTempHead.value || null });
});
ui.kAblation.addEventListener('change', () => setKnobs({ ablation: ui.kAblation.value }));
ui.ablateList.addEventListener('change', () => {
  setKnobs({ ablate: [...ui.ablateList.querySelectorAll('input:checked')].map((c) => c.value) });
});
ui.ablateClear.addEventListener('click', () => setKnobs({ ablate: [] }));
ui.knobsReset.addEventListener('click', () => setKnobs({ ...DEFAULT_KNOBS, ablate: [] }));
ui.pruneGo.addEventListener('click', startPrune);
ui.pruneCancel.addEventListener('click', () => { if (prune) prune.cancel(); });
ui.rolesSource.addEventListener('change', () => { state.roleSource = ui.rolesSource.value; ctl.invalidate('all'); syncHash(); });
ui.rolesTable.addEventListener('click', (e) => {
  const row = e.target.closest('button') && e.target.closest('tr[data-head]');
  if (row) {
    const [l, h] = row.dataset.head.split('.').map(Number);
    ctl.select(l, h);
  }
});
ui.copyLink.addEventListener('click', () => share('Link to this view', pageUrl()));
ui.copyEmbed.addEventListener('click', () => share('Embed code (iframe, or the custom element)', embedCode()));
ui.exportSvg.addEventListener('click', () => {
  if (!state.result) return;
  download(new Blob([exportSvg()], { type: 'image/svg+xml' }), exportName(ctl, exportView(), 'svg'));
});
ui.exportPng.addEventListener('click', () => {
  if (!state.result) return;
  exportPng().toBlob((b) => download(b, exportName(ctl, exportView(), 'png')), 'image/png');
});
for (const l of layouts) if (l.query) l.query.addEventListener('change', () => { applyLayout(); ctl.invalidate('all'); });
new ResizeObserver(() => ctl.invalidate('all')).observe(ui.views);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { state.pinPos = null; ctl.setHover(null); ctl.hideTooltip(); ctl.invalidate('hover'); syncHash(); }
});

// Drag and drop model files (or a whole model folder) anywhere on the page.
let dragDepth = 0;
const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
addEventListener('dragenter', (e) => { if (hasFiles(e)) { dragDepth++; ui.drop.hidden = false; } });
addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; ui.drop.hidden = true; } });
addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
addEventListener('drop', async (e) => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  dragDepth = 0;
  ui.drop.hidden = true;
  loadFiles(await droppedFiles(e.dataTransfer));
});
async function droppedFiles(dt) {
  const entries = [...dt.items].map((it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter(Boolean);
  if (!entries.some((en) => en.isDirectory)) return [...dt.files];
  const out = [];
  const file = (en) => new Promise((res, rej) => en.file(res, rej));
  const list = (dir) => new Promise((res, rej) => dir.createReader().readEntries(res, rej));
  for (const en of entries) {
    if (en.isFile) out.push(await file(en));
    else for (const child of await list(en)) if (child.isFile) out.push(await file(child));
  }
  return out;
}

// ---------------------------------------------------------------- test hook
window.headscope = {
  get lastResult() { return ctl.lastResult; },
  get state() { return { ...state, result: undefined, view, knobs: { ...state.knobs }, model: state.model && { ...state.model } }; },
  get client() { return client; },
  // tag relations of the current model (null: not computed, or no probe)
  get tagRelations() { const e = state.model && pos.cache.get(state.model.key); return e ? e.result : null; },
  setText(text) {
    ui.text.value = text;
    syncHash();
    if (!state.model) return Promise.reject(new Error('no model loaded'));
    return requestRun({ immediate: true });
  },
  select: (layer, head) => ctl.select(layer, head),
  setView,
  setHover: (pos) => ctl.setHover(pos),
  setKnobs: (patch) => { setKnobs(patch, { run: false }); return requestRun({ immediate: true }); },
  setQuery: (i) => { state.queryPos = i; syncHash(); ctl.invalidate('all'); },
  openFiles: loadFiles,
  exportSvg,
  exportPng: (v) => exportPng(v).toDataURL('image/png').length,
  embedCode,
  pageUrl,
  hashState: () => parseHash(location.hash),
};

// ---------------------------------------------------------------- start
async function start() {
  const fromHash = parseHash(location.hash);
  applyHash(fromHash);
  if (fromHash.theme) applyTheme(fromHash.theme, false);
  bundled = await client.bundled();
  ui.modelSelect.replaceChildren(...bundled.map((b) => new Option(b.name, `bundled:${b.name}`)));
  const [url, name] = modelUrlFor(fromHash.model);
  if (url) loadUrl(url, name);
  else {
    setState('ready');
    setStatus('No bundled model here: open your own (config.json, model.safetensors, tokenizer.json).');
  }
}

if (localStorage.getItem('headscope-theme')) applyTheme(localStorage.getItem('headscope-theme'), false);
else ui.theme.textContent = currentTheme() === 'dark' ? '☀' : '☾';
buildRoleHelp();
applyLayout();
start();
