#!/usr/bin/env node
// bench/hub-open.mjs — opening a model from the Hugging Face Hub in the page
// (figures, not assertions), served by the Hub stand-in on loopback
// (tests/web/hub-standin.mjs), in headless Chromium with an on-disk profile
// (so the store, OPFS, is on disk as in a real browser):
//   first open: plan + download into the store (loopback speed), load, first render
//   re-open:    a new page of the same profile, from the store
// and the browser's peak memory during each (the sum of RSS of Chromium's
// processes, sampled every 50 ms; and the largest one, the page's renderer),
// next to the module's heap once loaded.
// usage: node bench/hub-open.mjs --model DIR
//   (a GPT-2-small-sized random checkpoint: /usr/bin/python3 tests/reference/make_checkpoint.py DIR
//    --layers 12 --heads 12 --embd 768 --positions 1024 --vocab 50257 --dtype F16 --std 0.05)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../tests/web/helpers.mjs';
import { startHubStandin } from '../tests/web/hub-standin.mjs';

const args = process.argv.slice(2);
const dir = args[args.indexOf('--model') + 1];
if (!args.includes('--model') || !dir) {
  console.error('usage: node bench/hub-open.mjs --model DIR');
  process.exit(2);
}
const MB = 1e6;

// RSS (bytes) of every process under `rootPid`: {total, max}.
function treeRss(rootPid) {
  const kids = new Map();
  const rss = new Map();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const pages = Number(fs.readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1]);
      rss.set(Number(p), pages * 4096);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(p));
    } catch { /* gone */ }
  }
  let total = 0;
  let max = 0;
  const walk = (pid) => {
    const r = rss.get(pid) || 0;
    total += r;
    max = Math.max(max, r);
    for (const k of kids.get(pid) || []) walk(k);
  };
  walk(rootPid);
  return { total, max };
}

function sampler(rootPid) {
  const base = treeRss(rootPid);
  let peak = { ...base };
  const t = setInterval(() => {
    const now = treeRss(rootPid);
    peak = { total: Math.max(peak.total, now.total), max: Math.max(peak.max, now.max) };
  }, 50);
  return { base, stop: () => { clearInterval(t); return peak; } };
}

const hub = await startHubStandin({ repos: { 'bench/gpt2-sized': { dir } } });
process.env.HEADSCOPE_HUB_ORIGINS = `${hub.url} ${hub.cdnUrl}`;
const server = await startServer({ csp: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-hub-bench-'));
const { chromium } = await import('playwright-core');
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-quic'],
});
// the browser process: the Chromium whose command line names this profile
const browserPid = Number(fs.readdirSync('/proc').find((p) => {
  try {
    const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
    return cmd.includes(profile) && !cmd.includes('--type=');
  } catch { return false; }
}));
const bytes = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
const url = `${server.url}index.html#model=hf:bench/gpt2-sized&hub=${encodeURIComponent(hub.url)}`;

async function open(label) {
  const page = await context.newPage();
  const mem = sampler(browserPid);
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => document.querySelector('#app').dataset.state === 'rendered' &&
    document.querySelector('#model-info').textContent.includes('gpt2-sized'), null, { timeout: 600000 });
  const wall = Date.now() - t0;
  const peak = mem.stop();
  const r = await page.evaluate(async () => {
    const m = window.headscope.state.model;
    const fr = performance.getEntriesByName('headscope:first-render').pop();
    const memory = await window.headscope.client.memory();
    return { timing: m.timing, firstRenderMs: fr ? fr.startTime : NaN, wasmHeap: memory.wasmHeap };
  });
  const out = {
    [`${label}_wall_ms`]: wall,
    [`${label}_download_or_store_ms`]: Math.round(r.timing.fetchMs),
    [`${label}_MB_per_s`]: r.timing.fromStore ? null : +(r.timing.bytes / MB / (r.timing.fetchMs / 1000)).toFixed(1),
    [`${label}_load_ms`]: Math.round(r.timing.loadMs),
    [`${label}_first_render_ms`]: Math.round(r.firstRenderMs),
    [`${label}_from_store`]: r.timing.fromStore,
    [`${label}_peak_rss_total_MB`]: Math.round(peak.total / MB),
    [`${label}_peak_rss_increase_MB`]: Math.round((peak.total - mem.base.total) / MB),
    [`${label}_peak_rss_largest_process_MB`]: Math.round(peak.max / MB),
    [`${label}_wasm_heap_MB`]: Math.round(r.wasmHeap / MB),
  };
  await page.close();
  return out;
}

try {
  console.log(JSON.stringify({ model_files_MB: Math.round(bytes / MB) }));
  console.log(JSON.stringify(await open('first_open')));
  console.log(JSON.stringify(await open('reopen')));
} finally {
  await context.close();
  await server.close();
  await hub.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
