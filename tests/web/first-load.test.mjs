// tests/web/first-load.test.mjs — issue 19, item 4: the first load. In headless
// Chromium under the strict CSP: before the model arrives (its weights held back
// by the test) the page's frame is drawn, the controls that need a result are
// disabled, a placeholder stands where the heads will be, and the progress bar
// moves from the first bytes (the module's and the model's small files); once the
// heads are drawn, all of it gives way. The byte counting itself
// (web/load-progress.mjs) in Node: known sizes, and compressed responses whose
// decoded size is unknown. Precompression (scripts/precompress.mjs) and
// scripts/serve.mjs: brotli or gzip as Accept-Encoding allows (q=0 refuses),
// Content-Encoding, the original Content-Type, Vary, the served bytes decompress
// to the originals, stale copies are not sent; and the page through the
// compressed site gets brotli for the wasm and the model and draws the same heads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { openBrowserSuite, closeBrowserSuite, startServer, ARTIFACTS } from './helpers.mjs';
import { ByteTally, listenAll } from '../../web/load-progress.mjs';
import { precompress } from '../../scripts/precompress.mjs';
import { siteCopy } from '../../bench/first-load.mjs';

let suite;
let site; // a precompressed copy of web/
let siteServer;
let plainSite; // a copy without precompressed files (web/dist may have some after ./build-wasm.sh serve)
let plainServer;
before(async () => {
  suite = await openBrowserSuite();
  site = siteCopy(true, { brotliQuality: 5 }); // quick: the server's choice is what is tested here
  siteServer = await startServer({ csp: true, root: site });
  plainSite = siteCopy(false);
  plainServer = await startServer({ csp: true, root: plainSite });
});
after(async () => {
  for (const s of [siteServer, plainServer]) if (s) await s.close();
  for (const d of [site, plainSite]) if (d) fs.rmSync(d, { recursive: true, force: true });
  await closeBrowserSuite(suite || {});
});

const NEEDS_A_RESULT = ['#layer-select', '#head-select', '#scale-select', '#copy-link', '#copy-embed', '#export-png', '#export-svg'];

test('before the model arrives: the frame, disabled controls, a placeholder, a progress bar from the first byte', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let weightsAsked = false;
  await context.route('**/model.safetensors', async (route) => { weightsAsked = true; await held; await route.continue(); });
  try {
    await page.goto(suite.server.url);
    // the frame: heading, text box, tabs, with the controls that need a result disabled
    await page.waitForFunction(() => !!document.querySelector('.tabs .tab') && document.querySelector('h1').getClientRects().length > 0);
    const before = await page.evaluate((ids) => ({
      state: document.querySelector('#app').dataset.state,
      disabled: ids.map((s) => document.querySelector(s).disabled),
      placeholder: document.querySelector('#first-load').checkVisibility(),
      progress: document.querySelector('#progress').checkVisibility(),
      views: [...document.querySelectorAll('.view')].filter((v) => v.checkVisibility()).length,
    }), NEEDS_A_RESULT);
    assert.equal(before.state, 'loading');
    assert.deepEqual(before.disabled, NEEDS_A_RESULT.map(() => true), 'controls that need a result are disabled');
    assert.equal(before.placeholder, true, 'a placeholder where the heads will be');
    assert.equal(before.progress, true, 'the progress bar is there from the start');
    assert.equal(before.views, 0);
    // with the weights held back (no answer yet, so their size is unknown: an indeterminate bar),
    // the status counts the module's and the small files' bytes
    await page.waitForFunction(() => {
      const m = document.querySelector('#status').textContent.match(/^Downloading the model… ([\d.]+) MB$/);
      return m && Number(m[1]) > 0.5; // (MiB) the module alone is 0.76 MB
    }, null, { timeout: 30000 });
    assert.equal(weightsAsked, true, 'the weights were asked for at once, beside the small files');
    assert.equal(await page.$eval('#progress', (p) => p.checkVisibility() && !p.hasAttribute('value')), true,
      'an indeterminate bar while a size is unknown');
    await page.screenshot({ path: path.join(ARTIFACTS, 'first-load-390.png') });
    assert.equal(await page.$eval('#app', (a) => a.dataset.state), 'loading');
    // the weights come: the heads are drawn, and the first-load state gives way
    release();
    await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
    const after = await page.evaluate((ids) => ({
      disabled: ids.map((s) => document.querySelector(s).disabled),
      placeholder: document.querySelector('#first-load').checkVisibility(),
      progress: document.querySelector('#progress').checkVisibility(),
      layers: document.querySelector('#layer-select').options.length,
    }), NEEDS_A_RESULT);
    assert.deepEqual(after.disabled, NEEDS_A_RESULT.map(() => false), 'enabled once there is a result');
    assert.equal(after.placeholder, false);
    assert.equal(after.progress, false);
    assert.ok(after.layers > 0);
    assert.deepEqual(problems, []);
  } finally {
    release();
    await context.close();
  }
});

// A Response of `bytes` in chunks, with these headers.
function responseOf(bytes, headers) {
  let at = 0;
  return new Response(new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, at + 1000));
      at += 1000;
    },
  }), { headers });
}

test('the byte tally: known sizes add up; a compressed response has no total until it ends', async () => {
  const a = new ByteTally();
  const b = new ByteTally();
  const seen = [];
  const stop = listenAll([a, b], (done, total) => seen.push([done, total]));
  const asked = a.open(); // asked for, no answer yet: the total is unknown
  assert.deepEqual(seen.at(-1), [0, 0]);
  const plain = new Uint8Array(5000).fill(7);
  const packed = new Uint8Array(3000).fill(9);
  const got = new Uint8Array(await new Response(a.count(responseOf(plain, { 'content-length': '5000' }), asked)).arrayBuffer());
  assert.deepEqual(got, plain, 'the counted stream passes the same bytes');
  assert.deepEqual(seen.at(-1), [5000, 5000]);
  const stream = b.count(responseOf(packed, { 'content-length': '1200', 'content-encoding': 'br' }));
  assert.deepEqual(seen.at(-1), [5000, 0], 'a compressed response: total unknown (0)');
  const reader = stream.getReader();
  await reader.read();
  assert.deepEqual(seen.at(-1), [6000, 0], 'its decoded bytes count, the total stays unknown');
  while (!(await reader.read()).done);
  assert.deepEqual(seen.at(-1), [8000, 8000], 'known once it ended');
  // an optional file that is not there leaves the sums as they were
  const missing = b.open();
  assert.deepEqual(seen.at(-1), [8000, 0]);
  b.close(missing);
  assert.deepEqual(seen.at(-1), [8000, 8000]);
  // both moved monotonically
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0]);
  stop();
  const n = seen.length;
  a.notify();
  b.notify();
  assert.equal(seen.length, n, 'no calls after stop');
});

// A raw GET (no decoding): {status, headers, body}.
function get(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    http.get(url, { headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', (e) => reject(new Error(`GET ${url} (Accept-Encoding ${acceptEncoding}): ${e.message}`)));
  });
}
const decode = { br: (b) => zlib.brotliDecompressSync(b), gzip: (b) => zlib.gunzipSync(b), none: (b) => b };

test('precompressed copies: served by Accept-Encoding with the right headers, decompressing to the originals', async () => {
  const model = suite.model.name;
  const files = ['index.html', 'app.mjs', 'style.css', 'worker.mjs', 'dist/headscope.wasm', 'dist/headscope-relaxed.wasm',
    'dist/headscope.mjs', `dist/models/${model}/config.json`, `dist/models/${model}/tokenizer.json`,
    `dist/models/${model}/model.safetensors`];
  const cases = [['br', 'br'], ['gzip, deflate, br, zstd', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip', 'gzip'],
    ['identity', 'none'], [undefined, 'none'], ['br;q=0, gzip;q=0', 'none']];
  let saved = 0;
  for (const f of files) {
    const original = fs.readFileSync(path.join(site, f));
    const plain = await get(siteServer.url + f, 'identity');
    assert.equal(plain.status, 200, f);
    assert.deepEqual(plain.body, original, `${f} as it is`);
    for (const [accept, want] of cases) {
      const r = await get(siteServer.url + f, accept);
      const label = `${f} with Accept-Encoding ${accept}`;
      assert.equal(r.status, 200, label);
      assert.equal(r.headers['content-encoding'], want === 'none' ? undefined : want, label);
      assert.equal(r.headers['content-type'], plain.headers['content-type'], `${label}: the file's own type`);
      assert.equal(r.headers.vary, 'Accept-Encoding', label);
      assert.equal(Number(r.headers['content-length']), r.body.length, label);
      assert.deepEqual(decode[want](r.body), original, `${label} decompresses to the original`);
      if (want === 'br') saved += original.length - r.body.length;
    }
  }
  assert.equal((await get(`${siteServer.url}dist/headscope.wasm`, 'br')).headers['content-type'], 'application/wasm');
  const wasmBr = fs.statSync(path.join(site, 'dist/headscope.wasm.br')).size;
  assert.ok(wasmBr < 0.5 * fs.statSync(path.join(site, 'dist/headscope.wasm')).size, 'brotli halves the module at least');
  assert.ok(saved > 0);
  // a stale copy (older than its file) is not sent; a copy of a file that is gone is removed
  const extra = path.join(site, 'extra');
  fs.mkdirSync(extra);
  const f = path.join(extra, 'stale.json');
  fs.writeFileSync(f, JSON.stringify({ a: 'x'.repeat(2000) }));
  precompress(extra, { brotliQuality: 5 });
  assert.ok(fs.existsSync(`${f}.br`) && fs.existsSync(`${f}.gz`));
  const later = new Date(Date.now() + 5000);
  fs.writeFileSync(f, JSON.stringify({ b: 'y'.repeat(2000) }));
  fs.utimesSync(f, later, later);
  const stale = await get(`${siteServer.url}extra/stale.json`, 'br, gzip');
  assert.equal(stale.headers['content-encoding'], undefined, 'a stale copy is not sent');
  assert.deepEqual(stale.body, fs.readFileSync(f));
  fs.rmSync(f);
  precompress(extra);
  assert.ok(!fs.existsSync(`${f}.br`) && !fs.existsSync(`${f}.gz`), 'copies of a removed file are removed');
  // tiny or incompressible files get no copy
  const tiny = path.join(extra, 'tiny.json');
  fs.writeFileSync(tiny, '{}');
  precompress(extra);
  assert.ok(!fs.existsSync(`${tiny}.br`) && !fs.existsSync(`${tiny}.gz`), 'no copy of a tiny file');
  fs.rmSync(extra, { recursive: true });
});

// The drawn heads' attention as a short fingerprint (length, sum, a few values).
const fingerprint = (page) => page.evaluate(() => {
  const r = window.headscope.lastResult;
  const a = r.attention || r.weights;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  return { n: a.length, sum: sum.toFixed(4), some: [a[7], a[a.length >> 1], a[a.length - 3]].map((x) => x.toFixed(6)) };
});

test('the page through the compressed site: brotli for the module and the model, the same heads as uncompressed', async () => {
  const open = async (url) => {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = [];
    const encodings = new Map();
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('response', async (r) => { encodings.set(new URL(r.url()).pathname, (await r.allHeaders())['content-encoding'] || 'none'); });
    await page.goto(url);
    await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
    return { context, page, problems, encodings };
  };
  const packed = await open(siteServer.url);
  const plain = await open(plainServer.url);
  try {
    const wasm = [...packed.encodings].filter(([p]) => p.endsWith('.wasm'));
    assert.ok(wasm.length >= 1 && wasm.every(([, e]) => e === 'br'), `wasm: ${JSON.stringify(wasm)}`);
    assert.equal(packed.encodings.get(`/dist/models/${suite.model.name}/model.safetensors`), 'br');
    assert.equal(packed.encodings.get('/app.mjs'), 'br');
    assert.equal(plain.encodings.get(`/dist/models/${suite.model.name}/model.safetensors`), 'none');
    assert.deepEqual(await fingerprint(packed.page), await fingerprint(plain.page), 'the same heads');
    assert.match(await packed.page.$eval('#status', (s) => s.textContent), /computed in/);
    assert.deepEqual([...packed.problems, ...plain.problems], []);
  } finally {
    await packed.context.close();
    await plain.context.close();
  }
});
