// web/headscope-api.mjs — the JavaScript face of the wasm module, shared by the
// Web Worker and the Node CLI (web/cli.mjs). It owns marshalling: strings in
// and out of the wasm heap, safetensors readers, turning the module's error
// codes into JS Errors with the module's own message, and copying result arrays
// out of the heap (views are re-created after every call, since memory can grow).
// Three objects mirror the module's handles: HeadscopeRuntime (the module),
// HeadscopeModel (a loaded model), HeadscopeRun (one run: every array it
// computed, by the names and shapes its meta lists, until free()).
// It also picks which of the three builds of the module to start (pickSimdBuild).

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

// ---- which build: plain SIMD128, or relaxed SIMD (fused multiply-add) ----------
// dist/headscope.{mjs,wasm} uses SIMD128 only; dist/headscope-relaxed.{mjs,wasm}
// also f32x4.relaxed_madd (Chromium, Firefox; Node 20 only with
// --experimental-wasm-relaxed-simd; not WebKit yet), about 1.2x faster GEMMs.
// dist/headscope-threads.{mjs,wasm} is the relaxed build with pthreads: the
// kernels' GEMMs and attention split over Web Workers on a shared memory, which
// a page has only when it is cross-origin isolated (COOP/COEP headers, or
// web/coi-sw.js): `crossOriginIsolated` is then true.
export const SIMD_BUILDS = { plain: 'headscope', relaxed: 'headscope-relaxed', threads: 'headscope-threads' };
// The most threads the threaded build starts (its worker pool; cmake/WasmThreads.cmake allows 64).
export const MAX_THREADS = 16;

// (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
const RELAXED_SIMD_PROBE = Uint8Array.of(
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // types: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // functions: one, of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, // code: no locals, three local.get
  0xfd, 0x85, 0x02, 0x0b); // f32x4.relaxed_madd (0xfd 0x105), end

export function relaxedSimdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

// simd: 'auto' (threads where the context is cross-origin isolated and the
// engine validates relaxed SIMD, else relaxed where it validates, else plain),
// 'plain', 'relaxed' or 'threads' (an error where the engine or context cannot
// run it); isolated: whether shared memory is allowed here (crossOriginIsolated)
// -> { simd, name }, name being the module's file name in dist/ without .mjs/.wasm.
export function pickSimdBuild(simd = 'auto', { isolated = false } = {}) {
  if (!['auto', 'plain', 'relaxed', 'threads'].includes(simd)) {
    throw new Error(`simd must be auto, plain, relaxed or threads, not "${simd}"`);
  }
  const supported = relaxedSimdSupported();
  if ((simd === 'relaxed' || simd === 'threads') && !supported) {
    throw new Error(`simd=${simd}: this engine rejects relaxed SIMD (WebAssembly.validate of f32x4.relaxed_madd); ` +
      'use simd=plain or auto (under Node 20: node --experimental-wasm-relaxed-simd)');
  }
  if (simd === 'threads' && !isolated) {
    throw new Error('simd=threads: this page is not cross-origin isolated (no shared memory): it needs the headers ' +
      'Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp (README, "Threads")');
  }
  const pick = simd !== 'auto' ? simd : !supported ? 'plain' : isolated ? 'threads' : 'relaxed';
  return { simd: pick, name: SIMD_BUILDS[pick] };
}

// How many threads the threaded build should use: the cores the engine reports, at most MAX_THREADS.
export function threadsWanted(cores) {
  return Math.max(1, Math.min(MAX_THREADS, Math.floor(Number(cores)) || 1));
}

export class HeadscopeRuntime {
  // simd: which build `module` is ('plain', 'relaxed' or 'threads'), for the page's status and tests;
  // threads: how many threads its kernels should use (the threaded build was started with
  // hsThreads = this many; the others run one)
  constructor(module, simd = 'plain', threads = 1) {
    this.m = module;
    this.simd = simd;
    this.maxThreads = simd === 'threads' ? threadsWanted(threads) : 1;
    this.setThreads(this.maxThreads);
    this.readers = new Map();
    this.nextReader = 1;
    module.hsReadBytes = (id, offset, n, dst) => {
      const reader = this.readers.get(id);
      if (!reader) return 0;
      // A destination outside the heap (a tensor whose size overflowed the
      // module's 32-bit size_t, e.g. 2^32+ floats) must not be written: a view
      // would silently clamp at the end of the heap and the reader overwrite it.
      if (dst + n > this.m.HEAPU8.length) {
        reader.error = new Error(`out of memory: ${n} bytes do not fit in the module's memory ` +
          `(${this.m.HEAPU8.length} bytes; the tensor is too large for the memory available here)`);
        return 0;
      }
      try {
        const view = this.m.HEAPU8.subarray(dst, dst + n);
        reader.read(offset, n, view);
        return 1;
      } catch (e) {
        reader.error = e;
        return 0;
      }
    };
    module.hsProgress = (id, done, total) => {
      const reader = this.readers.get(id);
      if (reader && reader.onProgress) reader.onProgress(done, total);
    };
  }

  // The kernels' threads from now on: n, at most the count the module started with (its worker
  // pool); the single-threaded builds stay at 1. Returns the count in use.
  setThreads(n) {
    this.threads = this.simd === 'threads' ? this.m._hs_set_threads(Math.min(threadsWanted(n), this.maxThreads)) : 1;
    return this.threads;
  }

  // Copy bytes (Uint8Array) or a string (UTF-8) into the heap; returns [ptr, len].
  pass(value) {
    const bytes = typeof value === 'string' ? encoder.encode(value) : value;
    // hs_alloc takes an int: 2 GB or more would wrap to a 1-byte allocation
    if (bytes.length >= 0x7fffffff) throw new Error(`out of memory passing ${bytes.length} bytes to the module`);
    const ptr = this.m._hs_alloc(bytes.length + 1) >>> 0;
    if (!ptr) throw new Error(`out of memory passing ${bytes.length} bytes to the module`);
    this.m.HEAPU8.set(bytes, ptr);
    this.m.HEAPU8[ptr + bytes.length] = 0;
    return [ptr, bytes.length];
  }

  string(ptr) {
    ptr >>>= 0;
    if (!ptr) throw new Error(this.lastError());
    const heap = this.m.HEAPU8;
    let end = ptr;
    while (heap[end] !== 0) end++;
    const bytes = heap.subarray(ptr, end);
    // TextDecoder refuses views of shared memory (the threaded build's heap): decode a copy
    return decoder.decode(heap.buffer instanceof ArrayBuffer ? bytes : bytes.slice());
  }

  lastError() {
    return this.m.UTF8ToString(this.m._hs_last_error() >>> 0) || 'unknown error in the wasm module';
  }

  selfcheck() {
    return JSON.parse(this.string(this.m._hs_selfcheck()));
  }

  // files: { config: string|Uint8Array, tokenizerJson?, vocabJson?, mergesTxt?,
  //          safetensors: { size, read(offset, n, dstU8) }, onProgress?(done, total),
  //          weights?: 'stored' (16-bit tensors stay 16-bit; the default) | 'f32' | 'compact16' }
  loadModel(files) {
    const id = this.nextReader++;
    const reader = { read: files.safetensors.read, onProgress: files.onProgress, error: null };
    this.readers.set(id, reader);
    const owned = [];
    const arg = (v) => {
      if (v === undefined || v === null) return [0, -1];
      const p = this.pass(v);
      owned.push(p[0]);
      return p;
    };
    try {
      const [c, cl] = arg(files.config);
      const [t, tl] = arg(files.tokenizerJson);
      const [v, vl] = arg(files.vocabJson);
      const [mg, ml] = arg(files.mergesTxt);
      const [w] = arg(files.weights);
      const handle = this.m._hs_model_load(c, cl, t, tl, v, vl, mg, ml, files.safetensors.size, id, w);
      if (!handle) {
        let msg = this.lastError();
        if (reader.error) msg += ` (${reader.error.message || reader.error})`;
        throw new Error(msg);
      }
      return new HeadscopeModel(this, handle);
    } finally {
      for (const p of owned) this.m._hs_free(p);
      this.readers.delete(id);
    }
  }
}

// The mask tokens of BERT-style vocabularies (BERT, DistilBERT: [MASK]; RoBERTa: <mask>).
const MASK_TOKENS = ['[MASK]', '<mask>'];

export class HeadscopeModel {
  constructor(rt, handle) {
    this.rt = rt;
    this.handle = handle;
    this.info = JSON.parse(rt.string(rt.m._hs_model_info(handle)));
    this._vocab = null;
    // encoders: the vocabulary's mask token ("[MASK]" or "<mask>"; null when it has none),
    // for the page's masked-token predictions
    if (this.info.causal === false) {
      const vocab = this.vocab();
      const id = MASK_TOKENS.map((t) => vocab.indexOf(t)).find((i) => i >= 0);
      this.info.mask_token = id === undefined ? null : vocab[id];
      this.info.mask_id = id === undefined ? -1 : id;
    }
  }

  withText(text, fn) {
    const [p, n] = this.rt.pass(text);
    try {
      return fn(p, n);
    } finally {
      this.rt.m._hs_free(p);
    }
  }

  withOptions(options, fn) {
    const [p] = this.rt.pass(JSON.stringify(options || {}));
    try {
      return fn(p);
    } finally {
      this.rt.m._hs_free(p);
    }
  }

  tokenizeJson(text, options) {
    return this.withText(text, (p, n) =>
      this.withOptions(options, (o) => this.rt.string(this.rt.m._hs_tokenize_json(this.handle, p, n, o))));
  }

  vocab() {
    if (!this._vocab) this._vocab = JSON.parse(this.rt.string(this.rt.m._hs_vocab_json(this.handle)));
    return this._vocab;
  }

  // Runs the model: a HeadscopeRun, which holds the module's memory until run.free().
  // `previous` (a HeadscopeRun of this model, optional): its unchanged prefix is reused.
  // With takePrevious the new run takes previous's arrays instead of copying its rows
  // (for a caller that frees previous right after): previous is freed if the run succeeds.
  run(text, options, previous = null, { takePrevious = false } = {}) {
    const prev = previous && previous.model === this ? previous.handle : 0;
    const take = prev && takePrevious ? 1 : 0;
    const handle = this.withText(text, (p, n) =>
      this.withOptions(options, (o) => this.rt.m._hs_run(this.handle, p, n, o, prev, take)));
    if (!handle) throw new Error(this.rt.lastError());
    if (take) previous.handle = 0; // (the module freed it)
    return new HeadscopeRun(this, handle);
  }

  // Run, copy out the meta and the attention and last-position logits, free the run.
  runData(text, options) {
    const run = this.run(text, options);
    try {
      return { ...run.meta, attention: run.array('attention'), logitsLast: run.array('logits_last') };
    } finally {
      run.free();
    }
  }

  // CLI contract JSON (same bytes as the native CLI for the same numbers).
  runJson(text, options) {
    const run = this.run(text, options);
    try {
      return run.json();
    } finally {
      run.free();
    }
  }

  // The logit lens of the text (a run with option lens, then the LM head on every
  // layer's residual stream): the CLI's lens JSON, top `top` tokens per layer and position.
  lensJson(text, options, top) {
    const run = this.run(text, { ...options, lens: true });
    try {
      return run.lensJson(top);
    } finally {
      run.free();
    }
  }

  // Mean next-token NLL of the text (its own forward pass): the CLI's score JSON.
  scoreJson(text, options) {
    return this.withText(text, (p, n) =>
      this.withOptions(options, (o) => this.rt.string(this.rt.m._hs_score_json(this.handle, p, n, o))));
  }

  // Head-role scores on the text and on the probe, as the CLI's roles JSON.
  rolesJson(text, options) {
    return this.withText(text, (p, n) =>
      this.withOptions(options, (o) => this.rt.string(this.rt.m._hs_roles_json(this.handle, p, n, o))));
  }

  // The same, parsed: {text: {names, scores [L][H][k], roles [L][H]}, probe: {...}}.
  roles(text, options) {
    return JSON.parse(this.rolesJson(text, options));
  }

  // Generation (src/model/generate.hpp): the CLI's generate JSON for a text, the whole loop.
  generateJson(text, options, sampling) {
    return this.withText(text, (p, n) => this.withOptions(options, (o) => this.withOptions(sampling, (s) =>
      this.rt.string(this.rt.m._hs_generate_json(this.handle, p, n, o, s)))));
  }

  // Head-role scores on the built-in induction probe (cached per model).
  probeRoles() {
    return JSON.parse(this.rt.string(this.rt.m._hs_probe_roles_json(this.handle)));
  }

  free() {
    if (this.handle) this.rt.m._hs_model_free(this.handle);
    this.handle = 0;
  }
}

// One run of a model. meta: {ids, tokens, T, n_layer, n_head, n_embd, vocab_size,
// truncated, nonfinite, n_tokens_in_text, arrays: {name: shape}}; arrays by name:
// attention [L,H,T,T], logits_last [V], final_hidden [T,C], score_scale [L,H],
// and, when computed, logits_all [T,V] and (options.intermediates) qkv [L,T,3C],
// scores [L,H,T,T], head_out [L,T,C].
export class HeadscopeRun {
  constructor(model, handle) {
    this.model = model;
    this.rt = model.rt;
    this.handle = handle;
    this.meta = this.readMeta();
  }

  readMeta() {
    return JSON.parse(this.rt.string(this.rt.m._hs_run_meta(this.handle)));
  }

  has(name) {
    return Object.hasOwn(this.meta.arrays, name);
  }

  // A fresh view of one array in the heap (valid until the next call into the module).
  view(name) {
    const shape = this.meta.arrays[name];
    if (!shape) throw new Error(`this run has no array "${name}"`);
    const [p] = this.rt.pass(name);
    let ptr;
    try {
      ptr = this.rt.m._hs_run_array(this.handle, p) >>> 0;
    } finally {
      this.rt.m._hs_free(p);
    }
    if (!ptr) throw new Error(this.rt.lastError());
    const n = shape.reduce((a, b) => a * b, 1);
    return this.rt.m.HEAPF32.subarray(ptr >>> 2, (ptr >>> 2) + n);
  }

  // A copy of one array (a transferable Float32Array), or null when absent.
  array(name) {
    return this.has(name) ? this.view(name).slice() : null;
  }

  // Every position's next-token logits, from the run's final hidden states (no new forward pass).
  fillAllLogits() {
    if (!this.rt.m._hs_run_fill_all_logits(this.handle)) throw new Error(this.rt.lastError());
    this.meta = this.readMeta();
  }

  // The run's mean next-token NLL ({tokens, mean_nll, truncated}) from its own logits.
  loss() {
    const out = JSON.parse(this.rt.string(this.rt.m._hs_run_loss_json(this.handle)));
    this.meta = this.readMeta(); // it now has logits_all
    return out;
  }

  // Next-token logits at `position` (a Float32Array [V] copy).
  logitsAt(position) {
    const ptr = this.rt.m._hs_run_logits_at(this.handle, position) >>> 0;
    if (!ptr) throw new Error(this.rt.lastError());
    return this.rt.m.HEAPF32.slice(ptr >>> 2, (ptr >>> 2) + this.meta.vocab_size);
  }

  // Head-role scores of this run: {names, scores [L][H][k], roles [L][H]}.
  roles() {
    return JSON.parse(this.rt.string(this.rt.m._hs_run_roles_json(this.handle)));
  }

  // One generation step after this run: {run: the new HeadscopeRun (this one stays), id, token,
  // prob, step, prompt_tokens, continuation, stopped, stopped_because} (hs_generate_step).
  generateStep(sampling, step) {
    const out = this.model.withOptions(sampling, (s) => JSON.parse(this.rt.string(this.rt.m._hs_generate_step(this.handle, s, step))));
    return { ...out, run: new HeadscopeRun(this.model, out.run) };
  }

  // The logit lens of this run (made with option lens; no new forward pass): the CLI's lens JSON.
  lensJson(top) {
    return this.rt.string(this.rt.m._hs_run_lens_json(this.handle, top));
  }

  // One more layer of this run's lens (lensJson then finishes it): how many layers are left.
  lensStep(top) {
    const left = this.rt.m._hs_run_lens_step(this.handle, top);
    if (left < 0) throw new Error(this.rt.lastError());
    return left;
  }

  // The CLI contract's JSON.
  json() {
    return this.rt.string(this.rt.m._hs_run_json(this.handle));
  }

  free() {
    if (this.handle) this.rt.m._hs_run_free(this.handle);
    this.handle = 0;
  }
}

// Reader over bytes already in memory (a fetched model, or a small file).
export function bufferReader(buffer) {
  const u8 = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  return {
    size: u8.length,
    read(offset, n, dst) {
      if (offset + n > u8.length) throw new Error(`read past the end of the file (${offset}+${n} > ${u8.length})`);
      dst.set(u8.subarray(offset, offset + n));
    },
  };
}
