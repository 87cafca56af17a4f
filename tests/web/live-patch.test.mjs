// tests/web/live-patch.test.mjs — a reused run's result sent as a patch (web/result-patch.mjs)
// and drawn incrementally (web/views/grid.mjs, web/draw.mjs paintMatrix fromRow), in headless
// Chromium with the bundled model: after appends, a backspace, a middle edit, a knob change and
// an edit back without knobs, the page's result (rebuilt by the client from the new rows and
// the channel's previous arrays) has the attention of a full run of the whole text in the same
// worker (a fresh channel: nothing to reuse) within 1e-6, every reused run came as a patch,
// and the grid after drawing only the new rows has the same pixels as a full redraw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowserSuite, closeBrowserSuite, openPage, afterDraw } from './helpers.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

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
    const pixels = () => page.evaluate(() => {
      const c = document.querySelector('.grid-canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let h = 0x811c9dc5;
      for (let k = 0; k < d.length; k++) h = Math.imul(h ^ d[k], 16777619) >>> 0;
      return { w: c.width, h: c.height, hash: h, rows: c.dataset.paintedRows };
    });
    const incremental = await pixels();
    await page.evaluate(() => window.headscope.redrawAll());
    await afterDraw(page);
    const whole = await pixels();
    assert.equal(whole.rows, `0-${painted.T}`, 'the redraw painted every row');
    assert.deepEqual({ ...incremental, rows: '' }, { ...whole, rows: '' }, `the grid after painting rows ${incremental.rows} has the pixels of a full redraw`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
