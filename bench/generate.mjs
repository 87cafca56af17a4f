#!/usr/bin/env node
// bench/generate.mjs — time per generated token in the page ("Continue", greedy), in
// headless Chromium at 1280x900 with the default views (figures, not assertions).
// The page's bundled model, or a model folder opened with "Open your own model".
// A prompt of about --prompt tokens, then one warm-up Continue of 2 tokens, then
// --runs Continues of --tokens tokens each; per generated token (median over all):
//   generate_token_ms          one token's result drawn -> the next one's (the whole loop:
//                              the worker's step, copying the arrays out, drawing every view)
//   generate_worker_ms         of which the worker's step (choose the token, run the new position)
//   generate_reused            median positions each step took from the previous run
// usage: node bench/generate.mjs [--model DIR] [--prompt 32] [--tokens 16] [--runs 3]
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage } from '../tests/web/helpers.mjs';
import { benchOptions } from './options.mjs';

const { opt } = benchOptions('node bench/generate.mjs [options]');
const dir = opt('--model', null);
const promptTokens = Number(opt('--prompt', '32'));
const tokens = Number(opt('--tokens', '16'));
const runs = Number(opt('--runs', '3'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const server = await startServer({ csp: true });
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url, { width: 1280, height: 900 });
  if (dir) {
    const files = fs.readdirSync(dir).filter((f) => /^(config\.json|model\.safetensors|tokenizer\.json|vocab\.json|merges\.txt)$/.test(f))
      .map((f) => path.join(dir, f));
    const before = await page.evaluate(() => window.headscope.state.model.name);
    await page.setInputFiles('#model-files', files);
    await page.waitForFunction((n) => window.headscope.state.model && window.headscope.state.model.name !== n &&
      document.getElementById('app').dataset.state === 'rendered', before, { timeout: 600000 });
  }
  const info = await page.evaluate(() => window.headscope.state.model.info);
  const name = await page.evaluate(() => window.headscope.state.model.name);
  console.log(`# ${name}: ${info.n_layer} layers x ${info.n_head} heads x ${info.n_embd}, vocab ${info.vocab_size}`);
  const words = 'the quick brown fox jumps over the lazy dog while Mary and John went to the store and John gave a drink to Mary because she was thirsty'.split(' ');
  let text = 'The';
  for (let w = 1; ; w++) {
    const T = await page.evaluate((s) => window.headscope.setText(s).then((r) => r.T), text);
    if (T >= promptTokens) break;
    text += ' ' + words[w % words.length];
  }
  await page.click('#generate summary');
  await page.evaluate(() => {
    window.__steps = [];
    document.getElementById('app').addEventListener('headscope:rendered', () => {
      const r = window.headscope.lastResult;
      if (r.generated) window.__steps.push({ at: performance.now(), worker: r.runMs, reused: r.reused, step: r.generated.step });
    });
  });
  const perToken = [], worker = [], reused = [];
  for (let k = 0; k <= runs; k++) {
    await page.evaluate((s) => window.headscope.setText(s), text);
    await page.evaluate(() => { window.__steps = []; });
    const n = k === 0 ? 2 : tokens; // the first: a warm-up
    await page.evaluate((n) => window.headscope.continueText({ maxNew: n, sampleTemperature: 0, topK: 0, topP: 1, seed: 0 }), n);
    const steps = await page.evaluate(() => window.__steps);
    if (k === 0) continue;
    for (let i = 1; i < steps.length; i++) perToken.push(steps[i].at - steps[i - 1].at);
    for (const s of steps) { worker.push(s.worker); reused.push(s.reused); }
  }
  const fmt = (x) => x.toFixed(1);
  console.log(`prompt_tokens ${promptTokens}, ${runs} runs of ${tokens} tokens`);
  console.log(`generate_token_ms ${fmt(median(perToken))}`);
  console.log(`generate_worker_ms ${fmt(median(worker))}`);
  console.log(`generate_reused ${median(reused)}`);
} finally {
  await browser.close();
  await server.close();
}
