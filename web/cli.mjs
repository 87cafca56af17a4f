#!/usr/bin/env -S node --experimental-wasm-relaxed-simd
// web/cli.mjs — the wasm build's command line: the same commands, arguments and
// JSON as the native `headscope` CLI, computed by the browser's module
// (web/dist/headscope.wasm) under Node, so the page's numbers can be checked
// from a shell.
//   node web/cli.mjs tokenize|run|score|roles|lens --model DIR (--text TEXT | --text-file PATH) [knobs]
//   (lens also takes --top K, tokens per layer and position, 5 if not given)
//     [--weights stored|f32|compact16]   (how matrices and tables are kept, as the native CLI)
//   node web/cli.mjs generate --model DIR (--text TEXT | --text-file PATH) [--max-new N] [--sample-temperature X]
//                    [--top-k K] [--top-p P] [--seed S] [knobs]
// The knob flags and the run options they give are web/knobs.mjs's grammar (the sampling knobs too).
// Which build of the module: HEADSCOPE_SIMD=auto|plain|relaxed|threads (default auto:
// the relaxed-SIMD one where Node accepts it, i.e. when started with
// --experimental-wasm-relaxed-simd as ./web/cli.mjs and scripts/node-wasm.sh do;
// plain otherwise; threads: the threaded build, HEADSCOPE_THREADS threads, default the CPUs).
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HeadscopeRuntime, pickSimdBuild } from './headscope-api.mjs';
import { defaultKnobs, knobFlag, knobOptions, KNOB_FLAGS_USAGE } from './knobs.mjs';
import { defaultSampling, samplingFlag, samplingOptions, SAMPLING_FLAGS_USAGE } from './knobs.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message, code = 2) {
  process.stderr.write(`headscope: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const usage = `usage: node web/cli.mjs tokenize|run|score|roles|lens|generate --model DIR (--text TEXT | --text-file PATH) [--weights stored|f32|compact16] [--top K] ${KNOB_FLAGS_USAGE}\n       generate: ${SAMPLING_FLAGS_USAGE}`;
  const a = { knobs: defaultKnobs(), sampling: defaultSampling(), top: 5 };
  if (argv.length < 1) fail(`missing command (tokenize, run, score, roles, lens or generate)\n${usage}`);
  a.command = argv[0];
  if (!['tokenize', 'run', 'score', 'roles', 'lens', 'generate'].includes(a.command)) fail(`unknown command "${a.command}" (tokenize, run, score, roles, lens or generate)`);
  for (let i = 1; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--model') a.model = value();
    else if (flag === '--weights') {
      a.weights = value();
      if (!['stored', 'f32', 'compact16'].includes(a.weights)) fail(`--weights ${a.weights}: expected stored, f32 or compact16`);
    }
    else if (flag === '--text') a.text = Buffer.from(value(), 'utf8');
    else if (flag === '--text-file') {
      const p = value();
      try { a.text = fs.readFileSync(p); } catch (e) { fail(`${p}: cannot open (${e.code || e.message})`); }
    } else if (flag === '--top' && a.command === 'lens') {
      const v = value();
      if (!/^\d+$/.test(v) || Number(v) < 1) fail(`--top must be a positive integer (tokens per layer and position), not "${v}"`);
      a.top = Number(v);
    } else {
      const sampling = a.command === 'generate' ? samplingFlag(flag) : null;
      const knob = sampling || knobFlag(flag);
      if (!knob) fail(`unknown option "${flag}"\n${usage}`);
      try { knob.apply(sampling ? a.sampling : a.knobs, knob.takesValue ? value() : undefined); } catch (e) { fail(e.message); }
    }
  }
  if (!a.model) fail('--model DIR is required');
  if (!a.text) fail('--text TEXT or --text-file PATH is required');
  a.options = knobOptions(a.knobs);
  return a;
}

function readIfExists(p) {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    if (e.code === 'ENOENT') return undefined;
    fail(`${p}: cannot open (${e.code || e.message})`);
  }
}

// Emscripten 3.1.6's ES-module glue looks for CommonJS globals under Node.
export async function loadRuntime(simd = process.env.HEADSCOPE_SIMD || 'auto') {
  globalThis.require ??= createRequire(import.meta.url);
  globalThis.__dirname ??= path.join(here, 'dist');
  const dist = path.join(here, 'dist');
  let build;
  // Node always has shared memory: simd=threads (HEADSCOPE_SIMD=threads) runs the threaded
  // build with HEADSCOPE_THREADS threads (default: the CPUs); auto stays single-threaded
  try { build = pickSimdBuild(simd, { isolated: true }); } catch (e) { fail(`HEADSCOPE_SIMD: ${e.message}`); }
  if (simd === 'auto' && build.simd === 'threads') build = pickSimdBuild('relaxed');
  const threads = Number(process.env.HEADSCOPE_THREADS) || os.availableParallelism();
  const wasmPath = path.join(dist, `${build.name}.wasm`);
  if (!fs.existsSync(wasmPath)) fail(`${wasmPath} is missing: build it with ./build-wasm.sh`, 1);
  const { default: createHeadscopeModule } = await import(pathToFileURL(path.join(dist, `${build.name}.mjs`)).href);
  const module = await createHeadscopeModule({ wasmBinary: fs.readFileSync(wasmPath), hsThreads: threads });
  return new HeadscopeRuntime(module, build.simd, threads);
}

export function loadModelFolder(rt, dir, { weights } = {}) {
  const files = {
    weights,
    config: readIfExists(path.join(dir, 'config.json')),
    tokenizerJson: readIfExists(path.join(dir, 'tokenizer.json')),
  };
  if (!files.tokenizerJson) {
    files.vocabJson = readIfExists(path.join(dir, 'vocab.json'));
    files.mergesTxt = readIfExists(path.join(dir, 'merges.txt'));
    if (!files.vocabJson && !files.mergesTxt) fail(`${dir}: no tokenizer.json, nor vocab.json + merges.txt`);
  }
  if (!files.config) fail(`${path.join(dir, 'config.json')}: cannot open (ENOENT)`);
  const stPath = path.join(dir, 'model.safetensors');
  let fd;
  try { fd = fs.openSync(stPath, 'r'); } catch (e) { fail(`${stPath}: cannot open (${e.code || e.message})`); }
  const size = fs.fstatSync(fd).size;
  files.safetensors = {
    size,
    read(offset, n, dst) {
      let done = 0;
      while (done < n) {
        const got = fs.readSync(fd, dst, done, Math.min(n - done, 1 << 30), offset + done);
        if (got <= 0) throw new Error('short read');
        done += got;
      }
    },
  };
  try {
    return rt.loadModel(files);
  } finally {
    fs.closeSync(fd);
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const rt = await loadRuntime();
  let out;
  try {
    const model = loadModelFolder(rt, a.model, { weights: a.weights });
    if (a.command === 'tokenize') out = model.tokenizeJson(a.text, a.options);
    else if (a.command === 'run') out = model.runJson(a.text, a.options);
    else if (a.command === 'roles') out = model.rolesJson(a.text, a.options);
    else if (a.command === 'generate') out = model.generateJson(a.text, a.options, samplingOptions(a.sampling));
    else if (a.command === 'lens') out = model.lensJson(a.text, a.options, a.top);
    else out = model.scoreJson(a.text, a.options);
  } catch (e) {
    fail(e.message);
  }
  process.stdout.write(out + '\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
