// web/coi-sw.js — a service worker of our own for static hosts that cannot send
// headers: it adds Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp (and Cross-Origin-Resource-Policy:
// same-origin) to this origin's responses, so the page is cross-origin isolated
// and the worker starts the threaded module (web/headscope-api.mjs pickSimdBuild).
// Opt-in: a page includes <script src="coi-register.js"></script> (README,
// "Threads"). Responses from other origins pass untouched (the Hub's are CORS
// fetches, which require-corp allows). Only headers change: the CSP a response
// carries stays as it is.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// `response` with the isolation headers (its body as it is, already decoded by fetch).
function isolated(response) {
  if (response.status === 0 || response.type === 'opaqueredirect') return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  if (!headers.has('Cross-Origin-Resource-Policy')) headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  if (headers.has('Content-Encoding')) { // fetch has decoded the body: its length and encoding no longer apply
    headers.delete('Content-Encoding');
    headers.delete('Content-Length');
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (new URL(request.url).origin !== self.location.origin) return;
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  event.respondWith(fetch(request).then(isolated));
});
