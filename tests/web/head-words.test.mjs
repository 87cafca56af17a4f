// tests/web/head-words.test.mjs — issue 18, item 8: words for every picture. Under Node:
// web/head-words.mjs on hand-made matrices (previous token, first token, self, induction,
// one token, broad, mixed; T = 1; fully and partly masked rows). In headless Chromium under
// the strict CSP: the grid's tooltip, the live text alternative and the downloaded
// descriptions are that function's output for the weights the page draws (α, and the
// value-weighted rows), its scores agree with the module's head roles on α, an element
// describes its heads too; screenshots (light, dark) go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, openElement, withPage, ARTIFACTS } from './helpers.mjs';
import { headScores, headPattern, describeHead, describeHeads } from '../../web/head-words.mjs';

// One head's T x T matrix from a row function (row i -> array of T weights) as a run of 1 layer, 1 head.
function oneHead(T, row, tokens = [...Array(T)].map((_, i) => `t${i}`), ids = [...Array(T).keys()]) {
  const W = new Float32Array(T * T);
  for (let i = 0; i < T; i++) W.set(row(i), i * T);
  return { r: { T, n_layer: 1, n_head: 1, tokens, ids }, W };
}
const onehot = (T, j) => { const a = new Array(T).fill(0); a[j] = 1; return a; };

test('describeHead: previous token, first token, self, induction, one token, broad and mixed on hand-made matrices', () => {
  // previous token: 0.87 on i-1, the rest on the first token
  let { r, W } = oneHead(5, (i) => (i === 0 ? onehot(5, 0) : onehot(5, 0).map((_, j) => (j === i - 1 ? 0.87 : 0) + (j === 0 ? 0.13 : 0))));
  assert.equal(describeHead({ ...r, n_head: 4 }, Float32Array.from([...new Float32Array(3 * 25), ...W]), 0, 3),
    'L0H3 looks at the previous token: 0.90 of its weight on this text');
  // (row 1: i-1 is the first token, so it gets 0.87 + 0.13 = 1; mean over rows 1..4 = (1 + 3 * 0.87) / 4 = 0.9025)
  // first token only
  ({ r, W } = oneHead(4, () => onehot(4, 0)));
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 looks at the first token (an attention sink: a place to park attention): 1.00 of its weight on this text');
  // self only
  ({ r, W } = oneHead(4, (i) => onehot(4, i)));
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 looks at the token itself: 1.00 of its weight on this text');
  // induction: a b c a b c, rows with an earlier copy look at the token after it; the others at themselves
  ({ r, W } = oneHead(6, (i) => (i >= 3 ? onehot(6, i - 2) : onehot(6, i)), ['a', 'b', 'c', 'a', 'b', 'c'], [1, 2, 3, 1, 2, 3]));
  let s = headScores(W, 0, 6, { ids: r.ids });
  assert.equal(s.induction, 1);
  assert.equal(headPattern(s).pattern, 'induction');
  assert.match(describeHead(r, W, 0, 0), /^L0H0 is induction-like: .*: 1\.00 of its weight on this text$/);
  // one token: non-causal, every row 0.8 on "cat" (token 2), 0.2 on itself
  ({ r, W } = oneHead(5, (i) => onehot(5, 2).map((v, j) => (i === 2 ? (j === 2 ? 1 : 0) : v * 0.8 + (j === i ? 0.2 : 0))), ['The', 'big', 'cat', 'sat', '.']));
  assert.equal(describeHead(r, W, 0, 0, { causal: false }), 'L0H0 attends mostly to “cat”: 0.85 of its weight on this text');
  // broad: uniform over the visible (causal) keys
  ({ r, W } = oneHead(6, (i) => new Array(6).fill(0).map((_, j) => (j <= i ? 1 / (i + 1) : 0))));
  s = headScores(W, 0, 6);
  assert.ok(Math.abs(s.broad - 1) < 1e-6);
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 spreads its weight broadly: 1.00 of the most even spread on this text');
  // mixed: about a third each on the first token, the previous one and itself, nothing reaching 0.4
  ({ r, W } = oneHead(8, (i) => new Array(8).fill(0).map((_, j) => {
    if (i === 0) return j === 0 ? 1 : 0;
    if (i === 1) return [0.6, 0.4][j] || 0;
    if (i === 2) return [0.35, 0.35, 0.3][j] || 0;
    return j === 0 || j === i - 1 || j === i ? 0.3 : j === 1 ? 0.1 : 0;
  })));
  const d = describeHead(r, W, 0, 0);
  assert.equal(d, 'L0H0 has no single pattern: at most 0.35 of its weight on the previous token on this text');
  s = headScores(W, 0, 8);
  assert.ok(s.self < 0.4 && s.previous_token < 0.4 && s.first_token < 0.4 && s.broad < 0.85, JSON.stringify(s));
});

test('describeHead: T = 1, fully masked rows and partly masked heads', () => {
  let { r, W } = oneHead(1, () => [1], ['Hello']);
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 has one token to look at: 1.00 of its weight on “Hello” itself');
  ({ r, W } = oneHead(1, () => [0], ['Hello']));
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 draws no weight on this text: every query row is masked');
  ({ r, W } = oneHead(3, () => [0, 0, 0]));
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 draws no weight on this text: every query row is masked');
  ({ r, W } = oneHead(3, (i) => (i === 2 ? [NaN, NaN, NaN] : i === 1 ? [1, 0, 0] : [1, 0, 0])));
  assert.equal(describeHead(r, W, 0, 0), 'L0H0 looks at the previous token: 1.00 of its weight on this text (1 masked row left out)');
  ({ r, W } = oneHead(4, (i) => (i >= 2 ? [0, 0, 0, 0] : onehot(4, 0))));
  assert.match(describeHead(r, W, 0, 0), /\(2 masked rows left out\)$/);
  assert.equal(describeHead({ ...r, T: 0 }, new Float32Array(0), 0, 0), 'L0H0: no text');
  // every head, layer by layer
  const two = { T: 1, n_layer: 2, n_head: 2, tokens: ['x'], ids: [0] };
  const lines = describeHeads(two, new Float32Array([1, 1, 0, 1]));
  assert.deepEqual(lines.map((l) => l.slice(0, 4)), ['L0H0', 'L0H1', 'L1H0', 'L1H1']);
  assert.match(lines[2], /every query row is masked/);
});

// ---------------------------------------------------------------- in the browser
const TEXT = 'The cat sat on the mat. The cat sat on the mat because it was tired.';
let server, browser;
before(async () => { ({ server, browser } = await openBrowserSuite()); });
after(() => closeBrowserSuite({ server, browser }));

// The run on screen as head-words.mjs reads it, with the weights the views draw.
const drawnRun = (page, root = null) => page.evaluate((id) => {
  const r = id ? document.getElementById(id).lastResult : window.headscope.lastResult;
  return { T: r.T, n_layer: r.n_layer, n_head: r.n_head, tokens: r.tokens, ids: r.ids, causal: r.causal, text: r.text,
    weights: Array.from(r.weights), alpha: Array.from(r.attention), roles: r.roles && r.roles.text };
}, root);
const expected = (run, l, h) => describeHead(run, new Float32Array(run.weights), l, h, { causal: run.causal });

// Hovers head (l, h) of the grid (labels 30 px wide, 18 px high, 4 px gaps) and returns the tooltip's lines.
async function gridTooltip(page, run, l, h) {
  const box = await (await page.$('#grid-canvas')).boundingBox();
  const cell = (box.width - 30 - 4 * (run.n_head - 1)) / run.n_head;
  await page.mouse.move(box.x + 30 + h * (cell + 4) + cell / 2, box.y + 18 + l * (cell + 4) + cell / 2);
  await page.waitForFunction((t) => { const tip = document.getElementById('tooltip'); return !tip.hidden && tip.textContent.startsWith(t); },
    `Layer ${l} · head ${h}`);
  return page.evaluate(() => [...document.getElementById('tooltip').children].map((d) => d.textContent));
}

async function downloadedLines(page) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#view-grid .describe-download')]);
  const file = await dl.path();
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n');
}

test('the page: the grid\'s tooltip, the live text alternative and the downloaded descriptions are the drawn weights\' words', async () => {
  const { context, page, problems } = await openPage(browser, `${server.url}index.html`, { width: 1280, height: 1000 });
  try {
    await page.evaluate((t) => window.headscope.setText(t), TEXT);
    const run = await drawnRun(page);
    assert.equal(run.text, TEXT);
    // the scores agree with the module's head roles on alpha (same definitions: src/model/head_roles.cpp)
    const names = run.roles.names;
    for (let l = 0; l < run.n_layer; l++) for (let h = 0; h < run.n_head; h++) {
      const s = headScores(new Float32Array(run.alpha), (l * run.n_head + h) * run.T * run.T, run.T, { ids: run.ids });
      for (const k of ['previous_token', 'first_token', 'self', 'induction']) {
        assert.ok(Math.abs(s[k] - run.roles.scores[l][h][names.indexOf(k)]) < 1e-4, `head ${l}.${h} ${k}: ${s[k]} vs the module's`);
      }
    }
    // the tooltip of two heads
    for (const [l, h] of [[0, 3], [run.n_layer - 1, 1]]) {
      const lines = await gridTooltip(page, run, l, h);
      assert.equal(lines[1], expected(run, l, h), `the tooltip of ${l}.${h}`);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'head-words-light.png') });
    // the live region follows the selected head
    await page.mouse.move(5, 5);
    await page.evaluate(() => window.headscope.select(1, 2));
    await page.waitForFunction((want) => document.getElementById('head-description').textContent.includes(want), `. ${expected(run, 1, 2)}. Strongest links`);
    assert.match(await page.textContent('#head-description'), /^Layer 1, head 2\b/);
    assert.equal(await page.getAttribute('#grid-canvas', 'aria-describedby'), 'head-description');
    // the download: one heading, then one line per head, layer by layer
    const lines = await downloadedLines(page);
    assert.match(lines[0], new RegExp(`^Headscope: every head of .* on “${TEXT.replace(/\./g, '\\.')}”$`));
    assert.deepEqual(lines.slice(1), describeHeads(run, new Float32Array(run.weights), { causal: run.causal }));
    // Copy descriptions says what it did (or that there is no clipboard)
    await page.click('#view-grid .describe-copy');
    await page.waitForFunction(() => /Copied \d+ lines|clipboard is not available/.test(document.querySelector('#view-grid .describe-status').textContent));
    // value-weighted: the words follow the drawn rows, not alpha
    await page.evaluate(() => window.headscope.setKnobs({ valueWeighted: true }));
    await page.waitForFunction(() => window.headscope.lastResult.valueWeighted && document.getElementById('app').dataset.state === 'rendered');
    const vw = await drawnRun(page);
    const vwLines = await downloadedLines(page);
    assert.match(vwLines[0], /value-weighted/);
    assert.deepEqual(vwLines.slice(1), describeHeads(vw, new Float32Array(vw.weights), { causal: vw.causal }));
    const fromAlpha = describeHeads({ ...vw }, new Float32Array(vw.alpha), { causal: vw.causal });
    assert.notDeepEqual(vwLines.slice(1), fromAlpha, 'value-weighted rows describe differently from alpha somewhere');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  await withPage(browser, `${server.url}index.html#theme=dark`, { width: 1280, height: 1000, colorScheme: 'dark' }, async (dark) => {
    await dark.page.evaluate((t) => window.headscope.setText(t), TEXT);
    const run = await drawnRun(dark.page);
    const lines = await gridTooltip(dark.page, run, 0, 1);
    assert.equal(lines[1], expected(run, 0, 1));
    await dark.page.screenshot({ path: path.join(ARTIFACTS, 'head-words-dark.png') });
  });
});

test('<headscope-view>: its live text alternative describes the selected head in words', async () => {
  const { context, page, problems } = await openElement(browser, server.url, 'words', { text: TEXT, layer: '2', head: '1' });
  try {
    const run = await drawnRun(page, 'words');
    const want = expected(run, 2, 1);
    await page.waitForFunction((w) => document.getElementById('words').shadowRoot.getElementById('head-description').textContent.includes(`. ${w}. Strongest links`), want);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
