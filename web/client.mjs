// web/client.mjs — the UI side of web/worker.mjs. One HeadscopeClient per page
// (sharedClient()) owns ONE worker, shared by the page and by every
// <headscope-view> element: requests carry ids and answers are routed back by
// id, so any number of views can run, score and rank heads concurrently, and a
// model is fetched and loaded once however many views show it.
// HeadscopeClient.workersCreated counts the workers made on this page.

import { startModuleWorker, workerStartProblem } from './worker-start.mjs';
import { ChannelArrays } from './result-patch.mjs';

const here = new URL('./', import.meta.url);

export class HeadscopeClient {
  static workersCreated = 0;

  constructor() {
    // ?simd=plain|relaxed on the page's URL picks the worker's wasm build (tests, benchmarks)
    const url = new URL('./worker.mjs', import.meta.url);
    const simd = typeof location === 'object' ? new URLSearchParams(location.search).get('simd') : null;
    if (simd) url.searchParams.set('simd', simd);
    this.worker = startModuleWorker(url);
    HeadscopeClient.workersCreated++;
    this.seq = 0;
    this.channels = 0;
    this.pending = new Map(); // id -> {resolve, reject, onProgress}
    this.loads = new Map(); // model URL -> Promise<model>
    this.failure = null;
    this.arrays = new ChannelArrays(); // each channel's last attention: reused runs come as patches of it
    this.worker.onmessage = ({ data }) => this.onMessage(data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.failure = new Error(workerStartProblem(url, e.message));
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
  }

  get workerCount() { return HeadscopeClient.workersCreated; }

  // A channel id for one view: its runs replace each other in the worker's queue.
  channel() { return ++this.channels; }

  onMessage(msg) {
    const p = this.pending.get(msg.id);
    if (msg.type === 'result') {
      try {
        this.arrays.complete(msg); // a reused run's new rows joined to the channel's previous arrays
      } catch (e) {
        msg = { type: 'error', id: msg.id, during: 'run', message: e.message };
      }
    }
    if (!p) return;
    switch (msg.type) {
      case 'progress':
        if (p.onProgress) p.onProgress(msg);
        return;
      case 'error':
        this.pending.delete(msg.id);
        p.reject(Object.assign(new Error(msg.message), { during: msg.during }));
        return;
      case 'superseded':
      case 'cancelled':
        this.pending.delete(msg.id);
        p.resolve(null);
        return;
      default:
        this.pending.delete(msg.id);
        p.resolve(msg);
    }
  }

  request(msg, { onProgress, transfer } = {}) {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...msg, id }, transfer || []);
    });
  }

  // The bundled models: [{name, files, url}] from dist/models/index.json next to this file.
  bundled() {
    this._bundled ??= fetch(new URL('dist/models/index.json', here))
      .then((r) => (r.ok ? r.json() : []))
      .catch(() => [])
      .then((list) => list.map((b) => (typeof b === 'string' ? { name: b } : b))
        .map((b) => ({ ...b, url: new URL(`dist/models/${encodeURIComponent(b.name)}/`, here).href })));
    return this._bundled;
  }

  // Load a model folder by URL (absolute, or relative to `base`); one load per URL
  // and weight mode (`weights`: 'stored', the default, or 'compact16': F32 matrices
  // and tables rounded to 16 bits). Resolves to {key, name, source, info, timing}.
  async load(url, { base = document.baseURI, name, onProgress, weights = 'stored' } = {}) {
    let abs = new URL(url, base).href;
    if (!abs.endsWith('/')) abs += '/';
    const key = weights === 'stored' ? abs : `${abs}#weights=${weights}`;
    if (!this.loads.has(key)) {
      const listeners = (this._listeners ??= new Map());
      const set = new Set();
      listeners.set(key, set);
      const p = this.bundled().then((list) => {
        const b = list.find((x) => x.url === abs);
        return this.request({ type: 'load', url: abs, weights, name: name || (b && b.name), files: b && b.files },
          { onProgress: (m) => { for (const f of set) f(m); } })
          .then((m) => ({ ...m, source: b ? 'bundled' : 'url', url: abs }));
      });
      this.loads.set(key, p);
      p.catch(() => this.loads.delete(key));
    }
    const set = this._listeners.get(key);
    if (onProgress && set) set.add(onProgress);
    try {
      return await this.loads.get(key);
    } finally {
      if (onProgress && set) set.delete(onProgress);
    }
  }

  // The first bundled model (the default of every view), or null.
  async loadDefault(opts) {
    const list = await this.bundled();
    if (!list.length) return null;
    return this.load(list[0].url, { ...opts, name: list[0].name });
  }

  // A model on the Hugging Face Hub ({hub, repo, revision}), one load per model:
  // {promise -> {key, name, source: 'hub', info, hub, timing}, cancel()}. Each caller
  // gets the load's progress; cancel() stops the download (the promise rejects). With askAbove
  // (bytes), a bigger download waits after a 'confirm' progress message for confirm().
  loadHub({ hub, repo, revision }, { onProgress, weights = 'stored', askAbove } = {}) {
    const key = `hf:${hub}|${repo}@${revision}${weights === 'stored' ? '' : `#weights=${weights}`}`;
    const hubLoads = (this._hubLoads ??= new Map());
    if (!hubLoads.has(key)) {
      const listeners = new Set();
      const id = this.seq + 1;
      const promise = this.request({ type: 'load-hub', hub, repo, revision, weights, askAbove },
        { onProgress: (m) => { for (const f of listeners) f(m); } });
      const entry = { id, promise, listeners };
      hubLoads.set(key, entry);
      promise.catch(() => hubLoads.delete(key));
    }
    const entry = hubLoads.get(key);
    if (onProgress) entry.listeners.add(onProgress);
    const promise = entry.promise.finally(() => { if (onProgress) entry.listeners.delete(onProgress); });
    return {
      promise,
      cancel: () => this.worker.postMessage({ type: 'hub-cancel', target: entry.id }),
      confirm: () => this.worker.postMessage({ type: 'hub-confirm', target: entry.id }),
    };
  }

  // The Hub models kept in this browser: [{hub, repo, revision, commit, bytes, storedAt}].
  async hubStored() {
    return (await this.request({ type: 'hub-stored' })).models;
  }

  async hubDelete(ref) {
    const { hub, repo, revision } = ref;
    if (this._hubLoads)
      for (const k of [...this._hubLoads.keys()]) if (k.split('#')[0] === `hf:${hub}|${repo}@${revision}`) this._hubLoads.delete(k);
    return (await this.request({ type: 'hub-delete', hub, repo, revision })).models;
  }

  loadFiles(files, { onProgress, weights = 'stored' } = {}) {
    return this.request({ type: 'load-files', files: [...files], weights }, { onProgress });
  }

  // Resolves to the result, or null when a newer run of the channel replaced it.
  // (`whole`: the worker sends the whole arrays when this client has no base for the channel's next patch)
  run(channel, key, text, options) {
    return this.request({ type: 'run', channel, key, text, options, whole: !this.arrays.last.has(channel) });
  }

  // One generated token after the channel's run `runId` (the worker's id of it): a result
  // like run's with `generated`; null when a newer run of the channel replaced it.
  generateStep(channel, runId, sampling, step) {
    return this.request({ type: 'generate-step', channel, runId, sampling, step, whole: !this.arrays.last.has(channel) });
  }

  nextAll(channel, runId) {
    return this.request({ type: 'next-all', channel, runId });
  }

  // The mean next-token NLL of a channel's run, from that run's own logits
  // ({tokens, mean_nll}), or null when a newer run of the channel replaced it.
  loss(channel, runId) {
    return this.request({ type: 'loss', channel, runId });
  }

  // The logit lens of a channel's run made with option lens ({type:'lens', lens}), or
  // null when a newer run of the channel replaced it.
  lens(channel, runId, top = 5) {
    return this.request({ type: 'lens', channel, runId, top });
  }

  score(key, text, options) {
    return this.request({ type: 'score', key, text, options });
  }

  // {wasmHeap, jsHeap}: the module's heap and the worker's JS heap in bytes
  // (jsHeap null where the browser does not tell).
  memory() {
    return this.request({ type: 'memory' });
  }

  // {forwardPasses}: how many forward passes the worker has run (tests).
  stats() {
    return this.request({ type: 'stats' });
  }

  // Loss increase of removing each head alone: {promise -> {base, deltas} | null, cancel()}.
  // (The worker's wire message is still named 'prune'.)
  rankHeads(key, text, options, onProgress) {
    const id = this.seq + 1;
    const promise = this.request({ type: 'rank', key, text, options }, { onProgress });
    return { promise, cancel: () => this.worker.postMessage({ type: 'cancel', target: id }) };
  }
}

let shared = null;
export function sharedClient() {
  shared ??= new HeadscopeClient();
  return shared;
}
