// tests/web/cdn.test.mjs — the npm package (package/make-package.mjs) used from a
// CDN: `npm pack` makes the tarball, it is unpacked where a CDN would serve it
// (http://127.0.0.1:PORT2/npm/headscope@VERSION/, Access-Control-Allow-Origin: *),
// and a course page on ANOTHER origin (http://127.0.0.1:PORT1/, a folder with
// nothing of Headscope in it) loads the element with one <script> tag under the
// strict CSP the package README gives (a <meta> policy, as static course hosts
// set it). Checked: the tarball's files and package.json; the TypeScript
// declarations name exactly the element's attributes and event detail; two
// elements render through the blob-bootstrapped worker with the native CLI's
// attention (1e-4), one worker for both, no CSP violation, no page error; a page
// whose CSP lacks worker-src blob: gets an error naming what it needs; with a
// TypeScript compiler installed, the declarations type-check a page's code. Engines: the ones
// tests/web/engines.mjs runs (HEADSCOPE_ENGINES). Screenshot:
// tests/artifacts/<engine>-cdn.png.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, NATIVE_CLI, defaultModel, startServer } from './helpers.mjs';
import { enginesToRun, launchEngine, artifact } from './engines.mjs';
import { makePackage, REQUIRED } from '../../package/make-package.mjs';

const TEXT_A = 'The cat sat on the mat. The cat sat on the mat.';
const TEXT_B = 'Alice met Bob at the station, and later Alice thanked Bob.';
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

// The course page's policy: what package/README.md says a page needs, with the CDN's origin.
const coursePolicy = (cdn, { blobWorkers = true } = {}) => `default-src 'self'; script-src 'self' ${cdn} 'wasm-unsafe-eval'; ` +
  `style-src 'self' ${cdn}; connect-src 'self' ${cdn}; img-src 'self' ${cdn} data:` + (blobWorkers ? `; worker-src blob: ${cdn}` : `; worker-src ${cdn}`);

// Loaded before the element: CSP violations and each element's detail at its first
// headscope:rendered, kept in the page (a file: the policy runs no inline script).
const RECORDER = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
window.firstDetail = {};
document.addEventListener('headscope:rendered', (e) => {
  if (!window.firstDetail[e.target.id]) window.firstDetail[e.target.id] = e.detail;
}, true);
`;

const lesson = (cdn, element, policy) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>Week 3: attention</title>
<link rel="icon" href="${cdn}/npm/headscope@${VERSION}/favicon.svg">
<script src="record.js"></script>
<script type="module" src="${element}"></script></head><body>
<main><h1>Week 3</h1>
<headscope-view id="a" text="${TEXT_A}" layer="1" head="2" view="head"></headscope-view>
<headscope-view id="b" text="${TEXT_B}" layer="0" head="1" view="matrix" theme="dark" editable></headscope-view>
</main></body></html>`;

// max |got - want| over two equally long arrays
function maxAbsDiff(got, want) {
  assert.equal(got.length, want.length, 'same number of values');
  return got.reduce((m, x, i) => Math.max(m, Math.abs(x - want[i])), 0);
}

function nativeAttention(model, text) {
  if (!fs.existsSync(NATIVE_CLI)) assert.fail(`the native CLI ${NATIVE_CLI} is missing: cmake --build --preset native`);
  return JSON.parse(execFileSync(NATIVE_CLI, ['run', '--model', model.dir, '--text', text], { maxBuffer: 1 << 28 })).attention.flat(3);
}

// The names a TypeScript interface's body declares (`name?:` or `'na-me'?:`).
function interfaceKeys(dts, name) {
  const body = dts.match(new RegExp(`interface ${name}[^{]*\\{([\\s\\S]*?)\\n\\}`));
  assert.ok(body, `${name} is declared`);
  return [...body[1].matchAll(/^\s*'?([a-zA-Z_-]+)'?\??:/gm)].map((m) => m[1]);
}

describe('the npm package from a CDN origin', { timeout: 900000 }, () => {
  let tmp;
  let pkg;
  let cdnServer;
  let courseServer;
  let element; // the element's URL on the CDN
  let cdn; // the CDN's origin
  const model = defaultModel();

  before(async () => {
    tmp = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'headscope-cdn-'));
    pkg = makePackage(path.join(tmp, 'packed'));
    // the CDN: the tarball unpacked at /npm/headscope@VERSION/ (npm tarballs hold a package/ folder)
    const at = path.join(tmp, 'cdn/npm', `headscope@${VERSION}`);
    fs.mkdirSync(at, { recursive: true });
    execFileSync('tar', ['-xzf', pkg.tarball, '-C', at, '--strip-components=1']);
    cdnServer = await startServer({ csp: false, cors: true, root: path.join(tmp, 'cdn') });
    cdn = new URL(cdnServer.url).origin;
    element = `${cdn}/npm/headscope@${VERSION}/headscope-element.js`;
    // the course site: its own pages only
    const site = path.join(tmp, 'course');
    fs.mkdirSync(site);
    fs.writeFileSync(path.join(site, 'record.js'), RECORDER);
    fs.writeFileSync(path.join(site, 'lesson.html'), lesson(cdn, element, coursePolicy(cdn)));
    fs.writeFileSync(path.join(site, 'no-blob-worker.html'), lesson(cdn, element, coursePolicy(cdn, { blobWorkers: false })));
    courseServer = await startServer({ csp: false, root: site });
  });

  after(async () => {
    if (courseServer) await courseServer.close();
    if (cdnServer) await cdnServer.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('npm pack: the element, its CSS, the worker, both wasm builds, the bundled model, the types; no tests', () => {
    const files = execFileSync('tar', ['-tzf', pkg.tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const f of REQUIRED) assert.ok(files.includes(f), `the tarball has ${f}`);
    for (const m of pkg.models) {
      for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) assert.ok(files.includes(`dist/models/${m}/${f}`), `the tarball has model ${m}'s ${f}`);
    }
    assert.deepEqual(files.filter((f) => f.endsWith('.test.mjs')), [], 'no test files');
    const wasm = fs.statSync(path.join(pkg.dir, 'dist/headscope.wasm')).size;
    assert.equal(wasm, fs.statSync(path.join(ROOT, 'web/dist/headscope.wasm')).size, 'the wasm module as built');
    const meta = JSON.parse(fs.readFileSync(path.join(pkg.dir, 'package.json'), 'utf8'));
    assert.equal(meta.name, 'headscope');
    assert.equal(meta.version, VERSION);
    assert.equal(meta.private, undefined, 'publishable');
    assert.equal(meta.types, './headscope-element.d.ts');
    assert.equal(meta.exports['.'].default, './headscope-element.js');
    assert.equal(path.basename(pkg.tarball), `headscope-${VERSION}.tgz`);
  });

  // TypeScript itself (the devDependency `typescript`, or HEADSCOPE_TSC=path/to/tsc): a page using
  // the element's types compiles under --strict; a wrong type does not.
  const tsc = process.env.HEADSCOPE_TSC || path.join(ROOT, 'node_modules/.bin/tsc');
  test('the declarations type-check a course page\'s code (tsc --strict)', { skip: !fs.existsSync(tsc) && `no TypeScript compiler at ${tsc}` }, () => {
    const proj = path.join(tmp, 'ts');
    fs.mkdirSync(path.join(proj, 'node_modules'), { recursive: true });
    fs.symlinkSync(pkg.dir, path.join(proj, 'node_modules/headscope'), 'dir');
    fs.writeFileSync(path.join(proj, 'good.ts'), `import 'headscope';
import type { HeadscopeViewAttributes, HeadscopeRenderedDetail } from 'headscope';
const view = document.querySelector('headscope-view')!;
view.addEventListener('headscope:rendered', (e) => {
  const d: HeadscopeRenderedDetail = e.detail;
  const n: number = d.layer + d.head + d.T + d.n_layer + d.n_head;
  const t: string[] = e.detail.tokens;
  console.log(n, t);
});
view.addEventListener('headscope:error', (e) => console.log(e.detail.message.length));
document.addEventListener('headscope:rendered', (e) => console.log(e.detail.tokens));
const a: HeadscopeViewAttributes = { text: 'x', view: 'head', 'temperature-head': '1.2' };
view.whenRendered().then((d) => d.tokens.join(''));
console.log(view.state, a, document.createElement('headscope-view').cancel());
`);
    fs.writeFileSync(path.join(proj, 'bad.ts'), `import 'headscope';
const view = document.querySelector('headscope-view')!;
view.addEventListener('headscope:rendered', (e) => { const x: string = e.detail.layer; console.log(x); });
`);
    const compile = (file) => {
      try {
        execFileSync(tsc, ['--strict', '--noEmit', '--lib', 'es2022,dom', '--module', 'nodenext', '--moduleResolution', 'nodenext',
          '--target', 'es2022', file], { cwd: proj, encoding: 'utf8', stdio: 'pipe' });
        return '';
      } catch (e) {
        return `${e.stdout}${e.stderr}`;
      }
    };
    assert.equal(compile('good.ts'), '');
    assert.match(compile('bad.ts'), /bad\.ts\(3,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
  });

  for (const name of enginesToRun()) {
    describe(name, { timeout: 600000 }, () => {
      let engine;
      before(async () => { engine = await launchEngine(name); });
      after(() => engine && engine.close());

      test(`${name}: a course page on another origin: two elements from the CDN render the native CLI's attention; one worker; the CSP holds; the types match`, async () => {
        assert.notEqual(new URL(courseServer.url).origin, cdn, 'two origins');
        assert.deepEqual(fs.readdirSync(path.join(tmp, 'course')).sort(), ['lesson.html', 'no-blob-worker.html', 'record.js'],
          'the course origin serves no Headscope file: everything comes from the CDN');
        const page = await engine.newPage({ width: 1100, height: 1400 });
        try {
          await page.goto(`${courseServer.url}lesson.html`);
          await page.waitFor(() => {
            const els = [...document.querySelectorAll('headscope-view')];
            return els.length === 2 && els.every((e) => e.dataset.state === 'rendered');
          }, null, { timeout: 90000 });
          const got = await page.evaluate(() => {
            const els = [...document.querySelectorAll('headscope-view')];
            const View = customElements.get('headscope-view');
            return {
              workers: View.workersCreated,
              attributes: View.observedAttributes,
              violations: window.cspViolations,
              first: window.firstDetail,
              origin: location.origin,
              script: [...document.scripts].map((s) => s.src).find((s) => s.includes('headscope-element')),
              els: els.map((el) => ({ id: el.id, text: el.lastResult.tokens.join(''), attention: Array.from(el.lastResult.attention),
                canvases: [...el.shadowRoot.querySelectorAll('section:not([hidden]) canvas')].map((c) => c.width) })),
            };
          });
          assert.equal(got.script, element);
          assert.notEqual(got.origin, cdn);
          assert.equal(got.workers, 1, 'one worker for both elements');
          assert.deepEqual(got.violations, [], 'no CSP violation');
          for (const [el, text] of [[got.els[0], TEXT_A], [got.els[1], TEXT_B]]) {
            assert.equal(el.text, text);
            const worst = maxAbsDiff(el.attention, nativeAttention(model, text));
            assert.ok(worst <= 1e-4, `${el.id}: max |element - native| = ${worst}`);
            assert.ok(Math.max(...el.canvases) > 200, `${el.id}: drawn at full width (${el.canvases})`);
          }
          // the declarations: exactly the element's attributes, and the event detail's keys
          const dts = fs.readFileSync(path.join(pkg.dir, 'headscope-element.d.ts'), 'utf8');
          assert.deepEqual(interfaceKeys(dts, 'HeadscopeViewAttributes').sort(), [...got.attributes].sort());
          assert.deepEqual(interfaceKeys(dts, 'HeadscopeRenderedDetail').sort(), Object.keys(got.first.a).sort());
          assert.match(dts, /interface HTMLElementTagNameMap \{\s*'headscope-view': HeadscopeView;/);
          // the reader types: the element re-runs through the same worker
          const typed = await page.evaluate(() => {
            const el = document.getElementById('b');
            const done = el.whenRendered();
            el.setAttribute('text', 'Dogs bark. Dogs bark.');
            return done.then((d) => d.tokens.join(''));
          });
          assert.equal(typed, 'Dogs bark. Dogs bark.');
          await page.screenshot(artifact(name, 'cdn.png'));
          assert.deepEqual(await page.errors(), []);
        } finally {
          await page.close();
        }
      });

      test(`${name}: a course page whose CSP lacks worker-src blob: gets an error naming the policy it needs`, async () => {
        const page = await engine.newPage({ width: 1100, height: 900 });
        try {
          await page.goto(`${courseServer.url}no-blob-worker.html`);
          const message = await page.waitFor(() => {
            const el = document.getElementById('a');
            return el && el.dataset.state === 'error' && el.shadowRoot.querySelector('.error').textContent;
          }, null, { timeout: 60000 });
          assert.ok(message.includes(`worker-src blob: ${cdn}`), message);
          assert.ok(message.includes(`script-src ${cdn} 'wasm-unsafe-eval'`), message);
        } finally {
          await page.close();
        }
      });
    });
  }
});
