// package/make-package.mjs — the `headscope` npm package: writes its folder and
// packs it with `npm pack`.
//   node package/make-package.mjs [OUT]     (OUT defaults to build/package; ./build-wasm.sh package)
// The folder OUT/headscope/ is the built web/ (the element and its CSS, the
// worker, both wasm builds, the bundled models, the page behind "Open in
// Headscope", embed.html) at the package's root, plus the TypeScript
// declarations (package/headscope-element.d.ts), the package's README
// (package/README.md) and a package.json of its own; OUT/headscope-VERSION.tgz is
// what `npm publish` would upload. A folder of its own rather than a `files` list
// in the repo's package.json: that one is the private dev manifest (test
// devDependencies), the wasm builds are build products outside git, and with the
// files at the root a CDN URL is short: .../headscope@VERSION/headscope-element.js.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'web');
const HERE = path.join(ROOT, 'package');

// What the element needs at run time: a package without one of these is refused.
export const REQUIRED = ['headscope-element.js', 'headscope-element.css', 'style.css', 'client.mjs', 'worker.mjs',
  'worker-start.mjs', 'headscope-api.mjs', 'dist/headscope.mjs', 'dist/headscope.wasm', 'dist/headscope-relaxed.mjs',
  'dist/headscope-relaxed.wasm', 'dist/headscope-threads.mjs', 'dist/headscope-threads.wasm', 'dist/models/index.json', 'headscope-element.d.ts', 'package.json'];

function packageJson() {
  const repo = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return {
    name: 'headscope',
    version: repo.version,
    description: repo.description,
    license: repo.license,
    type: 'module',
    keywords: ['attention', 'transformer', 'interpretability', 'web-component', 'webassembly', 'teaching'],
    main: './headscope-element.js',
    types: './headscope-element.d.ts',
    exports: {
      '.': { types: './headscope-element.d.ts', default: './headscope-element.js' },
      './headscope-element.js': { types: './headscope-element.d.ts', default: './headscope-element.js' },
      './*': './*',
    },
    // the file a CDN serves for the bare package name
    unpkg: './headscope-element.js',
    jsdelivr: './headscope-element.js',
  };
}

// The bundled models listed in web/dist/models/index.json (names), each folder present.
function bundledModels() {
  const index = path.join(WEB, 'dist/models/index.json');
  if (!fs.existsSync(index)) throw new Error(`${index} is missing: build the site with ./build-wasm.sh`);
  const names = JSON.parse(fs.readFileSync(index, 'utf8')).map((b) => (typeof b === 'string' ? b : b.name));
  if (!names.length) throw new Error(`${index} lists no model: the package needs a bundled model`);
  for (const n of names) {
    if (!fs.existsSync(path.join(WEB, 'dist/models', n, 'model.safetensors'))) {
      throw new Error(`bundled model ${n}: ${path.join(WEB, 'dist/models', n, 'model.safetensors')} is missing`);
    }
  }
  return names;
}

// Writes OUT/headscope/ and OUT/headscope-VERSION.tgz: {dir, tarball, files, models}.
export function makePackage(out = path.join(ROOT, 'build/package')) {
  const models = bundledModels();
  const dir = path.join(path.resolve(out), 'headscope');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(WEB, dir, { recursive: true, dereference: true, filter: (src) => !src.endsWith('.test.mjs') });
  fs.copyFileSync(path.join(HERE, 'headscope-element.d.ts'), path.join(dir, 'headscope-element.d.ts'));
  fs.copyFileSync(path.join(HERE, 'README.md'), path.join(dir, 'README.md'));
  const pkg = packageJson();
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const f of REQUIRED) if (!fs.existsSync(path.join(dir, f))) throw new Error(`package: ${f} is missing from ${dir}`);
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', path.resolve(out)],
    { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const tarball = path.join(path.resolve(out), packed[0].filename);
  return { dir, tarball, files: packed[0].files.map((f) => f.path), size: packed[0].size, models };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { tarball, files, size, models } = makePackage(process.argv[2]);
    console.log(`package: ${tarball} (${(size / 1e6).toFixed(1)} MB packed, ${files.length} files; bundled models: ${models.join(' ')})`);
  } catch (e) {
    console.error(`package: ${e.message}`);
    process.exit(1);
  }
}
