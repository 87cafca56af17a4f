#!/usr/bin/env node
// bench/simd.mjs — the two builds of the wasm module side by side in headless
// Chromium, in one run (figures, not assertions):
//   {build}_peak_gflops, {build}_gemm_64x768x2304_gflops, ...   bench/kernel_bench of that
//       build (build/wasm/ or build/wasm-relaxed/) run in a page: each figure the median of
//       20 timed calls after at least 0.5 s of warm-up (V8 starts wasm in its baseline tier);
//       kernel_bench runs --kernel-rounds times per build, alternating builds, and each figure
//       is the best round's (on a shared machine the best is the least disturbed)
//   {build}_forward_T{T}_ms       a full forward pass of a T-token text in the page's worker
//       (web/ with ?simd=plain|relaxed, the model opened with "Open your own model"), median
//       of --runs runs after --warm ones, in 3 rounds alternating between the two pages; texts
//       alternate their first word so no prefix is reused
//   relaxed_vs_plain_*            ratios of the figures above
// usage: node bench/simd.mjs [--model DIR] [--T 64] [--warm 8] [--runs 15] [--kernel-rounds 3] [--skip-kernels]
//   [--skip-forward] [--plain-dir build/wasm] [--relaxed-dir build/wasm-relaxed] (kernel_bench builds, under the repo)
//   needs ./build-wasm.sh (web/dist/) and both kernel_bench builds:
//   cmake --build --preset wasm --target kernel_bench && cmake --build --preset wasm-relaxed --target kernel_bench
//   DIR: a GPT-2-small-sized checkpoint, e.g. /work/ckpt/gpt2s (default), or one made by
//   /usr/bin/python3 tests/reference/make_checkpoint.py DIR --layers 12 --heads 12 --embd 768 --positions 1024 --vocab 50257 --dtype F16
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, ROOT } from '../tests/web/helpers.mjs';
import { benchOptions } from './options.mjs';

const { opt, args } = benchOptions('node bench/simd.mjs [options]');
const modelDir = opt('--model', '/work/ckpt/gpt2s');
const T = Number(opt('--T', '64'));
const warm = Number(opt('--warm', '8'));
const runs = Number(opt('--runs', '15'));
const kernelRounds = Number(opt('--kernel-rounds', '3'));
const BUILDS = { plain: opt('--plain-dir', 'build/wasm'), relaxed: opt('--relaxed-dir', 'build/wasm-relaxed') };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const figures = new Map();
const report = (name, value, unit) => {
  figures.set(name, value);
  console.log(`${name} ${Number(value.toPrecision(4))} ${unit}`);
};

// kernel_bench.js of one build in a blank page of the server's origin; its lines
// "wasm[_relaxed]_NAME VALUE UNIT" become figures "{build}_NAME".
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
    const got = [];
    for (const l of lines) {
      const m = /^wasm(?:_relaxed)?_(\S+) (\S+) (.+)$/.exec(l);
      if (m) got.push({ name: `${build}_${m[1]}`, value: Number(m[2]), unit: m[3] });
      else console.log(`# ${build}: ${l.replace(/^# /, '')}`);
    }
    return got;
  } finally {
    await context.close();
  }
}

// The page with this build forced and the model opened; returns {page, context, problems, texts}:
// two texts of exactly T tokens whose first words differ (no prefix to reuse between them).
async function openForward(browser, server, build) {
  const { context, page, problems } = await openPage(browser, `${server.url}web/index.html?simd=${build}`);
  const files = fs.readdirSync(modelDir)
    .filter((f) => /^(config\.json|model\.safetensors|tokenizer\.json|vocab\.json|merges\.txt)$/.test(f))
    .map((f) => path.join(modelDir, f));
  const before = await page.evaluate(() => window.headscope.state.model.name);
  await page.setInputFiles('#model-files', files);
  await page.waitForFunction((n) => window.headscope.state.model && window.headscope.state.model.name !== n &&
    document.getElementById('app').dataset.state === 'rendered', before, { timeout: 600000 });
  const words = 'quick brown fox jumps over the lazy dog while Mary and John went to the store and John gave a drink to Mary because she was thirsty'.split(' ');
  let body = '';
  let n = 0;
  for (let w = 0; n < T; w++) {
    body += ' ' + words[w % words.length];
    n = await page.evaluate((s) => window.headscope.setText('The' + s).then((r) => r.T), body);
  }
  return { context, page, problems, texts: ['The' + body, 'A' + body] };
}

// `count` full forward passes in the page's worker: worker-side ms (runMs) and round trips.
async function forwardRuns(p, build, count) {
  const r = await p.page.evaluate(async ({ texts, count }) => {
    const c = window.headscope.client;
    const key = window.headscope.state.model.key;
    const channel = c.channel();
    const rt = [], worker = [], reused = [], Ts = [], simd = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      const res = await c.run(channel, key, texts[i % 2], {});
      rt.push(performance.now() - t);
      worker.push(res.runMs);
      reused.push(res.reused);
      Ts.push(res.T);
      simd.push(res.simd);
    }
    return { rt, worker, reused, Ts, simd };
  }, { texts: p.texts, count });
  if (r.simd.some((x) => x !== build)) throw new Error(`the page ran the ${r.simd} build, not ${build}`);
  if (r.reused.some((x) => x) || r.Ts.some((x) => x !== T)) throw new Error(`runs reused ${r.reused} positions of T ${r.Ts}`);
  if (p.problems.length) throw new Error(p.problems.join('\n'));
  return r;
}

// Both builds' pages open at once; after the warm-up, rounds alternate between them
// so that a change in the machine's load hits both alike.
async function forward(browser, server) {
  const pages = {};
  for (const build of ['plain', 'relaxed']) pages[build] = await openForward(browser, server, build);
  try {
    const worker = { plain: [], relaxed: [] }, rt = { plain: [], relaxed: [] };
    for (const build of ['plain', 'relaxed']) await forwardRuns(pages[build], build, warm);
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      for (const build of round % 2 ? ['relaxed', 'plain'] : ['plain', 'relaxed']) {
        const r = await forwardRuns(pages[build], build, Math.ceil(runs / rounds));
        worker[build].push(...r.worker);
        rt[build].push(...r.rt);
      }
    }
    for (const build of ['plain', 'relaxed']) {
      report(`${build}_forward_T${T}_ms`, median(worker[build]), 'ms');
      report(`${build}_forward_T${T}_roundtrip_ms`, median(rt[build]), 'ms');
      console.log(`# ${build} forward T=${T}: ${worker[build].map((x) => x.toFixed(0)).join(', ')} ms`);
    }
  } finally {
    for (const p of Object.values(pages)) await p.context.close();
  }
}

const server = await startServer({ csp: true, root: ROOT });
const browser = await launch();
try {
  console.log(`# ${new Date().toISOString().slice(0, 16)}Z Chromium ${browser.version()}, model ${path.basename(modelDir)}`);
  if (!args.includes('--skip-kernels')) {
    const best = new Map(); // name -> {value, unit, all}
    for (let round = 0; round < kernelRounds; round++) {
      for (const build of round % 2 ? ['relaxed', 'plain'] : ['plain', 'relaxed']) {
        for (const f of await kernelBench(browser, server, build)) {
          const b = best.get(f.name) || { ...f, all: [] };
          b.all.push(f.value);
          // GFLOP/s: the highest; ms: the lowest
          b.value = f.unit === 'ms' ? Math.min(...b.all) : Math.max(...b.all);
          best.set(f.name, b);
        }
      }
    }
    for (const [name, b] of best) {
      report(name, b.value, b.unit);
      if (b.all.length > 1) console.log(`#   rounds: ${b.all.map((x) => Number(x.toPrecision(4))).join(', ')}`);
    }
  }
  if (!args.includes('--skip-forward')) await forward(browser, server);
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
