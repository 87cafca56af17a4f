// tests/web/reveal.test.mjs — the reveal.js example deck (examples/reveal/) with
// <headscope-view> elements on its slides, laid out as a course author's deck
// is: node_modules/reveal.js (npm reveal.js) and node_modules/headscope (the npm
// package, packed by package/make-package.mjs and unpacked) next to index.html,
// under the deck's own strict CSP. Checked: an element on a slide reveal.js
// keeps at display: none computes but draws and fires headscope:rendered only
// when its slide is shown (Reveal.slide), at the slide's full width; after a
// window resize reveal.js rescales the slides and every canvas's backing store
// follows the on-screen scale (sharp: canvas pixels = CSS pixels x scale), also
// for an element that was hidden during the resize; no CSP violation, no page
// error. Engines: the ones tests/web/engines.mjs runs (HEADSCOPE_ENGINES).
// Screenshots: tests/artifacts/<engine>-reveal-{head,grid-small,grid-large}.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, defaultModel, startServer } from './helpers.mjs';
import { enginesToRun, launchEngine, artifact } from './engines.mjs';
import { makePackage } from '../../package/make-package.mjs';

const DECK = path.join(ROOT, 'examples/reveal');
const GRID_SLIDE = 5; // examples/reveal/index.html: the grid's slide, beyond reveal.js's view distance from slide 0

// Loaded first: CSP violations, and where the deck was at each element's first
// headscope:rendered (a file: the deck's policy runs no inline script).
const RECORDER = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.firstRendered = {};
document.addEventListener('headscope:rendered', (e) => {
  if (window.firstRendered[e.target.id]) return;
  const c = e.target.shadowRoot.querySelector('section:not([hidden]) canvas');
  window.firstRendered[e.target.id] = { slide: window.deck ? window.deck.getIndices().h : null,
    cssWidth: c ? c.getBoundingClientRect().width : 0 };
}, true);
`;

// The view's canvas: its CSS width on screen, its layout width, its backing width; the deck's scale.
const canvasOf = (page, id) => page.evaluate((elId) => {
  const el = document.getElementById(elId);
  const c = el.shadowRoot.querySelector('section:not([hidden]) canvas');
  return { state: el.dataset.state, box: el.getClientRects().length > 0, scale: window.deck.getScale(),
    dpr: window.devicePixelRatio, width: c.width, layoutWidth: c.offsetWidth, screenWidth: c.getBoundingClientRect().width,
    text: el.lastResult ? el.lastResult.tokens.join('') : null };
}, id);

// sharp: the backing store has a pixel per screen pixel (within rounding)
function assertSharp(c, what) {
  const want = c.layoutWidth * c.dpr * c.scale;
  assert.ok(Math.abs(c.width - want) <= 2, `${what}: canvas ${c.width} px for ${c.layoutWidth} CSS px x dpr ${c.dpr} x deck scale ${c.scale} (${want})`);
  assert.ok(Math.abs(c.screenWidth - c.layoutWidth * c.scale) <= 2, `${what}: on screen ${c.screenWidth} = layout x scale`);
}

async function resizeWindow(page, width, height) {
  if (page.engine === 'chromium') return page.page.setViewportSize({ width, height });
  if (page.engine === 'firefox') return page.page.setViewport({ width, height });
  // webkit: the window is the viewport plus MiniBrowser's toolbar
  const inner = await page.evaluate(() => [innerWidth, innerHeight]);
  const rect = await page.session.manage().window().getRect();
  return page.session.manage().window().setRect({ width: rect.width + width - inner[0], height: rect.height + height - inner[1] });
}

describe('the reveal.js example deck', { timeout: 900000 }, () => {
  let tmp;
  let server;
  defaultModel(); // (a bundled model, or the dev one)

  before(async () => {
    tmp = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'headscope-reveal-'));
    const { tarball } = makePackage(path.join(tmp, 'packed'));
    const site = path.join(tmp, 'deck');
    fs.mkdirSync(path.join(site, 'node_modules/headscope'), { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', path.join(site, 'node_modules/headscope'), '--strip-components=1']);
    fs.symlinkSync(path.join(ROOT, 'node_modules/reveal.js'), path.join(site, 'node_modules/reveal.js'), 'dir');
    for (const f of fs.readdirSync(DECK)) if (f !== 'index.html' && f !== 'README.md') fs.copyFileSync(path.join(DECK, f), path.join(site, f));
    const html = fs.readFileSync(path.join(DECK, 'index.html'), 'utf8');
    assert.match(html, /<title>/);
    fs.writeFileSync(path.join(site, 'record.js'), RECORDER);
    fs.writeFileSync(path.join(site, 'index.html'), html.replace('<title>', '<script src="record.js"></script>\n<title>'));
    server = await startServer({ csp: false, root: site }); // the deck's <meta> policy applies
  });

  after(async () => {
    if (server) await server.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const name of enginesToRun()) {
    describe(name, { timeout: 600000 }, () => {
      let engine;
      before(async () => { engine = await launchEngine(name); });
      after(() => engine && engine.close());

      test(`${name}: elements draw when their slide is shown, at the slide's width, and stay sharp when reveal.js rescales`, async () => {
        const page = await engine.newPage({ width: 1280, height: 800 });
        try {
          await page.goto(`${server.url}index.html`);
          await page.waitFor(() => window.deck && window.deck.isReady() && document.getElementById('head-view').dataset.state === 'rendered',
            null, { timeout: 90000 });
          // the grid's slide is at display: none: its element has run, but not drawn or said "rendered"
          await page.waitFor(() => document.getElementById('grid-view').lastResult, null, { timeout: 90000 });
          const hidden = await page.evaluate(() => {
            const el = document.getElementById('grid-view');
            return { box: el.getClientRects().length, state: el.dataset.state, first: window.firstRendered['grid-view'] || null };
          });
          assert.deepEqual(hidden, { box: 0, state: 'running', first: null }, 'an element on a hidden slide waits for its slide');

          await page.evaluate(() => window.deck.slide(1));
          const head = await canvasOf(page, 'head-view');
          assert.ok(head.box && head.layoutWidth > 300, `head view drawn at its width (${head.layoutWidth})`);
          assertSharp(head, 'head view at slide 1');
          await page.screenshot(artifact(name, 'reveal-head.png'));

          await page.evaluate((i) => window.deck.slide(i), GRID_SLIDE);
          await page.waitFor(() => document.getElementById('grid-view').dataset.state === 'rendered');
          const first = await page.evaluate(() => window.firstRendered['grid-view']);
          assert.equal(first.slide, GRID_SLIDE, 'the grid said "rendered" once its slide was shown');
          const small = await canvasOf(page, 'grid-view');
          assert.equal(small.text, 'Alice met Bob at the station, and later Alice thanked Bob.');
          assert.ok(Math.abs(first.cssWidth - small.screenWidth) <= 1, `at the event the grid had its final width (${first.cssWidth} vs ${small.screenWidth})`);
          assert.ok(small.layoutWidth > 400, `grid drawn at the slide's width (${small.layoutWidth})`);
          assertSharp(small, 'grid before the resize');
          await page.screenshot(artifact(name, 'reveal-grid-small.png'));

          // a bigger window: reveal.js scales the slides up; the canvases follow
          await resizeWindow(page, 1800, 1200);
          await page.waitFor((s) => window.deck.getScale() > s + 0.2, small.scale, { timeout: 30000 });
          const large = await page.waitFor(() => {
            const c = document.getElementById('grid-view').shadowRoot.querySelector('section:not([hidden]) canvas');
            const want = c.offsetWidth * devicePixelRatio * window.deck.getScale();
            return Math.abs(c.width - want) <= 2 && want;
          }, null, { timeout: 30000 });
          assert.ok(large > small.width * 1.2, `the grid redrew at the larger scale (${small.width} -> ${Math.round(large)} px)`);
          const big = await canvasOf(page, 'grid-view');
          assert.equal(big.layoutWidth, small.layoutWidth, 'same layout width: the slide is scaled, not re-laid out');
          assertSharp(big, 'grid after the resize');
          await page.screenshot(artifact(name, 'reveal-grid-large.png'));

          // the head view was hidden during the resize: shown again, it is drawn at the new scale
          await page.evaluate(() => window.deck.slide(1));
          await page.waitFor(() => {
            const c = document.getElementById('head-view').shadowRoot.querySelector('section:not([hidden]) canvas');
            return Math.abs(c.width - c.offsetWidth * devicePixelRatio * window.deck.getScale()) <= 2;
          }, null, { timeout: 30000 });
          assertSharp(await canvasOf(page, 'head-view'), 'head view after the resize');

          assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'no CSP violation');
          assert.deepEqual(await page.errors(), []);
        } finally {
          await page.close();
        }
      });
    });
  }
});
