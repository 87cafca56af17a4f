// tests/web/engines.test.mjs — the engine-neutral parts of the page, element and
// knobs suites, run in every engine of tests/web/engines.mjs (Chromium, Firefox
// over WebDriver BiDi, WebKitGTK over WebDriver) under the strict CSP: the page's
// first render and typed text give the native CLI's attention (1e-4); each view
// tab draws; the theme toggle; a knob re-runs the model (= native CLI --no-scale);
// two <headscope-view> elements render their own heads; "rendered" means
// rendered (canvas sizes at each element's first event = 600 ms later); an element's guided
// lesson (lesson="1") steps to "Inside one head" and to the no-scale knob (= native CLI); no
// page errors. Screenshots (light, dark) go to tests/artifacts/<engine>-*.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { NATIVE_CLI } from './helpers.mjs';
import { enginesToRun, openEngineSuite, closeEngineSuite, artifact } from './engines.mjs';

const TEXT_A = 'The cat sat on the mat. The cat sat on the mat.';
const TEXT_B = 'Alice met Bob at the station, and later Alice thanked Bob.';

// Loaded before the element script: each element's canvas sizes at its first
// headscope:rendered event (a file, since the strict CSP runs no inline script
// and WebKit's WebDriver has no init scripts).
const RECORDER = `window.atRendered = {};
document.addEventListener('headscope:rendered', (e) => {
  const el = e.target;
  if (window.atRendered[el.id]) return;
  window.atRendered[el.id] = {
    state: el.dataset.state,
    canvases: [...el.shadowRoot.querySelectorAll('section:not([hidden]) canvas')]
      .map((c) => [Math.round(c.getBoundingClientRect().width), Math.round(c.getBoundingClientRect().height)]),
  };
}, true);
`;

const PAGES = {
  'record-rendered.js': RECORDER,
  'lesson.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3: attention</title>
<link rel="icon" href="headscope/favicon.svg">
<script src="record-rendered.js"></script>
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<main><h1>Week 3</h1>
<headscope-view id="a" text="${TEXT_A}" layer="1" head="2" view="head"></headscope-view>
<p>Compare with another head:</p>
<headscope-view id="b" text="${TEXT_B}" layer="0" head="1" view="matrix" theme="dark" editable></headscope-view>
</main></body></html>`,
  'element-lesson.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3: a lesson</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<main><h1>Week 3</h1>
<headscope-view id="l" text="${TEXT_A}" lesson="1"></headscope-view>
</main></body></html>`,
};

function native(model, text, extra = []) {
  if (!fs.existsSync(NATIVE_CLI)) assert.fail(`the native CLI ${NATIVE_CLI} is missing: build it with cmake --preset native && cmake --build --preset native`);
  return JSON.parse(execFileSync(NATIVE_CLI, ['run', '--model', model.dir, '--text', text, ...extra], { maxBuffer: 1 << 28 }));
}

// max |page - native| over every head's attention
function worstDifference(r, ref) {
  let worst = 0;
  const { T, n_layer: L, n_head: H } = r;
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    worst = Math.max(worst, Math.abs(r.attention[((l * H + h) * T + i) * T + j] - ref.attention[l][h][i][j]));
  }
  return worst;
}

// max |got - native| over logits_last
function worstLogit(r, ref) {
  let worst = 0;
  for (let v = 0; v < ref.logits_last.length; v++) worst = Math.max(worst, Math.abs(r.logitsLast[v] - ref.logits_last[v]));
  return worst;
}

// The page's (or element #id's) last result as plain data (typed arrays do not cross every driver).
const lastResult = (page, id = null) => page.evaluate((el) => {
  const r = el ? document.getElementById(el).lastResult : window.headscope.lastResult;
  return { T: r.T, n_layer: r.n_layer, n_head: r.n_head, text: r.tokens.join(''), options: r.options,
    attention: Array.from(r.attention), logitsLast: Array.from(r.logitsLast || []) };
}, id);

const waitForText = (page, text) => page.waitFor((t) => {
  const r = window.headscope && window.headscope.lastResult;
  return document.getElementById('app').dataset.state === 'rendered' && r && r.tokens.join('') === t;
}, text, { timeout: 60000 });

for (const name of enginesToRun()) {
  describe(`${name}`, { timeout: 600000 }, () => { // a hung driver fails the suite, not CI
    let suite;
    before(async () => { suite = await openEngineSuite(name, PAGES); });
    after(() => closeEngineSuite(suite));

    test(`${name}: the page renders; typed text and a knob give the native CLI's attention; every view tab draws; both themes`, async () => {
      const { engine, base, model } = suite;
      const page = await engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${base}headscope/`);
        await page.waitForRendered();
        const first = await lastResult(page);
        assert.ok(first.T > 5, 'the example sentence is rendered');
        assert.equal(first.attention.length, first.n_layer * first.n_head * first.T * first.T);
        await page.screenshot(artifact(name, 'page-light.png'));

        // type like a user: select all, then type
        const text = 'Alice met Bob. Later, Alice thanked Bob for the book.';
        await page.fill('#text', text);
        await waitForText(page, text);
        const typed = await lastResult(page);
        const worst = worstDifference(typed, native(model, text));
        assert.ok(worst <= 1e-4, `max |${name} - native| = ${worst}`);

        // every view tab draws its canvas or list
        const tabs = await page.evaluate(() => [...document.querySelectorAll('.tab')].filter((t) => !t.hidden).map((t) => t.dataset.tab));
        assert.ok(tabs.length >= 3, `tabs: ${tabs}`);
        for (const tab of tabs) {
          await page.click(`#tab-${tab}`);
          await page.afterDraw(); // (an undrawn canvas is 300 x 150 already)
          const drawn = await page.waitFor((v) => {
            const s = document.getElementById(`view-${v}`);
            if (document.getElementById('app').dataset.state !== 'rendered' || s.hidden) return null;
            const c = s.querySelector('canvas');
            if (c) return c.width > 50 && c.height > 20 ? [c.width, c.height] : null;
            return s.querySelectorAll('li').length || null;
          }, tab, { timeout: 30000 });
          assert.ok(drawn, `${tab} drew`);
        }
        await page.click('#tab-head');

        // a knob: scores not scaled by 1/sqrt(dk) = native --no-scale
        await page.click('#knobs > summary');
        const before = await page.evaluate(() => window.headscope.lastResult.id);
        await page.click('#knob-scale');
        await page.waitFor((id) => document.getElementById('app').dataset.state === 'rendered'
          && window.headscope.state.knobs.scale === false && window.headscope.lastResult.id > id, before, { timeout: 30000 });
        const unscaled = await lastResult(page);
        const worstKnob = worstDifference(unscaled, native(model, text, ['--no-scale']));
        assert.ok(worstKnob <= 1e-4, `scale off: max |${name} - native --no-scale| = ${worstKnob}`);
        assert.ok(worstDifference(unscaled, native(model, text)) > 1e-3, 'scale off changes the attention');
        await page.click('#knobs-reset');
        await page.afterDraw(); // (data-state is still "rendered" from the run before)
        await page.waitFor(() => window.headscope.state.knobs.scale === true && document.getElementById('app').dataset.state === 'rendered');

        // the theme toggle
        await page.click('#theme-toggle');
        const theme = await page.waitFor(() => document.documentElement.dataset.theme === 'dark'
          && getComputedStyle(document.body).backgroundColor);
        assert.equal(theme, 'rgb(17, 19, 22)', 'dark background');
        await page.evaluate(() => { window.headscope.setText('The cat sat on the mat because it was tired.'); });
        await waitForText(page, 'The cat sat on the mat because it was tired.');
        await page.screenshot(artifact(name, 'page-dark.png'));
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });

    test(`${name}: knobs: switching off a layer's heads (zero, mean) and an element's knob attributes give the native CLI's numbers`, async () => {
      const { engine, base, model } = suite;
      const page = await engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${base}headscope/#text=${encodeURIComponent(TEXT_A)}`);
        await waitForText(page, TEXT_A);
        const { n_layer: L, n_head: H } = await page.evaluate(() => window.headscope.state.model.info);
        const layer = Math.min(1, L - 2);
        await page.click('#knobs > summary');
        for (let h = 0; h < H; h++) await page.click(`#ablate-list input[value="${layer}.${h}"]`); // each tick re-runs
        const heads = Array.from({ length: H }, (_, h) => `${layer}.${h}`).join(',');
        for (const mode of ['zero', 'mean']) {
          if (mode === 'mean') await page.evaluate(() => { const s = document.getElementById('knob-ablation'); s.value = 'mean'; s.dispatchEvent(new Event('change', { bubbles: true })); });
          await page.waitFor(([a, m]) => {
            const o = window.headscope.lastResult.options || {};
            return o.ablate === a && (o.ablation || 'zero') === m && document.getElementById('app').dataset.state === 'rendered';
          }, [heads, mode], { timeout: 30000 });
          const got = await lastResult(page);
          const ref = native(model, TEXT_A, ['--ablate', heads, '--ablate-mode', mode]);
          const later = { ...got, attention: got.attention.slice((layer + 1) * H * got.T * got.T), n_layer: L - layer - 1 };
          const refLater = { attention: ref.attention.slice(layer + 1) };
          assert.ok(worstDifference(later, refLater) <= 1e-4, `${mode}: attention of the later layers = native`);
          assert.ok(worstLogit(got, ref) <= 1e-4, `${mode}: logits_last = native (${worstLogit(got, ref)})`);
          assert.ok(worstLogit(got, native(model, TEXT_A)) > 1e-3, `${mode}: the ablation changes the logits`);
        }
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
      const lesson = await engine.newPage({ width: 1280, height: 900 });
      try {
        await lesson.goto(`${base}lesson.html`);
        await lesson.waitFor(() => [...document.querySelectorAll('headscope-view')].every((e) => e.dataset.state === 'rendered'));
        await lesson.evaluate(() => {
          const el = document.getElementById('b');
          el.setAttribute('ablate', '0.1,1.2');
          el.setAttribute('ablation', 'mean');
          el.setAttribute('causal', '0');
          el.setAttribute('temperature', '2');
          el.setAttribute('temperature-head', '2.1');
        });
        await lesson.waitFor(() => {
          const el = document.getElementById('b');
          const o = el.lastResult.options || {};
          return el.dataset.state === 'rendered' && o.ablation === 'mean' && o.causal === false && o.temperature_head === '2.1';
        });
        const got = await lastResult(lesson, 'b');
        const ref = native(model, TEXT_B, ['--ablate', '0.1,1.2', '--ablate-mode', 'mean', '--no-causal', '--temperature', '2', '--temperature-head', '2.1']);
        assert.ok(worstDifference(got, ref) <= 1e-4, 'element with knobs: attention = native');
        assert.ok(worstLogit(got, ref) <= 1e-4, 'element with knobs: logits_last = native');
        assert.deepEqual(await lesson.errors(), []);
      } finally {
        await lesson.close();
      }
    });

    test(`${name}: empty text, over-long text (truncated, with a notice), keyboard navigation of the grid`, async () => {
      const { engine, base } = suite;
      const page = await engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${base}headscope/`);
        await page.waitForRendered();
        await page.evaluate(() => { window.headscope.setText(''); }); // (results stay in the page: big arrays are slow over WebDriver)
        await page.waitFor(() => !document.getElementById('empty').hidden && document.getElementById('app').dataset.state === 'rendered');
        const info = await page.evaluate(() => window.headscope.state.model.info);
        const long = 'one two three four five six seven eight nine ten '.repeat(Math.ceil(info.n_positions / 5));
        await page.evaluate((t) => { window.headscope.setText(t); }, long);
        const notice = await page.waitFor(() => !document.getElementById('notice').hidden && document.getElementById('notice').textContent);
        assert.match(notice, /only the first \d+ of \d+ tokens/);
        const r = await page.evaluate(() => ({ T: window.headscope.lastResult.T, truncated: window.headscope.lastResult.truncated }));
        assert.deepEqual(r, { T: info.n_positions, truncated: true });

        await page.evaluate(() => { window.headscope.setText('Keyboard users can pick heads too.'); });
        await waitForText(page, 'Keyboard users can pick heads too.');
        await page.waitFor(() => document.getElementById('notice').hidden);
        await page.evaluate(() => window.headscope.select(0, 0));
        await page.focus('#grid-canvas');
        await page.press('ArrowRight');
        await page.press('ArrowDown');
        await page.press('Enter');
        const want = { l: Math.min(1, info.n_layer - 1), h: Math.min(1, info.n_head - 1) };
        const sel = await page.waitFor((w) => {
          const s = window.headscope.state;
          return s.layer === w.l && s.head === w.h && document.getElementById('layer-select').value === String(w.l) && { l: s.layer, h: s.head };
        }, want);
        assert.deepEqual(sel, want);
        await page.waitFor(() => /Selected: layer 1, head 1\./.test(document.getElementById('grid-canvas').getAttribute('aria-label')));
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });

    test(`${name}: two elements render their own heads; at each first headscope:rendered event the canvases have their final size`, async () => {
      const { engine, base } = suite;
      const page = await engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${base}lesson.html`);
        await page.waitFor(() => {
          const els = [...document.querySelectorAll('headscope-view')];
          return els.length === 2 && els.every((e) => e.dataset.state === 'rendered');
        });
        await new Promise((r) => setTimeout(r, 600)); // later resizes would have happened by now
        const got = await page.evaluate(() => ({
          at: window.atRendered,
          now: Object.fromEntries([...document.querySelectorAll('headscope-view')].map((el) => [el.id,
            [...el.shadowRoot.querySelectorAll('section:not([hidden]) canvas')]
              .map((c) => [Math.round(c.getBoundingClientRect().width), Math.round(c.getBoundingClientRect().height)])])),
          els: [...document.querySelectorAll('headscope-view')].map((el) => ({
            id: el.id, text: el.lastResult.tokens.join(''), layer: el.controller.state.layer, head: el.controller.state.head,
            visible: [...el.shadowRoot.querySelectorAll('section.view')].filter((x) => !x.hidden).map((x) => x.id),
          })),
        }));
        assert.deepEqual(got.els, [
          { id: 'a', text: TEXT_A, layer: 1, head: 2, visible: ['view-head'] },
          { id: 'b', text: TEXT_B, layer: 0, head: 1, visible: ['view-matrix'] },
        ]);
        for (const id of ['a', 'b']) {
          const at = got.at[id];
          assert.ok(at, `element ${id} fired headscope:rendered`);
          assert.equal(at.state, 'rendered', `${id}: data-state at the event`);
          assert.ok(at.canvases.length > 0, `${id}: a canvas is visible at the event`);
          assert.deepEqual(at.canvases, got.now[id], `${id}: canvas sizes at the event = 600 ms later`);
          assert.ok(Math.max(...at.canvases.map(([w]) => w)) > 200, `${id}: drawn at full width (${JSON.stringify(at.canvases)})`);
        }
        // an attribute re-runs the element
        const detail = await page.evaluate(() => {
          const el = document.getElementById('a');
          const done = el.whenRendered();
          el.setAttribute('text', 'Dogs bark. Dogs bark.');
          return done.then((d) => ({ tokens: d.tokens.join(''), T: d.T }));
        });
        assert.equal(detail.tokens, 'Dogs bark. Dogs bark.');
        await page.screenshot(artifact(name, 'elements.png'));
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });

    test(`${name}: an element's lesson: Next opens its "Inside one head"; the no-scale step gives the native CLI's --no-scale run`, async () => {
      const { engine, base, model } = suite;
      const page = await engine.newPage({ width: 1100, height: 900 });
      // element l's lesson step on screen, drawn (its lesson attribute follows the step once the step's state is set)
      const atStep = (n, extra) => page.waitFor(([k, what]) => {
        const el = document.getElementById('l');
        const r = el.lastResult;
        const ok = Number(el.shadowRoot.getElementById('lesson').dataset.step) === k && el.getAttribute('lesson') === String(k) && el.dataset.state === 'rendered';
        return ok && (what === 'inside' ? !!r.qkv && /for token \d+: weights/.test(el.shadowRoot.querySelector('.inside-canvas').getAttribute('aria-label')) : r.options.scale === false);
      }, [n, extra], { timeout: 60000 });
      const press = (sel) => page.evaluate((s) => document.getElementById('l').shadowRoot.querySelector(s).click(), sel);
      try {
        await page.goto(`${base}element-lesson.html`);
        await page.waitFor(() => document.getElementById('l').dataset.state === 'rendered' && document.getElementById('l').shadowRoot.getElementById('lesson').dataset.step === '1', null, { timeout: 60000 });
        await press('.lesson-next');
        await atStep(2, 'inside');
        const ref = native(model, TEXT_A);
        const inside = await page.evaluate(() => {
          const el = document.getElementById('l');
          return { view: el.getAttribute('view'), pin: el.controller.state.pinPos, title: el.shadowRoot.querySelector('.inside-title').textContent,
            label: el.shadowRoot.querySelector('.inside-canvas').getAttribute('aria-label') };
        });
        assert.equal(inside.view, 'inside');
        assert.equal(inside.pin, ref.ids.length - 1);
        assert.equal(inside.title, 'Inside one head · layer 0 · head 0');
        const shown = inside.label.replace(/^.*weights /, '').split(', ').map((x) => Number(x.split(' ')[1]));
        ref.attention[0][0][ref.ids.length - 1].forEach((w, j) => assert.ok(Math.abs(shown[j] - w) <= 0.005 + 1e-6, `key ${j}: ${shown[j]} vs ${w}`));
        await press('.lesson-jump[data-step="5"]');
        await atStep(5, 'no-scale');
        assert.equal(await page.evaluate(() => document.getElementById('l').getAttribute('scale')), '0');
        assert.ok(worstDifference(await lastResult(page, 'l'), native(model, TEXT_A, ['--no-scale'])) < 1e-4, 'the native --no-scale run');
        await page.screenshot(artifact(name, 'element-lesson.png'));
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });
  });
}
