// tests/web/take-previous.test.mjs — a run that takes its previous run's arrays (the
// worker's keystroke path: model.run(text, options, previous, {takePrevious: true}),
// src/model Model::run_taking) in Node with the real module: its arrays and head roles
// equal a full run's, bit for bit, as the text grows, shrinks and changes; the previous
// run is freed; a run that fails leaves the previous run as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadRuntime, loadModelFolder } from '../../web/cli.mjs';
import { defaultModel } from './helpers.mjs';

const bytes = (s) => Buffer.from(s);
const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test('takePrevious: each run equals a full run (arrays and roles); the previous run is freed; a failed run leaves it', async () => {
  const rt = await loadRuntime();
  const model = loadModelFolder(rt, defaultModel().dir);
  try {
    const texts = ['The cat sat', 'The cat sat on the mat', 'The cat sat on the mat.', 'The cat sat on', 'The cat sat on',
      'The dog ran', 'The dog ran and ran and ran', 'The dog'];
    let prev = model.run(bytes(texts[0]), {});
    prev.roles();
    let reusedRuns = 0;
    for (const text of texts.slice(1)) {
      const old = prev;
      const r = model.run(bytes(text), {}, old, { takePrevious: true });
      assert.equal(old.handle, 0, 'the previous run is freed');
      const full = model.run(bytes(text), {});
      assert.equal(full.meta.reused, 0);
      if (r.meta.reused > 0) reusedRuns++;
      for (const name of ['attention', 'logits_last', 'final_hidden']) {
        assert.ok(same(r.array(name), full.array(name)), `${JSON.stringify(text)}: ${name} (reused ${r.meta.reused})`);
      }
      assert.deepEqual(r.roles(), full.roles(), `${JSON.stringify(text)}: roles`);
      full.free();
      prev = r;
    }
    assert.ok(reusedRuns >= 5, `${reusedRuns} runs reused a prefix`);
    // a run that fails (empty text; a head the model does not have) leaves the previous run whole
    const before = prev.array('attention');
    assert.throws(() => model.run(bytes(''), {}, prev, { takePrevious: true }), /text is empty/);
    assert.throws(() => model.run(bytes('The dog ran'), { ablate: '99.0' }, prev, { takePrevious: true }), /does not exist/);
    assert.notEqual(prev.handle, 0);
    assert.ok(same(prev.array('attention'), before));
    const next = model.run(bytes('The dog ran'), {}, prev, { takePrevious: true });
    assert.ok(next.meta.reused > 0);
    next.free();
  } finally {
    model.free();
  }
});
