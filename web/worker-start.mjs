// web/worker-start.mjs — how the page starts web/worker.mjs. Served from the
// page's own origin, the worker is started from its URL. Served from another
// origin (the npm package on a CDN), it cannot be: browsers refuse to construct
// a Worker from a cross-origin URL. Then a same-origin Blob URL holds a one-line
// module that imports the real worker by its absolute URL (a module import,
// fetched with CORS), so the worker's own import.meta.url is the CDN's and the
// wasm modules and bundled models resolve against it. The page's CSP then needs
// worker-src blob: CDN (the bootstrap, and the worker's static imports, which a
// module worker fetches as workers too), script-src CDN 'wasm-unsafe-eval' (the
// element, the wasm build's import()) and connect-src CDN (package/README.md).

// A module Worker running `url` (a URL object), whatever origin serves it.
export function startModuleWorker(url) {
  const sameOrigin = typeof location !== 'object' || url.origin === location.origin;
  if (sameOrigin) {
    try {
      return new Worker(url, { type: 'module' });
    } catch (e) {
      return new UnstartedWorker(e);
    }
  }
  const boot = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};\n`], { type: 'text/javascript' }));
  let worker;
  try {
    worker = new Worker(boot, { type: 'module' });
  } catch (e) {
    URL.revokeObjectURL(boot);
    return new UnstartedWorker(e);
  }
  // the bootstrap is needed until the worker has fetched it: free it at the first word from the worker
  const revoke = () => URL.revokeObjectURL(boot);
  worker.addEventListener('message', revoke, { once: true });
  worker.addEventListener('error', revoke, { once: true });
  return worker;
}

// A worker the browser refused to construct. WebKit throws (SecurityError) where
// a page's CSP blocks the worker; Chromium and Firefox fire 'error' on the
// Worker instead: this gives the caller that same 'error' event, after it has
// set its handlers.
class UnstartedWorker extends EventTarget {
  constructor(error) {
    super();
    this.onmessage = null;
    this.onerror = null;
    setTimeout(() => {
      const event = new ErrorEvent('error', { message: `${error.name}: ${error.message}` });
      this.dispatchEvent(event);
      if (this.onerror) this.onerror(event);
    });
  }

  postMessage() {}

  terminate() {}
}

// What to tell the reader when the worker did not start: for a worker from
// another origin, what that origin and the page's CSP must allow.
export function workerStartProblem(url, message) {
  const base = `The compute worker failed to start: ${message || 'unknown error'}`;
  if (typeof location !== 'object' || url.origin === location.origin) {
    return `${base} (Headscope needs WebAssembly SIMD and module workers).`;
  }
  return `${base} (the worker comes from ${url.origin}: that host must send Access-Control-Allow-Origin, ` +
    `and this page's Content-Security-Policy must allow worker-src blob: ${url.origin}, script-src ${url.origin} ` +
    `'wasm-unsafe-eval' and connect-src ${url.origin}; ` +
    'Headscope needs WebAssembly SIMD and module workers).';
}
