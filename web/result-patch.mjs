// web/result-patch.mjs — sending a reused run's result as a patch of the previous one.
// A run that reuses the unchanged prefix of its channel's previous run (the module's
// prefix reuse: rows [0, p) of every head's attention are copied from that run) has
// only rows [p, T) of each [T, T] head matrix that are new. The worker
// (`patchFields`) then sends only those rows, `attentionRows` [L, H, T - p, T]
// (and `valueWeightedRows` likewise), with `patch: {base, reused}`; the page's client
// (`ChannelArrays`) keeps each channel's last full arrays and rebuilds the whole
// [L, H, T, T] arrays from the base's rows [0, p) (their first p columns, as the
// module copies them) and the new rows, so everything after the client sees the same
// result as a full message. The rebuilt arrays alternate between the two halves of one
// buffer per channel (`PingPong`): a patched result's array is overwritten by the
// channel's result after the next one. A run that reused nothing, a base the client may not
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

// One channel's array of one name, built in place: two halves of one buffer, each
// result's array a view of one half, the next one built in the other with copyWithin
// (no per-row views to allocate). A result's array thus stays as it is until the
// channel's result after the next one reuses its half: the page reads only the result
// on screen (and its predecessor until the new one is accepted). Above `MAX_PINGPONG`
// values per half, each patch gets a new array instead (joinHeadRows).
const MAX_PINGPONG = 32 * 1048576;
class PingPong {
  constructor(cap) {
    this.cap = cap;
    this.buf = new Float32Array(2 * cap);
  }

  // Is `a` a view of one of the halves? Its half (0 or 1), else -1.
  halfOf(a) {
    if (a.buffer !== this.buf.buffer) return -1;
    return a.byteOffset === 0 ? 0 : a.byteOffset === this.cap * 4 ? 1 : -1;
  }

  // The [heads, T, T] array joined from `base` [heads, T0, T0] (a view of a half) and the new rows.
  join(base, T0, rows, heads, T, p) {
    const from = this.halfOf(base) * this.cap;
    const to = (1 - this.halfOf(base)) * this.cap;
    const b = this.buf;
    const n = (T - p) * T;
    for (let lh = 0; lh < heads; lh++) {
      for (let i = 0; i < p; i++) {
        const dst = to + (lh * T + i) * T;
        b.copyWithin(dst, from + (lh * T0 + i) * T0, from + (lh * T0 + i) * T0 + p);
        b.fill(0, dst + p, dst + T);
      }
      b.set(rows.subarray(lh * n, (lh + 1) * n), to + (lh * T + p) * T);
    }
    return b.subarray(to, to + heads * T * T);
  }
}

// The page side: each channel's last full arrays, and patched results made whole.
export class ChannelArrays {
  constructor() {
    this.last = new Map(); // channel -> {runId, modelKey, T, attention, valueWeighted}
    this.buffers = new Map(); // `${channel}|${name}` -> PingPong
    this.patched = 0; // results rebuilt from a patch (tests, benchmarks)
  }

  // The whole array `name` of a patched result of `channel`.
  joined(channel, name, base, T0, rows, heads, T, p) {
    const need = heads * T * T;
    if (need > MAX_PINGPONG) return joinHeadRows(base, T0, rows, heads, T, p);
    const key = `${channel}|${name}`;
    let pp = this.buffers.get(key);
    if (!pp || pp.halfOf(base) < 0 || pp.cap < need) {
      // the base came whole (or outgrew the buffer): it goes into half 0 of a buffer with room to grow
      if (base.length !== heads * T0 * T0) throw new Error(`result patch: the base has ${base.length} values, not ${heads} x ${T0} x ${T0}`);
      const grown = Math.min(MAX_PINGPONG, heads * (Math.max(T, T0) + 32) ** 2);
      pp = new PingPong(Math.max(grown, need, base.length));
      pp.buf.set(base, 0);
      this.buffers.set(key, pp);
      base = pp.buf.subarray(0, base.length);
    }
    if (rows.length !== heads * (T - p) * T) throw new Error(`result patch: ${rows.length} new values, not ${heads} x ${T - p} x ${T}`);
    return pp.join(base, T0, rows, heads, T, p);
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
        msg[name] = this.joined(msg.channel, name, base[name], base.T, msg[rowsName], heads, msg.T, p);
        delete msg[rowsName];
      }
      this.patched++;
    } else {
      for (const [name] of HEAD_ARRAYS) this.buffers.delete(`${msg.channel}|${name}`); // whole arrays: the next patch starts from them
    }
    this.last.set(msg.channel, { runId: msg.id, modelKey: msg.modelKey, T: msg.T, attention: msg.attention, valueWeighted: msg.valueWeighted });
    return msg;
  }
}
