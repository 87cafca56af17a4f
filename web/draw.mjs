// web/draw.mjs — small canvas helpers shared by the views: device-pixel-ratio
// sizing, CSS colour → packed pixel, the hatch pattern that marks causally
// masked cells (distinct from a 0 attention weight), and head-matrix painting.
import { LUT32, lutIndex } from './colormap.mjs';

// How much CSS transforms scale `canvas` on screen: 1 on a plain page; a
// reveal.js deck scales its slides (transform: scale) to fit the window, and a
// canvas drawn at devicePixelRatio alone would be magnified, blurred, by that.
function screenScale(canvas) {
  const box = canvas.parentElement;
  const layoutWidth = box ? box.offsetWidth : 0;
  if (!layoutWidth) return 1;
  const s = box.getBoundingClientRect().width / layoutWidth;
  return s > 0 && Math.abs(s - 1) > 0.02 ? Math.min(8, Math.round(s * 100) / 100) : 1;
}

export function sizeCanvas(canvas, cssW, cssH) {
  const dpr = (window.devicePixelRatio || 1) * screenScale(canvas);
  const w = Math.max(1, Math.round(cssW * dpr));
  const h = Math.max(1, Math.round(cssH * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, dpr };
}

let probe = null;
const colorCache = new Map();
// CSS colour string -> [r, g, b, a]
export function rgba(css) {
  let c = colorCache.get(css);
  if (c) return c;
  probe ??= document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  probe.clearRect(0, 0, 1, 1);
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  c = Array.from(probe.getImageData(0, 0, 1, 1).data);
  colorCache.set(css, c);
  return c;
}
export function packed(css) {
  const [r, g, b] = rgba(css);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

const hatchCache = new Map();
export function hatch(ctx, bg, line, dpr) {
  const key = `${bg}|${line}|${dpr}`;
  let p = hatchCache.get(key);
  if (p) return p;
  const s = Math.round(6 * dpr);
  const c = document.createElement('canvas');
  c.width = c.height = s;
  const g = c.getContext('2d');
  g.fillStyle = bg;
  g.fillRect(0, 0, s, s);
  g.strokeStyle = line;
  g.lineWidth = Math.max(1, dpr);
  g.beginPath();
  g.moveTo(-1, s + 1); g.lineTo(s + 1, -1);
  g.moveTo(-1, 1); g.lineTo(1, -1);
  g.moveTo(s - 1, s + 1); g.lineTo(s + 1, s - 1);
  g.stroke();
  p = ctx.createPattern(c, 'repeat');
  hatchCache.set(key, p);
  return p;
}

// Paint one head's T x T matrix into a Uint32Array image (row stride `stride`)
// at device pixels [x0, x0+w) x [y0, y0+h), nearest-neighbour. Masked cells
// (key after query, causal) get `maskPx`. With fromRow > 0 only the pixel rows of
// matrix rows >= fromRow are painted (the others are left as they are: a reused
// run's unchanged rows). A matrix wider than its w pixels looks up only the w
// columns shown; a narrower one looks each of its T colours up once per row.
export function paintMatrix(px, stride, x0, y0, w, h, att, off, T, scale, causal, maskPx, fromRow = 0) {
  const cols = new Int32Array(w);
  for (let x = 0; x < w; x++) cols[x] = Math.min(T - 1, ((x * T) / w) | 0);
  const perPixel = T > w;
  const rowPx = perPixel ? null : new Uint32Array(T); // the colours of matrix row i, looked up once per row
  let prevI = -1;
  for (let y = 0; y < h; y++) {
    const i = Math.min(T - 1, ((y * T) / h) | 0);
    if (i < fromRow) continue;
    let p = (y0 + y) * stride + x0;
    if (i === prevI) { // the same matrix row as the pixel row above
      px.copyWithin(p, p - stride, p - stride + w);
      continue;
    }
    prevI = i;
    const row = off + i * T;
    if (perPixel) {
      for (let x = 0; x < w; x++, p++) {
        const j = cols[x];
        px[p] = causal && j > i ? maskPx : LUT32[lutIndex(att[row + j], scale)];
      }
      continue;
    }
    for (let j = 0; j < T; j++) rowPx[j] = causal && j > i ? maskPx : LUT32[lutIndex(att[row + j], scale)];
    for (let x = 0; x < w; x++, p++) px[p] = rowPx[cols[x]];
  }
}

// The cell under pointer event `e` on a canvas drawn as `rows` x `cols` cells of
// cw x ch CSS px from (left, top): {row, col}, or null outside them.
export function cellAt(canvas, e, { left, top, cw, ch, rows, cols }) {
  const rect = canvas.getBoundingClientRect();
  const x = e.clientX - rect.left - left;
  const y = e.clientY - rect.top - top;
  if (x < 0 || y < 0) return null;
  const col = Math.floor(x / cw);
  const row = Math.floor(y / ch);
  return row < rows && col < cols ? { row, col } : null;
}
