// Every route at three sizes (a 390 px phone, a tablet, a laptop), light and dark: no
// horizontal overflow, no overlapping controls, no control under 44 × 44 px, text contrast
// at WCAG AA, no layout shift, and axe (WCAG 2.2 AA, target-size included) finds nothing.
// The Buy sheet is checked open as well as closed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase, heading, startServer, launchBrowser } from "./support.mjs";
import { SCHEMES, SIZES, purchaseForTour, tour } from "./tour.mjs";
import { axeProblems, layoutProblems, watchLayoutShift } from "./audit.mjs";

test("every route passes the layout and accessibility checks at three sizes, light and dark", async () => {
  const db = freshDatabase();
  const server = await startServer({ db: db.db });
  const { base } = server;
  // Axe is injected by the test, so this context lets a script in despite the page's CSP.
  const browser = await launchBrowser({ bypassCSP: true });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${base}/receipts`);
    await page.getByText("No purchases on this device yet.").waitFor();
    const emptyReceipts = await layoutProblems(page);
    const receipt = await purchaseForTour(page, base);

    const failures = emptyReceipts.map((p) => `empty receipts: ${p}`);
    for (const [width, height] of SIZES) {
      for (const colorScheme of SCHEMES) {
        const view = await browser.context.newPage();
        await view.setViewportSize({ width, height });
        await view.emulateMedia({ colorScheme });
        await watchLayoutShift(view);
        for (const [name, path, ready] of tour(receipt)) {
          await view.goto(`${base}${path}`);
          await ready(view);
          const where = `${name} at ${width}×${height}, ${colorScheme}`;
          for (const problem of [...await layoutProblems(view), ...await axeProblems(view)]) {
            failures.push(`${where}: ${problem}`);
          }
        }
        await view.close();
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await server.kill();
    db.cleanup();
  }
});

test("while a page's data is on its way a skeleton says so and holds the place: nothing moves when it arrives", async () => {
  const db = freshDatabase();
  const server = await startServer({ db: db.db });
  // No service worker: every answer comes from the network, where the test can hold it (the
  // worker would answer from the catalog it saved at install).
  const browser = await launchBrowser({ serviceWorkers: "block" });
  // The server draws these pages whole (first-paint.test.mjs); a skeleton is what a visitor
  // sees when the app fetches a page's data: after following a link from a page the app
  // draws. Each walk starts at the receipts page and follows links there, as a visitor would.
  const home = async (p) => {
    await p.getByRole("link", { name: "Vitrine" }).click();
    await heading(p, "Collections").waitFor();
  };
  const gallery = async (p) => {
    await home(p);
    await p.getByRole("link", { name: /Orbit Studies/ }).click();
    await p.getByLabel("Sort by").waitFor();
  };
  const walks = {
    "/": (p) => p.getByRole("link", { name: "Vitrine" }).click(),
    "/c/orbit-studies": async (p) => { await home(p); await p.getByRole("link", { name: /Orbit Studies/ }).click(); },
    "/i/201": async (p) => { await gallery(p); await p.getByRole("link").and(p.locator('[href="/i/201"]')).click(); },
  };
  try {
    // [page, its data, what the skeleton says, drawn when, whether it has a picture whose
    // place the skeleton keeps]
    for (const [path, api, what, drawn, picture] of [
      ["/i/201", "/api/v1/items/201", "Loading this work…", (p) => p.getByRole("button", { name: /^Buy · / }), true],
      ["/c/orbit-studies", "/api/v1/collections/orbit-studies", "Loading the gallery…", (p) => p.getByLabel("Sort by"), true],
      ["/", "/api/v1/collections", "Loading collections…", (p) => heading(p, "Collections"), false],
    ]) {
      const page = await browser.context.newPage();
      await watchLayoutShift(page);
      let release;
      const held = new Promise((resolve) => { release = resolve; });
      const asked = new Promise((resolve) => {
        page.route((url) => url.pathname === api, async (route) => {
          resolve();
          await held;
          await route.continue();
        });
      });
      await page.goto(`${server.base}/receipts`);
      await heading(page, "Your receipts").waitFor();
      await walks[path](page);
      await asked;
      const loading = page.getByRole("status").filter({ hasText: what });
      await loading.waitFor();
      assert.equal(await page.locator("[aria-busy=true]").count(), 1, `${path}: one busy region`);
      const ghost = await page.locator(".skeleton-picture").boundingBox();
      release();
      await drawn(page).waitFor();
      if (picture) {
        // The work's picture (or the gallery's banner) lands exactly where its skeleton was.
        const real = await page.locator("main img").first().boundingBox();
        for (const side of ["x", "y", "width", "height"]) {
          assert.ok(Math.abs(real[side] - ghost[side]) < 1, `${path}: picture ${side} ${ghost[side]} → ${real[side]}`);
        }
      } else {
        assert.equal(ghost, null, `${path}: no picture in its skeleton`);
      }
      await loading.waitFor({ state: "detached" });
      assert.deepEqual(await layoutProblems(page), [], `${path}: after the data arrived`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.kill();
    db.cleanup();
  }
});
