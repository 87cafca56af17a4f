// web/worker.mjs — the only place the wasm module lives. One worker serves every
// Headscope view of a page (the page itself, or several <headscope-view>
// elements) through web/client.mjs. Every request carries an id and every answer
// names it:
//   {type:'hello', id}                        -> 'hello' with the module's self-check, simd
//                                             (the build running: 'plain', 'relaxed' or
//                                             'threads') and threads (its kernels' count)
//   {type:'load', id, url, name?, files?, weights?}  a model folder by URL (cached by URL and
//                                             weight mode) -> 'progress'..., 'loaded'
//   {type:'load-files', id, files, weights?}  the user's own files (File objects) -> 'progress'..., 'loaded'
//   {type:'load-hub', id, hub, repo, revision, weights?} a model on the Hugging Face Hub (web/hub/),
//                                             from the store or downloaded into it -> 'progress'..., 'loaded'
//     weights: 'stored' (default: 16-bit tensors stay 16-bit), 'compact16' (F32 ones rounded to
//     16 bits too) or 'f32' (all widened): how the module keeps matrices and tables
//     askAbove (bytes, optional): a download bigger than that waits, after its 'plan', with a
//     'progress' {phase:'confirm', total, files} until {type:'hub-confirm', target} (or hub-cancel)
//   {type:'hub-cancel', target}               stop that Hub download (its load answers an error)
//   {type:'hub-stored', id} / {type:'hub-delete', id, hub, repo, revision}  -> 'hub-stored' {models}
//   {type:'run', id, channel, key, text, options, whole?}   -> 'result' (or 'superseded'), with simd, threads;
//                                             a run reusing rows [0, p) of the channel's previous result
//                                             (posted to this client) carries only the new rows:
//                                             patch {base, reused}, attentionRows (web/result-patch.mjs);
//                                             whole: the client has no base, send every array
//   {type:'generate-step', id, channel, runId, sampling, step, whole?}  one more token after that run
//                                             (prefix reuse: only the new position) -> 'result' with
//                                             `generated` {id, token, prob, step, continuation, stopped, ...}
//   {type:'next-all', id, channel, runId}     every position's top-k of that run -> 'next'
//   {type:'loss', id, channel, runId}         that run's mean next-token NLL, from its own logits -> 'loss'
//   {type:'lens', id, channel, runId, top}    that run's logit lens (a run made with option lens: no new
//                                             forward pass), a layer per queue step -> 'lens' {lens: the
//                                             CLI's JSON, parsed, ms} (or 'superseded')
//   {type:'score', id, key, text, options}    mean next-token NLL of a text (its own pass) -> 'score'
//   {type:'rank', id, key, text, options}     each head's loss increase -> 'progress'..., 'rank'
//   {type:'cancel', target}                   drop a queued or running ranking -> 'cancelled'
//   {type:'memory', id}                       -> {wasmHeap, jsHeap} bytes (jsHeap null if unknown)
//   {type:'stats', id}                        -> {forwardPasses}: forward passes run so far (tests)
// Errors answer {type:'error', id, during, message}.
// Each channel (one view) keeps its last run in the module (a run handle) until
// its next run replaces it, so next-all and loss read that run's own hidden states
// and logits. Runs are coalesced per channel: a run waiting in the queue is
// replaced by a newer run of the same channel. Runs go before low-priority work
// (next-all, loss, scores, ranking steps), so a ranking in progress never blocks
// typing. Bundled models are fetched into memory; user files are streamed slice
// by slice with FileReaderSync so a 1.4 GB checkpoint never sits in memory twice.
import { HeadscopeRuntime, bufferReader, pickSimdBuild, threadsWanted } from './headscope-api.mjs';
import { nextTokens, nextTransfer } from './next-tokens.mjs';
import { HEAD_ARRAYS, headRowsFrom } from './result-patch.mjs';
import { hubModelFiles } from './hub/hub-load.mjs';
import { cancelledError } from './hub/hub-api.mjs';
import { weightsReader } from './hub/shards.mjs';
import { listStored, deleteStored } from './hub/store.mjs';
import { fetchBytes, fetchOptional, cspBlocked, userFiles } from './model-sources.mjs';
import { ByteTally, listenAll, countedWasm, wasmFailedPromise } from './load-progress.mjs';

let rt = null;
let runtimeError = null;
const wasmBytes = new ByteTally(); // the module's download, part of the first model load's progress
// The module's build: the threaded one where the worker is cross-origin isolated
// (threadsAllowed) and the engine has relaxed SIMD, relaxed SIMD where it has it, unless
// the worker's URL says ?simd=plain|relaxed|threads (web/client.mjs passes the page's own parameter).
// (import.meta.url, not self.location: a worker from another origin runs behind a
// blob: bootstrap, web/worker-start.mjs, whose own URL has no parameters)
const runtimeReady = Promise.resolve()
  .then(async () => {
    const build = pickSimdBuild(new URL(import.meta.url).searchParams.get('simd') || 'auto', { isolated: threadsAllowed() });
    const { default: createHeadscopeModule } = await import(`./dist/${build.name}.mjs`);
    // the .wasm's bytes are counted into the first load's progress (web/load-progress.mjs)
    const instantiateWasm = countedWasm(new URL(`./dist/${build.name}.wasm`, import.meta.url).href, wasmBytes);
    const hsThreads = threadsWanted(self.navigator && self.navigator.hardwareConcurrency);
    const module = await Promise.race([createHeadscopeModule({ instantiateWasm, hsThreads }), wasmFailedPromise()]);
    rt = new HeadscopeRuntime(module, build.simd, hsThreads);
  })
  .catch((e) => { runtimeError = e; });

// The threaded build needs shared memory (a cross-origin isolated worker) and starts its
// pthreads from its own script's URL, which must then be on this worker's origin (a worker
// behind a blob: bootstrap from a CDN keeps the single-threaded build).
function threadsAllowed() {
  return self.crossOriginIsolated === true && new URL(import.meta.url).origin === self.location.origin;
}

let forwardPasses = 0; // every model.run and scoreJson (a probe's pass in the module is not counted)
const models = new Map(); // key -> { model, vocab: null|string[], name, source, probe: null|object }
const loading = new Map(); // key -> Promise<entry>

const post = (msg, transfer) => self.postMessage(msg, transfer || []);
const errText = (e) => (e && e.message) || String(e);

async function ensureRuntime() {
  await runtimeReady;
  if (!rt) throw runtimeError || new Error('the wasm module failed to start');
}

function info(key, entry) {
  return { key, name: entry.name, source: entry.source, info: entry.model.info };
}

// A model folder by URL (absolute, ending in '/'). `files` (from index.json)
// lists the folder's files; without it, tokenizer.json is tried first, then
// vocab.json + merges.txt.
const weightsKey = (weights) => (!weights || weights === 'stored' ? '' : `#weights=${weights}`);

async function loadUrl({ id, url, name, files, weights }) {
  const key = url + weightsKey(weights);
  if (models.has(key)) return post({ type: 'loaded', id, ...info(key, models.get(key)) });
  if (!loading.has(key)) {
    const p = (async () => {
      const t0 = performance.now();
      const progress = (phase) => (done, total) => post({ type: 'progress', id, phase, done, total });
      // the listed files at once (one round trip, not one per file), counted with the
      // module's own download while it is still coming: one progress bar from the first byte
      const bytes = new ByteTally();
      const stopCounting = listenAll(rt ? [bytes] : [wasmBytes, bytes], progress('download'));
      const has = (f) => !files || files.includes(f);
      const optional = (f) => (has(f) ? fetchOptional(url + f, bytes) : undefined);
      let config, tokenizerJson, vocabJson, mergesTxt, st;
      try {
        const listedBpe = files && !has('tokenizer.json');
        [config, tokenizerJson, vocabJson, mergesTxt, st] = await Promise.all([
          fetchBytes(url + 'config.json', bytes), optional('tokenizer.json'),
          listedBpe ? optional('vocab.json') : undefined, listedBpe ? optional('merges.txt') : undefined,
          fetchBytes(url + 'model.safetensors', bytes),
        ]);
        if (!files && !tokenizerJson) { // an unlisted folder: vocab.json + merges.txt when there is no tokenizer.json
          [vocabJson, mergesTxt] = await Promise.all([optional('vocab.json'), optional('merges.txt')]);
        }
      } finally {
        stopCounting();
      }
      await ensureRuntime();
      const t1 = performance.now();
      const model = rt.loadModel({
        config, tokenizerJson, vocabJson, mergesTxt, safetensors: bufferReader(st), onProgress: progress('load'), weights,
      });
      const entry = { model, vocab: null, name: name || url.replace(/\/+$/, '').split('/').pop(), source: 'url', probe: null,
        timing: { fetchMs: t1 - t0, loadMs: performance.now() - t1, bytes: st.length } };
      models.set(key, entry);
      return entry;
    })();
    loading.set(key, p);
    p.catch(() => {}).finally(() => loading.delete(key));
  }
  const entry = await loading.get(key);
  post({ type: 'loaded', id, ...info(key, entry), timing: entry.timing });
}

// A model on the Hugging Face Hub: the stored copy, or downloaded into the
// store first (web/hub/hub-load.mjs); the module reads the weights from the
// store's files slice by slice, shards joined by web/hub/shards.mjs.
const hubLoads = new Map(); // request id -> AbortController
const hubConfirms = new Map(); // request id -> resolve(): the reader said yes to a big download
// Before a download bigger than askAbove: the page's question, answered by hub-confirm or hub-cancel.
function askFirst(id, askAbove, signal) {
  if (!askAbove) return undefined;
  return (plan) => {
    if (plan.downloadBytes <= askAbove) return undefined;
    post({ type: 'progress', id, phase: 'confirm', done: 0, total: plan.downloadBytes, files: plan.files.length });
    return new Promise((resolve, reject) => {
      hubConfirms.set(id, resolve);
      signal.addEventListener('abort', () => reject(cancelledError()), { once: true });
    }).finally(() => hubConfirms.delete(id));
  };
}
async function loadHub({ id, hub, repo, revision, weights, askAbove }) {
  const key = `hf:${hub}|${repo}@${revision}${weightsKey(weights)}`;
  if (models.has(key)) return post({ type: 'loaded', id, ...info(key, models.get(key)) });
  const abort = new AbortController();
  hubLoads.set(id, abort);
  if (!loading.has(key)) {
    const p = (async () => {
      const progress = (m) => post({ type: 'progress', id, ...m });
      const confirm = askFirst(id, askAbove, abort.signal);
      const files = await hubModelFiles({ hub, repo, revision, signal: abort.signal, cspBlocked, confirm }, progress);
      const { store, manifest } = files;
      let model;
      try {
        await ensureRuntime();
        const t1 = performance.now();
        const text = (path) => (manifest.tokenizer.includes(path) ? store.bytes(path) : undefined);
        model = rt.loadModel({
          config: store.bytes('config.json'), tokenizerJson: text('tokenizer.json'), vocabJson: text('vocab.json'),
          mergesTxt: text('merges.txt'), safetensors: weightsReader(store, manifest.weights),
          onProgress: (done, total) => progress({ phase: 'load', done, total }), weights,
        });
        const name = `${repo}${revision !== 'main' ? `@${revision}` : ''}`;
        return { model, vocab: null, name, source: 'hub', probe: null, hub: { hub, repo, revision, commit: manifest.commit },
          timing: { fetchMs: files.downloadMs, loadMs: performance.now() - t1, bytes: manifest.bytes, fromStore: files.fromStore } };
      } finally {
        store.close();
      }
    })();
    loading.set(key, p);
    p.then((entry) => models.set(key, entry), () => {}).finally(() => loading.delete(key));
  }
  try {
    const entry = await loading.get(key);
    post({ type: 'loaded', id, ...info(key, entry), hub: entry.hub, timing: entry.timing });
  } finally {
    hubLoads.delete(id);
  }
}

let fileSeq = 0;
function loadFiles({ id, files, weights }) {
  const { st, ...modelFiles } = userFiles(files);
  const model = rt.loadModel({ ...modelFiles, weights,
    onProgress: (done, total) => post({ type: 'progress', id, phase: 'load', done, total }) });
  const dir = (st.webkitRelativePath || '').split('/').slice(-2, -1)[0];
  const name = dir || `${st.name.replace(/\.safetensors$/i, '')} (${model.info.n_layer}×${model.info.n_head})`;
  // A user model replaces the previous user model (they can be large); the
  // module frees its runs with it.
  for (const [k, m] of models) {
    if (m.source !== 'file') continue;
    for (const [ch, lr] of lastRuns) if (lr.key === k) lastRuns.delete(ch);
    m.model.free();
    models.delete(k);
  }
  const key = `file:${++fileSeq}`;
  models.set(key, { model, vocab: null, name, source: 'file', probe: null });
  post({ type: 'loaded', id, ...info(key, models.get(key)) });
}

async function entryFor(key) {
  if (models.has(key)) return models.get(key);
  if (loading.has(key)) return loading.get(key);
  throw new Error('that model is not loaded (any more)');
}


// A run computes the last position's next token only (its logits come free
// with every run); every position's logits (T x V x C: ~1 GMAC for GPT-2 and 27
// tokens) are computed when the page asks for them ('next-all', 'loss'): at once
// after drawing for small models (the result says nextSoon), later for large
// vocabularies. So a keystroke's redraw never waits for them, and neither needs
// a second forward pass.
// With options.intermediates the result also carries qkv, scores and headOut.
// Every result carries the module's head-role scores of this run and of the
// built-in induction probe (roles: {text, probe}), and each head's score scale
// (scale_factors [L*H]: what q.k was multiplied by before the softmax).
const lastRuns = new Map(); // channel -> {id, key, run: HeadscopeRun, opts: its run options, sent: its result was posted}
function keepRun(channel, id, key, run, opts) {
  const old = lastRuns.get(channel);
  if (old) old.run.free();
  lastRuns.set(channel, { id, key, run, opts: opts || (old && old.opts) || {}, sent: false });
}
// The channel's run the page's client holds whole (the base a reused run's result can
// patch: web/result-patch.mjs), or null: none, another model, or the request asked for
// the whole arrays (`whole`: the client has no base for this channel).
function patchBase(channel, key, whole) {
  const prev = lastRuns.get(channel);
  return !whole && prev && prev.sent && prev.key === key ? { id: prev.id } : null;
}
async function run({ id, channel, key, text, options, whole }) {
  const entry = await entryFor(key);
  const t0 = performance.now();
  const { model } = entry;
  const opts = { ...(options || {}) };
  const prev = lastRuns.get(channel);
  const base = patchBase(channel, key, whole);
  // reuses the unchanged prefix, taking the previous run's arrays (keepRun frees it next)
  const r = model.run(text, opts, prev && prev.key === key ? prev.run : null, { takePrevious: true });
  forwardPasses++;
  keepRun(channel, id, key, r, opts); // (before the copies below, which can throw)
  postResult({ id, channel, key, entry, r, opts, t0, base, nextSoon: nextSoonFor(model, text.length / 3 + 1) });
}

// Small models get every position's next-token numbers at once after drawing (see above).
function nextSoonFor(model, estTokens) {
  const { vocab_size: V0, n_embd: C0, n_positions: P } = model.info;
  return Math.min(P, estTokens) * V0 * C0 <= 64e6;
}

// The per-head [L, H, T, T] arrays of a result: whole, or (a run that reused rows [0, p) of
// `base`, the run the client holds) only rows [p, T) of each head, with `patch`.
function headArrays(r, opts, base) {
  const { T, reused, n_layer: L, n_head: H } = r.meta;
  const names = { attention: 'attention', valueWeighted: opts.value_weighted && r.has('value_weighted') ? 'value_weighted' : null };
  const fields = {};
  const p = base && reused > 0 && reused <= T ? reused : 0;
  if (p) fields.patch = { base: base.id, reused: p };
  for (const [field, rowsField] of HEAD_ARRAYS) {
    const name = names[field];
    if (!name) continue;
    if (!r.has(name)) fields[field] = new Float32Array(0);
    else if (p) fields[rowsField] = headRowsFrom(r.view(name), L * H, T, p); // the new rows only
    else fields[field] = r.array(name); // e.g. value_weighted: alpha_ij ||v_j W_O^h|| [L, H, T, T]
  }
  return fields;
}

// The 'result' message of a kept run: its arrays copied out of the heap, roles, next tokens.
function postResult({ id, channel, key, entry, r, opts, t0, base, nextSoon, more = {} }) {
  const { model } = entry;
  const { meta } = r;
  const { T } = meta;
  const extra = headArrays(r, opts, base);
  const logitsLast = r.array('logits_last') || new Float32Array(0);
  const scaleFactors = r.array('score_scale') || new Float32Array(0);
  const transfer = [logitsLast.buffer, scaleFactors.buffer];
  for (const names of HEAD_ARRAYS) for (const f of names) if (extra[f]) transfer.push(extra[f].buffer);
  if (opts.intermediates && r.has('qkv')) {
    extra.qkv = r.array('qkv');
    extra.scores = r.array('scores');
    extra.headOut = r.array('head_out');
    transfer.push(extra.qkv.buffer, extra.scores.buffer, extra.headOut.buffer);
  }
  let roles = null;
  if (T > 0) {
    if (!entry.probe) entry.probe = model.probeRoles();
    roles = { text: r.roles(), probe: entry.probe };
  }
  const next = T > 0 ? nextTokens(entry, r, true) : null;
  const runMs = performance.now() - t0;
  const { arrays, ...plainMeta } = meta;
  post({ type: 'result', id, channel, modelKey: key, options: opts, ...plainMeta, logitsLast,
    scale_factors: scaleFactors, ...extra, roles, next, nextSoon, runMs, ...more, simd: rt.simd, threads: rt.threads },
  [...transfer, ...nextTransfer(next)]);
  const kept = lastRuns.get(channel);
  if (kept && kept.id === id) kept.sent = true; // the client holds it now: the next reused run may patch it
}

// ---------------------------------------------------------------- generation
// One token after the channel's run `runId` (the page's Continue loop sends one request per
// token, so each is drawn as it comes and Stop is simply not sending the next): chooses it
// in the module (src/model/generate.hpp) and runs only the new position; the new run
// becomes the channel's run.
async function generateStep({ id, channel, runId, sampling, step, whole }) {
  const lr = heldRun(channel, runId);
  if (!lr) return post({ type: 'superseded', id });
  const entry = await entryFor(lr.key);
  const t0 = performance.now();
  const base = patchBase(channel, lr.key, whole);
  const { run: r, ...generated } = lr.run.generateStep(sampling, step);
  forwardPasses++;
  const opts = { ...lr.opts }; // the options of the run it continues
  keepRun(channel, id, lr.key, r, opts);
  postResult({ id, channel, key: lr.key, entry, r, opts, t0, base, nextSoon: nextSoonFor(entry.model, r.meta.T), more: { generated } });
}

// The channel's last run, if it is still run `runId` (else a newer run replaced it).
function heldRun(channel, runId) {
  const lr = lastRuns.get(channel);
  return lr && lr.id === runId ? lr : null;
}

async function nextAll({ id, channel, runId }) {
  const lr = heldRun(channel, runId);
  if (!lr) return post({ type: 'superseded', id });
  const entry = await entryFor(lr.key);
  const t0 = performance.now();
  lr.run.fillAllLogits(); // from the run's final hidden states: no new forward pass
  const next = nextTokens(entry, lr.run);
  post({ type: 'next', id, runId, modelKey: lr.key, next, ms: performance.now() - t0 }, nextTransfer(next));
}

async function loss({ id, channel, runId }) {
  const lr = heldRun(channel, runId);
  if (!lr) return post({ type: 'superseded', id });
  const t0 = performance.now();
  const s = lr.run.loss(); // from the run's own logits (shared with next-all)
  post({ type: 'loss', id, runId, ...s, ms: performance.now() - t0 });
}

// The logit lens of a channel's run: the LM head on each layer's kept residual stream,
// one layer per queue step (a run typed meanwhile goes first; a newer run of the channel
// supersedes it). `ms`: the time spent computing it.
function lensJob({ id, channel, runId, top = 5 }) {
  let ms = 0;
  return async function step() {
    const lr = heldRun(channel, runId);
    if (!lr) {
      post({ type: 'superseded', id });
      return null;
    }
    const t0 = performance.now();
    const left = lr.run.lensStep(top);
    if (left > 0) {
      ms += performance.now() - t0;
      return step;
    }
    const out = JSON.parse(lr.run.lensJson(top));
    ms += performance.now() - t0;
    post({ type: 'lens', id, runId, lens: out, ms });
    return null;
  };
}

async function score({ id, key, text, options }) {
  const entry = await entryFor(key);
  const t0 = performance.now();
  const s = JSON.parse(entry.model.scoreJson(text, options || {}));
  forwardPasses++;
  post({ type: 'score', id, ...s, ms: performance.now() - t0 });
}

// Head ranking: the loss increase when each head is removed alone (the other
// knobs as given), one scoreJson per queue step so runs and cancels get through.
function rankingJob(msg) {
  const st = { msg, step: -1, base: NaN, deltas: null, total: 0 };
  return async function step() {
    const entry = await entryFor(msg.key);
    const { n_layer: L, n_head: H } = entry.model.info;
    const opts = { ...(msg.options || {}) };
    delete opts.ablate;
    if (st.step < 0) {
      st.base = JSON.parse(entry.model.scoreJson(msg.text, opts)).mean_nll;
      st.deltas = new Float64Array(L * H);
      st.total = L * H;
    } else {
      const l = Math.floor(st.step / H);
      const h = st.step % H;
      const s = JSON.parse(entry.model.scoreJson(msg.text, { ...opts, ablate: `${l}.${h}` }));
      st.deltas[st.step] = s.mean_nll - st.base;
    }
    st.step++;
    post({ type: 'progress', id: msg.id, phase: 'rank', done: st.step, total: st.total });
    if (st.step < st.total) return step; // again, at the back of the low-priority queue
    post({ type: 'rank', id: msg.id, base: st.base, deltas: st.deltas, n_layer: L, n_head: H });
    return null;
  };
}

// ---------------------------------------------------------------- the queue
// jobs: {id, kind, channel, prio (0 first), exec() -> Promise<next exec|null>}
const queue = [];
const cancelled = new Set();
let busy = false;
const tick = new MessageChannel();
function enqueue(job) {
  if (job.channel !== undefined && (job.kind === 'run' || job.kind === 'next-all' || job.kind === 'loss' || job.kind === 'lens')) {
    for (let i = queue.length - 1; i >= 0; i--) {
      const q = queue[i];
      if (q.kind === job.kind && q.channel === job.channel) {
        queue.splice(i, 1);
        post({ type: 'superseded', id: q.id });
      }
    }
  }
  queue.push(job);
  pump();
}
function pump() {
  if (!busy && queue.length) {
    busy = true;
    tick.port2.postMessage(0);
  }
}
tick.port1.onmessage = async () => {
  let k = queue.findIndex((j) => j.prio === 0);
  if (k < 0) k = 0;
  const job = queue.splice(k, 1)[0];
  try {
    if (job) {
      const again = await job.exec();
      if (again && !cancelled.has(job.id)) queue.push({ ...job, exec: again });
    }
  } catch (e) {
    post({ type: 'error', id: job.id, during: job.kind, message: errText(e) });
  }
  busy = false;
  pump();
};

self.onmessage = (ev) => {
  const msg = ev.data;
  const fail = (e) => post({ type: 'error', id: msg.id, during: 'load', message: errText(e) });
  switch (msg.type) {
    case 'load':
      loadUrl(msg).catch(fail);
      break;
    case 'load-hub':
      loadHub(msg).catch(fail);
      break;
    case 'hub-cancel':
      if (hubLoads.has(msg.target)) hubLoads.get(msg.target).abort();
      break;
    case 'hub-confirm':
      if (hubConfirms.has(msg.target)) hubConfirms.get(msg.target)();
      break;
    case 'hub-stored':
    case 'hub-delete':
      (msg.type === 'hub-delete' ? deleteStored(msg) : Promise.resolve())
        .then(listStored).then((list) => post({ type: 'hub-stored', id: msg.id, models: list })).catch(fail);
      break;
    case 'load-files':
      ensureRuntime().then(() => loadFiles(msg)).catch(fail);
      break;
    case 'run':
      enqueue({ id: msg.id, kind: 'run', channel: msg.channel, prio: 0, exec: () => run(msg) });
      break;
    case 'generate-step':
      enqueue({ id: msg.id, kind: 'run', channel: msg.channel, prio: 0, exec: () => generateStep(msg) });
      break;
    case 'next-all':
      enqueue({ id: msg.id, kind: 'next-all', channel: msg.channel, prio: 1, exec: () => nextAll(msg) });
      break;
    case 'loss':
      enqueue({ id: msg.id, kind: 'loss', channel: msg.channel, prio: 1, exec: () => loss(msg) });
      break;
    case 'lens':
      enqueue({ id: msg.id, kind: 'lens', channel: msg.channel, prio: 1, exec: lensJob(msg) });
      break;
    case 'score':
      // after any waiting run: the loss line can wait a keystroke, the views cannot
      enqueue({ id: msg.id, kind: 'score', prio: 1, exec: () => score(msg) });
      break;
    case 'rank':
      enqueue({ id: msg.id, kind: 'rank', prio: 1, exec: rankingJob(msg) });
      break;
    case 'cancel': {
      const i = queue.findIndex((j) => j.id === msg.target);
      if (i >= 0) queue.splice(i, 1);
      cancelled.add(msg.target);
      post({ type: 'cancelled', id: msg.target });
      break;
    }
    case 'memory': // the module's heap and this worker's JS heap (soak test, diagnostics)
      post({ type: 'memory', id: msg.id, wasmHeap: rt ? rt.m.HEAPU8.length : 0,
        jsHeap: self.performance && performance.memory ? performance.memory.usedJSHeapSize : null });
      break;
    case 'stats':
      post({ type: 'stats', id: msg.id, forwardPasses });
      break;
    case 'hello':
      ensureRuntime().then(() => post({ type: 'hello', id: msg.id, selfcheck: rt.selfcheck(), simd: rt.simd, threads: rt.threads })).catch(fail);
      break;
    default:
      post({ type: 'error', id: msg.id, during: 'request', message: `unknown request "${msg.type}"` });
  }
};
