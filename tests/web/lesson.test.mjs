// tests/web/lesson.test.mjs — issue 18, item 7: the guided lesson. Node side: the lesson's
// text (web/lesson/lesson-steps.mjs) quotes each model's own shape (768 = 12 × 64 for
// GPT-2 small's, the original Transformer's 512 = 8 × 64) and leaves out the causal-mask step
// for encoders, saying why. In headless Chromium under the strict CSP: each step sets the page
// state it claims (view, head, pinned token, knobs) and the run it asks for is the native CLI's
// run with those knobs (--no-scale, --no-causal, --ablate L.H); the role step selects the native
// CLI's strongest previous-token head; Back/Next; the URL says lesson=N while the panel is open
// and a link with lesson=N opens step N; the panel resumes after a reload (localStorage); Skip
// closes it and resets the knobs; an encoder (a tiny BERT) and a grouped-query Llama opened
// through the file picker get the steps that apply to them. Screenshots (light, dark) go to
// tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { courseSite, serveSite, closeSite, openPage, defaultModel, requireNativeCli, ARTIFACTS, ROOT } from './helpers.mjs';
import { LESSON_STEPS, lessonFacts } from '../../web/lesson/lesson-steps.mjs';

const TEXT = 'The cat sat on the mat. The cat sat on the mat.';
const FAMILIES = path.join(ROOT, 'tests/reference/families');
// the course site (web/ at course/week-3/headscope/, a tiny BERT and Llama in models/), its server and browser
const suite = { site: null, server: null, browser: null };
const dirs = {};
let model; // the page's bundled model

before(async () => {
  requireNativeCli();
  model = defaultModel();
  suite.site = courseSite({});
  const tiny = { bert: ['bert', ['--layers', '2', '--heads', '4']], llama: ['llama', ['--layers', '2', '--heads', '6', '--kv-heads', '2']] };
  for (const [name, [family, opts]] of Object.entries(tiny)) {
    dirs[name] = path.join(suite.site, 'course/week-3/models', name);
    execFileSync('/usr/bin/python3', [FAMILIES, 'make', family, dirs[name], ...opts], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  Object.assign(suite, await serveSite(suite.site));
});
after(() => closeSite(suite));

const pageUrl = (hash = '') => `${suite.server.url}course/week-3/headscope/index.html#text=${encodeURIComponent(TEXT)}${hash}`;
const native = (args, dir = model.dir) => JSON.parse(execFileSync(requireNativeCli(), [...args, '--model', dir, '--text', TEXT], { maxBuffer: 1 << 28 }));
const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
const stepIndex = (id) => LESSON_STEPS.findIndex((s) => s.id === id) + 1;

test('the lesson text quotes the model\'s own shape, and leaves the mask step out for encoders with the reason', () => {
  const gpt2 = lessonFacts({ n_layer: 12, n_head: 12, n_embd: 768, causal: true, family: 'gpt2' }, 'GPT-2 small');
  const slices = LESSON_STEPS[stepIndex('slices') - 1].text(gpt2).join(' ');
  assert.match(slices, /768 = 12 × 64/);
  assert.match(slices, /512 = 8 × 64/);
  assert.match(slices, /In GPT-2 small: 768 = 12 × 64\./);
  const llama = lessonFacts({ n_layer: 2, n_head: 6, n_kv_head: 2, n_embd: 48, head_dim: 8, causal: true, family: 'llama' }, 'tiny');
  assert.match(LESSON_STEPS[stepIndex('slices') - 1].text(llama).join(' '), /grouped-query attention: its 6 query heads share 2 key\/value heads/);
  const bert = lessonFacts({ n_layer: 2, n_head: 4, n_embd: 32, causal: false, family: 'bert' }, 'tiny BERT');
  const mask = LESSON_STEPS[stepIndex('no-mask') - 1];
  assert.match(mask.skip(bert), /this model is an encoder: it reads the text both ways, so it has no causal mask/);
  assert.equal(mask.skip(gpt2), null);
  for (const s of LESSON_STEPS) {
    for (const m of [gpt2, llama, bert]) {
      const text = s.text({ ...m, focus: { layer: 1, head: 0, role: 'previous_token', score: 0.5 } });
      assert.ok(text.length >= 2 && text.every((t) => typeof t === 'string' && t.length > 20 && !/undefined|NaN/.test(t)), `${s.id}: ${text}`);
    }
  }
  assert.match(LESSON_STEPS[stepIndex('myths') - 1].text(gpt2).join(' '), /does not store facts.*not always better.*not equally important/);
});

// The lesson panel's step on screen, and the page state.
const now = (page) => page.evaluate(() => {
  const el = document.getElementById('lesson');
  return {
    open: el.open, step: Number(el.dataset.step), id: el.dataset.stepId, title: el.querySelector('.lesson-title').textContent,
    body: el.querySelector('.lesson-body').textContent, hash: location.hash, state: window.headscope.state,
    options: window.headscope.lastResult.options,
  };
});
// Waits for step n's run to be drawn (its knobs in the run's options, the page rendered).
const atStep = (page, n) => page.waitForFunction((k) => {
  const el = document.getElementById('lesson');
  return Number(el.dataset.step) === k && document.getElementById('app').dataset.state === 'rendered' && /lesson=\d/.test(location.hash);
}, n, { timeout: 30000 });
const attention = (page) => page.evaluate(() => Array.from(window.headscope.lastResult.attention));

test('each step sets the page state it claims, with the native CLI\'s runs; Back, Next, links per step, resume, skip', async () => {
  const { context, page, problems } = await openPage(suite.browser, pageUrl());
  try {
    await page.click('#lesson summary');
    await atStep(page, 1);
    let s = await now(page);
    assert.equal(s.id, 'grid');
    assert.match(s.body, /3 layers of 4 attention heads: 12 heads/);
    assert.match(s.hash, /lesson=1/);
    // Next: the slices of Q, K, V in "Inside one head", the last token pinned
    await page.click('#lesson .lesson-next');
    await atStep(page, 2);
    s = await now(page);
    assert.equal(s.id, 'slices');
    assert.equal(s.state.view, 'inside');
    assert.deepEqual([s.state.layer, s.state.head], [0, 0]);
    const ref = native(['run']);
    assert.equal(s.state.pinPos, ref.ids.length - 1);
    assert.match(s.body, /In brown-small: 128 = 4 × 32\./);
    assert.match(s.body, /768 = 12 × 64/);
    await page.waitForFunction(() => window.headscope.lastResult.qkv, null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => document.activeElement.className), 'lesson-title', 'the step\'s title has the focus');
    // without sqrt(d_k): the knob off, the matrix, the native CLI's --no-scale run
    await page.click(`#lesson .lesson-jump[data-step="${stepIndex('no-scale')}"]`);
    await atStep(page, stepIndex('no-scale'));
    await page.waitForFunction(() => window.headscope.lastResult.options.scale === false);
    s = await now(page);
    assert.equal(s.state.view, 'matrix');
    assert.equal(s.state.knobs.scale, false);
    assert.equal(await page.isChecked('#knob-scale'), false);
    assert.ok(maxDiff(await attention(page), native(['run', '--no-scale']).attention.flat(3)) < 1e-4, 'the run is the native --no-scale run');
    assert.match(s.body, /√32 ≈ 5\.7 times larger/);
    // without the causal mask
    await page.click('#lesson .lesson-next');
    await atStep(page, stepIndex('no-mask'));
    await page.waitForFunction(() => window.headscope.lastResult.options.causal === false);
    s = await now(page);
    assert.equal(s.state.knobs.causal, false);
    assert.equal(s.state.knobs.scale, true, 'each step starts from the default knobs');
    assert.ok(maxDiff(await attention(page), native(['run', '--no-causal']).attention.flat(3)) < 1e-4, 'the run is the native --no-causal run');
    // heads specialise: the native CLI's strongest previous-token head, in the head view
    const roles = native(['roles']).text;
    const k = roles.names.indexOf('previous_token');
    let best = { l: 0, h: 0, s: -1 };
    roles.scores.forEach((row, l) => row.forEach((sc, h) => { if (sc[k] !== null && sc[k] > best.s) best = { l, h, s: sc[k] }; }));
    await page.click('#lesson .lesson-next');
    await atStep(page, stepIndex('roles'));
    await page.waitForFunction(() => window.headscope.lastResult.options.causal !== false);
    s = await now(page);
    assert.equal(s.state.view, 'head');
    assert.deepEqual([s.state.layer, s.state.head], [best.l, best.h]);
    assert.match(s.body, new RegExp(`layer ${best.l} head ${best.h}, the strongest "previous token" head on this text \\(score ${best.s.toFixed(2)}\\)`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-page-light.png'), fullPage: true });
    // redundancy: that head switched off, the native CLI's --ablate run
    await page.click('#lesson .lesson-next');
    await atStep(page, stepIndex('ablate'));
    await page.waitForFunction(() => window.headscope.lastResult.options.ablate);
    s = await now(page);
    assert.deepEqual(s.state.knobs.ablate, [`${best.l}.${best.h}`]);
    assert.ok(maxDiff(await attention(page), native(['run', '--ablate', `${best.l}.${best.h}`]).attention.flat(3)) < 1e-4, 'the run is the native --ablate run');
    // Back, then Next again
    await page.click('#lesson .lesson-back');
    await atStep(page, stepIndex('roles'));
    await page.waitForFunction(() => !window.headscope.lastResult.options.ablate);
    assert.deepEqual((await now(page)).state.knobs.ablate, []);
    await page.click('#lesson .lesson-next');
    await atStep(page, stepIndex('ablate'));
    await page.click('#lesson .lesson-next');
    await atStep(page, stepIndex('myths'));
    s = await now(page);
    assert.deepEqual(s.state.knobs.ablate, []);
    assert.match(s.body, /128 split into 16 heads would leave each only 8 numbers/);
    // resume: a page opened without lesson= opens the panel at the step the reader left
    const again = await context.newPage();
    await again.goto(pageUrl());
    await again.waitForSelector('#app[data-state="rendered"]');
    assert.equal(await again.evaluate(() => document.getElementById('lesson').open), false);
    await again.click('#lesson summary');
    await atStep(again, stepIndex('myths'));
    assert.equal((await now(again)).title, 'Three common misconceptions');
    await again.close();
    // skip: closed, knobs at their defaults, no lesson= in the URL
    await page.click(`#lesson .lesson-jump[data-step="${stepIndex('no-scale')}"]`);
    await atStep(page, stepIndex('no-scale'));
    await page.click('#lesson .lesson-skip');
    await page.waitForFunction(() => !document.getElementById('lesson').open && !/lesson=/.test(location.hash) && window.headscope.lastResult.options.scale !== false);
    assert.equal((await now(page)).state.knobs.scale, true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a link with lesson=N opens step N and sets its state (dark theme)', async () => {
  const n = stepIndex('scores');
  const { context, page, problems } = await openPage(suite.browser, pageUrl(`&lesson=${n}&theme=dark`), { colorScheme: 'dark' });
  try {
    await atStep(page, n);
    const s = await now(page);
    assert.equal(s.open, true);
    assert.equal(s.id, 'scores');
    assert.equal(s.state.view, 'inside');
    assert.match(s.body, /softmax\(Q Kᵀ \/ √d_k\) · V/);
    assert.match(s.body, /√32 ≈ 5\.66/);
    await page.waitForFunction(() => window.headscope.lastResult.qkv && document.getElementById('app').dataset.state === 'rendered', null, { timeout: 30000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-page-dark.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// Opens a checkpoint folder through the page's file picker and waits for its first drawn run.
async function openModel(page, name, family) {
  await page.setInputFiles('#model-files', ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => path.join(dirs[name], f)));
  await page.waitForFunction((fam) => {
    const st = window.headscope.state;
    return st.model && st.model.source === 'file' && st.model.info.family === fam && document.getElementById('app').dataset.state === 'rendered';
  }, family, { timeout: 30000 });
}

test('an encoder gets no causal-mask step (and says why); a grouped-query model is told its heads share keys and values', async () => {
  const { context, page, problems } = await openPage(suite.browser, pageUrl());
  try {
    await openModel(page, 'bert', 'bert');
    await page.click('#lesson summary');
    await atStep(page, 1);
    assert.match((await now(page)).body, /This model is an encoder/);
    const mask = stepIndex('no-mask');
    assert.equal(await page.isDisabled(`#lesson .lesson-jump[data-step="${mask}"]`), true);
    assert.match(await page.textContent('#lesson .lesson-skipped'), /Left out: “What breaks without the causal mask” — this model is an encoder/);
    await page.click(`#lesson .lesson-jump[data-step="${mask - 1}"]`);
    await atStep(page, mask - 1);
    await page.click('#lesson .lesson-next');
    await atStep(page, mask + 1); // Next goes past the step that does not apply
    assert.equal((await now(page)).state.knobs.causal, true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-bert-light.png'), fullPage: true });
    await openModel(page, 'llama', 'llama');
    await page.click(`#lesson .lesson-jump[data-step="${stepIndex('slices')}"]`);
    await atStep(page, stepIndex('slices'));
    const s = await now(page);
    assert.match(s.body, /grouped-query attention: its 6 query heads share 2 key\/value heads/);
    assert.equal(await page.isDisabled(`#lesson .lesson-jump[data-step="${mask}"]`), false, 'a causal model has the mask step');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
