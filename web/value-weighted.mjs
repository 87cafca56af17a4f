// web/value-weighted.mjs — value-weighted attention (Kobayashi et al., 2020) as the
// views draw it. Beside the raw weights alpha_ij, the size of what key j actually
// adds to query i's output, alpha_ij ||v_j W_O^h|| (the run option value_weighted,
// computed by the module: src/model/forward.cpp). Drawn on the same colour scale
// as alpha, so each query row is divided by its sum (each row sums to 1, like alpha);
// the raw numbers stay in r.valueWeighted and are shown on hover.

// The sentence the page and the element show beside the toggle.
export const SINK_NOTE = 'Value-weighted: each key drawn by α·‖v W_O‖, what it really adds to the head\'s output ' +
  '(normalised per query row for drawing). "First token" heads turn into near no-ops here: they put large α on ' +
  'the first token, but its value vector is tiny, so the head writes almost nothing — an attention sink, a place ' +
  'to park attention when there is nothing to look up.';

// [L, H, T, T] with every query row of `vw` divided by its sum (a row of zeros stays zero).
export function rowNormalised(vw, T) {
  const out = new Float32Array(vw.length);
  for (let row = 0; row + T <= vw.length; row += T) {
    let sum = 0;
    for (let j = 0; j < T; j++) sum += vw[row + j];
    if (sum > 0) for (let j = 0; j < T; j++) out[row + j] = vw[row + j] / sum;
  }
  return out;
}

// What the views draw for a run: its alpha, or, when the run is value-weighted, the normalised rows.
export function drawnWeights(r) {
  return r.valueWeighted ? rowNormalised(r.valueWeighted, r.T) : r.attention;
}

// The hover line of a value-weighted cell (null when the run is not value-weighted).
export function valueWeightedLine(r, index) {
  if (!r.valueWeighted) return null;
  return `α = ${r.attention[index].toFixed(3)} · α‖v W_O‖ = ${r.valueWeighted[index].toFixed(3)} (drawn: share of the row)`;
}
