// web/views/markup.mjs — the one source of the view sections' DOM and the
// views' titles on tabs, built with createElement (no HTML strings), for the
// page (index.html's tab list and <main class="views">, where the sections are
// tab panels) and the <headscope-view> element's shadow root (ids are scoped to
// each shadow root). The view modules find their parts
// by these ids and classes.
import { SINK_NOTE } from '../value-weighted.mjs';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

// The grid, head view and matrix say so when they draw value-weighted attention, and each has the
// toggle between alpha and alpha ||v W_O|| (both kept up to date by the controller).
const vwNote = () => h('p', { class: 'hint vw-note', hidden: true, text: SINK_NOTE });
const vwToggle = () => h('div', { class: 'seg vw-seg', role: 'group', 'aria-label': 'Weights drawn' },
  h('button', { type: 'button', class: 'seg-btn vw-toggle', 'data-vw': '0', 'aria-pressed': 'true', text: 'α', title: 'raw attention weights α' }),
  h('button', { type: 'button', class: 'seg-btn vw-toggle', 'data-vw': '1', 'aria-pressed': 'false', text: 'α·‖v W_O‖',
    title: 'value-weighted: what each key adds to the head\'s output (Kobayashi et al., 2020)' }));

function gridSection(label) {
  return h('section', { id: 'view-grid', class: 'view view-grid', ...label('grid', 'All heads') },
    h('header', { class: 'view-header' },
      h('h2', { text: 'All heads' }),
      h('p', { class: 'hint muted', text: 'rows: layers · columns: heads · click or arrows + Enter to focus a head' }),
      vwToggle(),
      h('div', { class: 'describe-tools', role: 'group', 'aria-label': 'Every head in words' },
        h('button', { type: 'button', class: 'btn small describe-copy', text: 'Copy descriptions', title: 'one line per head: what its pattern is on this text' }),
        h('button', { type: 'button', class: 'btn small describe-download', text: 'Download descriptions', title: 'the same lines as a text file' }),
        h('span', { class: 'muted describe-status', role: 'status', 'aria-live': 'polite' }))),
    vwNote(),
    h('div', { class: 'canvas-wrap grid-wrap' },
      h('canvas', { id: 'grid-canvas', class: 'grid-canvas', tabindex: '0', role: 'img', 'aria-label': 'Attention of every head', 'aria-describedby': 'head-description' })));
}

function headSection(label) {
  return h('section', { id: 'view-head', class: 'view view-head', ...label('head', 'Head view') },
    h('header', { class: 'view-header' },
      h('h2', { id: 'headview-title', text: 'Head view' }),
      h('div', { class: 'seg', role: 'group', 'aria-label': 'Heads shown' },
        h('button', { type: 'button', class: 'seg-btn', 'data-overlay': 'head', 'aria-pressed': 'true', text: 'This head' }),
        h('button', { type: 'button', class: 'seg-btn', 'data-overlay': 'layer', 'aria-pressed': 'false', text: 'All heads of layer' })),
      vwToggle()),
    h('p', { class: 'hint muted', text: 'left: each token · right: the tokens it attends to · hover a token to isolate its lines, click to pin' }),
    h('p', { id: 'headview-kv', class: 'hint kv-share', hidden: true }),
    vwNote(),
    h('div', { id: 'headview-legend', class: 'head-legend' }),
    h('div', { class: 'headview-body', id: 'headview-body' },
      h('ol', { class: 'tok-col tok-left', id: 'hv-left' }),
      h('canvas', { id: 'hv-canvas', class: 'hv-canvas', role: 'img', 'aria-label': 'Lines from each token to the tokens it attends to', 'aria-describedby': 'head-description' }),
      h('ol', { class: 'tok-col tok-right', id: 'hv-right' })));
}

function matrixSection(label) {
  return h('section', { id: 'view-matrix', class: 'view view-matrix', ...label('matrix', 'Attention matrix') },
    h('header', { class: 'view-header' },
      h('h2', { id: 'matrix-title', text: 'Matrix' }),
      h('p', { class: 'hint muted', text: 'rows: query token · columns: attended-to token · hover for the exact value' }),
      vwToggle()),
    vwNote(),
    h('div', { class: 'canvas-wrap matrix-wrap' },
      h('canvas', { id: 'matrix-canvas', class: 'matrix-canvas', tabindex: '0', role: 'img', 'aria-label': 'Attention matrix', 'aria-describedby': 'head-description' })));
}

function nextSection(label) {
  return h('section', { id: 'view-next', class: 'view view-next', ...label('next', 'Next token') },
    h('header', { class: 'view-header' },
      h('h2', { text: 'Next token' }),
      h('p', { class: 'hint muted', id: 'next-where' })),
    h('p', { class: 'hint muted', id: 'next-mask-hint', hidden: true }),
    h('div', { id: 'next-mask', class: 'chips next-mask', role: 'group', 'aria-label': 'Mask a token', hidden: true }),
    h('ol', { id: 'next-list', class: 'next-list' }),
    h('ol', { id: 'next-multi', class: 'next-multi', 'aria-label': 'Predictions at each selected position', hidden: true }),
    h('p', { id: 'next-actual', class: 'next-actual' }));
}

function insideSection(label) {
  return h('section', { id: 'view-inside', class: 'view view-inside', ...label('inside', 'Inside one head') },
    h('header', { class: 'view-header' },
      h('h2', { class: 'inside-title', id: 'inside-title', text: 'Inside one head' }),
      h('label', { class: 'field' }, h('span', { text: 'Query token' }), h('select', { class: 'inside-query', id: 'inside-query' }))),
    h('div', { class: 'inside-queries', hidden: true }), // several queries selected: which one is shown (selected-queries.mjs)
    h('p', { class: 'hint muted inside-shapes' }),
    h('p', { class: 'inside-missing muted', hidden: true, text: 'Computing the intermediate numbers…' }),
    h('div', { class: 'canvas-wrap inside-wrap', tabindex: '0', role: 'region', 'aria-label': 'Inside one head (scrolls sideways on small screens)' },
      h('canvas', { class: 'inside-canvas', role: 'img', 'aria-label': 'Inside one head', 'aria-describedby': 'head-description' })),
    h('div', { class: 'inside-concat', role: 'group', 'aria-label': 'Step 9: heads concatenated and projected' }),
    h('ol', { class: 'inside-steps' }));
}

function lensSection(label) {
  return h('section', { id: 'view-lens', class: 'view view-lens', ...label('lens', 'Logit lens') },
    h('header', { class: 'view-header' },
      h('h2', { text: 'Logit lens' }),
      h('p', { class: 'hint muted', text: 'what the model would predict if it stopped after each layer (its own head on the residual stream: the final norm and unembedding, or an encoder\'s masked-LM head) · rows: layers · columns: positions · colour: the probability of the final prediction · click or arrows + Enter for the top 5' })),
    h('p', { class: 'lens-missing muted', hidden: true }),
    h('div', { class: 'canvas-wrap lens-wrap' },
      h('canvas', { class: 'lens-canvas', tabindex: '0', role: 'img', 'aria-label': 'Logit lens: top token of every layer at every position' })),
    h('div', { class: 'lens-detail', 'aria-live': 'polite' }));
}

function pairsSection(label) {
  return h('section', { id: 'view-pairs', class: 'view view-pairs', ...label('pairs', 'Minimal pairs') },
    h('header', { class: 'view-header' },
      h('h2', { text: 'Minimal pairs' }),
      h('p', { class: 'hint muted', text: 'sentence A is the text; B differs a little · for the focused head: A, B and the difference B − A on the tokens they share (orange: B attends more, blue: less) · below: how much every head changed, and the prediction' })),
    h('div', { class: 'pairs-inputs' },
      h('label', { class: 'field' }, h('span', { text: 'Example' }), h('select', { class: 'pairs-example' })),
      h('label', { class: 'field pairs-b' }, h('span', { text: 'Sentence B' }),
        h('input', { type: 'text', class: 'pairs-text-b', spellcheck: 'false', autocomplete: 'off', placeholder: 'Type sentence B…' }))),
    h('p', { class: 'pairs-status muted', role: 'status', 'aria-live': 'polite' }),
    h('p', { class: 'pairs-align hint' }),
    h('div', { class: 'canvas-wrap pairs-wrap' },
      h('canvas', { class: 'pairs-canvas', tabindex: '0', role: 'img', 'aria-label': 'Attention of A and B and their difference' })),
    h('p', { class: 'pairs-cell', 'aria-live': 'polite' }),
    h('div', { class: 'pairs-lower' },
      h('div', { class: 'canvas-wrap pairs-changes-wrap' },
        h('h3', { class: 'pairs-sub', text: 'How much each head changed (largest |B − A|)' }),
        h('canvas', { class: 'pairs-changes', tabindex: '0', role: 'img', 'aria-label': 'How much each head changed' })),
      h('div', { class: 'pairs-predict', 'aria-live': 'polite' })));
}

// The views' names on tabs and buttons.
export const VIEW_TITLES = { grid: 'All heads', head: 'Head view', matrix: 'Matrix', next: 'Next token', inside: 'Inside one head', lens: 'Logit lens', pairs: 'Minimal pairs' };

// The page's tab buttons: #tab-<name>, each controlling its section.
export function viewTabs(names) {
  return names.map((name) => h('button', {
    type: 'button', role: 'tab', class: 'tab', 'data-tab': name, id: `tab-${name}`, 'aria-controls': `view-${name}`, text: VIEW_TITLES[name],
  }));
}

const SECTIONS = { grid: gridSection, head: headSection, matrix: matrixSection, next: nextSection, inside: insideSection, lens: lensSection, pairs: pairsSection };

// {name: section} for the views named; `tabs`: each section is the tab panel
// of the button #tab-<name> (the page), else it carries its own label (the element).
export function viewSections(names, { tabs = false } = {}) {
  const label = tabs ? (name) => ({ role: 'tabpanel', 'aria-labelledby': `tab-${name}` }) : (name, text) => ({ 'aria-label': text });
  return Object.fromEntries(names.map((name) => [name, SECTIONS[name](label)]));
}
