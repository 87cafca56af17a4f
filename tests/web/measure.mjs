#!/usr/bin/env node
// tests/web/measure.mjs — benchmark figures for the page (not assertions), on
// the default bundled model in headless Chromium at 1280x900 (all heads + head
// view visible):
//   page_first_render_ms          navigation start -> first heads drawn
//   page_keystroke_redraw_T32_ms  last keystroke -> every visible view redrawn,
//                                 32-token text (median of 15)
//   page_shipped_gzip_kb          gzip -9 size of the wasm + JS + HTML + CSS shipped
// usage: node tests/web/measure.mjs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer, launch, openPage, defaultModel, WEB } from './helpers.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function shippedFiles() {
  const out = ['index.html', 'style.css', 'favicon.svg', 'app.mjs', 'worker.mjs', 'colormap.mjs', 'tokens.mjs',
    'draw.mjs', 'headscope-api.mjs', 'client.mjs', 'controller.mjs', 'state-hash.mjs', 'export.mjs',
    'knobs.mjs', 'scene.mjs', 'head-picker.mjs', 'pos-roles.mjs', 'model-family.mjs', 'next-tokens.mjs', 'result-patch.mjs', 'model-sources.mjs', 'dist/headscope.mjs', 'dist/headscope.wasm'];
  for (const dir of ['views', 'panels', 'hub']) {
    for (const f of fs.readdirSync(path.join(WEB, dir))) if (f.endsWith('.mjs')) out.push(`${dir}/${f}`);
  }
  return out.filter((f) => fs.existsSync(path.join(WEB, f)));
}

const model = defaultModel();
const server = await startServer({ csp: true });
const browser = await launch();
try {
  // first render, on a fresh context each time (median of 3)
  const firsts = [];
  let page;
  for (let k = 0; k < 3; k++) {
    if (page) await page.context().close();
    ({ page } = await openPage(browser, server.url, { width: 1280, height: 900 }));
    firsts.push(await page.evaluate(() => performance.getEntriesByName('headscope:first-render')[0].startTime));
  }

  // a text of exactly 32 tokens
  const words = 'When Mary and John went to the store , John gave a drink to Mary . The cat sat on the mat because it was tired and the dog was not happy about it at all'.split(' ');
  let text = '';
  for (let n = 8; n <= words.length; n++) {
    const t = words.slice(0, n).join(' ').replace(/ ([,.])/g, '$1');
    const r = await page.evaluate((s) => window.headscope.setText(s).then((x) => x.T), t);
    if (r >= 32) { text = t; if (r > 32) console.log(`# note: ${r} tokens`); break; }
  }
  await page.click('#text');
  const times = [], toResult = [], drawing = [], inWorker = [];
  for (let k = 0; k < 16; k++) {
    // alternately delete and re-type the last character of the 32-token text
    const short = text.slice(0, -1);
    const last = text.slice(-1);
    await page.evaluate((s) => window.headscope.setText(s), k % 2 ? short : text);
    await page.evaluate(() => performance.clearMarks());
    await page.keyboard.press('End');
    if (k % 2) await page.keyboard.type(last);
    else await page.keyboard.press('Backspace');
    const want = k % 2 ? text : short;
    await page.waitForFunction((t) => window.headscope.lastResult.tokens.join('') === t &&
      document.getElementById('app').dataset.state === 'rendered' &&
      performance.getEntriesByName('headscope:rendered').length > 0, want);
    const ms = await page.evaluate(() => {
      const input = performance.getEntriesByName('headscope:input').pop();
      const result = performance.getEntriesByName('headscope:result').pop();
      const done = performance.getEntriesByName('headscope:rendered').pop();
      return [done.startTime - input.startTime, result ? result.startTime - input.startTime : NaN,
        result ? done.startTime - result.startTime : NaN, window.headscope.lastResult.runMs];
    });
    if (k) { // first one warms up
      times.push(ms[0]);
      toResult.push(ms[1]);
      drawing.push(ms[2]);
      inWorker.push(ms[3]);
    }
  }
  const T = await page.evaluate(() => window.headscope.lastResult.T);
  console.log(`page_keystroke_to_result_T32_ms ${median(toResult).toFixed(1)} ms`);
  console.log(`page_keystroke_worker_run_T32_ms ${median(inWorker).toFixed(1)} ms`);
  console.log(`page_keystroke_draw_T32_ms ${median(drawing).toFixed(1)} ms`);
  let gz = 0;
  let raw = 0;
  for (const f of shippedFiles()) {
    const b = fs.readFileSync(path.join(WEB, f));
    raw += b.length;
    gz += zlib.gzipSync(b, { level: 9 }).length;
  }
  console.log(`# model ${model.name}; keystroke text has ${T} tokens; first renders ${firsts.map((x) => x.toFixed(0)).join(', ')} ms`);
  console.log(`page_first_render_ms ${median(firsts).toFixed(0)} ms`);
  console.log(`page_keystroke_redraw_T32_ms ${median(times).toFixed(1)} ms`);
  console.log(`page_shipped_gzip_kb ${(gz / 1024).toFixed(1)} kB`);
  console.log(`# (uncompressed ${(raw / 1024).toFixed(1)} kB; the bundled model's files are not counted)`);
} finally {
  await browser.close();
  await server.close();
}
