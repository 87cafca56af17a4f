// web/views/markup.mjs — the DOM of the view sections, built with
// createElement (no HTML strings), for containers other than index.html (the
// <headscope-view> element's shadow root). Same ids and classes as the page's
// markup, so the view modules find their parts the same way (ids are scoped to
// each shadow root).

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

export function gridSection() {
  return h('section', { id: 'view-grid', class: 'view view-grid', 'aria-label': 'All heads' },
    h('header', { class: 'view-header' },
      h('h2', { text: 'All heads' }),
      h('p', { class: 'hint muted', text: 'rows: layers · columns: heads · click or arrows + Enter to focus a head' })),
    h('div', { class: 'canvas-wrap grid-wrap' },
      h('canvas', { id: 'grid-canvas', class: 'grid-canvas', tabindex: '0', role: 'img', 'aria-label': 'Attention of every head' })));
}

export function headSection() {
  return h('section', { id: 'view-head', class: 'view view-head', 'aria-label': 'Head view' },
    h('header', { class: 'view-header' },
      h('h2', { id: 'headview-title', text: 'Head view' }),
      h('div', { class: 'seg', role: 'group', 'aria-label': 'Heads shown' },
        h('button', { type: 'button', class: 'seg-btn', 'data-overlay': 'head', 'aria-pressed': 'true', text: 'This head' }),
        h('button', { type: 'button', class: 'seg-btn', 'data-overlay': 'layer', 'aria-pressed': 'false', text: 'All heads of layer' }))),
    h('p', { class: 'hint muted', text: 'left: each token · right: the tokens it attends to · hover a token to isolate its lines, click to pin' }),
    h('div', { id: 'headview-legend', class: 'head-legend' }),
    h('div', { class: 'headview-body', id: 'headview-body' },
      h('ol', { class: 'tok-col tok-left', id: 'hv-left' }),
      h('canvas', { id: 'hv-canvas', class: 'hv-canvas' }),
      h('ol', { class: 'tok-col tok-right', id: 'hv-right' })));
}

export function matrixSection() {
  return h('section', { id: 'view-matrix', class: 'view view-matrix', 'aria-label': 'Attention matrix' },
    h('header', { class: 'view-header' },
      h('h2', { id: 'matrix-title', text: 'Matrix' }),
      h('p', { class: 'hint muted', text: 'rows: query token · columns: attended-to token · hover for the exact value' })),
    h('div', { class: 'canvas-wrap matrix-wrap' },
      h('canvas', { id: 'matrix-canvas', class: 'matrix-canvas', tabindex: '0', role: 'img', 'aria-label': 'Attention matrix' })));
}
