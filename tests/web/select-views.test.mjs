// tests/web/select-views.test.mjs — issue 18 item 5 in the two views that show one position at a
// time (web/views/selected-queries.mjs). In headless Chromium under the strict CSP, with several
// query tokens selected: "Inside one head" shows a switch of the selected queries, says which one
// its step-by-step numbers are for, and draws each one's weights as the native CLI's attention
// row; the switch's choice is in the link (query=) and a link restores it; a hand-written link
// with sel= and no pin shows the first selected query; the next-token view shows the top-k at
// every selected position, the native CLI's final-layer lens (checked against the CLI's
// logits_last at the last position), and its exported picture has them all; the element's inside
// view gets the same switch.
// Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, openElement, afterDraw, requireNativeCli, ARTIFACTS } from './helpers.mjs';

let server;
let browser;
let model;

before(async () => ({ server, browser, model } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

const TEXT = 'When Mary and John went to the store, John gave a drink to Mary.';
const L = 1, H = 2;
const native = (args) => JSON.parse(execFileSync(requireNativeCli(), [...args, '--model', model.dir, '--text', TEXT], { maxBuffer: 1 << 28 }));

// "Inside one head" as drawn: the switch and the canvas's text alternative (weights of the shown query).
const inside = (page, root = 'document') => page.evaluate((rootSel) => {
  const doc = rootSel === 'document' ? document : document.querySelector(rootSel).shadowRoot;
  const sw = doc.querySelector('.inside-queries');
  const label = doc.querySelector('.inside-canvas').getAttribute('aria-label');
  const m = /for token (\d+): weights (.*)$/.exec(label);
  return {
    switchShown: !sw.hidden, note: sw.querySelector('.inside-queries-note').textContent,
    buttons: [...sw.querySelectorAll('[data-q]')].map((b) => [Number(b.dataset.q), b.getAttribute('aria-pressed'), b.textContent]),
    token: m && Number(m[1]), weights: m ? m[2].split(', ').map((x) => Number(x.split(' ')[1])) : [],
    shapes: doc.querySelector('.inside-shapes').textContent, title: doc.querySelector('.inside-title').textContent,
  };
}, root);

// The drawn weights of query i are the native CLI's attention row (two decimals), up to token i.
function checkRow(got, ref, i) {
  assert.equal(got.token, i);
  const row = ref.attention[L][H][i].slice(0, i + 1);
  assert.equal(got.weights.length, row.length);
  row.forEach((w, j) => assert.ok(Math.abs(got.weights[j] - w) <= 0.005 + 1e-6, `query ${i}, key ${j}: drawn ${got.weights[j]}, native ${w}`));
}

test('"Inside one head" with several queries: a switch names the one shown, each one\'s weights are the native CLI\'s; links restore it', async () => {
  const ref = native(['run']);
  const sel = [2, 5, 8];
  const { context, page, problems } = await openPage(browser, `${server.url}#text=${encodeURIComponent(TEXT)}&layer=${L}&head=${H}&view=inside&sel=${sel.join(',')}`);
  let link;
  try {
    await page.waitForFunction(() => window.headscope.lastResult.qkv && !document.querySelector('.inside-queries').hidden, null, { timeout: 30000 });
    await afterDraw(page);
    let s = await inside(page);
    assert.deepEqual(s.buttons.map(([q, pressed]) => [q, pressed]), [[2, 'true'], [5, 'false'], [8, 'false']], 'a link with sel and no pin shows the first selected query');
    assert.match(s.note, /^3 queries are selected \(the other views show their mean\)\. The numbers below are for one query at a time: query 1 of 3, token #2\./);
    assert.match(s.buttons[1][2], /^#5 “/);
    checkRow(s, ref, 2);
    for (const [k, i] of [[2, 8], [1, 5]]) {
      await page.click(`.inside-queries [data-q="${i}"]`);
      await page.waitForFunction((q) => document.querySelector('.inside-queries').dataset.shown === String(q), i);
      await afterDraw(page);
      s = await inside(page);
      checkRow(s, ref, i);
      assert.match(s.note, new RegExp(`query ${k + 1} of 3, token #${i}\\.`));
      assert.match(s.shapes, new RegExp(`query: token #${i} “`));
      assert.deepEqual(s.buttons.filter(([, p]) => p === 'true').map(([q]) => q), [i]);
      assert.deepEqual(await page.evaluate(() => window.headscope.state.selection), sel, 'the selection stays');
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'select-inside-1280.png'), fullPage: true });
    const svg = await page.evaluate(() => window.headscope.exportSvg('inside'));
    assert.match(svg, /one of 3 queries \(#2, #5, #8\) selected/);
    assert.match(svg, /query: token #5 “/);
    // Tab reaches the switch's buttons; Enter picks one
    await page.focus('.inside-queries [data-q="5"]');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.inside-queries').dataset.shown === '2');
    await page.click('.inside-queries [data-q="5"]');
    await page.waitForFunction(() => /query=5/.test(location.hash) && /sel=2%2C5%2C8|sel=2,5,8/.test(location.hash));
    link = await page.evaluate(() => location.hash);
    // a query chosen outside the selection (the Query token list) is said to be outside it
    await page.selectOption('#inside-query', '10');
    await page.waitForFunction(() => document.querySelector('.inside-queries').dataset.shown === '10');
    s = await inside(page);
    assert.match(s.note, /the numbers below are for token #10, which is not one of them/);
    assert.deepEqual(s.buttons.filter(([, p]) => p === 'true'), []);
    checkRow(s, ref, 10);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const restored = await openPage(browser, server.url + link);
  try {
    await restored.page.waitForFunction(() => window.headscope.lastResult.qkv && document.querySelector('.inside-queries').dataset.shown === '5', null, { timeout: 30000 });
    await afterDraw(restored.page);
    const s = await inside(restored.page);
    assert.deepEqual(s.buttons.filter(([, p]) => p === 'true').map(([q]) => q), [5]);
    checkRow(s, ref, 5);
    assert.deepEqual(restored.problems, []);
  } finally {
    await restored.context.close();
  }
});

test('the next-token view with several queries: the top-k at every selected position, the native CLI\'s numbers', async () => {
  const run = native(['run']);
  const lens = native(['lens', '--top', '5']);
  const last = lens.n_layer - 1;
  // (the lens's last layer is the model's own prediction: checked against the run's logits_last)
  const T = run.ids.length;
  const logits = run.logits_last;
  const mx = Math.max(...logits);
  const z = logits.reduce((s, x) => s + Math.exp(x - mx), 0);
  lens.top_ids[last][T - 1].forEach((id, q) => assert.ok(Math.abs(Math.exp(logits[id] - mx) / z - lens.top_probs[last][T - 1][q]) < 1e-5));
  const sel = [1, 4, 9, T - 1];
  const { context, page, problems } = await openPage(browser, `${server.url}#text=${encodeURIComponent(TEXT)}&view=next&sel=${sel.join(',')}&pin=4`);
  try {
    await page.waitForFunction((want) => document.getElementById('view-next').dataset.positions === want, sel.join(','), { timeout: 30000 });
    await afterDraw(page);
    const shown = await page.evaluate(() => ({
      where: document.getElementById('next-where').textContent, single: !document.getElementById('next-list').hidden,
      blocks: [...document.querySelectorAll('#next-multi > .next-at')].map((b) => ({
        pos: Number(b.dataset.pos), where: b.querySelector('.next-at-where').textContent, actual: b.querySelector('.next-actual').textContent,
        rows: [...b.querySelectorAll('.next-list li')].map((li) => ({ id: Number(li.dataset.id), p: Number(li.dataset.p), text: li.querySelector('.next-p').textContent, actual: li.classList.contains('actual') })),
      })),
    }));
    assert.equal(shown.single, false, 'the one-position list is hidden');
    assert.match(shown.where, new RegExp(`^the top 5 after each of the 4 selected tokens \\(#${sel.join(', #')}\\)$`));
    assert.deepEqual(shown.blocks.map((b) => b.pos), sel);
    for (const b of shown.blocks) {
      assert.deepEqual(b.rows.map((r) => r.id), lens.top_ids[last][b.pos], `position ${b.pos}: the native top 5`);
      b.rows.forEach((r, q) => assert.ok(Math.abs(r.p - lens.top_probs[last][b.pos][q]) <= 1e-4, `position ${b.pos}, #${q}: ${r.p} vs ${lens.top_probs[last][b.pos][q]}`));
      assert.match(b.where, new RegExp(`\\(token #${b.pos}\\)$`));
      if (b.pos + 1 < T) {
        assert.match(b.actual, /^actually next: “.*” .*% · rank \d+$/);
        b.rows.forEach((r) => assert.equal(r.actual, r.id === run.ids[b.pos + 1]));
      } else assert.equal(b.actual, 'end of the text');
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'select-next-1280.png'), fullPage: false });
    // the exported picture: every selected position's top 5 with its probabilities
    const svg = await page.evaluate(() => window.headscope.exportSvg('next'));
    fs.writeFileSync(path.join(ARTIFACTS, 'select-next.svg'), svg);
    assert.match(svg, new RegExp(`4 selected positions \\(#${sel.join(', #')}\\)`));
    assert.doesNotMatch(svg, /mean of/, 'the predictions are per position, not a mean');
    for (const b of shown.blocks) {
      assert.match(svg, new RegExp(`\\(token #${b.pos}\\)</text>`));
      for (const r of b.rows) assert.ok(svg.includes(`>${r.text}</text>`), `position ${b.pos}: ${r.text} in the picture`);
    }
    assert.ok(await page.evaluate(() => window.headscope.exportPng('next')) > 1000);
    // Escape: one position again
    await page.focus('#text');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('next-list').hidden && document.getElementById('next-multi').hidden);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the element\'s "Inside one head" gets the switch when its strip selects several queries', async () => {
  const ref = native(['run']);
  const { context, page, problems } = await openElement(browser, server.url, 'ins', { text: TEXT, view: 'inside', layer: String(L), head: String(H) }, { height: 900 });
  try {
    await page.locator('#ins .chip-tok[data-i="3"]').click();
    await page.locator('#ins .chip-tok[data-i="7"]').click({ modifiers: ['Control'] });
    await page.mouse.move(0, 0);
    await page.waitForFunction(() => !document.getElementById('ins').shadowRoot.querySelector('.inside-queries').hidden);
    await afterDraw(page);
    let s = await inside(page, '#ins');
    assert.deepEqual(s.buttons.map(([q, p]) => [q, p]), [[3, 'true'], [7, 'false']]);
    checkRow(s, ref, 3);
    await page.locator('#ins .inside-queries [data-q="7"]').click();
    await page.waitForFunction(() => document.getElementById('ins').shadowRoot.querySelector('.inside-queries').dataset.shown === '7');
    await afterDraw(page);
    s = await inside(page, '#ins');
    checkRow(s, ref, 7);
    const link = await page.evaluate(() => decodeURIComponent(document.getElementById('ins').shadowRoot.querySelector('.hs-open').href));
    assert.match(link, /view=inside/);
    assert.match(link, /sel=3,7/);
    assert.match(link, /query=7/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
