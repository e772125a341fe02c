// First paint from HTML: the server draws the storefront's pages with the app's own components,
// so a collector sees (and can use) a gallery before any script has run, or with none at all;
// then only its islands run (the status bar, countdowns, the Buy form, the sort): hydrated in
// place, without asking the network, without a warning, and without moving a keyboard user's
// focus; the rest stays the server's, and its links load pages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useStorefront, launchBrowser, heading, status, coldOfflineTab } from "./support.mjs";
import { until } from "./shop.mjs";

const ctx = useStorefront();

/** The gallery's works, as a visitor finds them: the links in the "Works in this collection" list. */
const works = (page) => page.getByRole("list", { name: "Works in this collection" }).getByRole("link");

/** Run `use` on a new page of a browser that allows no service worker: only what the page
 * fetched itself is there offline, and a refused file stays refused. */
async function withoutWorker(use) {
  const browser = await launchBrowser({ serviceWorkers: "block" });
  try {
    await use(await browser.context.newPage());
  } finally {
    await browser.close();
  }
}

/** Console warnings and errors, and uncaught exceptions, of `page`. */
function complaints(page) {
  const heard = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") heard.push(m.text()); });
  page.on("pageerror", (e) => heard.push(e.message));
  return heard;
}

/** Hold every wasm download until `release()`: the page as it is before the app arrives. */
async function holdTheApp(page) {
  const held = [];
  let released = false;
  await page.route("**/*.wasm", (route) => (released ? route.continue() : held.push(route)));
  return async () => { released = true; for (const r of held.splice(0)) await r.continue(); };
}

test("with JavaScript off, the home page, a gallery and a work arrive whole, and links work", async () => {
  const api = await (await fetch(`${ctx.server.base}/api/v1/collections/tidal-glass`)).json();
  const browser = await launchBrowser({ javaScriptEnabled: false });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${ctx.server.base}/`);
    await heading(page, "Collections").waitFor();
    await page.getByRole("link", { name: /Tidal Glass/ }).click();
    await heading(page, "Tidal Glass").waitFor();
    assert.equal(await page.title(), "Tidal Glass · Vitrine");
    assert.equal(await works(page).count(), api.items.length);
    for (const item of api.items) {
      await page.getByRole("img", { name: item.alt, exact: true }).first().waitFor();
    }
    const first = api.items[0];
    await works(page).filter({ hasText: first.title }).click();
    await heading(page, first.title).waitFor();
    assert.match(await page.getByRole("definition").filter({ hasText: /[0-9]\.[0-9]{2} [A-Z]{3}/ }).first().textContent(), /[0-9]/);
    await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "Tidal Glass" }).waitFor();
    // What needs a script is drawn unusable, not as if it worked: Buy, and the full-size view.
    assert.equal(await page.getByRole("button", { name: /^Buy · / }).isDisabled(), true);
    assert.equal(await page.getByRole("button", { name: "View full size" }).isDisabled(), true);
    await page.goto(`${ctx.server.base}/i/999999`);
    await heading(page, "Not found").waitFor();
  } finally {
    await browser.close();
  }
});

test("the gallery shows before its islands run; they hydrate in place, without a warning", async () => {
  const page = await ctx.browser.context.newPage();
  const heard = complaints(page);
  const asked = [];
  page.on("request", (r) => { if (new URL(r.url()).pathname.startsWith("/api/v1/collections")) asked.push(r.url()); });
  const release = await holdTheApp(page);
  await page.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();
  const drawn = await works(page).count();
  assert.ok(drawn > 0);
  // The sort is drawn by the server too; a choice made before its island runs is applied when
  // it does.
  const sort = page.getByRole("combobox", { name: "Sort by" });
  const firstWork = () => works(page).first().textContent();
  const featured = await firstWork();
  await sort.selectOption({ label: "Price: high to low" });
  assert.equal(await firstWork(), featured, "nothing runs the sort yet");
  // The server's own elements, to find again once the app runs.
  await page.evaluate(() => { window.serverDrawn = [document.querySelector("h1"), document.querySelector("ul.grid a")]; });

  await release();
  await until(async () => (await firstWork()) !== featured, "the island to apply the sort chosen before it ran");
  assert.equal(await works(page).count(), drawn, "the same works, drawn once");
  assert.deepEqual(
    await page.evaluate(() => window.serverDrawn.map((e) => e.isConnected)),
    [true, true],
    "the server's heading and links stay, not drawn again",
  );
  assert.equal(await page.locator("leptos-island").filter({ has: sort }).count(), 1, "the sort is an island");
  assert.equal(await page.getByRole("heading", { level: 1 }).count(), 1);
  assert.equal(await page.locator("#app").count(), 1);
  assert.deepEqual(asked, [], "the first view came from the answer in the page");
  // The islands run: sorting works, and a work's link opens its page.
  await sort.selectOption({ label: "Price: low to high" });
  assert.deepEqual(await islandBuilds(page), ["islands"], "a gallery loads the build with its controls only");
  await works(page).first().click();
  await page.getByRole("navigation", { name: "Breadcrumb" }).waitFor();
  // A work's page loads the other build, with its Buy bar and picture: both run (the server
  // draws Buy disabled; its island enables it, in the same pass as the picture's).
  const buy = page.getByRole("button", { name: /^Buy · / });
  await until(() => buy.isEnabled(), "the work's islands to run");
  await page.getByRole("button", { name: "View full size" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await buy.click();
  await page.getByRole("dialog").getByText(/^Total /).waitFor();
  assert.deepEqual(await islandBuilds(page), ["item"], "a work's page loads the build with its Buy bar only");
  assert.deepEqual(heard, []);
  await page.close();
});

test("a keyboard user who tabbed into the page before the app arrived keeps their place", async () => {
  const page = await ctx.browser.context.newPage();
  const release = await holdTheApp(page);
  await page.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();
  const second = await works(page).nth(1).textContent();
  // Tab to the second work, as a keyboard user would.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const on = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    if (on === second.trim()) break;
  }
  assert.equal((await page.evaluate(() => document.activeElement?.textContent))?.trim(), second.trim());

  await release();
  await page.evaluate(() => { window.focused = document.activeElement; });
  // The islands have run: the status bar's island has written what only the page can know.
  await status(page, "Available offline").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement === window.focused), true,
    "the very link the visitor is on keeps focus: the islands ran around it");
  // Enter opens the work.
  await page.keyboard.press("Enter");
  await page.getByRole("navigation", { name: "Breadcrumb" }).waitFor();
  await heading(page, second.trim()).waitFor();
  await page.close();
});

test("a work's Buy sheet is ready once the page is idle: it opens offline, even with no worker", async () => {
  // No worker to answer offline: only what the page fetched itself is there.
  await withoutWorker(async (page) => {
    await page.goto(`${ctx.server.base}/i/101`);
    const buy = page.getByRole("button", { name: /^Buy · / });
    await buy.waitFor();
    // The files boot.js fetches while the page is idle: the Buy sheet's part and its chunks.
    const boot = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name)
      .find((n) => /\/boot-[0-9a-f]+\.js$/.test(n)));
    // (boot.js is minified: its list of the sheet's files is found by their names.)
    const files = (await (await fetch(boot)).text()).match(/\/assets\/item-[0-9a-f]+\/(split_buy_form|chunk_)\w*\.wasm/g) ?? [];
    assert.ok(files.some((f) => f.includes("/split_buy_form")), files.join());
    await until(() => page.evaluate((files) => files.every((f) => performance.getEntriesByType("resource")
      .some((e) => new URL(e.name).pathname === f && e.responseEnd > 0)), files), "the sheet's files to be fetched while idle");
    await page.context().setOffline(true);
    await buy.click();
    await page.getByRole("dialog", { name: "Buy this work" }).waitFor();
  });
});

test("a press of Buy whose form cannot load says so, and the next press opens it", async () => {
  // No worker, and the sheet's part refused: as on a failing network before the page had it.
  await withoutWorker(async (page) => {
    let refuse = true;
    await page.route("**/split_buy_form*.wasm", (route) => (refuse ? route.abort() : route.continue()));
    await page.goto(`${ctx.server.base}/i/101`);
    const buy = page.getByRole("button", { name: /^Buy · / });
    await until(() => buy.isEnabled(), "the Buy bar's island to run");
    await buy.click();
    await page.getByRole("status").filter({ hasText: "The form could not load: you may be offline. Press Buy to try again, or reload the page." }).waitFor();
    assert.equal(await page.getByRole("alert").filter({ hasText: "This page stopped working." }).count(), 0,
      "the page keeps working: a failed load is not a crash");
    refuse = false;
    await buy.click();
    await page.getByRole("dialog", { name: "Buy this work" }).waitFor();
    assert.equal(await page.getByRole("status").filter({ hasText: "could not load" }).count(), 0, "the notice is gone");
  });
});

test("a sold-out work whose waitlist cannot load says so; the page keeps working", async () => {
  await withoutWorker(async (page) => {
    await page.route("**/split_buy_form*.wasm", (route) => route.abort());
    await page.goto(`${ctx.server.base}/i/105`);
    await page.getByRole("status").filter({ hasText: "The waitlist could not load: you may be offline. Reload the page to try again." }).waitFor();
    assert.equal(await page.getByRole("alert").filter({ hasText: "This page stopped working." }).count(), 0);
  });
});

test("a full-size view that cannot load says so, and the next press opens it", async () => {
  await withoutWorker(async (page) => {
    let refuse = true;
    await page.route("**/split_open_viewer*.wasm", (route) => (refuse ? route.abort() : route.continue()));
    await page.goto(`${ctx.server.base}/i/101`);
    await until(() => page.getByRole("button", { name: /^Buy · / }).isEnabled(), "the work's islands to run");
    const view = page.getByRole("button", { name: "View full size" });
    await view.click();
    await page.getByRole("status").filter({ hasText: "The full-size view could not load: you may be offline. Try again, or reload the page." }).waitFor();
    assert.equal(await page.getByRole("alert").filter({ hasText: "This page stopped working." }).count(), 0);
    refuse = false;
    await view.click();
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).waitFor();
    assert.equal(await page.getByRole("status").filter({ hasText: "could not load" }).count(), 0, "the notice is gone");
  });
});

test("a work's page whose islands cannot load says why Buy stays disabled", async () => {
  // No worker, and the page's wasm refused: as offline before this device had saved it.
  await withoutWorker(async (page) => {
    await page.route("**/*.wasm", (route) => route.abort());
    await page.goto(`${ctx.server.base}/i/101`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.getByRole("status").filter({ hasText: "This page's script could not load, so buying and the waitlist do not work yet" }).waitFor();
  });
});

test("a first visit is under the worker's control before its wasm arrives; pages load meanwhile, and it saves the shop once it has", async () => {
  const browser = await launchBrowser();
  try {
    const { context } = browser;
    // The worker's own wasm, held: the worker's requests go through the context's routes.
    const held = [];
    let released = false;
    await context.route(/\/assets\/sw-[0-9a-f]+\.wasm$/, (route) => (released ? route.continue() : held.push(route)));
    const page = await context.newPage();
    await page.goto(`${ctx.server.base}/c/tidal-glass`);
    await heading(page, "Tidal Glass").waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await until(() => held.length > 0, "the worker to ask for its wasm");
    // Under control, with no wasm to answer: a link still loads its page, from the network.
    await works(page).first().click();
    await page.getByRole("navigation", { name: "Breadcrumb" }).waitFor();
    assert.equal(await status(page, "Available offline").count(), 0, "nothing is saved yet");

    released = true;
    for (const route of held.splice(0)) await route.continue();
    await status(page, "Available offline").waitFor();
    // Offline, with the worker stopped: it starts again from what it saved (its own wasm
    // too), and a new tab gets the gallery from it.
    const { tab: offline, response: kept } = await coldOfflineTab(page, `${ctx.server.base}/c/tidal-glass`);
    assert.ok(kept.fromServiceWorker());
    await heading(offline, "Tidal Glass").waitFor();
  } finally {
    await browser.close();
  }
});

/** The islands' builds `page` loaded (`islands` for most pages, `item` for a work's): each
 * module's glue is its build's name. */
const islandBuilds = (page) => page.evaluate(() => performance.getEntriesByType("resource")
  .map((e) => new URL(e.name).pathname.match(/\/assets\/[a-z]+-[0-9a-f]+\/(islands|item)\.js$/)?.[1])
  .filter(Boolean));

test("a first visit's pictures, loaded before the worker ran, come back offline", async () => {
  const browser = await launchBrowser();
  try {
    const { context } = browser;
    const page = await context.newPage();
    await page.goto(`${ctx.server.base}/c/tidal-glass`);
    const first = works(page).first().getByRole("img");
    await until(() => first.evaluate((img) => img.complete && img.naturalWidth > 0), "the first work's picture to load");
    const src = await first.evaluate((img) => img.currentSrc);
    await status(page, "Available offline").waitFor();
    // Offline, with the worker stopped, in a new tab: the picture itself, from the worker's
    // image cache, not another size of it and not the worker's "available when online" image.
    const { tab: offline } = await coldOfflineTab(page, `${ctx.server.base}/c/tidal-glass`);
    await heading(offline, "Tidal Glass").waitFor();
    const shown = works(offline).first().getByRole("img");
    await until(() => shown.evaluate((img) => img.complete && img.naturalWidth > 0), "the picture to show offline");
    // The worker's answers, as the page gets them: for the picture the first visit loaded, and
    // for the one this page shows (Chromium may show a larger copy of the same work it holds,
    // the banner's).
    const answer = (src) => offline.evaluate((src) => fetch(src)
      .then((r) => ({ url: r.url, offline: r.headers.get("x-vitrine-offline") })), src);
    assert.deepEqual(await answer(src), { url: src, offline: null });
    const now = await shown.evaluate((img) => img.currentSrc);
    assert.deepEqual(await answer(now), { url: now, offline: null });
  } finally {
    await browser.close();
  }
});

/** Make the running app panic, as a bug in any view would (`crash.rs` exports the trigger). */
async function panicTheApp(page) {
  await page.evaluate(async () => {
    const url = performance.getEntriesByType("resource").map((e) => e.name)
      .find((n) => /\/(app|islands|item)\.js$/.test(n)); // the whole app, or a drawn page's islands
    const app = await import(url); // the module already running: the same instance
    try { app.panicForTest(); } catch { /* the wasm traps after the hook has run */ }
  });
}

test("when the app stops on a bug, the page stays readable and says how to go on", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();
  // The islands are running once a sort chosen reorders the works (the server drew the control).
  const featured = await works(page).first().textContent();
  await page.getByRole("combobox", { name: "Sort by" }).selectOption({ label: "Price: high to low" });
  await until(async () => (await works(page).first().textContent()) !== featured, "the sort's island to run");
  await panicTheApp(page);
  const alert = page.getByRole("alert").filter({ hasText: "This page stopped working." });
  await alert.waitFor();
  await alert.getByText("Purchases already made are kept on this device").waitFor();
  // The page it stopped on still reads and links.
  await heading(page, "Tidal Glass").waitFor();
  assert.ok(await works(page).count() > 0);
  // Reload, by keyboard, brings the app back.
  await alert.getByRole("link", { name: "Reload" }).focus();
  await page.keyboard.press("Enter");
  await heading(page, "Tidal Glass").waitFor();
  await page.getByRole("alert").filter({ hasText: "stopped working" }).waitFor({ state: "detached" });

  // A page with nothing drawn yet (emptied here to stand for a bug before the first draw)
  // is replaced by a readable page, not left blank.
  await page.goto(`${ctx.server.base}/receipts`);
  await heading(page, "Your receipts").waitFor();
  await page.evaluate(() => document.getElementById("app").replaceChildren());
  await panicTheApp(page);
  await heading(page, "Something went wrong").waitFor();
  assert.equal(await page.title(), "Something went wrong · Vitrine");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Something went wrong");
  await page.getByRole("link", { name: "Browse the collections" }).click();
  await heading(page, "Collections").waitFor();
  await page.close();
});
