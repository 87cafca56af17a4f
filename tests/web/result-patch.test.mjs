// tests/web/result-patch.test.mjs — web/result-patch.mjs in Node: over a random sequence of
// lengths and reused prefixes, the client's rebuilt arrays (both halves of its buffer in turn, and
// the one-array path) equal the arrays the module would hold (rows [0, p) of the previous run's
// first p columns, then the new rows), and a patch of a run the client does not have is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelArrays, headRowsFrom, joinHeadRows } from '../../web/result-patch.mjs';

// The module's array after reuse (src/model/forward.cpp copy_head_rows, then the new rows).
function moduleArray(prev, T0, fresh, heads, T, p) {
  const out = new Float32Array(heads * T * T);
  for (let lh = 0; lh < heads; lh++) {
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) out[(lh * T + i) * T + j] = prev[(lh * T0 + i) * T0 + j];
    for (let i = p; i < T; i++) for (let j = 0; j < T; j++) out[(lh * T + i) * T + j] = fresh[(lh * T + i) * T + j];
  }
  return out;
}

test('patched arrays equal the module\'s over random edits; a missing base is refused', () => {
  let seed = 5;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const heads = 6;
  const ca = new ChannelArrays();
  let T0 = 9;
  let prev = Float32Array.from({ length: heads * T0 * T0 }, rnd);
  ca.complete({ channel: 3, id: 1, modelKey: 'm', n_layer: 2, n_head: 3, T: T0, attention: prev });
  for (let k = 2; k < 60; k++) {
    const T = Math.max(1, T0 + Math.floor(rnd() * 7) - 3);
    const p = Math.floor(rnd() * (Math.min(T, T0) + 1));
    const fresh = Float32Array.from({ length: heads * T * T }, rnd); // the module's new rows (and more)
    const want = moduleArray(prev, T0, fresh, heads, T, p);
    const msg = p > 0
      ? { channel: 3, id: k, modelKey: 'm', n_layer: 2, n_head: 3, T, patch: { base: k - 1, reused: p }, attentionRows: headRowsFrom(want, heads, T, p) }
      : { channel: 3, id: k, modelKey: 'm', n_layer: 2, n_head: 3, T, attention: want.slice() };
    const got = ca.complete(msg).attention;
    assert.deepEqual(Array.from(got), Array.from(want), `edit ${k}: T ${T0} -> ${T}, reused ${p}`);
    if (p > 0) assert.deepEqual(Array.from(joinHeadRows(prev, T0, headRowsFrom(want, heads, T, p), heads, T, p)), Array.from(want));
    prev = want;
    T0 = T;
  }
  assert.ok(ca.patched > 30, `most edits were patches (${ca.patched})`);
  assert.throws(() => ca.complete({ channel: 3, id: 99, modelKey: 'm', n_layer: 2, n_head: 3, T: 2, patch: { base: 42, reused: 1 }, attentionRows: new Float32Array(12) }),
    /continues run 42 of channel 3, which this page does not have/);
  assert.throws(() => ca.complete({ channel: 3, id: 100, modelKey: 'm', n_layer: 2, n_head: 3, T: 2, patch: { base: 99, reused: 1 }, attentionRows: new Float32Array(12) }),
    /which this page does not have/, 'after a refused patch the channel has no base');
});
