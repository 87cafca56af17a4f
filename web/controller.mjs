// web/controller.mjs — one Headscope "scope": the state of a set of views (the
// focused head, hovered/pinned token, colour scale, the knobs of a run in
// web/knobs.mjs's grammar), the requests to the shared worker client (latest
// run wins), and the redraw loop.
// The page (web/app.mjs) and every <headscope-view> element
// (web/headscope-element.js) each own one controller over their own DOM, so the
// view modules in web/views/ work on any container (a document or a shadow root).
import { GridView } from './views/grid.mjs';
import { HeadView } from './views/headview.mjs';
import { MatrixView } from './views/matrix.mjs';
import { NextTokenView } from './views/nexttoken.mjs';
import { TokenStrip } from './views/tokenstrip.mjs';
import { InsideView } from './views/inside.mjs';
import { HeadDescription } from './views/head-description.mjs';
import { LensView } from './views/lens.mjs';
import { PairsView } from './views/pairs.mjs';
import { drawnWeights } from './value-weighted.mjs';
import { defaultKnobs, knobOptions, knobsForShape, toggleHead } from './knobs.mjs';
import { maskTokenInText } from './model-family.mjs';

const VIEW_CLASSES = { grid: GridView, head: HeadView, matrix: MatrixView, next: NextTokenView, inside: InsideView, lens: LensView, pairs: PairsView };

export class Controller {
  // root: element whose CSS variables give the colours; sections: {grid?, head?,
  // matrix?, next?, inside?} view sections; strip: token strip element or null;
  // tooltip: tooltip element; hooks: {visible() -> names, rendered(r), failed(message), running(), result(r)}
  constructor({ root, sections, strip, tooltip, client, hooks }) {
    this.root = root;
    this.client = client;
    this.hooks = hooks;
    this.tooltip = tooltip;
    this.channel = client.channel();
    this.state = {
      result: null, layer: 0, head: 0, overlay: 'head', hoverPos: null, pinPos: null,
      queryPos: null, // token the "Inside one head" panel follows (null: the pinned or last one)
      selection: [],  // several query tokens (2 or more, sorted): the views show their mean attention
      scale: 'linear', model: null, knobs: defaultKnobs(),
      textB: '', // the minimal pairs view's sentence B (web/views/pairs.mjs)
    };
    this.text = '';
    this.views = {};
    for (const [name, section] of Object.entries(sections)) if (section) this.views[name] = new VIEW_CLASSES[name](this, section);
    this.strip = strip ? new TokenStrip(this, strip) : null;
    this.description = new HeadDescription(this, root);
    const all = (sel) => Object.values(sections).filter(Boolean).flatMap((s) => [...s.querySelectorAll(sel)]);
    this.vwNotes = all('.vw-note');
    this.vwToggles = all('.vw-toggle');
    for (const b of this.vwToggles) b.addEventListener('click', () => this.setValueWeighted(b.dataset.vw === '1'));
    this.colors = this.readColors();
    this.seq = 0;
    this.latest = 0;
    this.waiters = [];
    this.debounce = 0;
    this.lastRunMs = 0;
    this.dirty = { data: false, all: false, hover: false };
    this.frame = 0;
    this.framesDrawn = 0;    // frames the views have drawn (pendingDraw / afterDraw)
    this.redrawsAwaited = 0; // next-token or lens requests whose answers will redraw views
    this.renderWaiting = false;
    this.lastResult = null;
    this.onAblate = null; // set by shells that let the reader switch heads off: (ablate list) => void
    this.onValueWeighted = null; // set by shells: (on) => void, the value-weighted knob (page) or attribute (element)
    this.exercise = null; // a predict-then-reveal question (web/exercise/exercise.mjs): conceals results until answered
  }

  readColors() {
    const cs = getComputedStyle(this.root);
    const v = (n) => cs.getPropertyValue(n).trim();
    return {
      bg: v('--panel') || '#fff', fg: v('--fg') || '#111', muted: v('--muted') || '#666', border: v('--border'),
      accent: v('--accent') || '#2f5fd0', mask: v('--mask') || '#e3e2dc', maskLine: v('--mask-line') || '#c4c2ba',
      focus: v('--focus') || '#e8590c', select: v('--select') || '#d9480f', track: v('--track') || '#ecebe5',
      font: cs.fontFamily || 'sans-serif',
    };
  }

  refreshColors() {
    this.colors = this.readColors();
    this.invalidate('all');
  }

  // ---------------------------------------------------------- the app interface the views use
  select(layer, head, { openHead = false } = {}) {
    const info = this.state.model && this.state.model.info;
    if (!info) return;
    const l = Math.max(0, Math.min(info.n_layer - 1, layer));
    const h = Math.max(0, Math.min(info.n_head - 1, head));
    const changed = l !== this.state.layer || h !== this.state.head;
    this.state.layer = l;
    this.state.head = h;
    if (this.views.grid) this.views.grid.focus = null;
    if (this.hooks.selected) this.hooks.selected({ openHead, changed });
    this.invalidate('all');
  }

  setHover(pos) {
    if (pos === this.state.hoverPos) return;
    this.state.hoverPos = pos;
    this.invalidate('hover');
  }

  togglePin(pos) {
    this.state.selection = [];
    this.state.pinPos = this.state.pinPos === pos ? null : pos;
    if (this.hooks.changed) this.hooks.changed();
    this.invalidate('hover');
  }

  activePos() {
    const r = this.state.result;
    if (!r || !r.T) return null;
    if (this.state.hoverPos !== null && this.state.hoverPos < r.T) return this.state.hoverPos;
    if (this.state.pinPos !== null && this.state.pinPos < r.T) return this.state.pinPos;
    return r.T - 1;
  }

  focusPos() {
    const r = this.state.result;
    const p = this.state.hoverPos !== null ? this.state.hoverPos : this.state.pinPos;
    return r && p !== null && p < r.T ? p : null;
  }

  // The query token of the "Inside one head" panel (with several selected, the one its switch chose).
  queryPos() {
    const r = this.state.result;
    if (!r || !r.T) return null;
    const q = this.state.queryPos;
    if (q !== null && q < r.T) return q;
    if (this.state.pinPos !== null && this.state.pinPos < r.T) return this.state.pinPos;
    const sel = this.queries(); // several selected (a link with sel and no pin): the first of them
    return sel ? sel[0] : r.T - 1;
  }

  // A view asks to switch a head off (or back on): the shell applies the new
  // ablate list (onAblate: the page's knobs, the element's attribute).
  toggleAblate(layer, head) {
    if (this.onAblate) this.onAblate(toggleHead(this.state.knobs.ablate, `${layer}.${head}`));
  }

  // The grid / head view / matrix toggle between alpha and alpha ||v W_O||: the shell sets the knob.
  setValueWeighted(on) {
    if (this.onValueWeighted && on !== !!this.state.knobs.valueWeighted) this.onValueWeighted(on);
  }

  // Encoders: re-run the text with token `pos` of the run on screen replaced by
  // the model's mask token. The shell shows the new text (hooks.textChanged);
  // without that hook the controller runs it itself.
  maskToken(pos) {
    const r = this.state.result;
    const model = this.state.model;
    if (!r || !model) return;
    const text = maskTokenInText(this.text, r, pos, model.info);
    if (text === null || text === this.text) return;
    this.state.pinPos = pos;
    if (this.hooks.textChanged) this.hooks.textChanged(text);
    else {
      this.text = text;
      this.run({ immediate: true });
    }
  }

  // A view sets the text (the minimal pairs' examples): the shell shows it (hooks.textChanged),
  // else the controller runs it itself.
  setText(text) {
    if (this.hooks.textChanged) this.hooks.textChanged(text);
    else {
      this.text = text;
      this.run({ immediate: true });
    }
  }

  // ---------------------------------------------------------- several query tokens
  // ctrl/⌘-click (or Ctrl+Enter) adds a token to the selection or takes it out; shift-click (or
  // Shift+Enter) selects the span from the pinned token (or the selection's first) to it. The
  // selection starts from the pinned token; one left is a pin again.
  selectQuery(pos, { span = false } = {}) {
    const s = this.state;
    let sel = s.selection.length ? [...s.selection] : s.pinPos !== null ? [s.pinPos] : [];
    if (span) {
      const from = sel.length ? (s.pinPos !== null ? s.pinPos : sel[0]) : pos;
      sel = [];
      for (let i = Math.min(from, pos); i <= Math.max(from, pos); i++) sel.push(i);
    } else {
      sel = sel.includes(pos) ? sel.filter((i) => i !== pos) : [...sel, pos].sort((a, b) => a - b);
    }
    if (sel.length >= 2) {
      s.selection = sel;
      if (s.pinPos === null || !sel.includes(s.pinPos)) s.pinPos = sel[0];
    } else {
      s.selection = [];
      s.pinPos = sel.length ? sel[0] : null;
    }
    if (this.hooks.changed) this.hooks.changed();
    this.invalidate('all');
  }

  // The selected query tokens of the run on screen (2 or more), or null.
  queries() {
    const r = this.state.result;
    const sel = r ? this.state.selection.filter((i) => i < r.T) : [];
    return sel.length >= 2 ? sel : null;
  }

  // " · mean of N queries" for view titles while several are selected.
  queriesTitle() {
    const q = this.queries();
    return q ? ` · mean of ${q.length} queries` : '';
  }

  // Escape: no pinned or hovered token, no tooltip.
  clearPin() {
    this.state.selection = [];
    this.state.pinPos = null;
    this.setHover(null);
    this.hideTooltip();
    this.invalidate('hover');
    if (this.hooks.changed) this.hooks.changed();
  }

  isAblated(layer, head) {
    return this.state.knobs.ablate.includes(`${layer}.${head}`);
  }

  showTooltip(lines, clientX, clientY) {
    const tip = this.tooltip;
    if (!tip) return;
    tip.replaceChildren();
    for (const [i, line] of lines.entries()) {
      const div = document.createElement('div');
      if (i === 0) div.className = 'tip-title';
      div.textContent = line;
      tip.append(div);
    }
    tip.hidden = false;
    const pad = 14;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    let x = clientX + pad;
    let y = clientY + pad;
    if (x + w > innerWidth - 4) x = Math.max(4, clientX - w - pad);
    if (y + h > innerHeight - 4) y = Math.max(4, clientY - h - pad);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }

  hideTooltip() { if (this.tooltip) this.tooltip.hidden = true; }

  requestNextAll() {
    const r = this.state.result;
    if (!r || r.nextRequested) return; // once per run
    r.nextRequested = true;
    this.redrawsAwaited++;
    this.client.nextAll(this.channel, r.workerRunId).then((msg) => {
      const cur = this.state.result;
      if (!msg || cur !== r) return;
      cur.next = msg.next;
      if (this.views.next) this.views.next.stale = true;
      this.invalidate('hover');
    }, (e) => {
      r.nextRequested = false;
      console.warn(`next-token computation failed: ${e.message}`);
    }).finally(() => { this.redrawsAwaited--; });
  }

  // The logit lens of the run on screen (a run made with option lens), asked of the worker
  // once per run; the lens view redraws when it arrives.
  requestLens() {
    const r = this.state.result;
    if (!r || r.lensRequested || !r.options || !r.options.lens) return;
    r.lensRequested = true;
    this.redrawsAwaited++;
    this.client.lens(this.channel, r.workerRunId, 5).then((msg) => {
      if (!msg || this.state.result !== r) return;
      r.lens = msg.lens;
      if (this.views.lens) this.views.lens.stale = true;
      this.invalidate('all');
    }, (e) => {
      r.lensError = e.message;
      if (this.views.lens) this.views.lens.stale = true;
      this.invalidate('all');
    }).finally(() => { this.redrawsAwaited--; });
  }

  // ---------------------------------------------------------- running
  wantsIntermediates() {
    return this.hooks.visible().includes('inside');
  }

  // The lens view on screen: runs keep the residual stream (a run without it is run again).
  wantsLens() {
    return this.hooks.visible().includes('lens');
  }

  runOptions() {
    const o = knobOptions(this.state.knobs);
    if (this.wantsIntermediates()) o.intermediates = true;
    if (this.wantsLens()) o.lens = true;
    return o;
  }

  setModel(model) {
    this.state.model = model;
    const { n_layer: L, n_head: H } = model.info;
    this.state.layer = Math.min(this.state.layer, L - 1);
    this.state.head = Math.min(this.state.head, H - 1);
    knobsForShape(this.state.knobs, L, H); // knobs naming heads this model does not have are dropped
  }

  // Run the current text with the current knobs. Returns a promise of the
  // drawn result (null when a newer run replaced it).
  run({ immediate = false } = {}) {
    const id = ++this.seq;
    this.latest = id;
    clearTimeout(this.debounce);
    const done = new Promise((resolve, reject) => this.waiters.push({ id, resolve, reject }));
    done.catch(() => {});
    if (!this.state.model) return done;
    const text = this.text;
    if (text === '') {
      this.state.result = null;
      this.lastResult = { id, tokens: [], ids: [], T: 0, n_layer: this.state.model.info.n_layer, n_head: this.state.model.info.n_head, attention: new Float32Array(0), weights: new Float32Array(0) };
      if (this.strip) this.strip.clear();
      this.hooks.rendered(this.lastResult);
      this.resolveWaiters(id, this.lastResult);
      return done;
    }
    // Runs that take long (a big model's first run, or one whose prefix cannot be
    // reused) wait for a pause in typing; the others go at once (the worker still
    // replaces a queued run by a newer one).
    const delay = immediate || this.lastRunMs < 120 ? 0 : 150;
    const go = () => this.send(id, text);
    if (delay) this.debounce = setTimeout(go, delay);
    else go();
    return done;
  }

  send(id, text) {
    if (id !== this.latest) return;
    const model = this.state.model;
    const options = this.runOptions();
    if (this.hooks.running) this.hooks.running();
    this.client.run(this.channel, model.key, text, options).then((msg) => {
      if (!msg) return; // replaced by a newer run in the worker's queue
      this.lastRunMs = msg.runMs;
      if (id !== this.latest || model !== this.state.model) return; // stale
      this.accept(msg, id, model, text);
    }, (e) => {
      if (id !== this.latest) return;
      this.hooks.failed(`Could not run the model: ${e.message}`);
      this.rejectWaiters(id, e.message);
    });
  }

  // A worker result on screen: the state's result, the hooks, drawn at once.
  accept(msg, id, model, text) {
    msg.workerRunId = msg.id; // the worker's id of this run (for next-all)
    msg.id = id;
    msg.modelName = model.name;
    msg.text = text;
    msg.weights = drawnWeights(msg); // what the grid, head view and matrix draw: alpha, or value-weighted rows
    if (this.exercise) this.exercise.conceal(msg); // an unanswered question's head (or roles) hidden
    this.state.result = msg;
    this.lastResult = msg;
    const s = this.state;
    if (s.hoverPos !== null && s.hoverPos >= msg.T) s.hoverPos = null;
    if (s.pinPos !== null && s.pinPos >= msg.T) s.pinPos = null;
    // every position's next-token numbers (small models, shells with a next-token view): asked
    // for now, so the worker computes them while this thread draws, ahead of the loss score
    if (msg.nextSoon && this.views.next && msg.next && !msg.next.complete) this.requestNextAll();
    if (this.hooks.result) this.hooks.result(msg);
    this.renderWaiting = true;
    performance.clearMarks('headscope:result');
    performance.mark('headscope:result');  // for the benchmark: worker time vs drawing time
    // a new result is drawn at once (not at the next animation frame: that
    // would add up to a frame of latency to every keystroke); hover redraws
    // still go through requestAnimationFrame
    this.dirty.data = true;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.draw();
  }

  // ---------------------------------------------------------- generation ("Continue")
  // Adds tokens after the run on screen, one worker request per token ('generate-step':
  // the module chooses it and runs only the new position), each result drawn as it comes;
  // this.text grows by the generated text, and the row that produced the newest token is
  // pinned (and followed by "Inside one head"). sampling: the module's sampling options
  // (web/knobs.mjs samplingOptions). Returns {stop(), done}: done resolves to
  // {steps: [{id, token, prob}], promptT, continuation, stopped, because} once the module
  // says stop, stop() was called, or a newer run (typing) replaced it (stopped 'replaced').
  continueText(sampling, { onStep } = {}) {
    let halt = false;
    const start = this.state.result;
    const model = this.state.model;
    const done = (async () => {
      if (!start || !start.T || !model) throw new Error('nothing to continue: run a text first');
      const prompt = this.text;
      const out = { steps: [], promptT: start.T, continuation: '', stopped: 'stopped', because: 'stopped by the reader' };
      let runId = start.workerRunId;
      for (let step = 0; !halt; step++) {
        const id = ++this.seq;
        this.latest = id;
        const msg = await this.client.generateStep(this.channel, runId, sampling, step);
        if (!msg || id !== this.latest || model !== this.state.model) {
          out.stopped = 'replaced';
          out.because = 'a newer run replaced it';
          break;
        }
        const g = msg.generated;
        out.steps.push({ id: g.id, token: g.token, prob: g.prob });
        out.continuation = g.continuation;
        this.text = prompt + g.continuation;
        this.state.pinPos = msg.T - 2; // drawn with the row that produced the new token pinned
        this.state.queryPos = this.state.pinPos;
        this.accept(msg, id, model, this.text);
        runId = msg.workerRunId;
        if (onStep) onStep(g, msg);
        if (g.stopped) {
          out.stopped = g.stopped;
          out.because = g.stopped_because;
          break;
        }
      }
      return out;
    })();
    return { stop: () => { halt = true; }, done };
  }

  resolveWaiters(id, r) {
    const keep = [];
    for (const w of this.waiters) {
      if (w.id <= id) w.resolve(r);
      else keep.push(w);
    }
    this.waiters = keep;
  }

  rejectWaiters(id, message) {
    const keep = [];
    for (const w of this.waiters) {
      if (w.id <= id) w.reject(new Error(message));
      else keep.push(w);
    }
    this.waiters = keep;
  }

  // ---------------------------------------------------------- drawing
  invalidate(what) {
    this.dirty[what] = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = 0;
    const d = this.dirty;
    this.dirty = { data: false, all: false, hover: false };
    const r = this.state.result;
    if (!r) return;
    const visible = this.hooks.visible();
    const full = d.data || d.all;
    for (const note of this.vwNotes) note.hidden = !r.valueWeighted;
    for (const b of this.vwToggles) b.setAttribute('aria-pressed', String((b.dataset.vw === '1') === !!this.state.knobs.valueWeighted));
    if (this.strip) {
      if (d.data) this.strip.setResult(r);
      this.strip.render();
    }
    for (const name of visible) {
      const v = this.views[name];
      if (!v) continue;
      if (d.data || v.stale) v.setResult(r);
      v.stale = false;
      if (full || v.hoverSensitive) v.render(full);
    }
    if (d.data) for (const [name, v] of Object.entries(this.views)) if (!visible.includes(name)) v.stale = true;
    this.description.render();
    if (this.exercise) this.exercise.mark();
    this.framesDrawn++;
    if (this.hooks.drawn) this.hooks.drawn(d);
    if (d.data || this.renderWaiting) {
      this.renderWaiting = false;
      this.hooks.rendered(r);
      this.resolveWaiters(r.id, r);
    }
  }

  // ---------------------------------------------------------- "drawn", for the browser tests
  // What this scope still has to draw: '' once everything asked of it so far is on screen, else
  // what it waits for (a run's result, next-token or lens numbers on their way to a view, the
  // animation frame that draws a change).
  pendingDraw() {
    if (this.waiters.length) return 'a run';
    if (this.redrawsAwaited) return 'next-token or lens numbers';
    if (this.frame) return 'an animation frame';
    return '';
  }

  // Resolves, with the number of frames drawn so far, once pendingDraw() is '' (checked at each
  // animation frame, after the views' own drawing in it). tests/web/helpers.mjs afterDraw waits on it.
  afterDraw() {
    return new Promise((resolve) => {
      const check = () => (this.pendingDraw() ? requestAnimationFrame(check) : resolve(this.framesDrawn));
      check();
    });
  }
}
