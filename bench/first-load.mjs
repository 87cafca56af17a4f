#!/usr/bin/env node
// bench/first-load.mjs — the page's first load on a slow network (figures, not
// assertions): web/ served by scripts/serve.mjs (a copy of it in a temporary
// folder, once as it is and once precompressed by scripts/precompress.mjs), opened
// in headless Debian Chromium with an empty cache under Chrome DevTools' network
// presets, applied with CDP Network.emulateNetworkConditions (the numbers of
// ChromeDevTools/devtools-frontend front_end/core/sdk/NetworkManager.ts; "Fast 3G"
// was renamed "Slow 4G" there in May 2024, crbug.com/342406608, same numbers):
//   Fast 3G: 1.6 Mbit/s x 0.9 down (180,000 B/s), 750 kbit/s x 0.9 up (84,375 B/s), 150 ms x 3.75 = 562.5 ms latency
//   Fast 4G: 9 Mbit/s x 0.9 down (1,012,500 B/s), 1.5 Mbit/s x 0.9 up (168,750 B/s), 60 ms x 2.75 = 165 ms latency
// Prints per preset and compression: the first paint of the page's frame (first
// contentful paint), the first drawn heads (the page's 'headscope:first-render'
// mark), both from navigation start, and the bytes on the wire (playwright's
// request sizes: headers and encoded body of every response, the worker's included), one
// `name value unit` line each; the median of --runs N (default 1).
// usage: node bench/first-load.mjs [--runs N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, defaultModel, WEB } from '../tests/web/helpers.mjs';
import { precompress } from '../scripts/precompress.mjs';

export const PRESETS = {
  'fast-3g': { latency: 150 * 3.75, downloadThroughput: (1.6 * 1000 * 1000) / 8 * 0.9, uploadThroughput: (750 * 1000) / 8 * 0.9 },
  'fast-4g': { latency: 60 * 2.75, downloadThroughput: (9 * 1000 * 1000) / 8 * 0.9, uploadThroughput: (1.5 * 1000 * 1000) / 8 * 0.9 },
};

// A copy of web/ (symlinks followed, no precompressed copies), precompressed if asked
// (options: scripts/precompress.mjs's, e.g. {brotliQuality}).
export function siteCopy(compressed, options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `headscope-first-load-${compressed ? 'br' : 'plain'}-`));
  fs.cpSync(WEB, dir, { recursive: true, dereference: true, filter: (src) => !/\.(br|gz)$/.test(src) });
  if (compressed) precompress(dir, options);
  return dir;
}

// One cold load of `url` under `conditions`: {paintMs, headsMs, wireBytes, requests}.
export async function coldLoad(browser, url, conditions) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, ...conditions });
    // every response's bytes on the wire (headers and encoded body), the worker's fetches included
    const sizes = [];
    page.on('requestfinished', (r) => sizes.push(r.sizes().then((z) => ({ url: r.url(), bytes: z.responseHeadersSize + z.responseBodySize }))));
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('headscope:first-render').length > 0, null, { timeout: 300000, polling: 50 });
    const t = await page.evaluate(() => ({
      paintMs: (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime,
      headsMs: performance.getEntriesByName('headscope:first-render')[0].startTime,
    }));
    const all = await Promise.all(sizes);
    return { ...t, wireBytes: all.reduce((n, z) => n + z.bytes, 0), requests: all.length, sizes: all };
  } finally {
    await context.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = process.argv.slice(2);
  const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 1;
  if (!(runs >= 1)) throw new Error('--runs N: N must be 1 or more');
  defaultModel(); // web/dist must be built
  const browser = await launch();
  const sites = [];
  try {
    for (const compressed of [false, true]) {
      const dir = siteCopy(compressed);
      const server = await startServer({ csp: true, root: dir });
      sites.push({ dir, server, compressed });
    }
    console.log(`# first load of ${WEB} (bundled model ${defaultModel().name}), ${runs} run(s) each, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    for (const [preset, conditions] of Object.entries(PRESETS)) {
      for (const { server, compressed } of sites) {
        const results = [];
        for (let i = 0; i < runs; i++) results.push(await coldLoad(browser, server.url, conditions));
        const name = `first-load.${preset}.${compressed ? 'compressed' : 'plain'}`;
        console.log(`${name}.first-paint ${median(results.map((r) => r.paintMs)).toFixed(0)} ms`);
        console.log(`${name}.first-heads ${median(results.map((r) => r.headsMs)).toFixed(0)} ms`);
        console.log(`${name}.bytes ${(median(results.map((r) => r.wireBytes)) / 1e6).toFixed(2)} MB (${results[0].requests} responses)`);
      }
    }
  } finally {
    await browser.close();
    for (const s of sites) {
      await s.server.close();
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main().catch((e) => { console.error(e); process.exit(1); });
