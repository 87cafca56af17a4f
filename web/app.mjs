// web/app.mjs — Headscope's page: a thin shell that puts the view sections in
// place (web/views/markup.mjs), makes the page's Controller (the views, the runs
// and the redraw loop: web/controller.mjs) and wires one module per panel
// (web/panels/: status, layout and theme, model picker, knobs, loss, ranking,
// roles table, tag relations, URL state, share and export, test hook, the guided
// lesson, the exercise authoring form) and the exercise a link may ask
// (web/exercise/) through the `page` object they share. The wasm module lives in the shared worker
// (web/client.mjs -> web/worker.mjs).
// After every redraw #app gets data-state="rendered", a bubbling
// `headscope:rendered` event fires and a `headscope:rendered` performance mark is
// set; window.headscope is the test hook.
import { drawLegend } from './colormap.mjs';
import { sharedClient } from './client.mjs';
import { Controller } from './controller.mjs';
import { headPicker } from './head-picker.mjs';
import { viewSections, viewTabs } from './views/markup.mjs';
import { statusPanel, markLatest } from './panels/status.mjs';
import { layoutPanel } from './panels/layout.mjs';
import { modelPicker } from './panels/model-picker.mjs';
import { hubPanel } from './panels/hub-panel.mjs';
import { knobsPanel } from './panels/knobs-panel.mjs';
import { lossPanel } from './panels/loss.mjs';
import { rankingPanel } from './panels/ranking.mjs';
import { rolesTable } from './panels/roles-table.mjs';
import { tagRelations } from './panels/tag-relations.mjs';
import { urlState } from './panels/url-state.mjs';
import { sharePanel } from './panels/share.mjs';
import { installTestHook } from './panels/test-hook.mjs';
import { generatePanel } from './panels/generate.mjs';
import { Exercise } from './exercise/exercise.mjs';
import { exerciseAuthor } from './panels/exercise-author.mjs';
import { lessonPanel } from './panels/lesson.mjs';
import { firstLoadPanel } from './panels/first-load.mjs';
import { touchScreen } from './touch.mjs';

const $ = (id) => document.getElementById(id);
const ui = { text: $('text'), scale: $('scale-select'), legend: $('legend'), tooltip: $('tooltip'), tokens: $('tokens') };
const VIEWS = ['grid', 'head', 'matrix', 'next', 'inside', 'lens', 'pairs'];
const sections = viewSections(VIEWS, { tabs: true });
$('empty').before(...Object.values(sections));
document.querySelector('.tabs').append(...viewTabs(VIEWS));

// What the panels share: $ (by id), root (#app), client (the shared worker), ctl
// and state (the controller and its state), text()/setText(), setColourScale(),
// requestRun(opts), and each panel by name (status, layout, headPicker, models,
// knobs, loss, ranking, roles, tags, url, share). Panels reach each other
// through it when called, so the order below only matters for their set-up.
const page = { $, root: $('app'), client: sharedClient() };
page.status = statusPanel(page);
page.firstLoad = firstLoadPanel(page); // the frame, the progress bar and disabled controls until the first result
page.layout = layoutPanel(page);
page.ctl = new Controller({
  root: page.root,
  sections,
  strip: ui.tokens,
  tooltip: ui.tooltip,
  client: page.client,
  hooks: {
    visible: () => page.layout.visibleViews().visible,
    running: () => page.status.setState('running'),
    result: onResult,
    rendered,
    failed: (message) => page.status.showError(message),
    selected: ({ openHead }) => {
      page.headPicker.show();
      page.roles.markCurrentRow();
      if (openHead && page.layout.isNarrow()) page.layout.setView('head');
      page.url.sync();
    },
    changed: () => page.url.sync(),
    textChanged: (text) => { // a view changed the text (masking a token)
      page.setText(text);
      page.requestRun({ immediate: true });
      page.url.sync();
    },
    drawn: () => drawLegend(ui.legend, page.state.scale),
  },
});
page.state = page.ctl.state;
page.headPicker = headPicker(page.ctl, $('layer-select'), $('head-select'));
page.text = () => ui.text.value;
page.setText = (text) => { ui.text.value = text; };
page.setColourScale = (scale) => { page.state.scale = scale; ui.scale.value = scale; };
page.requestRun = (opts) => {
  if (!page.state.model) return Promise.resolve(null);
  page.ctl.text = ui.text.value;
  return page.ctl.run(opts);
};
page.models = modelPicker(page);
page.hub = hubPanel(page);
page.knobs = knobsPanel(page);
page.loss = lossPanel(page);
page.ranking = rankingPanel(page);
page.roles = rolesTable(page);
page.tags = tagRelations(page);
page.url = urlState(page);
page.share = sharePanel(page);
// Continue (generation) and its replay slider: the generated text joins the text box
page.generate = generatePanel(page.ctl, {
  text: (text, { final }) => {
    page.setText(text);
    page.url.sync();
    return final ? page.requestRun({ immediate: true }) : null;
  },
  changed: () => page.url.sync(),
  failed: (message) => page.status.showError(message),
});
$('generate').append(page.generate.el);
// exercises (a question in the link hides its head until answered), their authoring form, the guided lesson
page.exercise = new Exercise(page.ctl, { strip: ui.tokens, onReveal: (r) => page.roles.render(r, { now: true }), modelName: () => page.models.field() });
ui.tokens.before(page.exercise.el);
page.author = exerciseAuthor(page);
page.lesson = lessonPanel(page);
$('knobs').before(page.lesson.el);
$('knobs').after(page.author.el);
installTestHook(page);
page.touch = touchScreen(page.root, { tooltip: ui.tooltip, hide: () => page.ctl.hideTooltip() }); // tap wording, tooltips that go away

let firstRender = true;

function onResult(r) {
  page.status.showRun(r, page.state.model);
  page.layout.apply();
  page.roles.render(r);
  page.loss.update(r);
  page.generate.applyModel(page.state.model.info);
  page.generate.update(r);
  page.author.update(r);
  page.lesson.update(r);
}

function rendered(r) {
  if (!r.T) {
    // empty text
    page.status.showRun(r, page.state.model);
    page.layout.apply();
    page.roles.render(r, { now: true }); // (no roles: the table is emptied)
    page.loss.clear();
  }
  markLatest('headscope:rendered');
  page.tags.start(); // the roles table's tag relations, if it is on screen now
  if (firstRender && r.T) {
    firstRender = false;
    performance.mark('headscope:first-render');
  }
  page.status.setState('rendered');
  page.root.dispatchEvent(new CustomEvent('headscope:rendered', {
    bubbles: true,
    detail: { tokens: r.tokens, n_layer: r.n_layer, n_head: r.n_head, T: r.T },
  }));
}

ui.text.addEventListener('input', () => {
  markLatest('headscope:input');
  page.generate.forget();
  page.requestRun();
  page.url.sync();
});
ui.scale.addEventListener('change', () => { page.state.scale = ui.scale.value; page.ctl.invalidate('all'); page.url.sync(); });
document.addEventListener('keydown', (e) => { if (e.key === 'Escape') page.ctl.clearPin(); });

async function start() {
  const fromHash = page.url.read();
  page.url.apply(fromHash);
  if (fromHash.theme) page.layout.applyTheme(fromHash.theme, false);
  await page.models.listBundled();
  if (!page.models.openField(fromHash.model, fromHash.hub)) {
    page.status.setState('ready');
    page.firstLoad.nothingToLoad();
    page.status.setStatus('No bundled model here: open your own (config.json, model.safetensors, tokenizer.json).');
  }
}

page.layout.restoreTheme();
page.layout.apply();
start();
