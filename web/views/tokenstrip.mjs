// web/views/tokenstrip.mjs — the input's tokens as the model sees them (leading
// spaces "·", newlines "↵", bytes "<0xE2>"), one chip per token. Hover a chip to
// focus that position in every view; click to pin it; ctrl/⌘-click (Ctrl+Enter) adds it to
// a selection of several query tokens, shift-click (Shift+Enter) selects a span: the views
// then show their mean attention. Chips are reused between runs.
// Keyboard (WAI-ARIA listbox): the strip is one tab stop (roving tabindex: only
// the current chip has tabindex 0); arrows, Home and End move the focus, which
// focuses that position like hovering; Enter or Space pins it (aria-selected).
import { renderToken, tokenLabel } from '../tokens.mjs';

const LABEL = 'Tokens as the model sees them';

export class TokenStrip {
  constructor(app, el) {
    this.app = app;
    this.el = el;
    this.key = '';
    this.current = 0; // the chip that holds the strip's tab stop
    this.chips = document.createElement('span');
    this.chips.className = 'chips';
    this.chips.setAttribute('role', 'listbox');
    this.chips.setAttribute('aria-label', LABEL);
    this.chips.setAttribute('aria-orientation', 'horizontal');
    this.count = document.createElement('span');
    this.count.className = 'tok-count muted';
    const index = (e) => {
      const c = e.target.closest('.chip-tok');
      return c ? Number(c.dataset.i) : null;
    };
    el.addEventListener('mouseover', (e) => { const i = index(e); if (i !== null) app.setHover(i); });
    el.addEventListener('mouseleave', () => app.setHover(null));
    // a click pins; ctrl/⌘ adds to the selection of query tokens; shift selects a span
    const choose = (i, e) => {
      if (e.shiftKey) app.selectQuery(i, { span: true });
      else if (e.ctrlKey || e.metaKey) app.selectQuery(i);
      else app.togglePin(i);
    };
    this.choose = choose;
    el.addEventListener('click', (e) => {
      const i = index(e);
      if (i === null) return;
      this.moveTabStop(i);
      choose(i, e);
    });
    this.listenToKeys(el, index);
  }

  // ---- keyboard: one tab stop, arrows move (roving tabindex)
  listenToKeys(el, index) {
    const app = this.app;
    const moves = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 };
    el.addEventListener('keydown', (e) => {
      const i = index(e);
      if (i === null) return;
      const n = this.chips.children.length;
      let to = null;
      if (moves[e.key]) to = Math.max(0, Math.min(n - 1, i + moves[e.key]));
      else if (e.key === 'Home') to = 0;
      else if (e.key === 'End') to = n - 1;
      else if (e.key === 'Enter' || e.key === ' ') {
        this.choose(i, e);
        e.preventDefault();
        return;
      } else return;
      this.moveTabStop(to);
      this.chips.children[to].focus();
      e.preventDefault();
    });
    el.addEventListener('focusin', (e) => { const i = index(e); if (i !== null) { this.moveTabStop(i); app.setHover(i); } });
    el.addEventListener('focusout', () => app.setHover(null));
  }

  moveTabStop(i) {
    const box = this.chips;
    if (i === this.current && box.children[i] && box.children[i].tabIndex === 0) return;
    if (box.children[this.current]) box.children[this.current].tabIndex = -1;
    this.current = i;
    if (box.children[i]) box.children[i].tabIndex = 0;
  }

  clear() {
    this.el.replaceChildren();
    this.chips.replaceChildren();
    this.key = '';
    this.current = 0;
  }

  setResult(r) {
    const key = r.ids.join(',');
    if (key === this.key) return;
    this.key = key;
    if (!this.el.firstChild) this.el.append(this.chips, this.count);
    const box = this.chips;
    while (box.children.length > r.T) box.lastChild.remove();
    while (box.children.length < r.T) {
      const c = document.createElement('span');
      c.className = 'chip-tok';
      c.setAttribute('role', 'option');
      c.setAttribute('aria-selected', 'false');
      c.tabIndex = -1;
      c.dataset.i = String(box.children.length);
      box.append(c);
    }
    for (let i = 0; i < r.T; i++) {
      const c = box.children[i];
      renderToken(c, r.tokens[i]);
      c.title = `#${i} · id ${r.ids[i]} · “${tokenLabel(r.tokens[i])}”`;
    }
    this.moveTabStop(Math.min(this.current, r.T - 1));
    this.count.textContent = `${r.T} token${r.T === 1 ? '' : 's'}${r.truncated ? ` (of ${r.n_tokens_in_text})` : ''}`;
  }

  render() {
    const s = this.app.state;
    const pos = this.app.focusPos();
    const sel = this.app.queries() || [];
    for (const c of this.chips.children) {
      const i = Number(c.dataset.i);
      c.classList.toggle('active', i === pos);
      c.classList.toggle('pinned', i === s.pinPos || sel.includes(i));
      c.classList.toggle('selected', sel.includes(i));
      c.setAttribute('aria-selected', String(i === s.pinPos || sel.includes(i)));
    }
  }
}
