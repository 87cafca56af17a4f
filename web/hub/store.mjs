// web/hub/store.mjs — Hub models kept in the browser, in the origin-private
// file system (OPFS): one folder per Hub + repo + revision holding the files as
// the Hub publishes them, and manifest.json, written last, only after every
// file has been checked against the Hub's size and sha256. A folder without a
// manifest is an unfinished download and is never loaded (it is cleared before
// the next download). Worker only: files are written and read through
// synchronous access handles, so weights stream to disk as they arrive and into
// the module's memory slice by slice, never whole in JavaScript.
import { HubError, mb } from './hub-api.mjs';

const ROOT = 'headscope-hub';
const MANIFEST = 'manifest.json';
const name = (s) => encodeURIComponent(s); // one folder level per part; '/' in a path is escaped

async function root() {
  return (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
}

async function modelDir({ hub, repo, revision }, create) {
  let d = await root();
  for (const part of [hub, repo, revision]) d = await d.getDirectoryHandle(name(part), { create });
  return d;
}

async function readText(dir, file) {
  const f = await (await dir.getFileHandle(file)).getFile();
  return f.text();
}

// The stored copy's manifest if it is complete (every file there at its size), else null.
export async function storedManifest(ref) {
  let dir;
  try {
    dir = await modelDir(ref, false);
    const manifest = JSON.parse(await readText(dir, MANIFEST));
    for (const f of manifest.files) {
      const file = await (await dir.getFileHandle(name(f.path))).getFile();
      if (file.size !== f.size) return null;
    }
    return manifest;
  } catch {
    return null;
  }
}

// Every complete stored model: [{hub, repo, revision, commit, bytes, storedAt}].
export async function listStored() {
  const out = [];
  const r = await root();
  for await (const [, hubDir] of r.entries()) {
    if (hubDir.kind !== 'directory') continue;
    for await (const [, repoDir] of hubDir.entries()) {
      if (repoDir.kind !== 'directory') continue;
      for await (const [, revDir] of repoDir.entries()) {
        if (revDir.kind !== 'directory') continue;
        try {
          const m = JSON.parse(await readText(revDir, MANIFEST));
          out.push({ hub: m.hub, repo: m.repo, revision: m.revision, commit: m.commit, bytes: m.bytes, storedAt: m.storedAt });
        } catch { /* an unfinished download: not listed */ }
      }
    }
  }
  return out.sort((a, b) => (a.repo + a.revision).localeCompare(b.repo + b.revision));
}

export async function deleteStored(ref) {
  const d = await (await (await root()).getDirectoryHandle(name(ref.hub), { create: true }))
    .getDirectoryHandle(name(ref.repo), { create: true });
  await d.removeEntry(name(ref.revision), { recursive: true }).catch((e) => {
    if (e.name !== 'NotFoundError') throw e;
  });
}

export const storeFullError = (detail) => new HubError(`The browser's storage for this page is full (${detail}): ` +
  'delete models under "Stored models", or free disk space, then try again. Nothing was stored.', 'store');

// Room for `bytes` more, as far as the browser says (estimate() is approximate).
export async function checkRoom(bytes) {
  if (!navigator.storage || !navigator.storage.estimate) return;
  const { usage = 0, quota = Infinity } = await navigator.storage.estimate();
  if (quota - usage < bytes) throw storeFullError(`${mb(bytes)} needed, ${mb(Math.max(0, quota - usage))} free`);
}

// A new download of ref: a fresh folder (whatever an earlier, unfinished one left is cleared).
//   const w = await beginStore(ref); const h = await w.open(path); ...; await w.commit(manifest) | w.discard()
export async function beginStore(ref) {
  await deleteStored(ref);
  const dir = await modelDir(ref, true);
  const handles = [];
  const closeAll = () => { for (const h of handles.splice(0)) { try { h.close(); } catch { /* closed */ } } };
  return {
    async open(path) {
      const fh = await dir.getFileHandle(name(path), { create: true });
      const h = await fh.createSyncAccessHandle();
      h.truncate(0);
      handles.push(h);
      return h;
    },
    async commit(manifest) {
      closeAll();
      const fh = await dir.getFileHandle(MANIFEST, { create: true });
      const h = await fh.createSyncAccessHandle();
      try {
        const bytes = new TextEncoder().encode(JSON.stringify(manifest));
        h.truncate(0);
        if (h.write(bytes, { at: 0 }) !== bytes.length) throw storeFullError('the manifest could not be written');
        h.flush();
      } catch (e) {
        h.close();
        await deleteStored(ref);
        throw e.name === 'QuotaExceededError' ? storeFullError('the manifest could not be written') : e;
      }
      h.close();
    },
    async discard() {
      closeAll();
      await deleteStored(ref).catch(() => {});
    },
  };
}

// Synchronous read handles on a complete stored copy: {read(path, offset, dst), text(path), size(path), close()}.
export async function openStored(ref, manifest) {
  const dir = await modelDir(ref, false);
  const handles = new Map();
  try {
    for (const f of manifest.files) {
      handles.set(f.path, await (await dir.getFileHandle(name(f.path))).createSyncAccessHandle());
    }
  } catch (e) {
    for (const h of handles.values()) h.close();
    throw new HubError(`The stored copy of ${ref.repo} could not be opened (${e.message}); it may be open in ` +
      'another tab of this site. Close it there, or delete the stored copy and download it again.', 'store');
  }
  const get = (path) => handles.get(path);
  return {
    size: (path) => get(path).getSize(),
    read(path, offset, dst) {
      const n = get(path).read(dst, { at: offset });
      if (n !== dst.length) throw new Error(`${path}: short read (${n} of ${dst.length} bytes at ${offset})`);
    },
    bytes(path) {
      const out = new Uint8Array(get(path).getSize());
      this.read(path, 0, out);
      return out;
    },
    close() { for (const h of handles.values()) h.close(); handles.clear(); },
  };
}
