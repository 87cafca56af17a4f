// tests/web/pairs.test.mjs — issue 18, item 4: minimal pairs. Under Node: web/pairs.mjs's
// alignment (same length: by position where the tokens agree; different lengths: common
// prefix and suffix), the difference map B − A and the per-head change on hand-made runs.
// In headless Chromium under the strict CSP, on the page and in a <headscope-view>: the
// pairs view draws A's and B's attention as the native CLI's `run` computes them for each
// sentence, the difference is B − A on the aligned tokens, the per-head grid is max |B − A|
// and a click / the keyboard picks a head; the prediction table is each run's top 5; a
// link restores the view, both texts and the head exactly; PNG/SVG export; screenshots
// (light and dark) go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, openElement, withPage, ARTIFACTS, NATIVE_CLI, ROOT } from './helpers.mjs';
import { parseHash, formatHash } from '../../web/state-hash.mjs';
import { PAIR_EXAMPLES, OWN_EXAMPLE, exampleOf, alignTokens, alignmentText, differenceMap, headChanges, mostChanged } from '../../web/pairs.mjs';

// ---------------------------------------------------------------- pure functions
test('alignTokens: same length pairs positions whose tokens agree; different lengths use the common prefix and suffix', () => {
  const same = alignTokens(['The', ' cup', ' was', ' big', '.'], ['The', ' cup', ' was', ' small', '.']);
  assert.equal(same.how, 'position');
  assert.deepEqual(same.pairs, [[0, 0], [1, 1], [2, 2], [4, 4]]);
  assert.deepEqual(same.apartA, [3]);
  assert.deepEqual(same.apartB, [3]);
  assert.match(alignmentText(same, ['The', ' cup', ' was', ' big', '.'], ['The', ' cup', ' was', ' small', '.']), /position by position.*“·big” \/ B “·small” \(position 3\)/);
  const diff = alignTokens(['a', 'b', 'x', 'c', 'd'], ['a', 'b', 'y', 'z', 'w', 'c', 'd']);
  assert.equal(diff.how, 'prefix-suffix');
  assert.equal(diff.prefix, 2);
  assert.equal(diff.suffix, 2);
  assert.deepEqual(diff.pairs, [[0, 0], [1, 1], [3, 5], [4, 6]]);
  assert.deepEqual(diff.apartA, [2]);
  assert.deepEqual(diff.apartB, [2, 3, 4]);
  assert.match(alignmentText(diff, ['a', 'b', 'x', 'c', 'd'], ['a', 'b', 'y', 'z', 'w', 'c', 'd']), /prefix \(2 tokens\) and suffix \(2 tokens\)/);
  // prefix and suffix never overlap: B is A with a token repeated
  const rep = alignTokens(['a', 'a'], ['a', 'a', 'a']);
  assert.equal(rep.prefix + rep.suffix, 2);
  assert.deepEqual(rep.pairs, [[0, 0], [1, 1]]); // the prefix first
  // nothing in common
  const none = alignTokens(['x'], ['y', 'z']);
  assert.deepEqual(none.pairs, []);
  assert.deepEqual(headChanges({ n_layer: 1, n_head: 1, T: 1 }, new Float32Array([1]), { n_layer: 1, n_head: 1, T: 2 }, new Float32Array([1, 0, 0.5, 0.5]), none.pairs), new Float32Array([0]));
  // the examples: two coreference pairs, recognised from their texts
  assert.equal(PAIR_EXAMPLES.length, 2);
  assert.equal(exampleOf(PAIR_EXAMPLES[0].a, PAIR_EXAMPLES[0].b), 'trophy');
  assert.equal(exampleOf(PAIR_EXAMPLES[0].a, 'something else'), OWN_EXAMPLE);
});

test('differenceMap is B − A on the aligned tokens; headChanges is its largest magnitude per head', () => {
  // two heads, A: T = 2, B: T = 3 (B inserts a token in the middle); aligned: A0-B0, A1-B2
  const rA = { n_layer: 1, n_head: 2, T: 2 }, rB = { n_layer: 1, n_head: 2, T: 3 };
  const wA = new Float32Array([1, 0, 0.4, 0.6, /* head 1 */ 1, 0, 0.5, 0.5]);
  const wB = new Float32Array([1, 0, 0, 0.2, 0.8, 0, 0.1, 0.2, 0.7, /* head 1 */ 1, 0, 0, 0, 1, 0, 0.5, 0.3, 0.2]);
  const pairs = [[0, 0], [1, 2]];
  const d0 = differenceMap(rA, wA, rB, wB, pairs, 0, 0);
  assert.deepEqual(Array.from(d0).map((x) => Math.round(x * 1e6) / 1e6), [0, 0, 0.1 - 0.4, 0.7 - 0.6].map((x) => Math.round(x * 1e6) / 1e6));
  const d1 = differenceMap(rA, wA, rB, wB, pairs, 0, 1);
  assert.deepEqual(Array.from(d1).map((x) => Math.round(x * 1e6) / 1e6), [0, 0, 0, -0.3]);
  const ch = headChanges(rA, wA, rB, wB, pairs);
  assert.ok(Math.abs(ch[0] - 0.3) < 1e-6 && Math.abs(ch[1] - 0.3) < 1e-6);
  assert.deepEqual(mostChanged(new Float32Array([0.1, 0.5, 0.2, 0.4]), 2), { layer: 0, head: 1, change: 0.5 });
});

test('the link keeps sentence B (text-b) and the pairs view; an empty B is left out', () => {
  const s = parseHash(formatHash({ text: 'A b.', textB: 'A c & d.', view: 'pairs', layer: 1, head: 2, knobs: parseHash('').knobs }));
  assert.equal(s.text, 'A b.');
  assert.equal(s.textB, 'A c & d.');
  assert.equal(s.view, 'pairs');
  assert.equal(formatHash({ text: 'x', textB: '', knobs: parseHash('').knobs }), '#text=x');
  assert.equal(parseHash('#view=pairs&text-b=').textB, undefined);
});

// ---------------------------------------------------------------- in the browser
const [TROPHY, NOTEBOOK] = PAIR_EXAMPLES;
let server, browser, model;

function native(args) {
  assert.ok(fs.existsSync(NATIVE_CLI), `the native CLI ${NATIVE_CLI} is built (cmake --build --preset native)`);
  return JSON.parse(execFileSync(NATIVE_CLI, args, { maxBuffer: 1 << 28 }));
}
const nativeRun = (text, dir = model.dir) => native(['run', '--model', dir, '--text', text]);
const maxDiff = (a, b) => {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
};

before(async () => { ({ model, server, browser } = await openBrowserSuite()); });
after(() => closeBrowserSuite({ server, browser }));
const pageUrl = () => `${server.url}index.html`;

// Waits until the pairs view has drawn head (l, h) of texts a and b (it redraws on the next frame).
const drawnPair = (page, a, b, l, h, root = 'document') => page.waitForFunction(([want, head, where]) => {
  const doc = where === 'document' ? document : document.getElementById(where).shadowRoot;
  const s = doc.getElementById('view-pairs');
  return s && s.dataset.pairs === 'drawn' && s.dataset.texts === want && s.dataset.head === head;
}, [`${a}\n${b}`, `${l}.${h}`, root], { timeout: 30000 });

// The drawn numbers against the native CLI's runs of a and b: A's and B's weights of head
// (l, h), the difference B − A on the aligned tokens, the per-head changes, the top 5.
function checkAgainstNative(drawn, a, b, l, h, dir = model.dir) {
  const ra = nativeRun(a, dir), rb = nativeRun(b, dir);
  assert.deepEqual(drawn.tokensA, ra.tokens);
  assert.deepEqual(drawn.tokensB, rb.tokens);
  assert.equal(drawn.layer, l);
  assert.equal(drawn.head, h);
  assert.ok(maxDiff(drawn.weightsA, ra.attention[l][h].flat()) < 1e-4, 'A is the native CLI\'s attention');
  assert.ok(maxDiff(drawn.weightsB, rb.attention[l][h].flat()) < 1e-4, 'B is the native CLI\'s attention');
  const al = alignTokens(ra.tokens, rb.tokens);
  assert.deepEqual(drawn.pairs, al.pairs);
  const n = al.pairs.length;
  const want = [];
  for (const [ai, bi] of al.pairs) for (const [aj, bj] of al.pairs) want.push(rb.attention[l][h][bi][bj] - ra.attention[l][h][ai][aj]);
  assert.equal(drawn.diff.length, n * n);
  assert.ok(maxDiff(drawn.diff, want) < 1e-4, 'the difference is B − A on the aligned tokens');
  const flat = (r) => new Float32Array(r.attention.flat(3));
  const changes = headChanges({ ...ra, T: ra.ids.length }, flat(ra), { ...rb, T: rb.ids.length }, flat(rb), al.pairs);
  assert.ok(maxDiff(drawn.changes, changes) < 1e-4, 'the per-head grid is max |B − A|');
  assert.ok(Math.max(...drawn.changes) > 0, 'the two sentences differ somewhere');
  return { ra, rb, al };
}

// Softmax top 5 of the native CLI's last-position logits.
function top5(logits) {
  const max = Math.max(...logits);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return logits.map((x, id) => ({ id, p: Math.exp(x - max) / sum })).sort((x, y) => y.p - x.p).slice(0, 5);
}

test('the page: the pairs view draws A, B and B − A as the native CLI computes them; the grid and keys pick a head; a link restores it', async () => {
  const { context, page, problems } = await openPage(browser, pageUrl(), { width: 1280, height: 1100 });
  try {
    await page.evaluate(() => window.headscope.setView('pairs'));
    // no B yet: the view says what to do
    await page.waitForFunction(() => document.getElementById('view-pairs').dataset.pairs === 'none');
    assert.match(await page.textContent('#view-pairs .pairs-status'), /Choose an example/);
    // the trophy example: the same length, aligned position by position
    await page.selectOption('#view-pairs .pairs-example', 'trophy');
    await drawnPair(page, TROPHY.a, TROPHY.b, 0, 0);
    assert.equal(await page.inputValue('#text'), TROPHY.a, 'the example sets sentence A, the text');
    assert.equal(await page.inputValue('#view-pairs .pairs-text-b'), TROPHY.b);
    let drawn = await page.evaluate(() => window.headscope.pairs);
    const t = checkAgainstNative(drawn, TROPHY.a, TROPHY.b, 0, 0);
    assert.equal(drawn.how, 'position');
    assert.match(await page.textContent('#view-pairs .pairs-align'), /position by position/);
    // the prediction: A's and B's top 5 are each run's own
    for (const [k, ref] of [[0, t.ra], [2, t.rb]]) {
      const want = top5(ref.logits_last);
      assert.ok(maxDiff(drawn.prediction.map((row) => row[k + 1]), want.map((x) => x.p)) < 1e-4, `top-5 probabilities of ${k ? 'B' : 'A'}`);
    }
    const rows = await page.$$eval('#view-pairs .pairs-predict-table tr', (trs) => trs.length);
    assert.equal(rows, 6, 'a header and five rows');
    // the notebook example: different lengths, aligned on the common prefix and suffix
    await page.selectOption('#view-pairs .pairs-example', 'notebook');
    await drawnPair(page, NOTEBOOK.a, NOTEBOOK.b, 0, 0);
    drawn = await page.evaluate(() => window.headscope.pairs);
    const nb = checkAgainstNative(drawn, NOTEBOOK.a, NOTEBOOK.b, 0, 0);
    assert.equal(drawn.how, 'prefix-suffix');
    assert.match(await page.textContent('#view-pairs .pairs-align'), new RegExp(`prefix \\(${nb.al.prefix} tokens?\\) and suffix \\(${nb.al.suffix} tokens?\\)`));
    // a click on the per-head grid picks that head (layer 1, head 2: cell at 30 + 2*38, 18 + 22)
    await page.click('#view-pairs .pairs-changes', { position: { x: 30 + 2 * 38 + 19, y: 18 + 1 * 22 + 11 } });
    await drawnPair(page, NOTEBOOK.a, NOTEBOOK.b, 1, 2);
    checkAgainstNative(await page.evaluate(() => window.headscope.pairs), NOTEBOOK.a, NOTEBOOK.b, 1, 2);
    // the keyboard: right, down, Enter -> layer 2, head 3
    await page.focus('#view-pairs .pairs-changes');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await drawnPair(page, NOTEBOOK.a, NOTEBOOK.b, 2, 3);
    assert.match(await page.getAttribute('#view-pairs .pairs-changes', 'aria-label'), /Selected: layer 2, head 3/);
    // the difference map's keyboard cursor reads its cell out
    await page.focus('#view-pairs .pairs-canvas');
    await page.keyboard.press('ArrowUp');
    const cell = await page.textContent('#view-pairs .pairs-cell');
    assert.match(cell, /A \d\.\d{3}, B \d\.\d{3}, B − A [+−]\d\.\d{3}/);
    // the reader's own B
    const own = 'Sarah gave Emma her notebook because she was kind.';
    await page.fill('#view-pairs .pairs-text-b', own);
    await drawnPair(page, NOTEBOOK.a, own, 2, 3);
    assert.equal(await page.inputValue('#view-pairs .pairs-example'), OWN_EXAMPLE);
    checkAgainstNative(await page.evaluate(() => window.headscope.pairs), NOTEBOOK.a, own, 2, 3);
    await page.screenshot({ path: path.join(ARTIFACTS, 'pairs-page-light.png'), fullPage: true });
    // export
    const svg = await page.evaluate(() => window.headscope.exportSvg('pairs'));
    assert.match(svg, /^<svg/);
    assert.ok(svg.includes('minimal pair') && svg.includes('was kind'), 'the SVG names the view and sentence B');
    assert.ok(svg.includes('How much each head changed'));
    assert.ok(await page.evaluate(() => window.headscope.exportPng('pairs')) > 1000);
    const embed = await page.evaluate(() => window.headscope.embedCode());
    assert.ok(embed.includes(`text-b="${own}"`) && embed.includes('view="pairs"'), 'the embed code keeps sentence B and the view');
    // a link restores the view, both texts and the head exactly
    await new Promise((r) => setTimeout(r, 200));
    const link = await page.evaluate(() => window.headscope.pageUrl());
    assert.match(link, /view=pairs/);
    assert.match(link, /text-b=/);
    const before = (await page.evaluate(() => window.headscope.pairs)).diff;
    await withPage(browser, link, { width: 1280, height: 1100, colorScheme: 'dark' }, async (again) => {
      await drawnPair(again.page, NOTEBOOK.a, own, 2, 3);
      const restored = await again.page.evaluate(() => window.headscope.pairs);
      assert.deepEqual(restored.diff, before);
      assert.equal(await again.page.inputValue('#view-pairs .pairs-text-b'), own);
      await again.page.screenshot({ path: path.join(ARTIFACTS, 'pairs-page-dark.png'), fullPage: true });
    });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a phone (360 px): the pairs view stacks A, B and B − A and nothing widens the page', async () => {
  const hash = `#view=pairs&text=${encodeURIComponent(TROPHY.a)}&text-b=${encodeURIComponent(TROPHY.b)}`;
  await withPage(browser, `${pageUrl()}${hash}`, { width: 360, height: 800 }, async ({ page }) => {
    await drawnPair(page, TROPHY.a, TROPHY.b, 0, 0);
    // B − A's top-left cell: at the left edge (after the row labels), below A and B
    const [x, y, cs] = (await page.getAttribute('#view-pairs .pairs-canvas', 'data-geom')).split(',').map(Number);
    const T = (await page.evaluate(() => window.headscope.pairs.tokensA.length));
    assert.equal(x, 66, 'the difference map starts at the left, under A and B');
    assert.ok(y > 2 * T * cs, 'below both matrices');
    const fits = await page.evaluate(() => {
      const c = document.querySelector('#view-pairs .pairs-canvas');
      return { page: document.documentElement.scrollWidth <= innerWidth, canvas: c.getBoundingClientRect().right <= innerWidth };
    });
    assert.deepEqual(fits, { page: true, canvas: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'pairs-phone-360.png'), fullPage: true });
  });
});

test('<headscope-view view="pairs" text-b=…> draws the native CLI\'s numbers; its example select sets both attributes', async () => {
  const { context, page, problems } = await openElement(browser, server.url, 'pairs',
    { view: 'pairs', layer: '1', head: '2', text: NOTEBOOK.a, 'text-b': NOTEBOOK.b }, { width: 1000, height: 1200 });
  try {
    await drawnPair(page, NOTEBOOK.a, NOTEBOOK.b, 1, 2, 'pairs');
    const drawn = await page.evaluate(() => document.getElementById('pairs').controller.views.pairs.drawn);
    checkAgainstNative(drawn, NOTEBOOK.a, NOTEBOOK.b, 1, 2);
    const link = await page.evaluate(() => document.getElementById('pairs').shadowRoot.querySelector('.hs-open').href);
    assert.match(link, /view=pairs/);
    assert.match(link, /text-b=Sarah/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'pairs-element.png'), fullPage: true });
    // the example select sets text and text-b
    await page.evaluate(() => {
      const s = document.getElementById('pairs').shadowRoot.querySelector('.pairs-example');
      s.value = 'trophy';
      s.dispatchEvent(new Event('change'));
    });
    await drawnPair(page, TROPHY.a, TROPHY.b, 1, 2, 'pairs');
    assert.deepEqual(await page.evaluate(() => ['text', 'text-b'].map((a) => document.getElementById('pairs').getAttribute(a))), [TROPHY.a, TROPHY.b]);
    checkAgainstNative(await page.evaluate(() => document.getElementById('pairs').controller.views.pairs.drawn), TROPHY.a, TROPHY.b, 1, 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an encoder: the pairs view compares the masked-token prediction at a mask in both sentences, or says why not', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-pairs-bert-'));
  try {
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/reference/families'), 'make', 'bert', dir, '--layers', '2', '--heads', '4'], { stdio: ['ignore', 'ignore', 'inherit'] });
    await withPage(browser, pageUrl(), { width: 1280, height: 1000 }, async ({ page }) => {
      await page.setInputFiles('#model-files', ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => path.join(dir, f)));
      await page.waitForFunction(() => { const s = window.headscope.state; return s.model && s.model.info.family === 'bert'; }, null, { timeout: 30000 });
      const [a, b] = ['the cup sat on the table', 'the cup sat on the mat'];
      await page.evaluate(() => window.headscope.setView('pairs'));
      await page.evaluate(([ta, tb]) => { window.headscope.setTextB(tb); return window.headscope.setText(ta); }, [a, b]);
      await drawnPair(page, a, b, 0, 0);
      checkAgainstNative(await page.evaluate(() => window.headscope.pairs), a, b, 0, 0, dir);
      assert.match(await page.textContent('#view-pairs .pairs-predict'), /not available: an encoder predicts the token at a mask.*\[MASK\]/);
      // a mask in both (last, so the native CLI's logits_last are its prediction): what the model fills in, for A and for B
      const [ma, mb] = ['the cup sat on the [MASK]', 'the mug sat on the [MASK]'];
      await page.evaluate(([ta, tb]) => { window.headscope.setTextB(tb); return window.headscope.setText(ta); }, [ma, mb]);
      await drawnPair(page, ma, mb, 0, 0);
      await page.waitForFunction(() => window.headscope.pairs && window.headscope.pairs.prediction, null, { timeout: 30000 });
      const drawn = await page.evaluate(() => window.headscope.pairs);
      const { ra, rb } = checkAgainstNative(drawn, ma, mb, 0, 0, dir);
      assert.equal(drawn.prediction.length, 5);
      for (const [k, ref] of [[0, ra], [2, rb]]) {
        assert.ok(maxDiff(drawn.prediction.map((row) => row[k + 1]), top5(ref.logits_last).map((x) => x.p)) < 1e-4, `the masked-token top 5 of ${k ? 'B' : 'A'}`);
      }
      const pos = drawn.tokensA.indexOf('[MASK]');
      assert.match(await page.textContent('#view-pairs .pairs-predict-title'), new RegExp(`Masked-token prediction at \\[MASK\\] \\(A position ${pos}`));
      await page.screenshot({ path: path.join(ARTIFACTS, 'pairs-encoder.png'), fullPage: true });
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
