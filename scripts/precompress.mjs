// Precompressed copies for static hosts: FILE.br (brotli, quality 11) and
// FILE.gz (gzip -9) next to every text, wasm and model file of a site folder,
// for a server that sends them as they are when the request's Accept-Encoding
// allows (scripts/serve.mjs; nginx brotli_static / gzip_static; see the README).
// A copy is kept only when it is at least 5% smaller than the file; copies of
// files that are gone or smaller are removed. Prints one line per folder total.
//   node scripts/precompress.mjs FOLDER
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.svg', '.txt', '.md', '.safetensors', '.map']);
const BIG = 8e6; // bytes: brotli's quality 11 is ~100x slower than 9 for ~5% less
export const brotliQualityFor = (bytes) => (bytes <= BIG ? 11 : 9);
export const ENCODINGS = [
  { suffix: '.br', name: 'br', compress: (buf, quality = brotliQualityFor(buf.length)) => zlib.brotliCompressSync(buf, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }) },
  { suffix: '.gz', name: 'gzip', compress: (buf) => zlib.gzipSync(buf, { level: 9 }) },
];
const MIN_BYTES = 256; // smaller files are not worth a second request path

function* filesUnder(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) yield* filesUnder(p);
    else if (ent.isFile()) yield p;
  }
}

// brotliQuality: one quality for every file instead of brotliQualityFor's (the tests use a quick one).
export function precompress(folder, { brotliQuality } = {}) {
  const totals = { files: 0, bytes: 0, br: 0, gzip: 0 };
  for (const file of [...filesUnder(folder)]) {
    if (ENCODINGS.some((e) => file.endsWith(e.suffix))) {
      if (!fs.existsSync(file.slice(0, -3))) fs.rmSync(file); // a copy of a file that is gone
      continue;
    }
    if (!COMPRESSIBLE.has(path.extname(file))) continue;
    const buf = fs.readFileSync(file);
    totals.files++;
    totals.bytes += buf.length;
    for (const enc of ENCODINGS) {
      const out = file + enc.suffix;
      const packed = buf.length >= MIN_BYTES ? enc.compress(buf, brotliQuality) : null;
      if (packed && packed.length <= 0.95 * buf.length) {
        fs.writeFileSync(out, packed);
        totals[enc.name] += packed.length;
      } else {
        fs.rmSync(out, { force: true });
        totals[enc.name] += buf.length;
      }
    }
  }
  return totals;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folder = process.argv[2];
  if (!folder || !fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    console.error('usage: node scripts/precompress.mjs FOLDER (an existing folder)');
    process.exit(2);
  }
  const t = precompress(folder);
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  console.log(`precompressed ${t.files} files in ${folder}: ${mb(t.bytes)} as sent plain, ${mb(t.br)} with brotli, ${mb(t.gzip)} with gzip`);
}
