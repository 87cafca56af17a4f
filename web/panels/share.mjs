// web/panels/share.mjs — "Copy link", "Copy embed code" (an iframe of this
// page, or a <headscope-view> with the same state: its knob attributes are
// web/knobs.mjs's params) and the PNG / SVG export of the current view (the
// view draws its own scene; web/export.mjs writes it).
import { knobParams } from '../knobs.mjs';
import { escapeAttr } from '../state-hash.mjs';
import { sceneToSvg, sceneToCanvas, exportName, download } from '../export.mjs';

const ELEMENT_VIEWS = ['grid', 'head', 'matrix', 'lens', 'pairs'];

export function sharePanel(page) {
  const { $, ctl } = page;
  const ui = {
    link: $('copy-link'), embed: $('copy-embed'), png: $('export-png'), svg: $('export-svg'),
    out: $('share-out'), text: $('share-text'), label: $('share-label'), status: $('share-status'),
  };

  // The element's model attribute for the page's model field (a bundled model: its folder's URL).
  function elementModel(model) {
    const base = location.href.split('#')[0].replace(/[^/]*$/, '');
    return page.models.bundled.some((b) => b.name === model) ? `${base}dist/models/${encodeURIComponent(model)}/` : model;
  }
  function embedCode() {
    const s = page.url.current();
    const base = location.href.split('#')[0].replace(/[^/]*$/, '');
    const attrs = [`text="${escapeAttr(s.text)}"`];
    if (s.textB) attrs.push(`text-b="${escapeAttr(s.textB)}"`);
    if (s.model) attrs.push(`model="${escapeAttr(elementModel(s.model))}"`);
    attrs.push(`layer="${s.layer}"`, `head="${s.head}"`, `view="${ELEMENT_VIEWS.includes(s.view) ? s.view : 'head'}"`);
    for (const [k, v] of knobParams(s.knobs)) attrs.push(`${k}="${v}"`);
    attrs.push('editable');
    return `<!-- Headscope as an iframe -->\n<iframe src="${escapeAttr(page.url.pageUrl())}" title="Headscope: attention heads" width="100%" height="760" loading="lazy"></iframe>\n\n` +
      `<!-- or as an element (one script per page; elements share one worker) -->\n<script type="module" src="${escapeAttr(base)}headscope-element.js"></script>\n<headscope-view ${attrs.join(' ')}></headscope-view>`;
  }
  async function share(label, text) {
    ui.out.hidden = false;
    ui.label.textContent = label;
    ui.text.value = text;
    ui.text.rows = Math.min(8, text.split('\n').length + 1);
    try {
      await navigator.clipboard.writeText(text);
      ui.status.textContent = 'Copied to the clipboard.';
    } catch {
      ui.text.select();
      ui.status.textContent = 'Select and copy the text above (the clipboard is not available here).';
    }
  }

  // The view to export: the active one, when the run has what it needs; else the matrix.
  function exportView() {
    const { active } = page.layout.visibleViews();
    const r = ctl.state.result;
    if (active === 'next' && r && r.next) return 'next';
    if (active === 'inside' && r && r.qkv) return 'inside';
    if (active === 'lens' && r && r.lens) return 'lens';
    if (active === 'pairs') return ctl.views.pairs.ready() ? 'pairs' : 'matrix';
    return ELEMENT_VIEWS.includes(active) ? active : 'matrix';
  }
  // A view's scene; next and inside fall back to the matrix for a run without their numbers.
  function scene(v) {
    const r = ctl.state.result;
    if (v === 'next' && !r.next) v = 'matrix';
    if (v === 'inside' && !(r.qkv && r.scores && r.headOut)) v = 'matrix';
    if (v === 'lens' && !r.lens) v = 'matrix';
    if (v === 'pairs' && !ctl.views.pairs.ready()) v = 'matrix';
    return ctl.views[v].scene();
  }
  const exportSvg = (v = exportView()) => sceneToSvg(scene(v), ctl.colors.font);
  const exportPng = (v = exportView()) => sceneToCanvas(scene(v), ctl.colors.font, 2);

  ui.link.addEventListener('click', () => share('Link to this view', page.url.pageUrl()));
  ui.embed.addEventListener('click', () => share('Embed code (iframe, or the custom element)', embedCode()));
  ui.svg.addEventListener('click', () => {
    if (!ctl.state.result) return;
    const sc = scene(exportView());
    download(new Blob([sceneToSvg(sc, ctl.colors.font)], { type: 'image/svg+xml' }), exportName(sc, 'svg'));
  });
  ui.png.addEventListener('click', () => {
    if (!ctl.state.result) return;
    const sc = scene(exportView());
    sceneToCanvas(sc, ctl.colors.font, 2).toBlob((b) => download(b, exportName(sc, 'png')), 'image/png');
  });

  return { embedCode, exportSvg, exportPng, elementModel };
}
