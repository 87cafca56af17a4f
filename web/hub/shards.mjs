// web/hub/shards.mjs — the weights of a stored Hub model as ONE safetensors
// reader for the module ({size, read(offset, n, dst)}). A single
// model.safetensors is read as it is. Shards (model-0000k-of-0000n.safetensors,
// named by model.safetensors.index.json) are presented as one file: a header
// listing every shard's tensors with their data offsets moved past the shards
// before, followed by the shards' data regions back to back, so the module's
// one-file loader reads them tensor by tensor straight from the store.
// store: {size(path), read(path, offset, dst)} (web/hub/store.mjs openStored).

function shardHeader(store, path) {
  const lenBytes = new Uint8Array(8);
  store.read(path, 0, lenBytes);
  const len = Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
  const text = new Uint8Array(len);
  store.read(path, 8, text);
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(text));
  } catch (e) {
    throw new Error(`${path}: the safetensors header is not JSON (${e.message})`);
  }
  return { header, dataStart: 8 + len, dataBytes: store.size(path) - 8 - len };
}

export function weightsReader(store, paths) {
  if (paths.length === 1) {
    const [p] = paths;
    return { size: store.size(p), read: (offset, n, dst) => store.read(p, offset, dst.subarray(0, n)) };
  }
  // The joined header, then each shard's data region in order.
  const merged = {};
  const regions = []; // {path, at (offset in the joined data), start (in the shard file), bytes}
  let at = 0;
  for (const p of paths) {
    const { header, dataStart, dataBytes } = shardHeader(store, p);
    for (const [name, t] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      if (merged[name]) throw new Error(`${p}: tensor ${name} is also in ${merged[name].shard}`);
      const [b, e] = t.data_offsets;
      merged[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [b + at, e + at], shard: p };
    }
    regions.push({ path: p, at, start: dataStart, bytes: dataBytes });
    at += dataBytes;
  }
  for (const t of Object.values(merged)) delete t.shard;
  let text = JSON.stringify(merged);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(text);
  const head = new Uint8Array(8 + headerBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  head.set(headerBytes, 8);
  const size = head.length + at;
  return {
    size,
    read(offset, n, dst) {
      let o = 0; // bytes of dst filled
      while (o < n) {
        const pos = offset + o;
        if (pos < head.length) {
          const m = Math.min(n - o, head.length - pos);
          dst.set(head.subarray(pos, pos + m), o);
          o += m;
          continue;
        }
        const d = pos - head.length;
        const r = regions.find((x) => d >= x.at && d < x.at + x.bytes);
        if (!r) throw new Error(`read past the end of the shards (byte ${pos} of ${size})`);
        const m = Math.min(n - o, r.at + r.bytes - d);
        store.read(r.path, r.start + (d - r.at), dst.subarray(o, o + m));
        o += m;
      }
    },
  };
}
