// web/headscope-element.js — <headscope-view>: Headscope in any page, with one
//   <script type="module" src="path/to/headscope/headscope-element.js"></script>
// Attributes: model (URL of a model folder, relative to the page, or a model on
// the Hugging Face Hub: hf:OWNER/NAME or hf:OWNER/NAME@REVISION; default: the
// first bundled model), hub (the Hub's base URL for hf: models; default
// https://huggingface.co: a mirror, or a test server), text, layer, head, view (grid|head|matrix|inside|lens|pairs), text-b (the minimal pairs' sentence B), editable
// (the reader may change the text), theme (light|dark|auto), and the knobs:
// scale, causal (0|1), temperature, temperature-head (L.H), ablate (L.H,L.H),
// ablation (zero|mean), value-weighted (0|1: the views draw alpha ||v W_O||),
// read as web/knobs.mjs reads URL params. A knob that
// does not apply to the model (web/model-family.mjs knobReasons: causal="0" on
// an encoder, which reads the text both ways) is ignored, with a console warning
// naming the attribute and the reason. Generation (web/panels/generate.mjs):
// generate (present: show Continue, its sampling knobs and the replay slider), the
// sampling knobs max-new, sample-temperature, top-k, top-p, seed (web/knobs.mjs),
// generated="N" (the text's last N tokens were generated: the replay slider's range)
// and replay="K" (pin the row that produced the K-th of them). The element
// sizes to its container's width; it carries data-state
// (loading|ready|running|rendered|error) and fires `headscope:rendered` and
// `headscope:error` (bubbling, composed). An element with no box (display: none,
// e.g. on a slide not shown) runs, but draws and says rendered once it is shown;
// its canvases follow CSS transform scales (a reveal.js slide) and window resizes.
// Exercises (web/exercise/): exercise (attend|role), from, question, role — a predict-then-reveal
// question; an attend question hides head layer/head until the reader clicks a token.
// The guided lesson (web/panels/lesson.mjs, the page's steps): lesson="N" opens it at step N
// (1 = the first); lesson (no value) opens it where this element's reader left off — remembered
// in localStorage per element id (key headscope:lesson:<page path>#<id>), so only an element
// with an id resumes, and two elements never share a step. Each step sets this element's view
// (view attribute), head, pinned token and knob attributes; skipping, finishing or removing the
// attribute puts the knob attributes back as they were. The attribute follows the step on screen.
// Every element of a page shares ONE worker and one loaded copy of each model
// (web/client.mjs). Styles come from style.css and headscope-element.css via
// <link> in the shadow root: nothing inline, CSP-safe.
import { sharedClient, HeadscopeClient } from './client.mjs';
import { Controller } from './controller.mjs';
import { KNOB_PARAMS, knobsFromParams } from './knobs.mjs';
import { SAMPLING_PARAMS, samplingFromParams } from './knobs.mjs';
import { generatePanel } from './panels/generate.mjs';
import { formatHash } from './state-hash.mjs';
import { DEFAULT_HUB, isHubField, parseHubRef, normalizeHub } from './hub/hub-ref.mjs';
import { mb } from './hub/hub-api.mjs';
import { h, viewSections, VIEW_TITLES } from './views/markup.mjs';
import { headPicker } from './head-picker.mjs';
import { describeFamilyShape, knobReasons } from './model-family.mjs';
import { Exercise } from './exercise/exercise.mjs';
import { EXERCISE_PARAMS, questionFromParams } from './exercise/question.mjs';
import { touchScreen } from './touch.mjs';
import { knobParams, knobsEqual } from './knobs.mjs';
import { lessonBox } from './panels/lesson.mjs';

const here = new URL('./', import.meta.url);
const VIEWS = ['grid', 'head', 'matrix', 'inside', 'lens', 'pairs'];
const DEFAULT_TEXT = 'When Mary and John went to the store, John gave a drink to Mary.';

export class HeadscopeView extends HTMLElement {
  static get observedAttributes() {
    return ['model', 'hub', 'text', 'text-b', 'layer', 'head', 'view', 'editable', 'theme', ...KNOB_PARAMS,
      'generate', 'generated', 'replay', ...SAMPLING_PARAMS, ...EXERCISE_PARAMS, 'lesson'];
  }

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: 'open' });
    const css = ['style.css', 'headscope-element.css', 'teach.css'].map((f) => h('link', { rel: 'stylesheet', href: new URL(f, here).href }));
    this.cssReady = Promise.all(css.map((l) => new Promise((resolve) => {
      l.addEventListener('load', resolve, { once: true });
      l.addEventListener('error', resolve, { once: true });
    })));
    const sel = (cls, label) => h('label', { class: 'field' }, h('span', { text: label }), h('select', { class: cls }));
    this.ui = {};
    const ui = this.ui;
    ui.root = h('div', { class: 'hs-embed', part: 'root' });
    ui.text = h('textarea', { class: 'hs-text', rows: '2', spellcheck: 'false', 'aria-label': 'Text' });
    ui.sentence = h('p', { class: 'hs-sentence' });
    ui.tabs = h('div', { class: 'seg hs-tabs', role: 'group', 'aria-label': 'View' },
      ...VIEWS.map((v) => h('button', { type: 'button', class: 'seg-btn', 'data-view': v, 'aria-pressed': 'false',
        text: VIEW_TITLES[v] })));
    ui.layerField = sel('hs-layer', 'Layer');
    ui.headField = sel('hs-head', 'Head');
    ui.layer = ui.layerField.querySelector('select');
    ui.head = ui.headField.querySelector('select');
    ui.status = h('p', { class: 'hs-status muted', role: 'status', 'aria-live': 'polite', text: 'Loading…' });
    ui.error = h('p', { class: 'error', role: 'alert', hidden: true });
    ui.tokens = h('div', { class: 'token-strip' });
    ui.sections = viewSections(VIEWS);
    ui.views = h('div', { class: 'hs-views' }, ...Object.values(ui.sections));
    ui.tooltip = h('div', { class: 'tooltip', role: 'tooltip', hidden: true });
    ui.cancel = h('button', { type: 'button', class: 'btn small hs-cancel', hidden: true, text: 'Cancel download' });
    ui.cancel.addEventListener('click', () => this.cancel());
    ui.open = h('a', { class: 'hs-open', target: '_blank', rel: 'noopener', text: 'Open in Headscope ↗' });
    ui.root.append(
      h('div', { class: 'hs-top' }, ui.text, ui.sentence),
      h('div', { class: 'hs-bar' }, ui.tabs, ui.layerField, ui.headField, ui.open),
      ui.tokens, ui.error, ui.views, ui.status, ui.cancel, ui.tooltip);
    this.shadow.append(...css, ui.root);

    this.client = sharedClient();
    this.ctl = new Controller({
      root: ui.root,
      sections: ui.sections,
      strip: ui.tokens,
      tooltip: ui.tooltip,
      client: this.client,
      hooks: {
        visible: () => { this.drawnWidth = this.viewWidth(); return [this.view]; },
        running: () => this.setState('running'),
        // show the view's section before it is drawn, so it is drawn at its final width
        result: (r) => { this.clearError(); this.applyLook(false); this.showGenerated(r); this.lesson.update(r); },
        rendered: (r) => this.rendered(r),
        failed: (m) => this.fail(m),
        selected: () => {
          this.heads.show();
          this.updateLink();
        },
        changed: () => this.updateLink(),
        // the minimal pairs view: an example sets both texts; B follows the text-b attribute
        textChanged: (text) => this.setAttribute('text', text),
        textBChanged: (text) => this.setAttribute('text-b', text),
      },
    });
    this.ctl.onAblate = (list) => {
      if (list.length) this.setAttribute('ablate', list.join(','));
      else this.removeAttribute('ablate');
    };
    touchScreen(this.shadow, { tooltip: ui.tooltip, hide: () => this.ctl.hideTooltip() }); // tap wording, tooltips that go away
    this.ctl.onValueWeighted = (on) => {
      if (on) this.setAttribute('value-weighted', '1');
      else this.removeAttribute('value-weighted');
    };
    ui.text.addEventListener('input', () => { this.gen.forget(); this.ctl.text = ui.text.value; this.ctl.run(); this.updateLink(); });
    // Continue: the generated text becomes the element's text (and is run when generation ends)
    this.gen = generatePanel(this.ctl, {
      text: (text, { final }) => {
        ui.text.value = text;
        ui.sentence.textContent = text;
        this.updateLink();
        return final ? this.ctl.run({ immediate: true }) : null;
      },
      changed: () => this.updateLink(),
      failed: (m) => this.fail(m),
    });
    ui.tokens.after(this.gen.el);
    this.replayPending = true;
    this.heads = headPicker(this.ctl, ui.layer, ui.head);
    this.exercise = new Exercise(this.ctl, { strip: ui.tokens, modelName: () => this.getAttribute('model') || '' });
    ui.tokens.before(this.exercise.el);
    this.lesson = this.lessonBox();
    ui.root.querySelector('.hs-bar').before(this.lesson.el);
    ui.tabs.addEventListener('click', (e) => {
      const b = e.target.closest('[data-view]');
      if (b) this.setAttribute('view', b.dataset.view);
    });
    ui.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.ctl.clearPin();
    });
    this.resize = new ResizeObserver(() => this.relayout());
    // a window resize may rescale the element without resizing it (a reveal.js
    // slide's transform): redraw, so the canvases match their on-screen pixels
    this.onWindowResize = () => this.relayout();
    // theme="auto": follow the reader's system setting as it changes
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.ctl.refreshColors());
    this.started = false;
    this.modelSeq = 0;
  }

  // The guided lesson over this element: its view and knob attributes, its own remembered step.
  lessonBox() {
    const el = this;
    const box = lessonBox({
      ctl: this.ctl,
      get storeKey() { return el.id ? `headscope:lesson:${location.pathname}#${el.id}` : null; },
      setView: (view) => this.setAttribute('view', view),
      setKnobs: (knobs) => this.setKnobAttributes(knobs),
      notApplicable: () => (this.ctl.state.model ? knobReasons(this.ctl.state.model.info) : {}),
      showKnobs: () => {},
      finish: () => this.restoreKnobs(),
      changed: () => {
        this.reflectingLesson = true;
        if (this.hasAttribute('lesson')) this.setAttribute('lesson', box.current ? String(box.current) : '');
        this.reflectingLesson = false;
        this.updateLink();
      },
      // (no knobs panel here: the step says which attributes it set)
      knobWords: (knobs) => {
        const set = knobParams(knobs).map(([k, v]) => `${k}="${v}"`);
        return set.length ? `This step sets ${set.join(' ')} on the element (every step starts from the default knobs).` : '';
      },
    });
    box.el.hidden = true;
    return box;
  }

  // The knob attributes the element had before its lesson set any (skip, finish, lesson removed).
  restoreKnobs() {
    if (!this.knobsBeforeLesson) return;
    const knobs = knobsFromParams((k) => this.knobsBeforeLesson.get(k));
    if (!knobsEqual(knobs, this.ctl.state.knobs)) this.setKnobAttributes(knobs);
  }

  // lesson="N", lesson (resume), or none (the panel goes, the element's own knobs come back).
  applyLesson() {
    const v = this.getAttribute('lesson');
    this.lesson.el.hidden = v === null;
    if (v === null) return this.restoreKnobs();
    if (!this.knobsBeforeLesson) this.knobsBeforeLesson = new Map(KNOB_PARAMS.map((k) => [k, this.getAttribute(k)]));
    const n = /^\d+$/.test(v.trim()) ? Number(v) : 0;
    if (n >= 1) { if (n !== this.lesson.current) this.lesson.goTo(n); } else this.lesson.resume();
  }

  // New knob attributes at once (the lesson's steps), and one run with them: a promise of it drawn.
  setKnobAttributes(knobs) {
    this.settingKnobs = true;
    try {
      for (const k of KNOB_PARAMS) this.removeAttribute(k);
      for (const [k, v] of knobParams(knobs)) this.setAttribute(k, v);
    } finally {
      this.settingKnobs = false;
    }
    this.applyKnobs();
    return this.runNow();
  }

  get view() {
    const v = this.getAttribute('view');
    return VIEWS.includes(v) ? v : 'grid';
  }

  get state() { return this.dataset.state; }
  get lastResult() { return this.ctl.lastResult; }
  get controller() { return this.ctl; }
  static get workersCreated() { return HeadscopeClient.workersCreated; }

  // A promise of the next drawn result.
  whenRendered() {
    return new Promise((resolve, reject) => {
      const ok = (e) => { this.removeEventListener('headscope:error', bad); resolve(e.detail); };
      const bad = (e) => { this.removeEventListener('headscope:rendered', ok); reject(new Error(e.detail.message)); };
      this.addEventListener('headscope:rendered', ok, { once: true });
      this.addEventListener('headscope:error', bad, { once: true });
    });
  }

  connectedCallback() {
    this.resize.observe(this.ui.views);
    addEventListener('resize', this.onWindowResize);
    if (this.started) return;
    this.started = true;
    this.applyAll();
    this.loadModel();
  }

  disconnectedCallback() {
    this.resize.disconnect();
    removeEventListener('resize', this.onWindowResize);
  }

  // The element's size changed: redraw; one that was drawn with no box (display:
  // none, e.g. on a reveal.js slide not shown) says "rendered" after this draw.
  // With no box now, nothing is drawn: its canvases keep their last real size.
  relayout() {
    if (this.getClientRects().length === 0) return;
    if (this.waitingForBox) this.ctl.renderWaiting = true;
    this.ctl.invalidate('all');
  }

  attributeChangedCallback(name, old, value) {
    if (!this.started || old === value) return;
    if (name === 'lesson') return this.reflectingLesson ? undefined : this.applyLesson();
    if (this.settingKnobs && KNOB_PARAMS.includes(name)) return; // (setKnobAttributes runs once after)
    if (name === 'model' || name === 'hub') return this.loadModel();
    if (EXERCISE_PARAMS.includes(name) || ((name === 'layer' || name === 'head') && this.exercise.question)) {
      this.applyExercise();
      if (name === 'layer' || name === 'head') this.applySelection();
      return this.runNow();
    }
    if (name === 'layer' || name === 'head') return this.applySelection();
    if (name === 'view' || name === 'theme' || name === 'editable') return this.applyLook();
    if (name === 'text-b') {
      this.ctl.state.textB = value || '';
      if (this.ctl.views.pairs) this.ctl.views.pairs.stale = true;
      this.ctl.invalidate('all');
      return this.updateLink();
    }
    if (name === 'text') {
      this.applyText();
      return this.runNow();
    }
    if (KNOB_PARAMS.includes(name)) {
      this.applyKnobs();
      this.runNow();
    }
    if (name === 'generate' || name === 'generated' || name === 'replay' || SAMPLING_PARAMS.includes(name)) {
      this.applyGeneration();
      if (this.ctl.state.result) this.showGenerated(this.ctl.state.result);
      this.ctl.invalidate('all');
    }
  }

  // generate, generated, replay and the sampling knobs -> the Continue panel.
  applyGeneration() {
    const n = Number(this.getAttribute('generated'));
    this.gen.el.hidden = !this.hasAttribute('generate') && !this.hasAttribute('generated');
    this.gen.sampling = samplingFromParams((k) => this.getAttribute(k));
    this.gen.generated = Number.isInteger(n) && n > 0 ? n : 0;
    this.replayPending = true;
  }

  // A result on screen: the panel follows it; a replay attribute pins its row once.
  showGenerated(r) {
    const model = this.ctl.state.model;
    if (model) this.gen.applyModel(model.info);
    this.gen.update(r);
    const k = Number(this.getAttribute('replay'));
    if (this.replayPending && Number.isInteger(k) && k > 0 && this.gen.generated > 0) this.gen.replayTo(k);
    this.replayPending = false;
  }

  setState(s) {
    this.dataset.state = s;
    this.ui.root.dataset.state = s;
  }

  applyAll() {
    this.applyText();
    this.applyKnobs();
    this.applyGeneration();
    this.applyExercise();
    this.applyLook();
    this.applyLesson();
    this.setState('loading');
  }

  applyText() {
    const t = this.getAttribute('text');
    const text = t === null ? DEFAULT_TEXT : t;
    this.ui.text.value = text;
    this.ui.sentence.textContent = text;
    this.ctl.text = text;
    this.ctl.state.textB = this.getAttribute('text-b') || '';
  }

  applyKnobs() {
    this.ctl.state.knobs = knobsFromParams((k) => this.getAttribute(k));
    const model = this.ctl.state.model;
    if (!model) return;
    this.ctl.setModel(model);
    const reasons = knobReasons(model.info);
    if (reasons.causal && !this.ctl.state.knobs.causal) {
      this.ctl.state.knobs.causal = true;
      console.warn(`<headscope-view>: causal="${this.getAttribute('causal')}" is ignored: ${model.name} ${reasons.causal}.`);
    }
  }

  // exercise, from, question, role (with layer and head) -> the question, concealed from the next run on
  applyExercise() {
    const n = (a) => { const v = Number(this.getAttribute(a)); return Number.isInteger(v) && v >= 0 ? v : 0; };
    this.exercise.set(questionFromParams((k) => this.getAttribute(k), { layer: n('layer'), head: n('head') }));
  }

  applySelection() {
    const n = (a) => { const v = Number(this.getAttribute(a)); return Number.isInteger(v) && v >= 0 ? v : 0; };
    if (this.ctl.state.model) this.ctl.select(n('layer'), n('head'));
    else { this.ctl.state.layer = n('layer'); this.ctl.state.head = n('head'); }
  }

  applyLook(refresh = true) {
    const theme = this.getAttribute('theme');
    if (theme === 'light' || theme === 'dark') this.ui.root.dataset.theme = theme;
    else delete this.ui.root.dataset.theme;
    const editable = this.hasAttribute('editable') && this.getAttribute('editable') !== 'false';
    this.ui.text.hidden = !editable;
    this.ui.sentence.hidden = editable;
    const view = this.view;
    for (const [name, s] of Object.entries(this.ui.sections)) s.hidden = name !== view || !this.ctl.state.result;
    for (const b of this.ui.tabs.children) b.setAttribute('aria-pressed', String(b.dataset.view === view));
    this.ui.root.dataset.view = view;
    if (refresh) this.ctl.refreshColors();
    this.updateLink();
    // the logit lens needs a run that kept its residual stream
    const r = this.ctl.state.result;
    if (view === 'lens' && r && r.T && !(r.options && r.options.lens)) this.runNow();
    if (view === 'inside' && r && r.T && !r.qkv) this.runNow(); // (its numbers need a run with intermediates)
  }

  // The model attribute's model: a folder URL, a Hub model (hf:...), or the first bundled one.
  async openModel(onProgress) {
    const url = this.getAttribute('model');
    if (!isHubField(url)) {
      return url ? this.client.load(url, { base: document.baseURI, onProgress }) : this.client.loadDefault({ onProgress });
    }
    const ref = parseHubRef(url);
    if (!ref) throw new Error(`model="${url}" is not a Hub model: give hf:OWNER/NAME or hf:OWNER/NAME@REVISION`);
    const hub = normalizeHub(this.getAttribute('hub'));
    const from = hub !== DEFAULT_HUB ? ` from ${new URL(hub).host}` : '';
    this.ui.status.textContent = `Opening ${ref.repo}${from}…`;
    const hubProgress = (m) => {
      if (m.phase === 'plan') this.ui.status.textContent = `Downloading ${ref.repo}${from}: ${mb(m.total)}…`;
      else if (m.phase === 'download') {
        this.ui.status.textContent = `Downloading ${ref.repo}${from}: ${mb(m.done)} of ${mb(m.total)} · ${mb(m.bytesPerSecond)}/s`;
      }
    };
    const h = this.client.loadHub({ hub, ...ref }, { onProgress: hubProgress });
    this.cancelDownload = h.cancel;
    this.ui.cancel.hidden = false;
    try {
      return await h.promise;
    } catch (e) {
      e.hub = true;
      throw e;
    } finally {
      this.cancelDownload = null;
      this.ui.cancel.hidden = true;
    }
  }

  // Stops a Hub download in progress (the element then shows the bundled model and says why).
  cancel() {
    if (this.cancelDownload) this.cancelDownload();
  }

  async loadModel() {
    const seq = ++this.modelSeq;
    this.setState('loading');
    this.hubError = null;
    this.clearError();
    this.ui.status.textContent = 'Loading the model…';
    const onProgress = (m) => {
      if (m.phase === 'download' && m.total) this.ui.status.textContent = `Downloading the model… ${Math.round((100 * m.done) / m.total)}%`;
    };
    let model;
    try {
      [model] = await Promise.all([this.openModel(onProgress), this.cssReady]);
    } catch (e) {
      if (seq !== this.modelSeq) return;
      this.fail(`Could not open the model: ${e.message}`);
      if (!e.hub) return;
      // a Hub model that failed: the bundled model, with the error left on screen
      this.hubError = this.ui.error.textContent;
      try { model = await this.client.loadDefault({ onProgress }); } catch { return; }
    }
    if (seq !== this.modelSeq) return;
    try {
      if (!model) throw new Error('no model: give the element a model="folder/" attribute (config.json, model.safetensors, tokenizer.json)');
      this.ctl.setModel(model);
      this.applyKnobs(); // (the knobs that do not apply to this model are dropped)
      const { n_layer: L, n_head: H } = model.info;
      this.heads.fill(L, H);
      this.ctl.refreshColors();
      this.applySelection();
      this.setState('ready');
      this.ui.status.textContent = `${model.name} · ${describeFamilyShape(model.info)}`;
      this.runNow();
    } catch (e) {
      if (seq === this.modelSeq) this.fail(`Could not open the model: ${e.message}`);
    }
  }

  runNow() {
    if (!this.ctl.state.model) return Promise.resolve(null);
    return this.ctl.run({ immediate: true });
  }

  // The width the visible view's section has now (0 while hidden).
  viewWidth() {
    const s = this.ui.sections[this.view];
    return s ? s.clientWidth : 0;
  }

  rendered(r) {
    this.applyLook(false);
    // "rendered" means drawn at the final layout: if the section's width changed
    // since this draw measured it, draw again and say so after that draw.
    if (this.viewWidth() !== this.drawnWidth && (this.relayouts = (this.relayouts || 0) + 1) <= 3) {
      this.ctl.renderWaiting = true;
      this.ctl.invalidate('all');
      return;
    }
    this.relayouts = 0;
    // no box (display: none): not drawn at any real size yet; the ResizeObserver's
    // call when the element is shown draws it and comes back here
    this.waitingForBox = this.getClientRects().length === 0;
    if (this.waitingForBox) return;
    this.setState('rendered');
    this.dispatchEvent(new CustomEvent('headscope:rendered', {
      bubbles: true, composed: true,
      detail: { tokens: r.tokens, n_layer: r.n_layer, n_head: r.n_head, T: r.T, layer: this.ctl.state.layer, head: this.ctl.state.head },
    }));
  }

  fail(message) {
    this.ui.error.textContent = message;
    this.ui.error.hidden = false;
    this.setState('error');
    this.dispatchEvent(new CustomEvent('headscope:error', { bubbles: true, composed: true, detail: { message } }));
  }

  // (a failed Hub model's error stays up under the bundled model that replaced it)
  clearError() {
    if (this.hubError) {
      this.ui.error.textContent = this.hubError;
      this.ui.error.hidden = false;
      return;
    }
    this.ui.error.hidden = true;
  }

  // "Open in Headscope": the full page with this element's state in the hash.
  updateLink() {
    const s = this.ctl.state;
    const m = this.getAttribute('model');
    const hub = this.getAttribute('hub');
    const hash = formatHash({
      text: this.ctl.text, textB: s.textB, model: m ? (isHubField(m) ? m : new URL(m, document.baseURI).href) : undefined,
      hub: isHubField(m) && hub ? hub : undefined,
      layer: s.layer, head: s.head, view: this.view, knobs: s.knobs,
      gen: this.gen.generated, sampling: this.gen.sampling, pin: this.gen.generated || s.selection.length ? s.pinPos : null,
      selection: s.selection, query: s.queryPos, exercise: this.exercise.question, lesson: this.lesson.urlStep(),
    });
    this.ui.open.href = new URL(`index.html${hash}`, here).href;
  }
}

if (!customElements.get('headscope-view')) customElements.define('headscope-view', HeadscopeView);
