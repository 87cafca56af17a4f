// tests/web/page.test.mjs — the page in headless Chromium (playwright-core,
// Debian's /usr/bin/chromium) served with the strict CSP: first render, typed
// text gives the native CLI's attention (1e-4), a malformed model opened through
// the picker shows the module's message and the page keeps working, empty and
// over-long text, keyboard navigation of the head grid, linked hover, no console
// errors; screenshots (light, dark, 360 px) go to tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openBrowserSuite, closeBrowserSuite, openPage, afterDraw, ARTIFACTS, NATIVE_CLI } from './helpers.mjs';

let server;
let browser;
let model;

before(async () => ({ model, server, browser } = await openBrowserSuite()));
after(() => closeBrowserSuite({ server, browser }));

const state = (page) => page.evaluate(() => document.getElementById('app').dataset.state);

// Wait until the page has drawn a run of exactly `text`.
async function waitForText(page, text) {
  await page.waitForFunction((t) => {
    const r = window.headscope.lastResult;
    return document.getElementById('app').dataset.state === 'rendered' && r && r.tokens.join('') === t;
  }, text, { timeout: 30000 });
}

function nativeScore(text) {
  return JSON.parse(execFileSync(NATIVE_CLI, ['score', '--model', model.dir, '--text', text]));
}

function nativeRun(text) {
  if (!fs.existsSync(NATIVE_CLI)) {
    assert.fail(`the native CLI ${path.relative(process.cwd(), NATIVE_CLI)} is missing: build it with ` +
      '`cmake --preset native && cmake --build --preset native` (or ./scripts/test.sh)');
  }
  const out = execFileSync(NATIVE_CLI, ['run', '--model', model.dir, '--text', text], { maxBuffer: 1 << 28 });
  return JSON.parse(out);
}

test('first render, typed text matches the native CLI, linked views', async () => {
  const { context, page, problems } = await openPage(browser, server.url, { width: 1280, height: 900 });
  try {
    const first = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      return { T: r.T, L: r.n_layer, H: r.n_head, n: r.attention.length, rendered: performance.getEntriesByName('headscope:first-render').length };
    });
    assert.ok(first.T > 5, 'the example sentence is rendered');
    assert.equal(first.n, first.L * first.H * first.T * first.T);
    assert.equal(first.rendered, 1, 'performance mark headscope:first-render');

    // type like a user (select all, then type), and compare with the native CLI
    const text = 'Alice met Bob. Later, Alice thanked Bob for the book.';
    await page.click('#text');
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text, { delay: 5 });
    await waitForText(page, text);
    const got = await page.evaluate(() => {
      const r = window.headscope.lastResult;
      return { tokens: r.tokens, ids: r.ids, T: r.T, L: r.n_layer, H: r.n_head, attention: Array.from(r.attention) };
    });
    const ref = nativeRun(text);
    assert.deepEqual(got.ids, ref.ids);
    assert.deepEqual(got.tokens, ref.tokens);
    const { T, L, H } = got;
    let worst = 0;
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
      worst = Math.max(worst, Math.abs(got.attention[((l * H + h) * T + i) * T + j] - ref.attention[l][h][i][j]));
    }
    assert.ok(worst <= 1e-4, `max |page - native| = ${worst}`);
    // the chosen cell explicitly: last layer, last head, last token -> first token
    const l = L - 1, h = H - 1, i = T - 1, j = 0;
    assert.ok(Math.abs(got.attention[((l * H + h) * T + i) * T + j] - ref.attention[l][h][i][j]) <= 1e-4);

    // every position's next-token numbers (computed after drawing, from the run's final hidden
    // states): the mean of -log P(actual next token) is the native CLI's score of the text
    await page.waitForFunction(() => window.headscope.lastResult.next && window.headscope.lastResult.next.complete);
    const pageNll = await page.evaluate(() => {
      const { next, T } = window.headscope.lastResult;
      let s = 0;
      for (let t = 0; t + 1 < T; t++) s -= Math.log(next.actualP[t]);
      return s / (T - 1);
    });
    const nativeScore = JSON.parse(execFileSync(NATIVE_CLI, ['score', '--model', model.dir, '--text', text]));
    assert.ok(Math.abs(pageNll - nativeScore.mean_nll) <= 1e-4, `page ${pageNll} vs native ${nativeScore.mean_nll}`);
    // the same numbers when another channel's run has replaced the module's last run in between
    // (the worker must run the text again, not read the other run's hidden states)
    const other = 'Completely different words here.';
    const twoChannels = await page.evaluate(async ([a, b]) => {
      const { client, state } = window.headscope;
      const key = state.model.key;
      const chA = client.channel(), chB = client.channel();
      const ra = await client.run(chA, key, a, {});
      const rb = await client.run(chB, key, b, {});
      const nll = (msg, T) => { let s = 0; for (let t = 0; t + 1 < T; t++) s -= Math.log(msg.next.actualP[t]); return s / (T - 1); };
      const na = await client.nextAll(chA, ra.id); // the module holds b's run: a runs again
      const nb = await client.nextAll(chB, rb.id); // the module holds a's run again: b runs again
      const nb2 = await client.nextAll(chB, rb.id); // now it holds b's: from its hidden states
      return { a: nll(na, ra.T), b: nll(nb, rb.T), b2: nll(nb2, rb.T) };
    }, [text, other]);
    const otherScore = JSON.parse(execFileSync(NATIVE_CLI, ['score', '--model', model.dir, '--text', other]));
    assert.ok(Math.abs(twoChannels.a - nativeScore.mean_nll) <= 1e-4, `channel A ${twoChannels.a} vs ${nativeScore.mean_nll}`);
    assert.ok(Math.abs(twoChannels.b - otherScore.mean_nll) <= 1e-4, `channel B ${twoChannels.b} vs ${otherScore.mean_nll}`);
    assert.ok(Math.abs(twoChannels.b2 - otherScore.mean_nll) <= 1e-4, `channel B again ${twoChannels.b2} vs ${otherScore.mean_nll}`);

    await page.evaluate(([l, h]) => window.headscope.select(l, h), [l, h]);
    // next-token view: probabilities for the last position sum to <= 1 and are sorted
    await page.evaluate(() => window.headscope.setView('next'));
    // the view may fetch a position's logits from the worker before it draws
    await page.waitForFunction(() => document.querySelectorAll('#next-list .next-p').length === 5);
    const probs = await page.$$eval('#next-list .next-p', (els) => els.map((e) => e.textContent));
    assert.equal(probs.length, 5);
    // hover a token in the strip: the next-token view follows it
    await page.hover('#tokens .chip-tok:nth-child(2)');
    await page.waitForFunction(() => document.getElementById('next-where').textContent.includes('#1 '));
    // matrix tooltip shows an exact value
    await page.evaluate(() => window.headscope.setView('matrix'));
    await afterDraw(page); // (its data-geom is of the matrix as drawn)
    const cellAt = async (i, j) => {
      // off the canvas first: the tooltip hides, so the one waited for below is this cell's
      await page.mouse.move(0, 0);
      await page.waitForSelector('#tooltip', { state: 'hidden' });
      await page.locator('#matrix-canvas').scrollIntoViewIfNeeded();
      const [left, top, cell] = (await page.getAttribute('#matrix-canvas', 'data-geom')).split(',').map(Number);
      const box = await page.locator('#matrix-canvas').boundingBox();
      await page.mouse.move(box.x + left + (j + 0.5) * cell, box.y + top + (i + 0.5) * cell);
      await page.waitForSelector('#tooltip:not([hidden])');
      return page.textContent('#tooltip');
    };
    const cellText = await cellAt(T - 1, 0);
    assert.match(cellText, /^\d\.\d{6}/);
    assert.ok(Math.abs(Number(cellText.slice(0, 8)) - ref.attention[l][h][T - 1][0]) <= 1e-4, cellText);
    assert.match(await cellAt(0, T - 1), /^masked/);
    assert.equal(await state(page), 'rendered');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a malformed model shows the module message; the page keeps working', async () => {
  const { context, page, problems } = await openPage(browser, server.url);
  try {
    const before = await page.evaluate(() => window.headscope.state.model.name);
    const files = [{ name: 'config.json', mimeType: 'application/json', buffer: fs.readFileSync(path.join(model.dir, 'config.json')) }];
    for (const f of ['tokenizer.json', 'vocab.json', 'merges.txt']) {
      const p = path.join(model.dir, f);
      if (fs.existsSync(p)) files.push({ name: f, mimeType: 'application/octet-stream', buffer: fs.readFileSync(p) });
    }
    const bogus = Buffer.alloc(40);
    bogus.writeBigUInt64LE(123n, 0);
    bogus.write('{"not":', 8);
    files.push({ name: 'model.safetensors', mimeType: 'application/octet-stream', buffer: bogus });
    const errorEvent = page.evaluate(() => new Promise((resolve) =>
      document.addEventListener('headscope:error', (e) => resolve(e.detail.message), { once: true })));
    await page.setInputFiles('#model-files', files);
    const message = await errorEvent;
    await page.waitForSelector('#error:not([hidden])');
    const shown = await page.textContent('#error');
    assert.match(shown, /model\.safetensors/, shown);
    assert.match(shown, /header length 123/, shown);
    assert.equal(shown, message);
    assert.equal(await state(page), 'error');
    // still working with the previous model
    const text = 'The page still works after a bad file.';
    await page.evaluate((t) => window.headscope.setText(t), text);
    await waitForText(page, text);
    assert.equal(await page.evaluate(() => window.headscope.state.model.name), before);
    assert.ok(await page.isHidden('#error'), 'the error clears after a good run');

    // the same folder's real files open fine and become the current model
    const good = fs.readdirSync(model.dir).map((f) => path.join(model.dir, f));
    await page.setInputFiles('#model-files', good);
    await page.waitForFunction(() => window.headscope.state.model.source === 'file', null, { timeout: 60000 });
    await page.waitForSelector('#app[data-state="rendered"]');
    assert.match(await page.$eval('#model-select', (s) => s.selectedOptions[0].textContent), /your file/);
    // and back to the bundled one
    await page.selectOption('#model-select', `bundled:${before}`);
    await page.waitForFunction((n) => window.headscope.state.model.name === n && window.headscope.state.model.source === 'bundled', before);

    // missing files: a clear message naming what is missing
    await page.setInputFiles('#model-files', [files[0]]);
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /Missing model\.safetensors/);
    await page.evaluate(() => window.headscope.setText('Fine again.'));
    await waitForText(page, 'Fine again.');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('empty text, over-long text, keyboard navigation of the grid', async () => {
  const { context, page, problems } = await openPage(browser, server.url, { width: 1280, height: 900 });
  try {
    await page.evaluate(() => window.headscope.setText(''));
    assert.ok(await page.isVisible('#empty'));
    assert.ok(await page.isHidden('#error'));
    assert.equal(await state(page), 'rendered');

    const info = await page.evaluate(() => window.headscope.state.model.info);
    const long = 'one two three four five six seven eight nine ten '.repeat(Math.ceil(info.n_positions / 5));
    await page.evaluate((t) => window.headscope.setText(t), long);
    assert.ok(await page.isVisible('#notice'));
    assert.match(await page.textContent('#notice'), /only the first \d+ of \d+ tokens/);
    const r = await page.evaluate(() => ({ T: window.headscope.lastResult.T, truncated: window.headscope.lastResult.truncated }));
    assert.equal(r.T, info.n_positions);
    assert.equal(r.truncated, true);

    await page.evaluate(() => window.headscope.setText('Keyboard users can pick heads too.'));
    assert.ok(await page.isHidden('#notice'));
    await page.evaluate(() => window.headscope.select(0, 0));
    await page.focus('#grid-canvas');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const sel = await page.evaluate(() => ({ l: window.headscope.state.layer, h: window.headscope.state.head }));
    assert.deepEqual(sel, { l: Math.min(1, info.n_layer - 1), h: Math.min(1, info.n_head - 1) });
    assert.equal(await page.inputValue('#layer-select'), String(sel.l));
    await page.waitForFunction(() => /Selected: layer 1, head 1\./.test(document.getElementById('grid-canvas').getAttribute('aria-label')));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('screenshots: light 1280, dark 1920, phone 360 (tests/artifacts/)', async () => {
  const shots = [
    { file: 'page-light-1280.png', width: 1280, height: 900, colorScheme: 'light' },
    { file: 'page-dark-1920.png', width: 1920, height: 1080, colorScheme: 'dark' },
    { file: 'page-phone-360.png', width: 360, height: 780, colorScheme: 'light' },
  ];
  for (const s of shots) {
    const { context, page, problems } = await openPage(browser, server.url, s);
    try {
      if (s.width === 1920) {
        // a pinned position: linked highlights in every view, next token for it
        await page.click('#tokens .chip-tok:nth-child(18)');
        await page.mouse.move(1, 1);
        await afterDraw(page);
        await page.waitForSelector('#view-next:not(.pending)');
      }
      await page.screenshot({ path: path.join(ARTIFACTS, s.file), fullPage: true });
      if (s.width === 360) {
        for (const v of ['head', 'matrix', 'next']) {
          await page.click(`#tab-${v}`);
          await afterDraw(page);
          await page.screenshot({ path: path.join(ARTIFACTS, `page-phone-360-${v}.png`), fullPage: true });
        }
      } else {
        await page.evaluate(() => window.headscope.setView('matrix'));
        await afterDraw(page);
        await page.screenshot({ path: path.join(ARTIFACTS, s.file.replace('.png', '-matrix.png')), fullPage: true });
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${s.file}: page is ${overflow}px wider than the viewport`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('one forward pass per keystroke at default knobs: the loss line comes from the run itself', async () => {
  const { context, page, problems } = await openPage(browser, server.url, { width: 1280, height: 900 });
  try {
    const passes = () => page.evaluate(() => window.headscope.client.stats().then((s) => s.forwardPasses));
    const lossShownFor = (t) => page.waitForFunction((want) => {
      const r = window.headscope.lastResult;
      const line = document.getElementById('loss');
      return r && r.text === want && line.dataset.text === want;
    }, t, { timeout: 30000 });
    const start = 'The cat sat on the mat.';
    await page.evaluate((t) => window.headscope.setText(t), start);
    await lossShownFor(start);
    const before = await passes();
    await page.click('#text');
    await page.keyboard.press('End');
    await page.keyboard.type('!');
    const typed = `${start}!`;
    await waitForText(page, typed);
    await lossShownFor(typed);
    // next-token numbers for every position too (they share the run's logits)
    await page.waitForFunction(() => window.headscope.lastResult.next && window.headscope.lastResult.next.complete,
      null, { timeout: 30000 });
    const after = await passes();
    assert.equal(after - before, 1, 'one keystroke, one forward pass (the loss and every position\'s predictions reuse it)');
    const shown = await page.evaluate(() => Number(document.getElementById('loss').dataset.base));
    const ref = nativeScore(typed);
    assert.ok(Math.abs(shown - ref.mean_nll) <= 1e-4, `loss ${shown} vs native ${ref.mean_nll}`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
