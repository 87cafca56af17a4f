// tests/web/hub.test.mjs — issue 16, opening models from the Hugging Face Hub,
// in headless Chromium under the strict CSP, against the Hub stand-in
// (tests/web/hub-standin.mjs): the page and <headscope-view> open
// hf:OWNER/NAME (and @REVISION) from hub=BASE_URL, a sharded checkpoint, the
// second open from the browser's store with the Hub gone, the stored list and
// Delete; and every fault (404 repo or file, gated/private, 5xx, a dropped
// connection, a trickle cancelled, wrong Content-Length, a shard failing its
// sha256, a full store, no safetensors, too big, a CSP without the Hub) ends
// with the reason on screen, nothing stored, and the bundled model working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, defaultModel, ARTIFACTS, ROOT, courseSite } from './helpers.mjs';
import { startHubStandin, shardedCopy } from './hub-standin.mjs';

const SMALL = path.join(ROOT, 'models/brown-small');
let hub; // the stand-in every test uses
let gone; // a second stand-in, closed in the offline test
let server; // web/ with the strict CSP naming both stand-ins
let bare; // web/ with the strict CSP naming neither
let cdnless; // web/ with the strict CSP naming the stand-in's Hub origin but not its CDN
let site; // a course page folder for the element tests
let siteServer; // it, served with the strict CSP naming the stand-in
let browser;
let tmp;
let bundledName;

function fixture(name, files) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) {
    if (typeof content === 'string' && content.startsWith('copy:')) fs.copyFileSync(path.join(SMALL, content.slice(5)), path.join(dir, f));
    else fs.writeFileSync(path.join(dir, f), content);
  }
  return dir;
}

// A safetensors file whose header claims `params` F16 parameters (the data is not there).
function claimsHuge(params) {
  const text = JSON.stringify({ 'transformer.wte.weight': { dtype: 'F16', shape: [params / 1000, 1000], data_offsets: [0, params * 2] } });
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, Buffer.from(text), Buffer.alloc(4096)]);
}

before(async () => {
  bundledName = defaultModel().name;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-hub-'));
  const sharded = shardedCopy(SMALL, path.join(tmp, 'sharded'));
  hub = await startHubStandin({
    repos: {
      'test/brown-small': { dir: SMALL, revisions: ['main', 'v1'] },
      'test/brown-sharded': { dir: sharded },
      'test/gated': { dir: SMALL, gated: 'manual' },
      'test/private': { dir: SMALL, private: true },
      'test/pickle': { dir: fixture('pickle', { 'config.json': 'copy:config.json', 'tokenizer.json': 'copy:tokenizer.json',
        'pytorch_model.bin': Buffer.alloc(2048) }) },
      'test/huge': { dir: fixture('huge', { 'config.json': 'copy:config.json', 'tokenizer.json': 'copy:tokenizer.json',
        'model.safetensors': claimsHuge(2_000_000_000) }) },
      'test/no-tokenizer': { dir: fixture('no-tokenizer', { 'config.json': 'copy:config.json', 'model.safetensors': 'copy:model.safetensors' }) },
    },
  });
  gone = await startHubStandin({ repos: { 'test/brown-small': { dir: SMALL } } });
  const env = process.env.HEADSCOPE_HUB_ORIGINS;
  try {
    process.env.HEADSCOPE_HUB_ORIGINS = `${hub.url} ${hub.cdnUrl} ${gone.url} ${gone.cdnUrl}`;
    server = await startServer({ csp: true });
    site = courseSite({
      'hub-lesson.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hub</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<headscope-view id="a" text="The cat sat on the mat." model="hf:test/brown-sharded" hub="${hub.url}"></headscope-view>
<headscope-view id="b" text="The cat sat on the mat." model="hf:test/gated" hub="${hub.url}"></headscope-view>
</body></html>`,
      'hub-cancel.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hub cancel</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<headscope-view id="c" text="The cat sat on the mat." model="hf:test/brown-small@v1" hub="${hub.url}"></headscope-view>
</body></html>`,
    });
    siteServer = await startServer({ csp: true, root: site });
    process.env.HEADSCOPE_HUB_ORIGINS = `${hub.url}`;
    cdnless = await startServer({ csp: true });
    delete process.env.HEADSCOPE_HUB_ORIGINS;
    bare = await startServer({ csp: true });
  } finally {
    if (env === undefined) delete process.env.HEADSCOPE_HUB_ORIGINS;
    else process.env.HEADSCOPE_HUB_ORIGINS = env;
  }
  browser = await launch();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  for (const s of [server, bare, cdnless, siteServer]) if (s) await s.close();
  if (hub) await hub.close();
  if (gone) await gone.close().catch(() => {});
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (site) fs.rmSync(site, { recursive: true, force: true });
});

const pageUrl = (model, hubUrl = hub.url, srv = server) =>
  `${srv.url}index.html#model=${encodeURIComponent(model)}&hub=${encodeURIComponent(hubUrl)}`;

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page, problems };
}

// Waits for the page to render with a model whose name includes `name`.
async function renderedWith(page, name, timeout = 60000) {
  await page.waitForFunction((n) => document.querySelector('#app').dataset.state === 'rendered' &&
    document.querySelector('#model-info').textContent.includes(n), name, { timeout });
}
const hubError = (page) => page.$eval('#hub-error', (e) => (e.hidden ? '' : e.textContent));
const storedRepos = (page) => page.$$eval('#hub-stored li', (lis) => lis.map((li) => li.dataset.repo));
async function storedIn(page) {
  return page.evaluate(() => window.headscope.client.hubStored());
}

// A fault run: the page falls back to the bundled model with the Hub's reason on screen, nothing stored.
async function failsWith(model, pattern, { srv } = {}) {
  const { context, page, problems } = await newPage();
  try {
    await page.goto(pageUrl(model, hub.url, srv));
    await renderedWith(page, bundledName);
    await page.waitForFunction(() => !document.querySelector('#hub-error').hidden, null, { timeout: 30000 });
    const message = await hubError(page);
    assert.match(message, pattern);
    assert.deepEqual(await storedIn(page), [], 'a failed download stores nothing');
    assert.deepEqual(problems, []);
    return { message, page, context };
  } catch (e) {
    await page.screenshot({ path: path.join(ARTIFACTS, `hub-fail-${model.replace(/\W+/g, '-')}.png`) }).catch(() => {});
    await context.close();
    throw e;
  }
}

test('page: hf:test/brown-small from the stand-in renders, shows the Hub host, keeps model= and hub= in the URL', async () => {
  hub.requests.length = 0;
  const { context, page, problems } = await newPage();
  await page.goto(pageUrl('hf:test/brown-small'));
  await renderedWith(page, 'test/brown-small');
  const host = await page.$eval('#hub-host', (e) => (e.hidden ? '' : e.textContent));
  assert.match(host, new RegExp(new URL(hub.url).host.replace(/\./g, '\\.')));
  const paths = hub.requests.map((r) => `${r.on} ${r.path}`);
  assert.ok(paths.includes('hub /api/models/test/brown-small/revision/main'), paths.join('\n'));
  assert.ok(paths.some((p) => /^hub \/api\/models\/test\/brown-small\/tree\/[0-9a-f]{40}$/.test(p)), paths.join('\n'));
  assert.ok(paths.some((p) => p.startsWith('cdn /lfs/test/brown-small/') && p.endsWith('model.safetensors')),
    'the weights come from the second origin (the redirect)');
  await page.waitForFunction(() => location.hash.includes('model=hf%3Atest%2Fbrown-small') && location.hash.includes('hub='));
  const st = await page.evaluate(() => window.headscope.hashState());
  assert.equal(st.model, 'hf:test/brown-small');
  assert.equal(st.hub, hub.url);
  await page.waitForFunction(() => document.querySelectorAll('#hub-stored li').length === 1);
  assert.deepEqual(await storedRepos(page), ['test/brown-small']);
  assert.match(await page.$eval('#hub-stored li', (li) => li.textContent), /2\.\d MB/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('page: the second open comes from the browser store with the Hub gone; Delete removes it', async () => {
  const { context, page, problems } = await newPage();
  await page.goto(pageUrl('hf:test/brown-small', gone.url));
  await renderedWith(page, 'test/brown-small');
  const first = await page.evaluate(() => Array.from(window.headscope.lastResult.attention.slice(0, 64)));
  const timing = () => page.evaluate(() => window.headscope.state.model.timing);
  assert.equal((await timing()).fromStore, false);
  await gone.close(); // the Hub is unreachable from now on
  await page.close();
  const again = await context.newPage();
  again.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await again.goto(pageUrl('hf:test/brown-small', gone.url));
  await renderedWith(again, 'test/brown-small');
  assert.equal((await again.evaluate(() => window.headscope.state.model.timing)).fromStore, true);
  const second = await again.evaluate(() => Array.from(window.headscope.lastResult.attention.slice(0, 64)));
  assert.deepEqual(second, first, 'the stored copy gives the same attention');
  assert.equal(await hubError(again), '');
  await again.waitForFunction(() => document.querySelectorAll('#hub-stored li').length === 1);
  await again.click('#hub-panel summary');
  await again.click('#hub-stored li .hub-stored-delete');
  await again.waitForFunction(() => document.querySelectorAll('#hub-stored li').length === 0);
  assert.deepEqual(await storedIn(again), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('page: a sharded checkpoint (index.json + 2 shards) gives the same heads as the single file; @revision', async () => {
  const { context, page, problems } = await newPage();
  await page.goto(pageUrl('hf:test/brown-small@v1'));
  await renderedWith(page, 'test/brown-small@v1');
  const single = await page.evaluate(() => Array.from(window.headscope.lastResult.attention));
  assert.equal((await page.evaluate(() => window.headscope.hashState())).model, 'hf:test/brown-small@v1');
  await page.click('#hub-panel summary');
  await page.fill('#hub-repo', 'test/brown-sharded');
  await page.click('#hub-open');
  await renderedWith(page, 'test/brown-sharded');
  const sharded = await page.evaluate(() => Array.from(window.headscope.lastResult.attention));
  assert.equal(sharded.length, single.length);
  assert.deepEqual(sharded, single);
  const stored = (await storedIn(page)).map((m) => `${m.repo}@${m.revision}`).sort();
  assert.deepEqual(stored, ['test/brown-sharded@main', 'test/brown-small@v1']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('page: the suggested models list names each family with its download size', async () => {
  const { context, page } = await newPage();
  await page.goto(`${server.url}index.html`);
  await renderedWith(page, bundledName);
  const items = await page.$$eval('#hub-suggestions li', (lis) => lis.map((li) => li.textContent));
  for (const repo of ['openai-community/gpt2', 'distilbert/distilgpt2', 'EleutherAI/pythia-70m',
    'HuggingFaceTB/SmolLM2-135M', 'google-bert/bert-base-uncased']) {
    assert.ok(items.some((t) => t.startsWith(repo) && /\d+ MB/.test(t)), `${repo} in ${items.join(' | ')}`);
  }
  assert.equal(await page.$eval('#hub-host', (e) => e.hidden), true, 'the default Hub is not announced');
  await context.close();
});

test('element: model="hf:..." hub="..." renders a sharded Hub model; a gated one shows why and falls back', async () => {
  const { context, page, problems } = await newPage();
  await page.goto(`${siteServer.url}course/week-3/hub-lesson.html`);
  await page.waitForFunction(() => ['a', 'b'].every((id) => document.getElementById(id).dataset.state === 'rendered'),
    null, { timeout: 60000 });
  const status = (id) => page.$eval(`#${id}`, (el) => el.shadowRoot.querySelector('.hs-status').textContent);
  const error = (id) => page.$eval(`#${id}`, (el) => { const e = el.shadowRoot.querySelector('.error'); return e.hidden ? '' : e.textContent; });
  assert.match(await status('a'), /test\/brown-sharded · GPT-2 · 3 layers × 4 heads/);
  assert.equal(await error('a'), '');
  assert.match(await status('b'), new RegExp(`${bundledName} · GPT-2 · 3 layers`));
  assert.match(await error('b'), /gated/);
  assert.match(await error('b'), /Open your own model/);
  const link = await page.$eval('#a', (el) => el.shadowRoot.querySelector('.hs-open').href);
  assert.match(decodeURIComponent(link), /model=hf:test\/brown-sharded/);
  assert.match(decodeURIComponent(link), new RegExp(`hub=${hub.url}`));
  assert.deepEqual(problems, []);
  await context.close();
});

// ------------------------------------------------------------------- faults

test('fault: 404 repo, 404 file, a revision that is not there', async () => {
  let r = await failsWith('hf:test/nope', /test\/nope was not found on 127\.0\.0\.1:\d+ \(HTTP 404 RepoNotFound\)/);
  await r.context.close();
  r = await failsWith('hf:test/no-tokenizer', /test\/no-tokenizer has no tokenizer\.json/);
  await r.context.close();
  hub.faults.push({ match: 'config.json', on: 'hub', status: 404, times: 1 });
  r = await failsWith('hf:test/brown-small@v1', /config\.json was not found at revision v1/);
  await r.context.close();
  r = await failsWith('hf:test/brown-small@v9', /has no revision "v9"/);
  await r.context.close();
});

test('fault: gated (401) and private repos say so and point to "Open your own model"', async () => {
  let r = await failsWith('hf:test/gated', /test\/gated is gated .*Open your own model/);
  await r.context.close();
  r = await failsWith('hf:test/private', /test\/private is gated or private .*HTTP 401 RepoNotFound.*Open your own model/);
  await r.context.close();
  // a file refused with 403 (gated after the listing)
  hub.faults.push({ match: 'tokenizer.json', on: 'hub', status: 403, times: 1 });
  r = await failsWith('hf:test/brown-small@v1', /is gated or private .*HTTP 403/);
  await r.context.close();
});

test('fault: 5xx is retried, and reported when it persists', async () => {
  hub.faults.push({ match: 'model.safetensors', on: 'cdn', status: 503, times: 1 });
  const { context, page } = await newPage();
  await page.goto(pageUrl('hf:test/brown-small@v1'));
  await renderedWith(page, 'test/brown-small@v1');
  await context.close();
  hub.faults.push({ match: 'model.safetensors', on: 'cdn', status: 502, times: 10 });
  const r = await failsWith('hf:test/brown-small@v1', /server error \(HTTP 502 Injected\)/);
  hub.faults.length = 0;
  await r.context.close();
});

test('fault: a connection dropped mid-file resumes with a Range request and verifies', async () => {
  hub.requests.length = 0;
  hub.faults.push({ match: 'model.safetensors', on: 'cdn', drop: 1_000_000, times: 1 });
  const { context, page, problems } = await newPage();
  await page.goto(pageUrl('hf:test/brown-small@v1'));
  await renderedWith(page, 'test/brown-small@v1');
  const ranges = hub.requests.filter((q) => q.on === 'cdn' && q.path.endsWith('model.safetensors')).map((q) => q.range);
  assert.ok(ranges.some((g) => /^bytes=\d{6,}-$/.test(g || '')), `a resume from past 1 MB: ${ranges.join(', ')}`);
  assert.equal(hub.faults.length, 0, 'the drop happened');
  assert.deepEqual((await storedIn(page)).map((m) => m.repo), ['test/brown-small']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('fault: wrong Content-Length (short and long) still ends with the listed bytes, verified', async () => {
  for (const lengthDelta of [-5000, 5000]) {
    hub.faults.push({ match: 'model.safetensors', on: 'cdn', lengthDelta, times: 1 });
    const { context, page, problems } = await newPage();
    await page.goto(pageUrl('hf:test/brown-small@v1'));
    await renderedWith(page, 'test/brown-small@v1');
    assert.equal(hub.faults.length, 0);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('fault: a slow trickle shows bytes, speed and time left, and Cancel leaves nothing stored', async () => {
  hub.faults.push({ match: 'model.safetensors', on: 'cdn', trickle: { bytes: 8192, ms: 40 }, times: 1 });
  const { context, page, problems } = await newPage();
  await context.addInitScript(() => {
    window.__hubLines = [];
    addEventListener('DOMContentLoaded', () => {
      const el = document.querySelector('#hub-progress-text');
      new MutationObserver(() => window.__hubLines.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
    });
  });
  await page.goto(pageUrl('hf:test/brown-small@v1'));
  await page.waitForFunction(() => /of .* MB\/s · \d+ (s|min) left/.test(document.querySelector('#hub-progress-text').textContent)
    && !document.querySelector('#hub-download').hidden, null, { timeout: 30000 });
  const lines = await page.evaluate(() => window.__hubLines);
  assert.match(lines[0], /^test\/brown-small@v1 \(gpt2, 1 M parameters\): 2\.4 MB to download \(3 files\)\.$/,
    'the size is said before the weights come');
  await page.click('#hub-cancel');
  await renderedWith(page, bundledName);
  assert.match(await hubError(page), /Download cancelled: nothing was stored/);
  assert.deepEqual(await storedIn(page), []);
  hub.faults.length = 0;
  // and the next try downloads it whole
  await page.click('#hub-panel summary');
  await page.fill('#hub-repo', 'test/brown-small@v1');
  await page.click('#hub-open');
  await renderedWith(page, 'test/brown-small@v1');
  assert.equal(await hubError(page), '');
  assert.deepEqual(problems, []);
  await context.close();
});

test('fault: a shard that fails its sha256 is not stored and not loaded', async () => {
  hub.faults.push({ match: 'model-00002-of-00002.safetensors', on: 'cdn', corrupt: true, times: 1 });
  const r = await failsWith('hf:test/brown-sharded', /model-00002-of-00002\.safetensors failed its sha256 check.*nothing was stored/);
  assert.equal(hub.faults.length, 0);
  await r.context.close();
});

test('fault: a full store says so and stores nothing', async () => {
  const { context, page, problems } = await newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 600_000 });
  await page.goto(pageUrl('hf:test/brown-small@v1'));
  await renderedWith(page, bundledName);
  await page.waitForFunction(() => !document.querySelector('#hub-error').hidden);
  assert.match(await hubError(page), /storage for this page is full/);
  assert.deepEqual(await storedIn(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('refused before any weights: only pytorch_model.bin; too big for the 4 GB module', async () => {
  hub.requests.length = 0;
  let r = await failsWith('hf:test/pickle', /no safetensors weights \(only pytorch_model\.bin\).*never unpickles/);
  await r.context.close();
  r = await failsWith('hf:test/huge', /does not fit in the module's memory: its 2000 M parameters become F32 there \(8\.0 GB, twice its F16 files\)/);
  await r.context.close();
  assert.ok(!hub.requests.some((q) => q.on === 'cdn' && !q.range), 'only headers were read (Range requests)');
});

test('CSP: a page whose connect-src lacks the Hub, or its CDN, says which connect-src is missing', async () => {
  let r = await failsWith('hf:test/brown-small', new RegExp(`does not allow connecting to ${hub.url.replace(/\./g, '\\.')}.*connect-src`), { srv: bare });
  await r.context.close();
  // (a CSP report names the URL before the redirect, so the page names the Hub whose redirect was blocked)
  r = await failsWith('hf:test/brown-small@v1', new RegExp(`does not allow connecting to the host ${new URL(hub.url).host.replace(/\./g, '\\.')} redirects large files to .*connect-src`), { srv: cdnless });
  await r.context.close();
});

test('issue 16 as reported: #model=hf:openai-community/gpt2 with huggingface.co unreachable says so and falls back', async () => {
  const { context, page, problems } = await newPage();
  const asked = [];
  await context.route('https://huggingface.co/**', (route) => { asked.push(route.request().url()); return route.abort('internetdisconnected'); });
  await page.goto(`${server.url}index.html#model=hf:openai-community/gpt2`);
  await renderedWith(page, bundledName);
  await page.waitForFunction(() => !document.querySelector('#hub-error').hidden);
  assert.match(await hubError(page), /Could not reach huggingface\.co to read the model description/);
  assert.deepEqual(asked, ['https://huggingface.co/api/models/openai-community/gpt2/revision/main']);
  assert.ok((await page.$$eval('#model-select option', (o) => o.length)) >= 1, 'the picker is not empty');
  assert.equal(await page.$eval('#hub-host', (e) => e.hidden), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('element: a slow Hub download shows its progress and Cancel; the bundled model replaces it, nothing stored', async () => {
  hub.faults.push({ match: 'model.safetensors', on: 'cdn', trickle: { bytes: 8192, ms: 40 }, times: 1 });
  const { context, page, problems } = await newPage();
  await page.goto(`${siteServer.url}course/week-3/hub-cancel.html`);
  const status = () => page.$eval('#c', (el) => el.shadowRoot.querySelector('.hs-status').textContent);
  await page.waitForFunction(() => /Downloading test\/brown-small from 127\.0\.0\.1:\d+: [\d.]+ MB of 2\.4 MB · [\d.]+ MB\/s/
    .test(document.querySelector('#c').shadowRoot.querySelector('.hs-status').textContent), null, { timeout: 30000 });
  await page.evaluate(() => document.querySelector('#c').shadowRoot.querySelector('.hs-cancel').click());
  await page.waitForFunction(() => document.querySelector('#c').dataset.state === 'rendered', null, { timeout: 60000 });
  assert.match(await status(), new RegExp(`^${bundledName} · GPT-2 · 3 layers`));
  const error = await page.$eval('#c', (el) => el.shadowRoot.querySelector('.error').textContent);
  assert.match(error, /Download cancelled: nothing was stored/);
  assert.equal(await page.$eval('#c', (el) => el.shadowRoot.querySelector('.hs-cancel').hidden), true);
  assert.deepEqual(await page.evaluate(async () => {
    const { sharedClient } = await import('./headscope/client.mjs');
    return sharedClient().hubStored();
  }), []);
  hub.faults.length = 0;
  assert.deepEqual(problems, []);
  await context.close();
});
