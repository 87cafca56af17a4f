// tests/web/lens.test.mjs — issue 18: the logit lens and value-weighted attention.
// Node side: `node web/cli.mjs lens` against the native CLI (top_ids equal, probabilities
// within 1e-5), its errors. In headless Chromium under the strict CSP, on the page and in
// a <headscope-view>: the lens view's numbers are the native CLI's, a click and the
// keyboard show a cell's top 5, a link restores the view, the cell and the value-weighted
// toggle exactly; value-weighted drawing in the grid, head view and matrix is the native
// CLI's value_weighted normalised per query row, with the attention-sink sentence; PNG/SVG
// export; screenshots (light and dark) go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultModel, courseSite, serveSite, closeSite, openPage, afterDraw, ARTIFACTS, NATIVE_CLI, ROOT } from './helpers.mjs';

const TEXT = 'The cat sat on the mat. The cat sat on the mat.';
let site;
let server;
let browser;
let model;

function native(args) {
  assert.ok(fs.existsSync(NATIVE_CLI), `the native CLI ${NATIVE_CLI} is built (cmake --build --preset native)`);
  return JSON.parse(execFileSync(NATIVE_CLI, args, { maxBuffer: 1 << 28 }));
}
const nativeLens = (text, top = 5) => native(['lens', '--model', model.dir, '--text', text, '--top', String(top)]);
const nativeRun = (text, extra = []) => native(['run', '--model', model.dir, '--text', text, ...extra]);

function maxDiff(a, b) {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

before(async () => {
  model = defaultModel();
  site = courseSite({
    'lens.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>lens</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<headscope-view id="lens" text="${TEXT}" view="lens"></headscope-view>
<headscope-view id="vw" text="${TEXT}" view="matrix" layer="1" head="2" value-weighted="1"></headscope-view>
</body></html>`,
  });
  ({ server, browser } = await serveSite(site));
});
after(() => closeSite({ server, browser, site }));
const pageUrl = () => `${server.url}course/week-3/headscope/index.html`;

test('node web/cli.mjs lens prints the native CLI\'s lens; errors exit 2 naming the problem', () => {
  const args = ['lens', '--model', model.dir, '--text', TEXT, '--top', '4'];
  const wasm = spawnSync(process.execPath, [path.join(ROOT, 'web/cli.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(wasm.status, 0, wasm.stderr);
  const ours = JSON.parse(wasm.stdout);
  const ref = nativeLens(TEXT, 4);
  assert.deepEqual(ours.ids, ref.ids);
  assert.equal(ours.top_ids.length, ref.n_layer);
  assert.equal(ours.top_ids[0].length, ref.ids.length);
  assert.equal(ours.top_ids[0][0].length, 4);
  assert.deepEqual(ours.top_ids, ref.top_ids);
  assert.deepEqual(ours.final_ids, ref.final_ids);
  assert.ok(maxDiff(ours.top_probs.flat(2), ref.top_probs.flat(2)) < 1e-5);
  assert.ok(maxDiff(ours.final_prob.flat(), ref.final_prob.flat()) < 1e-5);
  for (const [argv, phrase] of [[['--top', '0'], '--top must be a positive integer'], [['--top', '99999'], 'vocabulary size']]) {
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'web/cli.mjs'), 'lens', '--model', model.dir, '--text', 'a', ...argv], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.ok(bad.stderr.includes(phrase), bad.stderr);
  }
});

// Waits until the lens view's top-5 list shows cell (l, t): the view redraws on the next animation frame.
const shownCell = (page, l, t) => page.waitForFunction((cell) => {
  const d = document.querySelector('#view-lens .lens-detail');
  return d && d.dataset.cell === cell;
}, `${l},${t}`, { timeout: 30000 });

// The lens the page shows: {l, t} of the chosen cell, the top-5 list, the drawn arrays.
const pageLens = (page) => page.evaluate(() => {
  const r = window.headscope.lastResult;
  const s = document.getElementById('view-lens');
  return {
    state: s.dataset.lens, lens: r.lens, tokens: r.tokens,
    detail: s.querySelector('.lens-where') && s.querySelector('.lens-where').textContent,
    top: [...s.querySelectorAll('.lens-top li')].map((li) => Number(li.dataset.id)),
  };
});

test('the page: the logit lens view shows the native CLI\'s lens; click and keys pick a cell; a link restores it', async () => {
  const { context, page, problems } = await openPage(browser, pageUrl(), { width: 1280, height: 900 });
  try {
    await page.evaluate((t) => window.headscope.setText(t), TEXT);
    await page.evaluate(() => window.headscope.setView('lens'));
    await page.waitForFunction(() => document.getElementById('view-lens').dataset.lens === 'drawn', null, { timeout: 30000 });
    const got = await pageLens(page);
    const ref = nativeLens(TEXT);
    assert.deepEqual(got.lens.top_ids, ref.top_ids);
    assert.ok(maxDiff(got.lens.top_probs.flat(2), ref.top_probs.flat(2)) < 1e-5);
    assert.ok(maxDiff(got.lens.final_prob.flat(), ref.final_prob.flat()) < 1e-5);
    const L = ref.n_layer, T = ref.ids.length;
    // default cell: the focused layer (0) at the last position
    await shownCell(page, 0, T - 1);
    got.top = (await pageLens(page)).top;
    assert.deepEqual(got.top, ref.top_ids[0][T - 1]);
    // click layer L-1, position 2
    const geom = (await page.getAttribute('#view-lens canvas', 'data-geom')).split(',').map(Number);
    const [left, top, cw, ch] = geom;
    await page.click('#view-lens canvas', { position: { x: left + 2 * cw + cw / 2, y: top + (L - 1) * ch + ch / 2 } });
    await page.waitForFunction(() => window.headscope.state.pinPos === 2);
    await shownCell(page, L - 1, 2);
    let now = await pageLens(page);
    assert.deepEqual(now.top, ref.top_ids[L - 1][2]);
    assert.match(now.detail, new RegExp(`Layer ${L - 1}`));
    // keyboard: left, up, Enter -> layer L-2, position 1
    await page.focus('#view-lens canvas');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.headscope.state.pinPos === 1);
    await shownCell(page, L - 2, 1);
    now = await pageLens(page);
    assert.deepEqual(now.top, ref.top_ids[L - 2][1]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lens-page-light.png'), fullPage: true });
    // export
    const svg = await page.evaluate(() => window.headscope.exportSvg('lens'));
    assert.match(svg, /^<svg/);
    assert.ok(svg.includes('logit lens'), 'the SVG names the view');
    assert.ok(svg.includes(ref.top_tokens[L - 1][T - 1][0].replace(/&/g, '&amp;').replace(/</g, '&lt;').trim()), 'the SVG has the final top token');
    assert.ok(await page.evaluate(() => window.headscope.exportPng('lens')) > 1000);
    // a link restores the view and the cell exactly
    await new Promise((r) => setTimeout(r, 200));
    const link = await page.evaluate(() => window.headscope.pageUrl());
    assert.match(link, /view=lens/);
    const again = await openPage(browser, link, { width: 1280, height: 900, colorScheme: 'dark' });
    try {
      await again.page.waitForFunction(() => document.getElementById('view-lens').dataset.lens === 'drawn', null, { timeout: 30000 });
      await shownCell(again.page, L - 2, 1);
      const restored = await pageLens(again.page);
      assert.deepEqual(restored.top, ref.top_ids[L - 2][1]);
      assert.equal(await again.page.evaluate(() => window.headscope.state.layer), L - 2);
      await again.page.screenshot({ path: path.join(ARTIFACTS, 'lens-page-dark.png'), fullPage: true });
      assert.deepEqual(again.problems, []);
    } finally {
      await again.context.close();
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// The value-weighted rows of head (l, h) of the native CLI's run, normalised per query row.
function nativeRows(ref, l, h) {
  return ref.value_weighted[l][h].flatMap((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((x) => (sum > 0 ? x / sum : 0));
  });
}

test('the page: the value-weighted toggle draws alpha ||v W_O|| per query row in grid, head view and matrix; a link restores it', async () => {
  const { context, page, problems } = await openPage(browser, pageUrl(), { width: 1280, height: 900 });
  try {
    await page.evaluate((t) => window.headscope.setText(t), TEXT);
    await page.click('#knobs summary');
    await page.check('#knob-vw');
    await page.waitForFunction(() => window.headscope.lastResult.valueWeighted && document.getElementById('app').dataset.state === 'rendered');
    const ref = nativeRun(TEXT, ['--value-weighted']);
    const T = ref.ids.length;
    const drawn = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      return { weights: Array.from(r.weights), vw: Array.from(r.valueWeighted), alpha: Array.from(r.attention), H: r.n_head };
    });
    assert.ok(maxDiff(drawn.vw, ref.value_weighted.flat(3)) < 1e-4, 'the raw numbers are the native CLI\'s');
    assert.ok(maxDiff(drawn.alpha, ref.attention.flat(3)) < 1e-4, 'alpha is kept');
    for (let l = 0; l < ref.n_layer; l++) {
      for (let h = 0; h < ref.n_head; h++) {
        const off = (l * drawn.H + h) * T * T;
        assert.ok(maxDiff(drawn.weights.slice(off, off + T * T), nativeRows(ref, l, h)) < 1e-4, `head ${l}.${h}`);
      }
    }
    // it differs from alpha (else the toggle would show nothing new)
    assert.ok(maxDiff(drawn.weights, drawn.alpha) > 0.05);
    // the sentence on sinks in every drawn view
    for (const v of ['grid', 'head', 'matrix']) {
      await page.evaluate((name) => window.headscope.setView(name), v);
      const note = await page.evaluate((name) => {
        const p = document.querySelector(`#view-${name} .vw-note`);
        return p && !p.hidden && p.offsetParent !== null ? p.textContent : null;
      }, v);
      assert.match(note || '', /attention sink/, `the ${v} view explains sinks`);
    }
    await page.evaluate(() => window.headscope.select(1, 2));
    await afterDraw(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'value-weighted-page-light.png'), fullPage: true });
    const svg = await page.evaluate(() => window.headscope.exportSvg('matrix'));
    assert.ok(svg.includes('value-weighted'), 'the exported picture says it is value-weighted');
    await new Promise((r) => setTimeout(r, 200));
    const link = await page.evaluate(() => window.headscope.pageUrl());
    assert.match(link, /value-weighted=1/);
    const again = await openPage(browser, link, { width: 1280, height: 900, colorScheme: 'dark' });
    try {
      await again.page.waitForFunction(() => window.headscope.lastResult.valueWeighted, null, { timeout: 30000 });
      assert.equal(await again.page.isChecked('#knob-vw'), true);
      const w2 = await again.page.evaluate(() => Array.from(window.headscope.lastResult.weights));
      assert.ok(maxDiff(w2, drawn.weights) < 1e-6);
      await again.page.screenshot({ path: path.join(ARTIFACTS, 'value-weighted-page-dark.png'), fullPage: true });
      assert.deepEqual(again.problems, []);
    } finally {
      await again.context.close();
    }
    // the view's own toggle: α draws alpha again and clears the knob; α·‖v W_O‖ sets it back
    assert.equal(await page.getAttribute('#view-matrix .vw-toggle[data-vw="1"]', 'aria-pressed'), 'true');
    await page.click('#view-matrix .vw-toggle[data-vw="0"]');
    await page.waitForFunction(() => !window.headscope.lastResult.valueWeighted && document.getElementById('app').dataset.state === 'rendered');
    const off = await page.evaluate(() => { const r = window.headscope.lastResult; return r.weights === r.attention; });
    assert.equal(off, true);
    assert.equal(await page.isChecked('#knob-vw'), false);
    assert.equal(await page.getAttribute('#view-matrix .vw-toggle[data-vw="0"]', 'aria-pressed'), 'true');
    assert.equal(await page.isHidden('#view-matrix .vw-note'), true);
    await page.evaluate(() => window.headscope.setView('head'));
    await page.click('#view-head .vw-toggle[data-vw="1"]');
    await page.waitForFunction(() => window.headscope.lastResult.valueWeighted && document.getElementById('app').dataset.state === 'rendered');
    assert.equal(await page.isChecked('#knob-vw'), true);
    await page.click('#view-grid .vw-toggle[data-vw="0"]');
    await page.waitForFunction(() => !window.headscope.lastResult.valueWeighted && document.getElementById('app').dataset.state === 'rendered');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('<headscope-view view="lens"> and value-weighted="1" draw the native CLI\'s numbers', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 1200 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${server.url}course/week-3/lens.html`);
    await page.waitForFunction(() => {
      const a = document.getElementById('lens');
      const b = document.getElementById('vw');
      return a.lastResult && a.lastResult.lens && b.dataset.state === 'rendered' &&
        a.shadowRoot.querySelector('#view-lens').dataset.lens === 'drawn';
    }, null, { timeout: 60000 });
    const got = await page.evaluate(() => {
      const a = document.getElementById('lens');
      const b = document.getElementById('vw');
      return { lens: a.lastResult.lens, weights: Array.from(b.lastResult.weights), H: b.lastResult.n_head,
        note: !b.shadowRoot.querySelector('#view-matrix .vw-note').hidden };
    });
    const ref = nativeLens(TEXT);
    assert.deepEqual(got.lens.top_ids, ref.top_ids);
    assert.ok(maxDiff(got.lens.top_probs.flat(2), ref.top_probs.flat(2)) < 1e-5);
    const run = nativeRun(TEXT, ['--value-weighted']);
    const T = run.ids.length;
    const off = (1 * got.H + 2) * T * T;
    assert.ok(maxDiff(got.weights.slice(off, off + T * T), nativeRows(run, 1, 2)) < 1e-4);
    assert.equal(got.note, true, 'the element explains sinks too');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lens-element.png'), fullPage: true });
    // the element's toggle switches its attribute (and so its drawing) back to alpha
    await page.evaluate(() => document.getElementById('vw').shadowRoot.querySelector('#view-matrix .vw-toggle[data-vw="0"]').click());
    await page.waitForFunction(() => {
      const b = document.getElementById('vw');
      return !b.hasAttribute('value-weighted') && b.dataset.state === 'rendered' && !b.lastResult.valueWeighted;
    });
    assert.equal(await page.evaluate(() => { const r = document.getElementById('vw').lastResult; return r.weights === r.attention; }), true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
