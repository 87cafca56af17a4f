// tests/web/hub-units.test.mjs — the Hub code's pure parts, in Node: the
// streaming SHA-256 against node:crypto (every padding edge, odd chunking), the
// hf: names, and the shards joined into one safetensors file whose every tensor
// has the same bytes as in the single-file checkpoint it was split from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sha256 } from '../../web/hub/sha256.mjs';
import { parseHubRef, hubField, normalizeHub, connectSrcFor, DEFAULT_HUB } from '../../web/hub/hub-ref.mjs';
import { weightsReader } from '../../web/hub/shards.mjs';
import { shardedCopy } from './hub-standin.mjs';
import { ROOT } from './helpers.mjs';

test('Sha256 equals node:crypto for lengths around the block and padding edges, in odd chunks', () => {
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65537]) {
    const bytes = crypto.randomBytes(n);
    for (const chunk of [1, 7, 64, 1 << 20]) {
      const h = new Sha256();
      for (let i = 0; i < n; i += chunk) h.update(bytes.subarray(i, i + chunk));
      assert.equal(h.hex(), crypto.createHash('sha256').update(bytes).digest('hex'), `n=${n} chunk=${chunk}`);
    }
  }
  assert.equal(new Sha256().update(new TextEncoder().encode('abc')).hex(),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('hf: names: owner/name, @revision, and what is not a name', () => {
  assert.deepEqual(parseHubRef('hf:openai-community/gpt2'), { repo: 'openai-community/gpt2', revision: 'main' });
  assert.deepEqual(parseHubRef('EleutherAI/pythia-70m@step1000'), { repo: 'EleutherAI/pythia-70m', revision: 'step1000' });
  for (const bad of ['', 'gpt2', 'hf:a/b/c', 'hf:../x', 'hf:a/b@..', 'hf:a b/c']) assert.equal(parseHubRef(bad), null, bad);
  assert.equal(hubField({ repo: 'a/b', revision: 'main' }), 'hf:a/b');
  assert.equal(hubField({ repo: 'a/b', revision: 'v2' }), 'hf:a/b@v2');
  assert.equal(normalizeHub('http://127.0.0.1:9/'), 'http://127.0.0.1:9');
  assert.equal(normalizeHub(undefined), DEFAULT_HUB);
  assert.throws(() => normalizeHub('ftp://x'), /only http/);
  assert.ok(connectSrcFor(DEFAULT_HUB).includes('https://cdn-lfs.hf.co'));
  assert.deepEqual(connectSrcFor('https://mirror.example/hf'), ['https://mirror.example']);
});

function safetensors(bytes) {
  const len = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + len)).toString('utf8'));
  const data = bytes.subarray(8 + len);
  const tensors = {};
  for (const [k, t] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    tensors[k] = { dtype: t.dtype, shape: t.shape, bytes: Buffer.from(data.subarray(...t.data_offsets)) };
  }
  return { tensors, dataBytes: data.length };
}

test('two shards read as one safetensors file: the same tensors, bytes and nothing else', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'headscope-shards-'));
  try {
    const src = path.join(ROOT, 'models/brown-small');
    shardedCopy(src, dir);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    const shards = [...new Set(Object.values(index.weight_map))].sort();
    assert.equal(shards.length, 2);
    const store = {
      size: (p) => fs.statSync(path.join(dir, p)).size,
      read(p, offset, dst) {
        const fd = fs.openSync(path.join(dir, p), 'r');
        try { assert.equal(fs.readSync(fd, dst, 0, dst.length, offset), dst.length); } finally { fs.closeSync(fd); }
      },
    };
    const reader = weightsReader(store, shards);
    const joined = new Uint8Array(reader.size);
    // read in uneven pieces that straddle the header and the shard boundary
    for (let o = 0; o < reader.size; o += 99991) {
      const n = Math.min(99991, reader.size - o);
      const view = joined.subarray(o, o + n);
      reader.read(o, n, view);
    }
    const want = safetensors(new Uint8Array(fs.readFileSync(path.join(src, 'model.safetensors'))));
    const got = safetensors(joined);
    assert.deepEqual(Object.keys(got.tensors).sort(), Object.keys(want.tensors).sort());
    for (const [k, t] of Object.entries(want.tensors)) {
      assert.equal(got.tensors[k].dtype, t.dtype, k);
      assert.deepEqual(got.tensors[k].shape, t.shape, k);
      assert.ok(got.tensors[k].bytes.equals(t.bytes), `${k}: same bytes`);
    }
    assert.equal(got.dataBytes, want.dataBytes);
    assert.throws(() => reader.read(reader.size - 4, 8, new Uint8Array(8)), /past the end/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
