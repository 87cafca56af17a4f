// web/model-sources.mjs — where the worker's model bytes come from: fetched
// files (with download progress), the reader's own files, and which fetches
// the page's CSP blocked (so a failed Hub fetch can say which connect-src is
// missing). The worker (web/worker.mjs) turns them into loaded models.

// A file's bytes; with a tally (web/load-progress.mjs), counted from the request on.
export async function fetchBytes(url, tally) {
  const res = await countedFetch(url, tally);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.bytes();
}

// Like fetchBytes, but undefined when the file is not there.
export async function fetchOptional(url, tally) {
  const res = await countedFetch(url, tally);
  return res.ok ? res.bytes() : undefined;
}

// fetch(url) -> {ok, status, bytes()}: counted in the tally while its body arrives.
async function countedFetch(url, tally) {
  const entry = tally && tally.open();
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    if (entry) tally.close(entry);
    throw e;
  }
  if (entry && (!res.ok || !res.body)) tally.close(entry);
  const counted = entry && res.ok && res.body;
  return {
    ok: res.ok,
    status: res.status,
    bytes: async () => new Uint8Array(await (counted ? new Response(tally.count(res, entry)) : res).arrayBuffer()),
  };
}

// A page's CSP violations (fetches it blocked), so a failed Hub fetch can say which connect-src is missing.
const cspViolations = []; // {origin, at}
self.addEventListener('securitypolicyviolation', (e) => {
  try { cspViolations.push({ origin: new URL(e.blockedURI).origin, at: performance.now() }); } catch { /* not a URL */ }
});
export async function cspBlocked() {
  const since = performance.now() - 5000;
  await new Promise((resolve) => setTimeout(resolve, 50)); // the event comes after the fetch fails
  const v = cspViolations.filter((x) => x.at >= since).pop();
  return v ? v.origin : null;
}

// The reader's own files (File objects from the picker or a drop): which is
// which, by name, and the model's bytes: text files whole, the safetensors
// file read slice by slice with FileReaderSync (so a 1.4 GB checkpoint never
// sits in memory twice). Throws naming what is missing.
export function userFiles(files) {
  const byName = (test) => files.find((f) => test(f.name.toLowerCase()));
  const config = byName((n) => n === 'config.json');
  const st = byName((n) => n.endsWith('.safetensors'));
  const tok = byName((n) => n === 'tokenizer.json');
  const vocab = byName((n) => n === 'vocab.json');
  const merges = byName((n) => n === 'merges.txt');
  const missing = [];
  if (!config) missing.push('config.json');
  if (!st) missing.push('model.safetensors');
  if (!tok && !(vocab && merges)) missing.push('tokenizer.json (or vocab.json + merges.txt)');
  if (missing.length) {
    const got = files.map((f) => f.name).join(', ') || 'no files';
    throw new Error(`Missing ${missing.join(' and ')}. Got: ${got}. ` +
      'Choose config.json, model.safetensors and tokenizer.json (or vocab.json + merges.txt) together.');
  }
  const frs = new FileReaderSync();
  const bytes = (f) => (f ? new Uint8Array(frs.readAsArrayBuffer(f)) : undefined);
  return {
    st,
    config: bytes(config),
    tokenizerJson: bytes(tok),
    vocabJson: tok ? undefined : bytes(vocab),
    mergesTxt: tok ? undefined : bytes(merges),
    safetensors: {
      size: st.size,
      read(offset, n, dst) {
        // Read in <= 64 MB slices so even one huge tensor is streamed.
        const CH = 64 << 20;
        for (let o = 0; o < n; o += CH) {
          const m = Math.min(CH, n - o);
          const buf = frs.readAsArrayBuffer(st.slice(offset + o, offset + o + m));
          if (buf.byteLength !== m) throw new Error(`${st.name}: short read at byte ${offset + o}`);
          dst.set(new Uint8Array(buf), o);
        }
      },
    },
  };
}
