// web/panels/roles-table.mjs — the "Head roles" section: a row per head with
// its role and scores on this text and on the induction probe (from the run's
// roles, computed by the module), the focused head's row marked, a click on a
// row focusing that head, the roles source of the grid's labels (this text or
// the probe), and the scores' definitions and colour legend. The tag-relation
// column is web/panels/tag-relations.mjs's.
import { ROLE_INFO } from '../views/grid.mjs';
import { TAG_RELATION_HELP } from '../pos-roles.mjs';

const ROLE_DEFS = {
  previous_token: 'mean, over every token after the first, of the weight it puts on the token just before it.',
  first_token: 'mean weight on the very first token (many heads park attention there: an “attention sink”).',
  self: 'mean weight a token puts on itself.',
  same_token: 'for tokens that appeared earlier in the text: mean weight on those earlier copies.',
  induction: 'for tokens that appeared earlier: mean weight on the token that came right after the earlier copy (“what came next last time”). High on the probe = an induction head.',
  punctuation: 'mean weight on punctuation and newline tokens.',
  to_cls: 'when the text starts with [CLS] (or <s>): mean weight every token puts on it. A role on encoders only (on decoders the first token is the attention sink: first_token).',
  to_sep: 'when the text ends with [SEP] (or </s>): mean weight every token puts on it (encoder heads with nothing to do often rest there). A role on encoders only.',
  next_token: 'mean weight on the token just after (0 under a causal mask). A role on encoders only.',
  broad: 'how evenly a token spreads its weight: the entropy of its weights over the tokens it can see, divided by its maximum (1 = evenly over all). Not a weight; a role (“broad” when nothing else applies and this is at least 0.85) on encoders only.',
};

export function rolesTable(page) {
  const { $, state, ctl } = page;
  const ui = { table: $('roles-table'), defs: $('role-defs'), legend: $('role-legend'), source: $('roles-source') };

  function buildHelp() {
    ui.defs.replaceChildren();
    for (const [name, text] of Object.entries(ROLE_DEFS)) {
      const dt = document.createElement('dt');
      const sw = document.createElement('span');
      sw.className = `role-chip role-${name}`;
      sw.textContent = ROLE_INFO[name].short;
      dt.append(sw, ` ${name}`);
      const dd = document.createElement('dd');
      dd.textContent = text;
      ui.defs.append(dt, dd);
    }
    const dt = document.createElement('dt');
    dt.textContent = 'role';
    const dd = document.createElement('dd');
    dd.textContent = 'the highest score if it is at least 0.4, else “mixed”; first-token and self count only when no other score reaches 0.4. Encoders: to [SEP] and to [CLS] come after the specific patterns (with next-token among them) and before first-token and self; then broad. A dash: the text has no token the score applies to. Every score is a mean attention weight between 0 and 1, computed by the wasm module (src/model/head_roles.hpp).';
    ui.defs.append(dt, dd);
    const pdt = document.createElement('dt');
    pdt.textContent = 'tag relation (Brown probe)';
    const pdd = document.createElement('dd');
    pdd.textContent = TAG_RELATION_HELP;
    ui.defs.append(pdt, pdd);
    ui.legend.replaceChildren(...Object.entries(ROLE_INFO).map(([name, info]) => {
      const s = document.createElement('span');
      s.className = `role-chip role-${name}`;
      s.textContent = info.short;
      s.title = info.encoder ? `${name} (encoders)` : name;
      return s;
    }));
  }
  // Off screen the table waits: it is drawn after the frame that shows the views (a
  // keystroke's result changes a few of its L x H x 23 cells, and laying the table out
  // again took ~15 ms of each keystroke on a 144-head model, in the layout the views'
  // drawing forced), or at once when it scrolls into view. On screen, or with `now`, it is
  // drawn at once. ui.table.dataset.run names the result it shows (tests wait for it).
  let pending = null;
  let scheduled = false;
  let visible = true; // (until the observer's first answer)
  new IntersectionObserver((es) => {
    visible = es.some((e) => e.isIntersecting);
    if (visible) flush();
  }).observe(ui.table);
  function render(r, { now = false } = {}) {
    if (now || visible) {
      pending = null;
      draw(r);
      return;
    }
    pending = r;
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(() => setTimeout(flush, 0));
    }
  }
  function flush() {
    scheduled = false;
    if (!pending) return;
    const r = pending;
    pending = null;
    draw(r);
  }
  // The table is built once per model (and shape); a new run only rewrites the
  // cells whose text changed, so typing does not rebuild (and re-lay out) a table
  // of L x H rows.
  function draw(r) {
    ui.table.dataset.run = r && r.id !== undefined ? String(r.id) : '';
    const roles = r.roles;
    const t = ui.table;
    if (!roles) {
      t.replaceChildren();
      delete t.dataset.shape;
      return;
    }
    const names = roles.text.names;
    const { n_layer: L, n_head: H } = r;
    const withPos = !!page.tags.probeUrl(state.model);
    const shape = `${state.model.key}|${L}|${H}|${names.join(',')}|${withPos}`;
    if (t.dataset.shape !== shape) {
      buildRolesTable(names, L, H, withPos);
      t.dataset.shape = shape;
      shown = [];
    }
    markCurrentRow();
    const rows = t.tBodies[0].rows;
    // each score cell's text and strength as last written (a keystroke changes few of them:
    // comparing here, not reading the DOM, keeps the unchanged cells out of the redraw)
    let at = 0;
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const cells = rows[l * H + h].cells; // th, then per source: role + one per score
        for (const [w, which] of ['text', 'probe'].entries()) {
          const base = 1 + w * (names.length + 1);
          setRoleCell(cells[base], roles[which].roles[l][h]);
          const scores = roles[which].scores[l][h];
          for (let k = 0; k < scores.length; k++, at++) {
            const v = scores[k];
            const text = v === null ? '–' : v.toFixed(2);
            const strong = v !== null && v >= 0.4;
            const was = shown[at];
            if (was && was.text === text && was.strong === strong) continue;
            const c = cells[base + 1 + k];
            c.textContent = text;
            c.classList.toggle('strong', strong);
            shown[at] = { text, strong };
          }
        }
      }
    }
  }
  let shown = []; // [cell] -> {text, strong}, in render's order
  // The focused head's row.
  function markCurrentRow() {
    const want = `${state.layer}.${state.head}`;
    for (const tr of ui.table.querySelectorAll('tr.current')) if (tr.dataset.head !== want) tr.classList.remove('current');
    const row = ui.table.querySelector(`tr[data-head="${want}"]`);
    if (row) row.classList.add('current');
  }
  function setRoleCell(rc, role) {
    if (rc.dataset.role === role) return;
    rc.dataset.role = role;
    if (ROLE_INFO[role]) {
      const chip = document.createElement('span');
      chip.className = `role-chip role-${role}`;
      chip.textContent = ROLE_INFO[role].short;
      rc.replaceChildren(chip);
    } else rc.textContent = role;
  }
  function buildRolesTable(names, L, H, withPos) {
    const t = ui.table;
    t.replaceChildren();
    const thead = t.createTHead();
    const h1 = thead.insertRow();
    const th = (row, text, attrs = {}) => {
      const c = document.createElement('th');
      c.textContent = text;
      for (const [k, v] of Object.entries(attrs)) c.setAttribute(k, v);
      row.append(c);
      return c;
    };
    th(h1, 'head', { rowspan: '2', scope: 'col' });
    th(h1, 'this text', { colspan: String(names.length + 1), scope: 'colgroup' });
    th(h1, 'induction probe', { colspan: String(names.length + 1), scope: 'colgroup' });
    if (withPos) th(h1, 'tag relation (Brown probe)', { rowspan: '2', scope: 'col', class: 'pos-head' });
    const h2 = thead.insertRow();
    for (let k = 0; k < 2; k++) {
      th(h2, 'role', { scope: 'col' });
      for (const n of names) th(h2, ROLE_INFO[n] ? ROLE_INFO[n].short : n, { scope: 'col', title: n });
    }
    const body = t.createTBody();
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const row = body.insertRow();
        row.dataset.head = `${l}.${h}`;
        const c0 = document.createElement('th');
        c0.scope = 'row';
        const pick = document.createElement('button');
        pick.type = 'button';
        pick.className = 'linkish';
        pick.textContent = `L${l} H${h}`;
        pick.title = `focus layer ${l}, head ${h}`;
        c0.append(pick);
        row.append(c0);
        for (const which of ['text', 'probe']) {
          row.insertCell().className = `role-cell ${which}`;
          names.forEach((n) => {
            const c = row.insertCell();
            c.className = 'num';
            c.title = `${n} (${which})`;
          });
        }
        if (withPos) row.insertCell().className = 'role-cell pos-cell';
      }
    }
    if (withPos) page.tags.fill(); // computed once the views are drawn (page.tags.start)
  }

  ui.source.addEventListener('change', () => { state.roleSource = ui.source.value; ctl.invalidate('all'); page.url.sync(); });
  ui.table.addEventListener('click', (e) => {
    const row = e.target.closest('button') && e.target.closest('tr[data-head]');
    if (row) {
      const [l, h] = row.dataset.head.split('.').map(Number);
      ctl.select(l, h);
    }
  });
  // The grid's roles source (the hash's roles field).
  function showSource() { ui.source.value = state.roleSource; }

  buildHelp();
  return { table: ui.table, defs: ui.defs, render, markCurrentRow, showSource };
}
