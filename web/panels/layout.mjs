// web/panels/layout.mjs — the page's layout and theme: which views are pinned
// side by side and which are tabs at each width (xwide, wide, narrow), the
// active tab (arrow keys move between tabs), the sections shown, and the light /
// dark theme (saved in localStorage, or the system's).

const LAYOUTS = [
  { name: 'xwide', query: matchMedia('(min-width: 1560px)'), pinned: ['grid', 'next'], tabs: ['head', 'matrix', 'inside', 'lens', 'pairs'] },
  { name: 'wide', query: matchMedia('(min-width: 1040px)'), pinned: ['grid'], tabs: ['head', 'matrix', 'inside', 'next', 'lens', 'pairs'] },
  { name: 'narrow', query: null, pinned: [], tabs: ['grid', 'head', 'matrix', 'inside', 'next', 'lens', 'pairs'] },
];
const THEME_KEY = 'headscope-theme';

export function layoutPanel(page) {
  const { root } = page;
  const views = document.querySelector('.views');
  // the button's accessible name is its visible-to-screen-readers text "Dark
  // theme", pressed or not; the icon beside it is decorative
  const themeButton = page.$('theme-toggle');
  const themeIcon = themeButton.querySelector('.theme-icon');
  const darkQuery = matchMedia('(prefers-color-scheme: dark)');
  let view = 'grid'; // the chosen tab

  const layout = () => LAYOUTS.find((l) => !l.query || l.query.matches);
  function visibleViews() {
    const l = layout();
    const active = l.tabs.includes(view) ? view : l.tabs[0];
    return { layout: l, active, visible: [...l.pinned, active] };
  }

  function apply() {
    const { layout: l, active, visible } = visibleViews();
    views.dataset.layout = l.name;
    root.dataset.view = active;
    for (const tab of document.querySelectorAll('.tab')) {
      const name = tab.dataset.tab;
      tab.hidden = !l.tabs.includes(name);
      tab.setAttribute('aria-selected', String(name === active));
      tab.tabIndex = name === active ? 0 : -1;
    }
    for (const [name, v] of Object.entries(page.ctl.views)) v.section.hidden = !visible.includes(name) || !page.state.result;
  }

  function setView(name) {
    view = name;
    apply();
    page.url.sync();
    // the inside panel needs the run's intermediate arrays
    const r = page.state.result;
    if (r && visibleViews().visible.includes('inside') && !r.qkv) page.ctl.run({ immediate: true });
    // the logit lens needs the run's residual stream
    else if (r && r.T && visibleViews().visible.includes('lens') && !(r.options && r.options.lens)) page.ctl.run({ immediate: true });
    page.ctl.invalidate('all');
  }

  const currentTheme = () => document.documentElement.dataset.theme || (darkQuery.matches ? 'dark' : 'light');
  function applyTheme(theme, save) {
    document.documentElement.dataset.theme = theme;
    if (save) try { localStorage.setItem(THEME_KEY, theme); } catch { /* private mode */ }
    themeButton.setAttribute('aria-pressed', String(theme === 'dark'));
    themeIcon.textContent = theme === 'dark' ? '☀' : '☾';
    page.ctl.refreshColors();
    page.url.sync();
  }

  for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => setView(tab.dataset.tab));
  document.querySelector('.tabs').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    const tabs = [...document.querySelectorAll('.tab')].filter((t) => !t.hidden);
    const i = tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true');
    const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
    setView(next.dataset.tab);
    next.focus();
    e.preventDefault();
  });
  for (const l of LAYOUTS) if (l.query) l.query.addEventListener('change', () => { apply(); page.ctl.invalidate('all'); });
  new ResizeObserver(() => page.ctl.invalidate('all')).observe(views);
  themeButton.addEventListener('click', () => applyTheme(currentTheme() === 'dark' ? 'light' : 'dark', true));
  darkQuery.addEventListener('change', () => { if (!localStorage.getItem(THEME_KEY)) page.ctl.refreshColors(); });

  // The theme saved by the reader, if any (before the first draw).
  function restoreTheme() {
    const saved = localStorage.getItem(THEME_KEY);
    if (saved) applyTheme(saved, false);
    else {
      themeIcon.textContent = currentTheme() === 'dark' ? '☀' : '☾';
      themeButton.setAttribute('aria-pressed', String(currentTheme() === 'dark'));
    }
  }

  return {
    get view() { return view; },
    set view(name) { view = name; },
    isNarrow: () => layout().name === 'narrow',
    visibleViews, apply, setView, applyTheme, restoreTheme,
  };
}
