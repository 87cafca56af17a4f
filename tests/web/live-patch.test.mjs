// tests/web/live-patch.test.mjs — a reused run's result sent as a patch (web/result-patch.mjs)
// and drawn incrementally (web/views/grid.mjs, web/draw.mjs paintMatrix fromRow), in headless
// Chromium with the bundled model: after appends, a backspace, a middle edit, a knob change and
// an edit back without knobs, the page's result (rebuilt by the client from the new rows and
// the channel's previous arrays) has the attention of a full run of the whole text in the same
// worker (a fresh channel: nothing to reuse) within 1e-6, every reused run came as a patch,
// and the grid after drawing only the new rows has the same pixels as a full redraw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, afterDraw, ROOT } from './helpers.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

// A hash of the grid canvas's pixels in the rows on screen (inside its scrolling box).
const gridPixels = (page) => page.evaluate(() => {
  const c = document.querySelector('.grid-canvas');
  const wrap = c.parentElement.getBoundingClientRect();
  const box = c.getBoundingClientRect();
  const y0 = Math.max(0, Math.ceil(wrap.top - box.top));
  const y1 = Math.min(c.height, Math.floor(Math.min(wrap.bottom, innerHeight) - box.top));
  const d = c.getContext('2d').getImageData(0, y0, c.width, y1 - y0).data;
  let h = 0x811c9dc5;
  for (let k = 0; k < d.length; k++) h = Math.imul(h ^ d[k], 16777619) >>> 0;
  return { w: c.width, y0, y1, hash: h, rows: c.dataset.paintedRows };
});

// The same after the grid painted everything on screen again from scratch (the colour scale there and back).
async function repaintedGridPixels(page) {
  for (const v of ['sqrt', 'linear']) {
    await page.selectOption('#scale-select', v);
    await afterDraw(page);
  }
  return gridPixels(page);
}

// Sets the text (or knobs), waits for it drawn, and compares the page's result with a full
// run of the same text and options on a new channel: {T, reused, patched, worst}.
async function checkAgainstFull(page, action, arg) {
  const patchedBefore = await page.evaluate(() => window.headscope.client.arrays.patched);
  await page.evaluate(([a, x]) => (a === 'text' ? window.headscope.setText(x) : window.headscope.setKnobs(x)), [action, arg]);
  await afterDraw(page);
  return page.evaluate(async (before) => {
    const hs = window.headscope;
    const r = hs.lastResult;
    const c = hs.client;
    const full = await c.run(c.channel(), hs.state.model.key, r.text, r.options);
    if (full.patch) throw new Error('a run on a new channel came as a patch');
    let worst = 0;
    if (full.attention.length !== r.attention.length) return { T: r.T, worst: Infinity, lengths: [r.attention.length, full.attention.length] };
    for (let k = 0; k < full.attention.length; k++) worst = Math.max(worst, Math.abs(full.attention[k] - r.attention[k]));
    const idsSame = JSON.stringify(full.ids) === JSON.stringify(r.ids);
    return { T: r.T, reused: r.reused, patch: r.patch || null, patched: c.arrays.patched - before, worst, idsSame };
  }, patchedBefore);
}

test('a reused run patched in the page equals a full run, and its grid equals a full redraw', async () => {
  const { page, context, problems } = await openPage(browser, server.url);
  try {
    const steps = [
      ['text', 'Mary and John went to the store'],
      ['text', 'Mary and John went to the store and John gave'], // appends
      ['text', 'Mary and John went to the store and John gave a drink to Mary'],
      ['text', 'Mary and John went to the store and John gave a drink to Mar'], // a backspace
      ['text', 'Mary and John went to the shop and John gave a drink to Mar'], // an edit in the middle
      ['text', 'Mary and John went to the shop and John gave a drink to Mar. She was'], // a paste
      ['knobs', { temperature: 2 }], // a knob change: a full run
      ['text', 'Mary and John went to the shop and John gave a drink to Mar. She was tired'], // reused with the knob
      ['knobs', { temperature: 1 }],
      ['text', 'Mary and John went to the shop and John gave a drink to Mar. She was tired.'],
    ];
    let patches = 0;
    for (const [action, arg] of steps) {
      const got = await checkAgainstFull(page, action, arg);
      const where = `${action} ${JSON.stringify(arg)}`;
      assert.ok(got.idsSame, `${where}: the same tokens as the full run`);
      assert.ok(got.worst <= 1e-6, `${where}: max |patched - full| = ${got.worst} (T ${got.T}, reused ${got.reused})`);
      if (got.reused > 0) {
        assert.ok(got.patch && got.patch.reused === got.reused, `${where}: a run reusing ${got.reused} positions came as a patch`);
        assert.equal(got.patched, 1, `${where}: the client rebuilt one patched result`);
        patches++;
      } else assert.equal(got.patch, null, `${where}: a run that reused nothing came whole`);
      if (action === 'knobs') assert.equal(got.reused, 0, `${where}: a knob change recomputes every position`);
    }
    assert.ok(patches >= 5, `most edits reused their prefix (${patches} patched results)`);

    // incremental drawing: an edit keeping the token count repaints only the new rows of the grid
    const base = 'the cat sat on the mat and the dog sat on the';
    await page.evaluate((t) => window.headscope.setText(t), base);
    await afterDraw(page);
    let painted = null;
    for (const word of [' rug', ' log', ' bed', ' box', ' hat', ' sofa', ' floor']) {
      await page.evaluate((t) => window.headscope.setText(t), base + word);
      await afterDraw(page);
      await page.evaluate((t) => window.headscope.setText(t), base + word.slice(0, -1) + (word.at(-1) === 'x' ? 'g' : 'x'));
      await afterDraw(page);
      painted = await page.evaluate(() => ({ rows: document.querySelector('.grid-canvas').dataset.paintedRows, T: window.headscope.lastResult.T }));
      if (painted.rows && !painted.rows.startsWith('0-')) break;
    }
    assert.ok(painted.rows && !painted.rows.startsWith('0-'), `an edit of the last word repainted only new rows (painted ${painted.rows})`);
    const incremental = await gridPixels(page);
    const whole = await repaintedGridPixels(page);
    assert.equal(whole.rows, `0-${painted.T}`, 'the redraw painted every row');
    assert.deepEqual({ ...incremental, rows: '' }, { ...whole, rows: '' }, `the grid after painting rows ${incremental.rows} has the pixels of a full redraw`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a deep model: the grid paints the layers on screen, the others when scrolled into view, as a full redraw would', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-live-'));
  const dir = path.join(tmp, 'deep');
  execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/reference/make_checkpoint.py'), dir,
    '--layers', '16', '--heads', '2', '--embd', '32', '--positions', '64'], { stdio: 'ignore' });
  const { page, context, problems } = await openPage(browser, server.url);
  try {
    const bundled = await page.evaluate(() => window.headscope.state.model.name);
    await page.setInputFiles('#model-files', fs.readdirSync(dir).map((f) => path.join(dir, f)));
    await page.waitForFunction((n) => window.headscope.state.model.name !== n && document.getElementById('app').dataset.state === 'rendered', bundled, { timeout: 60000 });
    await afterDraw(page);
    await page.evaluate(() => window.headscope.setText('Mary and John went to the store and John gave a drink to'));
    await afterDraw(page);
    await page.evaluate(() => window.headscope.setText('Mary and John went to the store and John gave a drink to Mary'));
    await afterDraw(page);
    const grid = () => page.evaluate(() => {
      const c = document.querySelector('.grid-canvas');
      return { stale: c.dataset.staleLayers, painted: c.dataset.paintedLayers, scrollable: c.parentElement.scrollHeight > c.parentElement.clientHeight };
    });
    const first = await grid();
    assert.ok(first.scrollable, 'the 16 layers do not fit the grid box');
    assert.ok(first.stale.length > 0 && !first.painted.split(',').includes('15'), `the last layers, off screen, are not painted yet (painted ${first.painted}; stale ${first.stale})`);
    assert.deepEqual(await gridPixels(page).then((x) => ({ ...x, rows: '' })), await repaintedGridPixels(page).then((x) => ({ ...x, rows: '' })), 'on screen: as a full redraw');
    await page.evaluate(() => window.headscope.setText('Mary and John went to the store and John gave a drink to Mary.'));
    await afterDraw(page);
    await page.evaluate(() => { const w = document.querySelector('.grid-canvas').parentElement; w.scrollTop = w.scrollHeight; });
    await page.waitForFunction(() => document.querySelector('.grid-canvas').dataset.paintedLayers.split(',').includes('15'), null, { timeout: 10000 });
    await afterDraw(page);
    const scrolled = await gridPixels(page);
    assert.deepEqual({ ...scrolled, rows: '' }, { ...(await repaintedGridPixels(page)), rows: '' }, 'scrolled to the last layers: as a full redraw');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
