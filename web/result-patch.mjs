// web/result-patch.mjs — sending a reused run's result as a patch of the previous one.
// A run that reuses the unchanged prefix of its channel's previous run (the module's
// prefix reuse: rows [0, p) of every head's attention are copied from that run) has
// only rows [p, T) of each [T, T] head matrix that are new. The worker
// (`patchFields`) then sends only those rows, `attentionRows` [L, H, T - p, T]
// (and `valueWeightedRows` likewise), with `patch: {base, reused}`; the page's client
// (`ChannelArrays`) keeps each channel's last full arrays and rebuilds the whole
// [L, H, T, T] arrays from the base's rows [0, p) (their first p columns, as the
// module copies them) and the new rows, so everything after the client sees the same
// result as a full message. A run that reused nothing, a base the client may not
// have (the worker's previous result to that channel was not sent whole or patched
// successfully), or another model sends the whole arrays as before.

// The per-head [T, T] arrays a result carries, with the field of their new rows.
export const HEAD_ARRAYS = [['attention', 'attentionRows'], ['valueWeighted', 'valueWeightedRows']];

// Rows [p, T) of every head's [T, T] matrix in `view` (an [heads, T, T] array, e.g. a
// view into the module's heap): a new Float32Array [heads, T - p, T].
export function headRowsFrom(view, heads, T, p) {
  const n = (T - p) * T;
  const out = new Float32Array(heads * n);
  for (let lh = 0; lh < heads; lh++) out.set(view.subarray((lh * T + p) * T, (lh + 1) * T * T), lh * n);
  return out;
}

// The whole [heads, T, T] array from the base's [heads, T0, T0] (rows and columns
// [0, p)) and the new rows [heads, T - p, T].
export function joinHeadRows(base, T0, rows, heads, T, p) {
  if (base.length !== heads * T0 * T0) throw new Error(`result patch: the base has ${base.length} values, not ${heads} x ${T0} x ${T0}`);
  if (rows.length !== heads * (T - p) * T) throw new Error(`result patch: ${rows.length} new values, not ${heads} x ${T - p} x ${T}`);
  const out = new Float32Array(heads * T * T);
  const n = (T - p) * T;
  for (let lh = 0; lh < heads; lh++) {
    const from = lh * T0 * T0;
    const to = lh * T * T;
    for (let i = 0; i < p; i++) out.set(base.subarray(from + i * T0, from + i * T0 + p), to + i * T);
    out.set(rows.subarray(lh * n, (lh + 1) * n), to + p * T);
  }
  return out;
}

// The page side: each channel's last full arrays, and patched results made whole.
export class ChannelArrays {
  constructor() {
    this.last = new Map(); // channel -> {runId, modelKey, T, attention, valueWeighted}
    this.patched = 0; // results rebuilt from a patch (tests, benchmarks)
  }

  // A 'result' message of `channel` as it arrives (in the worker's order): a patch is
  // made whole in place; the arrays are kept as the base of the channel's next patch.
  complete(msg) {
    if (msg.channel === undefined) return msg;
    const heads = msg.n_layer * msg.n_head;
    if (msg.patch) {
      const base = this.last.get(msg.channel);
      const { base: baseId, reused: p } = msg.patch;
      if (!base || base.runId !== baseId || base.modelKey !== msg.modelKey) {
        this.last.delete(msg.channel);
        throw new Error(`result patch: run ${msg.id} continues run ${baseId} of channel ${msg.channel}, which this page does not have`);
      }
      for (const [name, rowsName] of HEAD_ARRAYS) {
        if (!msg[rowsName]) continue;
        if (!base[name]) throw new Error(`result patch: run ${baseId} has no ${name} to continue`);
        msg[name] = joinHeadRows(base[name], base.T, msg[rowsName], heads, msg.T, p);
        delete msg[rowsName];
      }
      this.patched++;
    }
    this.last.set(msg.channel, { runId: msg.id, modelKey: msg.modelKey, T: msg.T, attention: msg.attention, valueWeighted: msg.valueWeighted });
    return msg;
  }
}
