// A small static file server for web/ (localhost only), with the MIME types a
// wasm site needs. Options by environment: HEADSCOPE_CSP=1 adds the strict
// Content-Security-Policy embedders use (its connect-src names the Hugging Face
// Hub and the CDN hosts it redirects large files to; HEADSCOPE_HUB_ORIGINS,
// space-separated, names other Hubs, e.g. a mirror or the tests' stand-in);
// HEADSCOPE_COI=1 adds COOP/COEP; HEADSCOPE_CORS=1 adds Access-Control-Allow-Origin: *
// (serving the npm package as a CDN does, for course pages on other origins).
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
    const headers = {
      'content-type': types[path.extname(file)] || 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
    };
    if (process.env.HEADSCOPE_CSP === '1') headers['content-security-policy'] = STRICT_CSP;
    if (process.env.HEADSCOPE_CORS === '1') headers['access-control-allow-origin'] = '*';
    if (process.env.HEADSCOPE_COI === '1') {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers);
    fs.createReadStream(file).pipe(res);
  });
});
server.listen(port, '127.0.0.1', () => {
  console.log(`Headscope: serving ${root} on http://localhost:${port}/`);
});
