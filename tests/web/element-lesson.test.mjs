// tests/web/element-lesson.test.mjs — issue 18, item 7 in the element: <headscope-view lesson>
// shows the page's guided lesson (web/panels/lesson.mjs over web/lesson/lesson-steps.mjs)
// inside its shadow root and drives that element's own state. In headless Chromium under the
// strict CSP, on a course page with two elements: Next opens "Inside one head" in the element
// (its view attribute, its own drawn inside view, the last token pinned); the no-scale step
// sets the element's scale attribute and its run is the native CLI's --no-scale run; the role
// step selects the native CLI's strongest previous-token head; Back undoes a step's knob; Skip
// closes the panel and puts the element's knob attributes back as they were; the other
// element's step, view, head and knobs do not move; each element remembers its own step
// (localStorage per id: lesson without a number resumes there after a reload); an element
// without an id remembers nothing; "Open in Headscope" carries lesson=N; the keyboard works
// the panel; axe-core finds no WCAG 2.1 AA violation. Screenshots go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { courseSite, serveSite, closeSite, defaultModel, requireNativeCli, afterDraw, ARTIFACTS, ROOT } from './helpers.mjs';
import { LESSON_STEPS } from '../../web/lesson/lesson-steps.mjs';

const TEXT = 'The cat sat on the mat. The cat sat on the mat.';
const TEXT_B = 'Alice met Bob at the station.';
const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3: a lesson</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<main><h1>Week 3</h1>
<headscope-view id="a" text="${TEXT}" lesson="1" temperature="2"></headscope-view>
<headscope-view id="b" text="${TEXT_B}" lesson view="matrix"></headscope-view>
<headscope-view text="${TEXT_B}" lesson="1"></headscope-view>
</main></body></html>`;

let suite; // {model, site, server, browser}
const stepIndex = (id) => LESSON_STEPS.findIndex((s) => s.id === id) + 1;
const native = (args, text = TEXT) => JSON.parse(execFileSync(requireNativeCli(), [...args, '--model', suite.model.dir, '--text', text], { maxBuffer: 1 << 28 }));
const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

before(async () => {
  const site = courseSite({ 'lesson.html': PAGE, 'axe.min.js': fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8') });
  suite = { model: defaultModel(), site, ...(await serveSite(site)) };
});
after(() => closeSite(suite || {}));

// One element's lesson and state, as drawn.
const now = (page, sel) => page.evaluate((s) => {
  const el = document.querySelector(s);
  const root = el.shadowRoot;
  const box = root.getElementById('lesson');
  const st = el.controller.state;
  const r = el.lastResult;
  return {
    shown: !box.hidden, open: box.open, step: Number(box.dataset.step || 0), id: box.dataset.stepId,
    title: root.querySelector('.lesson-title').textContent, body: root.querySelector('.lesson-body').textContent,
    knobLine: root.querySelector('.lesson-knobs').hidden ? '' : root.querySelector('.lesson-knobs').textContent,
    attr: el.getAttribute('lesson'), view: el.getAttribute('view'), shownView: root.querySelector('.hs-views > section:not([hidden])')?.id,
    scaleAttr: el.getAttribute('scale'), causalAttr: el.getAttribute('causal'), tempAttr: el.getAttribute('temperature'),
    layer: st.layer, head: st.head, pin: st.pinPos, knobs: st.knobs, options: r.options, T: r.T,
    insideTitle: root.querySelector('.inside-title').textContent, headTitle: root.getElementById('headview-title').textContent,
    link: root.querySelector('.hs-open').href, state: el.dataset.state,
  };
}, sel);

// Waits until element sel shows step n with its run drawn.
async function atStep(page, sel, n) {
  await page.waitForFunction(([s, k]) => {
    const el = document.querySelector(s);
    const box = el.shadowRoot.getElementById('lesson');
    return Number(box.dataset.step) === k && el.getAttribute('lesson') === String(k) && el.dataset.state === 'rendered';
  }, [sel, n], { timeout: 30000 });
  await afterDraw(page);
}
const attention = (page, sel) => page.evaluate((s) => Array.from(document.querySelector(s).lastResult.attention), sel);

async function openCourse(context) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(`${suite.server.url}course/week-3/lesson.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('headscope-view')].every((e) => e.dataset.state === 'rendered'), null, { timeout: 60000 });
  await afterDraw(page);
  return { page, problems };
}

test('the element\'s lesson drives its own view, head, pin and knobs, with the native CLI\'s runs; Back, Skip; the other element stays', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 1000 }, deviceScaleFactor: 1 });
  try {
    const { page, problems } = await openCourse(context);
    await atStep(page, '#a', 1);
    await atStep(page, '#b', 1);
    let a = await now(page, '#a');
    assert.equal(a.shown && a.open, true);
    assert.equal(a.id, 'grid');
    assert.equal(a.shownView, 'view-grid');
    assert.match(a.body, /3 layers of 4 attention heads: 12 heads/);
    assert.equal(a.tempAttr, null, 'step 1 starts from the default knobs');
    const b0 = await now(page, '#b');
    assert.equal(b0.id, 'grid');
    assert.equal(b0.shownView, 'view-grid', 'the lesson\'s first step shows the grid');
    // Next: "Inside one head" in element a, layer 0 head 0, its last token pinned, drawn from the run's own numbers
    await page.locator('#a .lesson-next').click();
    await atStep(page, '#a', 2);
    await page.waitForFunction(() => document.getElementById('a').lastResult.qkv, null, { timeout: 30000 });
    await afterDraw(page);
    a = await now(page, '#a');
    const ref = native(['run']);
    assert.equal(a.id, 'slices');
    assert.equal(a.view, 'inside');
    assert.equal(a.shownView, 'view-inside');
    assert.deepEqual([a.layer, a.head], [0, 0]);
    assert.equal(a.pin, ref.ids.length - 1);
    assert.equal(a.insideTitle, 'Inside one head · layer 0 · head 0');
    assert.match(a.body, /In brown-small: 128 = 4 × 32\./);
    assert.match(decodeURIComponent(a.link), /lesson=2/);
    assert.equal(await page.evaluate(() => document.getElementById('a').shadowRoot.activeElement?.className), 'lesson-title', 'the step\'s title has the focus');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-element-inside.png'), fullPage: true });
    // a step list entry: the no-scale step sets the element's scale attribute; the run is the native --no-scale run
    await page.locator(`#a .lesson-jump[data-step="${stepIndex('no-scale')}"]`).click();
    await atStep(page, '#a', stepIndex('no-scale'));
    await page.waitForFunction(() => document.getElementById('a').lastResult.options.scale === false);
    await afterDraw(page);
    a = await now(page, '#a');
    assert.equal(a.view, 'matrix');
    assert.equal(a.scaleAttr, '0');
    assert.match(a.knobLine, /This step sets scale="0" on the element/);
    assert.ok(maxDiff(await attention(page, '#a'), native(['run', '--no-scale']).attention.flat(3)) < 1e-4, 'the native --no-scale run');
    // Back: the softmax step, in "Inside one head" with the default knobs again
    await page.locator('#a .lesson-back').click();
    await atStep(page, '#a', stepIndex('softmax'));
    await page.waitForFunction(() => document.getElementById('a').lastResult.options.scale !== false);
    a = await now(page, '#a');
    assert.equal(a.view, 'inside');
    assert.equal(a.scaleAttr, null);
    assert.equal(a.knobLine, '');
    assert.ok(maxDiff(await attention(page, '#a'), ref.attention.flat(3)) < 1e-4, 'the native run with default knobs');
    // heads specialise: the native CLI's strongest previous-token head, in element a's head view
    const roles = native(['roles']).text;
    const k = roles.names.indexOf('previous_token');
    let best = { l: 0, h: 0, s: -1 };
    roles.scores.forEach((row, l) => row.forEach((sc, h) => { if (sc[k] !== null && sc[k] > best.s) best = { l, h, s: sc[k] }; }));
    await page.locator(`#a .lesson-jump[data-step="${stepIndex('roles')}"]`).click();
    await atStep(page, '#a', stepIndex('roles'));
    a = await now(page, '#a');
    assert.equal(a.view, 'head');
    assert.deepEqual([a.layer, a.head], [best.l, best.h]);
    assert.match(a.headTitle, new RegExp(`layer ${best.l} · head ${best.h}`));
    // element b did not move
    const b1 = await now(page, '#b');
    assert.deepEqual([b1.step, b1.view, b1.shownView, b1.layer, b1.head, b1.scaleAttr, b1.knobs], [b0.step, b0.view, b0.shownView, b0.layer, b0.head, b0.scaleAttr, b0.knobs]);
    // the keyboard: Tab from Next reaches Skip; Enter on Back goes back a step
    await page.locator('#a .lesson-back').focus();
    await page.keyboard.press('Enter');
    await atStep(page, '#a', stepIndex('no-mask'));
    await page.waitForFunction(() => document.getElementById('a').getAttribute('causal') === '0' && document.getElementById('a').lastResult.options.causal === false);
    assert.ok(maxDiff(await attention(page, '#a'), native(['run', '--no-causal']).attention.flat(3)) < 1e-4, 'the native --no-causal run');
    await page.locator('#a .lesson-next').focus();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.getElementById('a').shadowRoot.activeElement.className), 'btn small lesson-skip');
    // Skip: closed, the element's own knob attributes back (temperature="2", no causal="0")
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const el = document.getElementById('a');
      return !el.shadowRoot.getElementById('lesson').open && el.lastResult.options.temperature === 2 && el.lastResult.options.causal !== false;
    }, null, { timeout: 30000 });
    await afterDraw(page);
    a = await now(page, '#a');
    assert.deepEqual([a.tempAttr, a.causalAttr, a.attr], ['2', null, '']);
    assert.ok(maxDiff(await attention(page, '#a'), native(['run', '--temperature', '2']).attention.flat(3)) < 1e-4, 'the native --temperature 2 run');
    assert.doesNotMatch(decodeURIComponent(a.link), /lesson=/);
    // b still at its step
    assert.equal((await now(page, '#b')).step, 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('each element with an id remembers its own step; lesson without a number resumes there; no id, no memory; axe finds nothing', async () => {
  const context = await suite.browser.newContext({ viewport: { width: 1100, height: 1000 }, deviceScaleFactor: 1, colorScheme: 'dark' });
  try {
    const { page, problems } = await openCourse(context);
    await atStep(page, '#a', 1);
    await page.locator('#a .lesson-next').click();
    await atStep(page, '#a', 2);
    await page.locator('#a .lesson-next').click();
    await atStep(page, '#a', 3);
    await atStep(page, '#b', 1);
    for (const n of [2, 3, 4]) {
      await page.locator('#b .lesson-next').click();
      await atStep(page, '#b', n);
    }
    const store = await page.evaluate(() => Object.fromEntries(Object.keys(localStorage).filter((k) => k.startsWith('headscope:lesson')).map((k) => [k, localStorage.getItem(k)])));
    assert.deepEqual(store, {
      'headscope:lesson:/course/week-3/lesson.html#a': '{"step":3}',
      'headscope:lesson:/course/week-3/lesson.html#b': '{"step":4}',
    }, 'one key per element id, none for the element without one, none of the page\'s');
    // after a reload: b (lesson, no number) resumes at its step 4; a's lesson="1" starts at 1 whatever it remembers
    await page.reload();
    await page.waitForFunction(() => [...document.querySelectorAll('headscope-view')].every((e) => e.dataset.state === 'rendered'), null, { timeout: 60000 });
    await atStep(page, '#b', 4);
    await atStep(page, '#a', 1);
    assert.equal((await now(page, '#b')).id, 'softmax');
    // setting lesson with no number resumes too, at the step the element showed last
    await page.locator(`#a .lesson-jump[data-step="${stepIndex('no-scale')}"]`).click();
    await atStep(page, '#a', stepIndex('no-scale'));
    await page.waitForFunction(() => document.getElementById('a').lastResult.options.scale === false);
    // the attribute removed: the panel goes, and the element's own knobs (temperature="2") come back
    await page.evaluate(() => { const el = document.getElementById('a'); el.removeAttribute('lesson'); });
    await page.waitForFunction(() => {
      const el = document.getElementById('a');
      return el.shadowRoot.getElementById('lesson').hidden && el.lastResult.options.scale !== false && el.lastResult.options.temperature === 2 && el.dataset.state === 'rendered';
    }, null, { timeout: 30000 });
    assert.deepEqual([await page.getAttribute('#a', 'scale'), await page.getAttribute('#a', 'temperature')], [null, '2']);
    await page.evaluate(() => document.getElementById('a').setAttribute('lesson', ''));
    await atStep(page, '#a', stepIndex('no-scale'));
    await page.waitForFunction(() => document.getElementById('a').lastResult.options.scale === false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'lesson-element-dark.png'), fullPage: true });
    assert.deepEqual(problems, []);
    // (axe itself sets inline styles while it measures, which the strict CSP refuses: its console lines are not the element's)
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ url: `${suite.server.url}course/week-3/axe.min.js` });
    const found = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, iframes: false })
      .then((res) => res.violations.map((v) => `${v.id}: ${v.help} — ${JSON.stringify(v.nodes.slice(0, 4).map((n) => n.target))}`)));
    assert.deepEqual(found, []);
  } finally {
    await context.close();
  }
});
