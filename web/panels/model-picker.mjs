// web/panels/model-picker.mjs — which model the page shows: the list of bundled
// models, a model by URL or on the Hugging Face Hub (the hash's model field:
// a folder URL, or hf:OWNER/NAME[@REV] with the hub field; the Hub's own panel
// is web/panels/hub-panel.mjs), the reader's own files (the "Open" button, or
// files / a folder dropped anywhere on the page), the load progress, the
// fallback to the bundled model, the "Round F32 weights to 16 bits" choice (F32 checkpoints
// rounded to 16 bits: page.weights), and the model line under the text (the
// family, its shape and its weights, web/model-family.mjs).
import { describeFamilyShape, describeWeights, isEncoder } from '../model-family.mjs';
import { VIEW_TITLES } from '../views/markup.mjs';
import { isHubField, parseHubRef, hubField, DEFAULT_HUB } from '../hub/hub-ref.mjs';

const mb = (n) => `${(n / 1048576).toFixed(n < 10485760 ? 1 : 0)} MB`;

function describeModel(m) {
  const i = m.info;
  const weights = describeWeights(i);
  return `${describeFamilyShape(i)} · d=${i.n_embd} · context ${i.n_positions} · vocab ${i.vocab_size.toLocaleString('en')}${weights ? ` · ${weights}` : ''}`;
}

export function modelPicker(page) {
  const { $, client, status } = page;
  const ui = {
    select: $('model-select'), open: $('open-model'), files: $('model-files'), info: $('model-info'),
    progress: $('progress'), drop: $('drop-overlay'), weights16: $('weights-16'),
  };
  // how the module keeps F32 checkpoints' matrices and tables (16-bit ones always stay 16-bit)
  page.weights = 'stored';
  let lastFiles = null; // the reader's own files, to open them again in the other weight mode
  let bundled = [];
  let loadSeq = 0; // the model load in progress
  const hubModels = new Map(); // select value -> {hub, repo, revision}

  function onLoaded(model) {
    performance.mark('headscope:model-loaded');
    ui.progress.hidden = true;
    let value;
    if (model.source === 'file') {
      for (const o of [...ui.select.options]) if (o.value.startsWith('file:')) o.remove();
      ui.select.add(new Option(`${model.name} (your file)`, model.key));
      value = model.key;
    } else if (model.source === 'bundled') {
      value = `bundled:${model.name}`;
    } else if (model.source === 'hub') {
      value = `hub:${model.key}`;
      hubModels.set(value, model.hub);
      if (![...ui.select.options].some((o) => o.value === value)) ui.select.add(new Option(`${model.name} (Hub)`, value));
    } else {
      value = `url:${model.key}`;
      if (![...ui.select.options].some((o) => o.value === value)) ui.select.add(new Option(model.name, value));
    }
    ui.select.value = value;
    ui.select.dataset.current = ui.select.value;
    page.ctl.setModel(model);
    const { n_layer: L, n_head: H } = model.info;
    page.headPicker.fill(L, H);
    page.knobs.buildLists(L, H);
    page.knobs.applyModel(model.info);
    page.knobs.show();
    page.ctl.select(page.state.layer, page.state.head);
    ui.info.textContent = `${model.name} · ${describeModel(model)}`;
    ui.info.dataset.family = model.info.family;
    const nextTab = $('tab-next'); // encoders predict the token at a position: "Masked token"
    if (nextTab) nextTab.textContent = isEncoder(model.info) ? 'Masked token' : VIEW_TITLES.next;
    // the colour legend's "masked" swatch: encoders mask nothing
    for (const el of document.querySelectorAll('.legend-masked, .legend-masked + .muted')) el.hidden = isEncoder(model.info);
    status.clearError();
    status.setState('ready');
    const t = model.timing;
    status.setStatus(t && model.source === 'hub'
      ? `Model ${model.name} opened (${mb(t.bytes)} ${t.fromStore ? 'from this browser\'s store' : `downloaded in ${(t.fetchMs / 1000).toFixed(1)} s`}, loaded in ${t.loadMs.toFixed(0)} ms).`
      : model.timing
      ? `Model ${model.name} loaded (${mb(model.timing.bytes)}: fetched in ${model.timing.fetchMs.toFixed(0)} ms, loaded in ${model.timing.loadMs.toFixed(0)} ms).`
      : `Model ${model.name} loaded.`);
    page.requestRun({ immediate: true });
    page.url.sync();
  }
  function onProgress(msg) {
    ui.progress.hidden = false;
    // total 0: sizes not known yet (compressed responses): an indeterminate bar, the bytes so far
    if (msg.total) {
      ui.progress.max = msg.total;
      ui.progress.value = msg.done;
    } else ui.progress.removeAttribute('value');
    const pct = msg.total ? Math.round((100 * msg.done) / msg.total) : 0;
    if (msg.phase === 'plan' || msg.phase === 'confirm' || msg.bytesPerSecond !== undefined) return; // the Hub panel's own line says it
    status.setStatus(msg.phase !== 'download' ? `Loading weights… ${pct}%`
      : msg.total ? `Downloading the model… ${mb(msg.done)} of ${mb(msg.total)}` : `Downloading the model… ${mb(msg.done)}`);
  }
  function loadFailed(seq, e, onError) {
    if (seq !== loadSeq) return;
    const current = page.state.model;
    ui.progress.hidden = true;
    ui.select.value = ui.select.dataset.current || '';
    status.showError(current
      ? `Could not open that model: ${e.message} — still using ${current.name}.`
      : `Could not open the model: ${e.message}`);
    status.setStatus(current ? `Model ${current.name}.` : 'No model loaded.');
    if (onError) onError(e);
  }
  // After a failed load with no model on screen: the first bundled model.
  function fallback() {
    if (!page.state.model && bundled.length) loadUrl(bundled[0].url, bundled[0].name);
  }
  // One load at a time: a newer one wins.
  function load(what, request, { onError } = {}) {
    const seq = ++loadSeq;
    status.setState('loading');
    status.setStatus(what);
    ui.progress.hidden = false;
    ui.progress.removeAttribute('value');
    request({ onProgress }).then((m) => { if (seq === loadSeq) onLoaded(m); }, (e) => loadFailed(seq, e, onError));
  }
  // A model by URL (a bundled folder, or a folder path relative to this page).
  function loadUrl(url, name) {
    load(`Loading model ${name || url}…`, ({ onProgress: p }) =>
      client.load(url, { name, onProgress: p, weights: page.weights }));
  }
  function loadFiles(files) {
    files = [...files];
    if (!files.length) return;
    lastFiles = files;
    status.clearError();
    load(`Opening ${files.map((f) => f.name).join(', ')}…`, ({ onProgress: p }) =>
      client.loadFiles(files, { onProgress: p, weights: page.weights }));
  }
  // The same model again in the other weight mode.
  ui.weights16.addEventListener('change', () => {
    page.weights = ui.weights16.checked ? 'compact16' : 'stored';
    const m = page.state.model;
    if (!m) return;
    if (m.source === 'file' && lastFiles) loadFiles(lastFiles);
    else if (m.source === 'hub' && m.hub) page.hub.open({ repo: m.hub.repo, revision: m.hub.revision }, m.hub.hub);
    else if (m.url) loadUrl(m.url, m.source === 'bundled' ? m.name : undefined);
    page.url.sync();
  });
  function setWeights(mode) { // from the link's state
    page.weights = mode === 'compact16' ? 'compact16' : 'stored';
    ui.weights16.checked = page.weights === 'compact16';
  }
  // The hash's model field: a bundled model's name, or a folder URL relative to the page.
  function urlFor(field) {
    const b = bundled.find((x) => x.name === field);
    if (b) return [b.url, b.name];
    if (field && field.includes('/')) return [new URL(field, location.href).href, undefined];
    return bundled.length ? [bundled[0].url, bundled[0].name] : [null];
  }
  // The current model as the hash's field (undefined: the default model, or the reader's files).
  function field() {
    const m = page.state.model;
    if (!m || m.source === 'file') return undefined;
    if (m.source === 'hub') return hubField(m.hub);
    const b = bundled.find((x) => x.url === m.key);
    if (b) return b === bundled[0] ? undefined : b.name;
    return m.key;
  }
  // The hash's hub field: the current Hub model's Hub when it is not huggingface.co.
  function hubBase() {
    const m = page.state.model;
    return m && m.source === 'hub' && m.hub.hub !== DEFAULT_HUB ? m.hub.hub : undefined;
  }
  // Open the hash's model field (and hub field); false when there is nothing to open.
  function openField(fieldValue, hub) {
    if (isHubField(fieldValue)) {
      const ref = parseHubRef(fieldValue);
      if (ref) {
        page.hub.open(ref, hub);
        return true;
      }
      page.hub.showError(`"${fieldValue}" is not a Hub model: give hf:OWNER/NAME or hf:OWNER/NAME@REVISION.`);
      fieldValue = undefined;
    }
    const [url, name] = urlFor(fieldValue);
    if (url) loadUrl(url, name);
    return !!url;
  }
  async function listBundled() {
    bundled = await client.bundled();
    ui.select.replaceChildren(...bundled.map((b) => new Option(b.name, `bundled:${b.name}`)));
  }

  ui.select.addEventListener('change', () => {
    const v = ui.select.value;
    const model = page.state.model;
    if (v.startsWith('bundled:')) {
      const b = bundled.find((x) => x.name === v.slice(8));
      if (b) loadUrl(b.url, b.name);
    } else if (v.startsWith('url:')) loadUrl(v.slice(4));
    else if (hubModels.has(v)) {
      const h = hubModels.get(v);
      page.hub.open({ repo: h.repo, revision: h.revision }, h.hub);
    }
    else if (model && v === model.key) return;
    else status.showError('Open that file again to use it.');
  });
  ui.open.addEventListener('click', () => ui.files.click());
  ui.files.addEventListener('change', () => {
    loadFiles(ui.files.files);
    ui.files.value = '';
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

  return {
    get bundled() { return bundled; },
    listBundled, loadUrl, loadFiles, urlFor, field, hubBase, openField, load, fallback, setWeights,
  };
}

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
