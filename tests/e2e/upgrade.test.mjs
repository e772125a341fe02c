// A release reaches a buyer who has an unsent offline purchase: build B installs behind build
// A, the page offers "Update available — Reload", B takes over only on that word, drops A's
// caches but keeps the images, and the purchase still replays and its receipt still shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase, startServer, launchBrowser, status, loadedImage } from "./support.mjs";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through \`cargo xtask test\``);
  return value;
};

const cacheNames = (page) => page.evaluate(() => caches.keys());
const imageEntries = (page) => page.evaluate(
  () => caches.open("vitrine-images-v1").then((c) => c.keys()).then((k) => k.length));

test("build A → build B with a pending offline purchase", async () => {
  const db = freshDatabase();
  const browser = await launchBrowser();
  let server = await startServer({ db: db.db });
  const { port, base } = server;
  try {
    const page = await browser.context.newPage();
    await page.goto(`${base}/i/101`);
    await status(page, "Available offline").waitFor();
    // Seen again under the worker: now the picture is in its image cache.
    await page.reload();
    await status(page, "Available offline").waitFor();
    await loadedImage(page, page.getByRole("figure").getByRole("img"));
    await page.getByText(/^Total .+ Works offline too/).waitFor();
    const stockBefore = (await (await fetch(`${base}/api/v1/items/101`)).json()).stock;
    const namesA = await cacheNames(page);
    const precacheA = namesA.find((n) => n.endsWith("-precache"));
    assert.ok(precacheA, JSON.stringify(namesA));
    const imagesA = await imageEntries(page);
    assert.ok(imagesA > 0, "the item's picture is in the image cache");

    // Offline purchase under build A.
    await server.kill();
    await page.getByRole("button", { name: "Buy" }).click();
    await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split("/").pop();
    await status(page, /Waiting to send/).waitFor();

    // Build B is released on the same origin; the page checks for it.
    server = await startServer({ db: db.db, port, dist: env("VITRINE_DIST_B") });
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    const prompt = status(page, "Update available");
    await prompt.waitFor({ timeout: 30_000 });
    // B waits for the buyer: A still controls the page, and A's caches are still there.
    assert.ok((await cacheNames(page)).includes(precacheA), "nothing of A is removed before the word");

    await Promise.all([
      page.waitForEvent("load"),
      prompt.getByRole("button", { name: "Reload" }).click(),
    ]);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const namesB = await cacheNames(page);
    assert.ok(!namesB.includes(precacheA), `A's precache is gone: ${JSON.stringify(namesB)}`);
    assert.ok(namesB.some((n) => n.endsWith("-precache")), "B's precache is in place");
    assert.ok(await imageEntries(page) >= imagesA, "images are kept across the release");

    // The purchase made under A reaches the shop exactly once, and its receipt shows it.
    await page.goto(`${base}/receipts/${id}`);
    await status(page, "Paid").waitFor({ timeout: 60_000 });
    const order = await (await fetch(`${base}/api/v1/orders/${id}`)).json();
    assert.equal(order.state, "paid");
    const stockAfter = (await (await fetch(`${base}/api/v1/items/101`)).json()).stock;
    assert.equal(stockAfter, stockBefore - 1);
  } finally {
    await browser.close();
    await server.kill().catch(() => {});
    db.cleanup();
  }
});
