// web/hub/download.mjs — one file from the Hub into a store handle as its bytes
// arrive: hashed on the way (sha256, the tree listing's lfs.oid), resumed with a
// Range request when the connection drops or the body ends short (a server
// that answers a Range with the whole file restarts it; hubFetch retries 5xx), and
// checked against the listing's size and sha256 at the end.
import { HubError, hubFetch, cancelledError, pause } from './hub-api.mjs';
import { Sha256 } from './sha256.mjs';
import { storeFullError } from './store.mjs';

const ATTEMPTS = 4;

// file: {path, size, sha256|null}; handle: a sync access handle; onWritten(bytesOfThisFile).
export async function downloadFile({ url, file, handle, ctx, onWritten }) {
  let written = 0;
  let hash = new Sha256();
  let lastProblem = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt) await pause(150 * attempt, ctx.signal);
    if (ctx.signal && ctx.signal.aborted) throw cancelledError();
    const res = await hubFetch(url, file.path, ctx, written ? { Range: `bytes=${written}-` } : {});
    if (written && res.status !== 206) { // the whole file again: start over
      written = 0;
      hash = new Sha256();
      handle.truncate(0);
      onWritten(0);
    }
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (written + value.length > file.size) {
          throw new HubError(`${ctx.repo}: ${file.path} is longer than the Hub's file list says (${file.size} bytes): ` +
            'nothing was stored.', 'integrity');
        }
        let n;
        try {
          n = handle.write(value, { at: written });
        } catch (e) {
          if (e.name === 'QuotaExceededError') throw storeFullError(`writing ${file.path}`);
          throw e;
        }
        if (n !== value.length) throw storeFullError(`writing ${file.path}`);
        hash.update(value);
        written += value.length;
        onWritten(written);
      }
    } catch (e) {
      if (ctx.signal && ctx.signal.aborted) throw cancelledError();
      if (e instanceof HubError) throw e;
      if (written === file.size) break; // every byte came; the connection failed after (a too-long Content-Length)
      lastProblem = `the connection dropped after ${written} bytes (${e.message})`;
      continue; // resume from `written`
    }
    if (written === file.size) break;
    lastProblem = `the body ended after ${written} of ${file.size} bytes`;
  }
  if (written !== file.size) {
    throw new HubError(`${ctx.repo}: ${file.path} could not be downloaded in ${ATTEMPTS} tries (${lastProblem}): ` +
      'nothing was stored.', 'network');
  }
  handle.flush();
  const digest = file.sha256 ? hash.hex() : null;
  if (digest && digest !== file.sha256) {
    throw new HubError(`${ctx.repo}: ${file.path} failed its sha256 check (the Hub lists ${file.sha256}, the ` +
      `download hashes to ${digest}): the file was corrupted on the way; nothing was stored.`, 'integrity');
  }
  return { sha256: digest };
}
