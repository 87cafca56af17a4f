// tests/web/families.test.mjs — issue 15, every model family on the page and in
// the element, in headless Chromium under the strict CSP: random Llama-style
// (grouped key/value heads), GPT-NeoX and BERT-style checkpoints
// (tests/reference/families) opened through the file picker draw attention equal
// to the native CLI's (1e-4); the header names the family and shape; the grid and
// the head view show which query heads share a key/value head; the inside view
// slices q/k/v with the grouped layout; the BERT page draws full matrices, its
// "Masked token" view masks a clicked token and shows the CLI's prediction at that
// position, its export works, and the knobs that do not apply show their reason;
// a BERT without its masked-LM head says so; a <headscope-view> draws a
// Llama-style folder. Screenshots of the Llama grid and the BERT masked view go
// to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requireNativeCli, defaultModel, courseSite, serveSite, closeSite, openPage, afterDraw, ARTIFACTS, NATIVE_CLI, ROOT } from './helpers.mjs';

const FAMILIES = path.join(ROOT, 'tests/reference/families');
const BERT_HEAD = ['cls.predictions.transform.dense.weight', 'cls.predictions.transform.dense.bias',
  'cls.predictions.transform.LayerNorm.weight', 'cls.predictions.transform.LayerNorm.bias', 'cls.predictions.bias'];
// name -> [family, options]
const CHECKPOINTS = {
  llama: ['llama', ['--layers', '2', '--heads', '6', '--kv-heads', '2']],
  neox: ['gpt_neox', ['--layers', '2', '--heads', '4']],
  bert: ['bert', ['--layers', '2', '--heads', '4']],
  'bert-nohead': ['bert', ['--layers', '2', '--heads', '4', ...BERT_HEAD.flatMap((t) => ['--drop-tensor', t])]],
};

let site;
let server;
let browser;
const dirs = {};

before(async () => {
  requireNativeCli();
  defaultModel(); // the page's own bundled model (web/dist must be built)
  site = courseSite({
    'llama-embed.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Llama element</title>
<link rel="icon" href="headscope/favicon.svg">
<script type="module" src="headscope/headscope-element.js"></script></head><body>
<headscope-view id="llama" text="The cat sat on the mat." layer="1" head="4" view="grid" model="models/llama/"></headscope-view>
<headscope-view id="bert" text="The cat sat." view="grid" causal="0" model="models/bert/"></headscope-view>
</body></html>`,
  });
  for (const [name, [family, opts]] of Object.entries(CHECKPOINTS)) {
    dirs[name] = path.join(site, 'course/week-3/models', name);
    execFileSync('/usr/bin/python3', [FAMILIES, 'make', family, dirs[name], ...opts], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  ({ server, browser } = await serveSite(site));
});

after(() => closeSite({ server, browser, site }));

const pageUrl = () => `${server.url}course/week-3/headscope/index.html`;

function nativeRun(dir, text) {
  return JSON.parse(execFileSync(NATIVE_CLI, ['run', '--model', dir, '--text', text], { maxBuffer: 1 << 28 }));
}

// Open a checkpoint folder through the page's file picker and draw `text` with it.
async function openModel(page, name, text) {
  const files = ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => path.join(dirs[name], f));
  await page.setInputFiles('#model-files', files);
  await page.waitForFunction((family) => {
    const s = window.headscope.state;
    return s.model && s.model.source === 'file' && s.model.info.family === family;
  }, CHECKPOINTS[name][0], { timeout: 30000 });
  await page.evaluate((t) => window.headscope.setText(t), text);
  await page.waitForFunction((t) => {
    const r = window.headscope.lastResult;
    return document.getElementById('app').dataset.state === 'rendered' && r && r.text === t && r.modelName && r.family;
  }, text, { timeout: 30000 });
}

// max |got - native| over every head's attention (got: {T, L, H, attention [L*H*T*T]})
function attentionError(got, ref) {
  const { T, L, H } = got;
  let worst = 0;
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    worst = Math.max(worst, Math.abs(got.attention[((l * H + h) * T + i) * T + j] - ref.attention[l][h][i][j]));
  }
  return worst;
}

// The page with checkpoint `name` opened through the picker and `text` drawn; its
// attention must be the native CLI's (1e-4). fn({page, drawn}) does the rest; no
// console errors after it.
async function withFamilyPage(name, text, fn, { width = 1280, height = 900 } = {}) {
  const { context, page, problems } = await openPage(browser, pageUrl(), { width, height });
  try {
    await openModel(page, name, text);
    const drawn = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      return { ids: r.ids, T: r.T, L: r.n_layer, H: r.n_head, causal: r.causal, attention: Array.from(r.attention) };
    });
    const ref = nativeRun(dirs[name], text);
    assert.deepEqual(drawn.ids, ref.ids);
    const worst = attentionError(drawn, ref);
    assert.ok(worst <= 1e-4, `${name}: max |page - native| = ${worst}`);
    await fn({ page, drawn });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
}

test('Llama-style (grouped KV): attention = native, the family in the header, kv groups in the grid, head view and inside view', async () => {
  await withFamilyPage('llama', 'The cat sat on the mat. The cat sat.', async ({ page }) => {
    assert.match(await page.textContent('#model-info'), /Llama-style · 2 layers × 6 heads, 2 key\/value heads/);

    // the grid: two groups of three query heads, labelled kv 0 and kv 1
    await page.evaluate(() => window.headscope.setView('grid'));
    await page.waitForFunction(() => document.getElementById('grid-canvas').dataset.kvGroups);
    assert.equal(await page.getAttribute('#grid-canvas', 'data-kv-groups'), '0:0-2 1:3-5');
    // the grid's tooltip names the heads sharing the hovered head's keys and values
    const box = await page.$eval('#grid-canvas', (c) => { const b = c.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height }; });
    // head 4 of layer 0: LABEL_W 30 + 4 cells (and gaps) across, below the two label rows
    const cell = (box.w - 30 - 5 * 4) / 6;
    await page.mouse.move(box.x + 30 + 4 * (cell + 4) + cell / 2, box.y + 32 + cell / 2);
    await page.waitForFunction(() => !document.getElementById('tooltip').hidden);
    const tip = await page.textContent('#tooltip');
    assert.match(tip, /Layer 0 · head 4/);
    assert.match(tip, /shares its keys and values with heads 3–5 \(key\/value head 1\)/);
    await page.mouse.move(box.x - 20, box.y - 20);
    await page.screenshot({ path: path.join(ARTIFACTS, 'families-llama-grid-1280.png'), fullPage: false });
    // the exported grid keeps the groups
    const svg = await page.evaluate(() => window.headscope.exportSvg('grid'));
    for (const g of ['kv 0', 'kv 1']) assert.ok(svg.includes(`>${g}</text>`), `the exported grid labels ${g}`);

    // the head view says which heads share the focused head's keys and values
    await page.evaluate(() => { window.headscope.select(1, 1); window.headscope.setView('head'); });
    await page.waitForFunction(() => /head 1/.test(document.getElementById('headview-title').textContent));
    assert.equal(await page.textContent('#headview-kv'), 'Head 1 shares its keys and values with heads 0–2 (key/value head 0).');

    // the inside view reads q | k | v [Q + 2 KV] per token: each head's q·k from its slices is the
    // kernel's raw score, and heads of one group read the same keys
    await page.evaluate(() => { window.headscope.select(1, 4); window.headscope.setView('inside'); });
    await page.waitForFunction(() => window.headscope.lastResult.qkv && window.headscope.lastResult.qkv.length, null, { timeout: 30000 });
    const inside = await page.evaluate(async () => {
      const { headInternals } = await import('./views/inside.mjs');
      const r = window.headscope.lastResult;
      const out = [];
      for (const head of [0, 2, 3, 5]) {
        const app = { state: { layer: 1, head }, queryPos: () => r.T - 1, isAblated: () => false };
        const d = headInternals(r, app);
        let worst = 0;
        for (let j = 0; j < r.T; j++) {
          let dot = 0;
          for (let c = 0; c < d.dk; c++) dot += d.q[c] * d.k[j][c];
          worst = Math.max(worst, Math.abs(dot - d.raw[j]) / Math.max(1, Math.abs(d.raw[j])));
        }
        out.push({ head, worst, k0: Array.from(d.k[0]), v0: Array.from(d.v[0]), shape: r.qkv.length / (r.n_layer * r.T) });
      }
      return { out, shapes: document.querySelector('.inside-shapes').textContent, Q: r.n_head * r.head_dim, KV: r.n_kv_head * r.head_dim };
    });
    assert.equal(inside.out[0].shape, inside.Q + 2 * inside.KV, 'qkv holds Q + 2 KV floats per token');
    for (const o of inside.out) assert.ok(o.worst < 1e-3, `head ${o.head}: q·k from the slices vs the kernel's score: ${o.worst}`);
    assert.deepEqual(inside.out[0].k0, inside.out[1].k0, 'heads 0 and 2 share key/value head 0');
    assert.deepEqual(inside.out[2].v0, inside.out[3].v0, 'heads 3 and 5 share key/value head 1');
    assert.notDeepEqual(inside.out[0].k0, inside.out[2].k0, 'heads 0 and 3 read different keys');
    assert.match(inside.shapes, /shares its keys and values with heads 3–5/);
    assert.match(await page.textContent('.inside-steps [data-step="k"]'), /key\/value head 1's keys, which this head shares .* with heads 3–5\./);
    await page.screenshot({ path: path.join(ARTIFACTS, 'families-llama-inside-1280.png'), fullPage: true });
    // decoders: no reason shown, the knobs apply
    assert.equal(await page.isDisabled('#knob-causal'), false);
    assert.equal(await page.isHidden('#knob-causal-reason'), true);
  });
});

test('the module lists qkv as [L, T, Q + 2 KV] and head_out as [L, T, Q] for grouped-KV models', async () => {
  await withFamilyPage('llama', 'The cat sat.', async ({ page }) => {
    await page.evaluate(() => window.headscope.setView('inside'));
    await page.waitForFunction(() => window.headscope.lastResult.qkv && window.headscope.lastResult.qkv.length, null, { timeout: 30000 });
    const got = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      return { qkv: r.qkv.length, headOut: r.headOut.length, L: r.n_layer, T: r.T, Q: r.n_head * r.head_dim, KV: r.n_kv_head * r.head_dim };
    });
    assert.equal(got.qkv, got.L * got.T * (got.Q + 2 * got.KV));
    assert.equal(got.headOut, got.L * got.T * got.Q);
  }, { width: 1000, height: 800 });
});

test('GPT-NeoX: attention = native, the family in the header, no kv groups', async () => {
  await withFamilyPage('neox', 'Alice met Bob. Later, Alice thanked Bob.', async ({ page, drawn }) => {
    assert.equal(drawn.causal, true);
    const info = await page.textContent('#model-info');
    assert.match(info, /GPT-NeoX · 2 layers × 4 heads · /);
    assert.doesNotMatch(info, /key\/value/);
    await page.evaluate(() => window.headscope.setView('grid'));
    await page.waitForFunction(() => document.getElementById('app').dataset.state === 'rendered');
    await afterDraw(page); // (a grid not drawn yet has no data-kv-groups either)
    assert.equal(await page.getAttribute('#grid-canvas', 'data-kv-groups'), null);
  });
});

// softmax of a logits row: [ids sorted by probability (top k), their probabilities]
function topK(logits, k) {
  const max = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - max));
  const sum = e.reduce((a, b) => a + b, 0);
  const order = e.map((x, i) => [x / sum, i]).sort((a, b) => b[0] - a[0]).slice(0, k);
  return [order.map(([, i]) => i), order.map(([p]) => p)];
}

test('BERT-style: full matrices = native, masked-token predictions = the CLI at the masked position, knobs that do not apply say why', async () => {
  await withFamilyPage('bert', 'the cat sat on the mat', async ({ page, drawn }) => {
    assert.equal(drawn.causal, false);
    const { T } = drawn;
    assert.ok(drawn.attention[T - 1] > 0, 'the first query attends to the last token: no causal mask');
    assert.match(await page.textContent('#model-info'), /BERT-style · 2 layers × 4 heads · /);

    // the knobs that do not apply are disabled, each with its one-line reason
    assert.equal(await page.isDisabled('#knob-causal'), true);
    assert.equal(await page.textContent('#knob-causal-reason'), 'Not for this model: reads the text both ways: there is no mask to switch off.');
    assert.equal(await page.isDisabled('#rank-go'), true);
    assert.match(await page.textContent('#rank-reason'), /^Not for this model: it ranks heads by next-token loss/);
    await page.click('#knobs summary');
    assert.equal(await page.isVisible('#knob-causal-reason'), true);
    assert.equal(await page.isVisible('#rank-reason'), true);
    assert.match(await page.textContent('#loss'), /reads the text both ways/);

    // the next-token tab is the masked-token view; click the last token to mask it
    assert.equal(await page.textContent('#tab-next'), 'Masked token');
    await page.evaluate(() => window.headscope.setView('next'));
    await page.waitForSelector('#next-mask .mask-chip');
    assert.equal(await page.textContent('#view-next h2'), 'Masked token');
    await page.click(`#next-mask .mask-chip[data-i="${T - 1}"]`);
    const masked = 'the cat sat on the ma[MASK]';
    await page.waitForFunction((t) => {
      const r = window.headscope.lastResult;
      return document.getElementById('app').dataset.state === 'rendered' && r.text === t;
    }, masked, { timeout: 30000 });
    await afterDraw(page); // (the masked position's numbers may come after the run is drawn)
    assert.equal(await page.inputValue('#text'), masked);
    const shown = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      const k = r.next.k;
      const at = r.T - 1;
      return { T: r.T, lastId: r.ids[at], topIds: Array.from(r.next.topIds.slice(at * k, at * k + k)),
        topP: Array.from(r.next.topP.slice(at * k, at * k + k)), maskId: window.headscope.state.model.info.mask_id,
        pos: document.getElementById('view-next').dataset.pos, where: document.getElementById('next-where').textContent,
        rows: [...document.querySelectorAll('#next-list .next-p')].map((p) => p.textContent) };
    });
    const ref = nativeRun(dirs.bert, masked);
    assert.equal(shown.lastId, shown.maskId, 'the last token is the mask token');
    assert.equal(shown.lastId, ref.ids[ref.ids.length - 1]);
    assert.equal(shown.pos, String(shown.T - 1), 'the view shows the masked position');
    assert.match(shown.where, /\(masked\)/);
    const [refIds, refP] = topK(ref.logits_last, shown.topIds.length);
    assert.deepEqual(shown.topIds, refIds, 'the top predictions at the masked position are the CLI\'s');
    for (let q = 0; q < refP.length; q++) assert.ok(Math.abs(shown.topP[q] - refP[q]) <= 1e-4, `p[${q}] ${shown.topP[q]} vs ${refP[q]}`);
    assert.equal(shown.rows.length, refP.length);
    await page.screenshot({ path: path.join(ARTIFACTS, 'families-bert-masked-1280.png'), fullPage: false });
    await page.screenshot({ path: path.join(ARTIFACTS, 'families-bert-page-1280.png'), fullPage: true });

    // export of the masked-token view
    const svg = await page.evaluate(() => window.headscope.exportSvg('next'));
    assert.match(svg, /^<svg/);
    assert.match(svg, /masked token/);
    assert.match(svg, /a masked token · uncertainty/);
    fs.writeFileSync(path.join(ARTIFACTS, 'families-bert-masked-export.svg'), svg);
    const png = await page.evaluate(() => window.headscope.exportPng('next'));
    assert.ok(png > 1000, 'a PNG data URL');

    // typing the mask token works too: the predictions follow the typed [MASK]
    const typed = '[MASK] cat sat';
    await page.evaluate((t) => window.headscope.setText(t), typed);
    await page.waitForFunction((t) => window.headscope.lastResult.text === t && document.getElementById('app').dataset.state === 'rendered', typed);
    // (position 0's numbers come with every position's, after the run is drawn)
    await page.waitForFunction(() => document.getElementById('view-next').dataset.pos === '0', null, { timeout: 30000 });
    assert.match(await page.textContent('#next-where'), /^for token #0 of \d+ “\[MASK\]” \(masked\)/);
    assert.equal(await page.getAttribute('#next-mask .mask-chip[data-i="0"]', 'class'), 'chip-tok mask-chip masked active');

    // the roles: encoder roles can be labelled, and the legend names them
    const legend = await page.$$eval('#role-legend .role-chip', (cs) => cs.map((c) => c.textContent));
    for (const n of ['cls', 'sep', 'next', 'broad']) assert.ok(legend.includes(n), n);
    const roleNames = await page.evaluate(() => window.headscope.lastResult.roles.text.names);
    assert.deepEqual(roleNames.slice(6), ['to_cls', 'to_sep', 'next_token', 'broad']);

    // a decoder opened next: the knobs apply again, the tab is the next-token view again
    await openModel(page, 'llama', 'The cat sat.');
    assert.equal(await page.isDisabled('#knob-causal'), false);
    assert.equal(await page.isHidden('#knob-causal-reason'), true);
    assert.equal(await page.isDisabled('#rank-go'), false);
    assert.equal(await page.isHidden('#rank-reason'), true);
    assert.equal(await page.textContent('#tab-next'), 'Next token');
    assert.equal(await page.textContent('#view-next h2'), 'Next token');
    assert.equal(await page.isHidden('#next-mask'), true);
    assert.equal(await page.isVisible('.legend-masked'), true);
  });
});

test('BERT-style at 360 px: the masked-token view and the knob reasons fit the screen', async () => {
  await withFamilyPage('bert', 'the cat sat on the mat, and the dog sat on the log.', async ({ page }) => {
    await page.evaluate(() => window.headscope.setView('next'));
    await page.waitForSelector('#next-mask .mask-chip');
    await page.click('#knobs summary');
    await afterDraw(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'families-bert-masked-360.png'), fullPage: true });
  }, { width: 360, height: 780 });
});

test('BERT-style without its masked-LM head: attention drawn, no predictions, says so', async () => {
  await withFamilyPage('bert-nohead', 'a small test', async ({ page }) => {
    assert.equal(await page.evaluate(() => window.headscope.state.model.info.has_predictions), false);
    await page.evaluate(() => window.headscope.setView('next'));
    await page.waitForFunction(() => document.getElementById('view-next').dataset.predictions === 'none');
    assert.match(await page.textContent('#next-where'), /without its masked-LM head/);
    assert.equal(await page.isHidden('#next-list'), true);
    assert.equal(await page.isHidden('#next-mask'), true);
  });
});

test('<headscope-view> draws a Llama-style folder with its kv groups; an encoder ignores causal="0" with a warning', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${server.url}course/week-3/llama-embed.html`);
    await page.waitForFunction(() => ['llama', 'bert'].every((id) => document.getElementById(id).dataset.state === 'rendered'), null, { timeout: 60000 });
    const el = await page.evaluate(() => {
      const v = document.getElementById('llama');
      const r = v.lastResult;
      return { family: r.family, T: r.T, L: r.n_layer, H: r.n_head, ids: r.ids, attention: Array.from(r.attention),
        groups: v.shadowRoot.querySelector('.grid-canvas').dataset.kvGroups,
        status: v.shadowRoot.querySelector('.hs-status').textContent };
    });
    assert.equal(el.family, 'llama');
    assert.equal(el.groups, '0:0-2 1:3-5');
    assert.match(el.status, /Llama-style · 2 layers × 6 heads, 2 key\/value heads/);
    const ref = nativeRun(dirs.llama, 'The cat sat on the mat.');
    assert.deepEqual(el.ids, ref.ids);
    const worst = attentionError(el, ref);
    assert.ok(worst <= 1e-4, `element: max |page - native| = ${worst}`);
    // the encoder element: causal="0" does not apply, the knob is dropped with a warning
    const bert = await page.evaluate(() => {
      const v = document.getElementById('bert');
      return { causal: v.lastResult.causal, knob: v.controller.state.knobs.causal };
    });
    assert.deepEqual(bert, { causal: false, knob: true });
    assert.ok(warnings.some((w) => /causal="0" is ignored: .* reads the text both ways/.test(w)), warnings.join('\n'));
    await page.screenshot({ path: path.join(ARTIFACTS, 'families-llama-element.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// issue 18: the logit lens for every family (the native CLI's numbers), and where it cannot be
function nativeLens(dir, text) {
  return JSON.parse(execFileSync(NATIVE_CLI, ['lens', '--model', dir, '--text', text, '--top', '5'], { maxBuffer: 1 << 28 }));
}

for (const name of ['llama', 'neox', 'bert']) {
  test(`logit lens and value-weighted attention of a ${name} folder = the native CLI's`, async () => {
    const text = 'The cat sat on the mat. The cat';
    await withFamilyPage(name, text, async ({ page }) => {
      await page.evaluate(() => window.headscope.setView('lens'));
      await page.waitForFunction(() => document.getElementById('view-lens').dataset.lens === 'drawn', null, { timeout: 30000 });
      const lens = await page.evaluate(() => window.headscope.lastResult.lens);
      const ref = nativeLens(dirs[name], text);
      assert.deepEqual(lens.top_ids, ref.top_ids);
      let worst = 0;
      ref.top_probs.flat(2).forEach((p, i) => { worst = Math.max(worst, Math.abs(p - lens.top_probs.flat(2)[i])); });
      assert.ok(worst < 1e-5, `top_probs: ${worst}`);
      await page.evaluate(() => window.headscope.setKnobs({ valueWeighted: true }));
      await page.waitForFunction(() => window.headscope.lastResult.valueWeighted && document.getElementById('app').dataset.state === 'rendered');
      const vw = await page.evaluate(() => Array.from(window.headscope.lastResult.valueWeighted));
      const run = JSON.parse(execFileSync(NATIVE_CLI, ['run', '--model', dirs[name], '--text', text, '--value-weighted'], { maxBuffer: 1 << 28 }));
      worst = 0;
      run.value_weighted.flat(3).forEach((x, i) => { worst = Math.max(worst, Math.abs(x - vw[i])); });
      assert.ok(worst < 1e-4, `value_weighted: ${worst}`);
      if (name === 'bert') await page.screenshot({ path: path.join(ARTIFACTS, 'families-bert-lens.png'), fullPage: false });
    });
  });
}

test('BERT-style without its masked-LM head: the lens view says why there is no lens', async () => {
  await withFamilyPage('bert-nohead', 'a small test', async ({ page }) => {
    await page.evaluate(() => window.headscope.setView('lens'));
    await page.waitForFunction(() => document.getElementById('view-lens').dataset.lens === 'none');
    assert.match(await page.textContent('#view-lens .lens-missing'), /without its masked-LM head: it predicts no tokens/);
    assert.equal(await page.isHidden('#view-lens .lens-canvas'), true);
  });
});
