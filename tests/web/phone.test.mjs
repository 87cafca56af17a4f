// tests/web/phone.test.mjs — issue 19, item 3: phones and touch, in headless
// Chromium emulating a phone (playwright: hasTouch, isMobile) at 360, 390 and 430
// CSS px wide, under the strict CSP: no horizontal overflow of the page in any
// view (a long text's matrix scrolls inside its own wrapper); every interactive
// element at least 24x24 CSS px (WCAG 2.2, 2.5.8), measured one by one with the
// Knobs, Continue, the Hub panel and the roles' help open; hints that say "tap"
// on a touch screen (and still "click"/"hover" with a mouse); tooltips that
// follow taps and go away (a tap on the grid opens the head view with no tooltip
// left over it; a second tap on the same spot, a tap elsewhere, a scroll); the
// Hub panel says a big download's size and waits for Download (Cancel stores
// nothing); the <headscope-view> element's hints and tooltip likewise; screenshots
// at 390x844, light and dark, in tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, startServer, ARTIFACTS, ROOT } from './helpers.mjs';
import { startHubStandin } from './hub-standin.mjs';
import { TAP_WORDING } from '../../web/touch.mjs';
import { ASK_ABOVE } from '../../web/panels/hub-panel.mjs';

let suite;
const WIDTHS = [360, 390, 430];
const VIEWS = ['grid', 'head', 'matrix', 'inside', 'next', 'lens'];
const LONG_TEXT = Array.from({ length: 12 }, (_, i) => `Sentence ${i} goes on about the cat and the mat.`).join(' ');

before(async () => { suite = await openBrowserSuite(); });
after(async () => { await closeBrowserSuite(suite || {}); });

async function openPhone(width, { colorScheme = 'light', url = suite.server.url, touch = true } = {}) {
  const context = await suite.browser.newContext({
    viewport: { width, height: 844 }, deviceScaleFactor: 1, colorScheme, hasTouch: touch, isMobile: touch,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
  return { context, page, problems };
}

// Taps a view's tab and waits until that view has drawn this run.
async function showView(page, view) {
  await page.tap(`#tab-${view}`);
  await page.waitForFunction((v) => document.querySelector('#app').dataset.view === v &&
    document.querySelector('#app').dataset.state === 'rendered' &&
    !document.querySelector(`.view-${v}`).hidden, view, { timeout: 30000 });
  // the views draw on the next animation frame
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// Every interactive element on screen under 24x24 CSS px: "tag#id.class WxH".
// host: an element id whose shadow root to measure instead of the document.
function smallTargets(page, host = null) {
  return page.evaluate((id) => {
    const root = id ? document.getElementById(id).shadowRoot : document;
    const sel = 'button, select, input, textarea, summary, a[href], [role=tab], [role=option], [tabindex]:not([tabindex="-1"]), .tok-col li, .chip-tok';
    return [...root.querySelectorAll(sel)]
      .filter((e) => e.checkVisibility({ visibilityProperty: true }) && !e.closest('.visually-hidden') && e.getClientRects().length)
      .map((e) => [e, e.getBoundingClientRect()])
      .filter(([, b]) => b.width < 24 || b.height < 24)
      .map(([e, b]) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${b.width.toFixed(1)}x${b.height.toFixed(1)}`);
  }, host);
}

const overflow = (page) => page.evaluate(() => ({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth }));

test('360, 390, 430 px: no horizontal overflow in any view; every target at least 24x24 px', async () => {
  for (const width of WIDTHS) {
    const { context, page, problems } = await openPhone(width);
    try {
      await page.evaluate(() => {
        for (const id of ['knobs', 'generate', 'role-help', 'hub-panel']) document.getElementById(id).open = true;
      });
      for (const view of VIEWS) {
        await showView(page, view);
        const o = await overflow(page);
        assert.ok(o.scrollWidth <= o.innerWidth, `${width} px, ${view}: the page scrolls sideways (${o.scrollWidth} > ${o.innerWidth})`);
        const small = await smallTargets(page);
        assert.deepEqual(small, [], `${width} px, ${view}: targets under 24x24 px`);
      }
      // how many were measured (not a vacuous pass)
      const measured = await page.$$eval('button, select, input, summary, .chip-tok', (els) => els.filter((e) => e.checkVisibility()).length);
      assert.ok(measured > 60, `measured ${measured} targets`);
      // a long text: the matrix is wider than the phone and scrolls inside its wrapper, the page does not
      await page.evaluate(() => { document.getElementById('knobs').open = false; });
      await page.fill('#text', '');
      await page.fill('#text', LONG_TEXT);
      await page.waitForFunction(() => document.querySelector('#app').dataset.state === 'rendered' &&
        Number(document.querySelector('.tok-count')?.textContent.match(/\d+/)?.[0]) > 100, null, { timeout: 30000 });
      await showView(page, 'matrix');
      const wrap = await page.$eval('.matrix-wrap', (w) => ({ scrollWidth: w.scrollWidth, clientWidth: w.clientWidth }));
      assert.ok(wrap.scrollWidth > wrap.clientWidth, `the matrix is wider than its wrapper: ${JSON.stringify(wrap)}`);
      const o = await overflow(page);
      assert.ok(o.scrollWidth <= o.innerWidth, `${width} px, long matrix: the page scrolls sideways (${o.scrollWidth} > ${o.innerWidth})`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

// The visible hint texts of the page.
const hints = (page) => page.$$eval('.hint, .next-where, .view-header p', (els) =>
  els.filter((e) => e.checkVisibility()).map((e) => e.textContent));

test('hints say "tap" on a touch screen, and "click"/"hover" with a mouse', async () => {
  const { context, page, problems } = await openPhone(390);
  const desktop = await openPhone(1280, { touch: false });
  try {
    assert.equal(await page.evaluate(() => matchMedia('(hover: none)').matches), true, 'the phone cannot hover');
    const seen = [];
    for (const view of VIEWS) {
      await showView(page, view);
      for (const t of await hints(page)) {
        seen.push(t);
        assert.doesNotMatch(t, /\b(hover|click)/i, `${view}: "${t}"`);
      }
    }
    const knobsHint = await page.$eval('.knob-group .hint', (e) => e.textContent);
    assert.doesNotMatch(knobsHint, /click/, knobsHint);
    assert.ok(seen.some((t) => t.includes('tap a head to focus it')), seen.join(' | '));
    assert.ok(seen.some((t) => t.includes('tap for the exact value')), seen.join(' | '));
    // with a mouse, the same hints name the mouse
    const mouseHints = await desktop.page.$$eval('.hint', (els) => els.map((e) => e.textContent).join(' | '));
    for (const [mouse] of TAP_WORDING.slice(0, 2)) assert.ok(mouseHints.includes(mouse), `desktop keeps "${mouse}"`);
    assert.deepEqual([...problems, ...desktop.problems], []);
  } finally {
    await context.close();
    await desktop.context.close();
  }
});

test('the <headscope-view> element on a phone: "tap" in its hints, 24 px targets, tooltips that go away', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${suite.server.url}embed.html`);
    await page.evaluate(() => {
      document.body.replaceChildren();
      const el = document.createElement('headscope-view');
      el.id = 'e';
      el.setAttribute('text', 'The cat sat on the mat. The cat sat on the mat.');
      el.setAttribute('view', 'matrix');
      el.setAttribute('editable', '');
      document.body.append(el);
    });
    await page.waitForFunction(() => document.getElementById('e').dataset.state === 'rendered', null, { timeout: 60000 });
    const texts = await page.evaluate(() => [...document.getElementById('e').shadowRoot.querySelectorAll('.hint')].map((h) => h.textContent));
    assert.ok(texts.some((t) => t.includes('tap for the exact value')), texts.join(' | '));
    for (const t of texts) assert.doesNotMatch(t, /\b(hover|click)/i, t);
    assert.deepEqual(await smallTargets(page, 'e'), [], 'the element\'s targets under 24x24 px');
    const o = await overflow(page);
    assert.ok(o.scrollWidth <= o.innerWidth, `the element scrolls the page sideways (${o.scrollWidth} > ${o.innerWidth})`);
    // a tap on the matrix shows its tooltip, a tap on the element's sentence hides it
    const shown = () => page.evaluate(() => !document.getElementById('e').shadowRoot.querySelector('.tooltip').hidden);
    const box = await page.evaluate(() => {
      const c = document.getElementById('e').shadowRoot.querySelector('.matrix-canvas');
      c.scrollIntoView({ block: 'center' });
      const r = c.getBoundingClientRect();
      return { x: r.left + r.width * 0.8, y: r.top + r.height * 0.9 };
    });
    await page.touchscreen.tap(box.x, box.y);
    await page.waitForFunction(() => !document.getElementById('e').shadowRoot.querySelector('.tooltip').hidden, null, { timeout: 5000 });
    const away = await page.evaluate(() => {
      const r = document.getElementById('e').shadowRoot.querySelector('.hint').getBoundingClientRect();
      return { x: r.left + 4, y: r.top + r.height / 2 };
    });
    await page.touchscreen.tap(away.x, away.y);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    assert.equal(await shown(), false, 'a tap elsewhere in the element hides its tooltip');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

const tooltipShown = (page) => page.$eval('#tooltip', (t) => !t.hidden);
async function tapCanvas(page, selector, fx, fy) {
  await page.$eval(selector, (c) => c.scrollIntoView({ block: 'center' }));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
  const box = await (await page.$(selector)).boundingBox();
  const x = box.x + Math.min(box.width - 2, Math.max(2, box.width * fx));
  const y = box.y + Math.min(box.height - 2, Math.max(2, box.height * fy));
  await page.touchscreen.tap(x, y);
  // the tap's emulated mouse events, the click and the next frame
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return { x, y };
}

test('tooltips follow taps and go away: the grid opens the head view with none left; second tap, tap elsewhere, scroll', async () => {
  const { context, page, problems } = await openPhone(390);
  try {
    // a tap on a grid cell focuses that head and (on a phone) opens the head view: no tooltip over it
    await showView(page, 'grid');
    await page.$eval('.grid-canvas', (c) => c.scrollIntoView({ block: 'center' }));
    const cell = await page.evaluate(() => { // the middle of layer 0, head 1 (web/views/grid.mjs: 30 px of labels left, 18 above, 4 px gaps)
      const H = window.headscope.lastResult.n_head;
      const rect = document.querySelector('.grid-canvas').getBoundingClientRect();
      const size = (rect.width - 30 - 4 * (H - 1)) / H;
      return { x: rect.left + 30 + size + 4 + size / 2, y: rect.top + 18 + size / 2 };
    });
    await page.touchscreen.tap(cell.x, cell.y);
    await page.waitForFunction(() => document.querySelector('#app').dataset.view === 'head', null, { timeout: 10000 });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await tooltipShown(page), false, 'the grid\'s tooltip is not left over the head view');

    // the matrix: a tap shows the cell's value, a second tap on the same spot hides it
    await showView(page, 'matrix');
    const first = await tapCanvas(page, '.matrix-canvas', 0.7, 0.8);
    assert.equal(await tooltipShown(page), true, 'a tap shows the tooltip');
    const text = await page.$eval('#tooltip', (t) => t.textContent);
    assert.match(text, /\d/, `the tooltip says the value: ${text}`);
    await page.touchscreen.tap(first.x, first.y);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await tooltipShown(page), false, 'a second tap on the same spot hides it');
    // it follows the tap: another cell shows its own value
    await tapCanvas(page, '.matrix-canvas', 0.9, 0.95);
    assert.equal(await tooltipShown(page), true, 'a tap on another cell shows it again');
    assert.notEqual(await page.$eval('#tooltip', (t) => t.textContent), '', 'with text');
    // a tap elsewhere (the view's heading) hides it
    const heading = await (await page.$('.view-matrix h2')).boundingBox();
    await page.touchscreen.tap(heading.x + 5, heading.y + heading.height / 2);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
    assert.equal(await tooltipShown(page), false, 'a tap elsewhere hides it');
    // a scroll hides it
    await tapCanvas(page, '.matrix-canvas', 0.7, 0.8);
    assert.equal(await tooltipShown(page), true);
    await page.evaluate(() => window.scrollBy(0, 60));
    await page.waitForFunction(() => document.querySelector('#tooltip').hidden, null, { timeout: 5000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('screenshots at 390x844, light and dark (tests/artifacts/phone-390-*.png)', async () => {
  for (const colorScheme of ['light', 'dark']) {
    const { context, page, problems } = await openPhone(390, { colorScheme });
    try {
      await showView(page, 'grid');
      await page.screenshot({ path: path.join(ARTIFACTS, `phone-390-${colorScheme}.png`) });
      await showView(page, 'head');
      await page.screenshot({ path: path.join(ARTIFACTS, `phone-390-${colorScheme}-head.png`), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('a Hub model over 50 MB: its size, then nothing until Download (Cancel stores nothing)', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-phone-'));
  let hub;
  let server;
  try {
    // a random GPT-2 of ~56 MB (F32: 1 layer, d=256, GPT-2's vocabulary)
    const dir = path.join(tmp, 'big');
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/reference/make_checkpoint.py'), dir,
      '--layers', '1', '--heads', '4', '--embd', '256', '--positions', '64'], { stdio: 'ignore' });
    const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    assert.ok(bytes > ASK_ABOVE, `the fixture is over ${ASK_ABOVE} bytes (${bytes})`);
    hub = await startHubStandin({ repos: { 'test/big': { dir } } });
    const env = process.env.HEADSCOPE_HUB_ORIGINS;
    process.env.HEADSCOPE_HUB_ORIGINS = `${hub.url} ${hub.cdnUrl}`;
    try { server = await startServer({ csp: true }); } finally {
      if (env === undefined) delete process.env.HEADSCOPE_HUB_ORIGINS;
      else process.env.HEADSCOPE_HUB_ORIGINS = env;
    }
    const url = `${server.url}index.html#model=${encodeURIComponent('hf:test/big')}&hub=${encodeURIComponent(hub.url)}`;
    const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    try {
      const weightRequests = () => hub.requests.filter((r) => r.path.endsWith('model.safetensors') && !/^bytes=\d+-\d+$/.test(r.range || ''));
      // the question, with the size in MB the plan read from the Hub's listing
      await page.goto(url);
      await page.waitForFunction(() => !document.querySelector('#hub-confirm').hidden, null, { timeout: 30000 });
      const question = await page.$eval('#hub-progress-text', (e) => e.textContent);
      assert.match(question, new RegExp(`test/big: ${(bytes / 1e6).toFixed(0)} MB to download \\(4 files\\)`), question);
      await page.waitForTimeout(500);
      assert.deepEqual(weightRequests(), [], 'no weights fetched before the answer');
      // Cancel: nothing stored, the bundled model on screen
      await page.tap('#hub-cancel');
      await page.waitForFunction(() => !document.querySelector('#hub-error').hidden, null, { timeout: 10000 });
      assert.match(await page.$eval('#hub-error', (e) => e.textContent), /cancelled: nothing was stored/);
      await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
      assert.deepEqual(await page.evaluate(() => window.headscope.client.hubStored()), []);
      assert.deepEqual(weightRequests(), []);
      // again, and Download: the model opens
      await page.evaluate(() => { document.getElementById('hub-panel').open = true; });
      await page.fill('#hub-repo', 'test/big');
      await page.tap('#hub-open');
      await page.waitForFunction(() => !document.querySelector('#hub-confirm').hidden, null, { timeout: 30000 });
      await page.tap('#hub-confirm');
      await page.waitForFunction(() => document.querySelector('#app').dataset.state === 'rendered' &&
        document.querySelector('#model-info').textContent.includes('test/big'), null, { timeout: 120000 });
      assert.equal(weightRequests().filter((r) => r.on === 'cdn').length, 1, 'the weights fetched once, after Download');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  } finally {
    if (server) await server.close();
    if (hub) await hub.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
