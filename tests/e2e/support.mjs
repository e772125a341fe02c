// Shared helpers for the browser tests: the real `vitrine` binary on a free port, and Debian's
// Chromium with a fresh profile (a persistent context, so the service worker and its caches are
// real, not incognito memory).
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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

/** Start `vitrine serve`; resolves once it prints its URL. `port` 0 picks a free one. */
export function startServer({ db, port = 0 }) {
  const proc = spawn(env("VITRINE_BIN"), [
    "serve", "--db", db, "--addr", `127.0.0.1:${port}`,
    "--dist", env("VITRINE_DIST"), "--media", env("VITRINE_MEDIA"),
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

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "vitrine-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: env("CHROMIUM"),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 400, height: 800 },
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/** The first live region whose text matches. */
export const status = (page, text) => page.getByRole("status").filter({ hasText: text });

/** The page's one level-1 heading with this name. */
export const heading = (page, name) => page.getByRole("heading", { level: 1, name, exact: true });

/**
 * Registers hooks that give the test file its own database, server and browser, torn down
 * after the last test. Read `server` and `browser` from the returned object inside tests.
 */
export function useStorefront() {
  const ctx = {};
  before(async () => {
    ctx.db = freshDatabase();
    ctx.server = await startServer({ db: ctx.db.db });
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.kill();
    ctx.db?.cleanup();
  });
  return ctx;
}
