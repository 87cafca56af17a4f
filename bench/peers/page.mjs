// bench/peers/page.mjs — browser side of the peers bench (see index.html).
import { runTask } from './bench.mjs';
import { HeadscopeRuntime } from '../../web/headscope-api.mjs';

const url = (p) => '/' + p.replace(/^\/+/, '');

const io = {
  async readBytes(p) {
    const r = await fetch(url(p));
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  },
  async exists(p) {
    const r = await fetch(url(p), { method: 'HEAD' });
    return r.ok;
  },
  async loadOurs() {
    const { default: create } = await import(url('build/peers/ours/headscope.mjs'));
    return new HeadscopeRuntime(await create());
  },
  async loadOursThreads(n) {
    // the threaded module the page runs when cross-origin isolated (run.mjs serves COOP/COEP then)
    if (!self.crossOriginIsolated) throw new Error('the threaded module needs a cross-origin isolated page');
    const { default: create } = await import(url('web/dist/headscope-threads.mjs'));
    return new HeadscopeRuntime(await create({ hsThreads: n }), 'threads', n);
  },
  async loadGemm() {
    const { default: create } = await import(url('build/peers/gemm.mjs'));
    return create();
  },
  async loadOrt() {
    const ort = await import(url('node_modules/onnxruntime-web/dist/ort.wasm.min.mjs'));
    ort.env.wasm.wasmPaths = url('node_modules/onnxruntime-web/dist/');
    return ort;
  },
  async loadTf() {
    const tf = globalThis.tf;
    tf.wasm.setWasmPaths(url('node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
    tf.wasm.setThreadsCount?.(1);
    await tf.setBackend('wasm');
    await tf.ready();
    return tf;
  },
};

const log = document.getElementById('log');
window.peersTask = async (task) => {
  log.textContent = `running ${JSON.stringify(task).slice(0, 200)}`;
  const out = await runTask(io, task);
  log.textContent = 'done';
  // plain arrays: the result crosses to the driver as JSON
  return JSON.parse(JSON.stringify(out, (k, v) => (ArrayBuffer.isView(v) ? Array.from(v) : v)));
};
window.peersReady = true;
