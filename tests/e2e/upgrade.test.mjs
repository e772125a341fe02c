// A release reaches a buyer who has an unsent offline purchase: build B installs behind build
// A, the page offers "Update available — Reload", B takes over only on that word, drops A's
// caches but keeps the images, and the purchase still replays and its receipt still shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { freshDatabase, startServer, launchBrowser, status, loadedImage } from "./support.mjs";
import { openBuySheet, payButton } from "./shop.mjs";
import {
  checkAgainstVectors, keyFromSecret, signed, registrationBytes, quoteBytes, intentBytes, serverKeyOne,
} from "./legacy.mjs";

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
    await openBuySheet(page);
    const stockBefore = (await (await fetch(`${base}/api/v1/items/101`)).json()).stock;
    const namesA = await cacheNames(page);
    const precacheA = namesA.find((n) => n.endsWith("-precache"));
    assert.ok(precacheA, JSON.stringify(namesA));
    const imagesA = await imageEntries(page);
    assert.ok(imagesA > 0, "the item's picture is in the image cache");

    // Offline purchase under build A.
    await server.kill();
    await payButton(page).click();
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
    await status(page, "Status: Paid").waitFor({ timeout: 60_000 });
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

/** Before any worker exists on a profile: the IndexedDB schema v1 holding `records`. */
async function layDownSchemaOne(page, base, records) {
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
}

/** One purchase made offline in a fresh browser; its outbox and receipt records. */
async function offlinePurchase(server, base) {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${base}/i/101`);
    await status(page, "Available offline").waitFor();
    await openBuySheet(page);
    await server.kill();
    await payButton(page).click();
    await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
    const id = new URL(page.url()).pathname.split("/").pop();
    const records = (await readDatabase(page)).stores;
    assert.equal(records.outbox.length, 1);
    return { id, records };
  } finally {
    await browser.close();
  }
}

test("a device on IndexedDB schema v1 with an unsent intent upgrades to the current schema and still sends it", async () => {
  const db = freshDatabase();
  let server = await startServer({ db: db.db });
  const { port, base } = server;
  // Device 1 buys offline; its outbox and receipt are what a v1 worker wrote (same shapes).
  const { id, records } = await offlinePurchase(server, base);

  server = await startServer({ db: db.db, port });
  const stockBefore = (await (await fetch(`${base}/api/v1/items/101`)).json()).stock;
  const second = await launchBrowser();
  try {
    const page = await second.context.newPage();
    // Before any worker exists on this profile, lay down the v1 schema with those records.
    await layDownSchemaOne(page, base, records);

    // The app and this build's worker arrive; the worker upgrades v1 step by step and replays.
    await page.goto(`${base}/receipts/${id}`);
    await status(page, "Status: Paid").waitFor({ timeout: 60_000 });
    const after = await readDatabase(page);
    assert.equal(after.version, 4);
    assert.ok("meta" in after.stores, "v2 added the meta store");
    assert.ok("quarantine" in after.stores, "v3 added the quarantine store");
    assert.ok("kiosk_vouchers" in after.stores, "v4 added the kiosk's vouchers");
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

test("intents a format 1 release left queued are still accepted after the upgrade", async () => {
  checkAgainstVectors();
  const db = freshDatabase();
  let server = await startServer({ db: db.db });
  const { port, base } = server;
  const { id, records } = await offlinePurchase(server, base);
  server = await startServer({ db: db.db, port });
  try {
    // What the older release had made: a format 1 certificate (the server still answers a
    // format 1 registration with one), a format 1 quote (signed by key 1 back then), and the
    // purchase signed in format 1 under the same id.
    const device = keyFromSecret(randomBytes(32));
    const registration = signed({ device_key: device.public, device_time: Date.now() }, registrationBytes, device);
    const res = await fetch(`${base}/api/v1/devices`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(registration),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const certificate = await res.json();
    assert.ok(!certificate.v || certificate.v === 1, `a format 1 certificate: ${JSON.stringify(certificate)}`);
    const current = (await (await fetch(`${base}/api/v1/items/101`)).json());
    const quote = signed({ item: 101, price: current.quote.price, valid_until: Date.now() + 3_600_000 }, quoteBytes, serverKeyOne(db.db));
    const queued = records.outbox[0].intent;
    const intent = signed({
      id, item: 101, quantity: queued.quantity, quote, certificate, device_time: Date.now(),
      payment: queued.payment, buyer: queued.buyer,
    }, intentBytes, device);
    records.outbox[0].intent = intent;
    records.receipts[0].signature = intent.signature;
    const stockBefore = current.stock;

    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await layDownSchemaOne(page, base, records);
      await page.goto(`${base}/receipts/${id}`);
      await status(page, "Status: Paid").waitFor({ timeout: 60_000 });
      const order = await (await fetch(`${base}/api/v1/orders/${id}`)).json();
      assert.equal(order.state, "paid");
      assert.equal((await (await fetch(`${base}/api/v1/items/101`)).json()).stock, stockBefore - 1);
    } finally {
      await browser.close();
    }
  } finally {
    await server.kill().catch(() => {});
    db.cleanup();
  }
});
