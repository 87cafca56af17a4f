// tests/web/pos.test.mjs — the "tag relation (Brown probe)" column of the head
// roles table (web/pos-roles.mjs, models/<name>/pos-probe.json from
// scripts/make-pos-probe.mjs): the aggregation in Node on made-up attention
// (noun queries that attend only to the preceding determiner give "NOUN → DET"
// with score 1), the token -> word mapping, and the page with the bundled model
// (./build-wasm.sh first): computed only once the table is on screen, then a
// relation with a score in [0, 1] for every head, and no console errors; the
// figures the model cards cite (scripts/make-pos-probe.mjs --score) are the
// page's, head by head.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, WEB, rolesTableDrawn } from './helpers.mjs';
import { headTagRelations, tokenSpans, wordOfTokens, MIN_QUERIES } from '../../web/pos-roles.mjs';
import { loadRuntime, loadModelFolder } from '../../web/cli.mjs';
import { defaultKnobs, knobOptions } from '../../web/knobs.mjs';
import { scoreModel, resultOfRunJson } from '../../scripts/make-pos-probe.mjs';

// ---------------------------------------------------------------- Node side

// A probe sentence from [word, tag] pairs joined by spaces, and its tokens:
// one token per word, the space going with the following word (as GPT-2 does).
function sentence(pairs) {
  let text = '';
  const words = [];
  const tokens = [];
  for (const [w, tag] of pairs) {
    const sep = text ? ' ' : '';
    tokens.push(sep + w);
    text += sep;
    words.push({ start: text.length, end: text.length + w.length, tag });
    text += w;
  }
  return { sentence: { text, words }, tokens };
}

// Attention [L=1, H=2, T, T]: head 0 = every noun token attends only to the
// last determiner before it, every other token only to itself; head 1 = uniform.
function fakeResult(s, tokens) {
  const T = tokens.length;
  const att = new Float32Array(2 * T * T);
  const tags = s.words.map((w) => w.tag);
  for (let i = 0; i < T; i++) {
    let target = i;
    if (tags[i] === 'NOUN') for (let j = i - 1; j >= 0; j--) if (tags[j] === 'DET') { target = j; break; }
    att[i * T + target] = 1;
    for (let j = 0; j <= i; j++) att[(T + i) * T + j] = 1 / (i + 1);
  }
  return { tokens, T, n_layer: 1, n_head: 2, attention: att };
}

const TAGSET = { DET: '', NOUN: '', VERB: '', ADJ: '', ADP: '', PUNCT: '', OTHER: '' };
const SHAPES = [
  [['the', 'DET'], ['cat', 'NOUN'], ['saw', 'VERB'], ['a', 'DET'], ['dog', 'NOUN'], ['.', 'PUNCT']],
  [['a', 'DET'], ['big', 'ADJ'], ['dog', 'NOUN'], ['ran', 'VERB'], ['to', 'ADP'], ['the', 'DET'], ['park', 'NOUN']],
  [['dogs', 'NOUN'], ['like', 'VERB'], ['the', 'DET'], ['old', 'ADJ'], ['red', 'ADJ'], ['ball', 'NOUN'], ['.', 'PUNCT']],
];

test('aggregation: noun queries attending only to the preceding DET give NOUN → DET, score 1', () => {
  const probe = { tagset: TAGSET, sentences: [] };
  const results = [];
  for (let k = 0; k < 3 * MIN_QUERIES; k++) {
    const { sentence: s, tokens } = sentence(SHAPES[k % SHAPES.length]);
    probe.sentences.push(s);
    results.push(fakeResult(s, tokens));
  }
  const out = headTagRelations(probe, results);
  assert.equal(out.sentences, probe.sentences.length);
  assert.equal(out.skipped, 0);
  const h0 = out.heads[0][0];
  assert.equal(h0.relation, 'NOUN → DET');
  assert.equal(h0.score, 1);
  assert.ok(h0.uniform > 0 && h0.uniform < 1, `uniform ${h0.uniform}`);
  // the first noun of the third shape has no earlier DET: the pair is not available there
  assert.equal(h0.queries, 5 * MIN_QUERIES);
  // a uniform head: every share equals its uniform share, so no relation stands out
  const h1 = out.heads[0][1];
  for (const t of h1.top) assert.ok(Math.abs(t.score - t.uniform) < 1e-6, `${t.relation} ${t.score} vs ${t.uniform}`);
});

test('tokens map to the word they overlap most; tokens of no word are ignored', () => {
  const text = 'The cat, "ok".';
  const words = [{ start: 0, end: 3 }, { start: 4, end: 7 }, { start: 7, end: 8 }, { start: 9, end: 10 },
    { start: 10, end: 12 }, { start: 12, end: 13 }, { start: 13, end: 14 }];
  const tokens = ['The', ' cat', ',', ' ', '"', 'ok', '".'];
  const spans = tokenSpans(tokens, text);
  assert.deepEqual(spans[1], [3, 7]);
  assert.deepEqual([...wordOfTokens(spans, words)], [0, 1, 2, -1, 3, 4, 5]);
  assert.equal(tokenSpans(['The', ' dog'], text), null, 'tokens that do not spell the text');
});

test('the bundled probe: < 100 KB, offsets inside the text, known tags', () => {
  const file = path.join(WEB, '../models/brown-small/pos-probe.json');
  assert.ok(fs.statSync(file).size < 100 * 1024);
  const probe = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(probe.sentences.length >= 40);
  for (const s of probe.sentences) {
    let last = 0;
    for (const w of s.words) {
      assert.ok(w.start >= last && w.end > w.start && w.end <= s.text.length, JSON.stringify(w));
      assert.ok(w.tag in probe.tagset, w.tag);
      assert.equal(s.text.slice(w.start, w.end).trim(), s.text.slice(w.start, w.end));
      last = w.end;
    }
  }
});

// ---------------------------------------------------------------- the page

let server;
let browser;
let probeModel = null;

before(async () => {
  const indexPath = path.join(WEB, 'dist/models/index.json');
  let list = [];
  try { list = JSON.parse(fs.readFileSync(indexPath, 'utf8')); } catch { list = []; }
  probeModel = list.find((b) => b && Array.isArray(b.files) && b.files.includes('pos-probe.json')) || null;
  if (!probeModel) return;
  server = await startServer({ csp: true });
  browser = await launch();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
});

test('the roles table shows a tag relation for every head of the bundled model', async (t) => {
  if (!probeModel) {
    assert.fail('no bundled model with pos-probe.json in web/dist/models: run ./build-wasm.sh ' +
      '(models/brown-small/pos-probe.json comes from node scripts/make-pos-probe.mjs)');
  }
  // a short window, so the roles table starts below the fold
  const url = `${server.url}#model=${encodeURIComponent(probeModel.name)}`;
  const { context, page, problems } = await openPage(browser, url, { width: 1280, height: 600 });
  try {
    const below = await page.evaluate(() => document.getElementById('roles').getBoundingClientRect().top > innerHeight);
    if (below) {
      // lazy: nothing computed while the table is off screen
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.headscope.tagRelations), null);
      await rolesTableDrawn(page);
      const pending = await page.$$eval('#roles-table td.pos-cell', (cs) => cs.map((c) => c.textContent));
      assert.ok(pending.length && pending.every((x) => x === '…'), pending.join('|'));
      assert.equal(await page.$eval('#roles-table th.pos-head', (th) => th.dataset.status), 'waiting');
    } else t.diagnostic('the roles table is on screen from the start: laziness not checked');
    await page.locator('#roles').scrollIntoViewIfNeeded();
    // then a "computing…" state (or already done: 60 short runs of a small model)
    await page.waitForFunction(() => ['computing', 'done'].includes(document.querySelector('#roles-table th.pos-head')?.dataset.status));
    const during = await page.$eval('#roles-table td.pos-cell', (c) => c.textContent);
    assert.match(during, /^computing…|→/);
    await page.waitForFunction(() => document.querySelector('#roles-table th.pos-head')?.dataset.status === 'done',
      null, { timeout: 60000 });
    // typing still works after (and the column survives the table's rebuild)
    await page.evaluate(() => window.headscope.setText('The old man saw the dog.'));
    await rolesTableDrawn(page);
    const rows = await page.$$eval('#roles-table tbody tr', (trs) => trs.map((tr) => {
      const c = tr.querySelector('td.pos-cell');
      return { head: tr.dataset.head, relation: c && c.dataset.relation, score: c && Number(c.dataset.score), text: c && c.textContent };
    }));
    const { n_layer: L, n_head: H } = await page.evaluate(() => window.headscope.state.model.info);
    assert.equal(rows.length, L * H);
    for (const r of rows) {
      assert.match(r.relation || '', /^[A-Z]+ → [A-Z]+$/, `head ${r.head}: ${r.text}`);
      assert.ok(r.score >= 0 && r.score <= 1, `head ${r.head}: score ${r.score}`);
      assert.equal(r.text, `${r.relation} ${r.score.toFixed(2)}`);
    }
    t.diagnostic(rows.map((r) => `L${r.head.replace('.', ' H')}: ${r.text}`).join('; '));
    // make-pos-probe.mjs --score on the same folder and probe (here through the
    // wasm module in Node) reports the page's relation and score for each head
    const dir = path.join(WEB, 'dist/models', probeModel.name);
    const probe = JSON.parse(fs.readFileSync(path.join(dir, 'pos-probe.json'), 'utf8'));
    const wasmModel = loadModelFolder(await loadRuntime(), dir);
    const options = knobOptions(defaultKnobs());
    const scored = scoreModel(probe, (text) => resultOfRunJson(JSON.parse(wasmModel.runJson(Buffer.from(text), options))));
    for (const r of rows) {
      const [l, h] = r.head.split('.').map(Number);
      const x = scored.relations.heads[l][h];
      assert.equal(x.relation, r.relation, `head ${r.head}`);
      assert.ok(Math.abs(x.score - r.score) < 1e-6, `head ${r.head}: script ${x.score}, page ${r.score}`);
    }
    const help = await page.$eval('#role-defs', (dl) => dl.textContent);
    assert.match(help, /tag relation \(Brown probe\)/);
    assert.match(help, /DET: determiner/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
