#!/usr/bin/env node
// bench/keystroke.mjs — the page's keystroke figures on a model folder opened
// with "Open your own model" (figures, not assertions), in headless Chromium at
// 1280x900 with the default views: for each T, a text of T tokens, then
// alternately Backspace and the character back at its end (median of the
// keystrokes after a warm-up one):
//   keystroke_T{T}_ms            key press -> every visible view redrawn
//   keystroke_T{T}_worker_ms     of which the worker's run (prefix reuse included)
//   keystroke_T{T}_draw_ms       of which result arrival -> every visible view redrawn
//   keystroke_T{T}_reused        median positions reused from the previous run
//   keystroke_T{T}_full_run_ms   a full run of the same text in the page's worker (no reuse)
//   model_open_ms, model_weights_mb, wasm_heap_after_open_mb   opening the folder, what its weights take
//                                in the module, the module's heap then
// With --coi the server sends COOP/COEP, so the page is cross-origin isolated and its
// worker runs the threaded module on navigator.hardwareConcurrency threads; the figures
// are then named keystroke_T{T}_{n}t_* (n: the module's thread count).
// usage: node bench/keystroke.mjs --model DIR [--T 64,256] [--keys 12] [--coi]
//   (a GPT-2-small-sized random checkpoint: /usr/bin/python3 tests/reference/make_checkpoint.py DIR
//    --layers 12 --heads 12 --embd 768 --positions 1024 --vocab 50257 --dtype F16 --std 0.05)
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage } from '../tests/web/helpers.mjs';
import { benchOptions } from './options.mjs';

const { opt, flag, required } = benchOptions('node bench/keystroke.mjs --model DIR [--T 64,256] [--keys 12] [--coi]');
const dir = required('--model');
const Ts = opt('--T', '64,256').split(',').map(Number);
const keys = Number(opt('--keys', '12'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const files = fs.readdirSync(dir).filter((f) => /^(config\.json|model\.safetensors|tokenizer\.json|vocab\.json|merges\.txt)$/.test(f))
  .map((f) => path.join(dir, f));

const coi = flag('--coi');
const server = await startServer({ csp: true, coi });
const browser = await launch();
try {
  const { page } = await openPage(browser, server.url, { width: 1280, height: 900 });
  const t0 = Date.now();
  await page.setInputFiles('#model-files', files);
  await page.waitForFunction((n) => window.headscope.state.model && window.headscope.state.model.name !== n &&
    document.getElementById('app').dataset.state === 'rendered', (await page.evaluate(() => window.headscope.state.model.name)),
  { timeout: 600000 });
  const info = await page.evaluate(() => window.headscope.state.model.info);
  const isolated = await page.evaluate(() => self.crossOriginIsolated);
  if (coi && !isolated) throw new Error('--coi: the page is not cross-origin isolated');
  console.log(`# ${path.basename(dir)}: ${info.n_layer} layers x ${info.n_head} heads x ${info.n_embd}, vocab ${info.vocab_size}; opened in ${Date.now() - t0} ms`);
  const memory = await page.evaluate(() => window.headscope.client.request({ type: 'memory' }));
  console.log(`model_open_ms ${Date.now() - t0} ms`);
  if (info.weights) console.log(`model_weights_mb ${(info.weights.bytes / 1048576).toFixed(0)} MB (as F32: ${(info.weights.f32_bytes / 1048576).toFixed(0)} MB)`);
  console.log(`wasm_heap_after_open_mb ${(memory.wasmHeap / 1048576).toFixed(0)} MB`);
  const words = 'the quick brown fox jumps over the lazy dog while Mary and John went to the store and John gave a drink to Mary because she was thirsty'.split(' ');
  for (const T of Ts) {
    // a text of exactly T tokens (this tokenizer: about one token per word)
    let text = '';
    let n = 0;
    for (let w = 0; n < T; w++) {
      text += (w ? ' ' : 'The') + (w ? words[w % words.length] : '');
      n = await page.evaluate((s) => window.headscope.setText(s).then((r) => r.T), text);
    }
    await page.click('#text');
    const total = [], worker = [], reused = [], draw = [];
    let threads = 1;
    for (let k = 0; k <= keys; k++) {
      const short = text.slice(0, -1);
      await page.evaluate(() => performance.clearMarks());
      await page.keyboard.press('Control+End'); // (End alone goes to the end of the wrapped line)
      if (k % 2) await page.keyboard.type(text.slice(-1));
      else await page.keyboard.press('Backspace');
      const want = k % 2 ? text : short;
      await page.waitForFunction((t) => window.headscope.lastResult.text === t &&
        document.getElementById('app').dataset.state === 'rendered' &&
        performance.getEntriesByName('headscope:rendered').length > 0, want, { timeout: 120000 }).catch(async (e) => {
        const seen = await page.evaluate(() => ({ state: document.getElementById('app').dataset.state,
          shown: window.headscope.lastResult.tokens.join(''), error: document.getElementById('error').textContent }));
        throw new Error(`keystroke ${k} at T=${T}: waiting for ${JSON.stringify(want)}, the page shows ${JSON.stringify(seen)}`);
      });
      const m = await page.evaluate(() => {
        const input = performance.getEntriesByName('headscope:input').pop();
        const done = performance.getEntriesByName('headscope:rendered').pop();
        const result = performance.getEntriesByName('headscope:result').pop();
        const r = window.headscope.lastResult;
        return [done.startTime - input.startTime, r.runMs, r.reused, result ? done.startTime - result.startTime : NaN, r.threads];
      });
      if (k) { total.push(m[0]); worker.push(m[1]); reused.push(m[2]); draw.push(m[3]); }
      threads = m[4];
    }
    // the same text run in full (no previous run to reuse: the knob round trip breaks the premise)
    const fullMs = await page.evaluate(async (s) => {
      const c = window.headscope.client;
      const key = window.headscope.state.model.key;
      const t = performance.now();
      await c.run(-1, key, s, {});
      return performance.now() - t;
    }, text);
    const name = `T${T}${coi ? `_${threads}t` : ''}`;
    console.log(`keystroke_${name}_ms ${median(total).toFixed(1)} ms`);
    console.log(`keystroke_${name}_worker_ms ${median(worker).toFixed(1)} ms`);
    console.log(`keystroke_${name}_draw_ms ${median(draw).toFixed(1)} ms`);
    console.log(`keystroke_${name}_reused ${median(reused)} positions`);
    console.log(`keystroke_${name}_full_run_ms ${fullMs.toFixed(1)} ms`);
    console.log(`# ${name} keystrokes ${total.map((x) => x.toFixed(0)).join(', ')} ms`);
  }
} finally {
  await browser.close();
  await server.close();
}
