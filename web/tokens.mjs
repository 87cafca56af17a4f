// web/tokens.mjs — tokens as the model sees them. The module gives token
// strings with real spaces and newlines and undecodable bytes as "<0xE2>";
// here they become visible: space "·", newline "↵", tab "⇥", other control
// characters and raw bytes as <0xNN> chips. Always rendered as text, never HTML.

const PART = /(<0x[0-9A-Fa-f]{2}>)|( )|(\r?\n)|(\t)|([\u0000-\u001f\u007f])/g;

// [{text, kind}] with kind in text|space|newline|tab|byte
export function tokenParts(s) {
  const parts = [];
  let last = 0;
  PART.lastIndex = 0;
  for (let m; (m = PART.exec(s)); ) {
    if (m.index > last) parts.push({ text: s.slice(last, m.index), kind: 'text' });
    if (m[1]) parts.push({ text: m[1].toUpperCase().replace('0X', '0x'), kind: 'byte' });
    else if (m[2]) parts.push({ text: '·', kind: 'space' });
    else if (m[3]) parts.push({ text: '↵', kind: 'newline' });
    else if (m[4]) parts.push({ text: '⇥', kind: 'tab' });
    else parts.push({ text: `<0x${m[5].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}>`, kind: 'byte' });
    last = m.index + m[0].length;
  }
  if (last < s.length) parts.push({ text: s.slice(last), kind: 'text' });
  if (!parts.length) parts.push({ text: '∅', kind: 'byte' });
  return parts;
}

// One-line label for canvas drawing and tooltips.
export function tokenLabel(s) {
  return tokenParts(s).map((p) => p.text).join('');
}

// Fill `el` with the token's parts as spans (textContent only).
export function renderToken(el, s) {
  el.replaceChildren();
  for (const p of tokenParts(s)) {
    if (p.kind === 'text') {
      el.append(p.text);
    } else {
      const span = document.createElement('span');
      span.className = `tok-${p.kind}`;
      span.textContent = p.text;
      el.append(span);
    }
  }
}

// Shorten a label for tight spaces (canvas axes).
export function clip(label, n) {
  const chars = Array.from(label);
  return chars.length > n ? chars.slice(0, n - 1).join('') + '…' : label;
}
