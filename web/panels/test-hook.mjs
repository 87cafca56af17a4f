// web/panels/test-hook.mjs — window.headscope, the page's hook for the browser
// tests and the benchmark (tests/web/): the last result, the state, and ways to
// drive the page without the mouse.

export function installTestHook(page) {
  const { ctl, state, client } = page;
  window.headscope = {
    get lastResult() { return ctl.lastResult; },
    get state() { return { ...state, result: undefined, view: page.layout.view, knobs: { ...state.knobs }, model: state.model && { ...state.model } }; },
    get client() { return client; },
    // tag relations of the current model (null: not computed, or no probe)
    get tagRelations() { return page.tags.current(); },
    setText(text) {
      page.setText(text);
      page.url.sync();
      if (!state.model) return Promise.reject(new Error('no model loaded'));
      return page.requestRun({ immediate: true });
    },
    select: (layer, head) => ctl.select(layer, head),
    setView: page.layout.setView,
    setHover: (pos) => ctl.setHover(pos),
    setKnobs: (patch) => { page.knobs.set(patch, { run: false }); return page.requestRun({ immediate: true }); },
    setQuery: (i) => { state.queryPos = i; page.url.sync(); ctl.invalidate('all'); },
    openFiles: page.models.loadFiles,
    exportSvg: page.share.exportSvg,
    exportPng: (v) => page.share.exportPng(v).toDataURL('image/png').length,
    embedCode: page.share.embedCode,
    pageUrl: page.url.pageUrl,
    hashState: page.url.read,
    // generation: Continue with these sampling knobs (web/knobs.mjs state) -> when it ends and the
    // final text is drawn; the replay slider's position k (1: the first generated token)
    continueText: (sampling) => {
      if (sampling) page.generate.sampling = sampling;
      return page.generate.continueText();
    },
    replayTo: (k) => page.generate.replayTo(k),
    // several query tokens: {span} as shift-click, else as ctrl-click
    selectQuery: (i, opts) => page.ctl.selectQuery(i, opts),
    get generated() { return page.generate.generated; },
    // exercises: the grid's geometry (where a head's cell is)
    gridGeometry: () => ctl.views.grid && ctl.views.grid.geom,
    // the minimal pairs view: what it drew (web/views/pairs.mjs `drawn`), and sentence B
    get pairs() { return ctl.views.pairs.drawn; },
    setTextB: (text) => ctl.views.pairs.setTextB(text),
    // the views' drawing (web/controller.mjs): frames drawn so far; what is still to draw ('' when
    // everything asked so far is on screen); a promise of that moment (tests/web/helpers.mjs afterDraw)
    get frames() { return ctl.framesDrawn; },
    pendingDraw: () => ctl.pendingDraw(),
    afterDraw: () => ctl.afterDraw(),
    // every view drawn again in full from the result on screen (tests: incremental drawing = a full redraw)
    redrawAll: () => ctl.invalidate('all'),
  };
}
