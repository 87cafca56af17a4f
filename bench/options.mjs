// bench/options.mjs — the benchmarks' command-line options: `--name value` pairs.
// benchOptions(usage) gives opt(name, fallback) over process.argv, and
// required(name), which prints the usage and exits 2 when the option is missing, and
// flag(name): whether a value-less switch is there.
export function benchOptions(usage) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const required = (name) => {
    const v = opt(name);
    if (v === undefined) {
      console.error(`usage: ${usage}`);
      process.exit(2);
    }
    return v;
  };
  const flag = (name) => args.includes(name);
  return { opt, required, flag, args };
}
