// web/views/tokenstrip.mjs — the input's tokens as the model sees them (leading
// spaces "·", newlines "↵", bytes "<0xE2>"), one chip per token. Hover a chip to
// focus that position in every view; click to pin it; ctrl/⌘-click (Ctrl+Enter) adds it to
// a selection of several query tokens, shift-click (Shift+Enter) selects a span: the views
// then show their mean attention. Chips are reused between runs.
import { renderToken, tokenLabel } from '../tokens.mjs';

export class TokenStrip {
  constructor(app, el) {
    this.app = app;
    this.el = el;
    this.key = '';
    this.chips = document.createElement('span');
    this.chips.className = 'chips';
    this.count = document.createElement('span');
    this.count.className = 'tok-count muted';
    const index = (e) => {
      const c = e.target.closest('.chip-tok');
      return c ? Number(c.dataset.i) : null;
    };
    el.addEventListener('mouseover', (e) => { const i = index(e); if (i !== null) app.setHover(i); });
    el.addEventListener('mouseleave', () => app.setHover(null));
    const choose = (i, e) => {
      if (e.shiftKey) app.selectQuery(i, { span: true });
      else if (e.ctrlKey || e.metaKey) app.selectQuery(i);
      else app.togglePin(i);
    };
    el.addEventListener('click', (e) => { const i = index(e); if (i !== null) choose(i, e); });
    el.addEventListener('keydown', (e) => {
      const i = index(e);
      if (i !== null && (e.key === 'Enter' || e.key === ' ')) { choose(i, e); e.preventDefault(); }
    });
    el.addEventListener('focusin', (e) => { const i = index(e); if (i !== null) app.setHover(i); });
    el.addEventListener('focusout', () => app.setHover(null));
  }

  clear() {
    this.el.replaceChildren();
    this.chips.replaceChildren();
    this.key = '';
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
      c.tabIndex = 0;
      c.dataset.i = String(box.children.length);
      box.append(c);
    }
    for (let i = 0; i < r.T; i++) {
      const c = box.children[i];
      renderToken(c, r.tokens[i]);
      c.title = `#${i} · id ${r.ids[i]} · “${tokenLabel(r.tokens[i])}”`;
    }
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
    }
  }
}
