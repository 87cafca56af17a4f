#!/usr/bin/env node
// bench/peers/node-task.mjs — run one peers-bench task (bench/peers/bench.mjs) in
// Node and write its result as JSON to OUT.json. run.mjs starts one process per
// task, so every engine and model gets a fresh heap.
//   node --no-experimental-fetch bench/peers/node-task.mjs '{"kind":"ours-gemm",...}' OUT.json
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runTask } from './bench.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const abs = (p) => path.resolve(root, p);

const io = {
  async readBytes(p) {
    const b = fs.readFileSync(abs(p));
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  },
  async exists(p) { return fs.existsSync(abs(p)); },
  async loadOurs() {
    // the product's module as run.mjs built it (build/peers/ours), loaded as web/cli.mjs does
    globalThis.require ??= require;
    globalThis.__dirname ??= abs('build/peers/ours');
    const { HeadscopeRuntime } = await import(pathToFileURL(abs('web/headscope-api.mjs')).href);
    const { default: create } = await import(pathToFileURL(abs('build/peers/ours/headscope.mjs')).href);
    return new HeadscopeRuntime(await create({ wasmBinary: fs.readFileSync(abs('build/peers/ours/headscope.wasm')) }));
  },
  async loadOursThreads(n) {
    // the threaded module the page runs when cross-origin isolated, n threads (web/cli.mjs's loader)
    process.env.HEADSCOPE_THREADS = String(n);
    const { loadRuntime } = await import(pathToFileURL(abs('web/cli.mjs')).href);
    return loadRuntime('threads');
  },
  async loadGemm() {
    globalThis.require ??= require;
    globalThis.__dirname ??= abs('build/peers');
    const { default: create } = await import(pathToFileURL(abs('build/peers/gemm.mjs')).href);
    return create({ wasmBinary: fs.readFileSync(abs('build/peers/gemm.wasm')) });
  },
  async loadOrt() {
    const ort = await import('onnxruntime-web');
    return ort.default ?? ort;
  },
  async loadTf() {
    const tf = require('@tensorflow/tfjs-core');
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount?.(1);
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  },
};

const task = JSON.parse(process.argv[2]);
const out = await runTask(io, task);
const plain = (v) => (ArrayBuffer.isView(v) ? Array.from(v) : v);
const json = JSON.stringify(out, (k, v) => plain(v));
fs.writeFileSync(process.argv[3], json);
process.exit(0);
