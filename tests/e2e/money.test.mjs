// The money path on a real device (issue 10): the offline budget holds across tabs, one press
// of Buy is one order even when the network stalls, one damaged record never stops the rest,
// and an order the server lost after acknowledging it is sent again from the device.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowserAndDatabase, status, askWorker } from "./support.mjs";
import { buy, getJson, openBuySheet, payButton, readyToBuy, stockOf, until, withShop } from "./shop.mjs";

const SETTLED = 60_000;
const ctx = useBrowserAndDatabase();

const receiptsOf = async (page) => (await askWorker(page, "receipts")).receipts.receipts;

/** Open `item`'s page with `quantity` chosen, and wait until the device says it may buy. */
async function choose(page, base, item, quantity) {
  await page.goto(`${base}/i/${item}`);
  await openBuySheet(page);
  await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByRole("dialog").getByText(/^Total /).waitFor();
}

/** Press Pay; resolves "bought" on the receipt page, or "refused" with the form's alert. */
async function pressBuy(page) {
  await payButton(page).click();
  const bought = page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/).then(() => "bought");
  const refused = page.getByRole("alert").filter({ hasText: /\S/ }).waitFor().then(() => "refused");
  return Promise.race([bought, refused]);
}

test("two tabs buying offline at once never spend more than the device's budget", () => withShop(ctx.db.db, async (s) => {
  const item = 107;
  const a = await readyToBuy(ctx.browser, s.proxy.base, item);
  const b = await ctx.browser.context.newPage();
  const { body } = await getJson(s.direct(), `/api/v1/items/${item}`);
  const price = body.price.amount_minor;
  const quantity = Math.min(10, Math.floor(20_000 / price));
  const fits = Math.floor(50_000 / (price * quantity));
  assert.ok(fits >= 2, `${fits} purchases fit`);
  // Opened again now that the worker is in control, so the item is saved for offline.
  await a.reload();
  await openBuySheet(a);
  await s.kill();
  // Offline, fill the budget but for one purchase, in one tab.
  for (let i = 0; i < fits - 1; i += 1) {
    await choose(a, s.proxy.base, item, quantity);
    assert.equal(await pressBuy(a), "bought");
  }
  // Both tabs are told one more fits; both press Buy at the same moment.
  await choose(a, s.proxy.base, item, quantity);
  await choose(b, s.proxy.base, item, quantity);
  const outcomes = await Promise.all([pressBuy(a), pressBuy(b)]);
  assert.deepEqual([...outcomes].sort(), ["bought", "refused"], "exactly one of the two fits");
  const refusedPage = outcomes[0] === "refused" ? a : b;
  const said = await refusedPage.getByRole("alert").filter({ hasText: /\S/ }).textContent();
  assert.match(said, /offline limit/);
  const waiting = (await receiptsOf(a)).filter((r) => r.status === "waiting");
  assert.equal(waiting.length, fits);
  const total = waiting.reduce((sum, r) => sum + r.total.amount_minor, 0);
  assert.ok(total <= 50_000, `${total} within the budget`);
  await a.close();
  await b.close();
}));

test("a purchase pressed again after a stall is one order", () => withShop(ctx.db.db, async (s) => {
  // Certificates of an hour are always "near expiry": every purchase tries to renew first.
  const item = 108;
  const page = await readyToBuy(ctx.browser, s.proxy.base, item);
  const before = await stockOf(s.direct(), item);
  s.proxy.stallRegistrations = 25_000;
  let outcome = await pressBuy(page);
  for (let presses = 1; outcome !== "bought"; presses += 1) {
    assert.ok(presses < 4, "the purchase goes through");
    // The page gave up waiting; the buyer presses Buy again, which resumes the same purchase.
    outcome = await pressBuy(page);
  }
  const id = new URL(page.url()).pathname.split("/").pop();
  s.proxy.stallRegistrations = 0;
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  const mine = (await receiptsOf(page)).filter((r) => r.item === item);
  assert.deepEqual(mine.map((r) => r.id), [id], "one receipt");
  assert.equal(await stockOf(s.direct(), item), before - 1, "one order");
  // The worker answers a repeated purchase id with the receipt it already has.
  const again = await askWorker(page, { buy: {
    id, item, title: "again", quantity: 1,
    quote: (await getJson(s.direct(), `/api/v1/items/${item}`)).body.quote,
    payment: { rail: "sandbox-card", token: "4242424242424242" }, buyer: {},
  } });
  assert.equal(again.bought.id, id);
  assert.equal((await receiptsOf(page)).filter((r) => r.item === item).length, 1);
  await page.close();
}, ["--certificate-ttl", "3600"]));

test("one unreadable outbox record is set aside and the others still send", () => withShop(ctx.db.db, async (s) => {
  const item = 109;
  const page = await readyToBuy(ctx.browser, s.proxy.base, item);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open("vitrine");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("outbox", "readwrite");
      tx.objectStore("outbox").put({ id: "x" });
      tx.oncomplete = () => { open.result.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await s.kill();
  await buy(page);
  await status(page, "Status: Waiting to send").waitFor();
  await s.restart();
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  await page.getByRole("link", { name: "All receipts" }).click();
  await page.getByText(/1 saved purchase\(s\) on this device could not be read and need attention/).waitFor();
  await page.close();
}));

test("an order the server lost after acknowledging it is sent again by the device", () => withShop(ctx.db.db, async (s) => {
  const item = 111;
  const page = await readyToBuy(ctx.browser, s.proxy.base, item);
  // Last night's backup, taken before the purchase.
  await s.kill();
  s.backup();
  await s.restart();
  const before = await stockOf(s.direct(), item);
  // The device hears "accepted" but not yet how the order ends.
  s.proxy.holdOrderStates = true;
  const id = await buy(page, { card: "4000000000003220" });
  await status(page, "Status: Accepted — stock held").waitFor({ timeout: SETTLED });
  // Disaster: the database is restored from the backup; the order is gone.
  await s.kill();
  s.restore();
  await s.restart();
  assert.equal((await getJson(s.direct(), `/api/v1/orders/${id}`)).status, 404);
  s.proxy.holdOrderStates = false;
  // The worker still holds the signed intent, finds the order missing and sends it again.
  await until(async () => (await getJson(s.direct(), `/api/v1/orders/${id}`)).status === 200,
    "the order to exist again", SETTLED);
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal(await stockOf(s.direct(), item), before - 1, "exactly one order");
  await page.close();
}));
