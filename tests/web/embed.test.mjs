// tests/web/embed.test.mjs — issue 6, embedding in course sites, in headless
// Chromium under the strict CSP: two <headscope-view> elements on a course page
// (web/ served from a sub-folder) render their own heads and share one worker;
// index.html and embed.html render with no CSP violation; the URL hash
// round-trips every state field; the exported SVG parses and carries the
// sentence's tokens; user text containing HTML is shown literally and runs nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, defaultModel, watchCsp, courseSite, serveSite, closeSite, afterDraw, ARTIFACTS, NATIVE_CLI, ROOT as ROOT_DIR } from './helpers.mjs';
import { tokenLabel, clip } from '../../web/tokens.mjs';

let server;
let site;
let browser;
let model;

const TEXT_A = 'The cat sat on the mat. The cat sat on the mat.';
const TEXT_B = 'Alice met Bob at the station, and later Alice thanked Bob.';
const XSS = '<img src=x onerror=alert(1)> and <script>alert(2)</script>';

before(async () => {
  model = defaultModel();
  site = courseSite({
    'lesson.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Week 3: attention</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<h1>Week 3</h1>
<headscope-view id="a" text="${TEXT_A}" layer="1" head="2" view="head"></headscope-view>
<p>Compare with another head:</p>
<div><headscope-view id="b" text="${TEXT_B}" layer="0" head="1" view="matrix" theme="dark" editable
  model="headscope/dist/models/${model.name}/"></headscope-view></div>
</body></html>`,
    'bad.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bad model</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<headscope-view id="bad" text="No model here." model="no-such-model/"></headscope-view>
<headscope-view id="good" text="This one is fine." view="matrix"></headscope-view>
</body></html>`,
    'xss.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>xss</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<headscope-view id="x" text="${XSS.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}" view="grid" editable></headscope-view>
</body></html>`,
  });
  ({ server, browser } = await serveSite(site));
});

after(() => closeSite({ server, browser, site }));

const base = () => `${server.url}course/week-3/`;

function nativeRun(text, extra = []) {
  if (!fs.existsSync(NATIVE_CLI)) assert.fail(`the native CLI ${NATIVE_CLI} is missing: build it with cmake --preset native && cmake --build --preset native`);
  return JSON.parse(execFileSync(NATIVE_CLI, ['run', '--model', model.dir, '--text', text, ...extra], { maxBuffer: 1 << 28 }));
}

async function newPage(url, { width = 1280, height = 900, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: 1 });
  await watchCsp(context);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
  page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  const response = await page.goto(url);
  return { context, page, problems, response };
}

const allRendered = async (page) => {
  await page.waitForFunction(() => {
    const els = [...document.querySelectorAll('headscope-view')];
    return els.length && els.every((e) => e.dataset.state === 'rendered');
  }, null, { timeout: 60000 });
  await afterDraw(page);
};

test('two elements on a course page (sub-folder) render their own heads and share one worker', async () => {
  const { context, page, problems } = await newPage(base() + 'lesson.html');
  try {
    await allRendered(page);
    const got = await page.evaluate(() => [...document.querySelectorAll('headscope-view')].map((el) => {
      const r = el.lastResult;
      const s = el.controller.state;
      const title = el.shadowRoot.querySelector(el.getAttribute('view') === 'head' ? '#headview-title' : '#matrix-title').textContent;
      const visible = [...el.shadowRoot.querySelectorAll('section.view')].filter((x) => !x.hidden).map((x) => x.id);
      return { id: el.id, text: r.tokens.join(''), layer: s.layer, head: s.head, title, visible, T: r.T, L: r.n_layer, H: r.n_head,
        attention: Array.from(r.attention), workers: el.constructor.workersCreated, theme: el.shadowRoot.querySelector('.hs-embed').dataset.theme || '' };
    }));
    assert.equal(got.length, 2);
    const [a, b] = got;
    assert.equal(a.text, TEXT_A);
    assert.equal(b.text, TEXT_B);
    assert.deepEqual([a.layer, a.head, b.layer, b.head], [1, 2, 0, 1]);
    assert.match(a.title, /layer 1 · head 2/);
    assert.match(b.title, /layer 0 · head 1/);
    assert.deepEqual(a.visible, ['view-head']);
    assert.deepEqual(b.visible, ['view-matrix']);
    assert.equal(b.theme, 'dark');
    // one worker for the whole page, by the shared client's counter and by the browser
    assert.equal(a.workers, 1);
    assert.equal(page.workers().length, 1, `workers: ${page.workers().map((w) => w.url()).join(', ')}`);
    // one loaded copy of the model: b names the bundled folder by URL, a uses the default
    assert.equal(await page.evaluate(() => document.getElementById('a').client.loads.size), 1);
    assert.ok(await page.evaluate(() => document.getElementById('a').client === document.getElementById('b').client));
    // each element's numbers are the model's (native CLI) for its own text
    for (const e of [a, b]) {
      const ref = nativeRun(e.text);
      let worst = 0;
      for (let l = 0; l < e.L; l++) for (let h = 0; h < e.H; h++) for (let i = 0; i < e.T; i++) for (let j = 0; j < e.T; j++) {
        worst = Math.max(worst, Math.abs(e.attention[((l * e.H + h) * e.T + i) * e.T + j] - ref.attention[l][h][i][j]));
      }
      assert.ok(worst <= 1e-4, `${e.id}: max |element - native| = ${worst}`);
    }
    // attributes drive the element; the rendered event says what was drawn
    const detail = await page.evaluate(async () => {
      const el = document.getElementById('a');
      const done = el.whenRendered();
      el.setAttribute('text', 'Dogs bark. Dogs bark.');
      return done;
    });
    assert.equal(detail.tokens.join(''), 'Dogs bark. Dogs bark.');
    await page.evaluate(() => document.getElementById('a').setAttribute('head', '3'));
    await page.waitForFunction(() => document.getElementById('a').shadowRoot.querySelector('#headview-title').textContent.includes('head 3'));
    // the editable element: typing re-runs it
    await page.locator('#b').locator('textarea').fill('Typing works here.');
    await page.waitForFunction(() => { const r = document.getElementById('b').lastResult; return r && r.tokens.join('') === 'Typing works here.'; });
    await afterDraw(page);
    assert.equal(page.workers().length, 1);
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    await page.screenshot({ path: path.join(ARTIFACTS, 'embed-two-elements-1280.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('strict CSP: the page, embed.html (elements + iframe) and a 360 px course page render with no violation', async () => {
  for (const [url, opts] of [
    [`${base()}headscope/index.html`, { width: 1280 }],
    [`${base()}headscope/embed.html`, { width: 1280, height: 2400 }],
    [`${base()}headscope/embed.html`, { width: 360, height: 2400, colorScheme: 'dark' }],
    [`${base()}lesson.html`, { width: 360 }],
  ]) {
    const { context, page, problems, response } = await newPage(url, opts);
    try {
      const csp = response.headers()['content-security-policy'];
      assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
      if (url.endsWith('index.html')) {
        await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
        // exercise what could trip the CSP: knobs, the inside view, exports, theme
        await page.evaluate(() => window.headscope.setKnobs({ ablate: ['0.1'], scale: false }));
        await page.evaluate(() => window.headscope.setView('inside'));
        await page.waitForFunction(() => window.headscope.lastResult && window.headscope.lastResult.qkv);
        await page.evaluate(() => { window.headscope.exportSvg('grid'); window.headscope.exportPng('matrix'); });
        await page.click('#theme-toggle');
      } else {
        await allRendered(page);
        if (url.endsWith('embed.html')) {
          const frame = page.frame({ url: /index\.html/ });
          await page.locator('#example-iframe').scrollIntoViewIfNeeded();
          await page.waitForFunction(() => true);
          const f = frame || page.frames().find((x) => x.url().includes('index.html'));
          assert.ok(f, 'the iframe is there');
          await f.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
          assert.equal(await f.evaluate(() => window.headscope.state.layer), 1);
          assert.equal(await f.evaluate(() => window.headscope.state.view), 'matrix');
          assert.deepEqual(await f.evaluate(() => window.__cspViolations), []);
        }
      }
      await afterDraw(page); // (the page, or every element on it)
      const name = `csp-${url.split('/').pop().replace('.html', '')}-${opts.width}${opts.colorScheme === 'dark' ? '-dark' : ''}.png`;
      await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
      assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], url);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${url} at ${opts.width}px is ${overflow}px wider than the viewport`);
      assert.deepEqual(problems, [], url);
    } finally {
      await context.close();
    }
  }
});

test('the URL hash round-trips every state field', async () => {
  const { context, page, problems } = await newPage(`${base()}headscope/index.html`);
  try {
    await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
    const info = await page.evaluate(() => window.headscope.state.model.info);
    const history0 = await page.evaluate(() => history.length);
    const L = info.n_layer - 1;
    const H = info.n_head - 1;
    // change everything through the page
    await page.evaluate(() => window.headscope.setText('Round & trip: the hash keeps #everything, even 50% + “quotes”.'));
    await page.evaluate(([l, h]) => window.headscope.select(l, h), [L, H]);
    await page.evaluate(() => window.headscope.setView('matrix'));
    await page.selectOption('#scale-select', 'sqrt');
    await page.selectOption('#roles-source', 'probe');
    await page.evaluate(() => window.headscope.setQuery(2));
    await page.click('#tokens .chip-tok:nth-child(3)'); // pin token 2
    await page.evaluate((l) => window.headscope.setKnobs({ scale: false, causal: false, temperature: 2, temperatureHead: `${l}.0`, ablate: ['0.0', `${l}.1`], ablation: 'mean' }), L);
    await page.waitForSelector('#app[data-state="rendered"]');
    await page.waitForFunction(() => location.hash.includes('ablation=mean'));
    const want = await page.evaluate(() => {
      const s = window.headscope.state;
      return { text: document.getElementById('text').value, layer: s.layer, head: s.head, view: s.view, colour: s.scale,
        pin: s.pinPos, query: s.queryPos, roles: s.roleSource, knobs: s.knobs };
    });
    const hash = await page.evaluate(() => location.hash);
    const historyLength = await page.evaluate(() => history.length);
    assert.equal(historyLength, history0, 'replaceState: no history entries');
    // the same fields come back in a fresh page from the hash alone
    const fresh = await newPage(`${base()}headscope/index.html${hash}`);
    try {
      await fresh.page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
      const got = await fresh.page.evaluate(() => {
        const s = window.headscope.state;
        return { text: document.getElementById('text').value, layer: s.layer, head: s.head, view: s.view, colour: s.scale,
          pin: s.pinPos, query: s.queryPos, roles: s.roleSource, knobs: s.knobs };
      });
      assert.deepEqual(got, want);
      assert.equal(await fresh.page.evaluate(() => location.hash), hash, 'the page writes back the same hash');
      // and the run used those knobs
      const opts = await fresh.page.evaluate(() => window.headscope.lastResult.options);
      assert.equal(opts.scale, false);
      assert.equal(opts.causal, false);
      assert.equal(opts.ablation, 'mean');
      assert.equal(opts.ablate, `0.0,${L}.1`);
      assert.deepEqual(fresh.problems, []);
    } finally {
      await fresh.context.close();
    }
    // a hand-edited hash (hashchange) is applied too
    await page.evaluate(() => { location.hash = '#text=Changed%20by%20hand&layer=1&view=head'; });
    await page.waitForFunction(() => window.headscope.lastResult.tokens.join('') === 'Changed by hand' && window.headscope.state.layer === 1);
    assert.equal(await page.evaluate(() => window.headscope.state.view), 'head');
    // copy link / embed code carry the state
    const embed = await page.evaluate(() => window.headscope.embedCode());
    assert.match(embed, /<iframe src="[^"]*index\.html#text=Changed%20by%20hand[^"]*"/);
    assert.match(embed, /<headscope-view text="Changed by hand" layer="1" head="0" view="head"/);
    assert.match(embed, /headscope-element\.js/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('exported SVG parses and carries the tokens; PNG is 2x; HTML in the text stays text', async () => {
  const { context, page, problems } = await newPage(`${base()}headscope/index.html#text=${encodeURIComponent(XSS)}`);
  try {
    await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
    const r = await page.evaluate(() => ({ tokens: window.headscope.lastResult.tokens, text: document.getElementById('text').value }));
    assert.equal(r.text, XSS);
    assert.equal(r.tokens.join(''), XSS);
    // nothing from the text became markup, nothing ran
    const dom = await page.evaluate(() => ({
      imgs: document.querySelectorAll('img').length,
      scripts: [...document.scripts].map((s) => s.src),
      strip: document.getElementById('tokens').textContent,
    }));
    assert.equal(dom.imgs, 0);
    assert.ok(dom.scripts.every((s) => s.endsWith('app.mjs')), dom.scripts.join(', '));
    assert.match(dom.strip, /<img/);
    for (const v of ['grid', 'head', 'matrix']) {
      const res = await page.evaluate((view) => {
        const svg = window.headscope.exportSvg(view);
        const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
        return {
          error: doc.getElementsByTagName('parsererror').length,
          root: doc.documentElement.nodeName,
          texts: [...doc.getElementsByTagName('text')].map((t) => t.textContent),
          rects: doc.getElementsByTagName('rect').length,
          images: doc.getElementsByTagName('image').length + doc.getElementsByTagName('foreignObject').length,
          scripts: doc.getElementsByTagName('script').length,
          size: svg.length,
        };
      }, v);
      assert.equal(res.error, 0, `${v}: parsererror`);
      assert.equal(res.root, 'svg');
      assert.equal(res.images, 0, `${v}: vector only`);
      assert.equal(res.scripts, 0);
      assert.ok(res.rects > 0);
      const all = res.texts.join('\n');
      assert.ok(all.includes(XSS), `${v}: the sentence is in the picture`);
      assert.match(all, /model /);
      if (v !== 'grid') {
        assert.match(all, /layer \d+ · head \d+/);
        for (const t of r.tokens) {
          const label = t.replace(/ /g, '·');
          assert.ok(res.texts.some((x) => x === label || x.startsWith(label.slice(0, 12))), `${v}: token “${t}” is in the SVG`);
        }
      }
    }
    // the next-token picture: the top predictions after the last token, as the worker computed them
    const next = await page.evaluate(() => {
      const n = window.headscope.lastResult.next;
      const T = window.headscope.lastResult.T;
      const svg = window.headscope.exportSvg('next');
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      return {
        texts: [...doc.getElementsByTagName('text')].map((t) => t.textContent),
        error: doc.getElementsByTagName('parsererror').length,
        top: Array.from({ length: n.k }, (_, q) => ({ tok: n.topTokens[(T - 1) * n.k + q], p: n.topP[(T - 1) * n.k + q] })),
        T,
      };
    });
    assert.equal(next.error, 0);
    assert.ok(next.texts.some((t) => t.includes(`after token #${next.T - 1} of ${next.T} · next token`)), next.texts.join('\n'));
    assert.ok(next.top.length >= 3);
    for (const { tok, p } of next.top) {
      assert.ok(next.texts.includes(clip(tokenLabel(tok), 20)), `next: “${tok}” is in the SVG`);
      const pct = p >= 0.1 ? `${(p * 100).toFixed(1)}%` : p >= 0.001 ? `${(p * 100).toFixed(2)}%` : `${(p * 100).toExponential(1)}%`;
      assert.ok(next.texts.includes(pct), `next: ${pct} for “${tok}” is in the SVG`);
    }
    assert.ok(next.texts.some((x) => /^end of the text · uncertainty \d+\.\d\d bits$/.test(x)), next.texts.join('\n'));
    // the inside picture: the focused head's weights for the query, as the module computed them
    await page.evaluate(() => window.headscope.setView('inside'));
    await page.waitForFunction(() => !!window.headscope.lastResult.qkv);
    const inside = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      const { layer, head } = window.headscope.state;
      const T = r.T, H = r.n_head;
      const svg = window.headscope.exportSvg('inside');
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      const row = Array.from(r.attention.subarray(((layer * H + head) * T + T - 1) * T, ((layer * H + head) * T + T) * T));
      return { texts: [...doc.getElementsByTagName('text')].map((t) => t.textContent), error: doc.getElementsByTagName('parsererror').length, row, T };
    });
    assert.equal(inside.error, 0);
    assert.ok(inside.texts.some((t) => t.startsWith(`query: token #${inside.T - 1} `)), inside.texts.join('\n'));
    for (let j = 0; j < inside.T; j++) {
      assert.ok(inside.texts.includes(inside.row[j].toFixed(3)), `inside: weight ${inside.row[j].toFixed(3)} of key #${j} is in the SVG`);
    }
    await page.evaluate(() => window.headscope.setView('grid'));
    // the PNG is drawn at 2x
    // (the buttons export the current view: measure that same view's SVG)
    const png = await page.evaluate(async () => {
      const svg = new DOMParser().parseFromString(window.headscope.exportSvg(), 'image/svg+xml').documentElement;
      return { len: window.headscope.exportPng(), w: Number(svg.getAttribute('width')) };
    });
    assert.ok(png.len > 1000);
    // a real download through the button
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const file = path.join(ARTIFACTS, 'export-example.svg');
    await download.saveAs(file);
    assert.match(fs.readFileSync(file, 'utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#export-png')]);
    const pngFile = path.join(ARTIFACTS, 'export-example.png');
    await dl2.saveAs(pngFile);
    const buf = fs.readFileSync(pngFile);
    assert.equal(buf.readUInt32BE(16), 2 * png.w, 'PNG width is twice the SVG width');
    // the button on the next-token tab exports that view
    await page.evaluate(() => window.headscope.setView('next'));
    const [dl3] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    assert.match(dl3.suggestedFilename(), /^headscope-[a-z0-9-]+-next-after\d+\.svg$/);
    const nextFile = path.join(ARTIFACTS, 'export-next.svg');
    await dl3.saveAs(nextFile);
    assert.match(fs.readFileSync(nextFile, 'utf8'), /· next token</);
    // control characters in the text (not allowed in XML) are written as <0xNN> and the SVG still parses
    await page.evaluate(() => window.headscope.setText('Esc \u001b and form feed \u000c here'));
    for (const v of ['grid', 'head', 'matrix', 'next']) {
      const res = await page.evaluate((view) => {
        const doc = new DOMParser().parseFromString(window.headscope.exportSvg(view), 'image/svg+xml');
        return { error: doc.getElementsByTagName('parsererror').length, all: doc.documentElement.textContent };
      }, v);
      assert.equal(res.error, 0, `${v}: control characters break the SVG`);
      assert.match(res.all, /<0x1B>/, `${v}: ESC is shown as <0x1B>`);
    }
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // the element: the same text as an attribute
  const el = await newPage(`${base()}xss.html`);
  try {
    await allRendered(el.page);
    const got = await el.page.evaluate(() => {
      const e = document.getElementById('x');
      return {
        tokens: e.lastResult.tokens.join(''),
        text: e.shadowRoot.querySelector('textarea').value,
        imgs: document.querySelectorAll('img').length + e.shadowRoot.querySelectorAll('img, script').length,
        strip: e.shadowRoot.querySelector('.token-strip').textContent,
      };
    });
    assert.equal(got.tokens, XSS);
    assert.equal(got.text, XSS);
    assert.equal(got.imgs, 0);
    assert.match(got.strip, /<img/);
    assert.deepEqual(el.problems, []);
  } finally {
    await el.context.close();
  }
});

test('a packaged copy (as ./build-wasm.sh dist makes it) works from a sub-folder, requesting nothing outside it', async () => {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'headscope-dist-'));
  const folder = path.join(dir, 'courses/ml-101/unit-4/headscope');
  fs.mkdirSync(folder, { recursive: true });
  // the same packaging command as build-wasm.sh's dist mode
  execFileSync('bash', ['-c', `(cd "${path.join(ROOT_DIR, 'web')}" && tar --exclude='*.test.mjs' -cf - .) | (cd "${folder}" && tar -xf -)`]);
  fs.writeFileSync(path.join(folder, '..', 'lesson.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Unit 4</title>
<link rel="icon" href="headscope/favicon.svg"><script type="module" src="headscope/headscope-element.js"></script></head>
<body><headscope-view text="Packaged and moved: it still works." view="grid"></headscope-view></body></html>`);
  const srv = await startServer({ csp: true, root: dir });
  try {
    const unit = `${srv.url}courses/ml-101/unit-4/`;
    for (const url of [`${unit}lesson.html`, `${unit}headscope/`, `${unit}headscope/embed.html`]) {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      await watchCsp(context);
      const page = await context.newPage();
      const requests = [];
      const problems = [];
      context.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      try {
        await page.goto(url);
        if (url.endsWith('/headscope/')) await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
        else await allRendered(page);
        const outside = requests.filter((u) => !u.startsWith(unit));
        assert.deepEqual(outside, [], `${url}: requests outside the course folder`);
        assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
        assert.deepEqual(problems, [], url);
      } finally {
        await context.close();
      }
    }
  } finally {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad model URL: data-state="error" and a headscope:error event; the other element still renders', async () => {
  const { context, page, problems } = await newPage(`${base()}bad.html`);
  try {
    await page.waitForFunction(() => document.getElementById('bad').dataset.state === 'error' &&
      document.getElementById('good').dataset.state === 'rendered', null, { timeout: 60000 });
    const msg = await page.evaluate(() => document.getElementById('bad').shadowRoot.querySelector('.error').textContent);
    assert.match(msg, /Could not open the model: .*no-such-model\/config\.json: HTTP 404/);
    // the event bubbles out of the shadow root to the document
    const detail = await page.evaluate(() => new Promise((resolve) => {
      document.addEventListener('headscope:error', (e) => resolve({ message: e.detail.message, target: e.target.id }), { once: true });
      document.getElementById('bad').setAttribute('model', 'still-missing/');
    }));
    assert.equal(detail.target, 'bad');
    assert.match(detail.message, /still-missing/);
    // the only console errors are the browser's own 404 lines for the missing files
    assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
  } finally {
    await context.close();
  }
});

// "rendered" means rendered (canvas sizes at each element's first headscope:rendered
// event = 600 ms later): tests/web/engines.test.mjs, in Chromium, Firefox and WebKit.
