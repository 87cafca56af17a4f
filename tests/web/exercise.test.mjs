// tests/web/exercise.test.mjs — issue 18, item 6: exercises (predict, then reveal). In headless
// Chromium under the strict CSP: a link with an attend question hides its head's weights (the
// numbers the views draw are blank, the matrix's and the grid cell's pixels are flat, the roles
// table and the text alternative say nothing), a click on a token (and Enter on the strip)
// reveals the real weights — the native CLI's attention — and scores the answer against the
// native CLI's largest weight, with the score kept for the session (not counted twice after a
// reload); a role question hides the roles until a head is clicked; the authoring form's link
// reproduces its question and its embed code makes an element that asks it; the element with
// the exercise attributes; bad questions say what is wrong. Screenshots (light, dark) go to
// tests/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseHash, formatHash } from '../../web/state-hash.mjs';
import { defaultKnobs } from '../../web/knobs.mjs';
import { queryPosition, scoreAttend } from '../../web/exercise/question.mjs';
import { courseSite, serveSite, closeSite, defaultModel, openPage, openElement, requireNativeCli, afterDraw, ARTIFACTS, ROOT, rolesTableDrawn } from './helpers.mjs';

const TEXT = 'Sarah gave Emma her notebook because she trusted her.';
let suite; // {model, site, server, browser}: web/ at course/week-3/headscope/, axe beside it
let ref; // the native CLI's run of TEXT
let roles; // the native CLI's head roles on TEXT

const native = (args) => JSON.parse(execFileSync(requireNativeCli(), [...args, '--model', suite.model.dir, '--text', TEXT], { maxBuffer: 1 << 28 }));
const base = () => `${suite.server.url}course/week-3/headscope/`;
const argmax = (row) => row.reduce((b, x, i) => (x > row[b] ? i : b), 0);
const argmin = (row, upTo) => row.slice(0, upTo + 1).reduce((b, x, i) => (x < row[b] ? i : b), 0);

before(async () => {
  const site = courseSite({ 'axe.min.js': fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8') });
  suite = { model: defaultModel(), site, ...(await serveSite(site)) };
  ref = native(['run']);
  roles = native(['roles']);
});
after(() => closeSite(suite || {}));

test('the question grammar round-trips through a link; bad questions name what is wrong; ties score right', () => {
  const q = { kind: 'attend', from: 'her', layer: 1, head: 2, question: 'Where does “her” look?' };
  const hash = formatHash({ text: TEXT, layer: 0, head: 0, knobs: defaultKnobs(), exercise: q });
  assert.match(hash, /layer=1&head=2/, 'a question\'s link names its hidden head');
  assert.deepEqual(parseHash(hash).exercise, q);
  const role = { kind: 'role', role: 'induction', question: '' };
  assert.deepEqual(parseHash(formatHash({ text: TEXT, knobs: defaultKnobs(), exercise: role })).exercise, role);
  assert.equal(parseHash('#exercise=guess&from=1').exercise, undefined, 'an unknown kind is no question');
  assert.equal(parseHash('#exercise=attend&from=7&layer=1').exercise.from, 7, 'digits are a position');
  const r = { T: 3, n_head: 1, tokens: ['A', ' her', ' cat'] };
  assert.match(queryPosition({ ...q, from: 5 }, r).error, /from=5 is past the text's last token \(3 tokens: 0 to 2\)/);
  assert.match(queryPosition({ ...q, from: 'dog' }, r).error, /from="dog" is not one of the text's tokens \(“A” “her” “cat”\)/);
  assert.match(queryPosition({ ...q, from: null }, r).error, /names no query token/);
  const att = new Float32Array([1, 0, 0, 0.5, 0.5, 0, 0.2, 0.4, 0.4]); // [1, 1, 3, 3]
  const tie = { kind: 'attend', from: 2, layer: 0, head: 0 };
  assert.equal(scoreAttend(tie, r, att, 1).right, true);
  assert.equal(scoreAttend(tie, r, att, 2).right, true);
  assert.deepEqual({ ...scoreAttend(tie, r, att, 0), weight: 0 }, { right: false, chosen: 0, weight: 0, best: 1, bestWeight: att[7], pos: 2 });
});

const link = (hash) => `${base()}index.html#text=${encodeURIComponent(TEXT)}&${hash}`;

// What the page draws for head (l, h): the drawn weights' block, and the matrix canvas's distinct colours.
const drawn = (page, l, h, root = 'document') => page.evaluate(([layer, head, where]) => {
  const doc = where === 'document' ? document : document.querySelector(where).shadowRoot;
  const r = where === 'document' ? window.headscope.lastResult : document.querySelector(where).lastResult;
  const { T, n_head: H } = r;
  const at = (layer * H + head) * T * T;
  // the centre pixel of every visible cell of the matrix (i >= j), at the matrix's own geometry
  const c = doc.querySelector('.matrix-canvas');
  const colours = new Set();
  if (c && c.width && c.dataset.geom && c.getBoundingClientRect().width > 0) { // (drawn and on screen)
    const [left, top, cell] = c.dataset.geom.split(',').map(Number);
    const dpr = c.width / c.getBoundingClientRect().width;
    const ctx = c.getContext('2d');
    for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) {
      const p = ctx.getImageData(Math.round((left + (j + 0.5) * cell) * dpr), Math.round((top + (i + 0.5) * cell) * dpr), 1, 1).data;
      colours.add(p.join(','));
    }
  }
  return { weights: Array.from(r.weights.subarray(at, at + T * T)), attention: Array.from(r.attention.subarray(at, at + T * T)), colours: colours.size };
}, [l, h, root]);

// How flat grid cell (l, h) is: the share of its pixels in its commonest colour (the grid's own geometry).
const cellColours = (page, l, h) => page.evaluate(([layer, head]) => {
  const g = window.headscope.gridGeometry();
  const c = document.getElementById('grid-canvas');
  const dpr = c.width / c.getBoundingClientRect().width;
  const x = Math.round((30 + head * (g.cell + 4)) * dpr);
  const y = Math.round((g.labelH + layer * (g.cell + 4)) * dpr);
  const n = Math.floor(g.cell * dpr);
  const px = new Uint32Array(c.getContext('2d').getImageData(x, y, n, n).data.buffer);
  const counts = new Map();
  for (const p of px) counts.set(p, (counts.get(p) || 0) + 1);
  return Math.max(...counts.values()) / px.length; // the share of the cell's commonest colour
}, [l, h]);

const box = (page, root = null) => page.evaluate((where) => {
  const doc = where ? document.querySelector(where).shadowRoot : document;
  const el = doc.querySelector('.exercise');
  return { hidden: el.hidden, answer: el.dataset.answer, question: el.querySelector('.exercise-question').textContent,
    result: el.querySelector('.exercise-result').textContent, score: el.querySelector('.exercise-score').textContent };
}, root);

const maxDiff = (a, b) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

test('a question in the link hides its head; a click reveals the native weights and scores it; the score stays for the session', async () => {
  const L = 1, H = 2;
  const from = ref.tokens.findIndex((t) => t.trim() === 'her');
  const row = ref.attention[L][H][from];
  const best = argmax(row);
  const { context, page, problems } = await openPage(suite.browser, link(`layer=${L}&head=${H}&view=matrix&exercise=attend&from=her`));
  try {
    await page.waitForFunction(() => document.querySelector('#view-matrix.concealed') && document.querySelector('.exercise-question').textContent);
    let q = await box(page);
    assert.equal(q.hidden, false);
    assert.equal(q.answer, 'open');
    assert.match(q.question, new RegExp(`From “her” \\(token ${from}\\), which token does layer 1 head 2 attend to most\\?`));
    assert.equal(await page.evaluate(() => window.headscope.state.pinPos), from, 'the query token is pinned');
    // hidden: the drawn numbers, the matrix pixels, the grid cell, the roles table, the text alternative
    let d = await drawn(page, L, H);
    assert.ok(d.weights.every((x) => x === 0) && d.attention.every((x) => x === 0), 'the head\'s weights are blank');
    assert.ok(d.colours <= 2, `the matrix is flat (${d.colours} colours: the zero colour, and the pinned row's)`);
    const other = await drawn(page, 0, 3);
    assert.ok(maxDiff(other.attention, ref.attention[0][3].flat()) < 1e-4, 'the other heads are the native CLI\'s');
    const hiddenCell = await cellColours(page, L, H);
    const shownCell = await cellColours(page, L, H + 1);
    assert.ok(hiddenCell > 0.8 && shownCell < 0.6, `the grid cell is blank but for its "?" (commonest colour: ${hiddenCell.toFixed(2)} of the cell, ${shownCell.toFixed(2)} in the next one)`);
    await rolesTableDrawn(page);
    assert.equal(await page.textContent('#roles-table tr[data-head="1.2"] td'), 'hidden');
    assert.match(await page.textContent('#head-description'), /hidden until you answer/);
    assert.match(await page.textContent('#view-matrix .answer-first'), /Answer first/);
    // hovering the hidden head gives no numbers
    const [left, top, cell] = (await page.getAttribute('#view-matrix canvas', 'data-geom')).split(',').map(Number);
    await page.hover('#view-matrix canvas', { position: { x: left + cell / 2, y: top + (from + 0.5) * cell } });
    await page.waitForFunction(() => !document.getElementById('tooltip').hidden);
    assert.match(await page.textContent('#tooltip'), /^hidden until you answer the exercise/);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'exercise-page-light.png'), fullPage: true });
    // "Inside one head" of the hidden head: its raw scores are blank too, and the view is covered
    await page.evaluate(() => window.headscope.setView('inside'));
    await page.waitForFunction(() => window.headscope.lastResult.scores && document.querySelector('#view-inside.concealed'), null, { timeout: 30000 });
    assert.ok(await page.evaluate(([l, h]) => {
      const r = window.headscope.lastResult;
      const at = (l * r.n_head + h) * r.T * r.T;
      return r.scores.subarray(at, at + r.T * r.T).every((x) => x === 0) && r.scores.some((x) => x !== 0);
    }, [L, H]), 'the hidden head\'s scores are blank, the others are not');
    await page.evaluate(() => window.headscope.setView('matrix'));
    await page.waitForFunction(() => document.querySelector('#view-matrix.concealed') && document.getElementById('app').dataset.state === 'rendered');
    // the answer: the native CLI's largest weight in the row
    await page.click(`#tokens .chip-tok[data-i="${best}"]`);
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer !== 'open');
    q = await box(page);
    assert.equal(q.answer, 'right');
    assert.match(q.result, new RegExp(`^Right: you chose .*\\(token ${best}\\), weight ${row[best].toFixed(3)}\\.`));
    assert.match(q.score, /1 right of 1/);
    await page.waitForFunction(() => !document.querySelector('#view-matrix.concealed'));
    await page.waitForFunction(() => document.getElementById('app').dataset.state === 'rendered');
    d = await drawn(page, L, H);
    assert.ok(maxDiff(d.attention, ref.attention[L][H].flat()) < 1e-4, 'the revealed weights are the native CLI\'s');
    assert.deepEqual(d.weights, d.attention);
    // the matrix draws them (on the next frame)
    await page.waitForFunction(() => !document.querySelector('#view-matrix.concealed')); // (set when the frame that reveals is drawn)
    d = await drawn(page, L, H);
    assert.ok(d.colours > 10, `the matrix draws them (${d.colours} colours)`);
    assert.notEqual(await page.textContent('#roles-table tr[data-head="1.2"] td'), 'hidden');
    assert.equal(await page.evaluate(() => window.headscope.state.pinPos), from, 'the query token is pinned again');
    // a reload: answered already (shown, not counted twice)
    await page.reload();
    await page.waitForSelector('#app[data-state="rendered"]');
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer === 'right');
    q = await box(page);
    assert.match(q.score, /1 right of 1/);
    assert.ok((await drawn(page, L, H)).attention.some((x) => x > 0));
    // a second question, answered wrong with the keyboard: the strip's arrows and Enter
    const L2 = 0, H2 = 1;
    const row2 = ref.attention[L2][H2][from];
    const wrong = argmin(row2, from);
    await page.evaluate((h) => { location.hash = h; }, `#text=${encodeURIComponent(TEXT)}&layer=${L2}&head=${H2}&exercise=attend&from=${from}`);
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer === 'open');
    await page.waitForFunction(() => window.headscope.lastResult.attention.subarray(0, 1).length && document.getElementById('app').dataset.state === 'rendered');
    assert.ok((await drawn(page, L2, H2)).attention.every((x) => x === 0));
    await page.focus('#tokens .chip-tok[tabindex="0"]');
    await page.keyboard.press('Home');
    for (let i = 0; i < wrong; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer !== 'open');
    q = await box(page);
    assert.ok(row2[wrong] < row2[argmax(row2)] - 1e-6, 'the token chosen is not the largest weight');
    assert.equal(q.answer, 'wrong');
    assert.match(q.result, new RegExp(`you chose .*\\(token ${wrong}\\), weight ${row2[wrong].toFixed(3)}\\. The largest weight goes to .*\\(token ${argmax(row2)}\\): ${row2[argmax(row2)].toFixed(3)}`));
    assert.match(q.score, /1 right of 2/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an answered question is hidden and asked again when the text is edited (the page and the element)', async () => {
  const L = 1, H = 2;
  const TEXT2 = 'Emma lent Sarah her pen because she liked her.';
  const ref2 = JSON.parse(execFileSync(requireNativeCli(), ['run', '--model', suite.model.dir, '--text', TEXT2], { maxBuffer: 1 << 28 }));
  const from1 = ref.tokens.findIndex((t) => t.trim() === 'her');
  const from2 = ref2.tokens.findIndex((t) => t.trim() === 'her');
  const row2 = ref2.attention[L][H][from2];
  const { context, page, problems } = await openPage(suite.browser, link(`layer=${L}&head=${H}&view=matrix&exercise=attend&from=her`));
  try {
    await page.waitForFunction(() => document.querySelector('#view-matrix.concealed') && document.querySelector('.exercise-question').textContent);
    await page.click(`#tokens .chip-tok[data-i="${argmax(ref.attention[L][H][from1])}"]`);
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer === 'right' && !document.querySelector('#view-matrix.concealed'));
    // the reader edits the text: hidden again, asked again on the new text, the query token pinned in it
    await page.fill('#text', TEXT2);
    await page.waitForFunction((t) => window.headscope.lastResult.text === t && document.getElementById('app').dataset.state === 'rendered'
      && document.querySelector('#view-matrix.concealed'), TEXT2, { timeout: 30000 });
    await afterDraw(page);
    let q = await box(page);
    assert.equal(q.answer, 'open');
    assert.match(q.result, /^The text changed since your answer, so the question is asked again on this text: layer 1 head 2 is hidden until you answer\.$/);
    assert.match(q.question, new RegExp(`From “her” \\(token ${from2}\\)`));
    assert.equal(await page.evaluate(() => window.headscope.state.pinPos), from2, 'the query token of the new text is pinned');
    let d = await drawn(page, L, H);
    assert.ok(d.weights.every((x) => x === 0) && d.attention.every((x) => x === 0), 'the head\'s weights are blank again');
    assert.ok(d.colours <= 2, `the matrix is flat again (${d.colours} colours)`);
    assert.match(await page.textContent('#view-matrix .answer-first'), /Answer first/);
    // answered on the new text: scored against the native CLI's weights of the new text
    const pick = 1;
    await page.click(`#tokens .chip-tok[data-i="${pick}"]`);
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer !== 'open');
    q = await box(page);
    assert.equal(q.answer, row2[pick] >= row2[argmax(row2)] - 1e-6 ? 'right' : 'wrong');
    assert.match(q.result, new RegExp(`weight ${row2[pick].toFixed(3)}\\. The largest weight goes to .*\\(token ${argmax(row2)}\\)`));
    await page.waitForFunction(() => !document.querySelector('#view-matrix.concealed') && document.getElementById('app').dataset.state === 'rendered');
    d = await drawn(page, L, H);
    assert.ok(maxDiff(d.attention, ref2.attention[L][H].flat()) < 1e-4, 'the revealed weights are the native CLI\'s for the new text');
    // back to the first text: its answer of this session is shown again, not asked again
    await page.fill('#text', TEXT);
    await page.waitForFunction((t) => window.headscope.lastResult.text === t && document.getElementById('app').dataset.state === 'rendered', TEXT, { timeout: 30000 });
    await afterDraw(page);
    assert.equal((await box(page)).answer, 'right');
    assert.ok(maxDiff((await drawn(page, L, H)).attention, ref.attention[L][H].flat()) < 1e-4);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // the element: a new text attribute after the answer asks again
  const el = await openElement(suite.browser, base(), 'q2', { text: TEXT, layer: String(L), head: String(H), view: 'matrix', exercise: 'attend', from: 'her' });
  try {
    await el.page.locator('#q2 .chip-tok[data-i="0"]').click();
    await el.page.waitForFunction(() => document.getElementById('q2').shadowRoot.querySelector('.exercise').dataset.answer !== 'open');
    await el.page.evaluate((t) => document.getElementById('q2').setAttribute('text', t), TEXT2);
    await el.page.waitForFunction((t) => {
      const e = document.getElementById('q2');
      return e.lastResult.text === t && e.dataset.state === 'rendered' && e.shadowRoot.querySelector('.exercise').dataset.answer === 'open';
    }, TEXT2, { timeout: 30000 });
    await afterDraw(el.page);
    const q = await box(el.page, '#q2');
    assert.match(q.result, /^The text changed since your answer/);
    assert.ok((await drawn(el.page, L, H, '#q2')).attention.every((x) => x === 0), 'the element\'s head is blank again');
    assert.deepEqual(el.problems, []);
  } finally {
    await el.context.close();
  }
});

test('a role question hides every head\'s role until a head of the grid is clicked; dark theme', async () => {
  const k = roles.text.names.indexOf('previous_token');
  let best = { l: 0, h: 0, s: -1 };
  roles.text.scores.forEach((r, l) => r.forEach((s, h) => { if (s[k] > best.s) best = { l, h, s: s[k] }; }));
  const { context, page, problems } = await openPage(suite.browser, link('exercise=role&role=previous_token&theme=dark'), { colorScheme: 'dark' });
  try {
    await page.waitForFunction(() => document.querySelector('.exercise-question').textContent.includes('previous token'));
    assert.equal(await page.getAttribute('#grid-canvas', 'data-roles'), '', 'no role labels in the grid');
    await rolesTableDrawn(page);
    assert.deepEqual(await page.$$eval('#roles-table tbody tr', (rows) => [...new Set(rows.map((r) => r.cells[1].textContent))]), ['hidden']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'exercise-role-page-dark.png'), fullPage: true });
    const g = await page.evaluate(() => window.headscope.gridGeometry());
    await page.click('#grid-canvas', { position: { x: 30 + best.h * (g.cell + 4) + g.cell / 2, y: g.labelH + best.l * (g.cell + 4) + g.cell / 2 } });
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer !== 'open');
    const q = await box(page);
    assert.equal(q.answer, 'right', q.result);
    assert.match(q.result, new RegExp(`you chose layer ${best.l} head ${best.h}, its the previous token score ${best.s.toFixed(2)}`));
    await page.waitForFunction(() => document.getElementById('grid-canvas').dataset.roles !== '');
    assert.match(await page.getAttribute('#grid-canvas', 'data-roles'), new RegExp(`${best.l}\\.${best.h}:previous_token`));
    // a second role question, answered with the keyboard: the grid's arrows and Enter (one head down)
    await page.evaluate((h) => { location.hash = h; }, `#text=${encodeURIComponent(TEXT)}&exercise=role&role=first_token&theme=dark`);
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer === 'open' && document.getElementById('grid-canvas').dataset.roles === '');
    await page.focus('#grid-canvas');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer !== 'open');
    const chosen = { l: Math.min(1, roles.text.roles.length - 1), h: 0 }; // from layer 0 head 0 (the hash names none)
    const first = roles.text.roles.flatMap((row, l) => row.map((r, h) => (r === 'first_token' ? `${l}.${h}` : null))).filter(Boolean);
    const second = await box(page);
    assert.equal(second.answer, first.includes(`${chosen.l}.${chosen.h}`) ? 'right' : 'wrong', second.result);
    assert.match(second.result, new RegExp(`you chose layer ${chosen.l} head ${chosen.h}`));
    assert.match(second.score, new RegExp(`${second.answer === 'right' ? 2 : 1} right of 2`));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the authoring form builds a link that reproduces its question, and an embed code for the element', async () => {
  const { context, page, problems } = await openPage(suite.browser, link(''));
  try {
    await page.click('#exercise-author summary');
    await page.selectOption('#exercise-author .author-layer', '2');
    await page.selectOption('#exercise-author .author-head', '0');
    await page.selectOption('#exercise-author .author-from', '12'); // " she" (once in the text: named by its text)
    await page.fill('#exercise-author .author-question', 'Where does “she” look in L2H0?');
    const url = await page.inputValue('#exercise-author .author-link');
    assert.match(url, /exercise=attend/);
    assert.match(url, /from=she/);
    assert.match(url, /layer=2/);
    const embed = await page.inputValue('#exercise-author .author-embed');
    assert.match(embed, /<script type="module" src="[^"]*headscope-element\.js"><\/script>/);
    assert.match(embed, /<headscope-view text="Sarah gave Emma her notebook because she trusted her\." layer="2" head="0" view="head" exercise="attend" from="she" question="Where does “she” look in L2H0\?"><\/headscope-view>/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'exercise-author-light.png'), fullPage: true });
    // the link asks the question
    const again = await openPage(suite.browser, url);
    try {
      await again.page.waitForFunction(() => document.querySelector('.exercise-question').textContent !== '');
      const q = await box(again.page);
      assert.equal(q.question, 'Where does “she” look in L2H0?');
      assert.equal(await again.page.evaluate(() => window.headscope.state.pinPos), 12);
      assert.ok((await drawn(again.page, 2, 0)).attention.every((x) => x === 0));
      assert.deepEqual(again.problems, []);
    } finally {
      await again.context.close();
    }
    // the embed code's element asks it too
    const attrs = Object.fromEntries([...embed.matchAll(/ ([a-z-]+)="([^"]*)"/g)].filter(([, k]) => k !== 'src' && k !== 'type').map(([, k, v]) => [k, v.replace(/&quot;/g, '"')]));
    const el = await openElement(suite.browser, base(), 'ex', attrs);
    try {
      const q = await box(el.page, '#ex');
      assert.equal(q.question, 'Where does “she” look in L2H0?');
      assert.ok((await drawn(el.page, 2, 0, '#ex')).attention.every((x) => x === 0));
    } finally {
      await el.context.close();
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the element with exercise attributes hides the head, and a click on a token reveals and scores it', async () => {
  const L = 1, H = 1;
  const from = ref.tokens.lastIndexOf(' her');
  const row = ref.attention[L][H][from];
  const { context, page, problems } = await openElement(suite.browser, base(), 'q',
    { text: TEXT, layer: String(L), head: String(H), view: 'matrix', exercise: 'attend', from: String(from) });
  try {
    let q = await box(page, '#q');
    assert.equal(q.answer, 'open');
    assert.match(q.question, new RegExp(`From “her” \\(token ${from}\\)`));
    const d = await drawn(page, L, H, '#q');
    assert.ok(d.attention.every((x) => x === 0) && d.colours <= 2, `blank (${d.colours} colours)`);
    assert.equal(await page.evaluate(() => !!document.getElementById('q').shadowRoot.querySelector('#view-matrix.concealed')), true);
    const pick = 0;
    await page.locator(`#q .chip-tok[data-i="${pick}"]`).click();
    await page.waitForFunction(() => document.getElementById('q').shadowRoot.querySelector('.exercise').dataset.answer !== 'open');
    q = await box(page, '#q');
    assert.equal(q.answer, row[pick] >= row[argmax(row)] - 1e-6 ? 'right' : 'wrong');
    assert.match(q.result, new RegExp(`weight ${row[pick].toFixed(3)}\\. The largest weight goes to .*\\(token ${argmax(row)}\\)`));
    await page.waitForFunction(() => document.getElementById('q').dataset.state === 'rendered');
    assert.ok(maxDiff((await drawn(page, L, H, '#q')).attention, ref.attention[L][H].flat()) < 1e-4);
    await page.screenshot({ path: path.join(ARTIFACTS, 'exercise-element-light.png'), fullPage: true });
    // a question naming a token the text does not have says so
    await page.evaluate(() => document.getElementById('q').setAttribute('from', 'zebra'));
    await page.waitForFunction(() => document.getElementById('q').shadowRoot.querySelector('.exercise').dataset.answer === 'error');
    q = await box(page, '#q');
    assert.match(q.result, /from="zebra" is not one of the text's tokens/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// axe-core's WCAG 2.x A/AA rules on the page: "rule: help — targets" per violation (axe is
// served by the course site, so script-src 'self' lets playwright's script tag load it).
async function axeViolations(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ url: `${suite.server.url}course/week-3/axe.min.js` });
  const violations = await page.evaluate(() => window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, iframes: false })
    .then((res) => res.violations.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.slice(0, 4).map((n) => n.target) }))));
  return violations.map((v) => `${v.id}: ${v.help} — ${JSON.stringify(v.targets)}`);
}

test('axe-core finds no WCAG 2.1 AA violation with a question asked, answered, and the authoring form and the lesson open (both themes)', async () => {
  for (const theme of ['light', 'dark']) {
    const { context, page, problems } = await openPage(suite.browser, link(`layer=1&head=2&view=matrix&exercise=attend&from=her&theme=${theme}`), { colorScheme: theme });
    try {
      await page.waitForFunction(() => document.querySelector('#view-matrix.concealed'));
      await page.click('#exercise-author summary');
      await page.click('#lesson summary');
      await page.waitForFunction(() => document.getElementById('lesson').dataset.step && document.getElementById('app').dataset.state === 'rendered');
      await page.evaluate(() => { window.headscope.setView('matrix'); window.headscope.select(1, 2); }); // (the lesson's first step selected L0H0)
      await page.waitForFunction(() => document.querySelector('#view-matrix.concealed'));
      const found = (await axeViolations(page)).map((v) => `${theme}, asked: ${v}`);
      await page.click('.exercise-reveal');
      await page.waitForFunction(() => document.querySelector('.exercise').dataset.answer === 'wrong');
      found.push(...(await axeViolations(page)).map((v) => `${theme}, revealed: ${v}`));
      assert.deepEqual(found, []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});
