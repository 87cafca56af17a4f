// web/touch.mjs — touch screens, for the page and the <headscope-view> element:
// the hints say "tap" where a mouse would hover or click (on screens whose
// primary pointer cannot hover: matchMedia('(hover: none)')), and the views'
// tooltips follow taps and go away. A tap shows a tooltip (the browser's
// emulated mouse events reach the views); it goes away on a tap elsewhere, on a
// second tap on the same spot, on a scroll, and when the view it belongs to is
// no longer on screen (a tap on the grid opens the head view on a phone: the
// grid's tooltip never stays over it).

// Desktop wording -> touch wording, whole phrases only (never a word inside the reader's text).
export const TAP_WORDING = [
  ['click or arrows + Enter to focus a head', 'tap a head to focus it'],
  ['hover a token to isolate its lines, click to pin', 'tap a token to isolate and pin its lines'],
  ['hover for the exact value', 'tap for the exact value'],
  ['click or arrows + Enter for the top 5', 'tap a cell for the top 5'],
  ['hover a token to pick another position', 'tap a token to pick another position'],
  ['(click a token in the strip)', '(tap a token in the strip)'],
  ["ctrl-click (⌘-click) heads in the grid, press X on the grid's cursor, or tick them here",
    "tick heads here to switch them off (or press X on the grid's cursor from a keyboard)"],
];

export function tapWording(text) {
  let out = text;
  for (const [mouse, tap] of TAP_WORDING) if (out.includes(mouse)) out = out.split(mouse).join(tap);
  return out;
}

const SAME_SPOT = 12; // CSS px: a second tap this close to the first hides its tooltip

// root: #app or an element's shadow root; tooltip: its tooltip element; hide(): the controller's hideTooltip.
export function touchScreen(root, { tooltip, hide }) {
  const noHover = matchMedia('(hover: none)');

  // ---- wording: every text node under root that holds a mouse phrase, now and as views redraw
  function reword(node) {
    if (!noHover.matches) return;
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let t = node.nodeType === Node.TEXT_NODE ? node : walker.nextNode(); t; t = walker.nextNode()) {
      const v = t.nodeValue;
      if (v.includes('click') || v.includes('hover')) {
        const w = tapWording(v);
        if (w !== v) t.nodeValue = w;
      }
    }
  }
  reword(root);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') reword(r.target);
      else for (const n of r.addedNodes) reword(n);
    }
  }).observe(root, { subtree: true, childList: true, characterData: true });
  noHover.addEventListener('change', () => reword(root));

  // ---- tooltips: the tap that showed one, and what makes it go away
  let tap = null; // {x, y, target}: the last touch (or pen) tap
  let anchor = null; // {x, y, target}: the tap that showed the tooltip on screen
  let secondTap = false;
  const shown = () => !tooltip.hidden;
  const dismiss = () => { anchor = null; if (shown()) hide(); };

  root.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse') { tap = null; return; }
    const target = e.composedPath()[0];
    const near = anchor && Math.hypot(e.clientX - anchor.x, e.clientY - anchor.y) <= SAME_SPOT;
    secondTap = shown() && !!near && anchor.target === target;
    if (shown() && (!anchor || anchor.target !== target)) dismiss(); // a tap elsewhere
    tap = { x: e.clientX, y: e.clientY, target };
  }, true);
  // after the views' own click handlers (and the mouse events the browser emulates for a tap)
  root.addEventListener('click', () => {
    if (!tap) return;
    if (secondTap) {
      secondTap = false;
      dismiss();
      return;
    }
    if (shown()) anchor = tap;
    // the view may have changed under the tap (a phone's grid opens the head view): check when it is drawn
    requestAnimationFrame(() => {
      if (anchor && shown() && !(anchor.target.isConnected && anchor.target.getClientRects().length)) dismiss();
    });
  });
  const onScroll = () => { if (tap && shown()) dismiss(); };
  root.addEventListener('scroll', onScroll, { capture: true, passive: true });
  addEventListener('scroll', onScroll, { passive: true });

  return {
    get touch() { return noHover.matches; },
  };
}
