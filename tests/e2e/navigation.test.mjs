// Keyboard-only browsing, titles, focus, and the not-found page, online.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useStorefront, heading, status } from "./support.mjs";

const ctx = useStorefront();

/** Press Tab until the focused link or button says `name`, as a keyboard user would. */
async function tabTo(page, name, limit = 40) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const label = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.tagName === "A" || el?.tagName === "BUTTON" ? el.textContent.trim() : null;
    });
    if (label?.includes(name)) return;
  }
  throw new Error(`could not reach "${name}" with Tab`);
}

test("a keyboard user reaches a collection and an item", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  assert.equal(await page.title(), "Collections · Vitrine");

  await tabTo(page, "Quiet Grids");
  await page.keyboard.press("Enter");
  await heading(page, "Quiet Grids").waitFor();
  // A page the server drew: the link loaded it, and its title names it.
  assert.equal(await page.title(), "Quiet Grids · Vitrine");

  await tabTo(page, "Switchback");
  await page.keyboard.press("Enter");
  await heading(page, "Switchback").waitFor();
  assert.equal(await page.title(), "Switchback · Vitrine");

  // The breadcrumb leads back to the gallery.
  await page.getByRole("navigation", { name: "Breadcrumb" })
    .getByRole("link", { name: "Quiet Grids" }).click();
  await heading(page, "Quiet Grids").waitFor();
});

test("a keyboard user buys two editions: Buy, One more, Pay, and the receipt", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/i/201`);
  await status(page, "Available offline").waitFor();
  const sheet = page.getByRole("dialog");
  const bar = await page.getByRole("button", { name: /^Buy · / }).textContent();
  const price = Number(bar.match(/([\d.]+) EUR/)[1]);

  // Escape closes the sheet and gives focus back to Buy.
  await tabTo(page, "Buy · ");
  await page.keyboard.press("Enter");
  await sheet.getByText(/^Total /).waitFor();
  await page.keyboard.press("Escape");
  await sheet.waitFor({ state: "hidden" });
  assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ""), /^Buy · /);

  await page.keyboard.press("Enter");
  await sheet.getByText(/^Total /).waitFor();
  await tabTo(page, "One more");
  await page.keyboard.press("Enter");
  assert.equal(await sheet.getByLabel("Quantity").inputValue(), "2");
  const pay = `Pay ${(price * 2).toFixed(2)} EUR`;
  await sheet.getByRole("button", { name: pay }).waitFor();
  await tabTo(page, pay);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  await page.getByText(/^2 × .+, bought /).waitFor();
});

test("a gallery sorts by price and shows only what is available, by keyboard", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/c/orbit-studies`);
  await heading(page, "Orbit Studies").waitFor();
  const grid = page.getByRole("list", { name: "Works in this collection" });
  // What a sighted buyer sees: the cards not hidden by the filter, in order.
  const prices = async () => (await grid.locator(".price:visible").allTextContents()).map((t) => Number(t.split(" ")[0]));
  const soldOut = () => grid.getByText("Sold out").filter({ visible: true }).count();
  const ascending = () => page.waitForFunction(() => {
    const shown = [...document.querySelectorAll("ul.grid li:not([hidden]) .price")].map((e) => parseFloat(e.textContent));
    return shown.length > 1 && shown.every((p, i) => i === 0 || shown[i - 1] <= p);
  });
  const all = (await prices()).length;

  await page.getByLabel("Sort by").selectOption({ label: "Price: low to high" });
  await ascending();
  assert.ok(await soldOut() > 0, "this gallery has sold-out works");

  await page.getByRole("button", { name: "Available only" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Available only", pressed: true }).waitFor();
  await page.waitForFunction(() => !document.querySelector("ul.grid li:not([hidden]) .sold-out"));
  assert.equal(await soldOut(), 0);
  const left = (await prices()).length;
  assert.ok(left < all, `${left} of ${all} are available`);
  await status(page, `${left} works`).waitFor();
  await ascending();
});

test("a keyboard user searches the whole catalog as they type, and Back keeps the results", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  await tabTo(page, "Search");
  await page.keyboard.press("Enter");
  await heading(page, "Search").waitFor();
  assert.equal(await page.title(), "Search · Vitrine");

  // Focus is on the heading; the search box is next.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "search-q");
  const box = page.getByRole("searchbox", { name: "Search the catalog" });
  // Results follow each keystroke: a broad prefix first, then the one work.
  await page.keyboard.type("peri");
  await status(page, /^\d+ works? match(es)? “peri”\.$/).waitFor();
  await page.keyboard.type("helion");
  await status(page, "1 work matches “perihelion”.").waitFor();
  const results = page.getByRole("list", { name: "Search results" });
  assert.deepEqual(await results.getByRole("heading").allTextContents(), ["Perihelion"]);

  // A collection's name finds its works (title, artist, collection and description are all
  // searched), and a query nothing matches says so.
  await box.fill("");
  await page.keyboard.type("orbit studies");
  await status(page, /^\d+ works match “orbit studies”\.$/).waitFor();
  assert.ok(await results.getByRole("listitem").count() >= 10);
  await page.keyboard.press("Control+A");
  await page.keyboard.type("zzzz");
  await status(page, "No works match “zzzz”.").waitFor();
  assert.equal(await results.getByRole("listitem").count(), 0);

  await box.fill("");
  await page.keyboard.type("perihelion");
  await status(page, "1 work matches “perihelion”.").waitFor();
  await tabTo(page, "Perihelion");
  await page.keyboard.press("Enter");
  await heading(page, "Perihelion").waitFor();
  await page.goBack();
  await heading(page, "Search").waitFor();
  assert.equal(await box.inputValue(), "perihelion");
  await status(page, "1 work matches “perihelion”.").waitFor();
});

test("a sold-out work offers its waitlist by keyboard: a bad address is explained, a good one joins once", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/i/105`);
  await tabTo(page, "Sold out — join the waitlist");
  await page.keyboard.press("Enter");
  const sheet = page.getByRole("dialog", { name: "Join the waitlist" });
  const email = sheet.getByLabel("Email address");
  await email.waitFor();

  await tabTo(page, "Join the waitlist");
  await page.keyboard.press("Enter");
  await sheet.getByRole("alert").filter({ hasText: "Enter an email address like name@example.com." }).waitFor();
  // Focus moves to the field at fault on the frame after the message is drawn (and a page
  // behind others gets frames late): wait for it rather than read it at once.
  await page.waitForFunction(() => document.activeElement?.id === "waitlist-email");
  assert.equal(await email.getAttribute("aria-invalid"), "true");

  await page.keyboard.type("Collector@Example.org");
  await page.keyboard.press("Enter");
  await sheet.getByRole("status").filter({ hasText: "You are on the waitlist. The shop has collector@example.org" }).waitFor();
  await page.keyboard.press("Escape");
  await sheet.waitFor({ state: "hidden" });

  // The server keeps one entry per address: a second visit is told so.
  await page.reload();
  await page.getByRole("button", { name: "Sold out — join the waitlist" }).click();
  await email.fill("collector@example.org");
  await sheet.getByRole("button", { name: "Join the waitlist" }).click();
  await sheet.getByRole("status").filter({ hasText: "was already on the waitlist" }).waitFor();
});

test("unknown pages and ids show a not-found page with a way home", async () => {
  const page = await ctx.browser.context.newPage();
  for (const path of ["/no/such/page", "/c/no-such-collection", "/i/999999", "/i/not-a-number"]) {
    await page.goto(`${ctx.server.base}${path}`);
    await heading(page, "Not found").waitFor();
    assert.equal(await page.title(), "Not found · Vitrine", path);
  }
  // The not-found page offers search: a mistyped link still leads to the work.
  await page.getByRole("searchbox", { name: "Search the catalog" }).fill("perihelion");
  await page.keyboard.press("Enter");
  await heading(page, "Search").waitFor();
  assert.equal(new URL(page.url()).search, "?q=perihelion");
  await status(page, "1 work matches “perihelion”.").waitFor();

  await page.goBack();
  await heading(page, "Not found").waitFor();
  await page.getByRole("link", { name: "Browse the collections" }).click();
  await heading(page, "Collections").waitFor();
});

test("the storefront is installable as an app", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  // Not in the HTML: `boot.js` links it once the page has started.
  const html = await (await page.request.get(`${ctx.server.base}/`)).text();
  assert.ok(html.includes("<head>") && !html.includes('rel="manifest"'), html.slice(0, 400));
  await page.locator('head link[rel="manifest"]').waitFor({ state: "attached" });
  const cdp = await ctx.browser.context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assert.deepEqual(installabilityErrors, []);
  const manifest = await (await page.request.get(`${ctx.server.base}/manifest.webmanifest`)).json();
  const purposes = manifest.icons.map((i) => `${i.sizes} ${i.purpose ?? "any"}`);
  assert.deepEqual(purposes, ["192x192 any", "512x512 any", "512x512 maskable"]);
});
