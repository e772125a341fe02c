// Shared helpers for the browser tests: the real `vitrine` binary on a free port, and Debian's
// Chromium with a fresh profile (a persistent context, so the service worker and its caches are
// real, not incognito memory).
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through \`cargo xtask test\``);
  return value;
};

const CHROMIUM_FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** A fresh database seeded with the demo catalog rows; images come from VITRINE_MEDIA. */
export function freshDatabase() {
  const dir = mkdtempSync(join(tmpdir(), "vitrine-e2e-"));
  const db = `sqlite://${join(dir, "vitrine.db")}`;
  execFileSync(env("VITRINE_BIN"), ["seed-demo", "--no-images", "--db", db], { stdio: "ignore" });
  return { db, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new API token for the demo merchant with `scopes` (comma-separated), as the operator makes one. */
export function merchantToken(db, scopes) {
  const out = execFileSync(env("VITRINE_BIN"), ["merchant", "token", "demo", "--scopes", scopes, "--db", db], { encoding: "utf8" });
  return out.split("\n").find((line) => line.startsWith("vtm_"));
}

/** A merchant API call with a bearer token, as a script of the merchant's would make it; the JSON. */
export async function merchantApi(base, bearer, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Start `vitrine serve`; resolves once it prints its URL. `port` 0 picks a free one; `dist` is
 * the built release to serve (another one to test upgrades).
 */
export function startServer({ db, port = 0, dist = env("VITRINE_DIST"), args = [] }) {
  const proc = spawn(env("VITRINE_BIN"), [
    "serve", "--db", db, "--addr", `127.0.0.1:${port}`,
    "--dist", dist, "--media", env("VITRINE_MEDIA"), ...args,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let out = "";
    proc.once("exit", (code) => reject(new Error(`vitrine exited with ${code} before it was ready`)));
    proc.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/Vitrine is ready at (http:\/\/\S+)/);
      if (found) {
        const base = found[1];
        resolve({
          base,
          port: Number(new URL(base).port),
          /** Kill at once, like a crash or a pulled plug: no graceful shutdown. */
          kill: async () => { proc.kill("SIGKILL"); await exited; },
        });
      }
    });
  });
}

/**
 * A phone-sized Chromium; `options` go to playwright (e.g. `deviceScaleFactor: 2`), except
 * `thirdPartyStorage: true`, which sets the profile as desktop Chrome ships (third-party
 * cookies allowed, so a framed site gets its partitioned service worker and storage); this
 * headless build blocks them by default.
 */
export async function launchBrowser({ thirdPartyStorage = false, ...options } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "vitrine-chromium-"));
  if (thirdPartyStorage) {
    mkdirSync(join(profile, "Default"), { recursive: true });
    const prefs = { profile: { cookie_controls_mode: 0, block_third_party_cookies: false } };
    writeFileSync(join(profile, "Default", "Preferences"), JSON.stringify(prefs));
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env("CHROMIUM"),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 400, height: 800 },
    ...options,
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/** Wait until every picture of `page`'s first screen has loaded. */
export const firstScreenLoaded = (page) => page.waitForFunction(() => [...document.images]
  .filter((i) => i.getBoundingClientRect().top < innerHeight).every((i) => i.complete && i.naturalWidth > 0));

/** Go offline with every service worker stopped (a cold start, as after the browser let them
 * go) and open `url` in a new tab of `page`'s context: `{ tab, response }`. */
export async function coldOfflineTab(page, url) {
  const context = page.context();
  await context.setOffline(true);
  const cdp = await context.newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.stopAllWorkers");
  const tab = await context.newPage();
  return { tab, response: await tab.goto(url) };
}

/** The first live region whose text matches. */
export const status = (page, text) => page.getByRole("status").filter({ hasText: text });

/** The page's one level-1 heading with this name. */
export const heading = (page, name) => page.getByRole("heading", { level: 1, name, exact: true });

/**
 * Registers hooks that give the test file its own database, server and browser, torn down
 * after the last test. Read `server` and `browser` from the returned object inside tests.
 */
/** A fresh database and browser for a file whose tests start their own shops (`withShop`). */
export function useBrowserAndDatabase() {
  const ctx = {};
  before(async () => {
    ctx.db = freshDatabase();
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    ctx.db?.cleanup();
  });
  return ctx;
}

export function useStorefront(browserOptions = {}) {
  const ctx = {};
  before(async () => {
    ctx.db = freshDatabase();
    ctx.server = await startServer({ db: ctx.db.db });
    ctx.browser = await launchBrowser(browserOptions);
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.kill();
    ctx.db?.cleanup();
  });
  return ctx;
}

/** Ask the page's service worker something (a `protocol::device::PageRequest`, as JSON). */
export async function askWorker(page, request) {
  const text = await page.evaluate(async (request) => {
    const registration = await navigator.serviceWorker.ready;
    const channel = new MessageChannel();
    const answer = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    registration.active.postMessage(JSON.stringify(request), [channel.port2]);
    return answer;
  }, request);
  return JSON.parse(text);
}

/** Wait until `img` has decoded something, and return what it shows. */
export async function loadedImage(page, img) {
  await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
  return img.evaluate((el) => ({ src: el.currentSrc, naturalWidth: el.naturalWidth,
    slot: el.getBoundingClientRect().width, dpr: devicePixelRatio, alt: el.alt }));
}
