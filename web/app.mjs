// web/app.mjs — Headscope's UI thread: state, layout, worker traffic and the
// wiring between views. It never touches wasm: web/worker.mjs owns the module.
// Requests carry increasing ids; at most one run is in flight and only the
// latest result is drawn. After every redraw the root element gets
// data-state="rendered", a bubbling `headscope:rendered` event fires and a
// `headscope:rendered` performance mark is set; window.headscope is the test hook.
import { drawLegend } from './colormap.mjs';
import { GridView } from './views/grid.mjs';
import { HeadView } from './views/headview.mjs';
import { MatrixView } from './views/matrix.mjs';
import { NextTokenView } from './views/nexttoken.mjs';
import { TokenStrip } from './views/tokenstrip.mjs';

const $ = (id) => document.getElementById(id);
const root = $('app');
const ui = {
  text: $('text'), status: $('status'), progress: $('progress'), modelInfo: $('model-info'),
  notice: $('notice'), error: $('error'), empty: $('empty'), modelSelect: $('model-select'),
  openModel: $('open-model'), modelFiles: $('model-files'), theme: $('theme-toggle'),
  layer: $('layer-select'), head: $('head-select'), scale: $('scale-select'), legend: $('legend'),
  tooltip: $('tooltip'), drop: $('drop-overlay'), views: document.querySelector('.views'),
};

// ---------------------------------------------------------------- state
const state = {
  result: null, // latest drawn run
  layer: 0,
  head: 0,
  overlay: 'head', // head view: 'head' (focused head) | 'layer' (all heads of the layer)
  hoverPos: null, // token position under the pointer (any view)
  pinPos: null, // clicked token position
  view: 'grid',
  scale: 'linear',
  model: null, // {key, name, source, info}
};
let worker = null;
let reqSeq = 0; // ids of run/load requests
let latestRun = 0; // id of the newest run request
let inFlight = 0; // id of the run the worker is computing
let queued = null; // {id, text} waiting for the worker
let debounceTimer = 0;
let lastRunMs = 0;
let loadReq = 0; // id of the model load in progress
let bundled = []; // names from dist/models/index.json
let waiters = []; // setText promises: {id, resolve, reject}
let firstRender = true;

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
  colors = readColors();
  invalidate('all');
}
function readColors() {
  const cs = getComputedStyle(root);
  const v = (n) => cs.getPropertyValue(n).trim();
  return {
    bg: v('--panel'), fg: v('--fg'), muted: v('--muted'), border: v('--border'), accent: v('--accent'),
    mask: v('--mask'), maskLine: v('--mask-line'), focus: v('--focus'), select: v('--select'),
    font: cs.fontFamily,
  };
}
let colors = readColors();

// ---------------------------------------------------------------- layout
const layouts = [
  { name: 'xwide', query: matchMedia('(min-width: 1560px)'), pinned: ['grid', 'next'], tabs: ['head', 'matrix'] },
  { name: 'wide', query: matchMedia('(min-width: 1040px)'), pinned: ['grid'], tabs: ['head', 'matrix', 'next'] },
  { name: 'narrow', query: null, pinned: [], tabs: ['grid', 'head', 'matrix', 'next'] },
];
function layout() {
  return layouts.find((l) => !l.query || l.query.matches);
}
function visibleViews() {
  const l = layout();
  const active = l.tabs.includes(state.view) ? state.view : l.tabs[0];
  return { layout: l, active, visible: [...l.pinned, active] };
}
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
  for (const [name, view] of Object.entries(views)) view.section.hidden = !visible.includes(name) || !state.result;
}

// ---------------------------------------------------------------- views
const app = {
  get state() { return state; },
  get colors() { return colors; },
  select(layer, head, { openHead = false } = {}) {
    const info = state.model && state.model.info;
    if (!info) return;
    state.layer = Math.max(0, Math.min(info.n_layer - 1, layer));
    state.head = Math.max(0, Math.min(info.n_head - 1, head));
    ui.layer.value = String(state.layer);
    ui.head.value = String(state.head);
    views.grid.focus = null;
    if (openHead && layout().name === 'narrow') setView('head');
    invalidate('all');
  },
  setHover(pos) {
    if (pos === state.hoverPos) return;
    state.hoverPos = pos;
    invalidate('hover');
  },
  togglePin(pos) {
    state.pinPos = state.pinPos === pos ? null : pos;
    invalidate('hover');
  },
  // Position the next-token view (and row highlights) follow.
  activePos() {
    const r = state.result;
    if (!r || !r.T) return null;
    if (state.hoverPos !== null && state.hoverPos < r.T) return state.hoverPos;
    if (state.pinPos !== null && state.pinPos < r.T) return state.pinPos;
    return r.T - 1;
  },
  // Position explicitly pointed at (hover or pin), or null.
  focusPos() {
    const r = state.result;
    const p = state.hoverPos !== null ? state.hoverPos : state.pinPos;
    return r && p !== null && p < r.T ? p : null;
  },
  showTooltip(lines, clientX, clientY) {
    const tip = ui.tooltip;
    tip.replaceChildren();
    for (const [i, line] of lines.entries()) {
      const div = document.createElement('div');
      if (i === 0) div.className = 'tip-title';
      div.textContent = line;
      tip.append(div);
    }
    tip.hidden = false;
    const pad = 14;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    let x = clientX + pad;
    let y = clientY + pad;
    if (x + w > innerWidth - 4) x = Math.max(4, clientX - w - pad);
    if (y + h > innerHeight - 4) y = Math.max(4, clientY - h - pad);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  },
  hideTooltip() { ui.tooltip.hidden = true; },
  requestNextAll(id) { worker.postMessage({ type: 'next-all', id }); },
};

const views = {
  grid: new GridView(app, $('view-grid')),
  head: new HeadView(app, $('view-head')),
  matrix: new MatrixView(app, $('view-matrix')),
  next: new NextTokenView(app, $('view-next')),
};
const strip = new TokenStrip(app, $('tokens'));

function setView(name) {
  state.view = name;
  applyLayout();
  invalidate('all');
}

// ---------------------------------------------------------------- drawing
let dirty = { data: false, all: false, hover: false };
let frame = 0;
let renderWaiting = false; // a new result is waiting to be drawn
function invalidate(what) {
  dirty[what] = true;
  if (!frame) frame = requestAnimationFrame(draw);
}
function draw() {
  frame = 0;
  const d = dirty;
  dirty = { data: false, all: false, hover: false };
  const r = state.result;
  if (!r) return;
  const { visible } = visibleViews();
  const full = d.data || d.all;
  if (d.data) strip.setResult(r);
  strip.render();
  for (const name of visible) {
    const v = views[name];
    if (d.data || v.stale) v.setResult(r);
    v.stale = false;
    if (full || v.hoverSensitive) v.render(full);
  }
  if (d.data) for (const [name, v] of Object.entries(views)) if (!visible.includes(name)) v.stale = true;
  drawLegend(ui.legend, state.scale);
  if (d.data || renderWaiting) rendered(r);
}
function rendered(r) {
  renderWaiting = false;
  performance.mark('headscope:rendered');
  if (firstRender) {
    firstRender = false;
    performance.mark('headscope:first-render');
  }
  setState('rendered');
  root.dispatchEvent(new CustomEvent('headscope:rendered', {
    bubbles: true,
    detail: { tokens: r.tokens, n_layer: r.n_layer, n_head: r.n_head, T: r.T },
  }));
  resolveWaiters(r.id);
}

function resolveWaiters(id) {
  const keep = [];
  for (const w of waiters) {
    if (w.id <= id) w.resolve(lastResultForTests);
    else keep.push(w);
  }
  waiters = keep;
}
function rejectWaiters(id, message) {
  const keep = [];
  for (const w of waiters) {
    if (w.id <= id) w.reject(new Error(message));
    else keep.push(w);
  }
  waiters = keep;
}

// ---------------------------------------------------------------- status UI
function setState(s) {
  root.dataset.state = s;
}
function setStatus(text) {
  ui.status.textContent = text;
}
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

// ---------------------------------------------------------------- running
function options() {
  return { causal: true };
}
function requestRun({ immediate = false } = {}) {
  const id = ++reqSeq;
  latestRun = id;
  clearTimeout(debounceTimer);
  const text = ui.text.value;
  if (!state.model) return id;
  if (text === '') {
    showEmpty();
    return id;
  }
  // Fast models answer every keystroke; slow ones wait for a pause in typing.
  const delay = immediate || lastRunMs < 40 ? 0 : 150;
  if (delay) debounceTimer = setTimeout(() => send(id, text), delay);
  else send(id, text);
  return id;
}
function send(id, text) {
  if (id !== latestRun) return;
  if (inFlight) {
    queued = { id, text };
    return;
  }
  inFlight = id;
  setState('running');
  worker.postMessage({ type: 'run', id, text, options: options() });
}
function sendQueued() {
  inFlight = 0;
  if (queued) {
    const q = queued;
    queued = null;
    send(q.id, q.text);
  }
}
function showEmpty() {
  clearError();
  state.result = null;
  ui.empty.hidden = false;
  ui.notice.hidden = true;
  strip.clear();
  applyLayout();
  setStatus('Empty text: nothing to look at yet.');
  const empty = { id: latestRun, tokens: [], ids: [], T: 0, n_layer: state.model.info.n_layer, n_head: state.model.info.n_head, attention: new Float32Array(0) };
  state.result = null;
  lastResultForTests = empty;
  performance.mark('headscope:rendered');
  setState('rendered');
  root.dispatchEvent(new CustomEvent('headscope:rendered', { bubbles: true, detail: { tokens: [], n_layer: empty.n_layer, n_head: empty.n_head, T: 0 } }));
  resolveWaiters(latestRun);
}
let lastResultForTests = null;

function onResult(msg) {
  sendQueued();
  lastRunMs = msg.runMs;
  if (msg.id !== latestRun || (state.model && msg.modelKey !== state.model.key)) return; // stale
  clearError();
  ui.empty.hidden = true;
  state.result = msg;
  lastResultForTests = msg;
  if (state.hoverPos !== null && state.hoverPos >= msg.T) state.hoverPos = null;
  if (state.pinPos !== null && state.pinPos >= msg.T) state.pinPos = null;
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
  renderWaiting = true;
  invalidate('data');
}

function onNext(msg) {
  const r = state.result;
  if (!r || msg.id !== r.id || msg.modelKey !== r.modelKey) return;
  r.next = msg.next;
  views.next.stale = true;
  invalidate('hover');
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
function onLoaded(msg) {
  if (msg.reqId !== loadReq) return;
  performance.mark('headscope:model-loaded');
  loadReq = 0;
  ui.progress.hidden = true;
  state.model = { key: msg.key, name: msg.name, source: msg.source, info: msg.info };
  if (msg.source === 'file') {
    for (const o of [...ui.modelSelect.options]) if (o.value.startsWith('file:')) o.remove();
    const o = new Option(`${msg.name} (your file)`, msg.key);
    ui.modelSelect.add(o);
  }
  ui.modelSelect.value = msg.source === 'file' ? msg.key : `bundled:${msg.name}`;
  ui.modelSelect.dataset.current = ui.modelSelect.value;
  fillSelect(ui.layer, msg.info.n_layer, (i) => `L${i}`);
  fillSelect(ui.head, msg.info.n_head, (i) => `H${i}`);
  app.select(state.layer, state.head);
  ui.modelInfo.textContent = `${msg.name} · ${describeModel(state.model)}`;
  clearError();
  setState('ready');
  setStatus(msg.timing
    ? `Model ${msg.name} loaded (${mb(msg.timing.bytes)}: fetched in ${msg.timing.fetchMs.toFixed(0)} ms, loaded in ${msg.timing.loadMs.toFixed(0)} ms).`
    : `Model ${msg.name} loaded.`);
  console.debug('headscope: model loaded', msg.timing || '');
  requestRun({ immediate: true });
}
function onProgress(msg) {
  if (msg.reqId !== loadReq) return;
  ui.progress.hidden = false;
  ui.progress.max = msg.total || 1;
  ui.progress.value = msg.done;
  const pct = msg.total ? Math.round((100 * msg.done) / msg.total) : 0;
  setStatus(msg.phase === 'download'
    ? `Downloading model… ${mb(msg.done)} of ${mb(msg.total)}`
    : `Loading weights… ${pct}%`);
}
function loadBundled(name) {
  const entry = bundled.find((b) => b.name === name);
  loadReq = ++reqSeq;
  setState('loading');
  setStatus(`Loading model ${name}…`);
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  worker.postMessage({ type: 'load-bundled', reqId: loadReq, name, files: entry && entry.files });
}
function loadFiles(files) {
  files = [...files];
  if (!files.length) return;
  loadReq = ++reqSeq;
  clearError();
  setState('loading');
  setStatus(`Opening ${files.map((f) => f.name).join(', ')}…`);
  ui.progress.hidden = false;
  ui.progress.removeAttribute('value');
  worker.postMessage({ type: 'load-files', reqId: loadReq, files });
}
function onError(msg) {
  if (msg.during === 'next') {
    console.warn(`next-token computation failed: ${msg.message}`);
    return;
  }
  if (msg.during === 'load') {
    if (msg.reqId !== loadReq) return;
    loadReq = 0;
    ui.progress.hidden = true;
    ui.modelSelect.value = ui.modelSelect.dataset.current || '';
    showError(state.model
      ? `Could not open that model: ${msg.message} — still using ${state.model.name}.`
      : `Could not open the model: ${msg.message}`);
    setStatus(state.model ? `Model ${state.model.name}.` : 'No model loaded.');
    return;
  }
  sendQueued();
  if (msg.id !== latestRun) return;
  showError(`Could not run the model: ${msg.message}`);
  rejectWaiters(msg.id, msg.message);
}

async function start() {
  worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
  worker.onmessage = ({ data: msg }) => {
    if (msg.type === 'result') onResult(msg);
    else if (msg.type === 'loaded') onLoaded(msg);
    else if (msg.type === 'progress') onProgress(msg);
    else if (msg.type === 'next') onNext(msg);
    else if (msg.type === 'error') onError(msg);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    showError(`The compute worker failed to start: ${e.message || 'unknown error'} (this page needs WebAssembly SIMD and module workers).`);
  };
  try {
    const res = await fetch(new URL('./dist/models/index.json', import.meta.url));
    // names, or {name, files} objects
    bundled = (res.ok ? await res.json() : []).map((b) => (typeof b === 'string' ? { name: b } : b));
  } catch {
    bundled = [];
  }
  ui.modelSelect.replaceChildren(...bundled.map((b) => new Option(b.name, `bundled:${b.name}`)));
  if (bundled.length) loadBundled(bundled[0].name);
  else {
    setState('ready');
    setStatus('No bundled model here: open your own (config.json, model.safetensors, tokenizer.json).');
  }
}

// ---------------------------------------------------------------- events
ui.text.addEventListener('input', () => {
  performance.mark('headscope:input');
  requestRun();
});
ui.layer.addEventListener('change', () => app.select(Number(ui.layer.value), state.head));
ui.head.addEventListener('change', () => app.select(state.layer, Number(ui.head.value)));
ui.scale.addEventListener('change', () => { state.scale = ui.scale.value; invalidate('all'); });
ui.theme.addEventListener('click', () => applyTheme(currentTheme() === 'dark' ? 'light' : 'dark', true));
darkQuery.addEventListener('change', () => { if (!localStorage.getItem('headscope-theme')) { colors = readColors(); invalidate('all'); } });
ui.modelSelect.addEventListener('change', () => {
  const v = ui.modelSelect.value;
  if (v.startsWith('bundled:')) loadBundled(v.slice(8));
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
for (const l of layouts) if (l.query) l.query.addEventListener('change', () => { applyLayout(); invalidate('all'); });
new ResizeObserver(() => invalidate('all')).observe(ui.views);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') { state.pinPos = null; app.setHover(null); app.hideTooltip(); invalidate('hover'); }
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
  get lastResult() { return lastResultForTests; },
  get state() { return { ...state, result: undefined, model: state.model && { ...state.model } }; },
  setText(text) {
    ui.text.value = text;
    const id = requestRun({ immediate: true });
    return new Promise((resolve, reject) => {
      if (!state.model) return reject(new Error('no model loaded'));
      waiters.push({ id, resolve, reject });
      if (text === '') resolveWaiters(id);
    });
  },
  select: (layer, head) => app.select(layer, head),
  setView,
  setHover: (pos) => app.setHover(pos),
  openFiles: loadFiles,
};

if (localStorage.getItem('headscope-theme')) applyTheme(localStorage.getItem('headscope-theme'), false);
else ui.theme.textContent = currentTheme() === 'dark' ? '☀' : '☾';
applyLayout();
start();
