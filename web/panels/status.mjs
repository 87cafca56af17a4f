// web/panels/status.mjs — the page's state and messages: #app's data-state
// (loading|ready|running|rendered|error), the status line, the error box (and
// its bubbling `headscope:error` event), the notice above the views (long or
// non-finite runs), the empty-text message, and the latest-only performance marks.

export function statusPanel({ $, root }) {
  const ui = { status: $('status'), error: $('error'), notice: $('notice'), empty: $('empty') };
  const setState = (s) => { root.dataset.state = s; };
  const setStatus = (text) => { ui.status.textContent = text; };
  function clearError() {
    ui.error.hidden = true;
    ui.error.textContent = '';
  }
  function showError(message) {
    ui.error.textContent = message;
    ui.error.hidden = false;
    setState('error');
    root.dispatchEvent(new CustomEvent('headscope:error', { bubbles: true, detail: { message } }));
  }
  // A drawn run (r.T > 0), or the empty text.
  function showRun(r, model) {
    clearError();
    ui.empty.hidden = !!r.T;
    if (!r.T) {
      ui.notice.hidden = true;
      setStatus('Empty text: nothing to look at yet.');
      return;
    }
    if (r.truncated) {
      ui.notice.textContent = `Long text: only the first ${r.T} of ${r.n_tokens_in_text} tokens fit in this model's context (${model.info.n_positions}); the rest is not shown.`;
      ui.notice.hidden = false;
    } else if (r.nonfinite) {
      ui.notice.textContent = 'This model produced non-finite numbers (NaN or ∞) for this text: the views below may be misleading.';
      ui.notice.hidden = false;
    } else {
      ui.notice.hidden = true;
    }
    setStatus(`computed in ${r.runMs.toFixed(1)} ms (${buildWords(r)})`);
  }
  return { setState, setStatus, clearError, showError, showRun };
}

// Performance marks keep only the latest of each name, so a long session does
// not accumulate entries.
export function markLatest(name) {
  performance.clearMarks(name);
  performance.mark(name);
}

// The module's build in the status line: SIMD128, relaxed SIMD, or relaxed SIMD on N threads.
function buildWords(r) {
  if (r.simd === 'threads') return `relaxed SIMD, ${r.threads} thread${r.threads === 1 ? '' : 's'}`;
  return r.simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128';
}
