// tests/tokenizer/tok_ids_driver.mjs — runs the tok_ids driver (native, or wasm
// through a runner such as scripts/node-wasm.sh) on lines of text for the
// reference comparisons: one JSON string per input line, one JSON value per
// output line. Exits the process with a message naming `label` on failure.
import { spawnSync } from 'node:child_process';

export function runDriver({ driver, runner, label }, driverArgs, lines) {
  const input = lines.map((t) => JSON.stringify(t)).join('\n') + '\n';
  const cmd = runner ? runner : driver;
  const cmdArgs = runner ? [driver, ...driverArgs] : driverArgs;
  const r = spawnSync(cmd, cmdArgs, { input, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(`${label}: driver ${driverArgs.join(' ')} failed (${r.error ? r.error.message : 'exit ' + r.status}): ${r.stderr}`);
    process.exit(1);
  }
  const out = r.stdout.split('\n');
  if (out.length && out[out.length - 1] === '') out.pop();
  if (out.length !== lines.length) {
    console.error(`${label}: driver printed ${out.length} lines for ${lines.length} inputs`);
    process.exit(1);
  }
  return out.map((l) => JSON.parse(l));
}
