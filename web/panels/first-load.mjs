// web/panels/first-load.mjs — the page before its first drawn run: the frame is
// there from the HTML (web/index.html), with the progress bar running from the
// first byte (web/load-progress.mjs counts the module's and the model's bytes),
// a placeholder where the heads will be, and the controls that need a result
// (the layer, head and colour selects; Copy and Export) disabled. The first
// `headscope:rendered` enables them and removes the placeholder.

const NEEDS_A_RESULT = ['layer-select', 'head-select', 'scale-select', 'copy-link', 'copy-embed', 'export-png', 'export-svg'];

export function firstLoadPanel({ $, root }) {
  const placeholder = $('first-load');
  let done = false;
  function finish() {
    if (done) return;
    done = true;
    for (const id of NEEDS_A_RESULT) $(id).disabled = false;
    placeholder.hidden = true;
  }
  root.addEventListener('headscope:rendered', finish);
  // the first load failed or there is no model to load: no placeholder promising heads
  root.addEventListener('headscope:error', () => { if (!done) placeholder.hidden = true; });
  return {
    // no bundled model: nothing is coming until the reader opens one
    nothingToLoad() {
      placeholder.hidden = true;
      $('progress').hidden = true;
    },
    get done() { return done; },
  };
}
