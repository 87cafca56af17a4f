#!/usr/bin/env node
// bench/weights16.mjs — what keeping weights in 16 bits buys in the wasm module
// (figures, not assertions), under Node (V8, the engine of Chromium), one fresh
// module per weight mode so each heap holds one model:
//   weights16_{mode}_weight_mb           matrices, tables and vectors as the module keeps them
//   weights16_{mode}_heap_mb             the module's heap after loading and the runs below
//   weights16_{mode}_forward_T{T}_ms     a full run of T tokens (median of --reps, after warm-up)
//   weights16_{mode}_step_T{T}_ms        one more token with the prefix reused (the keystroke path)
//   weights16_memory_ratio               16-bit (as stored, or compact16 for an F32 file) / f32 weight bytes
//   weights16_step_speedup               f32 step time / 16-bit step time
//   weights16_max_attention_diff, weights16_max_logit_diff   16-bit run vs f32 run, same text
// usage: node bench/weights16.mjs --model DIR [--T 64] [--reps 9]
//   modes: f32 (every weight widened at load) and the 16-bit one: "stored" for an F16/BF16
//   checkpoint, "compact16" (F32 rounded to F16) for an F32 one.
import { loadRuntime, loadModelFolder } from '../web/cli.mjs';
import { benchOptions } from './options.mjs';
import { checkpointDtypes, sixteenBitMode } from './checkpoint-dtypes.mjs';

const { opt, required } = benchOptions('node bench/weights16.mjs --model DIR [--T 64] [--reps 9]');
const dir = required('--model');
const T = Number(opt('--T', '64'));
const reps = Number(opt('--reps', '9'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (n) => (n / 1048576).toFixed(1);
const print = (name, value, unit) => console.log(`${name} ${value} ${unit}`);

// A text of exactly T tokens (words appended until the count is reached), and the same text one token longer.
function textOfTokens(model, n) {
  const words = 'the quick brown fox jumps over the lazy dog while a small bird sings in the old tree near the river'.split(' ');
  let text = '';
  for (let i = 0; ; i++) {
    const next = (text ? text + ' ' : '') + words[i % words.length];
    const count = JSON.parse(model.tokenizeJson(Buffer.from(next), { special: false })).ids.length;
    if (count > n) return text;
    text = next;
  }
}

const dtypes = checkpointDtypes(dir);
const sixteen = sixteenBitMode(dtypes);
console.error(`# ${dir}: dtypes ${[...dtypes].join(', ')}; modes f32 and ${sixteen}; T = ${T}`);

const results = {};
for (const mode of ['f32', sixteen]) {
  const rt = await loadRuntime();
  const model = loadModelFolder(rt, dir, { weights: mode });
  const base = textOfTokens(model, T);
  const longer = base + ' now';
  const opts = {};
  const bytes = (s) => Buffer.from(s);
  for (let i = 0; i < 3; i++) model.run(bytes(base), opts).free(); // warm-up: V8 tiers wasm up
  const forward = [], step = [];
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now();
    const prev = model.run(bytes(base), opts);
    forward.push(performance.now() - t0);
    t0 = performance.now();
    const next = model.run(bytes(longer), opts, prev);
    step.push(performance.now() - t0);
    if (i === 0 && next.meta.reused !== prev.meta.T) throw new Error(`the step reused ${next.meta.reused} of ${prev.meta.T} positions`);
    prev.free();
    next.free();
  }
  const data = model.runData(bytes(base), opts);
  results[mode] = { info: model.info.weights, forward: median(forward), step: median(step), data, heap: rt.m.HEAPU8.length };
  print(`weights16_${mode}_weight_mb`, mb(model.info.weights.bytes), 'MB');
  print(`weights16_${mode}_heap_mb`, mb(rt.m.HEAPU8.length), 'MB');
  print(`weights16_${mode}_forward_T${T}_ms`, median(forward).toFixed(1), 'ms');
  print(`weights16_${mode}_step_T${T}_ms`, median(step).toFixed(2), 'ms');
  model.free();
}
const a = results[sixteen], b = results.f32;
const maxDiff = (x, y) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
print('weights16_memory_ratio', (a.info.bytes / b.info.bytes).toFixed(3), 'x');
print('weights16_step_speedup', (b.step / a.step).toFixed(2), 'x');
print('weights16_forward_speedup', (b.forward / a.forward).toFixed(2), 'x');
print('weights16_max_attention_diff', maxDiff(a.data.attention, b.data.attention).toExponential(2), '');
print('weights16_max_logit_diff', maxDiff(a.data.logitsLast, b.data.logitsLast).toExponential(2), '');
if (sixteen === 'compact16') print('weights16_compact_max_rel_error', a.info.compact_max_rel_error.toExponential(2), '');
