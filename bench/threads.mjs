#!/usr/bin/env -S node --experimental-wasm-relaxed-simd
// bench/threads.mjs — what the threaded module (web/dist/headscope-threads.*) buys, under
// Node (V8, the engine of Chromium): one module started with --threads threads, timed in the
// same run at 1 thread and at --threads threads, alternating rep by rep, so that a loaded
// machine slows both alike (figures, not assertions):
//   threads_{mode}_forward_T{T}_{n}t_ms   a full run of T tokens (median of --reps)
//   threads_{mode}_step_T{T}_{n}t_ms      one more token with the prefix reused, taking the previous
//                                         run's arrays (the page's keystroke path)
//   threads_{mode}_forward_speedup, threads_{mode}_step_speedup   1-thread time / n-thread time
//   threads_{mode}_same_bits               1 whether both counts gave the same attention and logits, bit for bit
// modes: f32 (every weight widened at load) and the checkpoint's 16-bit one ("stored" for an
// F16/BF16 checkpoint, "compact16" for an F32 one), one fresh module each.
// usage: node --experimental-wasm-relaxed-simd bench/threads.mjs --model DIR [--T 64] [--reps 9] [--threads 2]
import { loadRuntime, loadModelFolder } from '../web/cli.mjs';
import { benchOptions } from './options.mjs';
import { checkpointDtypes, sixteenBitMode } from './checkpoint-dtypes.mjs';

const { opt, required } = benchOptions('node bench/threads.mjs --model DIR [--T 64] [--reps 9] [--threads 2]');
const dir = required('--model');
const T = Number(opt('--T', '64'));
const reps = Number(opt('--reps', '9'));
const n = Number(opt('--threads', '2'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const print = (name, value, unit) => console.log(`${name} ${value} ${unit}`);
const bytes = (s) => Buffer.from(s);

// A text of T tokens or just under (words appended while the count stays within T).
function textOfTokens(model, count) {
  const words = 'the quick brown fox jumps over the lazy dog while a small bird sings in the old tree near the river'.split(' ');
  let text = '';
  for (let i = 0; ; i++) {
    const next = (text ? text + ' ' : '') + words[i % words.length];
    if (JSON.parse(model.tokenizeJson(bytes(next), { special: false })).ids.length > count) return text;
    text = next;
  }
}

const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

const modes = ['f32', sixteenBitMode(checkpointDtypes(dir))];
console.error(`# ${dir}: modes ${modes.join(', ')}; T = ${T}; 1 vs ${n} threads, ${reps} reps`);
for (const mode of modes) {
  process.env.HEADSCOPE_THREADS = String(n);
  const rt = await loadRuntime('threads');
  if (rt.maxThreads !== n) throw new Error(`the module started ${rt.maxThreads} threads, not ${n}`);
  const model = loadModelFolder(rt, dir, { weights: mode });
  const base = textOfTokens(model, T);
  const longer = base + ' now';
  const times = { 1: { forward: [], step: [] }, [n]: { forward: [], step: [] } };
  const data = {};
  for (const count of [1, n]) {
    rt.setThreads(count);
    for (let i = 0; i < 3; i++) model.run(bytes(base), {}).free(); // warm-up: V8 tiers wasm up
    data[count] = model.runData(bytes(base), {});
  }
  for (let i = 0; i < reps; i++) {
    for (const count of [1, n]) {
      rt.setThreads(count);
      // a fresh pool thread starts cold (a new worker whose code V8 tiers up again): a step
      // and a short run first, untimed, so that the timed ones measure running, not starting
      model.run(bytes(longer), {}, model.run(bytes(base), {}), { takePrevious: true }).free();
      let t0 = performance.now();
      const prev = model.run(bytes(base), {});
      times[count].forward.push(performance.now() - t0);
      const T0 = prev.meta.T;
      t0 = performance.now();
      const next = model.run(bytes(longer), {}, prev, { takePrevious: true }); // the page's keystroke path
      times[count].step.push(performance.now() - t0);
      if (next.meta.reused !== T0) throw new Error(`the step reused ${next.meta.reused} of ${T0} positions`);
      next.free();
    }
  }
  for (const count of [1, n]) {
    print(`threads_${mode}_forward_T${T}_${count}t_ms`, median(times[count].forward).toFixed(1), 'ms');
    print(`threads_${mode}_step_T${T}_${count}t_ms`, median(times[count].step).toFixed(2), 'ms');
  }
  print(`threads_${mode}_forward_speedup`, (median(times[1].forward) / median(times[n].forward)).toFixed(2), 'x');
  print(`threads_${mode}_step_speedup`, (median(times[1].step) / median(times[n].step)).toFixed(2), 'x');
  const same = sameBits(data[1].attention, data[n].attention) && sameBits(data[1].logitsLast, data[n].logitsLast);
  print(`threads_${mode}_same_bits`, same ? 1 : 0, '');
  model.free();
}
