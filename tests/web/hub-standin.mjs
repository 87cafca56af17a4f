// tests/web/hub-standin.mjs — a Hugging Face Hub of our own on loopback, for the
// Hub tests and bench: the Hub's URL layout (/OWNER/NAME/resolve/REV/FILE, the
// model API /api/models/OWNER/NAME[/revision/REV], the tree listing
// /api/models/OWNER/NAME/tree/REV with lfs {oid, size, pointerSize}), large
// (LFS) files redirected to a second origin (the "CDN", a second loopback
// port) that answers Range requests, the Hub's CORS headers, gated and private
// repos, and fault injection.
//   const hub = await startHubStandin({ repos: { 'owner/name': { dir } } });
//   hub.url, hub.cdnUrl; hub.faults.push({ match: 'model.safetensors', status: 503 }); hub.close()
// A repo: { dir (a folder whose files are the repo's files at every revision),
//   revisions? (['main', ...], default ['main']), gated? ('manual'), private? }.
// A fault: { match (substring of the request path), on? ('hub'|'cdn'), times? (default 1),
//   ranged? (also requests for a closed byte range, e.g. header reads; by default only whole-file
//   and open-ended resume requests match),
//   status? (answer with that HTTP status), drop? (send that many bytes, then cut the connection),
//   trickle? ({bytes, ms}: send so many bytes every ms), lengthDelta? (Content-Length off by that
//   many bytes), corrupt? (flip one byte of the body) }.
// As a program: node tests/web/hub-standin.mjs OWNER/NAME=DIR ... (prints the two URLs).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

// The headers the Hub lets a page read (as huggingface.co sends them).
const EXPOSED = 'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,' +
  'Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash';
const cors = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED,
};
const isLfs = (name, size) => /\.(safetensors|bin|pt|h5|msgpack|onnx)$/.test(name) || size > 10 << 20;

function fileFacts(full, name) {
  const st = fs.statSync(full);
  const facts = { path: name, full, size: st.size, lfs: isLfs(name, st.size) };
  const sha256 = crypto.createHash('sha256');
  const sha1 = crypto.createHash('sha1').update(`blob ${st.size}\0`);
  const fd = fs.openSync(full, 'r');
  const buf = Buffer.alloc(8 << 20);
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (!n) break;
    sha256.update(buf.subarray(0, n));
    if (!facts.lfs) sha1.update(buf.subarray(0, n));
  }
  fs.closeSync(fd);
  facts.sha256 = sha256.digest('hex');
  // an LFS file's git blob is its pointer file; a plain file's oid is its blob's sha1
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${facts.sha256}\nsize ${st.size}\n`;
  facts.oid = facts.lfs ? crypto.createHash('sha1').update(`blob ${pointer.length}\0${pointer}`).digest('hex') : sha1.digest('hex');
  facts.pointerSize = pointer.length;
  return facts;
}

function listRepo(dir) {
  const files = new Map();
  const walk = (sub) => {
    for (const e of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else files.set(rel, fileFacts(path.join(dir, rel), rel));
    }
  };
  walk('');
  return files;
}

const commitOf = (repo, rev) => crypto.createHash('sha1').update(`${repo}@${rev}`).digest('hex');

export async function startHubStandin({ repos = {} } = {}) {
  const known = new Map();
  for (const [id, r] of Object.entries(repos)) {
    known.set(id, { id, ...r, revisions: r.revisions || ['main'], files: listRepo(r.dir) });
  }
  const faults = [];
  const requests = []; // {on, method, path, range}
  const hub = http.createServer((req, res) => serve('hub', req, res));
  const cdn = http.createServer((req, res) => serve('cdn', req, res));
  const listen = (s) => new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s.address().port)));
  const [hubPort, cdnPort] = [await listen(hub), await listen(cdn)];
  const url = `http://127.0.0.1:${hubPort}`;
  const cdnUrl = `http://127.0.0.1:${cdnPort}`;
  const sockets = new Set();
  for (const s of [hub, cdn]) s.on('connection', (c) => { sockets.add(c); c.on('close', () => sockets.delete(c)); });

  function takeFault(on, p, range) {
    const closed = /^bytes=\d+-\d+$/.test(range || '');
    const i = faults.findIndex((f) => (f.on || on) === on && p.includes(f.match) && (!closed || f.ranged));
    if (i < 0) return null;
    const f = faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }
  const json = (res, status, body, headers = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...cors, 'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text), ...headers }).end(text);
  };
  const hubError = (res, status, code, message) => json(res, status, { error: message },
    { 'x-error-code': code, 'x-error-message': message });

  function modelInfo(repo, rev) {
    return {
      _id: crypto.createHash('md5').update(repo.id).digest('hex').slice(0, 24), id: repo.id, modelId: repo.id,
      author: repo.id.split('/')[0], sha: commitOf(repo.id, rev), private: !!repo.private, gated: repo.gated || false,
      disabled: false, tags: ['safetensors'], library_name: 'transformers',
      siblings: [...repo.files.keys()].map((rfilename) => ({ rfilename })),
    };
  }
  function tree(repo) {
    return [...repo.files.values()].map((f) => ({
      type: 'file', oid: f.oid, size: f.size, path: f.path,
      ...(f.lfs ? { lfs: { oid: f.sha256, size: f.size, pointerSize: f.pointerSize } } : {}),
    }));
  }
  // The repo, or an answer sent as the Hub sends it (private and unknown repos).
  function findRepo(res, id) {
    const repo = known.get(id);
    if (!repo) { hubError(res, 404, 'RepoNotFound', 'Repository not found'); return null; }
    if (repo.private) {
      hubError(res, 401, 'RepoNotFound', 'Repository not found: it may be private or may not exist. Make sure you are authenticated.');
      return null;
    }
    return repo;
  }
  function revisionOf(res, repo, rev) {
    if (repo.revisions.includes(rev) || repo.revisions.some((r) => commitOf(repo.id, r) === rev)) return true;
    hubError(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    return false;
  }

  // Sends bytes [start, end) of a file, with the fault's misbehaviour if any.
  function sendFile(req, res, f, status, headers, fault) {
    const start = headers.start;
    const end = headers.end;
    delete headers.start;
    delete headers.end;
    let length = end - start;
    if (fault && fault.lengthDelta) headers['content-length'] = length + fault.lengthDelta;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') return res.end();
    const stream = fs.createReadStream(f.full, { start, end: end - 1, highWaterMark: 64 << 10 });
    let sent = 0;
    const limit = fault && fault.lengthDelta < 0 ? length + fault.lengthDelta : length;
    stream.on('data', (chunk) => {
      if (fault && fault.corrupt && sent <= length >> 1 && sent + chunk.length > length >> 1) {
        chunk = Buffer.from(chunk);
        chunk[(length >> 1) - sent] ^= 0xff;
      }
      if (fault && fault.drop !== undefined && sent + chunk.length >= fault.drop) {
        res.write(chunk.subarray(0, Math.max(0, fault.drop - sent)));
        stream.destroy();
        setTimeout(() => res.socket && res.socket.destroy(), 20);
        return;
      }
      if (sent + chunk.length > limit) chunk = chunk.subarray(0, Math.max(0, limit - sent));
      sent += chunk.length;
      if (fault && fault.trickle) {
        stream.pause();
        let o = 0;
        const step = () => {
          if (res.destroyed) return stream.destroy();
          res.write(chunk.subarray(o, o + fault.trickle.bytes));
          o += fault.trickle.bytes;
          if (o < chunk.length) setTimeout(step, fault.trickle.ms);
          else setTimeout(() => stream.resume(), fault.trickle.ms);
        };
        step();
      } else if (!res.write(chunk)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => res.end());
    res.on('close', () => stream.destroy());
  }

  // A file's bytes (honouring Range), from the Hub (plain files) or the CDN (LFS files).
  function sendBytes(req, res, repo, rev, f, fault) {
    const headers = { ...cors, 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes',
      etag: `"${f.lfs ? f.sha256 : f.oid}"`, 'x-repo-commit': commitOf(repo.id, rev), 'cache-control': 'no-cache' };
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    let start = 0;
    let end = f.size;
    let status = 200;
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(f.size, Number(m[2]) + 1) : f.size;
      if (start >= f.size || start >= end) {
        res.writeHead(416, { ...cors, 'content-range': `bytes */${f.size}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end - 1}/${f.size}`;
    }
    headers['content-length'] = end - start;
    sendFile(req, res, f, status, { ...headers, start, end }, fault);
  }

  function serve(on, req, res) {
    const u = new URL(req.url, 'http://x');
    const p = decodeURIComponent(u.pathname);
    requests.push({ on, method: req.method, path: p, range: req.headers.range || null });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': 'Range, Authorization, Content-Type', 'access-control-max-age': '86400' }).end();
      return;
    }
    const fault = takeFault(on, p, req.headers.range);
    if (fault && fault.status) return hubError(res, fault.status, 'Injected', `injected fault: HTTP ${fault.status}`);
    let m;
    if (on === 'cdn') {
      // /lfs/OWNER/NAME/REV/FILE: where the Hub redirects large files
      m = /^\/lfs\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/.exec(p);
      const repo = m && known.get(m[1]);
      const f = repo && repo.files.get(m[3]);
      if (!f) return res.writeHead(404, cors).end('not found');
      return sendBytes(req, res, repo, m[2], f, fault);
    }
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)\/?$/.exec(p))) {
      const repo = findRepo(res, m[1]);
      if (repo && revisionOf(res, repo, m[2])) json(res, 200, tree(repo));
      return;
    }
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?\/?$/.exec(p))) {
      const repo = findRepo(res, m[1]);
      const rev = m[2] || 'main';
      if (repo && revisionOf(res, repo, rev)) json(res, 200, modelInfo(repo, rev));
      return;
    }
    if ((m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(p))) {
      const repo = findRepo(res, m[1]);
      if (!repo || !revisionOf(res, repo, m[2])) return;
      if (repo.gated) {
        return hubError(res, 401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it ` +
          'and be authenticated to access it. Please log in.');
      }
      const f = repo.files.get(m[3]);
      if (!f) return hubError(res, 404, 'EntryNotFound', `${m[3]} does not exist on "${m[2]}"`);
      if (f.lfs) {
        res.writeHead(302, { ...cors, location: `${cdnUrl}/lfs/${repo.id}/${m[2]}/${f.path}`, 'x-linked-size': f.size,
          'x-linked-etag': `"${f.sha256}"`, 'x-repo-commit': commitOf(repo.id, m[2]), 'content-length': 0 }).end();
        return;
      }
      return sendBytes(req, res, repo, m[2], f, fault);
    }
    res.writeHead(404, cors).end('not found');
  }

  return {
    url, cdnUrl, faults, requests,
    close: () => {
      for (const c of sockets) c.destroy();
      return Promise.all([hub, cdn].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

// Splits a model folder's model.safetensors into two shards + model.safetensors.index.json
// (the Hub's sharded layout), in a new folder next to the copied tokenizer and config.
export function shardedCopy(srcDir, dstDir) {
  fs.mkdirSync(dstDir, { recursive: true });
  for (const f of fs.readdirSync(srcDir)) if (f !== 'model.safetensors') fs.copyFileSync(path.join(srcDir, f), path.join(dstDir, f));
  const whole = fs.readFileSync(path.join(srcDir, 'model.safetensors'));
  const headerLen = Number(whole.readBigUInt64LE(0));
  const header = JSON.parse(whole.subarray(8, 8 + headerLen).toString('utf8'));
  const data = whole.subarray(8 + headerLen);
  const names = Object.keys(header).filter((k) => k !== '__metadata__')
    .sort((a, b) => header[a].data_offsets[0] - header[b].data_offsets[0]);
  const half = Math.ceil(names.length / 2);
  const shardNames = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
  const weightMap = {};
  let total = 0;
  [names.slice(0, half), names.slice(half)].forEach((group, s) => {
    const h = { __metadata__: { format: 'pt' } };
    const parts = [];
    let off = 0;
    for (const n of group) {
      const [a, b] = header[n].data_offsets;
      h[n] = { dtype: header[n].dtype, shape: header[n].shape, data_offsets: [off, off + b - a] };
      parts.push(data.subarray(a, b));
      off += b - a;
      weightMap[n] = shardNames[s];
    }
    total += off;
    let text = JSON.stringify(h);
    text += ' '.repeat((8 - (text.length % 8)) % 8);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
    fs.writeFileSync(path.join(dstDir, shardNames[s]), Buffer.concat([len, Buffer.from(text), ...parts]));
  });
  fs.writeFileSync(path.join(dstDir, 'model.safetensors.index.json'),
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + '\n');
  return dstDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const repos = {};
  for (const a of process.argv.slice(2)) {
    const [id, dir] = a.split('=');
    repos[id] = { dir: path.resolve(dir) };
  }
  const hub = await startHubStandin({ repos });
  console.log(`Hub stand-in: ${hub.url} (large files from ${hub.cdnUrl})`);
}
