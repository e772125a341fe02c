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

/** Every record of each store of the `vitrine` database, and its version and store names. */
const readDatabase = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open("vitrine");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const names = [...db.objectStoreNames];
    const tx = db.transaction(names, "readonly");
    const out = { version: db.version, stores: {} };
    for (const name of names) {
      tx.objectStore(name).getAll().onsuccess = (e) => { out.stores[name] = e.target.result; };
    }
    tx.oncomplete = () => { db.close(); resolve(out); };
  };
}));

test("a device on IndexedDB schema v1 with an unsent intent upgrades to the current schema and still sends it", async () => {
  const db = freshDatabase();
  let server = await startServer({ db: db.db });
  const { port, base } = server;
  let records;
  let id;
  // Device 1 buys offline; its outbox and receipt are what a v1 worker wrote (same shapes).
  const first = await launchBrowser();
  try {
    const page = await first.context.newPage();
    await page.goto(`${base}/i/101`);
    await status(page, "Available offline").waitFor();
    await page.getByText(/^Total .+ Works offline too/).waitFor();
    await server.kill();
    await page.getByRole("button", { name: "Buy" }).click();
    await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
    id = new URL(page.url()).pathname.split("/").pop();
    records = (await readDatabase(page)).stores;
    assert.equal(records.outbox.length, 1);
  } finally {
    await first.close();
  }

  server = await startServer({ db: db.db, port });
  const stockBefore = (await (await fetch(`${base}/api/v1/items/101`)).json()).stock;
  const second = await launchBrowser();
  try {
    const page = await second.context.newPage();
    // Before any worker exists on this profile, lay down the v1 schema with those records.
    await page.goto(`${base}/healthz`);
    await page.evaluate((records) => new Promise((resolve, reject) => {
      const open = indexedDB.open("vitrine", 1);
      open.onupgradeneeded = () => {
        for (const name of ["device", "outbox", "receipts"]) open.result.createObjectStore(name, { keyPath: "id" });
      };
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction(["outbox", "receipts"], "readwrite");
        for (const r of records.outbox) tx.objectStore("outbox").put(r);
        for (const r of records.receipts) tx.objectStore("receipts").put(r);
        tx.oncomplete = () => { open.result.close(); resolve(); };
      };
    }), records);

    // The app and this build's worker arrive; the worker upgrades v1 step by step and replays.
    await page.goto(`${base}/receipts/${id}`);
    await status(page, "Paid").waitFor({ timeout: 60_000 });
    const after = await readDatabase(page);
    assert.equal(after.version, 3);
    assert.ok("meta" in after.stores, "v2 added the meta store");
    assert.ok("quarantine" in after.stores, "v3 added the quarantine store");
    assert.deepEqual(after.stores.outbox, [], "sent, so it left the outbox");
    assert.equal(after.stores.receipts.find((r) => r.id === id)?.status, "paid", "the receipt kept and updated");
    const order = await (await fetch(`${base}/api/v1/orders/${id}`)).json();
    assert.equal(order.state, "paid");
    assert.equal((await (await fetch(`${base}/api/v1/items/101`)).json()).stock, stockBefore - 1);
  } finally {
    await second.close();
    await server.kill().catch(() => {});
    db.cleanup();
  }
});
