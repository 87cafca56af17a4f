// tests/web/memory.test.mjs — the wasm module's memory limits, in Node with the
// real module (web/dist/headscope.{mjs,wasm}, loaded as web/cli.mjs does):
//   - a model too large for the module's 4 GB is a clear JS Error naming the
//     tensor (never an abort), in three shapes: one tensor too big to allocate,
//     tensors that fit one by one but not together, one tensor whose size
//     overflows the module's 32-bit size_t; afterwards a small model still
//     loads and gives exactly a fresh module's numbers;
//   - results stay right across heap growth (views re-created after growth;
//     result arrays are copies, not views that a growth would detach);
//   - a run refused by kMaxResultBytes, and a run that passes that guard but
//     not the memory left, are clear errors and the module keeps working.
// Model files are synthetic where they are big: a safetensors header built
// here and a reader that fills zeros for any range (no big file on disk).
// A zero-weight GPT-2 attends uniformly: attention[l][h][i][j] = 1/(i+1), j <= i.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadRuntime, loadModelFolder } from '../../web/cli.mjs';
import { defaultModel } from './helpers.mjs';

const small = defaultModel(); // the bundled model, or dev-random
const tokenizerFiles = (() => {
  const read = (f) => (fs.existsSync(path.join(small.dir, f)) ? fs.readFileSync(path.join(small.dir, f)) : undefined);
  const tokenizerJson = read('tokenizer.json');
  return tokenizerJson ? { tokenizerJson } : { vocabJson: read('vocab.json'), mergesTxt: read('merges.txt') };
})();
const smallVocab = JSON.parse(fs.readFileSync(path.join(small.dir, 'config.json'), 'utf8')).vocab_size;

// A GPT-2 checkpoint of zeros with the given sizes: {config, safetensors: {size, read}}.
// Tensor sizes are exact integers (BigInt) so headers can declare > 2^53 bytes.
function zeroModel({ L = 1, H = 1, C, P, V = smallVocab, F = 4 }) {
  const shapes = [['wte.weight', [V, C]], ['wpe.weight', [P, C]]];
  for (let l = 0; l < L; l++) {
    const p = `h.${l}.`;
    shapes.push([p + 'ln_1.weight', [C]], [p + 'ln_1.bias', [C]], [p + 'attn.c_attn.weight', [C, 3 * C]],
      [p + 'attn.c_attn.bias', [3 * C]], [p + 'attn.c_proj.weight', [C, C]], [p + 'attn.c_proj.bias', [C]],
      [p + 'ln_2.weight', [C]], [p + 'ln_2.bias', [C]], [p + 'mlp.c_fc.weight', [C, F]], [p + 'mlp.c_fc.bias', [F]],
      [p + 'mlp.c_proj.weight', [F, C]], [p + 'mlp.c_proj.bias', [C]]);
  }
  shapes.push(['ln_f.weight', [C]], ['ln_f.bias', [C]]);
  let off = 0n;
  const entries = [];
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * BigInt(b), 4n);
    entries.push(`"${name}":{"dtype":"F32","shape":[${shape.join(',')}],"data_offsets":[${off},${off + bytes}]}`);
    off += bytes;
  }
  let json = `{${entries.join(',')}}`;
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(new TextEncoder().encode(json), 8);
  const stats = { bytesRead: 0 };
  return {
    config: JSON.stringify({ model_type: 'gpt2', n_layer: L, n_head: H, n_embd: C, n_positions: P, vocab_size: V, n_inner: F }),
    ...tokenizerFiles,
    stats,
    safetensors: {
      size: Number(BigInt(head.length) + off),
      read(offset, n, dst) {
        assert.equal(dst.length, n, 'the module asked for more bytes than its view holds');
        dst.fill(0);
        if (offset < head.length) dst.set(head.subarray(offset, Math.min(head.length, offset + n)));
        stats.bytesRead += n;
      },
    },
  };
}

// attention of a zero-weight model: 1/(i+1) for j <= i, 0 above the diagonal
function assertUniform(r, what) {
  const { T, n_layer: L, n_head: H, attention } = r;
  assert.equal(attention.length, L * H * T * T, `${what}: attention size`);
  for (let lh = 0; lh < L * H; lh++) {
    for (let i = 0; i < T; i++) {
      const row = lh * T * T + i * T;
      for (let j = 0; j < T; j++) {
        const want = j <= i ? 1 / (i + 1) : 0;
        if (Math.abs(attention[row + j] - want) > 1e-6) {
          assert.fail(`${what}: attention[${lh}][${i}][${j}] = ${attention[row + j]}, want ${want}`);
        }
      }
    }
  }
}

const SENTENCE = 'When Mary and John went to the store, John gave a drink to Mary.';
const MB = 1 << 20;

// One small model's run in a brand-new module: the reference numbers.
let freshRef = null;
async function freshRun(text) {
  const rt = await loadRuntime();
  const heap0 = rt.m.HEAPU8.buffer.byteLength;
  const model = loadModelFolder(rt, small.dir);
  const r = model.runData(text);
  return { r, rt, model, heap0 };
}

test('a model too large for the module: a clear error naming the tensor, then a small model loads and runs', async () => {
  const rt = await loadRuntime();
  const mem = () => rt.m.HEAPU8.buffer.byteLength;

  // 1. wte and wpe of ~2.5 GB each (5 GB in all, over the 4 GB maximum): one of the
  //    two allocations fails (which one depends on whether the engine grants a
  //    single > 2 GB step of the heap), with a message naming it.
  const huge = zeroModel({ C: 12800, P: 50000 });
  assert.throws(() => rt.loadModel(huge), (e) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, /out of memory allocating \d+ MB for tensor "(wte|wpe)\.weight"/);
    assert.match(e.message, /too large for the memory available here/);
    assert.doesNotMatch(e.message, /Aborted/);
    return true;
  });

  // 2. tensors that fit one by one but not together
  //    (wpe 1.6 GB, then three layers of 0.8 + 0.27 GB: 4.9 GB in all) load one by
  //    one (read through the reader) until a later layer's matrix no longer fits.
  const pair = zeroModel({ C: 8192, P: 50000, L: 3 });
  assert.throws(() => rt.loadModel(pair), (e) => {
    assert.match(e.message, /out of memory allocating \d+ MB for tensor "h\.[0-2]\.attn\.c_(attn|proj)\.weight"/);
    return true;
  });
  assert.ok(pair.stats.bytesRead > 2e9, `wpe and the first layers were read first (${pair.stats.bytesRead} bytes)`);
  assert.ok(mem() > 2.5e9, `the heap grew to hold them (${mem()} bytes)`);

  // 3. one tensor of 2^32 + 65536 floats (16 GB): its size overflows the module's
  //    32-bit size_t; the read must be refused, never written past the heap.
  const overflow = zeroModel({ C: 65536, P: 1, V: 65537, F: 1 });
  assert.throws(() => rt.loadModel(overflow), (e) => {
    assert.match(e.message, /tensor "wte\.weight"/);
    assert.match(e.message, /out of memory/);
    return true;
  });
  assert.ok(overflow.stats.bytesRead < 1e6, 'no tensor data was read into the heap');

  // The module still works: the small model loads (reusing the freed memory) and
  // gives bit for bit the numbers of a brand-new module.
  const model = loadModelFolder(rt, small.dir);
  const got = model.runData(SENTENCE);
  freshRef ??= await freshRun(SENTENCE);
  const want = freshRef.r;
  assert.deepEqual(got.ids, want.ids);
  assert.equal(got.T, want.T);
  assert.ok(got.T > 5);
  assert.deepEqual(got.attention, want.attention);
  assert.deepEqual(got.logitsLast, want.logitsLast);
  model.free();
});

test('results stay right across heap growth (views re-created, arrays copied out)', async () => {
  freshRef ??= await freshRun(SENTENCE);
  const { rt, model, heap0 } = freshRef;
  const mem = () => rt.m.HEAPU8.buffer.byteLength;
  // loading the small model grew the heap (32 MB at start) while its tensors were
  // being read through views of the heap: the numbers are checked below.
  assert.ok(mem() >= heap0);

  const before = model.runData(SENTENCE);
  const snapshot = Float32Array.from(before.attention);
  assert.notEqual(before.attention.buffer, rt.m.HEAPU8.buffer, 'result arrays are copies, not heap views');
  const oldView = rt.m.HEAPU8;
  const size0 = mem();

  // Grow the heap from inside a run: a zero-weight model with a long context and
  // a text whose attention alone needs more than the whole current heap.
  const n = Math.ceil(Math.sqrt((size0 * 1.2) / (16 * 4))); // 16 heads x n^2 x 4 bytes > 1.2x the heap
  assert.ok(n <= 4000, `the small model's heap (${size0} bytes) is too big for this check`);
  const big = rt.loadModel(zeroModel({ L: 1, H: 16, C: 16, P: Math.max(n, 256), F: 16 }));
  const grown = big.runData(' a'.repeat(n));
  assert.equal(grown.T, n);
  assert.ok(mem() > size0, `the heap grew (${size0} -> ${mem()} bytes)`);
  assert.ok(16 * n * n * 4 > size0, 'the run needed more than the heap it started with');
  assert.equal(oldView.byteLength, 0, 'a view taken before growth is detached (why views are re-created)');
  assert.ok(rt.m.HEAPU8.length === mem(), 'the module\'s HEAPU8 is the new, grown buffer');
  assertUniform(grown, 'run that grew the heap');

  // the earlier result is intact, and the same run after growth gives the same numbers
  assert.deepEqual(before.attention, snapshot);
  const after = model.runData(SENTENCE);
  assert.deepEqual(after.attention, snapshot);
  assert.deepEqual(after.logitsLast, before.logitsLast);
  assert.ok(after.attention.some((x) => x > 0), 'not zeros');
  assert.deepEqual(JSON.parse(model.runJson(SENTENCE)).ids, before.ids);

  // grow again through a load (tensors read into views made after each allocation)
  const size1 = mem();
  const wide = rt.loadModel(zeroModel({ C: 1024, P: Math.ceil((size1 * 1.2) / 4096) }));
  assert.ok(mem() > size1, `the heap grew again (${size1} -> ${mem()} bytes)`);
  assertUniform(wide.runData('One more sentence.'), 'model loaded while the heap grew');
  assert.deepEqual(model.runData(SENTENCE).attention, snapshot);
  wide.free();
  big.free();
});

test('runs too large for the module: clear errors, the module keeps working', async () => {
  const rt = await loadRuntime();
  const model = rt.loadModel(zeroModel({ L: 1, H: 16, C: 16, P: 4096, F: 16 }));
  // kMaxResultBytes (1 GB): 16 heads x 4096^2 x 4 bytes = 1 GB of attention, plus the
  // keys and values 4096 x 2 KV floats = 0.5 MB, the scratch 4096 x (4C + 2Q + 2KV + F + C)
  // floats = 2.5 MB (src/model/forward.cpp run_result_floats) and the logits: 1027 MB
  assert.throws(() => model.runData(' a'.repeat(4096)),
    /a run on 4096 tokens would need 1027 MB for its attention and logits; shorten the text/);
  assert.throws(() => model.runData(' a'.repeat(4096), { max_tokens: 4096 }), /would need \d+ MB/);
  assertUniform(model.runData(' a'.repeat(300)), 'after the refused run');
  // the same guard through score (every position's logits) and roles
  assert.throws(() => model.scoreJson(' a'.repeat(4096)), /would need \d+ MB/);
  assert.ok(JSON.parse(model.scoreJson(' a'.repeat(50))).tokens === 50);

  // Under the guard but over the memory left: fill the heap, leave ~200 MB, and ask
  // for 3000 tokens (~700 MB). Without the module's pre-flight check this aborts
  // inside std::vector (no C++ exceptions in the build).
  const ballast = [];
  for (;;) {
    const p = rt.m._malloc(64 * MB) >>> 0;
    if (!p) break;
    ballast.push(p);
  }
  assert.ok(ballast.length * 64 > 3000, `the heap filled up (${ballast.length * 64} MB)`);
  for (let i = 0; i < 3; i++) rt.m._free(ballast.pop());
  const calls = [[3000, (t) => model.runData(t)], [2000, (t) => model.scoreJson(t)], [3000, (t) => model.roles(t)]];
  for (const [n, call] of calls) {
    assert.throws(() => call(' a'.repeat(n)), (e) => {
      assert.match(e.message, new RegExp(`out of memory: a run on ${n} tokens needs about \\d+ MB`));
      assert.doesNotMatch(e.message, /Aborted/);
      return true;
    });
  }
  assertUniform(model.runData(' a'.repeat(200)), 'with the heap nearly full');
  for (const p of ballast) rt.m._free(p);
  assertUniform(model.runData(' a'.repeat(3000)), 'once the memory is free again');
  model.free();
});
