// bench/peers/bench.mjs — the workloads of the peers bench, shared by the
// Chromium page (bench/peers/index.html) and Node (bench/peers/node-task.mjs).
// One task runs one engine on one workload and returns figures
// { name: [value, unit] } without the environment prefix.
//
// The environment supplies `io`:
//   io.readBytes(path) -> Promise<Uint8Array>     (path relative to the repo root)
//   io.exists(path)    -> Promise<boolean>
//   io.loadOurs()      -> Promise<HeadscopeRuntime>     (build/peers/ours/headscope.{mjs,wasm})
//   io.loadOursThreads(n) -> Promise<HeadscopeRuntime>  (web/dist/headscope-threads.{mjs,wasm}, n threads)
//   io.loadGemm()      -> Promise<Emscripten module>    (build/peers/gemm.{mjs,wasm})
//   io.loadOrt()       -> Promise<ort namespace>        (onnxruntime-web, wasm backend)
//   io.loadTf()        -> Promise<tf namespace>         (tfjs-core + tfjs-backend-wasm)
import { bufferReader } from '../../web/headscope-api.mjs';

export const GEMM_SHAPES = [[64, 768, 2304], [64, 768, 768], [64, 3072, 768], [1, 768, 2304]];

// A text of well over 64 GPT-2 tokens; runs take its first T tokens (max_tokens).
export const TEXT =
  'Attention heads in a transformer each look at earlier positions of the text, weighing them by the ' +
  'similarity of a query and a key, and copy information from the values they attend to. Some heads track ' +
  'the previous token, others find the first token, and induction heads complete repeated patterns: when ' +
  'the text has shown a pair of tokens once, an induction head looks back at what followed the first ' +
  'occurrence and predicts that it follows again. Headscope computes every one of these heads in the ' +
  'browser and draws their attention, layer by layer, so a reader can see which heads do what.';

const now = () => performance.now();
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const n = s.length;
  return n % 2 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
};

// Warm fn up (sync or async) for at least minWarmMs and until V8's optimising
// tier shows: wasm starts in the baseline tier (Liftoff) and a function switches
// to TurboFan code only on a later call, once its background compile is done, so
// the warm-up goes on until the median of the last 5 calls is within 3% of the 5
// before (or maxWarmMs has passed). Returns how many calls make one sample of
// >= minSampleMs (a page's timer has 0.1 ms resolution).
export async function warmUp(fn, { minWarmMs = 1500, maxWarmMs = 20000, minSampleMs = 20 } = {}) {
  const warm = [];
  const t0 = now();
  for (;;) {
    const a = now();
    await fn();
    warm.push(now() - a);
    const el = now() - t0;
    if (el > maxWarmMs) break;
    if (el < minWarmMs || warm.length < 10) continue;
    const last = median(warm.slice(-5)), prev = median(warm.slice(-10, -5));
    if (Math.abs(last - prev) <= 0.03 * prev) break;
  }
  const per = median(warm.slice(-5));
  return Math.max(1, Math.ceil(minSampleMs / Math.max(per, 1e-3)));
}

// Time several engines on one workload: warm each up, then take `runs` samples of
// each, interleaved (a b a b ...), so a machine whose load changes (training runs
// beside the bench) weighs on every engine alike. Returns per engine the median
// and the minimum milliseconds per call.
export async function timeInterleaved(fns, { runs = 20, ...opts } = {}) {
  const reps = [];
  for (const fn of fns) reps.push(await warmUp(fn, opts));
  const t = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let e = 0; e < fns.length; e++) {
      const a = now();
      for (let r = 0; r < reps[e]; r++) await fns[e]();
      t[e].push((now() - a) / reps[e]);
    }
  }
  return t.map((x) => ({ ms: median(x), min: Math.min(...x) }));
}

function randn(n, seed) {
  // xorshift + Box-Muller: the same data in every environment
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return a;
}

async function readModelFiles(io, dir) {
  const opt = async (f) => ((await io.exists(`${dir}/${f}`)) ? io.readBytes(`${dir}/${f}`) : undefined);
  const files = {
    config: await io.readBytes(`${dir}/config.json`),
    tokenizerJson: await opt('tokenizer.json'),
  };
  if (!files.tokenizerJson) {
    files.vocabJson = await opt('vocab.json');
    files.mergesTxt = await opt('merges.txt');
  }
  files.safetensors = bufferReader(await io.readBytes(`${dir}/model.safetensors`));
  return files;
}

// ---- full forward: ours vs ONNX Runtime Web (wasm EP, SIMD, `threads` threads) ---------
// ours: model.run(text, {max_tokens: T}) = tokenize, forward pass, and the attention
//       of every layer and the last position's logits copied out to JS arrays.
// ort:  session.run on the same T ids = forward pass, both outputs copied out to JS.
// threads > 1: ours is the threaded module the page runs when cross-origin isolated
// (which is also the relaxed-SIMD build), ORT is started with numThreads = threads (its
// wasm is set up once per process, so one task has one ORT thread count; onnxruntime-web
// 1.30 sizes its one thread pool by env.wasm.numThreads, intraOpNumThreads is passed too).
async function ortSession(io, onnx, threads = 1) {
  const ort = await io.loadOrt();
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(await io.readBytes(onnx), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  // ORT sets numThreads back to 1 when the context has no shared memory (it warns then)
  if (ort.env.wasm.numThreads !== threads) {
    throw new Error(`ONNX Runtime Web runs ${ort.env.wasm.numThreads} thread(s), not ${threads} (no shared memory here?)`);
  }
  return { ort, session };
}

function idsTensor(ort, ids) {
  return new ort.Tensor('int64', BigInt64Array.from(ids.map((i) => BigInt(i))), [ids.length]);
}

// Our runtime: the plain single-threaded module, or with threads > 1 the threaded one,
// checked to run that many threads.
async function oursRuntime(io, threads = 1) {
  if (threads === 1) return io.loadOurs();
  const rt = await io.loadOursThreads(threads);
  if (rt.simd !== 'threads' || rt.maxThreads !== threads || rt.setThreads(threads) !== threads) {
    throw new Error(`the threaded module runs ${rt.threads} thread(s) (${rt.simd} build, ${rt.maxThreads} started), not ${threads}`);
  }
  return rt;
}

async function oursLoad(io, dir, threads = 1) {
  const rt = await oursRuntime(io, threads);
  return { rt, m: rt.loadModel(await readModelFiles(io, dir)) };
}

// threads = 1: ours and ORT, one thread each (figures ours_TAG_T64_ms, ...).
// threads = n > 1: ours (threaded module) and ORT at n threads, and the threaded module
// at 1 thread beside them (what its threads alone buy), figures suffixed _nt / _1t:
// ours_TAG_T64_2t_ms, ort_TAG_T64_2t_ms, ours_threadsmodule_TAG_T64_1t_ms.
export async function modelPair(io, { model, onnx, tag, Ts, text = TEXT, timing, threads = 1 }) {
  const fig = {};
  const nt = threads > 1 ? `_${threads}t` : '';
  let t = now();
  const { rt, m } = await oursLoad(io, model, threads);
  fig[`ours_${tag}${nt}_load_ms`] = [now() - t, 'ms'];
  t = now();
  const { ort, session } = await ortSession(io, onnx, threads);
  fig[`ort_${tag}${nt}_load_ms`] = [now() - t, 'ms'];
  if (threads > 1) {
    fig[`ours_${tag}${nt}_threads`] = [rt.threads, 'threads'];
    fig[`ort_${tag}${nt}_threads`] = [ort.env.wasm.numThreads, 'threads'];
  }
  for (const T of Ts) {
    const r0 = m.runData(text, { max_tokens: T });
    if (r0.T !== T) throw new Error(`the text gave ${r0.T} tokens, fewer than T = ${T}`);
    const feeds = { input_ids: idsTensor(ort, Array.from(r0.ids)) };
    const oursAt = (n) => () => {
      rt.setThreads(n);
      return m.runData(text, { max_tokens: T });
    };
    const peer = async () => {
      const out = await session.run(feeds);
      if (out.attention.data.length !== r0.attention.length) throw new Error('ORT attention has the wrong size');
    };
    const engines = [[`ours_${tag}_T${T}${nt}`, oursAt(threads)], [`ort_${tag}_T${T}${nt}`, peer]];
    if (threads > 1) engines.push([`ours_threadsmodule_${tag}_T${T}_1t`, oursAt(1)]);
    const times = await timeInterleaved(engines.map(([, fn]) => fn), timing);
    engines.forEach(([name], e) => {
      fig[`${name}_ms`] = [times[e].ms, 'ms'];
      fig[`${name}_min_ms`] = [times[e].min, 'ms'];
    });
  }
  m.free();
  await session.release();
  return { figures: fig };
}

// For the check before timing: our numbers and ORT's on the same ids.
export async function oursReference(io, { model, T, text = TEXT, threads = 1 }) {
  const { rt, m } = await oursLoad(io, model, threads);
  const r = m.runData(text, { max_tokens: T });
  const out = { ids: Array.from(r.ids), logits: r.logitsLast, attention: r.attention, threads: rt.threads };
  m.free();
  return out;
}

export async function ortReference(io, { onnx, ids, threads = 1 }) {
  const { ort, session } = await ortSession(io, onnx, threads);
  const out = await session.run({ input_ids: idsTensor(ort, ids) });
  const res = { logits: out.logits_last.data, attention: out.attention.data, dims: out.attention.dims };
  await session.release();
  return res;
}

// ---- GEMM: ours (bench/peers/gemm.cpp over src/kernels) vs tfjs-wasm ----------------
// y = x W + b. ours: gemm_packed, W packed once (as the model does at load).
// tfjs: tf.fused.matMul({a, b, bias}) on the wasm backend (XNNPACK fully
// connected, which packs W once and caches the operator); both results stay in
// their wasm heaps (no read-back in the timed loop).
const shapeTag = ([T, K, N]) => `${T}x${K}x${N}`;

export async function gemmPair(io, { timing, shapes = GEMM_SHAPES }) {
  const g = await io.loadGemm();
  const tf = await io.loadTf();
  const fig = {};
  fig.tfjs_backend_is_wasm = [tf.getBackend() === 'wasm' ? 1 : 0, 'bool'];
  fig.tfjs_wasm_simd = [(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 1 : 0, 'bool'];
  // WASM SIMD peak of this engine: kernel_bench's loop (~2-4 ms a call), timed
  // interleaved with every shape's GEMMs, so a ratio to the peak compares
  // figures taken under the same load.
  const iters = 1 << 16;
  const peakFlop = g._peers_peak_flops(iters);
  const peaks = [];
  const check = {};
  for (const s of shapes) {
    const [T, K, N] = s;
    const x = randn(T * K, 1), w = randn(K * N, 2), b = randn(N, 3);
    const px = g._peers_alloc_floats(T * K) >>> 0, pw = g._peers_alloc_floats(K * N) >>> 0;
    const pb = g._peers_alloc_floats(N) >>> 0, py = g._peers_alloc_floats(T * N) >>> 0;
    const pp = g._peers_alloc_floats(g._peers_packed_size(K, N)) >>> 0;
    g.HEAPF32.set(x, px >>> 2);
    g.HEAPF32.set(w, pw >>> 2);
    g.HEAPF32.set(b, pb >>> 2);
    g._peers_pack(pw, K, N, pp);
    const ta = tf.tensor2d(x, [T, K]), tw = tf.tensor2d(w, [K, N]), tb = tf.tensor1d(b);
    const [rp, ro, rt] = await timeInterleaved([
      () => g._peers_peak(iters),
      () => g._peers_gemm_packed(px, pp, pb, py, T, K, N),
      () => tf.fused.matMul({ a: ta, b: tw, bias: tb }).dispose(),
    ], timing);
    const flop = 2 * T * K * N;
    const pk = peakFlop / (rp.ms * 1e6);
    peaks.push(pk);
    fig[`ours_gemm_${shapeTag(s)}_gflops`] = [flop / (ro.ms * 1e6), 'GFLOP/s'];
    fig[`tfjs_gemm_${shapeTag(s)}_gflops`] = [flop / (rt.ms * 1e6), 'GFLOP/s'];
    fig[`wasm_peak_at_gemm_${shapeTag(s)}_gflops`] = [pk, 'GFLOP/s'];
    // best sample (least disturbed by the load), for the caveat
    fig[`ours_gemm_${shapeTag(s)}_best_gflops`] = [flop / (ro.min * 1e6), 'GFLOP/s'];
    fig[`tfjs_gemm_${shapeTag(s)}_best_gflops`] = [flop / (rt.min * 1e6), 'GFLOP/s'];
    fig[`wasm_peak_at_gemm_${shapeTag(s)}_best_gflops`] = [peakFlop / (rp.min * 1e6), 'GFLOP/s'];
    const y = tf.fused.matMul({ a: ta, b: tw, bias: tb });
    const ty = y.dataSync();
    const oy = g.HEAPF32.subarray(py >>> 2, (py >>> 2) + T * N);
    check[shapeTag(s)] = maxAbsDiff(oy, ty) / ty.reduce((m, v) => Math.max(m, Math.abs(v)), 0);  // relative
    y.dispose(); ta.dispose(); tw.dispose(); tb.dispose();
    for (const p of [px, pw, pb, py, pp]) g._peers_free(p);
  }
  fig.wasm_peak_gflops = [median(peaks), 'GFLOP/s'];
  return { figures: fig, check };
}

// ---- time per stage of our GPT-2-small forward (random data, the kernels alone) ---------
// Per layer: ln_1, c_attn GEMM, attention, c_proj GEMM, ln_2, c_fc GEMM, GELU,
// mlp c_proj GEMM (x 12 layers), then the tied LM head on the last position.
// Sum of stages vs the whole model.run figure shows what the glue costs.
export async function stages(io, { T = 32, timing }) {
  const g = await io.loadGemm();
  const C = 768, H = 12, F = 3072, V = 50257, L = 12;
  const alloc = (n, seed) => {
    const p = g._peers_alloc_floats(n) >>> 0;
    g.HEAPF32.set(randn(n, seed).map((v) => v * 0.02), p >>> 2);
    return p;
  };
  const x = alloc(T * F, 1), y = alloc(T * F, 2), qkv = alloc(T * 3 * C, 3), probs = alloc(H * T * T, 4);
  const gam = alloc(C, 5), bet = alloc(C, 6), bias = alloc(F, 7), wte = alloc(V * C, 8);
  const packed = {};
  for (const [K, N] of [[C, 3 * C], [C, C], [C, F], [F, C]]) {
    const w = alloc(K * N, 9);
    packed[`${K}x${N}`] = g._peers_alloc_floats(g._peers_packed_size(K, N)) >>> 0;
    g._peers_pack(w, K, N, packed[`${K}x${N}`]);
    g._peers_free(w);
  }
  const gemm = (K, N) => () => g._peers_gemm_packed(x, packed[`${K}x${N}`], bias, y, T, K, N);
  const list = [
    ['layer_norm_x2', () => { g._peers_layer_norm(x, gam, bet, y, T, C); g._peers_layer_norm(x, gam, bet, y, T, C); }, L],
    ['gemm_qkv', gemm(C, 3 * C), L],
    ['attention', () => g._peers_attention(qkv, y, probs, T, C, H), L],
    ['gemm_attn_proj', gemm(C, C), L],
    ['gemm_fc', gemm(C, F), L],
    ['gelu', () => g._peers_gelu_tanh(y, T * F), L],
    ['gemm_mlp_proj', gemm(F, C), L],
    ['lm_head', () => g._peers_gemm_transposed_b(x, wte, y, 1, C, V), 1],
  ];
  const fig = {};
  let total = 0;
  for (const [name, fn, times] of list) {
    const [r] = await timeInterleaved([fn], timing);
    fig[`ours_stage_T${T}_${name}_ms`] = [r.ms * times, 'ms'];
    total += r.ms * times;
  }
  fig[`ours_stage_T${T}_sum_ms`] = [total, 'ms'];
  return { figures: fig };
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// The harness's tasks by name: each returns { figures, ...extra }.
export async function runTask(io, task) {
  switch (task.kind) {
    case 'model': return modelPair(io, task);
    case 'gemm': return gemmPair(io, task);
    case 'stages': return stages(io, task);
    case 'ours-ref': return oursReference(io, task);
    case 'ort-ref': return ortReference(io, task);
    default: throw new Error(`unknown task ${task.kind}`);
  }
}
