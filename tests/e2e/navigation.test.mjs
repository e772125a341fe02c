// Keyboard-only browsing, titles, focus, and the not-found page, online.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useStorefront, heading } from "./support.mjs";

const ctx = useStorefront();

/** Press Tab until the focused element is the link named `name`, as a keyboard user would. */
async function tabTo(page, name, limit = 40) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press("Tab");
    const label = await page.evaluate(() => {
      const el = document.activeElement;
      return el?.tagName === "A" ? el.textContent.trim() : null;
    });
    if (label?.includes(name)) return;
  }
  throw new Error(`could not reach the link "${name}" with Tab`);
}

test("a keyboard user reaches a collection and an item", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  assert.equal(await page.title(), "Collections · Vitrine");

  await tabTo(page, "Quiet Grids");
  await page.keyboard.press("Enter");
  await heading(page, "Quiet Grids").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), "H1");

  await tabTo(page, "Switchback");
  await page.keyboard.press("Enter");
  await heading(page, "Switchback").waitFor();
  assert.equal(await page.title(), "Switchback · Vitrine");

  // The breadcrumb leads back to the gallery.
  await page.getByRole("navigation", { name: "Breadcrumb" })
    .getByRole("link", { name: "Quiet Grids" }).click();
  await heading(page, "Quiet Grids").waitFor();
});

test("unknown pages and ids show a not-found page with a way home", async () => {
  const page = await ctx.browser.context.newPage();
  for (const path of ["/no/such/page", "/c/no-such-collection", "/i/999999", "/i/not-a-number"]) {
    await page.goto(`${ctx.server.base}${path}`);
    await heading(page, "Not found").waitFor();
    assert.equal(await page.title(), "Not found · Vitrine", path);
  }
  await page.getByRole("link", { name: "Browse the collections" }).click();
  await heading(page, "Collections").waitFor();
});

test("the storefront is installable as an app", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  const cdp = await ctx.browser.context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  assert.deepEqual(installabilityErrors, []);
  const manifest = await (await page.request.get(`${ctx.server.base}/manifest.webmanifest`)).json();
  const purposes = manifest.icons.map((i) => `${i.sizes} ${i.purpose ?? "any"}`);
  assert.deepEqual(purposes, ["192x192 any", "512x512 any", "512x512 maskable"]);
});
