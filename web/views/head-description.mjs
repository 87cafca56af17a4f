// web/views/head-description.mjs — the canvases' text alternative: one polite
// live region per controller (visually hidden, the canvases' aria-describedby)
// saying which head is in focus (the grid's keyboard cursor, else the selected
// head), its role, and its strongest links: for the hovered / pinned / focused
// token its three largest attention weights, else the head's three largest
// weights over all query rows; between them, the head's pattern in words on this
// text (web/head-words.mjs, from the drawn weights). Rewritten only when the sentence
// changes. Also the "Copy descriptions" / "Download descriptions" buttons (the
// grid's header): every head's line, one per line.
import { tokenLabel } from '../tokens.mjs';
import { ROLE_INFO, headRole } from './grid.mjs';
import { describeHead, describeHeads } from '../head-words.mjs';
import { runIsCausal } from '../model-family.mjs';
import { download } from '../export.mjs';
import { textSlug } from '../scene.mjs';

export const DESCRIPTION_ID = 'head-description';
const LINKS = 3;

// The `n` largest weights of head (l, h): [{i, j, w}], query i attends to key j.
export function strongestLinks(r, l, h, n, query = null) {
  const T = r.T;
  const base = (l * r.n_head + h) * T * T;
  const best = [];
  const rows = query === null ? [...Array(T).keys()] : [query];
  for (const i of rows) {
    for (let j = 0; j < T; j++) {
      const w = r.attention[base + i * T + j];
      if (best.length < n || w > best[best.length - 1].w) {
        best.push({ i, j, w });
        best.sort((a, b) => b.w - a.w);
        if (best.length > n) best.pop();
      }
    }
  }
  return best;
}

export class HeadDescription {
  constructor(app, container) {
    this.app = app;
    this.el = document.createElement('p');
    this.el.id = DESCRIPTION_ID;
    this.el.className = 'visually-hidden head-description';
    this.el.setAttribute('aria-live', 'polite');
    container.append(this.el);
    for (const b of container.querySelectorAll('.describe-copy')) b.addEventListener('click', () => this.copyAll(b));
    for (const b of container.querySelectorAll('.describe-download')) b.addEventListener('click', () => this.downloadAll());
  }

  // Every head's line on the run on screen, with a heading naming the text and the model ('' without a run).
  allText() {
    const r = this.app.state.result;
    if (!r || !r.T) return '';
    const lines = describeHeads(r, r.weights, { causal: runIsCausal(r) });
    return [`Headscope: every head of ${r.modelName || 'the model'} on “${r.text}”${r.valueWeighted ? ' (value-weighted α·‖v W_O‖)' : ''}`, ...lines].join('\n') + '\n';
  }

  async copyAll(button) {
    const text = this.allText();
    const status = button.parentElement.querySelector('.describe-status');
    if (!text) return;
    try {
      await navigator.clipboard.writeText(text);
      if (status) status.textContent = `Copied ${text.split('\n').length - 2} lines.`;
    } catch {
      if (status) status.textContent = 'The clipboard is not available here: use Download descriptions.';
    }
  }

  downloadAll() {
    const text = this.allText();
    const r = this.app.state.result;
    if (!text) return;
    download(new Blob([text], { type: 'text/plain' }), `headscope-${textSlug(r.text)}-heads.txt`);
  }

  render() {
    const r = this.app.state.result;
    const text = r && r.T ? this.describe(r) : '';
    if (this.el.textContent !== text) this.el.textContent = text;
  }

  describe(r) {
    const s = this.app.state;
    const grid = this.app.views.grid;
    const { layer, head } = grid && grid.focus ? grid.focus : { layer: s.layer, head: s.head };
    if (layer >= r.n_layer || head >= r.n_head) return '';
    if (this.app.exercise && this.app.exercise.hides(layer, head)) return `Layer ${layer}, head ${head}: hidden until you answer the exercise.`;
    const role = headRole(r, layer, head, s.roleSource);
    const query = this.app.focusPos();
    const tok = (i) => `“${tokenLabel(r.tokens[i])}” (${i})`;
    const links = strongestLinks(r, layer, head, LINKS, query)
      .map(({ i, j, w }) => `${tok(i)} to ${tok(j)} ${w.toFixed(2)}`).join('; ');
    return `Layer ${layer}, head ${head}${role ? `, a ${ROLE_INFO[role].label} head` : ''}${this.app.isAblated(layer, head) ? ', switched off' : ''}. ` +
      `${describeHead(r, r.weights, layer, head, { causal: runIsCausal(r) })}. ` +
      `Strongest links${query === null ? '' : ` of ${tok(query)}`}: ${links}.`;
  }
}
