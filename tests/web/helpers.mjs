// tests/web/helpers.mjs — shared by the browser tests and measure.mjs: a static
// server for web/ (scripts/serve.mjs on a free port, strict CSP on), headless
// Debian Chromium through playwright-core, the default bundled model, and a dev
// model fallback when no model is bundled yet; pages opened and drawn, and afterDraw(page):
// the wait for the drawn result of an action (HEADSCOPE_SLOW_FRAMES makes races show).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB = path.join(ROOT, 'web');
export const ARTIFACTS = path.join(ROOT, 'tests/artifacts');
export const NATIVE_CLI = path.join(ROOT, 'build/native/src/cli/headscope');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Serves web/ (or `root`) at the server's root; returns {url, close()}. cors: send
// Access-Control-Allow-Origin: * (a CDN serving the npm package); coi: send COOP/COEP
// (the page is then cross-origin isolated and runs the threaded module).
export async function startServer({ csp = true, root = WEB, cors = false, coi = false } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/serve.mjs'), root, String(port)], {
    env: { ...process.env, HEADSCOPE_CSP: csp ? '1' : '0', HEADSCOPE_CORS: cors ? '1' : '0', HEADSCOPE_COI: coi ? '1' : '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('static server did not start in 10 s')), 10000);
    child.stdout.on('data', (d) => { if (String(d).includes('serving')) { clearTimeout(timer); resolve(); } });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`static server exited (${code})`)); });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    }),
  };
}

export async function launch() {
  const { chromium } = await import('playwright-core');
  return withSlowFrames(await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  }));
}

// The race finder: with HEADSCOPE_SLOW_FRAMES=MS every page of this playwright browser runs its
// requestAnimationFrame callbacks MS ms late, so a test that reads drawn output before the views'
// next frame fails every time instead of once in a while. (Runs and worker messages are not
// slowed: only drawing.) `HEADSCOPE_SLOW_FRAMES=300 node --test tests/web/FILE` checks a file.
export function withSlowFrames(browser) {
  const ms = Number(process.env.HEADSCOPE_SLOW_FRAMES || 0);
  if (!(ms > 0)) return browser;
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript((delay) => {
      const raf = window.requestAnimationFrame.bind(window);
      const timers = new Map();
      let next = 1;
      window.requestAnimationFrame = (cb) => {
        const id = next++;
        timers.set(id, setTimeout(() => { timers.delete(id); raf(cb); }, delay));
        return id;
      };
      window.cancelAnimationFrame = (id) => { clearTimeout(timers.get(id)); timers.delete(id); };
    }, ms);
    return context;
  };
  return browser;
}

// The page's default model: the first name in web/dist/models/index.json.
// With none bundled yet (the trained model is not in models/), write a small
// random GPT-2 there so the page has something to run (web/dist is generated).
// The native CLI the browser tests compare the page with (an error saying how to build it).
export function requireNativeCli() {
  if (!fs.existsSync(NATIVE_CLI)) throw new Error(`the native CLI ${NATIVE_CLI} is missing: cmake --build --preset native`);
  return NATIVE_CLI;
}

export function defaultModel() {
  const dist = path.join(WEB, 'dist');
  if (!fs.existsSync(path.join(dist, 'headscope.wasm'))) {
    throw new Error('web/dist/headscope.wasm is missing: build the site with ./build-wasm.sh');
  }
  const indexPath = path.join(dist, 'models/index.json');
  let names = [];
  try { names = JSON.parse(fs.readFileSync(indexPath, 'utf8')); } catch { names = []; }
  if (names.length) {
    const name = typeof names[0] === 'string' ? names[0] : names[0].name;
    return { name, dir: path.join(dist, 'models', name) };
  }
  const dir = path.join(dist, 'models/dev-random');
  if (!fs.existsSync(path.join(dir, 'model.safetensors'))) {
    console.log('# no bundled model in web/dist/models: writing a random dev model (dev-random)');
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/reference/make_checkpoint.py'), dir,
      '--layers', '4', '--heads', '4', '--embd', '128', '--positions', '128'], { stdio: 'inherit' });
  }
  fs.writeFileSync(indexPath, JSON.stringify([{ name: 'dev-random', files: fs.readdirSync(dir) }]) + '\n');
  return { name: 'dev-random', dir };
}

// What a page test suite needs: the default model, a server for web/ with the
// strict CSP, a browser, and tests/artifacts/ for screenshots.
export async function openBrowserSuite() {
  const model = defaultModel();
  const server = await startServer({ csp: true });
  let browser;
  try {
    browser = await launch();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  } catch (e) {
    await closeBrowserSuite({ server, browser });
    throw e;
  }
  return { model, server, browser };
}

export async function closeBrowserSuite({ server, browser }) {
  if (browser) await browser.close();
  if (server) await server.close();
}

// Opens the page and collects console errors and page errors.
export async function openPage(browser, url, { width = 1280, height = 900, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  await page.goto(url);
  await page.waitForSelector('#app[data-state="rendered"]', { timeout: 60000 });
  await afterDraw(page); // (what the link restored is drawn too)
  return { context, page, problems };
}

// Opens the page, runs fn({page, context, problems}), fails on any console or page error, closes it.
export async function withPage(browser, url, opts, fn) {
  const opened = await openPage(browser, url, opts);
  try {
    await fn(opened);
    if (opened.problems.length) throw new Error(`the page at ${url} reported: ${opened.problems.join('; ')}`);
  } finally {
    await opened.context.close();
  }
}

// Records CSP violations (securitypolicyviolation events) in every frame of the
// context's pages as window.__cspViolations, from the first script on.
export async function watchCsp(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

// A course site in a temporary folder: web/ linked at course/week-3/headscope/,
// plus the given pages (relative path -> HTML). Returns the folder. serveSite
// serves it (strict CSP) with a browser; closeSite ends both and removes it.
export function courseSite(pages) {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || '/tmp'), 'headscope-course-'));
  const sub = path.join(dir, 'course/week-3');
  fs.mkdirSync(sub, { recursive: true });
  fs.symlinkSync(WEB, path.join(sub, 'headscope'), 'dir');
  for (const [rel, html] of Object.entries(pages)) fs.writeFileSync(path.join(sub, rel), html);
  return dir;
}

export async function serveSite(site) {
  const server = await startServer({ csp: true, root: site });
  const browser = await launch();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return { server, browser };
}

export async function closeSite({ server, browser, site }) {
  if (browser) await browser.close();
  if (server) await server.close();
  if (site) fs.rmSync(site, { recursive: true, force: true });
}

// A page with one <headscope-view id=ID> of these attributes (web/embed.html's scripts),
// drawn: {context, page, problems} (console errors and page errors).
export async function openElement(browser, serverUrl, id, attrs, { width = 900, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(`${serverUrl}embed.html`);
  await page.evaluate(([elId, a]) => {
    document.body.replaceChildren();
    const el = document.createElement('headscope-view');
    el.id = elId;
    for (const [k, v] of Object.entries(a)) el.setAttribute(k, v);
    document.body.append(el);
  }, [id, attrs]);
  await page.waitForFunction((elId) => document.getElementById(elId).dataset.state === 'rendered', id, { timeout: 60000 });
  await afterDraw(page);
  return { context, page, problems };
}

// Runs in the page: resolves once every Headscope scope on it (the page's controller through
// window.headscope, each <headscope-view>'s controller) has drawn everything asked of it so far:
// no run waiting for its result, no next-token or lens numbers on their way to a view, no
// animation frame waiting to draw a change (web/controller.mjs pendingDraw / afterDraw). Rejects
// after `timeout` ms naming what each scope still waits for, or at once if the page has no scope.
// tests/web/engines.mjs sends the same function to every engine.
export function drawnInPage(timeout) {
  const scopes = [];
  if (window.headscope && window.headscope.afterDraw) scopes.push(['the page', window.headscope]);
  for (const el of document.querySelectorAll('headscope-view')) if (el.controller) scopes.push([`<headscope-view id="${el.id}">`, el.controller]);
  if (!scopes.length) return Promise.reject(new Error('afterDraw: no Headscope page or <headscope-view> here'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`afterDraw: not drawn after ${timeout} ms: ` +
      scopes.map(([name, s]) => `${name} waits for ${s.pendingDraw() || 'nothing'}`).join('; '))), timeout);
    Promise.all(scopes.map(([, s]) => s.afterDraw())).then(() => {
      clearTimeout(timer);
      resolve(scopes.length);
    });
  });
}

// After an action (click, key, setText, setView, select, a checkbox, a URL): waits until the page
// (and its elements) have drawn its result. Read drawn output (DOM text, canvas attributes,
// pixels, screenshots) only after this, or after a wait for a data- attribute naming what is shown.
export const afterDraw = (page, { timeout = 30000 } = {}) => page.evaluate(drawnInPage, timeout);

// Waits until the roles table shows the page's last result: off screen it is drawn after the
// views (web/panels/roles-table.mjs), so read it only after this.
export const rolesTableDrawn = (page, { timeout = 30000 } = {}) => page.waitForFunction(() => {
  const t = document.getElementById('roles-table');
  const r = window.headscope.lastResult;
  return !!t && !!r && t.dataset.run === String(r.id);
}, null, { timeout });
