// web/hub/hub-load.mjs — a Hub model's files, ready for the module (worker
// side): the stored copy when there is a complete one (no network: the second
// open works offline), else the plan (web/hub/hub-api.mjs), a check that the
// store has room, every file streamed into a fresh store folder and verified
// (web/hub/download.mjs), and the manifest written last. Any failure or a
// cancel discards the folder, so nothing half-written is ever loaded.
import { planHubModel } from './hub-api.mjs';
import { downloadFile } from './download.mjs';
import { hubUrls } from './hub-ref.mjs';
import { storedManifest, beginStore, checkRoom, openStored, storeFullError } from './store.mjs';

// ctx: {hub, repo, revision, signal, cspBlocked, confirm?}; onProgress({phase, done, total, ...}).
// confirm(plan), when given, is awaited between the plan and the first byte of a
// download (the page asks the reader before a big one; it throws to stop).
// -> {store (open read handles: close() after loading), manifest, fromStore, downloadMs}
export async function hubModelFiles(ctx, onProgress) {
  const ref = { hub: ctx.hub, repo: ctx.repo, revision: ctx.revision };
  let manifest = await storedManifest(ref);
  const fromStore = !!manifest;
  const t0 = performance.now();
  if (!manifest) manifest = await downloadModel(ctx, ref, onProgress);
  return { store: await openStored(ref, manifest), manifest, fromStore, downloadMs: performance.now() - t0 };
}

async function downloadModel(ctx, ref, onProgress) {
  const plan = await planHubModel(ctx);
  onProgress({ phase: 'plan', done: 0, total: plan.downloadBytes, files: plan.files.length, params: plan.params,
    dtypes: plan.dtypes, f32Bytes: plan.f32Bytes, modelType: plan.modelType });
  if (ctx.confirm) await ctx.confirm(plan);
  await checkRoom(plan.downloadBytes);
  const urls = hubUrls(ctx.hub, ctx.repo);
  const writer = await beginStore(ref);
  const t0 = performance.now();
  let before = 0; // bytes of the files finished so far
  let lastPost = 0;
  try {
    for (const file of plan.files) {
      const handle = await writer.open(file.path);
      if (file.path === 'config.json') { // read by the plan already (and checked against its listed size)
        if (handle.write(plan.configBytes, { at: 0 }) !== plan.configBytes.length) throw storeFullError('writing config.json');
        before += file.size;
        continue;
      }
      await downloadFile({
        url: urls.file(plan.commit, file.path), file, handle, ctx,
        onWritten: (n) => {
          const now = performance.now();
          if (now - lastPost < 100 && n < file.size) return;
          lastPost = now;
          const done = before + n;
          onProgress({ phase: 'download', done, total: plan.downloadBytes, file: file.path,
            bytesPerSecond: done / Math.max(1e-3, (now - t0) / 1000) });
        },
      });
      before += file.size;
    }
    const manifest = {
      hub: ref.hub, repo: ref.repo, revision: ref.revision, commit: plan.commit,
      files: plan.files.map(({ path, size, sha256 }) => ({ path, size, sha256 })),
      tokenizer: plan.tokenizer, weights: plan.weights, index: plan.index,
      bytes: plan.downloadBytes, storedAt: new Date().toISOString(),
    };
    await writer.commit(manifest);
    return manifest;
  } catch (e) {
    await writer.discard();
    throw e;
  }
}
