// web/exercise/exercise.mjs — predict-then-reveal in a controller's views (the page's and
// every <headscope-view>'s): while a question (web/exercise/question.mjs) is unanswered,
// the run on screen is concealed before it is drawn — an attend question's head has its
// weights (alpha, value-weighted) blanked and its role hidden; a role question hides
// every head's role — so the grid cell, the head view, the matrix, "Inside one head", the
// roles table and the text alternative cannot give the answer away. The reader answers
// by clicking (or Enter on) a token of the strip, or a head of the grid; the real numbers
// are then put back and drawn, with the answer, the weight of the chosen token, and the
// session's score. An answer belongs to its text and model: when the reader edits the text
// (or opens another model) after answering, the head is hidden again and the question asked
// again on the new text, saying so (an answer this session gave on that text is shown, as after
// a reload). The controller calls conceal(msg) on each result and mark() after each draw
// (web/controller.mjs); `el` is the question box the shell puts on screen.
import { h } from '../views/markup.mjs';
import { tokenLabel } from '../tokens.mjs';
import {
  questionText, queryPosition, questionKey, scoreAttend, scoreRole, loadScore, recordAnswer, scoreLine, ROLE_WORDS,
} from './question.mjs';

// The [L, H, T, T] arrays of a run that show a head's pattern: what an attend question blanks
// (alpha, the drawn weights, value-weighted alpha, and the raw scores "Inside one head" shows).
const HEAD_ARRAYS = ['attention', 'weights', 'valueWeighted', 'scores'];

const blankRoles = (src, hidden) => src && {
  ...src,
  roles: src.roles.map((row, l) => row.map((role, hd) => (hidden(l, hd) ? 'hidden' : role))),
  scores: src.scores.map((row, l) => row.map((s, hd) => (hidden(l, hd) ? s.map(() => null) : s))),
};

export class Exercise {
  // ctl: the controller; strip: the token strip's element; onReveal(r): the shell redraws what the
  // controller does not (the page's roles table); modelName(): names the model in the answer's key.
  constructor(ctl, { strip, onReveal = () => {}, modelName = () => '' }) {
    this.ctl = ctl;
    this.onReveal = onReveal;
    this.modelName = modelName;
    this.question = null;
    this.answer = null;
    this.pinned = false;
    this.hiddenTip = 'hidden until you answer the exercise'; // the views' hover line over the hidden head
    ctl.exercise = this;
    this.el = h('section', { class: 'exercise', 'aria-label': 'Exercise', hidden: true },
      h('p', { class: 'exercise-kicker', text: 'Predict, then reveal' }),
      h('p', { class: 'exercise-question' }),
      h('p', { class: 'exercise-how hint muted' }),
      h('p', { class: 'exercise-result', role: 'status', 'aria-live': 'polite' }),
      h('div', { class: 'exercise-actions' },
        h('button', { type: 'button', class: 'btn small exercise-reveal', text: 'Show the answer' }),
        h('span', { class: 'exercise-score muted' })));
    this.ui = Object.fromEntries(['question', 'how', 'result', 'reveal', 'score'].map((k) => [k, this.el.querySelector(`.exercise-${k}`)]));
    this.ui.reveal.addEventListener('click', () => this.giveUp());
    this.banners = [];
    for (const name of ['head', 'matrix', 'inside']) {
      const section = ctl.views[name] && ctl.views[name].section;
      if (!section) continue;
      const p = h('p', { class: 'answer-first', hidden: true });
      section.querySelector('.view-header').after(p);
      this.banners.push({ section, p });
    }
    // answers: a token of the strip (click, Enter, Space); a head of the grid (after the grid selected it)
    const chip = (e) => { const c = e.target.closest('.chip-tok'); return c ? Number(c.dataset.i) : null; };
    if (strip) {
      strip.addEventListener('click', (e) => { const i = chip(e); if (i !== null) this.answerToken(i); });
      strip.addEventListener('keydown', (e) => { const i = chip(e); if (i !== null && (e.key === 'Enter' || e.key === ' ')) this.answerToken(i); });
    }
    const grid = ctl.views.grid && ctl.views.grid.canvas;
    if (grid) {
      grid.addEventListener('click', (e) => { if (!e.ctrlKey && !e.metaKey && ctl.views.grid.hit(e)) this.answerHead(); });
      grid.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') this.answerHead(); });
    }
  }

  // A new question (null: none). The next result is concealed unless this session answered it.
  set(question) {
    const same = JSON.stringify(question) === JSON.stringify(this.question);
    if (same) return;
    this.question = question;
    this.answer = null;
    this.answerKey = null; // the text and model the answer was for (questionKey)
    this.askedAgain = false; // 'text' or 'model': answered on an earlier one, asked again on this one
    this.pinned = false;
    this.key = null;
    this.el.hidden = !question;
    this.mark();
  }

  // Is head (l, h) hidden now?
  hides(l, hd) {
    const q = this.question;
    return !!q && !this.answer && q.kind === 'attend' && q.layer === l && q.head === hd;
  }

  // Called by the controller on every result before it is drawn.
  conceal(msg) {
    const q = this.question;
    if (!q || !msg.T) return;
    this.key = questionKey(q, msg.text, this.modelName());
    if (this.answer && this.answerKey !== this.key) {
      // the answer was for an earlier text or model: hidden again, asked again on this one
      this.answer = null;
      this.askedAgain = this.answerText !== msg.text ? 'text' : 'model';
      this.pinned = false; // (the query token is found and pinned again in the new text)
    }
    const before = loadScore().answers[this.key];
    if (before && !this.answer) this.answer = before; // answered in this session already: shown, not asked again
    if (this.answer) { this.answerKey = this.key; this.answerText = msg.text; }
    if (q.kind === 'attend') {
      const at = queryPosition(q, msg);
      this.error = at.error || (q.layer >= msg.n_layer || q.head >= msg.n_head
        ? `layer ${q.layer} head ${q.head} is not in this model (${msg.n_layer} layers × ${msg.n_head} heads)` : null);
      if (!this.error && !this.pinned) {
        this.ctl.state.pinPos = at.pos; // the query token, pinned: its row in every view
        this.pinned = true;
      }
    } else this.error = msg.roles ? null : 'this run has no head roles to ask about';
    msg.real = Object.fromEntries([...HEAD_ARRAYS, 'roles'].map((k) => [k, msg[k]]));
    if (!this.answer && !this.error) {
      if (q.kind === 'attend') {
        const { T, n_head: H } = msg;
        const at = (q.layer * H + q.head) * T * T;
        const blank = (a) => { if (!a) return a; const c = a.slice(); c.fill(0, at, at + T * T); return c; };
        const same = msg.weights === msg.attention;
        for (const k of HEAD_ARRAYS) msg[k] = blank(msg[k]);
        if (same) msg.weights = msg.attention;
      }
      const hidden = q.kind === 'attend' ? (l, hd) => l === q.layer && hd === q.head : () => true;
      if (msg.roles) msg.roles = { ...msg.roles, text: blankRoles(msg.roles.text, hidden), probe: blankRoles(msg.roles.probe, hidden) };
    }
    this.show(msg);
  }

  answerToken(j) {
    const q = this.question;
    const r = this.ctl.state.result;
    if (!q || q.kind !== 'attend' || this.answer || this.error || !r || !r.real || j >= r.T) return;
    const s = scoreAttend(q, r, r.real.attention, j);
    this.settle({ ...s, token: r.tokens[j], bestToken: r.tokens[s.best] });
    this.ctl.state.pinPos = s.pos; // the query's lines in the head view
  }

  answerHead() {
    const q = this.question;
    const r = this.ctl.state.result;
    if (!q || q.kind !== 'role' || this.answer || this.error || !r || !r.real) return;
    const { layer, head } = this.ctl.state;
    this.settle(scoreRole(q, r.real.roles.text, layer, head));
  }

  // "Show the answer" without answering: counted as not right.
  giveUp() {
    const q = this.question;
    const r = this.ctl.state.result;
    if (!q || this.answer || this.error || !r || !r.real) return;
    if (q.kind === 'attend') {
      const s = scoreAttend(q, r, r.real.attention, 0);
      this.settle({ ...s, right: false, gaveUp: true, bestToken: r.tokens[s.best] });
    } else this.settle({ ...scoreRole(q, r.real.roles.text, -1, -1), right: false, gaveUp: true });
  }

  settle(answer) {
    this.answer = answer;
    this.answerKey = this.key;
    this.answerText = this.ctl.state.result.text;
    this.askedAgain = false;
    recordAnswer(this.key, answer);
    const r = this.ctl.state.result;
    Object.assign(r, r.real);
    for (const v of Object.values(this.ctl.views)) v.stale = true;
    this.show(r);
    this.onReveal(r);
    this.ctl.invalidate('all');
  }

  // The question box: the question, how to answer, the result and the score.
  show(r) {
    const q = this.question;
    if (!q) return;
    const ui = this.ui;
    ui.question.textContent = questionText(q, r);
    ui.how.textContent = q.kind === 'attend'
      ? `Layer ${q.layer} head ${q.head} is hidden until you answer. Click a token in the strip (or move with the arrow keys and press Enter).`
      : 'The head roles are hidden until you answer. Click a head in the grid (or move with the arrow keys and press Enter).';
    ui.reveal.hidden = !!this.answer || !!this.error;
    ui.score.textContent = scoreLine(loadScore());
    const a = this.answer;
    this.el.dataset.answer = this.error ? 'error' : a ? (a.right ? 'right' : 'wrong') : 'open';
    if (this.error) ui.result.textContent = `This question cannot be asked here: ${this.error}.`;
    else if (!a) {
      ui.result.textContent = this.askedAgain
        ? `The ${this.askedAgain} changed since your answer, so the question is asked again on this ${this.askedAgain}: ${q.kind === 'attend' ? `layer ${q.layer} head ${q.head} is hidden` : 'the roles are hidden'} until you answer.`
        : '';
    }
    else if (q.kind === 'attend') {
      const tok = (t) => `“${tokenLabel(t.trim() || t)}”`;
      const mine = a.gaveUp ? '' : `${a.right ? 'Right' : 'Not quite'}: you chose ${tok(a.token)} (token ${a.chosen}), weight ${a.weight.toFixed(3)}. `;
      ui.result.textContent = `${mine}The largest weight goes to ${tok(a.bestToken)} (token ${a.best}): ${a.bestWeight.toFixed(3)}. The head's real weights are drawn now.`;
    } else {
      const best = a.best.map((b) => `layer ${b.layer} head ${b.head} (${b.score.toFixed(2)})`).join(', ');
      const mine = a.gaveUp ? '' : `${a.right ? 'Right' : 'Not quite'}: you chose layer ${a.layer} head ${a.head}, its ${ROLE_WORDS[this.question.role]} score ${a.score.toFixed(2)}. `;
      ui.result.textContent = `${mine}Heads that look at ${ROLE_WORDS[this.question.role]} on this text: ${best}. The roles are shown again.`;
    }
  }

  // After each draw: "answer first" over the head view, matrix and inside view while they show the hidden head.
  mark() {
    const q = this.question;
    const s = this.ctl.state;
    const on = !!q && q.kind === 'attend' && !this.answer && !this.error && s.layer === q.layer &&
      (s.head === q.head || s.overlay === 'layer');
    for (const { section, p } of this.banners) {
      section.classList.toggle('concealed', on);
      p.hidden = !on;
      if (on) p.textContent = `Answer first: layer ${q.layer} head ${q.head} is hidden until you choose a token in the strip.`;
    }
  }
}
