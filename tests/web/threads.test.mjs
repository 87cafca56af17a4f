// tests/web/threads.test.mjs — the threaded build of the wasm module (web/dist/headscope-threads.*,
// ./build-wasm.sh first): the pick (pickSimdBuild: threads only where the context is cross-origin
// isolated and relaxed SIMD validates); web/cli.mjs with HEADSCOPE_SIMD=threads giving the relaxed
// build's bytes at 1, 2 and 3 threads; the page served with COOP/COEP running it on
// min(hardwareConcurrency, 16) threads with the native CLI's attention (and the single-threaded
// relaxed build's bits), without the headers the single-threaded build; and a static site without
// headers that opts in through web/coi-register.js (our service worker, web/coi-sw.js) becoming
// isolated under the strict CSP; Firefox too where HEADSCOPE_ENGINES allows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launch, startServer, defaultModel, requireNativeCli, watchCsp, openElement, ARTIFACTS, ROOT, WEB } from './helpers.mjs';
import { pickSimdBuild, threadsWanted, SIMD_BUILDS } from '../../web/headscope-api.mjs';

const [FLAG, API, CLI] = ['--experimental-wasm-relaxed-simd', path.join(ROOT, 'web/headscope-api.mjs'), path.join(ROOT, 'web/cli.mjs')];
const TEXT = 'When Mary and John went to the store, John gave a drink to';

// one browser; each test starts the servers it needs (with or without COOP/COEP)
let browser;
const model = defaultModel();
before(async () => {
  browser = await launch();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  if (browser) await browser.close();
});

// pickSimdBuild(simd, {isolated}) in a fresh Node with the given flags: {simd, name} or {error}
function pickIn(flags, simd, isolated) {
  const code = `import(${JSON.stringify(API)}).then((m) => {
    try { console.log(JSON.stringify(m.pickSimdBuild(${JSON.stringify(simd)}, { isolated: ${isolated} }))); }
    catch (e) { console.log(JSON.stringify({ error: e.message })); } })`;
  const p = spawnSync(process.execPath, [...flags, '-e', code], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout);
}

test('pickSimdBuild: threads only when isolated and relaxed SIMD validates; forcing it elsewhere is a clear error', () => {
  assert.equal(SIMD_BUILDS.threads, 'headscope-threads');
  assert.deepEqual(pickIn([FLAG], 'auto', true), { simd: 'threads', name: 'headscope-threads' });
  assert.deepEqual(pickIn([FLAG], 'auto', false), { simd: 'relaxed', name: 'headscope-relaxed' });
  assert.deepEqual(pickIn([], 'auto', true), { simd: 'plain', name: 'headscope' }); // no relaxed SIMD: no threads either
  assert.deepEqual(pickIn([FLAG], 'relaxed', true), { simd: 'relaxed', name: 'headscope-relaxed' });
  assert.match(pickIn([FLAG], 'threads', false).error, /simd=threads: this page is not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
  assert.match(pickIn([], 'threads', true).error, /simd=threads: this engine rejects relaxed SIMD/);
  assert.throws(() => pickSimdBuild('fast'), /simd must be auto, plain, relaxed or threads, not "fast"/);
  assert.deepEqual([threadsWanted(undefined), threadsWanted(0), threadsWanted(2), threadsWanted(3.5), threadsWanted(128)], [1, 1, 2, 3, 16]);
});

function cli(simd, threads) {
  const p = spawnSync(process.execPath, [FLAG, CLI, 'run', '--model', model.dir, '--text', TEXT],
    { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, HEADSCOPE_SIMD: simd, HEADSCOPE_THREADS: String(threads) } });
  assert.equal(p.status, 0, p.stderr);
  return p.stdout;
}

test('web/cli.mjs: HEADSCOPE_SIMD=threads at 1, 2 and 3 threads prints the relaxed build\'s bytes', () => {
  const relaxed = cli('relaxed', 1);
  assert.ok(JSON.parse(relaxed).attention.length > 0);
  for (const n of [1, 2, 3]) assert.equal(cli('threads', n), relaxed, `${n} threads`);
});

// max |page - native| over every head's attention: the page's [L*H*T*T] against the CLI's [L][H][T][T]
function worstDiff(got, ref) {
  const flat = ref.attention.flat(3);
  assert.equal(flat.length, got.attention.length);
  return got.attention.reduce((worst, v, i) => Math.max(worst, Math.abs(v - flat[i])), 0);
}

// The page at `url` (already open in `page`): TEXT's run, which build its worker runs and the status line.
async function pageRun(page) {
  await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
  const r = await page.evaluate((t) => window.headscope.setText(t).then(() => {
    const res = window.headscope.lastResult;
    return { simd: res.simd, threads: res.threads, T: res.T, L: res.n_layer, H: res.n_head, ids: res.ids, attention: Array.from(res.attention) };
  }), TEXT);
  await page.evaluate(() => window.headscope.afterDraw());
  const isolated = await page.evaluate(() => self.crossOriginIsolated);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const hello = await page.evaluate(() => window.headscope.client.request({ type: 'hello' }));
  const status = await page.textContent('#status');
  return { ...r, isolated, cores, hello, status };
}

async function openAt(url, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await watchCsp(context);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { context, page, problems, shot: () => page.locator('.status-line').screenshot({ path: path.join(ARTIFACTS, `threads-${name}.png`) }) };
}

test('page: with COOP/COEP the threaded build on min(cores, 16) threads, the native CLI\'s attention; without them one thread', async () => {
  const native = JSON.parse(execFileSync(requireNativeCli(), ['run', '--model', model.dir, '--text', TEXT], { maxBuffer: 1 << 28 }));
  const runs = {};
  for (const coi of [true, false]) {
    const server = await startServer({ csp: true, coi });
    const opened = await openAt(server.url, coi ? 'isolated' : 'plain-headers');
    try {
      runs[coi] = await pageRun(opened.page);
      await opened.shot();
      assert.deepEqual(await opened.page.evaluate(() => window.__cspViolations), []);
      assert.deepEqual(opened.problems, []);
    } finally {
      await opened.context.close();
      await server.close();
    }
  }
  const on = runs[true], off = runs[false];
  assert.equal(on.isolated, true);
  assert.equal(on.simd, 'threads');
  assert.equal(on.threads, Math.min(on.cores, 16));
  assert.deepEqual([on.hello.simd, on.hello.threads], ['threads', on.threads]);
  assert.match(on.status, new RegExp(`computed in [\\d.]+ ms \\(relaxed SIMD, ${on.threads} threads?\\)`));
  assert.equal(off.isolated, false);
  assert.deepEqual([off.simd, off.threads, off.hello.simd, off.hello.threads], ['relaxed', 1, 'relaxed', 1]);
  assert.match(off.status, /computed in [\d.]+ ms \(relaxed SIMD\)/);
  assert.deepEqual(on.ids, native.ids);
  const worst = worstDiff(on, native);
  assert.ok(worst <= 1e-4, `max |threaded page - native| = ${worst}`);
  assert.ok(on.attention.every((v, i) => Object.is(v, off.attention[i])), 'threaded and single-threaded pages give the same bits');
  console.log(`# threaded page: ${on.threads} threads (${on.cores} cores), max |page - native| ${worst.toExponential(2)}`);
});

test('element: a <headscope-view> on a page served with COOP/COEP runs the threaded build, strict CSP', async () => {
  const server = await startServer({ csp: true, coi: true });
  const el = await openElement(browser, server.url, 'threaded', { text: TEXT });
  try {
    const got = await el.page.evaluate(() => {
      const r = document.getElementById('threaded').controller.lastResult;
      return { isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency, simd: r.simd, threads: r.threads, T: r.T };
    });
    assert.ok(got.T > 5);
    assert.deepEqual([got.isolated, got.simd, got.threads], [true, 'threads', Math.min(got.cores, 16)]);
    assert.deepEqual(el.problems, []);
  } finally {
    await el.context.close();
    await server.close();
  }
});

// A static site with no headers of its own: web/ with its index.html opted in to
// web/coi-register.js (the first script of <head>), as the README says.
function optedInSite() {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'headscope-coi-'));
  for (const name of fs.readdirSync(WEB)) {
    if (name !== 'index.html') fs.symlinkSync(path.join(WEB, name), path.join(dir, name));
  }
  const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
  assert.match(html, /<head>/);
  fs.writeFileSync(path.join(dir, 'index.html'), html.replace('<head>', '<head>\n<script src="coi-register.js"></script>'));
  return dir;
}

test('service worker: a static site without headers that includes coi-register.js becomes isolated and threaded, strict CSP kept', async () => {
  const site = optedInSite();
  const server = await startServer({ csp: true, root: site });
  const opened = await openAt(server.url, 'service-worker');
  try {
    // the first visit registers web/coi-sw.js and reloads once; the reloaded page is isolated
    const deadline = Date.now() + 60000;
    let isolated = false;
    while (!isolated && Date.now() < deadline) {
      try {
        isolated = await opened.page.evaluate(() => self.crossOriginIsolated && !!navigator.serviceWorker.controller);
      } catch { /* the reload replaced the page mid-call */ }
      if (!isolated) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(isolated, 'the page is cross-origin isolated after the service worker\'s reload');
    const r = await pageRun(opened.page);
    await opened.shot();
    assert.deepEqual([r.simd, r.threads], ['threads', Math.min(r.cores, 16)]);
    const csp = await opened.page.evaluate(() => fetch(location.href).then((res) => res.headers.get('content-security-policy')));
    assert.match(csp, /default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
    assert.deepEqual(await opened.page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(opened.problems, []);
  } finally {
    await opened.context.close();
    await server.close();
    fs.rmSync(site, { recursive: true, force: true });
  }
});

// Firefox (Debian's firefox-esr through puppeteer-core, as tests/web/engines.mjs drives it) where
// HEADSCOPE_ENGINES allows it (the CI's Chromium step does not; its Firefox/WebKit step does).
const firefoxWanted = (process.env.HEADSCOPE_ENGINES || 'firefox').split(',').includes('firefox');
test('Firefox: the page served with COOP/COEP runs the threaded build', { skip: !firefoxWanted && 'HEADSCOPE_ENGINES has no firefox' }, async () => {
  const { default: puppeteer } = await import('puppeteer-core');
  const server = await startServer({ csp: true, coi: true });
  const firefox = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
  try {
    const page = await firefox.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => ['rendered', 'error'].includes(document.querySelector('#app').dataset.state), { timeout: 90000 });
    const got = await page.evaluate(() => ({
      isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency, state: document.querySelector('#app').dataset.state,
      status: document.querySelector('#status').textContent, simd: window.headscope.lastResult.simd, threads: window.headscope.lastResult.threads,
    }));
    assert.equal(got.state, 'rendered');
    assert.deepEqual([got.isolated, got.simd, got.threads], [true, 'threads', Math.min(got.cores, 16)]);
    assert.match(got.status, /\(relaxed SIMD, \d+ threads?\)/);
    assert.deepEqual(problems, []);
  } finally {
    await firefox.close();
    await server.close();
  }
});
