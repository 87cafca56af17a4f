// tests/web/generate.test.mjs — issue 18 item 1, "Continue" and its replay, in
// headless Chromium under the strict CSP: the page's generated ids equal the
// native CLI's `generate` (greedy and sampled with a seed), each step computes
// only the new position, the text box gets the continuation, Stop ends it, the
// replay slider pins the row that produced each token and a link restores that
// state exactly; the element (generate / generated / replay attributes); an
// encoder hides Continue and says why; `node web/cli.mjs generate` prints what the
// native CLI prints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, openElement, afterDraw, ARTIFACTS, NATIVE_CLI, ROOT } from './helpers.mjs';

let server;
let browser;
let model;

before(async () => ({ model, server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

const PROMPT = 'The cat sat on the';

function nativeGenerate(text, flags) {
  if (!fs.existsSync(NATIVE_CLI)) assert.fail(`the native CLI ${NATIVE_CLI} is missing: cmake --build --preset native`);
  return JSON.parse(execFileSync(NATIVE_CLI, ['generate', '--model', model.dir, '--text', text, ...flags]));
}

function wasmGenerate(text, flags) {
  return execFileSync(process.execPath, ['--no-experimental-fetch', path.join(ROOT, 'web/cli.mjs'), 'generate',
    '--model', model.dir, '--text', text, ...flags]).toString();
}

const open = (hash = '') => openPage(browser, server.url + hash);

const forwardPasses = (page) => page.evaluate(async () => (await window.headscope.client.stats()).forwardPasses);

// Continue with these sampling knobs; every step's result as the page drew it.
async function generateOnPage(page, sampling) {
  await page.evaluate((t) => window.headscope.setText(t), PROMPT);
  await page.evaluate(() => {
    window.__steps = [];
    document.getElementById('app').addEventListener('headscope:rendered', () => {
      const r = window.headscope.lastResult;
      if (r.generated) window.__steps.push({ T: r.T, reused: r.reused, id: r.ids[r.T - 1], prob: r.generated.prob, pin: window.headscope.state.pinPos });
    });
  });
  const passes0 = await forwardPasses(page);
  await page.evaluate((s) => window.headscope.continueText(s), sampling);
  await page.waitForFunction(() => document.getElementById('app').dataset.state === 'rendered');
  const passes = await forwardPasses(page) - passes0;
  return page.evaluate((passes) => ({ passes, steps: window.__steps, ids: window.headscope.lastResult.ids, text: document.getElementById('text').value,
    generated: window.headscope.generated, status: document.querySelector('.gen-status').textContent, url: window.headscope.pageUrl() }), passes);
}

test('greedy Continue: the native CLI\'s ids, one new position per step, the text box gets the continuation', async () => {
  const want = nativeGenerate(PROMPT, ['--max-new', '6']);
  const { context, page, problems } = await open('#gen=0');
  try {
    await page.click('#generate summary');
    const got = await generateOnPage(page, { maxNew: 6, sampleTemperature: 0, topK: 0, topP: 1, seed: 0 });
    assert.deepEqual(got.ids, want.ids);
    assert.equal(got.text, PROMPT + want.continuation);
    assert.equal(got.steps.length, 6);
    for (const [k, s] of got.steps.entries()) {
      assert.equal(s.T, want.prompt_tokens + k + 1);
      assert.equal(s.reused, s.T - 1, `step ${k} computed only its new position`);
      assert.equal(s.id, want.ids[want.prompt_tokens + k]);
      assert.ok(Math.abs(s.prob - want.probs[k]) < 1e-4, `step ${k}: prob ${s.prob} vs native ${want.probs[k]}`);
      assert.equal(s.pin, s.T - 2, 'each new token is drawn with the row that produced it pinned');
    }
    assert.equal(got.generated, 6);
    assert.match(got.status, /6 tokens generated \(greedy\): generated the tokens asked for/);
    // 6 steps and the final text's run (fully reused: the same ids)
    assert.equal(got.passes, 7);
    const last = await page.evaluate(() => window.headscope.lastResult.reused);
    assert.equal(last, want.ids.length);
    await page.screenshot({ path: path.join(ARTIFACTS, 'generate-greedy-1280.png'), fullPage: false });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('sampled Continue with a seed equals the native CLI; the link restores the replay exactly', async () => {
  const flags = ['--max-new', '8', '--sample-temperature', '1', '--top-k', '40', '--top-p', '0.9', '--seed', '7'];
  const want = nativeGenerate(PROMPT, flags);
  const { context, page, problems } = await open();
  let link;
  let before;
  try {
    await page.click('#generate summary');
    const got = await generateOnPage(page, { maxNew: 8, sampleTemperature: 1, topK: 40, topP: 0.9, seed: 7 });
    assert.deepEqual(got.ids, want.ids);
    assert.equal(got.text, PROMPT + want.continuation);
    // replay: the 3rd generated token came from the row before it
    const n0 = want.prompt_tokens;
    await page.locator('.gen-replay').fill('3');
    await page.waitForFunction(() => document.getElementById('app').dataset.state === 'rendered');
    await afterDraw(page); // (the pinned row is drawn at the next frame)
    before = await page.evaluate(() => ({ pin: window.headscope.state.pinPos, query: window.headscope.state.queryPos,
      slider: document.querySelector('.gen-replay').value, max: document.querySelector('.gen-replay').max,
      label: document.querySelector('.gen-replay-text').textContent, title: document.querySelector('#view-grid h2').textContent }));
    assert.equal(before.pin, n0 + 3 - 2);
    assert.equal(before.query, before.pin);
    assert.equal(before.slider, '3');
    assert.equal(before.max, '8');
    assert.match(before.label, new RegExp(`^token 3 of 8, .* came from row ${n0 + 1} `));
    await page.waitForTimeout(150); // the URL is written after a short pause
    link = await page.evaluate(() => location.hash);
    for (const p of ['gen=8', `pin=${n0 + 1}`, 'max-new=8', 'sample-temperature=1', 'top-k=40', 'top-p=0.9', 'seed=7']) assert.ok(link.includes(p), `${p} in ${link}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'generate-replay-1280.png'), fullPage: false });
    const svg = await page.evaluate(() => window.headscope.exportSvg());
    fs.writeFileSync(path.join(ARTIFACTS, 'generate-replay.svg'), svg);
    assert.match(svg, new RegExp(`generated token 3 of 8 \\(#${n0 + 2}\\), from row #${n0 + 1}`));
    assert.ok(await page.evaluate(() => window.headscope.exportPng()) > 1000);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const restored = await open(link);
  try {
    const after = await restored.page.evaluate(() => ({ pin: window.headscope.state.pinPos, query: window.headscope.state.queryPos,
      slider: document.querySelector('.gen-replay').value, max: document.querySelector('.gen-replay').max,
      label: document.querySelector('.gen-replay-text').textContent, title: document.querySelector('#view-grid h2').textContent,
      ids: window.headscope.lastResult.ids, sampling: {
        maxNew: document.querySelector('.gen-max-new').value, temp: document.querySelector('.gen-temperature').value,
        topK: document.querySelector('.gen-top-k').value, topP: document.querySelector('.gen-top-p').value, seed: document.querySelector('.gen-seed').value } }));
    assert.deepEqual(after.ids, want.ids);
    for (const k of ['pin', 'query', 'slider', 'max', 'label', 'title']) assert.equal(after[k], before[k], k);
    assert.deepEqual(after.sampling, { maxNew: '8', temp: '1', topK: '40', topP: '0.9', seed: '7' });
    assert.deepEqual(restored.problems, []);
  } finally {
    await restored.context.close();
  }
});

test('Stop ends a generation after the tokens so far; typing forgets what was generated', async () => {
  const { context, page, problems } = await open();
  try {
    await page.click('#generate summary');
    await page.evaluate((t) => window.headscope.setText(t), PROMPT);
    await page.evaluate(() => {
      const stop = document.querySelector('.gen-stop');
      document.getElementById('app').addEventListener('headscope:rendered', () => {
        if (window.headscope.lastResult.generated && window.headscope.lastResult.generated.step === 1) stop.click();
      });
    });
    await page.evaluate(() => window.headscope.continueText({ maxNew: 50, sampleTemperature: 0, topK: 0, topP: 1, seed: 0 }));
    const s = await page.evaluate(() => ({ generated: window.headscope.generated, status: document.querySelector('.gen-status').textContent,
      stopHidden: document.querySelector('.gen-stop').hidden, goHidden: document.querySelector('.gen-continue').hidden }));
    assert.ok(s.generated >= 2 && s.generated <= 3, `stopped after ${s.generated} tokens`);
    assert.match(s.status, /stopped by the reader/);
    assert.equal(s.stopHidden, true);
    assert.equal(s.goHidden, false);
    await page.locator('#text').pressSequentially('!');
    await page.waitForFunction(() => window.headscope.generated === 0);
    assert.equal(await page.locator('.gen-replay-row').isHidden(), true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Continue right after typing continues the typed text, not the run on screen before it', async () => {
  const typed = 'A dog ran to the';
  const want = nativeGenerate(typed, ['--max-new', '3']);
  const { context, page, problems } = await open();
  try {
    await page.click('#generate summary');
    await page.locator('.gen-max-new').fill('3');
    await page.locator('.gen-max-new').dispatchEvent('change');
    await page.locator('#text').fill(typed);
    await page.click('.gen-continue');
    await page.waitForFunction((n) => { const r = window.headscope.lastResult; return r.ids.length === n && !r.generated &&
      document.getElementById('app').dataset.state === 'rendered'; }, want.ids.length, { timeout: 30000 });
    assert.deepEqual(await page.evaluate(() => window.headscope.lastResult.ids), want.ids);
    assert.equal(await page.locator('#text').inputValue(), typed + want.continuation);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the element: generate, generated and replay attributes; its link opens the same replay in the page', async () => {
  const want = nativeGenerate(PROMPT, ['--max-new', '5']);
  const text = PROMPT + want.continuation;
  const { context, page, problems } = await openElement(browser, server.url, 'gen',
    { text, generate: '', generated: '5', replay: '2', view: 'head' });
  try {
    const s = await page.evaluate(() => {
      const el = document.getElementById('gen');
      const root = el.shadowRoot;
      return { pin: el.controller.state.pinPos, slider: root.querySelector('.gen-replay').value, max: root.querySelector('.gen-replay').max,
        label: root.querySelector('.gen-replay-text').textContent, link: root.querySelector('.hs-open').href, ids: el.lastResult.ids,
        continueShown: !root.querySelector('.gen-controls').hidden };
    });
    assert.deepEqual(s.ids, want.ids);
    assert.equal(s.pin, want.prompt_tokens + 2 - 2);
    assert.equal(s.slider, '2');
    assert.equal(s.max, '5');
    assert.equal(s.continueShown, true);
    assert.match(s.link, /gen=5/);
    assert.match(s.link, new RegExp(`pin=${want.prompt_tokens}`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'generate-element-900.png'), fullPage: true });
    // Continue in the element: 3 more greedy tokens, as the native CLI continues the same text
    const more = nativeGenerate(text, ['--max-new', '3']);
    await page.evaluate(() => { document.getElementById('gen').setAttribute('max-new', '3'); });
    await page.evaluate(() => document.getElementById('gen').shadowRoot.querySelector('.gen-continue').click());
    await page.waitForFunction((n) => {
      const el = document.getElementById('gen');
      return el.dataset.state === 'rendered' && el.lastResult.ids.length === n && !el.lastResult.generated;
    }, more.ids.length, { timeout: 30000 });
    const after = await page.evaluate(() => ({ ids: document.getElementById('gen').lastResult.ids,
      max: document.getElementById('gen').shadowRoot.querySelector('.gen-replay').max }));
    assert.deepEqual(after.ids, more.ids);
    assert.equal(after.max, '8');
    // the element's link restores the same replay in the page
    const linkPage = await open(new URL(s.link).hash);
    try {
      const p = await linkPage.page.evaluate(() => ({ pin: window.headscope.state.pinPos, slider: document.querySelector('.gen-replay').value,
        label: document.querySelector('.gen-replay-text').textContent }));
      assert.equal(p.pin, s.pin);
      assert.equal(p.slider, '2');
      assert.equal(p.label, s.label);
    } finally {
      await linkPage.context.close();
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// A random checkpoint of `family` (tests/reference/families make), in a folder of its own.
function makeCheckpoint(family, args) {
  const dir = fs.mkdtempSync(path.join(ARTIFACTS, `gen-${family}-`));
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/reference/families'), 'make', family, dir, ...args],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

// Open that folder through the page's file picker and wait for its first drawing.
async function openFolder(page, dir, family) {
  await page.click('#generate summary');
  await page.setInputFiles('#model-files', ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => path.join(dir, f)));
  await page.waitForFunction((fam) => { const s = window.headscope.state; return s.model && s.model.info.family === fam; }, family, { timeout: 30000 });
  await page.waitForFunction((fam) => document.getElementById('app').dataset.state === 'rendered' && window.headscope.lastResult.family === fam, family);
}

test('a Llama-style model (grouped keys and values) generates the native CLI\'s ids in the page', async () => {
  const dir = makeCheckpoint('llama', ['--layers', '2', '--heads', '4', '--kv-heads', '2', '--std', '0.5', '--seed', '4']);
  const want = JSON.parse(execFileSync(NATIVE_CLI, ['generate', '--model', dir, '--text', PROMPT, '--max-new', '5']));
  const { context, page, problems } = await open();
  try {
    await openFolder(page, dir, 'llama');
    const got = await generateOnPage(page, { maxNew: 5, sampleTemperature: 0, topK: 0, topP: 1, seed: 0 });
    assert.deepEqual(got.steps.map((s) => s.id), want.ids.slice(want.prompt_tokens));
    for (const s of got.steps) assert.equal(s.reused, s.T - 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an encoder hides Continue and says why', async () => {
  const dir = makeCheckpoint('bert', ['--layers', '1', '--heads', '2']);
  const { context, page, problems } = await open();
  try {
    await openFolder(page, dir, 'bert');
    const s = await page.evaluate(() => ({ controls: document.querySelector('.gen-controls').hidden,
      reason: document.querySelector('.gen-reason').textContent, reasonHidden: document.querySelector('.gen-reason').hidden }));
    assert.equal(s.controls, true);
    assert.equal(s.reasonHidden, false);
    assert.match(s.reason, /encoder reads the text both ways .* masked token/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'generate-bert-1280.png'), fullPage: false });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('node web/cli.mjs generate prints what the native CLI prints (greedy and sampled)', () => {
  for (const flags of [['--max-new', '7'], ['--max-new', '7', '--sample-temperature', '0.8', '--top-k', '50', '--seed', '11']]) {
    const native = nativeGenerate(PROMPT, flags);
    const wasm = JSON.parse(wasmGenerate(PROMPT, flags));
    assert.deepEqual(wasm.ids, native.ids, flags.join(' '));
    assert.deepEqual(wasm.tokens, native.tokens);
    assert.equal(wasm.prompt_tokens, native.prompt_tokens);
    assert.equal(wasm.continuation, native.continuation);
    assert.equal(wasm.stopped, native.stopped);
    for (const [k, p] of native.probs.entries()) assert.ok(Math.abs(wasm.probs[k] - p) < 1e-5, `prob ${k}: ${wasm.probs[k]} vs ${p}`);
  }
  assert.throws(() => wasmGenerate(PROMPT, ['--top-p', '2']), /--top-p must be a number in \(0, 1\]/);
});
