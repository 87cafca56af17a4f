// web/export.mjs — a view's picture for slides, written from the scene the
// view drew (view.scene(), web/scene.mjs): as SVG (real vector elements and
// text, no embedded bitmap) or on a canvas at 2x for a PNG; and the file's name
// and download. Nothing goes through blob/data images, so it works under the
// strict CSP.
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v) => (Math.round(v * 100) / 100).toString();

export function sceneToSvg(sc, font) {
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${sc.w}" height="${sc.h}" viewBox="0 0 ${sc.w} ${sc.h}" font-family="${esc(font)}">`];
  out.push(`<rect width="100%" height="100%" fill="${esc(sc.bg)}"/>`);
  for (const it of sc.items) {
    if (it.t === 'rect') {
      const stroke = it.stroke ? ` stroke="${esc(it.stroke)}" stroke-width="${it.sw || 1}"` : '';
      const op = it.opacity !== undefined ? ` fill-opacity="${it.opacity}"` : '';
      out.push(`<rect x="${n(it.x)}" y="${n(it.y)}" width="${n(it.w)}" height="${n(it.h)}" fill="${esc(it.fill)}"${op}${stroke}/>`);
    } else if (it.t === 'line') {
      out.push(`<line x1="${n(it.x1)}" y1="${n(it.y1)}" x2="${n(it.x2)}" y2="${n(it.y2)}" stroke="${esc(it.stroke)}" stroke-width="${n(it.width)}" stroke-opacity="${n(it.opacity)}" stroke-linecap="round"/>`);
    } else {
      const tr = it.rotate ? ` transform="rotate(${it.rotate} ${n(it.x)} ${n(it.y)})"` : '';
      const ff = it.mono ? ' font-family="ui-monospace, DejaVu Sans Mono, Menlo, monospace"' : '';
      out.push(`<text x="${n(it.x)}" y="${n(it.y)}" font-size="${it.size}" fill="${esc(it.fill)}" text-anchor="${it.anchor}" font-weight="${it.weight}" xml:space="preserve"${ff}${tr}>${esc(it.text)}</text>`);
    }
  }
  out.push('</svg>');
  return out.join('\n');
}

export function sceneToCanvas(sc, font, scale = 2) {
  const c = document.createElement('canvas');
  c.width = sc.w * scale;
  c.height = sc.h * scale;
  const ctx = c.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = sc.bg;
  ctx.fillRect(0, 0, sc.w, sc.h);
  const anchor = { start: 'left', middle: 'center', end: 'right' };
  for (const it of sc.items) {
    if (it.t === 'rect') {
      ctx.globalAlpha = it.opacity !== undefined ? it.opacity : 1;
      if (it.fill !== 'none') { ctx.fillStyle = it.fill; ctx.fillRect(it.x, it.y, it.w, it.h); }
      if (it.stroke) { ctx.strokeStyle = it.stroke; ctx.lineWidth = it.sw || 1; ctx.strokeRect(it.x, it.y, it.w, it.h); }
    } else if (it.t === 'line') {
      ctx.globalAlpha = it.opacity;
      ctx.strokeStyle = it.stroke;
      ctx.lineWidth = it.width;
      ctx.lineCap = 'round';
      ctx.beginPath();
      ctx.moveTo(it.x1, it.y1);
      ctx.lineTo(it.x2, it.y2);
      ctx.stroke();
    } else {
      ctx.globalAlpha = 1;
      ctx.save();
      ctx.translate(it.x, it.y);
      if (it.rotate) ctx.rotate((it.rotate * Math.PI) / 180);
      ctx.font = `${it.weight === 'normal' ? '' : it.weight + ' '}${it.size}px ${it.mono ? 'ui-monospace, "DejaVu Sans Mono", monospace' : font}`;
      ctx.fillStyle = it.fill;
      ctx.textAlign = anchor[it.anchor];
      ctx.textBaseline = 'alphabetic';
      ctx.fillText(it.text, 0, 0);
      ctx.restore();
    }
  }
  ctx.globalAlpha = 1;
  return c;
}

export const exportName = (sc, ext) => `${sc.name}.${ext}`;

export function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
