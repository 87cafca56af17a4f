// tests/web/a11y.test.mjs — WCAG 2.1 AA and the keyboard, in Chromium and
// Firefox (tests/web/engines.mjs) under the strict CSP: axe-core (served from the
// test site, so the CSP lets it load) finds no violation on the page (each view
// tab, both themes, Knobs open), on embed.html and on a course page with two
// elements; the token strip is one tab stop moved by arrow keys (roving
// tabindex, listbox/option, aria-selected = pinned); every control of the page
// is reached by Tab; the canvases' focus ring is inside their scrolling wrapper
// (not clipped); the live head description follows the grid's cursor and the
// focused token; with prefers-reduced-motion nothing moves (Chromium: the only
// engine whose driver emulates it).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.mjs';
import { enginesToRun, openEngineSuite, closeEngineSuite } from './engines.mjs';

const AXE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const PAGES = {
  'axe.min.js': AXE,
  'lesson.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3: attention</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<main><h1>Week 3</h1>
<headscope-view id="a" text="The cat sat on the mat. The cat sat on the mat." layer="1" head="2" view="head"></headscope-view>
<headscope-view id="b" text="Alice met Bob at the station." view="matrix" theme="dark" editable></headscope-view>
<headscope-view id="c" text="Alice met Bob at the station." view="grid"></headscope-view>
</main></body></html>`,
};

// Loads axe from the site (same origin: allowed by script-src 'self') and runs
// the WCAG 2.x A/AA rules, with label-content-name-mismatch (WCAG 2.5.3, which
// axe marks experimental); returns as "rule: targets" lines the violations and
// the results axe could not decide ("incomplete": aria-prohibited-attr on a
// role-less div lands there), except colour contrast over pictures or
// translucent text, which axe cannot measure.
async function axeViolations(page) {
  return page.evaluate(async (tags) => {
    if (!window.axe) {
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = new URL('/course/week-3/axe.min.js', location.href).href;
        s.onload = resolve;
        s.onerror = () => reject(new Error('axe.min.js did not load'));
        document.head.append(s);
      });
    }
    const res = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags }, rules: { 'label-content-name-mismatch': { enabled: true } }, iframes: false,
    });
    const line = (kind) => (v) => `${kind} ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => JSON.stringify(n.target)).join(', ')}`;
    return [...res.violations.map(line('violation')), ...res.incomplete.filter((v) => v.id !== 'color-contrast').map(line('undecided'))];
  }, WCAG_AA);
}

const rendered = (page) => page.waitForRendered();

// Presses Tab from the text box until the element with this id has the focus.
async function tabTo(page, id) {
  await page.focus('#text');
  for (let k = 0; k < 80; k++) {
    // (Firefox tabs out of the document into its own toolbar after the last control)
    if (await page.evaluate((i) => document.hasFocus() && document.activeElement && document.activeElement.id === i, id)) return;
    await page.press('Tab');
  }
  assert.fail(`#${id} not reached by 80 presses of Tab`);
}

for (const name of enginesToRun(['chromium', 'firefox'])) {
  describe(`${name}`, { timeout: 600000 }, () => { // a hung driver fails the suite, not CI
    let suite;
    before(async () => { suite = await openEngineSuite(name, PAGES); });
    after(() => closeEngineSuite(suite));

    test(`${name}: axe-core finds no WCAG 2.1 AA violation on the page (each view tab, both themes, Knobs open)`, async () => {
      const page = await suite.engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${suite.base}headscope/#text-b=When%20Mary%20and%20John%20went%20home.`); // (the minimal pairs tab has a sentence B)
        await rendered(page);
        const found = [];
        const tabs = await page.evaluate(() => [...document.querySelectorAll('.tab')].filter((t) => !t.hidden).map((t) => t.dataset.tab));
        for (const theme of ['light', 'dark']) {
          if (theme === 'dark') await page.click('#theme-toggle');
          await page.waitFor((t) => document.documentElement.dataset.theme === t || (t === 'light' && !document.documentElement.dataset.theme), theme);
          for (const tab of tabs) {
            await page.click(`#tab-${tab}`);
            await page.waitFor((v) => !document.getElementById(`view-${v}`).hidden && document.getElementById('app').dataset.state === 'rendered', tab);
            if (tab === 'pairs') await page.waitFor(() => document.getElementById('view-pairs').dataset.pairs === 'drawn');
            await page.afterDraw(); // (the view's labels and lists are written when it draws)
            for (const v of await axeViolations(page)) found.push(`${theme}, ${tab}: ${v}`);
          }
          await page.click('#knobs > summary');
          await page.waitFor(() => document.getElementById('knobs').open);
          for (const v of await axeViolations(page)) found.push(`${theme}, Knobs open: ${v}`);
          await page.click('#knobs > summary');
        }
        assert.deepEqual(found, []);
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });

    test(`${name}: axe-core finds no WCAG 2.1 AA violation on embed.html and on a course page with elements`, async () => {
      const page = await suite.engine.newPage({ width: 1280, height: 900 });
      try {
        const found = [];
        for (const url of ['headscope/embed.html', 'lesson.html']) {
          await page.goto(suite.base + url);
          await page.waitFor(() => {
            const els = [...document.querySelectorAll('headscope-view')];
            return els.length && els.every((e) => e.dataset.state === 'rendered');
          });
          for (const v of await axeViolations(page)) found.push(`${url}: ${v}`);
        }
        assert.deepEqual(found, []);
      } finally {
        await page.close();
      }
    });

    test(`${name}: the token strip is one tab stop; arrows, Home, End move; Enter pins (listbox, aria-selected)`, async () => {
      const page = await suite.engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${suite.base}headscope/`);
        await rendered(page);
        const strip = () => page.evaluate(() => {
          const box = document.querySelector('#tokens [role="listbox"]');
          const chips = [...box.children];
          return {
            label: box.getAttribute('aria-label'), roles: [...new Set(chips.map((c) => c.getAttribute('role')))],
            stops: chips.filter((c) => c.tabIndex === 0).map((c) => Number(c.dataset.i)),
            focused: document.activeElement.classList.contains('chip-tok') ? Number(document.activeElement.dataset.i) : null,
            selected: chips.filter((c) => c.getAttribute('aria-selected') === 'true').map((c) => Number(c.dataset.i)),
            n: chips.length, pin: window.headscope.state.pinPos, hover: window.headscope.state.hoverPos,
          };
        });
        let s = await strip();
        assert.equal(s.label, 'Tokens as the model sees them');
        assert.deepEqual(s.roles, ['option']);
        assert.deepEqual(s.stops, [0], 'one tab stop, on the first token');
        // Tab from the text box lands on the strip, the next Tab leaves it
        await page.focus('#text');
        await page.press('Tab');
        s = await strip();
        assert.equal(s.focused, 0, 'Tab from the text lands on the first token');
        assert.equal(s.hover, 0, 'the focused token is the focused position in every view');
        await page.press('ArrowRight');
        await page.press('ArrowRight');
        s = await strip();
        assert.equal(s.focused, 2);
        assert.deepEqual(s.stops, [2], 'the tab stop moves with the focus');
        await page.press('Enter');
        await page.waitFor(() => !!document.querySelector('#tokens [aria-selected="true"]')); // drawn at the next frame
        s = await strip();
        assert.equal(s.pin, 2);
        assert.deepEqual(s.selected, [2], 'the pinned token is aria-selected');
        await page.press('End');
        assert.equal((await strip()).focused, s.n - 1);
        await page.press('ArrowRight');
        assert.equal((await strip()).focused, s.n - 1, 'no wrap past the end');
        await page.press('Home');
        assert.equal((await strip()).focused, 0);
        await page.press('ArrowLeft');
        assert.equal((await strip()).focused, 0, 'no wrap before the start');
        await page.press(' ');
        s = await strip();
        assert.equal(s.pin, 0, 'Space pins too');
        await page.press('Tab');
        s = await strip();
        assert.equal(s.focused, null, 'one Tab leaves the strip');
        assert.deepEqual(s.stops, [0]);
        // the tab stop survives a new run with fewer tokens
        await page.evaluate(() => { window.headscope.setText('Short.'); });
        await page.waitFor(() => window.headscope.lastResult.tokens.join('') === 'Short.' && document.getElementById('app').dataset.state === 'rendered');
        await page.waitFor(() => document.querySelectorAll('#tokens .chip-tok').length < 5);
        s = await strip();
        assert.equal(s.stops.length, 1);
        assert.ok(s.stops[0] < s.n);
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });

    test(`${name}: every control is reached by Tab; canvas focus rings are not clipped; the live description follows the cursor`, async () => {
      const page = await suite.engine.newPage({ width: 1280, height: 900 });
      try {
        await page.goto(`${suite.base}headscope/`);
        await rendered(page);
        await page.click('#knobs > summary');
        // the page's controls a reader can see (the strip's chips: one stop)
        const controls = await page.evaluate(() => {
          const seen = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden' && !el.closest('[hidden], details:not([open]) > :not(summary)');
          const sel = 'button, select, textarea, input, summary, a[href], [tabindex="0"]';
          const key = (el) => el.id || `${el.tagName.toLowerCase()}.${el.className}${el.dataset.i !== undefined ? '' : ''}`;
          return [...new Set([...document.querySelectorAll(sel)].filter((el) => seen(el) && !el.disabled && el.tabIndex >= 0
            && !el.matches('.chip-tok')).map(key))];
        });
        assert.ok(controls.length > 20, `controls: ${controls.length}`);
        // from the first control on, forwards (Firefox leaves the document after the last)
        assert.equal(controls[0], 'model-select');
        const reached = new Set(['model-select']);
        await page.focus('#model-select');
        for (let k = 0; k < controls.length + 20; k++) {
          await page.press('Tab');
          const at = await page.evaluate(() => {
            const el = document.activeElement;
            return document.hasFocus() && el && el !== document.body ? (el.id || `${el.tagName.toLowerCase()}.${el.className}`) : null;
          });
          if (at) reached.add(at);
        }
        const missed = controls.filter((c) => !reached.has(c));
        assert.deepEqual(missed, [], 'controls never reached by Tab');

        // focus rings: inside the scrolling wrapper that would clip them
        for (const sel of ['#grid-canvas', '#matrix-canvas']) {
          if (sel === '#matrix-canvas') await page.click('#tab-matrix');
          await page.waitFor((s) => document.querySelector(s).getClientRects().length > 0, sel);
          await tabTo(page, sel.slice(1)); // focus from the keyboard: :focus-visible
          const ring = await page.evaluate((s) => {
            const c = document.querySelector(s);
            const cs = getComputedStyle(c);
            const wrap = c.parentElement;
            const out = parseFloat(cs.outlineOffset) + parseFloat(cs.outlineWidth);
            const r = c.getBoundingClientRect();
            const w = wrap.getBoundingClientRect();
            return {
              style: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
              overflow: getComputedStyle(wrap).overflow,
              inside: r.left - out >= w.left - 0.5 && r.top - out >= w.top - 0.5
                && r.left + Math.min(r.width, wrap.clientWidth) + out <= w.left + wrap.clientWidth + 0.5,
            };
          }, sel);
          assert.equal(ring.style, 'solid', `${sel}: a focus ring is drawn`);
          assert.ok(ring.width >= 2, `${sel}: ring ${ring.width}px`);
          assert.ok(ring.inside, `${sel}: the ring lies inside its wrapper (overflow ${ring.overflow})`);
        }

        // the canvases' text alternative: a polite live region, their aria-describedby
        await page.click('#tab-head');
        await page.evaluate(() => window.headscope.select(0, 0));
        await page.focus('#grid-canvas');
        await page.press('ArrowRight');
        const live = await page.evaluate(() => {
          const d = document.getElementById('head-description');
          return { live: d.getAttribute('aria-live'), text: d.textContent, by: document.getElementById('grid-canvas').getAttribute('aria-describedby') };
        });
        assert.equal(live.live, 'polite');
        assert.equal(live.by, 'head-description');
        assert.match(live.text, /^Layer 0, head 1\b.*Strongest links: “.+” \(\d+\) to “.+” \(\d+\) 0\.\d\d; /);
        // the strongest links named are the head's largest weights
        const check = await page.evaluate(() => {
          const r = window.headscope.lastResult;
          const T = r.T;
          let best = -1;
          for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) best = Math.max(best, r.attention[(0 * r.n_head + 1) * T * T + i * T + j]);
          return best.toFixed(2);
        });
        assert.match(live.text, new RegExp(`Strongest links: “[^”]+” \\(\\d+\\) to “[^”]+” \\(\\d+\\) ${check.replace('.', '\\.')}`));
        await page.evaluate(() => window.headscope.setHover(3));
        await page.waitFor(() => / of “[^”]+” \(3\):/.test(document.getElementById('head-description').textContent));
        assert.deepEqual(await page.errors(), []);
      } finally {
        await page.close();
      }
    });

    if (name === 'chromium') {
      test('chromium: with prefers-reduced-motion: reduce, no element has a transition, an animation or smooth scrolling', async () => {
        // a probe element that asks for motion (CSSOM styles: allowed by the CSP)
        const probe = () => {
          const el = document.createElement('div');
          el.id = 'motion-probe';
          el.style.transition = 'opacity 1s';
          el.style.scrollBehavior = 'smooth';
          document.body.append(el);
          const cs = getComputedStyle(el);
          return [cs.transitionDuration, cs.scrollBehavior];
        };
        const normal = await suite.engine.newPage({ width: 1280, height: 900 });
        try {
          await normal.goto(`${suite.base}headscope/`);
          await rendered(normal);
          assert.deepEqual(await normal.evaluate(probe), ['1s', 'smooth'], 'without the preference the probe moves');
        } finally {
          await normal.close();
        }
        const page = await suite.engine.newPage({ width: 1280, height: 900, reducedMotion: 'reduce' });
        try {
          await page.goto(`${suite.base}headscope/`);
          await rendered(page);
          await page.click('#knobs > summary');
          await page.evaluate(probe);
          const moving = await page.evaluate(() => {
            if (!matchMedia('(prefers-reduced-motion: reduce)').matches) return ['the preference is not in effect'];
            const out = [];
            for (const el of document.querySelectorAll('*')) {
              const cs = getComputedStyle(el);
              const dur = (v) => v.split(',').some((d) => parseFloat(d) > 0);
              if (dur(cs.transitionDuration) && cs.transitionProperty !== 'none') out.push(`${el.tagName}#${el.id}.${el.className}: transition ${cs.transitionProperty} ${cs.transitionDuration}`);
              if (cs.animationName !== 'none') out.push(`${el.tagName}#${el.id}: animation ${cs.animationName}`);
              if (cs.scrollBehavior === 'smooth') out.push(`${el.tagName}#${el.id}: smooth scrolling`);
            }
            return out;
          });
          assert.deepEqual(moving, []);
        } finally {
          await page.close();
        }
      });
    }
  });
}
