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
    });
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
  for (const s of [server, bare, cdnless]) if (s) await s.close();
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
