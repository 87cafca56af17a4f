// tests/web/knob-grammar.test.mjs — web/knobs.mjs, the one grammar of the knobs
// (under Node, no browser): URL params / element attributes round-trip every
// knob and drop what does not parse; the CLI flags give the same knobs (and the
// run options the page sends) and reject what does not parse, naming the flag;
// and node web/cli.mjs uses it (usage line, errors, exit code 2).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.mjs';
import {
  DEFAULT_KNOBS, defaultKnobs, knobsEqual, knobsFromParams, knobParams, knobOptions, knobFlag,
  KNOB_PARAMS, KNOB_FLAGS_USAGE, toggleHead, knobsForShape,
} from '../../web/knobs.mjs';

const fromEntries = (pairs) => { const m = new Map(pairs); return (k) => (m.has(k) ? m.get(k) : null); };
const fromFlags = (argv) => {
  const k = defaultKnobs();
  for (let i = 0; i < argv.length; i++) {
    const f = knobFlag(argv[i]);
    assert.ok(f, `${argv[i]} is a knob flag`);
    f.apply(k, f.takesValue ? argv[++i] : undefined);
  }
  return k;
};

test('defaults write nothing; every knob round-trips through params', () => {
  assert.deepEqual(knobParams(defaultKnobs()), []);
  assert.ok(knobsEqual(knobsFromParams(() => null), DEFAULT_KNOBS));
  const k = { scale: false, causal: false, temperature: 1.7, temperatureHead: '2.3', ablate: ['0.1', '1.0'], ablation: 'mean', valueWeighted: true };
  const params = knobParams(k);
  assert.deepEqual(params, [['scale', '0'], ['causal', '0'], ['temperature', '1.7'], ['temperature-head', '2.3'], ['ablate', '0.1,1.0'], ['ablation', 'mean'], ['value-weighted', '1']]);
  assert.deepEqual(params.map(([p]) => p), KNOB_PARAMS);
  assert.deepEqual(knobsFromParams(fromEntries(params)), k);
});

test('params that do not parse are dropped; ablate is sorted without duplicates', () => {
  const k = knobsFromParams(fromEntries([['temperature', '-1'], ['temperature-head', 'x'], ['ablate', '2.1, 0.3,x,0.3'], ['ablation', 'half'], ['scale', 'off']]));
  assert.equal(k.temperature, 1);
  assert.equal(k.temperatureHead, null);
  assert.deepEqual(k.ablate, ['0.3', '2.1']);
  assert.equal(k.ablation, 'zero');
  assert.equal(k.scale, false);
  assert.equal(k.causal, true);
});

test('CLI flags give the same knobs and run options as the params', () => {
  const k = fromFlags(['--no-scale', '--no-causal', '--temperature', '1.7', '--temperature-head', '2.3', '--ablate', '1.0,0.1', '--ablate-mode', 'mean']);
  assert.deepEqual(k, knobsFromParams(fromEntries([['scale', '0'], ['causal', '0'], ['temperature', '1.7'], ['temperature-head', '2.3'], ['ablate', '1.0,0.1'], ['ablation', 'mean']])));
  assert.deepEqual(knobOptions(k), { causal: false, scale: false, temperature: 1.7, temperature_head: '2.3', ablate: '0.1,1.0', ablation: 'mean' });
  assert.deepEqual(knobOptions(fromFlags(['--max-tokens', '12'])), { causal: true, scale: true, max_tokens: 12 });
  assert.equal(knobFlag('--model'), null);
  for (const flag of ['--no-scale', '--temperature', '--ablate', '--ablation', '--max-tokens']) assert.ok(KNOB_FLAGS_USAGE.includes(flag));
});

test('CLI flag values that do not parse are errors naming the flag and the value', () => {
  for (const [flag, value, what] of [['--temperature', 'hot', 'a positive number'], ['--temperature', '0', 'a positive number'],
    ['--ablate', '0.1,x', 'heads'], ['--ablate-mode', 'half', 'zero or mean'], ['--max-tokens', '0', 'a positive integer'],
    ['--temperature-head', '3', 'a head']]) {
    assert.throws(() => knobFlag(flag).apply(defaultKnobs(), value), (e) => e.message.includes(flag) && e.message.includes(`"${value}"`) && e.message.includes(what), `${flag} ${value}`);
  }
});

test('toggleHead and knobsForShape', () => {
  assert.deepEqual(toggleHead(['1.0'], '0.2'), ['0.2', '1.0']);
  assert.deepEqual(toggleHead(['0.2', '1.0'], '0.2'), ['1.0']);
  const k = knobsForShape({ ...defaultKnobs(), ablate: ['0.1', '3.0', '1.4'], temperatureHead: '2.9' }, 3, 4);
  assert.deepEqual(k.ablate, ['0.1']);
  assert.equal(k.temperatureHead, null);
});

test('node web/cli.mjs reads its flags with the grammar (no model needed for flag errors)', () => {
  const cli = (...args) => spawnSync(process.execPath, [path.join(ROOT, 'web/cli.mjs'), ...args], { encoding: 'utf8' });
  const bad = cli('run', '--model', 'nowhere', '--text', 'hi', '--ablate-mode', 'half');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^headscope: --ablate-mode must be zero or mean, not "half"/);
  const unknown = cli('run', '--bogus');
  assert.equal(unknown.status, 2);
  assert.ok(unknown.stderr.includes(KNOB_FLAGS_USAGE), 'the usage line lists the knob flags');
});

test('run --value-weighted: node web/cli.mjs and the native CLI print the same value_weighted [L][H][T][T]', () => {
  const native = path.join(ROOT, 'build/native/src/cli/headscope');
  assert.ok(fs.existsSync(native), `the native CLI ${native} is built (cmake --build --preset native)`);
  const args = ['run', '--model', path.join(ROOT, 'models/brown-small'), '--text', 'The cat sat on the mat.', '--value-weighted'];
  const ours = JSON.parse(spawnSync(process.execPath, [path.join(ROOT, 'web/cli.mjs'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
  const ref = JSON.parse(spawnSync(native, args, { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
  assert.ok(Array.isArray(ref.value_weighted) && ref.value_weighted.length === ref.n_layer);
  const a = ours.value_weighted.flat(3), b = ref.value_weighted.flat(3);
  assert.equal(a.length, ref.n_layer * ref.n_head * ref.ids.length ** 2);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst < 1e-4, `wasm vs native: ${worst}`);
  assert.ok(b.some((x) => x > 0.05), 'not all zeros');
  // without the flag the key is absent
  const plain = JSON.parse(spawnSync(native, args.slice(0, -1), { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
  assert.equal(plain.value_weighted, undefined);
});
