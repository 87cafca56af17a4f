// web/coi-register.js — opt-in cross-origin isolation on static hosts that cannot
// send COOP/COEP headers: registers web/coi-sw.js (next to this script) and, on
// the first visit, reloads the page once so that the service worker serves it
// with the headers. Include it first in the page's <head>:
//   <script src="coi-register.js"></script>
// A page already isolated, a browser without service workers, or a page that is
// still not isolated after that one reload (sessionStorage remembers it) is left
// as it is: it runs the single-threaded module.
(() => {
  if (self.crossOriginIsolated || !window.isSecureContext || !('serviceWorker' in navigator)) return;
  const script = document.currentScript;
  const worker = new URL('coi-sw.js', script ? script.src : location.href);
  const reloadedKey = 'headscope:coi-reloaded';
  navigator.serviceWorker.register(worker).then(() => navigator.serviceWorker.ready).then(() => {
    if (sessionStorage.getItem(reloadedKey)) return; // tried once: this browser does not isolate
    sessionStorage.setItem(reloadedKey, '1');
    location.reload();
  }).catch((e) => console.warn(`headscope: ${worker.href}: service worker not registered (${e.message}); single-threaded`));
})();
