// web/worker.mjs — the only place the wasm module lives. The UI thread sends
// {type:'load-bundled'|'load-files'|'run'} messages; this worker loads models
// (bundled ones fetched into memory, user files streamed slice by slice with
// FileReaderSync so a 1.4 GB checkpoint never sits in memory twice), runs the
// model, reduces next-token logits to a top-k per position, and posts results
// back with transferable Float32Arrays. Only the latest queued run executes.
import createHeadscopeModule from './dist/headscope.mjs';
import { HeadscopeRuntime, bufferReader } from './headscope-api.mjs';

const TOPK = 5;
let rt = null;
let runtimeError = null;
const runtimeReady = createHeadscopeModule()
  .then((m) => { rt = new HeadscopeRuntime(m); })
  .catch((e) => { runtimeError = e; });

const models = new Map(); // key -> { model, vocab: null|string[], name, source }
let current = null; // key of the model runs use

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
const errText = (e) => (e && e.message) || String(e);

async function fetchBytes(url, onProgress) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks = [];
  let done = 0;
  for (;;) {
    const { done: end, value } = await reader.read();
    if (end) break;
    chunks.push(value);
    done += value.length;
    onProgress(done, total || done);
  }
  const out = new Uint8Array(done);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

async function fetchOptional(url) {
  const res = await fetch(url);
  return res.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
}

function adopt(key, model, name, source) {
  // A user model replaces the previous user model (they can be large).
  for (const [k, m] of models) {
    if (k !== key && m.source === 'file' && source === 'file') { m.model.free(); models.delete(k); }
  }
  const old = models.get(key);
  if (old) old.model.free();
  models.set(key, { model, vocab: null, name, source });
  current = key;
  return { key, name, source, info: model.info };
}

async function loadBundled({ reqId, name, files }) {
  const key = `bundled:${name}`;
  if (models.has(key)) {
    current = key;
    const m = models.get(key);
    return post({ type: 'loaded', reqId, key, name, source: 'bundled', info: m.model.info });
  }
  const t0 = performance.now();
  const base = `./dist/models/${encodeURIComponent(name)}/`;
  const progress = (phase) => (done, total) => post({ type: 'progress', reqId, phase, done, total });
  const config = await fetchBytes(base + 'config.json');
  // index.json entries may list the folder's files ({name, files}); without a
  // list, try tokenizer.json and fall back to vocab.json + merges.txt.
  const has = (f) => !files || files.includes(f);
  let tokenizerJson = has('tokenizer.json') ? await fetchOptional(base + 'tokenizer.json') : undefined;
  let vocabJson, mergesTxt;
  if (!tokenizerJson) {
    vocabJson = await fetchOptional(base + 'vocab.json');
    mergesTxt = await fetchOptional(base + 'merges.txt');
  }
  const st = await fetchBytes(base + 'model.safetensors', progress('download'));
  await runtimeReady;
  if (!rt) throw runtimeError || new Error('the wasm module failed to start');
  const t1 = performance.now();
  const model = rt.loadModel({
    config, tokenizerJson, vocabJson, mergesTxt,
    safetensors: bufferReader(st),
    onProgress: progress('load'),
  });
  const timing = { fetchMs: t1 - t0, loadMs: performance.now() - t1, bytes: st.length };
  post({ type: 'loaded', reqId, ...adopt(key, model, name, 'bundled'), timing });
}

function loadFiles({ reqId, files }) {
  const byName = (test) => files.find((f) => test(f.name.toLowerCase()));
  const config = byName((n) => n === 'config.json');
  const st = byName((n) => n.endsWith('.safetensors'));
  const tok = byName((n) => n === 'tokenizer.json');
  const vocab = byName((n) => n === 'vocab.json');
  const merges = byName((n) => n === 'merges.txt');
  const missing = [];
  if (!config) missing.push('config.json');
  if (!st) missing.push('model.safetensors');
  if (!tok && !(vocab && merges)) missing.push('tokenizer.json (or vocab.json + merges.txt)');
  if (missing.length) {
    const got = files.map((f) => f.name).join(', ') || 'no files';
    throw new Error(`Missing ${missing.join(' and ')}. Got: ${got}. ` +
      'Choose config.json, model.safetensors and tokenizer.json (or vocab.json + merges.txt) together.');
  }
  const frs = new FileReaderSync();
  const bytes = (f) => (f ? new Uint8Array(frs.readAsArrayBuffer(f)) : undefined);
  const model = rt.loadModel({
    config: bytes(config),
    tokenizerJson: bytes(tok),
    vocabJson: tok ? undefined : bytes(vocab),
    mergesTxt: tok ? undefined : bytes(merges),
    safetensors: {
      size: st.size,
      read(offset, n, dst) {
        // Read in <= 64 MB slices so even one huge tensor is streamed.
        const CH = 64 << 20;
        for (let o = 0; o < n; o += CH) {
          const m = Math.min(CH, n - o);
          const buf = frs.readAsArrayBuffer(st.slice(offset + o, offset + o + m));
          if (buf.byteLength !== m) throw new Error(`${st.name}: short read at byte ${offset + o}`);
          dst.set(new Uint8Array(buf), o);
        }
      },
    },
    onProgress: (done, total) => post({ type: 'progress', reqId, phase: 'load', done, total }),
  });
  const dir = (st.webkitRelativePath || '').split('/').slice(-2, -1)[0];
  const name = dir || `${st.name.replace(/\.safetensors$/i, '')} (${model.info.n_layer}×${model.info.n_head})`;
  post({ type: 'loaded', reqId, ...adopt('file:' + Date.now(), model, name, 'file') });
}

// Per position: top-k next tokens (ids, probabilities), the entropy, and the
// probability and rank of the token that actually follows. Reads the logits in
// place in the heap: one pass for max, top-k and rank, one for the softmax sum.
// With lastOnly, only the last position is filled, from the run's last-position
// logits (free with every run); the other positions stay empty (rank -1).
function nextTokens(entry, ids, T, V, lastOnly = false) {
  const { model } = entry;
  const ptr = model.rt.m._hs_result_array(model.handle, lastOnly ? 1 : 2) >>> 0;
  const heap = model.rt.m.HEAPF32;
  const base = ptr >>> 2;
  const topIds = new Int32Array(T * TOPK);
  const topP = new Float32Array(T * TOPK);
  const actualP = new Float32Array(T).fill(NaN);
  const actualRank = new Int32Array(T).fill(-1);
  const entropy = new Float32Array(T);
  const kv = new Float32Array(TOPK);
  const ki = new Int32Array(TOPK);
  topIds.fill(-1);
  for (let t = lastOnly ? T - 1 : 0; t < T; t++) {
    const row = lastOnly ? heap.subarray(base, base + V) : heap.subarray(base + t * V, base + (t + 1) * V);
    const next = t + 1 < ids.length ? ids[t + 1] : -1;
    const a = next >= 0 ? row[next] : Infinity;
    kv.fill(-Infinity);
    ki.fill(-1);
    let max = -Infinity;
    let rank = 0;
    for (let i = 0; i < V; i++) {
      const x = row[i];
      if (x > a) rank++;
      if (x > kv[TOPK - 1]) {
        if (x > max) max = x;
        let j = TOPK - 1;
        while (j > 0 && kv[j - 1] < x) { kv[j] = kv[j - 1]; ki[j] = ki[j - 1]; j--; }
        kv[j] = x; ki[j] = i;
      }
    }
    let sum = 0;
    let sumxl = 0;
    for (let i = 0; i < V; i++) {
      const d = row[i] - max;
      const e = Math.exp(d);
      sum += e;
      sumxl += e * d;
    }
    for (let j = 0; j < TOPK; j++) {
      topIds[t * TOPK + j] = ki[j];
      topP[t * TOPK + j] = ki[j] < 0 ? 0 : Math.exp(kv[j] - max) / sum;
    }
    entropy[t] = Math.log(sum) - sumxl / sum; // nats
    if (next >= 0) {
      actualP[t] = Math.exp(a - max) / sum;
      actualRank[t] = rank;
    }
  }
  if (!entry.vocab) entry.vocab = model.vocab();
  const topTokens = Array.from(topIds, (id) => (id >= 0 ? entry.vocab[id] : ''));
  return { k: TOPK, complete: !lastOnly, topIds, topP, topTokens, actualP, actualRank, entropy };
}

function nextTransfer(next) {
  return next ? [next.topIds.buffer, next.topP.buffer, next.actualP.buffer, next.actualRank.buffer, next.entropy.buffer] : [];
}

// Small models: one run with every position's logits. Large vocabularies make
// those logits the dominant cost (T x V x C: ~1 GMAC for GPT-2 and 27 tokens),
// so there a run computes the last position's next token only, and the other
// positions are computed when the page asks for them ('next-all', on hover).
let lastRun = null; // {id, text, options, key, ids, T, V}
function run({ id, text, options }) {
  const entry = models.get(current);
  if (!entry) throw new Error('no model is loaded');
  const t0 = performance.now();
  const { model } = entry;
  const { vocab_size: V0, n_embd: C0 } = model.info;
  const estT = Math.min(model.info.n_positions, text.length / 3 + 1);
  const lazy = estT * V0 * C0 > 64e6;
  model.runInPlace(text, { ...options, all_logits: !lazy });
  const meta = JSON.parse(model.rt.string(model.rt.m._hs_result_meta(model.handle)));
  const { T, n_layer: L, n_head: H, vocab_size: V } = meta;
  const attention = model.array(0, L * H * T * T) || new Float32Array(0);
  const next = T > 0 ? nextTokens(entry, meta.ids, T, V, lazy) : null;
  const runMs = performance.now() - t0;
  lastRun = { id, text, options, key: current, ids: meta.ids, T, V };
  post({ type: 'result', id, modelKey: current, ...meta, attention, next, runMs },
    [attention.buffer, ...nextTransfer(next)]);
}

function nextAll({ id }) {
  const lr = lastRun;
  const entry = lr && models.get(lr.key);
  if (!entry || lr.id !== id) return; // a newer run replaced it
  const t0 = performance.now();
  entry.model.runInPlace(lr.text, { ...lr.options, all_logits: true });
  const next = nextTokens(entry, lr.ids, lr.T, lr.V);
  post({ type: 'next', id, modelKey: lr.key, next, ms: performance.now() - t0 }, nextTransfer(next));
}

// Coalesce runs: messages already queued are handled before the deferred run
// starts, so a burst of keystrokes costs one run of the latest text. A
// 'next-all' request only runs when no run is waiting.
let pendingRun = null;
let deferred = null;
let runScheduled = false;
const channel = new MessageChannel();
function schedule() {
  if (!runScheduled) { runScheduled = true; channel.port2.postMessage(0); }
}
channel.port1.onmessage = () => {
  runScheduled = false;
  const msg = pendingRun;
  pendingRun = null;
  if (!msg) {
    const d = deferred;
    deferred = null;
    if (d) {
      try { nextAll(d); } catch (e) { post({ type: 'error', during: 'next', message: errText(e) }); }
    }
    return;
  }
  try {
    run(msg);
  } catch (e) {
    post({ type: 'error', during: 'run', id: msg.id, message: errText(e) });
  }
};

let chain = Promise.resolve();
self.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'run') {
    pendingRun = msg;
    // Runs wait for any load in progress (chain), then for queued messages.
    chain = chain.then(schedule);
    return;
  }
  if (msg.type === 'next-all') {
    deferred = msg;
    chain = chain.then(schedule);
    return;
  }
  chain = chain.then(async () => {
    try {
      await runtimeReady;
      if (!rt) throw runtimeError || new Error('the wasm module failed to start');
      if (msg.type === 'load-bundled') await loadBundled(msg);
      else if (msg.type === 'load-files') loadFiles(msg);
      else if (msg.type === 'hello') post({ type: 'hello', selfcheck: rt.selfcheck() });
    } catch (e) {
      post({ type: 'error', during: 'load', reqId: msg.reqId, message: errText(e) });
    }
  });
};
