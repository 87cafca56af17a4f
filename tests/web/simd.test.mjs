// tests/web/simd.test.mjs — the two builds of the wasm module (./build-wasm.sh
// first): web/dist/headscope.* (SIMD128) and headscope-relaxed.* (relaxed SIMD,
// fused multiply-add). The pick (pickSimdBuild, web/headscope-api.mjs) in Node
// with and without --experimental-wasm-relaxed-simd; web/cli.mjs's choice
// (HEADSCOPE_SIMD) and the two builds' attention agreeing; the page picking
// relaxed in Chromium by itself, plain with ?simd=plain, a clear error for a bad
// ?simd=, and the status line saying which build runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, ARTIFACTS, ROOT } from './helpers.mjs';
import { pickSimdBuild, relaxedSimdSupported, SIMD_BUILDS } from '../../web/headscope-api.mjs';

const FLAG = '--experimental-wasm-relaxed-simd';
const API = path.join(ROOT, 'web/headscope-api.mjs');
const CLI = path.join(ROOT, 'web/cli.mjs');
const TEXT = 'When Mary and John went to the store, John gave a drink to';

let suite;
let model;
before(async () => {
  suite = await openBrowserSuite();
  model = suite.model;
});
after(async () => {
  if (suite) await closeBrowserSuite(suite);
});

// pickSimdBuild(simd) in a fresh Node, with the given flags: {simd, name} or {error}
function pickIn(flags, simd) {
  const code = `import(${JSON.stringify(API)}).then((m) => {
    try { console.log(JSON.stringify(m.pickSimdBuild(${JSON.stringify(simd)}))); }
    catch (e) { console.log(JSON.stringify({ error: e.message })); } })`;
  const p = spawnSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout);
}

test('pickSimdBuild: relaxed only where the engine validates relaxed SIMD; forcing either; bad values', () => {
  // node --test runs without the flag: Node 20 rejects relaxed SIMD
  assert.equal(relaxedSimdSupported(), false);
  assert.deepEqual(pickSimdBuild(), { simd: 'plain', name: 'headscope' });
  assert.deepEqual(pickSimdBuild('plain'), { simd: 'plain', name: SIMD_BUILDS.plain });
  assert.throws(() => pickSimdBuild('relaxed'), /simd=relaxed: this engine rejects relaxed SIMD.*--experimental-wasm-relaxed-simd/);
  assert.throws(() => pickSimdBuild('fast'), /simd must be auto, plain, relaxed or threads, not "fast"/);
  // with the flag the probe module validates, so auto picks relaxed; plain can still be forced
  assert.deepEqual(pickIn([FLAG], 'auto'), { simd: 'relaxed', name: 'headscope-relaxed' });
  assert.deepEqual(pickIn([FLAG], 'plain'), { simd: 'plain', name: 'headscope' });
  assert.deepEqual(pickIn([], 'auto'), { simd: 'plain', name: 'headscope' });
});

function cliRun(flags, simd) {
  const p = spawnSync(process.execPath, [...flags, CLI, 'run', '--model', model.dir, '--text', TEXT],
    { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, HEADSCOPE_SIMD: simd } });
  return { status: p.status, stderr: p.stderr, out: p.status === 0 ? JSON.parse(p.stdout) : null };
}

function maxAbsDiff(a, b) {
  let m = 0;
  const walk = (x, y) => {
    if (Array.isArray(x)) {
      assert.equal(x.length, y.length);
      x.forEach((v, i) => walk(v, y[i]));
    } else m = Math.max(m, Math.abs(x - y));
  };
  walk(a, b);
  return m;
}

test('web/cli.mjs: HEADSCOPE_SIMD picks the build; both give the same tokens and attention within 1e-4', () => {
  const plain = cliRun([FLAG], 'plain');
  const relaxed = cliRun([FLAG], 'relaxed');
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(relaxed.status, 0, relaxed.stderr);
  assert.deepEqual(relaxed.out.ids, plain.out.ids);
  const dAtt = maxAbsDiff(relaxed.out.attention, plain.out.attention);
  const dLogits = maxAbsDiff(relaxed.out.logits_last, plain.out.logits_last);
  console.log(`# relaxed vs plain: attention max |diff| ${dAtt.toExponential(2)}, logits_last ${dLogits.toExponential(2)}`);
  assert.ok(dAtt < 1e-4, `attention differs by ${dAtt}`);
  assert.ok(dLogits < 1e-3, `logits_last differ by ${dLogits}`);
  // forcing relaxed where Node has no relaxed SIMD is a clear error, not a crash
  const refused = cliRun([], 'relaxed');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^headscope: HEADSCOPE_SIMD: simd=relaxed: this engine rejects relaxed SIMD/);
});

// The page at `query`: which build its worker runs (the result's simd and the
// status line) and the attention of TEXT.
async function pageRun(query) {
  const { context, page, problems } = await openPage(suite.browser, suite.server.url + query);
  try {
    const r = await page.evaluate((t) => window.headscope.setText(t).then(() => {
      const res = window.headscope.lastResult;
      return { simd: res.simd, T: res.T, attention: Array.from(res.attention) };
    }), TEXT);
    await page.waitForSelector('#app[data-state="rendered"]');
    const status = await page.textContent('#status');
    const hello = await page.evaluate(() => window.headscope.client.request({ type: 'hello' }));
    await page.locator('.status-line').screenshot({ path: path.join(ARTIFACTS, `simd-status${query ? '-plain' : ''}.png`) });
    assert.deepEqual(problems, []);
    return { ...r, status, hello };
  } finally {
    await context.close();
  }
}

test('page: Chromium runs the relaxed-SIMD build by itself and the plain one with ?simd=plain; same attention', async () => {
  const relaxed = await pageRun('');
  assert.equal(relaxed.simd, 'relaxed');
  assert.equal(relaxed.hello.simd, 'relaxed');
  assert.match(relaxed.status, /computed in [\d.]+ ms \(relaxed SIMD\)/);
  const plain = await pageRun('?simd=plain');
  assert.equal(plain.simd, 'plain');
  assert.equal(plain.hello.simd, 'plain');
  assert.match(plain.status, /computed in [\d.]+ ms \(SIMD128\)/);
  assert.equal(relaxed.T, plain.T);
  assert.ok(relaxed.T > 5);
  const d = maxAbsDiff(relaxed.attention, plain.attention);
  assert.ok(d < 1e-4, `attention differs by ${d}`);
});

test('page: a bad ?simd= is an error naming the allowed values', async () => {
  const context = await suite.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(suite.server.url + '?simd=fast');
    await page.waitForSelector('#app[data-state="error"]', { timeout: 60000 });
    assert.match(await page.textContent('#error'), /simd must be auto, plain, relaxed or threads, not "fast"/);
  } finally {
    await context.close();
  }
});
