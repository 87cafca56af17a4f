// web/head-picker.mjs — the layer and head selects of a scope (the page's
// toolbar, the <headscope-view> element's bar): filled for the model's shape,
// showing the controller's focused head, and focusing the head the reader picks.

export function headPicker(ctl, layerSelect, headSelect) {
  const fillSelect = (select, n, label) => {
    if (select.options.length === n) return;
    select.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(label(i), String(i))));
  };
  layerSelect.addEventListener('change', () => ctl.select(Number(layerSelect.value), ctl.state.head));
  headSelect.addEventListener('change', () => ctl.select(ctl.state.layer, Number(headSelect.value)));
  return {
    // a model of L layers x H heads
    fill(L, H) {
      fillSelect(layerSelect, L, (i) => `L${i}`);
      fillSelect(headSelect, H, (i) => `H${i}`);
    },
    // the focused head changed
    show() {
      layerSelect.value = String(ctl.state.layer);
      headSelect.value = String(ctl.state.head);
    },
  };
}
