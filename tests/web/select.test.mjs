// tests/web/select.test.mjs — issue 18 item 5, several query tokens at once, in
// headless Chromium under the strict CSP: shift-click selects a span of the token
// strip, ctrl-click adds or removes one, Shift+Enter / Ctrl+Enter do the same from
// the keyboard; the views say "mean of N queries" and the head view's weights are
// the mean of the selected rows of the run's own attention; a link restores the
// selection exactly; the element's strip does the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, openElement, afterDraw, ARTIFACTS } from './helpers.mjs';

let server;
let browser;

before(async () => ({ server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

const TEXT = 'When Mary and John went to the store, John gave a drink to Mary.';

// The head view's right-hand weights (data-w) and the mean of the selected rows at layer/head.
const weights = (page) => page.evaluate(() => {
  const r = window.headscope.lastResult;
  const s = window.headscope.state;
  const { T, n_head: H } = r;
  const want = [];
  for (let j = 0; j < T; j++) {
    let m = 0;
    for (const i of s.selection) m += j <= i ? r.attention[((s.layer * H + s.head) * T + i) * T + j] : 0;
    want.push(m / s.selection.length);
  }
  const got = [...document.querySelectorAll('#view-head .tok-col')[1].children].map((li) => (li.dataset.w ? Number(li.dataset.w) : null));
  return { want, got, title: document.getElementById('headview-title').textContent,
    matrix: document.getElementById('matrix-title').textContent, grid: document.querySelector('#view-grid h2').textContent };
});

function checkWeights({ want, got }) {
  for (let j = 0; j < want.length; j++) {
    if (want[j] < 0.01) assert.equal(got[j], null, `token ${j}: no weight shown under 0.01`);
    else assert.ok(Math.abs(got[j] - want[j]) <= 0.005 + 1e-9, `token ${j}: shown ${got[j]}, mean of the rows ${want[j]}`);
  }
}

test('shift-click, ctrl-click and the keyboard select several queries; the views show their mean; a link restores it', async () => {
  const { context, page, problems } = await openPage(browser, `${server.url}#text=${encodeURIComponent(TEXT)}&layer=1&head=2&view=head`);
  let link;
  let before;
  try {
    const chip = (i) => page.locator(`#tokens .chip-tok[data-i="${i}"]`);
    await chip(2).click();
    await chip(5).click({ modifiers: ['Shift'] });
    let s = await page.evaluate(() => window.headscope.state.selection);
    assert.deepEqual(s, [2, 3, 4, 5]);
    await afterDraw(page); // (the views redraw at the next animation frame)
    let w = await weights(page);
    assert.match(w.title, /Head view · layer 1 · head 2 · mean of 4 queries$/);
    assert.match(w.grid, /All heads · mean of 4 queries/);
    checkWeights(w);
    await chip(3).click({ modifiers: ['Control'] });
    s = await page.evaluate(() => window.headscope.state.selection);
    assert.deepEqual(s, [2, 4, 5]);
    // the keyboard: Ctrl+Enter on a focused chip adds it
    await chip(8).focus();
    await page.keyboard.press('Control+Enter');
    await page.mouse.move(0, 0); // (no hover)
    s = await page.evaluate(() => window.headscope.state.selection);
    assert.deepEqual(s, [2, 4, 5, 8]);
    await chip(8).evaluate((el) => el.blur());
    await afterDraw(page);
    w = await weights(page);
    assert.match(w.title, /mean of 4 queries$/);
    checkWeights(w);
    assert.equal(await page.locator('#tokens .chip-tok.selected').count(), 4);
    await page.screenshot({ path: path.join(ARTIFACTS, 'select-mean-head-1280.png'), fullPage: false });
    await page.waitForTimeout(150);
    link = await page.evaluate(() => location.hash);
    assert.match(decodeURIComponent(link), /sel=2,4,5,8/);
    before = w;
    // Shift+Enter selects a span from the pinned token
    await chip(4).focus();
    await page.keyboard.press('Shift+Enter');
    s = await page.evaluate(() => window.headscope.state.selection);
    assert.deepEqual(s, [2, 3, 4]);
    // Escape: back to one query
    await page.keyboard.press('Escape');
    s = await page.evaluate(() => window.headscope.state.selection);
    assert.deepEqual(s, []);
    // (the views redraw at the next animation frame)
    await page.waitForFunction(() => !/mean of/.test(document.getElementById('headview-title').textContent), null, { timeout: 5000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const restored = await openPage(browser, server.url + link);
  try {
    await restored.page.mouse.move(0, 0);
    await afterDraw(restored.page);
    const s = await restored.page.evaluate(() => window.headscope.state.selection);
    assert.deepEqual(s, [2, 4, 5, 8]);
    const w = await weights(restored.page);
    assert.equal(w.title, before.title);
    assert.deepEqual(w.got, before.got);
    await restored.page.evaluate(() => window.headscope.setView('matrix'));
    await afterDraw(restored.page);
    // (a view shown for the first time draws at the next animation frame)
    await restored.page.waitForFunction(() => document.getElementById('matrix-title').textContent !== 'Matrix', null, { timeout: 5000 });
    assert.match((await weights(restored.page)).matrix, /Matrix · layer 1 · head 2 · mean of 4 queries/);
    await restored.page.evaluate(() => window.headscope.setView('head'));
    await afterDraw(restored.page);
    const svg = await restored.page.evaluate(() => window.headscope.exportSvg());
    fs.writeFileSync(path.join(ARTIFACTS, 'select-mean-head.svg'), svg);
    assert.match(svg, /mean of 4 queries \(#2, #4, #5, #8\)/);
    await restored.page.screenshot({ path: path.join(ARTIFACTS, 'select-mean-matrix-1280.png'), fullPage: false });
    assert.deepEqual(restored.problems, []);
  } finally {
    await restored.context.close();
  }
});

test('the element: ctrl-click in its strip selects several queries; its link carries them', async () => {
  const { context, page, problems } = await openElement(browser, server.url, 'sel', { text: TEXT, view: 'head' }, { height: 800 });
  try {
    const chip = (i) => page.locator(`#sel .chip-tok[data-i="${i}"]`);
    await chip(1).click();
    await chip(6).click({ modifiers: ['Control'] });
    await page.mouse.move(0, 0);
    await afterDraw(page);
    const s = await page.evaluate(() => {
      const el = document.getElementById('sel');
      return { sel: el.controller.state.selection, title: el.shadowRoot.getElementById('headview-title').textContent,
        link: el.shadowRoot.querySelector('.hs-open').href };
    });
    assert.deepEqual(s.sel, [1, 6]);
    assert.match(s.title, /mean of 2 queries$/);
    assert.match(decodeURIComponent(s.link), /sel=1,6/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'select-element-900.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
