// web/panels/hub-panel.mjs — "Open from the Hugging Face Hub" on the page: the
// repo id field (owner/name, optional @revision), the suggested models with
// their download sizes, the download's progress (bytes, speed, time left) and
// Cancel, the Hub error (kept on screen after the page falls back to the
// bundled model), the host when the Hub is not huggingface.co, the question
// before a download over ASK_ABOVE bytes (its size, Download or Cancel: a phone's
// data plan, or any slow link, should not start 500 MB unasked), and the
// "Stored models" list with each model's size and Delete.
import { DEFAULT_HUB, parseHubRef, normalizeHub } from '../hub/hub-ref.mjs';
import { mb } from '../hub/hub-api.mjs';

// Known to open in Headscope, one per family; sizes are their safetensors downloads.
export const SUGGESTED_MODELS = [
  { repo: 'openai-community/gpt2', family: 'GPT-2', bytes: 548e6 },
  { repo: 'distilbert/distilgpt2', family: 'GPT-2 (distilled)', bytes: 353e6 },
  { repo: 'EleutherAI/pythia-70m', family: 'GPT-NeoX', bytes: 166e6 },
  { repo: 'HuggingFaceTB/SmolLM2-135M', family: 'Llama', bytes: 269e6 },
  { repo: 'google-bert/bert-base-uncased', family: 'BERT', bytes: 440e6 },
];

// Downloads bigger than this wait for the reader's Download (the size is the plan's: the Hub's file listing).
export const ASK_ABOVE = 50e6;

const seconds = (s) => (s >= 90 ? `${Math.round(s / 60)} min` : `${Math.max(1, Math.round(s))} s`);

export function hubPanel(page) {
  const { $, client, status } = page;
  const ui = {
    form: $('hub-form'), repo: $('hub-repo'), suggestions: $('hub-suggestions'), host: $('hub-host'),
    download: $('hub-download'), progressText: $('hub-progress-text'), cancel: $('hub-cancel'),
    error: $('hub-error'), stored: $('hub-stored'), storedEmpty: $('hub-stored-empty'), confirm: $('hub-confirm'), panel: $('hub-panel'),
  };
  let hub = DEFAULT_HUB;
  let cancelCurrent = null;
  let confirmCurrent = null;

  function setHub(base) {
    hub = normalizeHub(base);
    const custom = hub !== DEFAULT_HUB;
    ui.host.hidden = !custom;
    ui.host.textContent = custom ? `Hub models load from ${new URL(hub).host} (not huggingface.co).` : '';
  }
  const showError = (message) => { ui.error.textContent = message; ui.error.hidden = false; };
  const clearError = () => { ui.error.hidden = true; ui.error.textContent = ''; };

  function onProgress(msg, repo) {
    if (msg.phase === 'plan') {
      ui.download.hidden = false;
      ui.progressText.textContent = `${repo}${msg.modelType ? ` (${msg.modelType}, ${(msg.params / 1e6).toFixed(0)} M parameters)` : ''}: ` +
        `${mb(msg.total)} to download (${msg.files} files).`;
      status.setStatus(`Downloading ${repo} (${mb(msg.total)})…`);
    } else if (msg.phase === 'confirm') {
      ui.panel.open = false; // the panel's popup would cover the question on a phone
      ui.download.hidden = false;
      ui.confirm.hidden = false;
      ui.progressText.textContent = `${repo}: ${mb(msg.total)} to download (${msg.files} files). ` +
        'That is a big download (mind a phone\'s data plan): download it?';
      status.setStatus(`${repo}: ${mb(msg.total)} to download: waiting for your answer.`);
    } else if (msg.phase === 'download') {
      ui.confirm.hidden = true;
      const left = msg.bytesPerSecond > 0 ? (msg.total - msg.done) / msg.bytesPerSecond : NaN;
      ui.download.hidden = false;
      ui.progressText.textContent = `${repo}: ${mb(msg.done)} of ${mb(msg.total)} · ${mb(msg.bytesPerSecond)}/s` +
        `${Number.isFinite(left) ? ` · ${seconds(left)} left` : ''}`;
    } else if (msg.phase === 'load') {
      ui.download.hidden = true;
    }
  }

  // Open hf:repo@revision from `base` (default: the current Hub). Failures fall back to the bundled model.
  function open(ref, base) {
    if (base !== undefined) setHub(base);
    clearError();
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    const name = `${ref.repo}${ref.revision !== 'main' ? `@${ref.revision}` : ''}`;
    page.models.load(`Opening ${name} from ${new URL(hub).host}…`, ({ onProgress: p }) => {
      const h = client.loadHub({ hub, ...ref }, { onProgress: (m) => { p(m); onProgress(m, name); }, weights: page.weights,
        askAbove: ASK_ABOVE });
      cancelCurrent = h.cancel;
      confirmCurrent = h.confirm;
      return h.promise.finally(() => {
        cancelCurrent = confirmCurrent = null;
        ui.download.hidden = ui.confirm.hidden = true;
        refreshStored();
      });
    }, {
      onError: (e) => {
        showError(`Could not open ${name} from the Hub: ${e.message}`);
        page.models.fallback();
      },
    });
  }

  async function refreshStored() {
    let list = [];
    try { list = await client.hubStored(); } catch { list = []; }
    ui.stored.replaceChildren(...list.map((m) => {
      const li = document.createElement('li');
      const label = document.createElement('button');
      label.type = 'button';
      label.className = 'btn small hub-stored-open';
      label.textContent = `${m.repo}${m.revision !== 'main' ? `@${m.revision}` : ''}`;
      label.title = `Open (from ${new URL(m.hub).host}, stored ${m.storedAt.slice(0, 10)})`;
      label.addEventListener('click', () => open({ repo: m.repo, revision: m.revision }, m.hub));
      const size = document.createElement('span');
      size.className = 'muted';
      size.textContent = `${mb(m.bytes)}${m.hub !== DEFAULT_HUB ? ` · ${new URL(m.hub).host}` : ''}`;
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'btn small hub-stored-delete';
      del.textContent = 'Delete';
      del.setAttribute('aria-label', `Delete the stored copy of ${m.repo}`);
      del.addEventListener('click', async () => {
        await client.hubDelete(m);
        refreshStored();
      });
      li.append(label, ' ', size, ' ', del);
      li.dataset.repo = m.repo;
      return li;
    }));
    ui.storedEmpty.hidden = list.length > 0;
  }

  ui.suggestions.replaceChildren(...SUGGESTED_MODELS.map((s) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn small';
    b.textContent = `${s.repo} · ${mb(s.bytes)}`;
    b.title = `${s.family}: ${mb(s.bytes)} to download`;
    b.addEventListener('click', () => { ui.repo.value = s.repo; open({ repo: s.repo, revision: 'main' }); });
    const li = document.createElement('li');
    li.append(b);
    return li;
  }));
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    const ref = parseHubRef(ui.repo.value);
    if (!ref) return showError(`"${ui.repo.value}" is not a Hub repo id: give owner/name, or owner/name@revision.`);
    open(ref);
  });
  ui.cancel.addEventListener('click', () => { if (cancelCurrent) cancelCurrent(); });
  ui.confirm.addEventListener('click', () => {
    ui.confirm.hidden = true;
    if (confirmCurrent) confirmCurrent();
  });
  refreshStored();

  return {
    open, setHub, refreshStored,
    get hub() { return hub; },
    showError,
  };
}
