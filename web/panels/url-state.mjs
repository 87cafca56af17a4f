// web/panels/url-state.mjs — the page state in the URL hash (web/state-hash.mjs
// is the format): written after every change (replaceState, no history spam),
// read at start and when the reader edits the hash.
import { parseHash, formatHash } from '../state-hash.mjs';

export function urlState(page) {
  const { state } = page;
  let timer = 0;

  function current() {
    return {
      text: page.text(), textB: state.textB, model: page.models.field(), hub: page.models.hubBase(), layer: state.layer, head: state.head, view: page.layout.view,
      colour: state.scale, overlay: state.overlay, pin: state.pinPos, query: state.queryPos,
      roles: state.roleSource || 'text', knobs: state.knobs, theme: document.documentElement.dataset.theme,
      weights: page.weights,
      selection: state.selection,
      gen: page.generate ? page.generate.generated : 0, sampling: page.generate ? page.generate.sampling : undefined,
      exercise: page.exercise ? page.exercise.question : null, lesson: page.lesson ? page.lesson.urlStep() : 0,
    };
  }
  function sync() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const h = formatHash(current());
      if (h !== location.hash) history.replaceState(null, '', h === '#' ? location.pathname + location.search : h);
    }, 60);
  }
  // Apply a parsed hash (absent fields mean their defaults); the caller loads its model.
  function apply(s) {
    if (s.text !== undefined) page.setText(s.text);
    state.textB = s.textB || '';
    page.models.setWeights(s.weights);
    state.layer = s.layer || 0;
    state.head = s.head || 0;
    page.layout.view = s.view || 'grid';
    page.setColourScale(s.colour || 'linear');
    state.overlay = s.overlay || 'head';
    for (const b of document.querySelectorAll('#view-head .seg-btn')) b.setAttribute('aria-pressed', String(b.dataset.overlay === state.overlay));
    state.pinPos = s.pin !== undefined ? s.pin : null;
    state.queryPos = s.query !== undefined ? s.query : null;
    state.selection = s.selection || [];
    state.roleSource = s.roles || 'text';
    page.roles.showSource();
    state.knobs = s.knobs;
    page.knobs.show();
    if (page.generate) {
      page.generate.sampling = s.sampling;
      page.generate.generated = s.gen || 0;
      if (s.gen) page.$('generate').open = true;
    }
    if (page.exercise) page.exercise.set(s.exercise || null);
    if (page.lesson) page.lesson.openFromUrl(s.lesson);
    page.layout.apply();
  }
  const read = () => parseHash(location.hash);

  addEventListener('hashchange', () => {
    const s = read();
    const before = page.models.field();
    apply(s);
    if ((s.model || undefined) !== before && page.models.bundled.length) {
      page.models.openField(s.model, s.hub);
    } else {
      if (state.model) page.ctl.select(state.layer, state.head);
      page.requestRun({ immediate: true });
    }
  });
  for (const b of document.querySelectorAll('#view-head .seg-btn')) b.addEventListener('click', sync);

  return { current, sync, apply, read, pageUrl: () => location.href.split('#')[0] + formatHash(current()) };
}
