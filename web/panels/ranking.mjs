// web/panels/ranking.mjs — "Rank heads" in the knobs panel: every head's loss
// increase on this text when it alone is switched off (the worker's ranking
// request), with progress and cancel; the N least important heads are then
// switched off and the full ranking is kept in #rank-status's data-ranking.
import { knobOptions, sortHeads } from '../knobs.mjs';

export function rankingPanel(page) {
  const { $, client, state } = page;
  const ui = { n: $('rank-n'), go: $('rank-go'), cancel: $('rank-cancel'), progress: $('rank-progress'), status: $('rank-status') };
  let ranking = null; // the request in progress: {promise, cancel()}
  const name = (i, H) => `L${Math.floor(i / H)}H${i % H}`;

  function start() {
    if (ranking || !state.model || !state.result || page.knobs.notApplicable().rank) return;
    const N = Math.max(1, Math.floor(Number(ui.n.value) || 1));
    const { n_layer: L, n_head: H } = state.model.info;
    ui.go.disabled = true;
    ui.cancel.hidden = false;
    ui.progress.hidden = false;
    ui.progress.max = L * H + 1;
    ui.progress.value = 0;
    ui.status.textContent = `Ranking ${L * H} heads…`;
    const options = { ...knobOptions(state.knobs), ablation: state.knobs.ablation };
    ranking = client.rankHeads(state.model.key, page.text(), options, (m) => {
      ui.progress.value = m.done;
      ui.status.textContent = `Ranking heads… ${m.done - 1 > 0 ? m.done - 1 : 0} of ${L * H} scored`;
    });
    ranking.promise.then((res) => {
      if (!res) { ui.status.textContent = 'Ranking cancelled.'; return; }
      const order = Array.from(res.deltas, (d, i) => [d, i]).sort((a, b) => a[0] - b[0]);
      const least = order.slice(0, Math.min(N, L * H));
      ui.status.textContent = `Least important on this text: ${least
        .map(([d, i]) => `${name(i, H)} (${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)})`).join(', ')} — switched off.`;
      ui.status.dataset.ranking = JSON.stringify(order.map(([d, i]) => [i, d]));
      page.knobs.set({ ablate: sortHeads(least.map(([, i]) => `${Math.floor(i / H)}.${i % H}`)) });
    }, (e) => { ui.status.textContent = `Ranking failed: ${e.message}`; })
      .finally(() => {
        ranking = null;
        ui.go.disabled = false;
        ui.cancel.hidden = true;
        ui.progress.hidden = true;
      });
  }

  ui.go.addEventListener('click', start);
  ui.cancel.addEventListener('click', () => { if (ranking) ranking.cancel(); });
  return { start };
}
