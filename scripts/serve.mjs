// A small static file server for web/ (localhost only), with the MIME types a
// wasm site needs. Options by environment: HEADSCOPE_CSP=1 adds the strict
// Content-Security-Policy embedders use (its connect-src names the Hugging Face
// Hub and the CDN hosts it redirects large files to; HEADSCOPE_HUB_ORIGINS,
// space-separated, names other Hubs, e.g. a mirror or the tests' stand-in);
// HEADSCOPE_COI=1 adds COOP/COEP (the page is then cross-origin isolated and runs the threaded
// module; ./build-wasm.sh serve sets it); HEADSCOPE_CORS=1 adds Access-Control-Allow-Origin: *
// (serving the npm package as a CDN does, for course pages on other origins). A file with a precompressed copy next to it
// (FILE.br, FILE.gz: scripts/precompress.mjs, not older than FILE) is sent as
// that copy when the request's Accept-Encoding allows it (brotli first), with
// Content-Encoding, the file's own Content-Type and Vary: Accept-Encoding.
//   node scripts/serve.mjs ROOT PORT
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(process.argv[2] || 'web');
const port = Number(process.argv[3] || 8000);
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8',
  '.safetensors': 'application/octet-stream', '.ico': 'image/x-icon',
};
import { connectSrcFor, DEFAULT_HUB } from '../web/hub/hub-ref.mjs';
import { ENCODINGS } from './precompress.mjs';

// The encodings a request accepts (Accept-Encoding, q=0 refuses one).
function acceptedEncodings(header) {
  const ok = new Set();
  for (const part of String(header || '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) ok.add(name);
  }
  return ok;
}

// The precompressed copy to send for `file`: {path, size, encoding} or null; `variants`
// says whether the file has any (then the response varies by Accept-Encoding).
function precompressedCopy(file, st, acceptHeader) {
  const accepted = acceptedEncodings(acceptHeader);
  let variants = false;
  for (const enc of ENCODINGS) {
    let cst;
    try { cst = fs.statSync(file + enc.suffix); } catch { continue; }
    if (!cst.isFile() || cst.mtimeMs < st.mtimeMs) continue; // older than the file: stale
    variants = true;
    if (accepted.has(enc.name)) return { copy: { path: file + enc.suffix, size: cst.size, encoding: enc.name }, variants };
  }
  return { copy: null, variants };
}

const hubOrigins = [...connectSrcFor(DEFAULT_HUB), ...(process.env.HEADSCOPE_HUB_ORIGINS || '').split(/\s+/).filter(Boolean)];
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  `connect-src 'self' ${hubOrigins.join(' ')}`;

const server = http.createServer((req, res) => {
  let rel;
  try {
    rel = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    res.writeHead(400).end('bad request');
    return;
  }
  let file = path.join(root, rel);
  if (!file.startsWith(root)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const { copy, variants } = precompressedCopy(file, st, req.headers['accept-encoding']);
    const headers = {
      'content-type': types[path.extname(file)] || 'application/octet-stream',
      'content-length': copy ? copy.size : st.size,
      'cache-control': 'no-cache',
    };
    if (copy) headers['content-encoding'] = copy.encoding;
    if (variants) headers.vary = 'Accept-Encoding';
    if (process.env.HEADSCOPE_CSP === '1') headers['content-security-policy'] = STRICT_CSP;
    if (process.env.HEADSCOPE_CORS === '1') headers['access-control-allow-origin'] = '*';
    if (process.env.HEADSCOPE_COI === '1') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    fs.createReadStream(copy ? copy.path : file).pipe(res);
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`Headscope: serving ${root} on http://localhost:${port}/`);
});
