// web/load-progress.mjs — the bytes of a first load, counted as they arrive
// (worker side): the wasm module's fetch (streamed into
// WebAssembly.instantiateStreaming, so compiling still overlaps the download)
// and a model's files share one tally, so the page's progress bar moves from
// the first byte. A response sent compressed (Content-Encoding: br or gzip) has
// no decoded length to compare with: its total is unknown and the tally's total
// is 0 (the page shows an indeterminate bar with the bytes received so far), as it
// is while a file asked for has not answered yet.

export class ByteTally {
  constructor() {
    this.entries = new Set(); // {done, total|null}
    this.listeners = new Set();
  }

  // Calls f(done, total) on every change until the returned function is called.
  listen(f) {
    this.listeners.add(f);
    if (this.entries.size) f(...this.sum());
    return () => this.listeners.delete(f);
  }

  // [done, total]: total 0 while any file's size is unknown
  sum() {
    let done = 0;
    let total = 0;
    let known = true;
    for (const e of this.entries) {
      done += e.done;
      if (e.total === null) known = false;
      else total += e.total;
    }
    return [done, known ? total : 0];
  }

  notify() {
    const s = this.sum();
    for (const f of this.listeners) f(...s);
  }

  // A file asked for whose response has not come yet: its size is unknown until then.
  open() {
    const entry = { done: 0, total: null };
    this.entries.add(entry);
    this.notify();
    return entry;
  }

  // A file that will not come after all (HTTP 404 for an optional file, a failed fetch).
  close(entry) {
    this.entries.delete(entry);
    this.notify();
  }

  // The response's body, counted (into `entry`, from open(), or a new one): a ReadableStream of the same bytes.
  count(res, entry = this.open()) {
    const encoded = res.headers.get('content-encoding');
    const length = Number(res.headers.get('content-length'));
    entry.total = !encoded && length > 0 ? length : null;
    this.notify();
    const reader = res.body.getReader();
    return new ReadableStream({
      pull: async (controller) => {
        const { done, value } = await reader.read();
        if (done) {
          if (entry.total === null) entry.total = entry.done; // now known
          controller.close();
        } else {
          entry.done += value.length;
          controller.enqueue(value);
        }
        this.notify();
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }
}

// Calls f(done, total) with the sums of several tallies (total 0 while any size is
// unknown) until the returned function is called.
export function listenAll(tallies, f) {
  const report = () => {
    let done = 0;
    let total = 0;
    let known = true;
    for (const t of tallies) {
      const [d, n] = t.sum();
      done += d;
      total += n;
      if (!n && t.entries.size) known = false;
    }
    f(done, known ? total : 0);
  };
  const offs = tallies.map((t) => t.listen(report));
  return () => offs.forEach((off) => off());
}

// Emscripten's Module.instantiateWasm hook: the module's .wasm (next to its .mjs)
// fetched and counted, compiled while it streams in.
export function countedWasm(wasmUrl, tally) {
  return (imports, receiveInstance) => {
    const entry = tally.open();
    fetch(wasmUrl, { credentials: 'same-origin' })
      .then((res) => {
        if (!res.ok) throw new Error(`${wasmUrl}: HTTP ${res.status}`);
        const body = new Response(tally.count(res, entry), { headers: { 'content-type': 'application/wasm' } });
        return WebAssembly.instantiateStreaming(body, imports);
      })
      .then(({ instance, module }) => receiveInstance(instance, module))
      .catch((e) => {
        if (entry.total === null) tally.close(entry);
        wasmFailure = e;
        wasmFailed.forEach((f) => f(e));
      });
    return {}; // exports come through receiveInstance
  };
}
let wasmFailure = null;
const wasmFailed = new Set();
// A promise that rejects when countedWasm's fetch or compile fails (the module's own ready promise would wait forever).
export function wasmFailedPromise() {
  return new Promise((_, reject) => {
    if (wasmFailure) reject(wasmFailure);
    else wasmFailed.add(reject);
  });
}
