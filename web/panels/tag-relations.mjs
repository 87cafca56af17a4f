// web/panels/tag-relations.mjs — the roles table's tag-relation column, for
// bundled models with a pos-probe.json: each head's most-attended part-of-speech
// relation (web/pos-roles.mjs), computed once per model when the table is first
// on screen, one probe sentence per worker run (typing goes between), with its
// progress in the cells and the probe's tags under the scores' definitions.
import { computeTagRelations } from '../pos-roles.mjs';

export function tagRelations(page) {
  const { client, state } = page;
  const roles = page.roles;
  const pos = { cache: new Map(), visible: false, channel: 0 }; // cache: model key -> {status, done, total, result, error}
  function probeUrl(model) {
    if (!model) return null;
    const b = page.models.bundled.find((x) => x.url === model.key);
    return b && Array.isArray(b.files) && b.files.includes('pos-probe.json') ? `${b.url}pos-probe.json` : null;
  }
  function start() {
    const model = state.model;
    const url = probeUrl(model);
    if (!url || !pos.visible || pos.cache.has(model.key) || !rolesOnScreen()) return;
    const entry = { status: 'computing', done: 0, total: 0, result: null, error: null };
    pos.cache.set(model.key, entry);
    pos.channel ||= client.channel();
    fill();
    (async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
      const probe = await res.json();
      entry.total = probe.sentences.length;
      showTagset(probe);
      const result = await computeTagRelations(probe, (text) => client.run(pos.channel, model.key, text, {}), {
        onProgress: (done) => { entry.done = done; if (state.model === model) fill(); },
      });
      if (!result) throw new Error('the probe runs were interrupted');
      entry.result = result;
      entry.status = 'done';
    })().catch((e) => {
      entry.status = 'error';
      entry.error = e.message;
    }).finally(() => { if (state.model === model) fill(entry); });
  }
  // The probe's tags, under the scores' definitions (once).
  function showTagset(probe) {
    if (!probe.tagset || roles.defs.querySelector('dd.pos-tagset')) return;
    const dt = document.createElement('dt');
    dt.textContent = 'tags (Brown probe)';
    const dd = document.createElement('dd');
    dd.className = 'pos-tagset';
    dd.textContent = `${Object.entries(probe.tagset).map(([t, d]) => `${t}: ${d}`).join('; ')}. ` +
      `${probe.sentences.length} sentences — ${probe.source}.`;
    roles.defs.append(dt, dd);
  }
  function fill(entry = state.model && pos.cache.get(state.model.key)) {
    const cells = roles.table.querySelectorAll('td.pos-cell');
    const head = roles.table.querySelector('th.pos-head');
    if (head) head.dataset.status = entry ? entry.status : 'waiting';
    for (const c of cells) {
      const [l, h] = c.parentElement.dataset.head.split('.').map(Number);
      c.replaceChildren();
      c.classList.remove('muted');
      delete c.dataset.relation;
      delete c.dataset.score;
      c.removeAttribute('title');
      if (!entry) {
        c.classList.add('muted');
        c.textContent = '…';
        c.title = 'computed when this table is on screen';
        continue;
      }
      if (entry.status === 'computing') {
        c.classList.add('muted');
        c.textContent = entry.total ? `computing… ${entry.done}/${entry.total}` : 'computing…';
        continue;
      }
      if (entry.status === 'error') {
        c.classList.add('muted');
        c.textContent = 'unavailable';
        c.title = entry.error;
        continue;
      }
      const x = entry.result.heads[l] && entry.result.heads[l][h];
      if (!x) { c.textContent = '–'; continue; }
      const strong = document.createElement('b');
      strong.textContent = x.score.toFixed(2);
      c.append(`${x.relation} `, strong);
      c.dataset.relation = x.relation;
      c.dataset.score = String(x.score);
      c.title = `${x.query} queries put ${(x.score * 100).toFixed(0)}% of their attention on earlier ${x.key} words ` +
        `(a uniform head: ${(x.uniform * 100).toFixed(0)}%, ×${x.lift === null ? '–' : x.lift.toFixed(1)}; ` +
        `${x.queries} ${x.query} words with an earlier ${x.key}, ${entry.result.sentences} probe sentences). ` +
        `Next: ${x.top.slice(1).map((t) => `${t.relation} ${t.score.toFixed(2)}`).join(', ')}`;
    }
  }
  // The table is drawn (a run is shown) and some of it is in the window: before
  // the first result the empty page can show the section for a moment.
  function rolesOnScreen() {
    if (!roles.table.querySelector('td.pos-cell')) return false;
    const r = roles.table.getBoundingClientRect();
    return r.bottom > 0 && r.top < innerHeight && r.height > 0;
  }
  new IntersectionObserver((es) => {
    pos.visible = es.some((e) => e.isIntersecting);
    if (pos.visible) start();
  }).observe(roles.table);

  // The tag relations of the current model (null: not computed, or no probe).
  function current() {
    const e = state.model && pos.cache.get(state.model.key);
    return e ? e.result : null;
  }
  return { probeUrl, start, fill, current };
}
