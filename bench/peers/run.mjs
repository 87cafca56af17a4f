#!/usr/bin/env node
// bench/peers/run.mjs — Headscope side by side with ONNX Runtime Web (wasm EP,
// SIMD, 1 thread) and TensorFlow.js's wasm backend (XNNPACK), in headless
// Chromium and in Node. Called by `./scripts/bench.sh peers`.
//
//   node bench/peers/run.mjs [--model DIR] [--env chromium,node] [--only gemm|model] [--quick] [--threads N]
//
// Workloads (each warmed up until V8's optimising tier runs, median of >= 20 runs):
//   full forward, attention of every layer returned, T = 8, 32, 64:
//     ours  = HeadscopeModel.run(text, {max_tokens: T})  (the product's module)
//     ort   = InferenceSession.run on the same T ids, of the same weights exported
//             to ONNX by bench/peers/export_onnx.py (build/peers/*.onnx)
//     for (a) gpt2small: a GPT-2-small-shaped random checkpoint (build/bench-models/)
//         (b) bundled:   --model DIR, or the first models/*/ with a model.safetensors
//   time per stage of our GPT-2-small forward at T = 32 (kernels alone, random data)
//   GEMM y = x W + b on 64x768x2304, 64x768x768, 64x3072x768, 1x768x2304:
//     ours  = gemm_packed of src/kernels (bench/peers/gemm.cpp, weights packed once)
//     tfjs  = tf.fused.matMul({a, b, bias}) on the wasm backend
//     and the WASM SIMD peak of the engine (kernel_bench's loop).
//   --threads N (N > 1): the full forward also at N threads, in the same run: ours =
//     the threaded module (web/dist/headscope-threads.*, built by build_wasm_module), ORT =
//     numThreads N; the two timed interleaved, with the threaded module at 1 thread beside
//     them (figures *_Nt_*, ratios *_Nt_time / *_Nt_speedup). Chromium runs these tasks on a
//     page served with COOP/COEP (cross-origin isolated); every 1-thread task as before.
// Before timing, the ONNX graph's logits and attention are checked against our
// module (Node) and the native CLI (built into build/peers/native); with --threads N
// also the threaded module and ORT at N threads against our plain module.
// Output: "name value unit" lines, names prefixed by the environment; ratios are
// computed from figures of this same run. Progress goes to stderr.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEXT, maxAbsDiff, GEMM_SHAPES } from './bench.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
process.chdir(root);
const say = (...a) => process.stderr.write(a.join(' ') + '\n');

// ---- arguments ------------------------------------------------------------------------
const args = { envs: ['chromium', 'node'], only: null, quick: false, model: null, threads: 1 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--model') args.model = process.argv[++i];
  else if (a === '--env') args.envs = process.argv[++i].split(',').filter(Boolean);  // '' = check only
  else if (a === '--only') args.only = process.argv[++i];
  else if (a === '--quick') args.quick = true;
  else if (a === '--threads' && /^[1-9]\d*$/.test(process.argv[i + 1] ?? '')) args.threads = Number(process.argv[++i]);
  else {
    say('usage: node bench/peers/run.mjs [--model DIR] [--env chromium,node] [--only gemm|model] [--quick] [--threads N]');
    process.exit(2);
  }
}
const timing = args.quick ? { runs: 20, minWarmMs: 500, minSampleMs: 10 } : { runs: 20, minWarmMs: 1500, minSampleMs: 20 };
const Ts = [8, 32, 64];

const newer = (a, b) => !fs.existsSync(b) || fs.statSync(a).mtimeMs > fs.statSync(b).mtimeMs;
const run = (cmd, argv, opts = {}) => {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status})`);
};
const emEnv = { ...process.env, NODE_PATH: process.env.NODE_PATH || '/usr/share/nodejs' };

// ---- builds: the product's wasm module (own build dir) and the GEMM program --------------
function buildOurs() {
  const dir = 'build/peers/wasm';
  if (!fs.existsSync(`${dir}/build.ninja`)) {
    run('cmake', ['-S', '.', '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release',
      '-DCMAKE_TOOLCHAIN_FILE=/usr/share/emscripten/cmake/Modules/Platform/Emscripten.cmake',
      '-DCMAKE_FIND_ROOT_PATH_MODE_PACKAGE=BOTH', '-DHEADSCOPE_TESTS=OFF', '-DHEADSCOPE_BENCH=OFF'],
    { env: emEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  run('cmake', ['--build', dir, '--target', 'headscope_wasm'], { env: emEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  fs.mkdirSync('build/peers/ours', { recursive: true });
  for (const f of ['headscope.mjs', 'headscope.wasm']) fs.copyFileSync(`${dir}/src/wasm/${f}`, `build/peers/ours/${f}`);
}

// the native CLI for the check (own build dir: other builds of the tree go on beside)
function buildNativeCli() {
  const dir = 'build/peers/native';
  if (!fs.existsSync(`${dir}/build.ninja`)) {
    run('cmake', ['-S', '.', '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release', '-DHEADSCOPE_TESTS=OFF',
      '-DHEADSCOPE_BENCH=OFF'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  run('cmake', ['--build', dir, '--target', 'headscope'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return `${dir}/src/cli/headscope`;
}

function buildGemm() {
  const out = 'build/peers/gemm.mjs';
  const kernels = ['src/kernels/kernels.cpp', 'src/kernels/thread_pool.cpp'];  // headscope_kernels' sources
  const srcs = ['bench/peers/gemm.cpp', ...kernels, 'src/kernels/kernels.hpp', 'src/kernels/thread_pool.hpp'];
  if (fs.existsSync(out) && !srcs.some((s) => newer(s, out))) return;
  fs.mkdirSync('build/peers/sysdeps', { recursive: true });
  // only the xsimd folder of /usr/include (never glibc's headers) on Emscripten's path
  if (!fs.existsSync('build/peers/sysdeps/xsimd')) fs.symlinkSync('/usr/include/xsimd', 'build/peers/sysdeps/xsimd');
  const exported = ['alloc_floats', 'free', 'packed_size', 'pack', 'gemm_packed', 'gemm_bias', 'gelu_tanh', 'peak', 'peak_flops',
    'gemm_transposed_b', 'layer_norm', 'attention']
    .map((n) => `_peers_${n}`).join(',');
  run('em++', ['-std=c++17', '-O3', '-DNDEBUG', '-msimd128', '-Isrc', '-isystem', 'build/peers/sysdeps',
    ...kernels, 'bench/peers/gemm.cpp', '-o', out,
    '-sMODULARIZE=1', '-sEXPORT_ES6=1', '-sEXPORT_NAME=createPeersGemm', '-sENVIRONMENT=web,node',
    '-sALLOW_MEMORY_GROWTH=1', '-sFILESYSTEM=0', `-sEXPORTED_FUNCTIONS=${exported}`], { env: emEnv });
}

// ---- models and their ONNX exports ------------------------------------------------------
function models() {
  const list = [];
  const small = 'build/bench-models/gpt2-small-random';
  if (!fs.existsSync(`${small}/model.safetensors`)) {
    say(`== making ${small} (GPT-2-small-shaped random checkpoint)`);
    run('/usr/bin/python3', ['tests/reference/make_checkpoint.py', small, '--layers', '12', '--heads', '12',
      '--embd', '768', '--positions', '1024', '--std', '0.02']);
  }
  list.push({ tag: 'gpt2small', dir: small });
  let bundled = args.model;
  if (!bundled && fs.existsSync('models')) {
    for (const d of fs.readdirSync('models').sort()) {
      if (fs.existsSync(`models/${d}/config.json`) && fs.existsSync(`models/${d}/model.safetensors`)) {
        bundled = `models/${d}`;
        break;
      }
    }
  }
  if (bundled) list.push({ tag: 'bundled', dir: bundled.replace(/\/+$/, '') });
  else say('# (b) bundled model: pending (no models/*/model.safetensors yet; pass --model DIR)');
  for (const m of list) {
    m.onnx = `build/peers/${m.tag}.onnx`;
    if (newer(`${m.dir}/model.safetensors`, m.onnx) || newer('bench/peers/export_onnx.py', m.onnx)) {
      say(`== exporting ${m.dir} to ${m.onnx}`);
      run('/usr/bin/python3', ['bench/peers/export_onnx.py', m.dir, m.onnx], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const cfg = JSON.parse(fs.readFileSync(`${m.dir}/config.json`, 'utf8'));
    m.desc = `${cfg.n_layer} layers x ${cfg.n_head} heads, n_embd ${cfg.n_embd}, vocab ${cfg.vocab_size}`;
    m.positions = cfg.n_positions ?? cfg.n_ctx;
  }
  return list;
}

// ---- running tasks ------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-peers-'));

function nodeTask(task) {
  const out = path.join(tmp, 'result.json');
  // the threaded module is the relaxed-SIMD build: Node 20 validates it only with this flag
  const flags = task.threads > 1 ? ['--experimental-wasm-relaxed-simd'] : [];
  run(process.execPath, [...flags, '--no-experimental-fetch', '--max-old-space-size=8192', 'bench/peers/node-task.mjs',
    JSON.stringify(task), out]);
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

// coi: with COOP/COEP (HEADSCOPE_COI=1), so the page is cross-origin isolated and has shared memory
async function startServer({ coi = false } = {}) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const env = { ...process.env, HEADSCOPE_COI: coi ? '1' : '' };
  const child = spawn(process.execPath, ['scripts/serve.mjs', root, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (c) => reject(new Error(`scripts/serve.mjs exited (${c})`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function chromiumRunner() {
  const { chromium } = await import('playwright-core');
  const server = await startServer();
  const coiServer = args.threads > 1 ? await startServer({ coi: true }) : null;  // for the tasks at N threads
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const version = browser.version();
  return {
    version,
    async task(task) {
      const page = await browser.newPage();
      page.on('pageerror', (e) => say(`chromium page error: ${e.message}`));
      page.setDefaultTimeout(0);
      try {
        await page.goto(`${(task.threads > 1 ? coiServer : server).base}/bench/peers/index.html`);
        await page.waitForFunction(() => window.peersReady === true);
        if (task.threads > 1 && !(await page.evaluate(() => self.crossOriginIsolated))) {
          throw new Error('the bench page is not cross-origin isolated (COOP/COEP missing)');
        }
        return await page.evaluate((t) => window.peersTask(t), task);
      } finally {
        await page.close();
      }
    },
    async close() {
      await browser.close();
      server.child.kill();
      coiServer?.child.kill();
    },
  };
}

// ---- check the ONNX graph against ours and the native CLI --------------------------------
function check(m, figures, cli) {
  const T = 16;
  const ours = nodeTask({ kind: 'ours-ref', model: m.dir, T, text: TEXT });
  const ort = nodeTask({ kind: 'ort-ref', onnx: m.onnx, ids: ours.ids });
  const dl = maxAbsDiff(ours.logits, ort.logits);
  const da = maxAbsDiff(ours.attention, ort.attention);
  figures.push([`check_${m.tag}_T${T}_ort_vs_ours_wasm_logits_maxabs`, dl, 'abs']);
  figures.push([`check_${m.tag}_T${T}_ort_vs_ours_wasm_attention_maxabs`, da, 'abs']);
  let j = null;
  if (cli && fs.existsSync(cli)) {
    try {
      j = JSON.parse(execFileSync(cli, ['run', '--model', m.dir, '--text', TEXT, '--max-tokens', String(T)],
        { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString());
    } catch (e) {
      say(`# native CLI check skipped: ${String(e.stderr || e.message).trim().split('\n')[0]}`);
    }
  }
  if (j) {
    const att = j.attention.flat(3);
    figures.push([`check_${m.tag}_T${T}_ort_vs_native_cli_logits_maxabs`, maxAbsDiff(j.logits_last, ort.logits), 'abs']);
    figures.push([`check_${m.tag}_T${T}_ort_vs_native_cli_attention_maxabs`, maxAbsDiff(att, ort.attention), 'abs']);
  }
  const scale = ort.logits.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const close = (l, a) => l <= 1e-3 * Math.max(1, scale) && a <= 1e-4;
  if (!close(dl, da)) {
    throw new Error(`${m.onnx} does not compute what ours does (logits max |diff| ${dl}, attention ${da})`);
  }
  // at N threads: the threaded module and ORT against our plain module, the same tolerance
  const n = args.threads;
  if (n === 1) return;
  const oursN = nodeTask({ kind: 'ours-ref', model: m.dir, T, text: TEXT, threads: n });
  const ortN = nodeTask({ kind: 'ort-ref', onnx: m.onnx, ids: ours.ids, threads: n });
  if (oursN.threads !== n) throw new Error(`the threaded module ran ${oursN.threads} thread(s), not ${n}`);
  for (const [who, r] of [[`ours_threads_${n}t`, oursN], [`ort_${n}t`, ortN]]) {
    const l = maxAbsDiff(ours.logits, r.logits), a = maxAbsDiff(ours.attention, r.attention);
    figures.push([`check_${m.tag}_T${T}_${who}_vs_ours_wasm_logits_maxabs`, l, 'abs']);
    figures.push([`check_${m.tag}_T${T}_${who}_vs_ours_wasm_attention_maxabs`, a, 'abs']);
    if (!close(l, a)) throw new Error(`${who} does not compute what our plain module does on ${m.dir} (logits max |diff| ${l}, attention ${a})`);
  }
}

// ---- main -----------------------------------------------------------------------------------
const figures = [];  // [name, value, unit]
const put = (env, fig) => {
  for (const [k, [v, u]] of Object.entries(fig)) {
    figures.push([`${env}_${k}`, v, u]);
    process.stdout.write(`${env}_${k} ${fmt(v)} ${u}\n`);
  }
};
const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(4));

say('== building the module (build/peers/wasm) and the GEMM program (build/peers/gemm.wasm)');
buildOurs();
buildGemm();
let cli = null;
try {
  cli = buildNativeCli();
} catch (e) {
  say(`# native CLI not built (${e.message}): the check compares with our wasm module only`);
}
const modelList = args.only === 'gemm' ? [] : models();

console.log(`# peers bench ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, ${os.cpus()[0].model}, ` +
  `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const pkg = (p) => JSON.parse(fs.readFileSync(`node_modules/${p}/package.json`, 'utf8')).version;
console.log(`# onnxruntime-web ${pkg('onnxruntime-web')}, @tensorflow/tfjs-backend-wasm ${pkg('@tensorflow/tfjs-backend-wasm')}, ` +
  `node ${process.version}`);
for (const m of modelList) console.log(`# ${m.tag}: ${m.dir} (${m.desc}) -> ${m.onnx}`);

for (const m of modelList) {
  say(`== checking ${m.onnx} against ours`);
  const before = figures.length;
  check(m, figures, cli);
  for (const [n, v, u] of figures.slice(before)) console.log(`${n} ${v.toExponential(2)} ${u}`);
}

for (const env of args.envs) {
  let runner;
  if (env === 'chromium') {
    runner = await chromiumRunner();
    console.log(`# chromium ${runner.version} (headless), tasks on the page's main thread`);
  } else if (env === 'node') {
    runner = { task: async (t) => nodeTask(t), close: async () => {} };
  } else {
    say(`unknown environment ${env}`);
    process.exit(2);
  }
  try {
    if (args.only !== 'model') {
      say(`== ${env}: GEMM`);
      const g = await runner.task({ kind: 'gemm', timing });
      put(env, g.figures);
      for (const [k, d] of Object.entries(g.check)) if (!(d < 1e-4)) say(`warning: ${env} GEMM ${k}: ours and tfjs differ by ${d} (relative)`);
      say(`== ${env}: time per stage of our GPT-2-small forward, T = 32`);
      put(env, (await runner.task({ kind: 'stages', T: 32, timing })).figures);
    }
    for (const m of modelList) {
      const ts = Ts.filter((T) => T <= m.positions);
      say(`== ${env}: ${m.tag} forward, T = ${ts.join(', ')}`);
      const r = await runner.task({ kind: 'model', model: m.dir, onnx: m.onnx, tag: m.tag, Ts: ts, text: TEXT, timing });
      put(env, r.figures);
      if (args.threads > 1) {
        say(`== ${env}: ${m.tag} forward at ${args.threads} threads, T = ${ts.join(', ')}`);
        put(env, (await runner.task({ kind: 'model', model: m.dir, onnx: m.onnx, tag: m.tag, Ts: ts, text: TEXT, timing,
          threads: args.threads })).figures);
      }
    }
  } finally {
    await runner.close();
  }
}

// ---- ratios, from this run's figures ------------------------------------------------------
const val = new Map(figures.map(([n, v]) => [n, v]));
const ratio = (name, a, b) => {
  if (val.has(a) && val.has(b)) console.log(`${name} ${(val.get(a) / val.get(b)).toFixed(3)} ratio`);
};
for (const env of args.envs) {
  const nt = `${args.threads}t`;
  for (const m of modelList) {
    for (const T of Ts) {
      const f = (who, suffix = '') => `${env}_${who}_${m.tag}_T${T}${suffix}_ms`;
      ratio(`${env}_ours_vs_ort_${m.tag}_T${T}_time`, f('ours'), f('ort'));
      if (args.threads === 1) continue;
      ratio(`${env}_ours_vs_ort_${m.tag}_T${T}_${nt}_time`, f('ours', `_${nt}`), f('ort', `_${nt}`));
      // what N threads buy each engine: its 1-thread time over its N-thread time
      ratio(`${env}_ours_threadsmodule_${m.tag}_T${T}_${nt}_speedup`, f('ours_threadsmodule', '_1t'), f('ours', `_${nt}`));
      ratio(`${env}_ort_${m.tag}_T${T}_${nt}_speedup`, f('ort'), f('ort', `_${nt}`));
    }
  }
  for (const s of GEMM_SHAPES) {
    const k = s.join('x');
    ratio(`${env}_ours_vs_tfjs_gemm_${k}_gflops`, `${env}_ours_gemm_${k}_gflops`, `${env}_tfjs_gemm_${k}_gflops`);
    ratio(`${env}_ours_gemm_${k}_vs_wasm_peak`, `${env}_ours_gemm_${k}_gflops`, `${env}_wasm_peak_at_gemm_${k}_gflops`);
    ratio(`${env}_tfjs_gemm_${k}_vs_wasm_peak`, `${env}_tfjs_gemm_${k}_gflops`, `${env}_wasm_peak_at_gemm_${k}_gflops`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
