// web/hub/hub-api.mjs — reading a model's description from the Hugging Face Hub
// before any weights come: the model API (revision -> commit, gated), the tree
// listing (each file's size and, for LFS files, its sha256 as lfs.oid), the
// config, the shard index, and the safetensors headers (two Range requests each), giving the
// download plan: which files, how many bytes, and what the module's memory
// will need. Models Headscope cannot open are refused here with the reason.
// Every fetch error becomes a HubError whose message says what to do.
import { hubUrls, connectSrcFor, DEFAULT_HUB } from './hub-ref.mjs';

export const MODULE_MEMORY = 4 * 2 ** 30; // the wasm module's heap limit (-sMAXIMUM_MEMORY=4GB)
const WORKING_MEMORY = 384 * 2 ** 20; // activations, tokenizer and the module itself, beside the weights

export class HubError extends Error {
  constructor(message, kind = 'hub') {
    super(message);
    this.kind = kind; // 'hub' | 'gated' | 'missing' | 'server' | 'network' | 'csp' | 'refused' | 'integrity' | 'store' | 'cancelled'
  }
}

export const mb = (n) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
const gb = (n) => `${(n / 1e9).toFixed(1)} GB`;
const hostOf = (url) => new URL(url).host;

const SERVER_TRIES = 3;
// Waits ms, or less if the signal aborts.
export const pause = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  if (signal) signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

// Fetch wrapper: HTTP failures and unreachable hosts as HubErrors; a 5xx is tried again twice.
// ctx: {hub, repo, revision, signal, cspBlocked(url) -> Promise<origin|null>}
export async function hubFetch(url, what, ctx, headers = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(url, what, ctx, headers);
    } catch (e) {
      if (e.kind !== 'server' || attempt >= SERVER_TRIES) throw e;
      await pause(200 * attempt, ctx.signal);
      if (ctx.signal && ctx.signal.aborted) throw cancelledError();
    }
  }
}

async function fetchOnce(url, what, ctx, headers) {
  let res;
  try {
    res = await fetch(url, { signal: ctx.signal, headers, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    if (ctx.signal && ctx.signal.aborted) throw cancelledError();
    const blocked = ctx.cspBlocked ? await ctx.cspBlocked(url) : null;
    if (blocked && blocked === new URL(ctx.hub).origin && ctx.reachedHub) {
      // the Hub itself answered before: what the CSP blocked is where it redirected this file
      // (a CSP report names the URL before the redirect)
      throw new HubError(`This page's Content-Security-Policy does not allow connecting to the host ${new URL(ctx.hub).host} ` +
        `redirects large files to (reading ${what}): its connect-src must name ${connectSrcFor(ctx.hub).join(' ')}` +
        `${new URL(ctx.hub).origin === DEFAULT_HUB ? '' : ' and the hosts that Hub redirects large files to'}.`, 'csp');
    }
    if (blocked) {
      throw new HubError(`This page's Content-Security-Policy does not allow connecting to ${blocked} ` +
        `(reading ${what}): its connect-src must name ${connectSrcFor(ctx.hub).join(' ')}.`, 'csp');
    }
    throw new HubError(`Could not reach ${hostOf(url)} to read ${what} (${e.message}): check the connection ` +
      `(or the page's connect-src, which must name ${connectSrcFor(ctx.hub).join(' ')}).`, 'network');
  }
  if (new URL(res.url || url).origin === new URL(ctx.hub).origin) ctx.reachedHub = true;
  if (res.ok) return res;
  throw statusError(res, what, ctx);
}

export const cancelledError = () => new HubError('Download cancelled: nothing was stored.', 'cancelled');

function statusError(res, what, ctx) {
  const code = res.headers.get('x-error-code');
  const status = `HTTP ${res.status}${code ? ` ${code}` : ''}`;
  const page = hubUrls(ctx.hub, ctx.repo).page();
  const host = hostOf(ctx.hub);
  if (res.status === 401 || res.status === 403 || code === 'GatedRepo') {
    const maybeMissing = code === 'RepoNotFound' ? ', or does not exist (check the name)' : '';
    return new HubError(`${ctx.repo} is gated or private on ${host}${maybeMissing} (${status} reading ${what}): the Hub gives its ` +
      `files only to signed-in readers it has let in. If you have access, download config.json, the tokenizer ` +
      `files and the .safetensors weights from ${page} and open them with "Open your own model".`, 'gated');
  }
  if (res.status === 404) {
    if (code === 'RepoNotFound' || /api\/models/.test(res.url) && !code) {
      return new HubError(`${ctx.repo} was not found on ${host} (${status}): check the name (owner/name).`, 'missing');
    }
    if (code === 'RevisionNotFound') {
      return new HubError(`${ctx.repo} has no revision "${ctx.revision}" on ${host} (${status}).`, 'missing');
    }
    return new HubError(`${ctx.repo}: ${what} was not found at revision ${ctx.revision} on ${host} (${status}).`, 'missing');
  }
  if (res.status >= 500) {
    return new HubError(`${host} had a server error (${status}) sending ${what} of ${ctx.repo}: try again later.`, 'server');
  }
  return new HubError(`${host} refused ${what} of ${ctx.repo} (${status}).`, 'hub');
}

// The first `n` bytes at `start` (a Range request; a server that ignores Range is read only that far).
async function readRange(url, start, n, what, ctx) {
  const res = await hubFetch(url, what, ctx, { Range: `bytes=${start}-${start + n - 1}` });
  const out = new Uint8Array(n);
  let got = 0;
  const reader = res.body.getReader();
  let skip = res.status === 206 ? 0 : start;
  while (got < n) {
    const { done, value } = await reader.read();
    if (done) break;
    let v = value;
    if (skip) { const s = Math.min(skip, v.length); v = v.subarray(s); skip -= s; }
    const take = Math.min(v.length, n - got);
    out.set(v.subarray(0, take), got);
    got += take;
  }
  reader.cancel().catch(() => {});
  if (got < n) throw new HubError(`${ctx.repo}: ${what} ended after ${got} of ${n} bytes.`, 'hub');
  return out;
}

async function readJson(url, what, ctx) {
  const res = await hubFetch(url, what, ctx);
  try {
    return await res.json();
  } catch (e) {
    throw new HubError(`${ctx.repo}: ${what} from ${hostOf(url)} is not JSON (${e.message}).`, 'hub');
  }
}

// A safetensors file's header -> {tensors, params, f32Bytes, dtypes}.
async function weightsHeader(url, file, ctx) {
  const len = new DataView((await readRange(url, 0, 8, `${file.path} (header length)`, ctx)).buffer).getBigUint64(0, true);
  if (len < 2n || len > 100_000_000n || Number(len) + 8 > file.size) {
    throw new HubError(`${ctx.repo}: ${file.path} is not a safetensors file (header length ${len}).`, 'refused');
  }
  const text = new TextDecoder().decode(await readRange(url, 8, Number(len), `${file.path} (header)`, ctx));
  let header;
  try { header = JSON.parse(text); } catch (e) {
    throw new HubError(`${ctx.repo}: ${file.path} has a broken safetensors header (${e.message}).`, 'refused');
  }
  let params = 0;
  const dtypes = new Set();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    params += (t.shape || []).reduce((a, b) => a * b, 1);
    dtypes.add(t.dtype);
  }
  return { params, dtypes };
}

// The download plan of hf:repo@revision:
//   {hub, repo, revision, commit, files: [{path, size, sha256|null, oid}], weights: [paths in order],
//    index: path|null, tokenizer: [paths], downloadBytes, params, f32Bytes, dtypes: [..],
//    modelType, configBytes (config.json, already read)}
export async function planHubModel(ctx) {
  const { hub, repo, revision } = ctx;
  const urls = hubUrls(hub, repo);
  const info = await readJson(urls.info(revision), 'the model description', ctx);
  if (info.gated) {
    throw new HubError(`${repo} is gated on ${hostOf(hub)} (gated: ${info.gated}): the Hub gives its files only to ` +
      `signed-in readers who accepted its terms. If you have, download config.json, the tokenizer files and the ` +
      `.safetensors weights from ${urls.page()} and open them with "Open your own model".`, 'gated');
  }
  const commit = info.sha || revision;
  const listing = await readJson(urls.tree(commit), 'the file list', ctx);
  if (!Array.isArray(listing)) throw new HubError(`${repo}: the Hub's file list is not a list.`, 'hub');
  const tree = new Map();
  for (const e of listing) {
    if (e.type !== 'file') continue;
    tree.set(e.path, { path: e.path, size: e.lfs ? e.lfs.size : e.size, sha256: e.lfs ? e.lfs.oid : null, oid: e.oid });
  }
  const need = (p, why) => {
    const f = tree.get(p);
    if (!f) throw new HubError(`${repo} has no ${p} at revision ${revision} (${why}).`, 'refused');
    return f;
  };
  const configFile = need('config.json', 'every model needs its config.json');
  const files = [configFile];
  const configBytes = new Uint8Array(await (await hubFetch(urls.file(commit, 'config.json'), 'config.json', ctx)).arrayBuffer());
  let config;
  try { config = JSON.parse(new TextDecoder().decode(configBytes)); } catch (e) {
    throw new HubError(`${repo}: config.json is not JSON (${e.message}).`, 'refused');
  }
  if (configBytes.length !== configFile.size) {
    throw new HubError(`${repo}: config.json has ${configBytes.length} bytes, the file list says ${configFile.size}.`, 'integrity');
  }
  let tokenizer;
  if (tree.has('tokenizer.json')) tokenizer = ['tokenizer.json'];
  else if (tree.has('vocab.json') && tree.has('merges.txt')) tokenizer = ['vocab.json', 'merges.txt'];
  else if (tree.has('vocab.txt')) {
    throw new HubError(`${repo} has only vocab.txt, no tokenizer.json: Headscope reads tokenizer.json ` +
      '(or vocab.json + merges.txt).', 'refused');
  } else throw new HubError(`${repo} has no tokenizer.json (nor vocab.json + merges.txt).`, 'refused');
  files.push(...tokenizer.map((p) => tree.get(p)));
  let weights;
  let index = null;
  if (tree.has('model.safetensors')) weights = ['model.safetensors'];
  else if (tree.has('model.safetensors.index.json')) {
    index = 'model.safetensors.index.json';
    files.push(tree.get(index));
    const idx = await readJson(urls.file(commit, index), index, ctx);
    const map = idx && idx.weight_map;
    if (!map || typeof map !== 'object') throw new HubError(`${repo}: ${index} has no weight_map.`, 'refused');
    weights = [...new Set(Object.values(map))].sort();
    for (const w of weights) need(w, `${index} names it`);
  } else {
    const others = [...tree.keys()].filter((p) => /\.(bin|pt|pth|h5|msgpack|ckpt)$/.test(p));
    throw new HubError(`${repo} has no safetensors weights${others.length ? ` (only ${others.join(', ')})` : ''}: ` +
      'Headscope reads model.safetensors only (it never unpickles pytorch_model.bin).', 'refused');
  }
  const weightFiles = weights.map((p) => tree.get(p));
  files.push(...weightFiles);
  let params = 0;
  const dtypes = new Set();
  for (const f of weightFiles) {
    const h = await weightsHeader(urls.file(commit, f.path), f, ctx);
    params += h.params;
    for (const d of h.dtypes) dtypes.add(d);
  }
  const downloadBytes = files.reduce((a, f) => a + f.size, 0);
  const f32Bytes = params * 4;
  if (f32Bytes + WORKING_MEMORY > MODULE_MEMORY) {
    const halves = [...dtypes].some((d) => d === 'F16' || d === 'BF16');
    throw new HubError(`${repo} does not fit in the module's memory: its ${(params / 1e6).toFixed(0)} M parameters ` +
      `become F32 there (${gb(f32Bytes)}${halves ? `, twice its ${[...dtypes].join('/')} files` : ''}), and a ` +
      `WebAssembly module has at most 4 GB. Choose a smaller model.`, 'refused');
  }
  return { hub, repo, revision, commit, files, weights, index, tokenizer, downloadBytes, params, f32Bytes, dtypes: [...dtypes],
    modelType: config.model_type || null, configBytes };
}
