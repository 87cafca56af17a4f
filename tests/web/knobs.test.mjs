// tests/web/knobs.test.mjs — issue 7, teaching how a head works, in headless
// Chromium under the strict CSP: ablating every head of a layer in the page
// equals the native CLI's `run --ablate` (later layers' attention and
// logits_last, 1e-4); turning the scale off equals softmax of the run's own raw
// scores with the causal mask and no 1/sqrt(d_k) (1e-5); the "Inside one head"
// panel shows the kernels' numbers; role labels on constructed inputs match the
// module's roles; knobs via ctrl-click, checkboxes and the element's attributes;
// "Rank heads" (switch off the N least important) ranks by the loss increase (native
// `score --ablate`), shows progress, can be cancelled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, afterDraw, watchCsp, ARTIFACTS, NATIVE_CLI, ROOT, rolesTableDrawn } from './helpers.mjs';

let server;
let browser;
let model;

before(async () => ({ model, server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

function native(cmd, text, extra = []) {
  if (!fs.existsSync(NATIVE_CLI)) assert.fail(`the native CLI ${NATIVE_CLI} is missing: build it with cmake --preset native && cmake --build --preset native`);
  return JSON.parse(execFileSync(NATIVE_CLI, [cmd, '--model', model.dir, '--text', text, ...extra], { maxBuffer: 1 << 28 }));
}

// The module's roles for a text (the wasm module under Node: web/cli.mjs roles).
function moduleRoles(text) {
  return JSON.parse(execFileSync(process.execPath, ['--no-experimental-fetch', path.join(ROOT, 'web/cli.mjs'), 'roles', '--model', model.dir, '--text', text],
    { maxBuffer: 1 << 26 }));
}

async function open(hash = '', opts = {}) {
  const context = await browser.newContext({ viewport: { width: opts.width || 1280, height: 900 }, colorScheme: opts.colorScheme || 'light', deviceScaleFactor: 1 });
  await watchCsp(context);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(server.url + hash);
  await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
  await afterDraw(page);
  return { context, page, problems };
}

const result = (page) => page.evaluate(() => {
  const r = window.headscope.lastResult;
  return { T: r.T, L: r.n_layer, H: r.n_head, C: r.n_embd, tokens: r.tokens, options: r.options,
    attention: Array.from(r.attention), logitsLast: Array.from(r.logitsLast),
    scores: r.scores ? Array.from(r.scores) : null, qkv: r.qkv ? Array.from(r.qkv) : null, headOut: r.headOut ? Array.from(r.headOut) : null };
});

const TEXT = 'When Mary and John went to the store, John gave a drink to Mary.';

test('ablating every head of a layer equals the native CLI (later layers, logits_last)', async () => {
  const { context, page, problems } = await open(`#text=${encodeURIComponent(TEXT)}`);
  try {
    const { n_layer: L, n_head: H } = await page.evaluate(() => window.headscope.state.model.info);
    const layer = Math.min(1, L - 2);
    await page.click('#knobs summary');
    // tick every head of the layer in the checkbox list (each tick re-runs)
    for (let h = 0; h < H; h++) await page.check(`#ablate-list input[value="${layer}.${h}"]`);
    const heads = Array.from({ length: H }, (_, h) => `${layer}.${h}`).join(',');
    await page.waitForFunction((a) => window.headscope.lastResult.options.ablate === a && document.getElementById('app').dataset.state === 'rendered', heads);
    for (const mode of ['zero', 'mean']) {
      if (mode === 'mean') {
        await page.selectOption('#knob-ablation', 'mean');
        await page.waitForFunction(() => window.headscope.lastResult.options.ablation === 'mean' && document.getElementById('app').dataset.state === 'rendered');
      }
      const got = await result(page);
      const ref = native('run', TEXT, ['--ablate', heads, '--ablate-mode', mode]);
      assert.deepEqual(got.tokens, ref.tokens);
      let worst = 0;
      for (let l = layer + 1; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < got.T; i++) for (let j = 0; j < got.T; j++) {
        worst = Math.max(worst, Math.abs(got.attention[((l * H + h) * got.T + i) * got.T + j] - ref.attention[l][h][i][j]));
      }
      let worstLogit = 0;
      for (let v = 0; v < ref.logits_last.length; v++) worstLogit = Math.max(worstLogit, Math.abs(got.logitsLast[v] - ref.logits_last[v]));
      assert.ok(worst <= 1e-4, `${mode}: max |page - native| attention of later layers = ${worst}`);
      assert.ok(worstLogit <= 1e-4, `${mode}: max |page - native| logits_last = ${worstLogit}`);
      // and the ablation changed something (the comparison is not vacuous)
      const plain = native('run', TEXT);
      let diff = 0;
      for (let v = 0; v < plain.logits_last.length; v++) diff = Math.max(diff, Math.abs(plain.logits_last[v] - ref.logits_last[v]));
      assert.ok(diff > 1e-3, `${mode}: ablation changes the logits (${diff})`);
    }
    // the loss line shows the change (scoreJson with and without the knobs) = native score
    // (the loss of the run on screen: the line of the zero-ablation run before it also has an arrow)
    await page.waitForFunction(() => {
      const line = document.getElementById('loss');
      return line.dataset.run === String(window.headscope.lastResult.id) && /→/.test(line.textContent);
    }, null, { timeout: 30000 });
    const loss = await page.evaluate(() => ({ base: Number(document.getElementById('loss').dataset.base), knobs: Number(document.getElementById('loss').dataset.knobs) }));
    const nb = native('score', TEXT);
    const nk = native('score', TEXT, ['--ablate', heads, '--ablate-mode', 'mean']);
    assert.ok(Math.abs(loss.base - nb.mean_nll) <= 1e-4, `base loss ${loss.base} vs ${nb.mean_nll}`);
    assert.ok(Math.abs(loss.knobs - nk.mean_nll) <= 1e-4, `loss with knobs ${loss.knobs} vs ${nk.mean_nll}`);
    // ctrl-click a head in the grid switches it back on; X on the grid cursor too
    const g = await page.evaluate(() => {
      const c = document.getElementById('grid-canvas');
      return { w: c.clientWidth, H: window.headscope.lastResult.n_head };
    });
    const cell = Math.floor((g.w - 30 - 4 * (g.H - 1)) / g.H);
    await page.locator('#grid-canvas').click({ position: { x: 30 + cell / 2, y: 18 + layer * (cell + 4) + cell / 2 }, modifiers: ['Control'] });
    await page.waitForFunction((l) => !window.headscope.state.knobs.ablate.includes(`${l}.0`), layer);
    await page.evaluate(() => window.headscope.select(0, 0));
    await page.focus('#grid-canvas');
    await page.keyboard.press('x');
    await page.waitForFunction(() => window.headscope.state.knobs.ablate.includes('0.0'));
    await page.waitForFunction(() => window.headscope.lastResult.options.ablate.startsWith('0.0,'));
    await afterDraw(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'knobs-ablated-1280.png'), fullPage: true });
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('scale off equals softmax of the run\'s own raw scores (causal mask, no 1/sqrt(dk)); inside-a-head shows the kernels\' numbers', async () => {
  const { context, page, problems } = await open(`#text=${encodeURIComponent(TEXT)}&view=inside`);
  try {
    await page.waitForFunction(() => window.headscope.lastResult.scores);
    await page.click('#knobs summary');
    await page.uncheck('#knob-scale');
    await page.waitForFunction(() => window.headscope.lastResult.options.scale === false && window.headscope.lastResult.scores && document.getElementById('app').dataset.state === 'rendered');
    const r = await result(page);
    const { T, L, H } = r;
    let worst = 0;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
      const off = ((l * H + h) * T + i) * T;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) max = Math.max(max, r.scores[off + j]);
      let sum = 0;
      const e = [];
      for (let j = 0; j < T; j++) { e[j] = j <= i ? Math.exp(r.scores[off + j] - max) : 0; sum += e[j]; }
      for (let j = 0; j < T; j++) worst = Math.max(worst, Math.abs(e[j] / sum - r.attention[off + j]));
    }
    assert.ok(worst <= 1e-5, `max |attention - softmax(raw scores)| = ${worst}`);
    // with the scale on, the same reference with 1/sqrt(dk) (sanity of the reference itself)
    await page.check('#knob-scale');
    await page.waitForFunction(() => window.headscope.lastResult.options.scale === true && window.headscope.lastResult.scores && document.getElementById('app').dataset.state === 'rendered');
    const s = await result(page);
    const dk = s.C / s.H;
    let worstOn = 0;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
      const off = ((l * H + h) * T + i) * T;
      let max = -Infinity;
      for (let j = 0; j <= i; j++) max = Math.max(max, s.scores[off + j] / Math.sqrt(dk));
      let sum = 0;
      const e = [];
      for (let j = 0; j <= i; j++) { e[j] = Math.exp(s.scores[off + j] / Math.sqrt(dk) - max); sum += e[j]; }
      for (let j = 0; j <= i; j++) worstOn = Math.max(worstOn, Math.abs(e[j] / sum - s.attention[off + j]));
    }
    assert.ok(worstOn <= 1e-5, `scale on: ${worstOn}`);
    // the panel for layer 1, head 1, query token 5: the weights it shows are the attention row,
    // the output strip is headOut, q is the qkv slice
    const l = Math.min(1, L - 1), h = Math.min(1, H - 1), q = 5;
    await page.evaluate(([l, h]) => window.headscope.select(l, h), [l, h]);
    await page.selectOption('#inside-query', String(q));
    await page.waitForFunction(([l, h, q]) => document.querySelector('.inside-canvas').getAttribute('aria-label').startsWith(`Inside layer ${l} head ${h} for token ${q}:`), [l, h, q]);
    const label = await page.getAttribute('.inside-canvas', 'aria-label');
    const shown = [...label.matchAll(/#(\d+) (\d\.\d\d)/g)].map((m) => Number(m[2]));
    assert.equal(shown.length, q + 1);
    for (let j = 0; j <= q; j++) assert.ok(Math.abs(shown[j] - s.attention[((l * H + h) * T + q) * T + j]) <= 0.006, `weight ${j}`);
    assert.match(await page.textContent('.inside-shapes'), new RegExp(`d_model ${s.C} = ${H} heads × d_k ${dk}`));
    assert.match(await page.textContent('.inside-steps'), /√d_k = √\d+/);
    // hover a q cell: the tooltip shows the exact qkv number (the canvas scrolled into the viewport first)
    await page.locator('.inside-canvas').scrollIntoViewIfNeeded();
    const box = await page.locator('.inside-canvas').boundingBox();
    await page.mouse.move(box.x + 96 + 1, box.y + 27);
    await page.waitForSelector('#tooltip:not([hidden])');
    const tip = await page.textContent('#tooltip');
    const m = tip.match(/q_5\[0\] = (-?\d+\.\d+)/);
    assert.ok(m, tip);
    assert.ok(Math.abs(Number(m[1]) - s.qkv[(l * T + q) * 3 * s.C + h * dk]) <= 1e-5);
    await page.mouse.move(1, 1);
    await afterDraw(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'inside-head-1280.png'), fullPage: true });
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // readable at 360 px and in dark
  const small = await open(`#text=${encodeURIComponent('The cat sat on the mat.')}&view=inside&layer=1&head=1`, { width: 360, colorScheme: 'dark' });
  try {
    await small.page.waitForFunction(() => window.headscope.lastResult.scores);
    await afterDraw(small.page);
    await small.page.screenshot({ path: path.join(ARTIFACTS, 'inside-head-360-dark.png'), fullPage: true });
    const overflow = await small.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `360 px: ${overflow}px too wide`);
    assert.deepEqual(small.problems, []);
  } finally {
    await small.context.close();
  }
});

test('role labels on constructed inputs match the module\'s roles', async () => {
  const seq = 'river piano seven mango lantern quiet ocean violet';
  const cases = [
    ['a repeated sequence', `${seq} ${seq}`],
    ['identical tokens', ' the'.repeat(24).trim()],
  ];
  const { context, page, problems } = await open();
  try {
    for (const [name, text] of cases) {
      await page.evaluate((t) => window.headscope.setText(t), text);
      await page.waitForFunction(() => document.getElementById('app').dataset.state === 'rendered');
      await rolesTableDrawn(page);
      const shown = await page.evaluate(() => {
        const grid = document.getElementById('grid-canvas').dataset.roles.split(' ').filter(Boolean);
        const table = [...document.querySelectorAll('#roles-table tbody tr')].map((tr) => [tr.dataset.head,
          tr.querySelector('td.role-cell.text').dataset.role, tr.querySelector('td.role-cell.probe').dataset.role]);
        return { grid, table, fromResult: window.headscope.lastResult.roles };
      });
      const ref = moduleRoles(text);
      const { n_layer: L, n_head: H } = await page.evaluate(() => window.headscope.state.model.info);
      const want = [];
      for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) if (ref.text.roles[l][h] !== 'mixed') want.push(`${l}.${h}:${ref.text.roles[l][h]}`);
      assert.deepEqual(shown.grid, want, `${name}: grid labels`);
      assert.deepEqual(shown.fromResult.text.roles, ref.text.roles, `${name}: the page's roles are lastRunRoles`);
      for (const [head, textRole, probeRole] of shown.table) {
        const [l, h] = head.split('.').map(Number);
        assert.equal(textRole, ref.text.roles[l][h], `${name}: table ${head}`);
        assert.equal(probeRole, ref.probe.roles[l][h], `${name}: table probe ${head}`);
      }
      // the scores in the table are the module's
      const cell = await page.evaluate(() => [...document.querySelectorAll('#roles-table tbody tr')][0].querySelectorAll('td.num')[4].textContent);
      const v = ref.text.scores[0][0][4];
      assert.equal(cell, v === null ? '–' : v.toFixed(2));
    }
    // the definitions are documented in the page
    await page.click('#role-help summary');
    const defs = await page.textContent('#role-defs');
    for (const n of ['previous_token', 'first_token', 'self', 'same_token', 'induction', 'punctuation']) assert.ok(defs.includes(n), n);
    await page.screenshot({ path: path.join(ARTIFACTS, 'roles-identical-tokens-1280.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('rank heads, switch off the N least important: ranking = native score --ablate, progress, cancel', async () => {
  const text = 'The cat sat on the mat because it was tired.';
  const { context, page, problems } = await open(`#text=${encodeURIComponent(text)}`);
  try {
    const { n_layer: L, n_head: H } = await page.evaluate(() => window.headscope.state.model.info);
    await page.click('#knobs summary');
    // cancel a ranking in progress
    // (start and cancel in one task: a small model can finish the whole ranking
    // before a second click from here would arrive)
    const shown = await page.evaluate(() => {
      document.getElementById('rank-go').click();
      const cancel = document.getElementById('rank-cancel');
      const visible = !cancel.hidden;
      cancel.click();
      return visible;
    });
    assert.ok(shown, 'the Cancel button is shown while a ranking runs');
    await page.waitForFunction(() => /cancelled/.test(document.getElementById('rank-status').textContent));
    assert.deepEqual(await page.evaluate(() => window.headscope.state.knobs.ablate), []);
    // a full ranking; the page stays responsive meanwhile
    await page.fill('#rank-n', '3');
    await page.click('#rank-go');
    await page.waitForFunction(() => document.getElementById('rank-status').dataset.ranking, null, { timeout: 120000 });
    const ranking = JSON.parse(await page.getAttribute('#rank-status', 'data-ranking'));
    assert.equal(ranking.length, L * H);
    const base = native('score', text).mean_nll;
    for (const [i, d] of [ranking[0], ranking[ranking.length - 1]]) {
      const s = native('score', text, ['--ablate', `${Math.floor(i / H)}.${i % H}`]).mean_nll;
      assert.ok(Math.abs(s - base - d) <= 1e-4, `head ${i}: page ${d} vs native ${s - base}`);
    }
    for (let k = 1; k < ranking.length; k++) assert.ok(ranking[k][1] >= ranking[k - 1][1]);
    const chosen = ranking.slice(0, 3).map(([i]) => `${Math.floor(i / H)}.${i % H}`)
      .sort((a, b) => a.split('.')[0] - b.split('.')[0] || a.split('.')[1] - b.split('.')[1]);
    await page.waitForFunction((c) => window.headscope.lastResult.options.ablate === c, chosen.join(','));
    assert.deepEqual(await page.evaluate(() => window.headscope.state.knobs.ablate), chosen);
    assert.match(await page.evaluate(() => location.hash), new RegExp(`ablate=${chosen.join('%2C')}`));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the element\'s knob attributes re-run it (= native CLI)', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  await watchCsp(ctx);
  const p = await ctx.newPage();
  const errs = [];
  p.on('console', (m) => { if (m.type() === 'error') errs.push(m.text()); });
  try {
    await p.goto(server.url + 'embed.html');
    await p.waitForFunction(() => [...document.querySelectorAll('headscope-view')].every((e) => e.dataset.state === 'rendered'), null, { timeout: 60000 });
    const text = await p.evaluate(() => document.getElementById('example-1').getAttribute('text'));
    await p.evaluate(async () => {
      const el = document.getElementById('example-1');
      const done = el.whenRendered();
      el.setAttribute('ablate', '0.1,1.2');
      el.setAttribute('ablation', 'mean');
      el.setAttribute('causal', '0');
      el.setAttribute('temperature', '2');
      el.setAttribute('temperature-head', '2.1');
      await done;
      await new Promise((r) => setTimeout(r, 300));
      if (el.dataset.state !== 'rendered') await el.whenRendered();
    });
    await p.waitForFunction(() => {
      const o = document.getElementById('example-1').lastResult.options;
      return o.ablation === 'mean' && o.causal === false && o.temperature_head === '2.1';
    });
    const got = await p.evaluate(() => {
      const r = document.getElementById('example-1').lastResult;
      return { T: r.T, L: r.n_layer, H: r.n_head, attention: Array.from(r.attention), logitsLast: Array.from(r.logitsLast) };
    });
    const ref = native('run', text, ['--ablate', '0.1,1.2', '--ablate-mode', 'mean', '--no-causal', '--temperature', '2', '--temperature-head', '2.1']);
    let worst = 0;
    for (let l = 0; l < got.L; l++) for (let h = 0; h < got.H; h++) for (let i = 0; i < got.T; i++) for (let j = 0; j < got.T; j++) {
      worst = Math.max(worst, Math.abs(got.attention[((l * got.H + h) * got.T + i) * got.T + j] - ref.attention[l][h][i][j]));
    }
    for (let v = 0; v < ref.logits_last.length; v++) worst = Math.max(worst, Math.abs(got.logitsLast[v] - ref.logits_last[v]));
    assert.ok(worst <= 1e-4, `element with knobs vs native: ${worst}`);
    assert.deepEqual(await p.evaluate(() => window.__cspViolations), []);
    assert.deepEqual(errs, []);
  } finally {
    await ctx.close();
  }
});
