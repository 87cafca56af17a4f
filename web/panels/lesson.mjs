// web/panels/lesson.mjs — the "Guided lesson" panel: the steps of web/lesson/lesson-steps.mjs
// one at a time over the live model, with Back / Next, a list to jump to any step, and
// "Skip the lesson". Each step drives its scope: it sets the knobs (defaults plus the
// step's), opens its view, selects its head (a fixed one, or the run's strongest head for a
// role) and pins a token, then explains what is on screen with this model's own numbers.
// Steps that do not apply to the model (an encoder has no causal mask) are left out of
// Back / Next and listed with the reason. One panel, two shells: lessonBox(host) is the panel
// over any controller (host: the shell's view, knobs and link, below); lessonPanel(page) is
// the page's (its step remembered in localStorage under 'headscope:lesson', in the URL as
// lesson=N while the panel is open, 1 = the first); <headscope-view lesson> makes its own
// (web/headscope-element.js: remembered per element id, or not at all without an id).
import { h } from '../views/markup.mjs';
import { defaultKnobs, knobsEqual } from '../knobs.mjs';
import { LESSON_STEPS, lessonFacts } from '../lesson/lesson-steps.mjs';

const PAGE_STORE_KEY = 'headscope:lesson';
// the step remembered under key (null: not remembered)
const load = (key) => { try { return (key && JSON.parse(localStorage.getItem(key))) || {}; } catch { return {}; } };
const save = (key, s) => { try { if (key) localStorage.setItem(key, JSON.stringify(s)); } catch { /* private mode: not remembered */ } };

// The head of run r for a role step: the first of `roles` some head shows clearly (its best
// score reaches 0.4, the roles table's threshold), else the highest score of any of them.
function strongestHead(r, roles) {
  const t = r && r.roles && r.roles.text;
  if (!t) return null;
  let overall = null;
  for (const role of roles) {
    const k = t.names.indexOf(role);
    if (k < 0) continue;
    let best = null;
    t.scores.forEach((row, l) => row.forEach((s, hd) => {
      if (s[k] !== null && (!best || s[k] > best.score)) best = { layer: l, head: hd, role, score: s[k] };
    }));
    if (best && best.score >= 0.4) return best;
    if (best && (!overall || best.score > overall.score)) overall = best;
  }
  return overall;
}

// The page's lesson: its knobs panel, its view tabs, its URL.
export function lessonPanel(page) {
  return lessonBox({
    ctl: page.ctl,
    storeKey: PAGE_STORE_KEY,
    setView: (view) => page.layout.setView(view),
    // new knobs on the page, and the run with them (a promise of its drawn result)
    setKnobs: (knobs) => {
      Object.assign(page.state.knobs, knobs);
      page.knobs.show();
      page.url.sync();
      page.ctl.invalidate('all');
      return page.requestRun({ immediate: true });
    },
    notApplicable: () => page.knobs.notApplicable(),
    showKnobs: () => { page.$('knobs').open = true; }, // the knob the step set, on screen
    finish: () => { if (!knobsEqual(page.state.knobs, defaultKnobs())) page.knobs.set(defaultKnobs()); },
    changed: () => page.url.sync(),
  });
}

// The lesson panel over host = {ctl; storeKey (localStorage key of the step, or null);
// setView(name); setKnobs(knobs) -> promise of the run with them drawn; notApplicable() ->
// {knob: reason}; showKnobs() (a step set a knob: show where); finish() (skip or the last
// step: the shell's knobs back); changed() (the step changed: links follow); knobWords(knobs)
// (optional: a line naming the knobs the step set, for shells without a knobs panel)}.
export function lessonBox(host) {
  const { ctl } = host;
  const { state } = ctl;
  const ui = {};
  ui.summary = h('summary', {}, h('span', { class: 'knobs-title', text: 'Guided lesson' }), ' ',
    h('span', { class: 'muted lesson-summary', text: 'how attention heads work, step by step on this model' }));
  ui.list = h('ol', { class: 'lesson-list', 'aria-label': 'Steps of the lesson' });
  ui.step = h('p', { class: 'lesson-count muted' });
  ui.title = h('h2', { class: 'lesson-title', tabindex: '-1' });
  ui.body = h('div', { class: 'lesson-body' });
  ui.skipped = h('p', { class: 'lesson-skipped hint muted' });
  ui.back = h('button', { type: 'button', class: 'btn small lesson-back', text: '← Back' });
  ui.next = h('button', { type: 'button', class: 'btn small lesson-next', text: 'Next →' });
  ui.skip = h('button', { type: 'button', class: 'btn small lesson-skip', text: 'Skip the lesson' });
  ui.knobs = h('p', { class: 'lesson-knobs hint muted', hidden: true });
  ui.article = h('article', { class: 'lesson-step', 'aria-live': 'polite' }, ui.step, ui.title, ui.body, ui.knobs);
  const el = h('details', { id: 'lesson', class: 'knobs lesson' }, ui.summary,
    h('div', { class: 'lesson-main' },
      h('nav', { class: 'lesson-nav', 'aria-label': 'Lesson steps' }, ui.list, ui.skipped),
      h('div', { class: 'lesson-content' }, ui.article, h('div', { class: 'lesson-actions' }, ui.back, ui.next, ui.skip))));
  let current = 0; // 1-based step on screen (0: none yet)
  let pending = 0; // a step to apply once the model has run

  const facts = () => lessonFacts(state.model.info, state.model.name, { panel: !host.knobWords });
  const skipOf = (i) => (state.model && LESSON_STEPS[i - 1].skip ? LESSON_STEPS[i - 1].skip(facts()) : null);
  const applicable = (i) => i >= 1 && i <= LESSON_STEPS.length && !skipOf(i);
  // the nearest applicable step from i in direction dir (then the other way)
  function nearest(i, dir = 1) {
    for (let j = i; j >= 1 && j <= LESSON_STEPS.length; j += dir) if (applicable(j)) return j;
    for (let j = i; j >= 1 && j <= LESSON_STEPS.length; j -= dir) if (applicable(j)) return j;
    return 1;
  }

  function buildList() {
    ui.list.replaceChildren(...LESSON_STEPS.map((s, k) => {
      const reason = skipOf(k + 1);
      const b = h('button', { type: 'button', class: 'lesson-jump', 'data-step': String(k + 1), disabled: !!reason,
        title: reason ? `Not for this model: ${reason}` : null, text: s.title });
      return h('li', { class: reason ? 'not-applicable' : null }, b);
    }));
    const off = LESSON_STEPS.map((s, k) => [s, skipOf(k + 1)]).filter(([, why]) => why);
    ui.skipped.textContent = off.map(([s, why]) => `Left out: “${s.title}” — ${why}.`).join(' ');
    ui.skipped.hidden = !off.length;
  }

  const runWith = (knobs) => host.setKnobs(knobs);

  // Shows step i (1-based) and sets the page state it describes. A step that selects the
  // strongest head for a role reads the roles of a run with the default knobs.
  let seq = 0;
  async function goTo(i, { dir = 1, focusTitle = false } = {}) {
    if (!state.model || !state.result) { pending = i; return; }
    const token = ++seq;
    buildList();
    const n = nearest(Math.max(1, Math.min(LESSON_STEPS.length, i)), dir);
    current = n;
    el.open = true;
    save(host.storeKey, { step: n });
    const step = LESSON_STEPS[n - 1];
    const show = step.show;
    if (show.focus.role && !knobsEqual(state.knobs, defaultKnobs())) {
      await runWith(defaultKnobs()).catch(() => null);
      if (token !== seq) return; // the reader moved on meanwhile
    }
    const r = state.result;
    const focus = show.focus.role ? strongestHead(r, show.focus.role) : null;
    const { layer, head } = focus || (show.focus.role ? { layer: 0, head: 0 } : show.focus);
    const knobs = { ...defaultKnobs(), ...(show.knobs || {}) };
    if (knobs.ablate === 'focus') knobs.ablate = [`${layer}.${head}`];
    if (knobs.causal === false && host.notApplicable().causal) knobs.causal = true;
    host.setView(show.view);
    ctl.select(layer, head);
    if (show.pin === 'last' && r.T) { state.pinPos = r.T - 1; state.queryPos = null; state.selection = []; }
    if (!knobsEqual(state.knobs, knobs)) {
      runWith(knobs);
      if (knobs.ablate.length || !knobs.scale || !knobs.causal) host.showKnobs();
    } else ctl.invalidate('all');
    const m = { ...facts(), focus: focus || (show.focus.role ? null : { layer, head }) };
    ui.step.textContent = `Step ${n} of ${LESSON_STEPS.length}`;
    ui.title.textContent = step.title;
    ui.body.replaceChildren(...step.text(m).map((t) => h('p', { text: t })));
    const words = host.knobWords ? host.knobWords(knobs) : '';
    ui.knobs.textContent = words;
    ui.knobs.hidden = !words;
    el.dataset.step = String(n);
    el.dataset.stepId = step.id;
    for (const b of ui.list.querySelectorAll('.lesson-jump')) {
      if (b.dataset.step === String(n)) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
    }
    const prev = LESSON_STEPS.findLastIndex((_, k) => k + 1 < n && applicable(k + 1));
    const next = LESSON_STEPS.findIndex((_, k) => k + 1 > n && applicable(k + 1));
    ui.back.disabled = prev < 0;
    ui.next.textContent = next < 0 ? 'Finish' : 'Next →';
    if (focusTitle) ui.title.focus();
    host.changed();
  }

  ui.back.addEventListener('click', () => goTo(current - 1, { dir: -1, focusTitle: true }));
  ui.next.addEventListener('click', () => {
    if (LESSON_STEPS.findIndex((_, k) => k + 1 > current && applicable(k + 1)) < 0) return finish();
    goTo(current + 1, { focusTitle: true });
  });
  ui.skip.addEventListener('click', finish);
  ui.list.addEventListener('click', (e) => {
    const b = e.target.closest('.lesson-jump');
    if (b) goTo(Number(b.dataset.step), { focusTitle: true });
  });
  // opening the panel resumes where the reader left off
  el.addEventListener('toggle', () => {
    if (el.open && !current) goTo(load(host.storeKey).step || 1);
    host.changed();
  });

  // Skip or finish: the panel closes and the knobs go back to their defaults.
  function finish() {
    el.open = false;
    current = 0;
    save(host.storeKey, { step: 1, done: true });
    host.finish();
    host.changed();
  }

  return {
    el,
    goTo,
    // the URL's lesson=N (0 or absent: the panel stays as it is)
    openFromUrl: (n) => { if (n) goTo(n); },
    // the remembered step (1 when none), where an element's lesson attribute without a number starts
    resume: () => goTo(load(host.storeKey).step || 1),
    // the step the URL names: the one on screen while the panel is open
    urlStep: () => (el.open && current ? current : 0),
    // a new result: a step asked for before the model ran is applied now; the list follows the model
    update: () => {
      if (pending) { const i = pending; pending = 0; goTo(i); }
    },
    get current() { return current; },
  };
}
