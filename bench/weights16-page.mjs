#!/usr/bin/env node
// bench/weights16-page.mjs — the one-token step with F32 and with 16-bit weights in the
// page's worker, headless Chromium, both wasm builds (figures, not assertions):
//   page_{build}_{mode}_step_T{T}_ms   one more token with the prefix reused (the keystroke
//       path: a run of T tokens, then the same text and one word more on the same channel),
//       worker-side time, median of --reps steps after --warm ones
//   page_{build}_step_speedup          f32 step / 16-bit step, same build, same run
// build: plain (SIMD128) or relaxed (fused multiply-add), forced with ?simd=; mode: f32 (every
// weight widened at load) and the 16-bit one: "stored" for an F16/BF16 checkpoint, "compact16"
// for an F32 one. Rounds alternate between the four (build, mode) pages so that a change in
// the machine's load hits all alike.
// usage: node bench/weights16-page.mjs [--model DIR] [--T 64] [--warm 6] [--reps 15]
//   DIR: a GPT-2-small-sized checkpoint (default /work/ckpt/gpt2s); it is served through a
//   link under build/bench-models/ (the page loads models by URL).
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, ROOT } from '../tests/web/helpers.mjs';
import { benchOptions } from './options.mjs';
import { checkpointDtypes, sixteenBitMode } from './checkpoint-dtypes.mjs';

const { opt } = benchOptions('node bench/weights16-page.mjs [--model DIR] [--T 64] [--warm 6] [--reps 15]');
const modelDir = path.resolve(opt('--model', '/work/ckpt/gpt2s'));
const T = Number(opt('--T', '64'));
const warm = Number(opt('--warm', '6'));
const reps = Number(opt('--reps', '15'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sixteen = sixteenBitMode(checkpointDtypes(modelDir));

const link = path.join(ROOT, 'build/bench-models', path.basename(modelDir));
fs.mkdirSync(path.dirname(link), { recursive: true });
if (!fs.existsSync(link)) fs.symlinkSync(modelDir, link);

// A page with this build forced and the model loaded in this weight mode; texts of T tokens and T + 1.
async function openStep(browser, server, build, mode) {
  const p = await openPage(browser, `${server.url}web/index.html?simd=${build}`);
  const url = `${server.url}build/bench-models/${path.basename(modelDir)}/`;
  const info = await p.page.evaluate(async ({ url, mode, T }) => {
    const c = window.headscope.client;
    const m = await c.load(url, { weights: mode, name: 'bench' });
    const channel = c.channel();
    const words = 'the quick brown fox jumps over the lazy dog while a small bird sings in the old tree near the river'.split(' ');
    let text = '';
    for (let i = 0; ; i++) {
      const next = (text ? text + ' ' : '') + words[i % words.length];
      const r = await c.run(channel, m.key, next, {});
      if (r.T > T) break;
      text = next;
    }
    return { key: m.key, text, weights: m.info && m.info.weights };
  }, { url, mode, T });
  return { ...p, ...info, build, mode };
}

// `count` steps: a run of the base text, then base + ' now' reusing it; worker-side ms of the second.
async function steps(p, count) {
  const r = await p.page.evaluate(async ({ key, text, count }) => {
    const c = window.headscope.client;
    const channel = c.channel();
    const ms = [], reused = [], simd = [];
    for (let i = 0; i < count; i++) {
      await c.run(channel, key, text, {});
      const res = await c.run(channel, key, text + ' now', {});
      ms.push(res.runMs);
      reused.push(res.reused);
      simd.push(res.simd);
    }
    return { ms, reused, simd };
  }, { key: p.key, text: p.text, count });
  if (r.simd.some((s) => s !== p.build)) throw new Error(`the page ran the ${r.simd[0]} build, not ${p.build}`);
  if (r.reused.some((n) => n < T - 1)) throw new Error(`a step reused only ${Math.min(...r.reused)} positions`);
  if (p.problems.length) throw new Error(p.problems.join('\n'));
  return r.ms;
}

const server = await startServer({ csp: true, root: ROOT });
const browser = await launch();
try {
  console.log(`# ${new Date().toISOString().slice(0, 16)}Z Chromium ${browser.version()}, model ${modelDir}, modes f32 and ${sixteen}, T = ${T}`);
  const pages = [];
  for (const build of ['plain', 'relaxed'])
    for (const mode of ['f32', sixteen]) pages.push(await openStep(browser, server, build, mode));
  const times = new Map(pages.map((p) => [p, []]));
  for (const p of pages) await steps(p, warm);
  const rounds = 3;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...pages].reverse() : pages;
    for (const p of order) times.get(p).push(...await steps(p, Math.ceil(reps / rounds)));
  }
  const step = {};
  for (const p of pages) {
    step[`${p.build}_${p.mode}`] = median(times.get(p));
    console.log(`page_${p.build}_${p.mode}_step_T${T}_ms ${median(times.get(p)).toFixed(2)} ms`);
    console.log(`#   ${times.get(p).map((x) => x.toFixed(1)).join(', ')}`);
  }
  for (const build of ['plain', 'relaxed'])
    console.log(`page_${build}_step_speedup ${(step[`${build}_f32`] / step[`${build}_${sixteen}`]).toFixed(2)} x`);
} finally {
  await browser.close();
  server.close();
}
