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

// The module end to end: the bundled model with config.json saying
// scale_attn_weights: false. The inside view's softmax of its scaled scores
// must give the module's own attention weights (it did not before the fix:
// the view applied 1/sqrt(d_k) itself).
test('a config with scale_attn_weights: false: the inside view reproduces the module\'s weights', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadRuntime, loadModelFolder } = await import('../../web/cli.mjs');
  const src = path.join(import.meta.dirname, '..', '..', 'models', 'brown-small');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-unscaled-'));
  try {
    const config = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
    config.scale_attn_weights = false;
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    for (const f of ['model.safetensors', 'tokenizer.json']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
    const rt = await loadRuntime();
    const model = loadModelFolder(rt, dir);
    const run = model.run('The cat sat on the mat. The cat sat', { intermediates: true });
    const m = run.meta;
    const r = {
      T: m.T, n_head: m.n_head, n_layer: m.n_layer, n_embd: m.n_embd, n_kv_head: m.n_kv_head, head_dim: m.head_dim,
      qkv: run.array('qkv'), scores: run.array('scores'), attention: run.array('attention'),
      headOut: run.array('head_out'), scale_factors: run.array('score_scale'), options: { scale: true, causal: true },
    };
    run.free();
    assert.ok(r.scale_factors.every((f) => f === 1), 'the module reports no scaling');
    const q = r.T - 1;
    for (const [l, h] of [[0, 0], [1, 2], [2, 3]]) {
      const d = headInternals(r, app(l, h, q));
      assert.equal(d.factor, 1);
      // softmax over the visible keys of raw * factor = the module's weights
      const s = Array.from(d.raw, (x) => x * d.factor);
      const mx = Math.max(...s);
      const z = s.reduce((a, x) => a + Math.exp(x - mx), 0);
      for (let j = 0; j <= q; j++) {
        const want = r.attention[((l * r.n_head + h) * r.T + q) * r.T + j];
        assert.ok(Math.abs(Math.exp(s[j] - mx) / z - want) < 1e-5, `L${l}H${h} key ${j}`);
      }
    }
    model.free();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
