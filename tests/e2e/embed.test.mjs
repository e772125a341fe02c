// A merchant's storefront framed on the merchant's own site (issue 15): the host page is served
// from another site (`localhost:<port>` against the shop's `127.0.0.1:<port>`), includes the
// one-line snippet, and gets a frame sized to its content; in lite mode the shop's header is
// hidden; a purchase in the frame reaches the host as `purchase:created` then `purchase:paid`
// with the receipt number only, also one made offline (kept by the frame's own, partitioned
// worker and sent when back). A site the merchant did not list is refused by the browser; a
// browser that blocks third-party storage gets a plain explanation and a link to the shop.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { launchBrowser, merchantApi, merchantToken, useStorefront } from "./support.mjs";
import { getJson, payButton, until } from "./shop.mjs";

// Desktop Chrome's default: third-party cookies allowed, so the frame gets its own
// (partitioned) worker and storage. Where a browser blocks them, see the last test.
const shop = useStorefront({ thirdPartyStorage: true });
const hosts = [];

/** A merchant's own site on another port of `localhost`: one page with the snippet. */
function hostSite() {
  const server = http.createServer((req, res) => {
    const lite = new URL(req.url, "http://x").searchParams.has("lite") ? " data-lite" : "";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Our gallery</title></head>
<body><h1>Our gallery</h1>
<script>
  window.storeEvents = [];
  for (const type of ["purchase:created", "purchase:paid"]) {
    addEventListener(type, (e) => window.storeEvents.push({ type, detail: e.detail }));
  }
</script>
<script src="${shop.server.base}/embed.js" data-collection="tidal-glass"${lite} async></script>
</body></html>`);
  });
  hosts.push(server);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://localhost:${server.address().port}`)));
}

let allowed;
let foreign;
let listed;
/** The two host sites, the first listed by the merchant; once, after the shop is up. */
function sites() {
  listed ??= (async () => {
    allowed = await hostSite();
    foreign = await hostSite();
    const token = merchantToken(shop.db.db, "catalog");
    const set = await merchantApi(shop.server.base, token, "PUT", "/api/v1/merchant/embed", { origins: [allowed] });
    assert.deepEqual(set.origins, [allowed]);
  })();
  return listed;
}
after(() => { for (const server of hosts) server.close(); });

test("the snippet frames the collection, sized to it, with the header hidden in lite mode", async () => {
  await sites();
  const page = await shop.browser.context.newPage();
  await page.goto(`${allowed}/?lite`);
  const frame = page.frameLocator("iframe[title='Shop']");
  await frame.getByRole("heading", { level: 1, name: "Tidal Glass" }).waitFor();
  assert.equal(await frame.getByRole("link", { name: "Vitrine", exact: true }).count(), 0, "no header in lite mode");
  // The frame told the host its height, and the host sized the frame to it.
  const iframe = page.locator("iframe[title='Shop']");
  await until(async () => (await iframe.evaluate((f) => f.style.height)) !== "600px", "the frame to be sized", 15_000);
  const height = await iframe.evaluate((f) => f.getBoundingClientRect().height);
  const content = await frame.locator("html").evaluate((e) => e.scrollHeight);
  assert.ok(Math.abs(height - content) <= 2, `frame ${height}px, content ${content}px`);
  await page.close();
});

test("a keyboard user who tabbed into the frame before its app ran keeps their place", async () => {
  await sites();
  // No worker, so that holding the wasm holds the frame's app (a worker's answers bypass routes).
  const browser = await launchBrowser({ thirdPartyStorage: true, serviceWorkers: "block" });
  try {
    const page = await browser.context.newPage();
    const held = [];
    let released = false;
    await page.route("**/*.wasm", (route) => (released ? route.continue() : held.push(route)));
    await page.goto(`${allowed}/?lite`);
    const frame = page.frameLocator("iframe[title='Shop']");
    const works = frame.getByRole("list", { name: "Works in this collection" }).getByRole("link");
    await works.nth(1).waitFor();
    const second = (await works.nth(1).textContent()).trim();
    const framed = page.frames().find((f) => f.url().includes("/embed/"));
    const focused = () => framed.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    for (let i = 0; i < 40 && (await focused()) !== second; i++) await page.keyboard.press("Tab");
    assert.equal(await focused(), second);
    await framed.evaluate(() => { window.drawnFocus = document.activeElement; });

    released = true;
    for (const route of held.splice(0)) await route.continue();
    await until(() => framed.evaluate(() => !window.drawnFocus.isConnected), "the app to draw the frame anew");
    // The page's heading puts the user back on the next frame, where it would take focus itself.
    await until(async () => (await focused()) === second, "the same work's link to have focus in the new drawing");
    assert.equal(await framed.evaluate(() => document.activeElement?.tagName), "A");
    await page.keyboard.press("Enter");
    await frame.getByRole("heading", { level: 1, name: second }).waitFor();
  } finally {
    await browser.close();
  }
});

test("a purchase in the frame reaches the host page as events with the receipt number only", async () => {
  await sites();
  const page = await shop.browser.context.newPage();
  await page.goto(allowed);
  const frame = page.frameLocator("iframe[title='Shop']");
  // The shop's own header is there outside lite mode, and says when the frame's worker is ready.
  await frame.getByRole("status").filter({ hasText: "Available offline" }).waitFor({ timeout: 30_000 });
  const work = (await getJson(shop.server.base, "/api/v1/items/101")).body;
  await frame.getByRole("link", { name: new RegExp(work.title) }).first().click();
  // The whole app draws the work's picture itself (an island's children are the server's).
  await frame.getByRole("figure").getByRole("img", { name: work.alt, exact: true }).waitFor();
  await frame.getByRole("button", { name: "View full size" }).waitFor();
  await frame.getByRole("button", { name: /^Buy · / }).click();
  await frame.getByRole("dialog").getByText(/^Total /).waitFor();
  await payButton(frame).click();
  await frame.getByRole("status").filter({ hasText: "Status: Paid" }).waitFor({ timeout: 30_000 });
  await until(async () => (await page.evaluate(() => window.storeEvents.length)) >= 2, "both events at the host", 30_000);
  const events = await page.evaluate(() => window.storeEvents);
  assert.deepEqual(events.map((e) => e.type), ["purchase:created", "purchase:paid"]);
  for (const { detail } of events) {
    assert.deepEqual(Object.keys(detail), ["receipt"]);
    assert.match(detail.receipt, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
  assert.equal(events[0].detail.receipt, events[1].detail.receipt);
  await page.close();
});

test("a site the merchant did not list cannot frame the storefront", async () => {
  await sites();
  const page = await shop.browser.context.newPage();
  const refused = page.waitForEvent("console", {
    predicate: (m) => /frame-ancestors/.test(m.text()),
    timeout: 30_000,
  });
  await page.goto(foreign);
  await refused;
  assert.equal(await page.frameLocator("iframe[title='Shop']").getByRole("heading", { name: "Tidal Glass" }).count(), 0);
  await page.close();
});

test("where the browser blocks third-party storage, the frame says so and links to the shop", async () => {
  await sites();
  // This headless build's default: third-party cookies, hence the frame's worker, blocked.
  const blocking = await launchBrowser();
  try {
    const page = await blocking.context.newPage();
    await page.goto(allowed);
    const frame = page.frameLocator("iframe[title='Shop']");
    const work = (await getJson(shop.server.base, "/api/v1/items/101")).body;
    await frame.getByRole("link", { name: new RegExp(work.title) }).first().click();
    await frame.getByRole("button", { name: /^Buy · / }).click();
    const sheet = frame.getByRole("dialog");
    await sheet.getByRole("alert").filter({ hasText: "This browser keeps no shop data inside other sites" }).waitFor();
    const link = sheet.getByRole("link", { name: "Buy it on the shop's site" });
    assert.equal(new URL(await link.getAttribute("href"), shop.server.base).pathname, "/i/101");
    assert.equal(await link.getAttribute("target"), "_blank");
    assert.ok(await payButton(frame).isDisabled(), "nothing can be paid where nothing can be kept");
    await page.close();
  } finally {
    await blocking.close();
  }
});

test("bought offline inside the frame, kept by the frame's worker and sent when back online", async () => {
  await sites();
  const page = await shop.browser.context.newPage();
  await page.goto(allowed);
  const frame = page.frameLocator("iframe[title='Shop']");
  await frame.getByRole("status").filter({ hasText: "Available offline" }).waitFor({ timeout: 30_000 });
  const work = (await getJson(shop.server.base, "/api/v1/items/102")).body;
  await frame.getByRole("link", { name: new RegExp(work.title) }).first().click();
  await frame.getByRole("button", { name: /^Buy · / }).click();
  await frame.getByRole("dialog").getByText(/^Total /).waitFor();
  await shop.browser.context.setOffline(true);
  try {
    await frame.getByRole("dialog").getByRole("button", { name: /^Save purchase/ }).click();
    await frame.getByRole("status").filter({ hasText: "Status: Waiting to send" }).waitFor({ timeout: 30_000 });
    await until(async () => (await page.evaluate(() => window.storeEvents))
      .some((e) => e.type === "purchase:created"), "the host to hear of it offline", 15_000);
  } finally {
    await shop.browser.context.setOffline(false);
  }
  const created = (await page.evaluate(() => window.storeEvents)).filter((e) => e.type === "purchase:created");
  assert.equal(created.length, 1, "one purchase made on this page");
  const { receipt } = created[0].detail;
  await frame.getByRole("status").filter({ hasText: "Status: Paid" }).waitFor({ timeout: 60_000 });
  // The frame's worker is this host site's, and also tells of earlier purchases made in frames
  // on it as they change (another test's): this purchase's payment is the one to wait for.
  await until(async () => (await page.evaluate(() => window.storeEvents))
    .some((e) => e.type === "purchase:paid" && e.detail.receipt === receipt), "the payment to reach the host", 30_000);
  await page.close();
});

test("reloaded offline, the framed storefront comes back from the frame's own worker", async () => {
  await sites();
  const page = await shop.browser.context.newPage();
  await page.goto(allowed);
  const frame = page.frameLocator("iframe[title='Shop']");
  await frame.getByRole("status").filter({ hasText: "Available offline" }).waitFor({ timeout: 30_000 });
  const { title, items } = (await getJson(shop.server.base, "/api/v1/collections/tidal-glass")).body;
  await shop.browser.context.setOffline(true);
  try {
    // The host page stays; its frame loads again, with no network.
    await page.evaluate(() => { const f = document.querySelector("iframe[title='Shop']"); f.src = f.src; });
    await frame.getByRole("status").filter({ hasText: "Offline: showing saved copies" }).waitFor();
    await frame.getByRole("heading", { level: 1, name: title }).waitFor();
    const works = frame.getByRole("list", { name: "Works in this collection" }).getByRole("link");
    await works.first().waitFor();
    assert.equal(await works.count(), items.length);
  } finally {
    await shop.browser.context.setOffline(false);
  }
  await page.close();
});

test("the host's theme is applied in the frame when readable, and ignored when not", async () => {
  await sites();
  const page = await shop.browser.context.newPage();
  await page.goto(allowed);
  const frame = page.frameLocator("iframe[title='Shop']");
  await frame.getByRole("heading", { level: 1, name: "Tidal Glass" }).waitFor();
  const root = frame.locator("html");
  const accent = () => root.evaluate((e) => getComputedStyle(e).getPropertyValue("--color-primary").trim());
  const font = () => root.evaluate((e) => getComputedStyle(e).getPropertyValue("--font-sans").trim());
  const before = await accent();
  const setTheme = (theme) => page.evaluate((t) => { document.querySelector("vitrine-store").theme = t; }, theme);
  // Too light for white text on it: refused whole, its font too.
  await setTheme({ accent: "#ffee88", font: "Courier New, monospace" });
  // Then a font alone: once it shows, the message before it was judged (they arrive in order).
  await setTheme({ font: "Georgia, serif" });
  await until(async () => (await font()) === "Georgia, serif", "the font to be applied", 15_000);
  assert.equal(await accent(), before, "the unreadable accent was not applied");
  await setTheme({ accent: "#0b3d2e" });
  await until(async () => (await accent()) === "#0b3d2e", "the readable accent to be applied", 15_000);
  await page.close();
});
