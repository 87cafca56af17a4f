// web/colormap.mjs — Headscope's colour scales. Attention uses viridis
// (perceptually uniform, colour-blind safe), written as a table of control
// points and interpolated once into a 256-entry lookup table. Overlaid heads
// use a categorical colour-blind-safe palette (Okabe–Ito, then Paul Tol's muted).

// matplotlib's viridis sampled at 0, 0.1, ..., 1.
const VIRIDIS = [
  '#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c',
  '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725',
];

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function buildLut(stops, size = 256) {
  const rgb = stops.map(hexToRgb);
  const lut = new Uint8ClampedArray(size * 4);
  for (let i = 0; i < size; i++) {
    const x = (i / (size - 1)) * (rgb.length - 1);
    const k = Math.min(Math.floor(x), rgb.length - 2);
    const f = x - k;
    for (let c = 0; c < 3; c++) lut[i * 4 + c] = Math.round(rgb[k][c] + (rgb[k + 1][c] - rgb[k][c]) * f);
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

export const LUT = buildLut(VIRIDIS);
// The same table packed as little-endian ABGR uint32 (for Uint32Array views of ImageData).
export const LUT32 = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  LUT32[i] = (255 << 24) | (LUT[i * 4 + 2] << 16) | (LUT[i * 4 + 1] << 8) | LUT[i * 4];
}

// Value transfer: 'linear' shows attention as is; 'sqrt' lifts small weights.
export function lutIndex(v, scale) {
  if (!(v > 0)) return 0;
  if (v >= 1) return 255;
  return ((scale === 'sqrt' ? Math.sqrt(v) : v) * 255 + 0.5) | 0;
}

export function colorCss(v, scale) {
  const i = lutIndex(v, scale) * 4;
  return `rgb(${LUT[i]},${LUT[i + 1]},${LUT[i + 2]})`;
}

// Text colour readable on top of a viridis cell.
export function inkOn(v, scale) {
  return lutIndex(v, scale) > 150 ? '#111' : '#fff';
}

// Legend: a horizontal viridis bar on a canvas, labelled by the caller.
export function drawLegend(canvas, scale) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 160;
  const h = canvas.clientHeight || 10;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(canvas.width, 1);
  for (let x = 0; x < canvas.width; x++) {
    const v = x / (canvas.width - 1);
    const i = lutIndex(v, scale) * 4;
    img.data.set(LUT.subarray(i, i + 4), x * 4);
  }
  for (let y = 0; y < canvas.height; y++) ctx.putImageData(img, 0, y);
}

export const HEAD_COLORS = [
  '#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999999',
  '#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499',
];
export const headColor = (h) => HEAD_COLORS[h % HEAD_COLORS.length];

// Signed values (q, k, v, head outputs): ColorBrewer RdBu (colour-blind safe),
// blue for negative, white at 0, red for positive; symmetric around 0.
const RDBU = [
  '#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7',
  '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f',
];
export const DIV_LUT = buildLut(RDBU);
export const DIV_LUT32 = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  DIV_LUT32[i] = (255 << 24) | (DIV_LUT[i * 4 + 2] << 16) | (DIV_LUT[i * 4 + 1] << 8) | DIV_LUT[i * 4];
}
// v in [-absMax, absMax] -> 0..255
export function divIndex(v, absMax) {
  if (!(absMax > 0) || !Number.isFinite(v)) return 128;
  const x = Math.max(-1, Math.min(1, v / absMax));
  return Math.round((x + 1) * 127.5);
}
export function divergingCss(v, absMax) {
  const i = divIndex(v, absMax) * 4;
  return `rgb(${DIV_LUT[i]},${DIV_LUT[i + 1]},${DIV_LUT[i + 2]})`;
}
