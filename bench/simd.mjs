#!/usr/bin/env node
// bench/simd.mjs — the two builds of the wasm module side by side in headless
// Chromium, in one run (figures, not assertions):
//   {build}_peak_gflops, {build}_gemm_64x768x2304_gflops, ...   bench/kernel_bench of that
//       build (build/wasm/ or build/wasm-relaxed/) run in a page: each figure the median of
//       20 timed calls after at least 0.5 s of warm-up (V8 starts wasm in its baseline tier)
//   {build}_forward_T{T}_ms       a full forward pass of a T-token text in the page's worker
//       (web/ with ?simd=plain|relaxed, the model opened with "Open your own model"), median
//       of --runs runs after --warm ones; texts alternate their first word so no prefix is reused
//   relaxed_vs_plain_*            ratios of the figures above
// usage: node bench/simd.mjs [--model DIR] [--T 64] [--warm 8] [--runs 15] [--skip-kernels]
//   needs ./build-wasm.sh (web/dist/) and both kernel_bench builds:
//   cmake --build --preset wasm --target kernel_bench && cmake --build --preset wasm-relaxed --target kernel_bench
//   DIR: a GPT-2-small-sized checkpoint, e.g. /work/ckpt/gpt2s (default), or one made by
//   /usr/bin/python3 tests/reference/make_checkpoint.py DIR --layers 12 --heads 12 --embd 768 --positions 1024 --vocab 50257 --dtype F16
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, ROOT } from '../tests/web/helpers.mjs';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const modelDir = opt('--model', '/work/ckpt/gpt2s');
const T = Number(opt('--T', '64'));
const warm = Number(opt('--warm', '8'));
const runs = Number(opt('--runs', '15'));
const BUILDS = { plain: 'build/wasm', relaxed: 'build/wasm-relaxed' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const figures = new Map();
const report = (name, value, unit) => {
  figures.set(name, value);
  console.log(`${name} ${Number(value.toPrecision(4))} ${unit}`);
};

// kernel_bench.js of one build in a blank page of the server's origin; its lines
// "wasm[_relaxed]_NAME VALUE UNIT" become "{build}_NAME VALUE UNIT".
async function kernelBench(browser, server, build) {
  const js = `${BUILDS[build]}/bench/kernel_bench.js`;
  if (!fs.existsSync(path.join(ROOT, js))) {
    throw new Error(`${js} is missing: cmake --build --preset ${build === 'plain' ? 'wasm' : 'wasm-relaxed'} --target kernel_bench`);
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    const harness = `${server.url}bench/simd-harness.html`;
    await page.route(harness, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>kernel_bench</title>' }));
    await page.goto(harness);
    const lines = await page.evaluate((src) => new Promise((resolve, reject) => {
      const out = [];
      window.Module = { print: (l) => out.push(l), printErr: (l) => out.push(`# ${l}`), postRun: [() => resolve(out)] };
      const s = document.createElement('script');
      s.src = src;
      s.onerror = () => reject(new Error(`cannot load ${src}`));
      window.onerror = (m) => reject(new Error(m));
      document.body.append(s);
    }), server.url + js);
    for (const l of lines) {
      const m = /^wasm(?:_relaxed)?_(\S+) (\S+) (.+)$/.exec(l);
      if (m) report(`${build}_${m[1]}`, Number(m[2]), m[3]);
      else console.log(`# ${build}: ${l.replace(/^# /, '')}`);
    }
  } finally {
    await context.close();
  }
}

// A full forward pass of a T-token text in the page's worker, this build forced.
async function forward(browser, server, build) {
  const { context, page, problems } = await openPage(browser, `${server.url}web/index.html?simd=${build}`);
  try {
    const files = fs.readdirSync(modelDir)
      .filter((f) => /^(config\.json|model\.safetensors|tokenizer\.json|vocab\.json|merges\.txt)$/.test(f))
      .map((f) => path.join(modelDir, f));
    const before = await page.evaluate(() => window.headscope.state.model.name);
    await page.setInputFiles('#model-files', files);
    await page.waitForFunction((n) => window.headscope.state.model && window.headscope.state.model.name !== n &&
      document.getElementById('app').dataset.state === 'rendered', before, { timeout: 600000 });
    const words = 'quick brown fox jumps over the lazy dog while Mary and John went to the store and John gave a drink to Mary because she was thirsty'.split(' ');
    // texts of exactly T tokens (about one token a word here), first words differing
    let body = '';
    let n = 0;
    for (let w = 0; n < T; w++) {
      body += ' ' + words[w % words.length];
      n = await page.evaluate((s) => window.headscope.setText('The' + s).then((r) => r.T), body);
    }
    const texts = ['The' + body, 'A' + body];
    const r = await page.evaluate(async ({ texts, warm, runs }) => {
      const c = window.headscope.client;
      const key = window.headscope.state.model.key;
      const channel = c.channel();
      const rt = [], worker = [], reused = [], Ts = [];
      let simd = null;
      for (let i = 0; i < warm + runs; i++) {
        const t = performance.now();
        const res = await c.run(channel, key, texts[i % 2], {});
        const ms = performance.now() - t;
        simd = res.simd;
        if (i >= warm) { rt.push(ms); worker.push(res.runMs); reused.push(res.reused); Ts.push(res.T); }
      }
      return { rt, worker, reused, Ts, simd };
    }, { texts, warm, runs });
    if (r.simd !== build) throw new Error(`the page ran the ${r.simd} build, not ${build}`);
    if (r.reused.some((x) => x) || r.Ts.some((x) => x !== T)) throw new Error(`runs reused ${r.reused} positions of T ${r.Ts}`);
    if (problems.length) throw new Error(problems.join('\n'));
    report(`${build}_forward_T${T}_ms`, median(r.worker), 'ms');
    report(`${build}_forward_T${T}_roundtrip_ms`, median(r.rt), 'ms');
    console.log(`# ${build} forward T=${T}: ${r.worker.map((x) => x.toFixed(0)).join(', ')} ms`);
  } finally {
    await context.close();
  }
}

const server = await startServer({ csp: true, root: ROOT });
const browser = await launch();
try {
  console.log(`# ${new Date().toISOString().slice(0, 16)}Z Chromium ${browser.version()}, model ${path.basename(modelDir)}`);
  for (const build of ['plain', 'relaxed']) if (!args.includes('--skip-kernels')) await kernelBench(browser, server, build);
  for (const build of ['plain', 'relaxed']) await forward(browser, server, build);
  const ratio = (name, unit) => {
    const a = figures.get(`relaxed_${name}`), b = figures.get(`plain_${name}`);
    if (a && b) console.log(`relaxed_vs_plain_${name} ${(unit === 'ms' ? b / a : a / b).toFixed(3)} x`);
  };
  for (const name of ['peak_gflops', 'gemm_64x768x2304_gflops', 'gemm_64x768x768_gflops', 'gemm_64x3072x768_gflops',
    'gemm_1x768x2304_gflops']) ratio(name, 'GFLOP/s');
  ratio(`forward_T${T}_ms`, 'ms');
} finally {
  await browser.close();
  await server.close();
}
