// tests/web/engines.mjs — one page-driving API over the three browser engines
// the suites run in, so that one test file runs per engine:
//   chromium  Debian's /usr/bin/chromium through playwright-core (CDP)
//   firefox   Debian's /usr/bin/firefox-esr through puppeteer-core (WebDriver BiDi)
//   webkit    Debian's WebKitGTK: WebKitWebDriver driving MiniBrowser --automation
//             under a private Xvfb display, through selenium-webdriver (classic
//             WebDriver: no console API, so errors come from an injected collector)
// A page: goto, evaluate(fn, arg), waitFor(fn, arg), afterDraw(), click/focus(selector),
// fill(selector, text), press(key), screenshot(file), errors(), close().
// HEADSCOPE_ENGINES=chromium,firefox,webkit picks the engines (default: all).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, defaultModel, courseSite, startServer, drawnInPage, withSlowFrames, ARTIFACTS } from './helpers.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const BINARIES = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr', webkit: '/usr/bin/WebKitWebDriver' };

// The engines named by HEADSCOPE_ENGINES (or `fallback`), each checked to be a
// known engine whose browser is installed (scripts/setup-debian.sh installs them).
export function enginesToRun(fallback = ENGINES) {
  const asked = process.env.HEADSCOPE_ENGINES ? process.env.HEADSCOPE_ENGINES.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
  for (const name of asked) {
    if (!ENGINES.includes(name)) throw new Error(`HEADSCOPE_ENGINES: unknown engine "${name}" (known: ${ENGINES.join(', ')})`);
    if (!fs.existsSync(BINARIES[name])) throw new Error(`${name}: ${BINARIES[name]} is missing: run scripts/setup-debian.sh`);
  }
  return asked.filter((name) => fallback.includes(name));
}

// Errors a page reports, collected inside the page (WebKit has no console API
// over WebDriver): console.error, uncaught errors, unhandled rejections, failed
// resource loads. Installed as a function source so every driver can run it.
const COLLECTOR = `(() => {
  if (window.__headscopeErrors) return;
  const errs = window.__headscopeErrors = [];
  const text = (a) => (a && a.stack) ? String(a.message || a) : String(a);
  const orig = console.error.bind(console);
  console.error = (...a) => { errs.push('console: ' + a.map(text).join(' ')); orig(...a); };
  addEventListener('error', (e) => {
    if (e.target && e.target !== window && (e.target.src || e.target.href)) errs.push('load failed: ' + (e.target.src || e.target.href));
    else errs.push('pageerror: ' + (e.message || e.error));
  }, true);
  addEventListener('unhandledrejection', (e) => errs.push('unhandledrejection: ' + text(e.reason)));
})()`;

// Runs `fn(arg)` (maybe async) in the page: the source every driver sends.
const call = (fn) => `return Promise.resolve((${fn})(arguments[0])).then((v) => v === undefined ? null : v)`;

async function poll(check, what, timeout) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The parts every engine's page shares: waiting, and the page's own collector.
class PageBase {
  waitFor(fn, arg = null, { timeout = 60000 } = {}) {
    return poll(() => this.evaluate(fn, arg), `${this.engine}: ${String(fn).slice(0, 120)}`, timeout);
  }

  waitForRendered(selector = '#app', timeout = 60000) {
    return this.waitFor((s) => {
      const el = document.querySelector(s);
      return el && el.dataset.state === 'rendered';
    }, selector, { timeout });
  }

  // After an action: the page and its elements have drawn its result (helpers.mjs drawnInPage).
  afterDraw(timeout = 30000) {
    return this.evaluate(drawnInPage, timeout);
  }

  async collectedErrors() {
    return (await this.evaluate(() => window.__headscopeErrors || [])) || [];
  }

  // The id (or tag) of the focused element, through open shadow roots.
  activeElement() {
    return this.evaluate(() => {
      let a = document.activeElement;
      while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
      return a ? (a.id || a.className || a.tagName.toLowerCase()) : null;
    });
  }
}

// ---- chromium (playwright-core) and firefox (puppeteer-core): the same page API
// (events for console errors, page errors and failed requests; a keyboard)
class EventedPage extends PageBase {
  constructor(engine, page, close) {
    super();
    this.engine = engine;
    this.page = page;
    this.closePage = close;
    this.problems = [];
    page.on('console', (m) => { if (m.type() === 'error') this.problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => this.problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => this.problems.push(`requestfailed: ${r.url()}`));
  }
  goto(url) { return this.page.goto(url); }
  evaluate(fn, arg = null) { return this.page.evaluate(fn, arg); }
  click(selector) { return this.page.click(selector); }
  focus(selector) { return this.page.focus(selector); }
  async fill(selector, text) {
    await this.page.click(selector);
    await this.page.keyboard.down('Control');
    await this.page.keyboard.press('KeyA');
    await this.page.keyboard.up('Control');
    await this.page.keyboard.type(text);
  }
  press(key) { return this.page.keyboard.press(key); }
  screenshot(file) { return this.page.screenshot({ path: file }); }
  async errors() { return [...this.problems]; }
  close() { return this.closePage(); }
}

async function chromium() {
  const { chromium: pw } = await import('playwright-core');
  const browser = withSlowFrames(await pw.launch({ // (HEADSCOPE_SLOW_FRAMES: helpers.mjs)
    executablePath: BINARIES.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  }));
  return {
    name: 'chromium',
    async newPage({ width = 1280, height = 900, colorScheme = 'light', reducedMotion = 'no-preference' } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, colorScheme, reducedMotion, deviceScaleFactor: 1 });
      return new EventedPage('chromium', await context.newPage(), () => context.close());
    },
    close: () => browser.close(),
  };
}

// ---- firefox (puppeteer-core, WebDriver BiDi) ----
async function firefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: BINARIES.firefox, headless: true });
  return {
    name: 'firefox',
    // colorScheme / reducedMotion: not emulated over BiDi (puppeteer needs CDP for
    // that); the suites set the theme through the page (#theme=dark) instead
    async newPage({ width = 1280, height = 900 } = {}) {
      const page = await browser.newPage();
      await page.setViewport({ width, height });
      // a background tab gets no animation frames and no focus: bring it to the front
      await page.bringToFront();
      return new EventedPage('firefox', page, () => page.close());
    },
    close: () => browser.close(),
  };
}

// ---- webkit (WebKitWebDriver + MiniBrowser under Xvfb, selenium-webdriver) ----
function startXvfb() {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1920x1200x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display in 10 s')), 10000);
    xvfb.on('error', (e) => { clearTimeout(timer); reject(new Error(`Xvfb: ${e.message} (install xvfb: scripts/setup-debian.sh)`)); });
    xvfb.stdio[3].on('data', (d) => { clearTimeout(timer); resolve({ xvfb, display: `:${String(d).trim()}` }); });
  });
}

async function startDriver(display) {
  const port = await freePort();
  const driver = spawn(BINARIES.webkit, [`--port=${port}`], { env: { ...process.env, DISPLAY: display }, stdio: ['ignore', 'ignore', 'inherit'] });
  await poll(() => fetch(`http://127.0.0.1:${port}/status`).then((r) => r.ok, () => false), 'WebKitWebDriver to listen', 10000);
  return { driver, url: `http://127.0.0.1:${port}` };
}

const SELENIUM_KEYS = { Tab: 'TAB', Enter: 'ENTER', ' ': 'SPACE', Escape: 'ESCAPE', ArrowLeft: 'ARROW_LEFT', ArrowRight: 'ARROW_RIGHT',
  ArrowUp: 'ARROW_UP', ArrowDown: 'ARROW_DOWN', Home: 'HOME', End: 'END', Backspace: 'BACK_SPACE' };

class WebKitPage extends PageBase {
  constructor(session, webdriver) {
    super();
    this.engine = 'webkit';
    this.session = session;
    this.webdriver = webdriver;
  }
  async goto(url) {
    await this.session.get(url);
    // classic WebDriver runs nothing before the page's scripts: the collector
    // starts once the page has loaded (pages that need it earlier load it themselves)
    await this.session.executeScript(COLLECTOR);
  }
  async evaluate(fn, arg = null) {
    const out = await this.session.executeAsyncScript(`const done = arguments[arguments.length - 1];
      (function () { ${call(fn)}; }).call(null, arguments[0]).then((v) => done({ v }), (e) => done({ e: String(e && e.stack || e) }));`, arg);
    if (out && out.e !== undefined) throw new Error(`webkit: evaluate: ${out.e}`);
    return out ? out.v : null;
  }
  async click(selector) { await (await this.session.findElement(this.webdriver.By.css(selector))).click(); }
  focus(selector) { return this.evaluate((s) => document.querySelector(s).focus(), selector); }
  async fill(selector, text) {
    const el = await this.session.findElement(this.webdriver.By.css(selector));
    await el.click();
    await this.evaluate((s) => document.querySelector(s).select(), selector);
    await el.sendKeys(text);
  }
  async press(key) {
    const { Key } = this.webdriver;
    await this.session.actions().sendKeys(SELENIUM_KEYS[key] ? Key[SELENIUM_KEYS[key]] : key).perform();
  }
  async screenshot(file) { fs.writeFileSync(file, Buffer.from(await this.session.takeScreenshot(), 'base64')); }
  errors() { return this.collectedErrors(); }
  close() { return this.session.quit(); }
}

// Xvfb and WebKitWebDriver on its display; `exited` is set if Xvfb goes away (it says so on stderr).
async function startDisplayAndDriver() {
  const x = await startXvfb();
  const state = { ...x, exited: null };
  x.xvfb.on('exit', (code, signal) => {
    state.exited = { code, signal };
    if (!state.stopping) console.error(`# Xvfb ${x.display} exited (code ${code}, signal ${signal})`);
  });
  try {
    Object.assign(state, await startDriver(x.display));
  } catch (e) {
    x.xvfb.kill();
    throw e;
  }
  return state;
}

const SESSION_START_MS = 60000;

async function webkit() {
  const webdriver = await import('selenium-webdriver');
  let env = await startDisplayAndDriver();
  const stop = (e) => {
    e.stopping = true;
    e.driver.kill();
    e.xvfb.kill();
  };
  // One MiniBrowser session; rejects after SESSION_START_MS (a MiniBrowser that cannot open its
  // display never connects, and the WebDriver request would wait for ever).
  const startSession = (e) => {
    const built = new webdriver.Builder().usingServer(e.url).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    }).build();
    let timer;
    const late = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`webkit: no MiniBrowser session on ${e.display} in ${SESSION_START_MS / 1000} s`)), SESSION_START_MS);
    });
    return Promise.race([built, late]).finally(() => clearTimeout(timer));
  };
  return {
    name: 'webkit',
    // one MiniBrowser session per page; colorScheme / reducedMotion: not emulated
    // (WebDriver has no such command), the theme is set through the page.
    // If the display has gone (Xvfb exited) or a session does not start, Xvfb and the
    // driver are started afresh once, and the reason is printed.
    async newPage({ width = 1280, height = 900 } = {}) {
      let session;
      try {
        if (env.exited) throw new Error(`webkit: Xvfb ${env.display} exited (${JSON.stringify(env.exited)})`);
        session = await startSession(env);
      } catch (e) {
        console.error(`# ${e.message}: starting Xvfb and WebKitWebDriver again`);
        stop(env);
        env = await startDisplayAndDriver();
        session = await startSession(env);
      }
      await session.manage().setTimeouts({ script: 60000 });
      // the window's size is the viewport plus MiniBrowser's toolbar: grow it until the viewport fits
      await session.manage().window().setRect({ width, height });
      const inner = await session.executeScript('return [innerWidth, innerHeight]');
      await session.manage().window().setRect({ width: 2 * width - inner[0], height: 2 * height - inner[1] });
      return new WebKitPage(session, webdriver);
    },
    close: async () => stop(env),
  };
}

const LAUNCHERS = { chromium, firefox, webkit };

// Starts one engine: {name, newPage(options) -> page, close()}.
export function launchEngine(name) {
  if (!LAUNCHERS[name]) throw new Error(`unknown engine "${name}" (known: ${ENGINES.join(', ')})`);
  return LAUNCHERS[name]();
}

// What a per-engine suite needs: the default model, a course site (web/ at
// course/week-3/headscope/ plus `pages`) served with the strict CSP, and the
// engine. base: the site's course/week-3/ URL.
export async function openEngineSuite(name, pages = {}) {
  const model = defaultModel();
  const site = courseSite(pages);
  const server = await startServer({ csp: true, root: site });
  let engine;
  try {
    engine = await launchEngine(name);
  } catch (e) {
    await server.close();
    fs.rmSync(site, { recursive: true, force: true });
    throw e;
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return { model, site, server, engine, base: `${server.url}course/week-3/` };
}

export async function closeEngineSuite({ engine, server, site } = {}) {
  if (engine) await engine.close();
  if (server) await server.close();
  if (site) fs.rmSync(site, { recursive: true, force: true });
}

export const artifact = (engine, file) => path.join(ARTIFACTS, `${engine}-${file}`);
