// tests/web/inside.test.mjs — the "Inside one head" numbers (headInternals,
// shared by the view and its exported picture) under Node, no browser: the
// scaled scores use the run's scale_factors (the factor each head's q·k was
// multiplied by before the softmax) when the run carries them, and fall back to
// 1/sqrt(d_k) (1 with the scale knob off) for runs without them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { headInternals } from '../../web/views/inside.mjs';

// A run of T=2 tokens, 1 layer of H=2 heads, C=8 (d_k 4), with intermediates.
function fakeRun(extra = {}) {
  const T = 2, H = 2, C = 8, L = 1;
  const fill = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
  return {
    T, n_head: H, n_layer: L, n_embd: C,
    qkv: fill(L * T * 3 * C, (i) => i / 10),
    scores: fill(L * H * T * T, (i) => i + 1),
    attention: fill(L * H * T * T, () => 0.5),
    headOut: fill(L * T * C, (i) => i),
    options: { scale: true, causal: true },
    ...extra,
  };
}
const app = (layer, head, query = 1) => ({
  state: { layer, head }, queryPos: () => query, isAblated: () => false,
});

test('without scale_factors: 1/sqrt(d_k), or 1 with the scale knob off', () => {
  const d = headInternals(fakeRun(), app(0, 1));
  assert.equal(d.dk, 4);
  assert.equal(d.factor, 0.5);
  assert.equal(d.scaleOn, true);
  const off = headInternals(fakeRun({ options: { scale: false, causal: true } }), app(0, 1));
  assert.equal(off.factor, 1);
  assert.equal(off.scaleOn, false);
});

test("with scale_factors: the run's factor of this head (a config with scale_attn_weights: false gives 1)", () => {
  // head 0 scaled as usual, head 1 not scaled (as the worker reports for scale_attn_weights: false)
  const r = fakeRun({ scale_factors: Float32Array.from([0.5, 1]) });
  const h0 = headInternals(r, app(0, 0));
  assert.equal(h0.factor, 0.5);
  assert.equal(h0.scaleOn, true);
  const h1 = headInternals(r, app(0, 1));
  assert.equal(h1.factor, 1);
  assert.equal(h1.scaleOn, false);
  assert.equal(h1.scaleKnobOff, false);
  // the scaled column is raw × factor: the query's raw scores of head 1 are scores[(1*2+1)*2 ..]
  assert.deepEqual([...h1.raw], [7, 8]);
});

test('the temperature of the focused head divides on top of the scale factor', () => {
  const r = fakeRun({ scale_factors: Float32Array.from([0.5, 0.5]), options: { scale: true, causal: true, temperature: 2, temperature_head: '0.1' } });
  assert.equal(headInternals(r, app(0, 1)).factor, 0.25);
  assert.equal(headInternals(r, app(0, 0)).factor, 0.5); // another head: no temperature
});
