// bench/checkpoint-dtypes.mjs — the dtypes a checkpoint folder's model.safetensors holds, read
// from its header (an 8-byte little-endian length, then JSON): the benchmarks pick the 16-bit
// weight mode from it ("stored" for an F16/BF16 file, "compact16" for an F32 one).
import fs from 'node:fs';
import path from 'node:path';

export function checkpointDtypes(dir) {
  const fd = fs.openSync(path.join(dir, 'model.safetensors'), 'r');
  try {
    const len = Buffer.alloc(8);
    fs.readSync(fd, len, 0, 8, 0);
    const header = Buffer.alloc(Number(len.readBigUInt64LE(0)));
    fs.readSync(fd, header, 0, header.length, 8);
    const entries = Object.entries(JSON.parse(header.toString('utf8'))).filter(([k]) => k !== '__metadata__');
    return new Set(entries.map(([, v]) => v.dtype));
  } finally {
    fs.closeSync(fd);
  }
}

// The 16-bit weight mode for a checkpoint of these dtypes.
export const sixteenBitMode = (dtypes) => (dtypes.has('F32') ? 'compact16' : 'stored');
