#!/usr/bin/env node
// bench/soak-big.mjs — a long typing session on a big model (issue 17's soak): a model folder
// opened with "Open your own model" in headless Chromium (1280x900, default views), then N
// keystrokes into the page's text box (page.fill + the input event, as typing does): appends
// (a word typed a character at a time), backspaces, edits in the middle (a character inserted or
// deleted), pastes (a few words at once, at the end or in the middle) and cuts (when the text
// gets long), from a seeded generator. After each keystroke it waits until the page has drawn
// that text. Records:
//   - every 50 keystrokes, after a forced GC (CDP HeapProfiler.collectGarbage) in the page: the
//     module's heap (the worker's 'memory' answer: HEAPU8.length) and the page's JS heap (CDP
//     Runtime.getHeapUsage usedSize), plus the worker's JS heap where the browser tells it;
//   - every 100th keystroke's result (the page's, rebuilt from a patch when the run reused its
//     prefix: web/result-patch.mjs) against a full run of the same text and options in the same
//     worker on a channel of its own (made to reuse nothing: checked), attention within 1e-6
//     and the same token ids;
//   - the time from the edit to the drawn result, per kind of edit.
// Flat heap: over the last half the wasm heap must not grow between two samples unless a text
// longer (in tokens) than every earlier one came between them (a run's arrays grow with T and the
// module's heap never shrinks: its size follows the longest text so far; the text reaches
// MAX_CHARS characters early and is cut again and again, but the same characters can make a few
// more tokens later), the page's JS heap's maximum over the last
// half at most 1.25x its maximum over keystrokes 100-300 (+ 1 MB). Writes bench/SOAK-big.md (or --out FILE); exits 1 when a
// check fails.
// usage: node bench/soak-big.mjs --model DIR [--keys 1000] [--out bench/SOAK-big.md]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, ROOT } from '../tests/web/helpers.mjs';
import { benchOptions } from './options.mjs';

const { opt, required } = benchOptions('node bench/soak-big.mjs --model DIR [--keys 1000] [--out bench/SOAK-big.md]');
const dir = required('--model');
const keys = Number(opt('--keys', '1000'));
const out = opt('--out', path.join(ROOT, 'bench/SOAK-big.md'));
const HEAP_EVERY = 50;
const CHECK_EVERY = 100;
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const files = fs.readdirSync(dir).filter((f) => /^(config\.json|model\.safetensors|tokenizer\.json|vocab\.json|merges\.txt)$/.test(f))
  .map((f) => path.join(dir, f));

// ------------------------------------------------------------------ the edits
// a 32-bit linear congruential generator (seeded): numbers in [0, 1)
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const WORDS = ('the a of and to in is was he she it they Mary John store drink gave went cat sat on mat because tired ' +
  'attention head layer token model weights query key value induction previous copy name bank river money Paris ' +
  'London 1999 42 naïve café').split(' ');
const MAX_CHARS = 900; // longer texts get a cut (about 200 tokens with these words)

// The keystrokes, one text after each: [{kind, text}].
function makeEdits(n, start) {
  const r = rng(17);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const edits = [];
  let text = start;
  let typing = ''; // the rest of a word being typed at the end
  const push = (kind, t) => { text = t; edits.push({ kind, text }); };
  while (edits.length < n) {
    if (typing) { push('append', text + typing[0]); typing = typing.slice(1); continue; }
    const x = r();
    if (text.length > MAX_CHARS) {
      const cut = text.indexOf(' ', Math.floor(text.length / 3));
      push('cut', text.slice(0, Math.floor(text.length / 6)) + text.slice(cut));
    } else if (x < 0.55) typing = ` ${pick(WORDS)}`;
    else if (x < 0.75) push('backspace', text.slice(0, -1) || pick(WORDS));
    else if (x < 0.9) {
      const at = 1 + Math.floor(r() * (text.length - 1));
      push('middle edit', r() < 0.5 ? text.slice(0, at) + pick('aeiost,') + text.slice(at) : text.slice(0, at) + text.slice(at + 1));
    } else {
      const words = Array.from({ length: 3 + Math.floor(r() * 12) }, () => pick(WORDS)).join(' ');
      const at = r() < 0.5 ? text.length : text.indexOf(' ', Math.floor(r() * text.length));
      push('paste', at < 0 ? `${text} ${words}` : `${text.slice(0, at)} ${words}${text.slice(at)}`);
    }
  }
  return edits.slice(0, n);
}

// ------------------------------------------------------------------ the session
const server = await startServer({ csp: true });
const browser = await launch();
const samples = [];
let maxT = 0; // the longest text so far, in tokens
const checks = [];
const times = {};
let failures = [];
let info;
const t0 = Date.now();
try {
  const { page, context, problems } = await openPage(browser, server.url, { width: 1280, height: 900 });
  const bundledName = await page.evaluate(() => window.headscope.state.model.name);
  await page.setInputFiles('#model-files', files);
  await page.waitForFunction((n) => window.headscope.state.model && window.headscope.state.model.name !== n &&
    document.getElementById('app').dataset.state === 'rendered', bundledName, { timeout: 600000 });
  info = await page.evaluate(() => window.headscope.state.model.info);
  console.log(`# ${path.basename(dir)}: ${info.n_layer} layers x ${info.n_head} heads x ${info.n_embd}; ${keys} keystrokes`);
  const cdp = await context.newCDPSession(page);
  const sample = async (i) => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { usedSize } = await cdp.send('Runtime.getHeapUsage');
    const m = await page.evaluate(() => window.headscope.client.memory());
    const T = await page.evaluate(() => window.headscope.lastResult.T);
    maxT = Math.max(maxT, T);
    samples.push({ i, wasm: m.wasmHeap, pageJs: usedSize, workerJs: m.jsHeap, T, maxT });
    console.log(`# ${i}: T ${T}, wasm ${(m.wasmHeap / 1048576).toFixed(1)} MB, page JS ${(usedSize / 1048576).toFixed(1)} MB`);
  };
  const start = 'When Mary and John went to the store, John gave a drink to Mary because she was tired of the long walk';
  await page.fill('#text', start);
  await page.waitForFunction((t) => window.headscope.lastResult.text === t && document.getElementById('app').dataset.state === 'rendered', start, { timeout: 120000 });
  await sample(0);
  const edits = makeEdits(keys, start);
  for (let k = 1; k <= keys; k++) {
    const { kind, text } = edits[k - 1];
    const t = Date.now();
    await page.fill('#text', text);
    await page.waitForFunction((s) => window.headscope.lastResult.text === s && document.getElementById('app').dataset.state === 'rendered' &&
      !window.headscope.pendingDraw(), text, { timeout: 120000 }).catch(async (e) => {
      const seen = await page.evaluate(() => ({ state: document.getElementById('app').dataset.state, error: document.getElementById('error').textContent }));
      throw new Error(`keystroke ${k} (${kind}): ${e.message}; the page shows ${JSON.stringify(seen)}`);
    });
    (times[kind] ??= []).push(Date.now() - t);
    maxT = Math.max(maxT, await page.evaluate(() => window.headscope.lastResult.T));
    if (k % CHECK_EVERY === 0) {
      const c = await page.evaluate(async () => {
        const hs = window.headscope;
        const r = hs.lastResult;
        const client = hs.client;
        hs.checkChannel ??= client.channel();
        await client.run(hs.checkChannel, hs.state.model.key, '\u00a7', r.options); // (so the next run reuses nothing)
        const full = await client.run(hs.checkChannel, hs.state.model.key, r.text, r.options);
        let worst = 0;
        const same = full.attention.length === r.attention.length;
        for (let j = 0; same && j < full.attention.length; j++) worst = Math.max(worst, Math.abs(full.attention[j] - r.attention[j]));
        return { T: r.T, reused: r.reused, patched: !!r.patch, fullReused: full.reused, worst: same ? worst : Infinity,
          idsSame: JSON.stringify(full.ids) === JSON.stringify(r.ids), patches: client.arrays.patched };
      });
      checks.push({ k, kind, ...c });
      console.log(`# check ${k}: T ${c.T}, reused ${c.reused} (${c.patched ? 'patched' : 'whole'}), max |page - full| ${c.worst}`);
      if (!(c.worst <= 1e-6) || !c.idsSame || c.fullReused !== 0) failures.push(`keystroke ${k}: max |page - full run| ${c.worst}, same ids ${c.idsSame}, the full run reused ${c.fullReused}`);
    }
    if (k % HEAP_EVERY === 0) await sample(k);
  }
  if (problems.length) failures.push(`the page reported: ${problems.slice(0, 5).join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}

// ------------------------------------------------------------------ flat heap, the report
const mb = (b) => (b / 1048576).toFixed(1);
const after = (i) => samples.filter((s) => s.i >= i);
const half = Math.floor(keys / 2);
const wasmAtHalf = Math.max(...samples.filter((s) => s.i <= half).map((s) => s.wasm));
const wasmLater = Math.max(...after(half).map((s) => s.wasm));
const growths = []; // the last half's growths: [sample before, sample after]
for (let k = 1; k < samples.length; k++) {
  if (samples[k].i > half && samples[k].wasm > samples[k - 1].wasm) growths.push([samples[k - 1], samples[k]]);
}
for (const [a, b] of growths) {
  if (b.maxT <= a.maxT) failures.push(`the wasm heap grew between keystrokes ${a.i} and ${b.i} (${mb(a.wasm)} -> ${mb(b.wasm)} MB) with no text longer than the longest before (${a.maxT} tokens)`);
}
const growthText = growths.length
  ? growths.map(([a, b]) => `${mb(a.wasm)} → ${mb(b.wasm)} MB between keystrokes ${a.i} and ${b.i}, where the longest text went from ${a.maxT} to ${b.maxT} tokens`).join('; ')
  : 'none';
const early = Math.max(...samples.filter((s) => s.i >= 100 && s.i <= 300).map((s) => s.pageJs));
const late = Math.max(...after(half).map((s) => s.pageJs));
if (late > 1.25 * early + 1048576) failures.push(`the page's JS heap grew: max ${mb(early)} MB over 100-300, ${mb(late)} MB over the last half`);
const minutes = ((Date.now() - t0) / 60000).toFixed(1);
const kinds = Object.entries(times).map(([k, v]) => `| ${k} | ${v.length} | ${median(v)} | ${Math.max(...v)} |`);
const md = `# Soak on a big model: ${keys} keystrokes in one page session

Written by \`bench/soak-big.mjs\` (\`node bench/soak-big.mjs --model ${path.basename(dir)} --keys ${keys}\`) on
${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${minutes} min in all, load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}
(2 shared cores). Model: \`${path.basename(dir)}\`, ${info.n_layer} layers × ${info.n_head} heads, d=${info.n_embd}, vocabulary
${info.vocab_size}, opened with "Open your own model". Headless Chromium at 1280×900, the default views, the
single-threaded build.

The keystrokes (seeded): appends (words typed a character at a time), backspaces, edits in the middle
(a character inserted or deleted), pastes of 3-14 words (at the end or in the middle) and cuts when the
text passes ${MAX_CHARS} characters; each one through the text box (\`page.fill\`, the input event), then a
wait until the page has drawn that text. Every ${HEAP_EVERY}: after a forced GC in the page, the module's heap
(\`HEAPU8.length\`) and the page's JS heap (CDP \`Runtime.getHeapUsage\`). Every ${CHECK_EVERY}th result (rebuilt
in the page from the worker's new rows when the run reused its prefix) against a full run of the same
text and options in the same worker (its own channel, a run of another text first so that it reuses
nothing, checked).

Checks: ${failures.length ? `**FAILED**: ${failures.join('; ')}` : 'all passed'}: after keystroke ${half} the wasm heap
grows only where a text longer than every earlier one came (max ${mb(wasmAtHalf)} MB up to ${half}, ${mb(wasmLater)} MB after;
growths after ${half}: ${growthText}); the page's JS heap over the last
half at most 1.25× its maximum over 100-300 + 1 MB (${mb(early)} MB, ${mb(late)} MB); every checked result within
1e-6 of the full run with the same ids (worst ${Math.max(...checks.map((c) => c.worst)).toExponential(1)}).

| keystroke | T | longest so far (tokens) | wasm heap (MB) | page JS heap (MB) | worker JS heap (MB) |
| ---: | ---: | ---: | ---: | ---: | ---: |
${samples.map((s) => `| ${s.i} | ${s.T} | ${s.maxT} | ${mb(s.wasm)} | ${mb(s.pageJs)} | ${s.workerJs === null ? '–' : mb(s.workerJs)} |`).join('\n')}

| keystroke | edit | T | reused | came as | max \\|page − full run\\| |
| ---: | --- | ---: | ---: | --- | ---: |
${checks.map((c) => `| ${c.k} | ${c.kind} | ${c.T} | ${c.reused} | ${c.patched ? 'patch' : 'whole'} | ${c.worst.toExponential(1)} |`).join('\n')}

Edit to drawn result (ms, measured from the bench's side: includes playwright's round trips):

| edit | count | median | max |
| --- | ---: | ---: | ---: |
${kinds.join('\n')}
`;
fs.writeFileSync(out, md);
console.log(`# wrote ${path.relative(process.cwd(), out)}`);
if (failures.length) {
  console.log(`FAILED: ${failures.join('; ')}`);
  process.exitCode = 1;
}
