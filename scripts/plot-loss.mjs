#!/usr/bin/env node
// scripts/plot-loss.mjs — draws headscope-train's loss curve (runs/NAME/log.csv:
// step,tokens,lr,train_loss,val_loss,grad_norm,tokens_per_s,elapsed_s) as a
// self-contained SVG: training loss (per log interval), validation loss
// (points + line), and optionally a dashed reference line (e.g. the bigram
// baseline from `headscope-train analyze`). No dependencies.
//
//   node scripts/plot-loss.mjs runs/NAME/log.csv runs/NAME/loss.svg [--baseline 5.1 --baseline-label "add-k bigram"]
import fs from 'node:fs';

const args = process.argv.slice(2);
const positional = [];
const opts = {};
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) opts[args[i].slice(2)] = args[++i];
  else positional.push(args[i]);
}
if (positional.length < 2) {
  console.error('usage: node scripts/plot-loss.mjs LOG.csv OUT.svg [--baseline X] [--baseline-label TEXT]');
  process.exit(2);
}
const [csvPath, svgPath] = positional;

const lines = fs.readFileSync(csvPath, 'utf8').trim().split('\n');
const header = lines[0].split(',');
const col = (name) => header.indexOf(name);
const rows = lines.slice(1).map((l) => l.split(','));
const train = rows.map((r) => [Number(r[col('step')]), Number(r[col('train_loss')])]).filter(([, y]) => Number.isFinite(y));
const valid = rows
  .filter((r) => r[col('val_loss')] !== '')
  .map((r) => [Number(r[col('step')]), Number(r[col('val_loss')])]);
const baseline = opts.baseline !== undefined ? Number(opts.baseline) : null;
if (train.length === 0) {
  console.error(`${csvPath}: no rows`);
  process.exit(2);
}

const W = 760, H = 440, m = { l: 64, r: 24, t: 40, b: 52 };
const xs = train.map(([x]) => x);
const ys = [...train.map(([, y]) => y), ...valid.map(([, y]) => y), ...(baseline !== null ? [baseline] : [])];
const xMax = Math.max(...xs);
let yMin = Math.floor(Math.min(...ys) * 2) / 2, yMax = Math.ceil(Math.min(Math.max(...ys), yMin + 6) * 2) / 2;
if (yMax <= yMin) yMax = yMin + 1;
const X = (x) => m.l + (x / xMax) * (W - m.l - m.r);
const Y = (y) => m.t + (1 - (Math.min(y, yMax) - yMin) / (yMax - yMin)) * (H - m.t - m.b);
const path = (pts) => pts.map(([x, y], i) => `${i ? 'L' : 'M'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join('');
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

const out = [];
out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(opts.title ?? 'headscope-train: cross-entropy (nats/token)')}</text>`);
// grid + ticks
const yStep = yMax - yMin > 4 ? 1 : 0.5;
for (let y = yMin; y <= yMax + 1e-9; y += yStep) {
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(y)}" y2="${Y(y)}" stroke="#e4e4e4"/>`);
  out.push(`<text x="${m.l - 6}" y="${Y(y) + 4}" text-anchor="end">${y.toFixed(1)}</text>`);
}
const xStep = Math.pow(10, Math.floor(Math.log10(xMax))) / (xMax / Math.pow(10, Math.floor(Math.log10(xMax))) < 3 ? 2 : 1);
for (let x = 0; x <= xMax + 1e-9; x += xStep) {
  out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${m.t}" y2="${H - m.b}" stroke="#f0f0f0"/>`);
  out.push(`<text x="${X(x)}" y="${H - m.b + 16}" text-anchor="middle">${x}</text>`);
}
out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#888"/>`);
out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle">step</text>`);
out.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">loss</text>`);
// curves
out.push(`<path d="${path(train)}" fill="none" stroke="#4a7bd0" stroke-width="1.2"/>`);
if (valid.length) {
  out.push(`<path d="${path(valid)}" fill="none" stroke="#d0553a" stroke-width="1.8"/>`);
  for (const [x, y] of valid) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="#d0553a"/>`);
}
if (baseline !== null) {
  out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${Y(baseline)}" y2="${Y(baseline)}" stroke="#555" stroke-dasharray="5 4"/>`);
}
// legend
const legend = [['#4a7bd0', 'train'], ['#d0553a', 'validation']];
if (baseline !== null) legend.push(['#555', `${opts['baseline-label'] ?? 'baseline'} (${baseline.toFixed(3)})`]);
legend.forEach(([color, label], i) => {
  const y = m.t + 16 + i * 16;
  out.push(`<line x1="${W - m.r - 190}" x2="${W - m.r - 166}" y1="${y - 4}" y2="${y - 4}" stroke="${color}" stroke-width="2"${label.startsWith('train') || label.startsWith('validation') ? '' : ' stroke-dasharray="5 4"'}/>`);
  out.push(`<text x="${W - m.r - 160}" y="${y}">${esc(label)}</text>`);
});
if (valid.length) {
  const [bx, by] = valid.reduce((a, b) => (b[1] < a[1] ? b : a));
  out.push(`<text x="${m.l + 8}" y="${H - m.b - 8}" fill="#d0553a">best validation ${by.toFixed(4)} at step ${bx}</text>`);
}
out.push('</svg>');
fs.writeFileSync(svgPath, out.join('\n') + '\n');
console.log(`wrote ${svgPath} (${train.length} train points, ${valid.length} validation points)`);
