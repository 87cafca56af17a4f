// tests/web/weights16.test.mjs — issue 21, 16-bit weights in the page (headless
// Chromium, strict CSP): a BF16 Llama-style checkpoint opened through the file
// picker stays 16-bit in the module (the model line says so, its weight bytes are
// about half their F32 size) and draws the native CLI's attention; an F32 GPT-2
// checkpoint is F32 until the "Round F32 weights to 16 bits" box is ticked, then it is opened
// again rounded to 16 bits: the line says how much rounding changed the weights,
// the attention is the native CLI's `--weights compact16` one (and close to F32's),
// and the link keeps the choice (weights=compact16) and restores the box.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requireNativeCli, defaultModel, courseSite, serveSite, closeSite, openPage, ARTIFACTS, NATIVE_CLI, ROOT } from './helpers.mjs';

const FAMILIES = path.join(ROOT, 'tests/reference/families');
const dirs = {}; // checkpoint name -> its folder in the course site
let site, server, browser;

before(async () => {
  requireNativeCli();
  defaultModel(); // web/dist must be built
  site = courseSite({});
  const make = (name, family, opts) => {
    dirs[name] = path.join(site, 'course/week-3/models', name);
    execFileSync('/usr/bin/python3', [FAMILIES, 'make', family, dirs[name], ...opts], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  make('llama16', 'llama', ['--layers', '2', '--heads', '6', '--kv-heads', '2', '--hidden', '60', '--dtype', 'BF16']);
  make('gpt2f32', 'gpt2', ['--layers', '2', '--heads', '3', '--hidden', '42', '--dtype', 'F32']);
  ({ server, browser } = await serveSite(site));
});

after(() => closeSite({ server, browser, site }));

const pageUrl = () => `${server.url}course/week-3/headscope/index.html`;
const TEXT = 'Half the memory, the same heads.';

function nativeRun(dir, weights) {
  return JSON.parse(execFileSync(NATIVE_CLI, ['run', '--model', dir, '--text', TEXT, '--weights', weights], { maxBuffer: 1 << 28 }));
}

function maxError(got, ref) {
  const { T, L, H } = got;
  let worst = 0;
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++)
    worst = Math.max(worst, Math.abs(got.attention[((l * H + h) * T + i) * T + j] - ref.attention[l][h][i][j]));
  return worst;
}

// Wait for a drawn run of TEXT by a model whose weights are `kind`: 'kept16' (16-bit as
// stored), 'f32' (no 16-bit array) or 'compacted' (F32 rounded to 16 bits).
async function drawn(page, kind) {
  await page.waitForFunction(([t, k]) => {
    const s = window.headscope.state, r = window.headscope.lastResult;
    const w = s.model && s.model.info.weights;
    const ok = w && (k === 'kept16' ? w.arrays_16bit > 0 && w.arrays_f32 === 0 && w.arrays_compacted === 0
      : k === 'f32' ? w.arrays_16bit === 0 : w.arrays_compacted > 0);
    return ok && document.getElementById('app').dataset.state === 'rendered' && r && r.text === t;
  }, [TEXT, kind], { timeout: 60000 });
  return page.evaluate(() => {
    const r = window.headscope.lastResult;
    return { T: r.T, L: r.n_layer, H: r.n_head, attention: Array.from(r.attention), weights: window.headscope.state.model.info.weights };
  });
}

async function openFiles(page, name) {
  await page.setInputFiles('#model-files', ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => path.join(dirs[name], f)));
}

test('a BF16 checkpoint stays 16-bit in the module and draws the native attention', async () => {
  const { context, page, problems } = await openPage(browser, pageUrl());
  try {
    await page.evaluate((t) => window.headscope.setText(t), TEXT);
    await openFiles(page, 'llama16');
    const got = await drawn(page, 'kept16');
    assert.ok(got.weights.bytes / got.weights.f32_bytes < 0.56, JSON.stringify(got.weights));
    assert.match(await page.textContent('#model-info'), /weights kept 16-bit as stored · \d+ [kM]B \(as F32: \d+ [kM]B\)/);
    const err = maxError(got, nativeRun(dirs.llama16, 'stored'));
    assert.ok(err <= 1e-4, `max |page - native| = ${err}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an F32 checkpoint is rounded to 16 bits when the box is ticked; the link keeps it', async () => {
  const { context, page, problems } = await openPage(browser, pageUrl());
  try {
    await page.evaluate((t) => window.headscope.setText(t), TEXT);
    await openFiles(page, 'gpt2f32');
    const f32 = await drawn(page, 'f32');
    assert.match(await page.textContent('#model-info'), /weights F32/);
    assert.ok(maxError(f32, nativeRun(dirs.gpt2f32, 'stored')) <= 1e-4);

    await page.check('#weights-16');
    const c16 = await drawn(page, 'compacted');
    assert.ok(c16.weights.bytes / f32.weights.bytes < 0.56, `${c16.weights.bytes} vs ${f32.weights.bytes}`);
    assert.match(await page.textContent('#model-info'), /weights rounded from F32 to 16 bits · \d+ [kM]B \(as F32: \d+ [kM]B\) · rounding changed each matrix by at most \d\.\de-\d+ of its norm/);
    const native16 = nativeRun(dirs.gpt2f32, 'compact16');
    const err = maxError(c16, native16);
    assert.ok(err <= 1e-4, `max |page compact16 - native compact16| = ${err}`);
    const change = maxError(c16, nativeRun(dirs.gpt2f32, 'f32'));
    assert.ok(change > 0 && change < 1e-2, `rounding changed the attention by ${change}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'weights16-compact.png') });

    await page.waitForFunction(() => location.hash.includes('weights=compact16'));
    const link = await page.evaluate(() => location.href);
    const again = await context.newPage();
    await again.goto(link);
    await again.waitForFunction(() => window.headscope && window.headscope.state.model);
    assert.equal(await again.isChecked('#weights-16'), true);
    await page.uncheck('#weights-16');
    await drawn(page, 'f32');
    await page.waitForFunction(() => !location.hash.includes('weights='));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
