// tests/web/soak.test.mjs — a long session in headless Chromium: 1,000 different
// texts typed in a row into the page's text box (window.headscope.setText, and
// every 4th through the real <textarea> with page.fill + the input event), from
// 1 token to over the context, with empty, whitespace-only, emoji-only, mixed
// scripts and 10,000-character pastes. Checks:
//   - never an error state, no console error or warning, no page error;
//   - memory stops growing: every 50 texts, after a forced GC (CDP
//     HeapProfiler.collectGarbage in the page and in the worker), the JS heap
//     (Runtime.getHeapUsage usedSize, page + worker) and the wasm heap (the
//     worker's 'memory' answer: module.HEAPU8.length). The largest texts all
//     come in the first 100, so by then the wasm heap has its high-water mark:
//     after 100 it must not grow at all (a leak in the module grows it in steps
//     of at least 64 KB, and dlmalloc reuses the same sizes exactly). The JS
//     heap is noisier (caches, compiled code, GC timing), so: max over texts
//     500-1000 <= 1.25 x max over 100-300 (+ 256 KB for tiny heaps);
//   - every 100th result's attention equals the native CLI's `run` (1e-4);
// and writes the curves to tests/artifacts/soak.{md,svg} (and to bench/SOAK.md +
// bench/soak.svg with HEADSCOPE_SOAK_RECORD=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, ARTIFACTS, NATIVE_CLI, ROOT } from './helpers.mjs';

const N = Number(process.env.HEADSCOPE_SOAK_N || 1000);
const EVERY = 50;

let server;
let browser;
let model;

before(async () => ({ model, server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

// ------------------------------------------------------------------ the texts
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const WORDS = ('the a of and to in is was he she it they Mary John store drink gave went cat sat on mat because tired ' +
  'attention head layer token model weights softmax query key value induction previous copy name bank river money ' +
  'Paris London Tokyo 1999 2024 3.14 42 $5 100% e-mail naïve café résumé über Straße').split(' ');
const EMOJI = ['😀', '🎉', '🚀', '👍🏽', '🇫🇷', '❤️', '🧪', '👩‍💻', '🐍', '✨'];
const SCRIPTS = ['Привет мир', '你好，世界', 'こんにちは', 'مرحبا بالعالم', 'שלום', 'γειά σου', '안녕하세요', 'नमस्ते'];

// 1,000 distinct texts; the largest kinds (context-sized, 10,000-char pastes)
// appear in the first 100 so the heaps have their high-water mark by then.
function makeTexts(n, context) {
  const r = rng(8);
  const pick = (a) => a[Math.floor(r() * a.length)];
  const words = (k) => Array.from({ length: k }, () => pick(WORDS)).join(' ');
  const seen = new Set();
  const out = [];
  const add = (t, kind) => {
    if (seen.has(t)) return false;
    seen.add(t);
    out.push({ text: t, kind });
    return true;
  };
  for (let i = 0; out.length < n; i++) {
    const k = out.length;
    let ok = false;
    if (k === 0) ok = add('', 'empty');
    else if (k === 1) ok = add(pick(WORDS), '1 word');
    else if (k % 97 === 3 || k === 10) {
      // a 10,000-character paste (over the context: truncated)
      let t = `Paste ${k}: `;
      while (t.length < 10000) t += words(12) + '. ';
      ok = add(t.slice(0, 10000), 'paste 10,000 chars');
    } else if (k % 53 === 7 || k === 20) ok = add(Array.from({ length: 1 + Math.floor(r() * 40) }, () => pick(EMOJI)).join(''), 'emoji only');
    else if (k % 41 === 5) ok = add(' '.repeat(1 + Math.floor(r() * 20)) + '\n'.repeat(Math.floor(r() * 3)) + '\t'.repeat(Math.floor(r() * 2)), 'whitespace only');
    else if (k % 29 === 11) ok = add(`${pick(SCRIPTS)} ${words(3)} ${pick(SCRIPTS)} ${pick(EMOJI)}`, 'mixed scripts');
    else if (k % 20 === 9 || k === 30 || k === 60) ok = add(words(context + Math.floor(r() * 20)), 'about the context size');
    else {
      // 1 to context words (mostly short, like typing)
      const len = 1 + Math.floor(r() ** 2 * context);
      ok = add(words(len) + pick(['.', '!', '?', '', ',', '\n']), `${len} words`);
    }
    if (!ok) add(`${words(1 + Math.floor(r() * 12))} (${k})`, 'n words'); // a repeat: a short sentence instead
    if (i > 50 * n) throw new Error('could not make enough distinct texts');
  }
  return out;
}

// ------------------------------------------------------------------ memory probes
// JS heap of the page and of the compute worker after a forced GC, through CDP;
// the worker is reached from a browser-level session (Target.sendMessageToTarget).
async function heapProbes(context, page) {
  const pageCdp = await context.newCDPSession(page);
  const bs = await browser.newBrowserCDPSession();
  const { targetInfos } = await bs.send('Target.getTargets');
  const w = targetInfos.find((t) => t.type === 'worker' && t.url.endsWith('/worker.mjs'));
  assert.ok(w, 'the compute worker is a CDP target');
  const { sessionId } = await bs.send('Target.attachToTarget', { targetId: w.targetId, flatten: false });
  const waiting = new Map();
  let seq = 0;
  bs.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message);
    const f = waiting.get(m.id);
    if (f) { waiting.delete(m.id); f(m); }
  });
  const inWorker = (method, params = {}) => new Promise((resolve, reject) => {
    const id = ++seq;
    waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
    bs.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
  });
  return {
    async sample() {
      await pageCdp.send('HeapProfiler.collectGarbage');
      await inWorker('HeapProfiler.collectGarbage');
      const p = await pageCdp.send('Runtime.getHeapUsage');
      const wk = await inWorker('Runtime.getHeapUsage');
      const { wasmHeap } = await page.evaluate(() => window.headscope.client.memory());
      return { pageJs: p.usedSize, workerJs: wk.usedSize, js: p.usedSize + wk.usedSize, wasm: wasmHeap };
    },
    async close() { await bs.detach().catch(() => {}); await pageCdp.detach().catch(() => {}); },
  };
}

// ------------------------------------------------------------------ native reference
function nativeRun(text) {
  if (!fs.existsSync(NATIVE_CLI)) {
    assert.fail(`the native CLI ${path.relative(process.cwd(), NATIVE_CLI)} is missing: build it with ` +
      '`cmake --preset native && cmake --build --preset native` (or ./scripts/test.sh)');
  }
  const out = execFileSync(NATIVE_CLI, ['run', '--model', model.dir, '--text', text], { maxBuffer: 1 << 28 });
  return JSON.parse(out);
}

function compareWithNative(got, text, where) {
  const ref = nativeRun(text);
  assert.deepEqual(got.ids, ref.ids, `${where}: token ids`);
  const { T, L, H } = got;
  assert.equal(T, ref.ids.length);
  let worst = 0;
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    worst = Math.max(worst, Math.abs(got.attention[((l * H + h) * T + i) * T + j] - ref.attention[l][h][i][j]));
  }
  assert.ok(worst <= 1e-4, `${where}: max |page - native| = ${worst}`);
  return worst;
}

// ------------------------------------------------------------------ the curves
function svgChart(samples) {
  const W = 720, Hh = 300, m = { l: 70, r: 70, t: 30, b: 40 };
  const xs = samples.map((s) => s.i);
  const xMax = Math.max(...xs);
  const x = (i) => m.l + (i / xMax) * (W - m.l - m.r);
  const series = [
    { key: 'wasm', label: 'wasm heap (MB)', color: '#2f5fd0', side: 'l' },
    { key: 'js', label: 'JS heap, page + worker (MB)', color: '#d9480f', side: 'r' },
  ];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" viewBox="0 0 ${W} ${Hh}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${Hh}" fill="#fff"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">Headscope soak: heap after each 50 texts (forced GC)</text>`,
    `<line x1="${m.l}" y1="${Hh - m.b}" x2="${W - m.r}" y2="${Hh - m.b}" stroke="#888"/>`];
  for (let i = 0; i <= xMax; i += 100) {
    parts.push(`<line x1="${x(i)}" y1="${Hh - m.b}" x2="${x(i)}" y2="${Hh - m.b + 4}" stroke="#888"/>`,
      `<text x="${x(i)}" y="${Hh - m.b + 16}" text-anchor="middle">${i}</text>`);
  }
  parts.push(`<text x="${W / 2}" y="${Hh - 6}" text-anchor="middle">texts typed</text>`);
  for (const s of series) {
    const vals = samples.map((p) => p[s.key] / 1048576);
    const top = Math.max(...vals) * 1.15 || 1;
    const y = (v) => Hh - m.b - (v / top) * (Hh - m.t - m.b);
    const ax = s.side === 'l' ? m.l : W - m.r;
    parts.push(`<line x1="${ax}" y1="${m.t}" x2="${ax}" y2="${Hh - m.b}" stroke="${s.color}"/>`);
    for (let k = 0; k <= 4; k++) {
      const v = (top * k) / 4;
      const tx = s.side === 'l' ? ax - 6 : ax + 6;
      parts.push(`<text x="${tx}" y="${y(v) + 4}" text-anchor="${s.side === 'l' ? 'end' : 'start'}" fill="${s.color}">${v.toFixed(v < 10 ? 1 : 0)}</text>`);
    }
    const pts = samples.map((p, k) => `${x(p.i).toFixed(1)},${y(vals[k]).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const pt of pts.split(' ')) { const [px, py] = pt.split(','); parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`); }
  }
  series.forEach((s, k) => parts.push(`<rect x="${m.l + 10 + k * 230}" y="${m.t}" width="12" height="3" fill="${s.color}"/>`,
    `<text x="${m.l + 28 + k * 230}" y="${m.t + 5}">${s.label}</text>`));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function markdown(samples, info, summary) {
  const mb = (b) => (b / 1048576).toFixed(2);
  const rows = samples.map((s) => `| ${s.i} | ${s.wasm} | ${mb(s.wasm)} | ${s.js} | ${mb(s.js)} | ${mb(s.pageJs)} | ${mb(s.workerJs)} |`);
  return `# Soak: 1,000 texts in one page session

Written by \`tests/web/soak.test.mjs\` (\`HEADSCOPE_SOAK_RECORD=1 node --test tests/web/soak.test.mjs\`)
on ${summary.date}: headless Chromium ${summary.browser}, model \`${info.name}\` (${info.n_layer} layers × ${info.n_head} heads,
d=${info.n_embd}, context ${info.n_positions}), ${summary.n} texts (${summary.kinds}), typed in a row into the
page's text box (every 4th through the real \`<textarea>\`, the others through \`window.headscope.setText\`),
${summary.seconds} s in all on a ${os.cpus().length}-core machine (load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}).

Each row is measured after text *i* was drawn, after a forced garbage collection in the page and in the
compute worker (CDP \`HeapProfiler.collectGarbage\`): the wasm heap is the module's \`HEAPU8.length\`
(the worker's \`memory\` answer), the JS heap is CDP \`Runtime.getHeapUsage\` \`usedSize\` of the page plus
the worker.

What the test asserts: the wasm heap does not grow at all after text 100 (the largest texts all come
before it; a leak in the module could only show as growth, in steps of at least 64 KB); the JS heap's
maximum over texts 500–1000 is at most 1.25× its maximum over texts 100–300 (+256 KB); every 100th
result's attention equals the native CLI's \`run\` within 1e-4 (worst seen: ${summary.worst.toExponential(1)}); no error
state, console error or warning, or page error.

Summary: wasm heap ${summary.wasmLine}; JS heap ${summary.jsLine}.

![heap curves](soak.svg)

| text | wasm heap (bytes) | wasm (MB) | JS heap (bytes) | JS (MB) | page JS (MB) | worker JS (MB) |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
}

// ------------------------------------------------------------------ the soak
test(`soak: ${N} texts in a row, no errors, heaps stop growing, numbers stay right`, { timeout: 15 * 60 * 1000 }, async () => {
  const t0 = Date.now();
  const { context, page, problems } = await openPage(browser, server.url, { width: 1280, height: 900 });
  page.on('console', (m) => { if (m.type() === 'warning') problems.push(`console warning: ${m.text()}`); });
  const probes = await heapProbes(context, page);
  try {
    const info = await page.evaluate(() => window.headscope.state.model.info);
    const texts = makeTexts(N, info.n_positions);
    const samples = [];
    const sample = async (i) => samples.push({ i, ...(await probes.sample()) });
    await sample(0);
    let worst = 0;
    const timing = { fill: 0, set: 0, native: 0, sample: 0, run: 0 };
    const kinds = new Map();
    for (let k = 0; k < N; k++) {
      const { text, kind } = texts[k];
      kinds.set(kind.replace(/^\d+ words$/, 'n words'), (kinds.get(kind.replace(/^\d+ words$/, 'n words')) || 0) + 1);
      const i = k + 1;
      const ts = Date.now();
      let st;
      if (k % 4 === 3) {
        await page.fill('#text', text);
        const h = await page.waitForFunction((t) => {
          const r = window.headscope.lastResult;
          const ok = t === '' ? r && r.T === 0 : r && r.text === t;
          if (!ok || document.getElementById('app').dataset.state !== 'rendered') return false;
          return {
            state: 'rendered',
            error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
            T: r.T, text: r.text, runMs: r.runMs,
          };
        }, text, { timeout: 60000 });
        st = await h.jsonValue();
        timing.fill += Date.now() - ts;
      } else {
        st = await page.evaluate(async (t) => {
          await window.headscope.setText(t);
          const r = window.headscope.lastResult;
          return {
            state: document.getElementById('app').dataset.state,
            error: document.getElementById('error').hidden ? '' : document.getElementById('error').textContent,
            T: r && r.T, text: r && r.text, runMs: r && r.runMs,
          };
        }, text);
        timing.set += Date.now() - ts;
      }
      timing.run += st.runMs || 0;
      assert.equal(st.state, 'rendered', `text ${i} (${kind}): state ${st.state} ${st.error}`);
      assert.equal(st.error, '', `text ${i} (${kind})`);
      if (text !== '' && st.T > 0) assert.equal(st.text, text, `text ${i}: the drawn result is of this text`);
      assert.deepEqual(problems, [], `after text ${i} (${kind})`);
      if (i % 100 === 0 && st.T > 0) {
        const got = await page.evaluate(() => {
          const r = window.headscope.lastResult;
          return { ids: r.ids, T: r.T, L: r.n_layer, H: r.n_head, attention: Array.from(r.attention) };
        });
        const tn = Date.now();
        worst = Math.max(worst, compareWithNative(got, text, `text ${i} (${kind})`));
        timing.native += Date.now() - tn;
      }
      if (i % EVERY === 0) {
        const tm = Date.now();
        await sample(i);
        timing.sample += Date.now() - tm;
      }
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(0);

    // ---- the curves
    const at = (i) => samples.find((s) => s.i === i);
    const range = (a, b, key) => Math.max(...samples.filter((s) => s.i >= a && s.i <= b).map((s) => s[key]));
    const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
    const wasm100 = at(100).wasm;
    const wasmMax = range(100, N, 'wasm');
    const jsEarly = range(100, 300, 'js');
    const jsLate = range(500, N, 'js');
    const summary = {
      date: new Date().toISOString().slice(0, 10),
      browser: browser.version(),
      n: N,
      kinds: [...kinds].map(([kd, c]) => `${c} ${kd}`).join(', '),
      seconds,
      worst,
      wasmLine: `${mb(samples[0].wasm)} after the first render, ${mb(wasm100)} at text 100, max ${mb(wasmMax)} over texts 100–${N}`,
      jsLine: `${mb(samples[0].js)} at start, max ${mb(jsEarly)} over texts 100–300, max ${mb(jsLate)} over 500–${N} ` +
        `(ratio ${(jsLate / jsEarly).toFixed(3)})`,
    };
    const md = markdown(samples, { name: model.name, ...info }, summary);
    const svg = svgChart(samples);
    fs.writeFileSync(path.join(ARTIFACTS, 'soak.md'), md);
    fs.writeFileSync(path.join(ARTIFACTS, 'soak.svg'), svg);
    if (process.env.HEADSCOPE_SOAK_RECORD === '1') {
      fs.writeFileSync(path.join(ROOT, 'bench/SOAK.md'), md);
      fs.writeFileSync(path.join(ROOT, 'bench/soak.svg'), svg);
    }
    console.log(`# soak: ${N} texts in ${seconds} s; wasm heap ${summary.wasmLine}; JS heap ${summary.jsLine}; worst |page - native| ${worst}; ms in fill ${timing.fill}, setText ${timing.set}, native ${timing.native}, samples ${timing.sample}, worker runs ${timing.run.toFixed(0)}`);

    // ---- the assertions on memory
    if (N >= 1000) {
      assert.equal(wasmMax, wasm100, `the wasm heap grew after text 100: ${samples.map((s) => `${s.i}:${s.wasm}`).join(' ')}`);
      assert.ok(jsLate <= jsEarly * 1.25 + 256 * 1024,
        `the JS heap kept growing: max ${jsLate} over 500-${N} vs ${jsEarly} over 100-300 (${samples.map((s) => `${s.i}:${s.js}`).join(' ')})`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await probes.close();
    await context.close();
  }
});
