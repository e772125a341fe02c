// Offline checkout end to end: a buyer taps Buy with the shop unreachable, the service worker
// keeps a signed receipt and the intent in IndexedDB, and sends it when the shop is back —
// exactly once, even when the server dies between committing and answering, when two tabs
// push at once, or when someone edits the stored intent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBrowserAndDatabase, status, heading } from "./support.mjs";
import {
  buy, getJson, openBuySheet, readyToBuy as readyToBuyIn, stockOf, until, withShop as withShopOn,
} from "./shop.mjs";

const SETTLED = 60_000;
const ctx = useBrowserAndDatabase();

const withShop = (body) => withShopOn(ctx.db.db, body);
const readyToBuy = (base, item) => readyToBuyIn(ctx.browser, base, item);

test("bought while the shop is down, sent when it is back, with no click", () => withShop(async (s) => {
  const page = await readyToBuy(s.proxy.base, 101);
  const before = await stockOf(s.direct(), 101);
  await s.kill();

  const id = await buy(page);
  await heading(page, "Receipt").waitFor();
  await status(page, "Status: Waiting to send").waitFor();
  await page.getByText(/^1 × .+, bought .+: Waiting to send\.$/).waitFor();
  // The timeline: saved, not yet sent.
  const step = (text) => page.getByRole("listitem").filter({ hasText: text });
  await step("Saved on this phone (done)").waitFor();
  await step("Sent (not yet)").waitFor();

  // The receipt is listed, and survives a reload while offline (it lives in IndexedDB).
  await page.getByRole("link", { name: "All receipts" }).click();
  await heading(page, "Your receipts").waitFor();
  await page.getByRole("link", { name: /^1 × / }).click();
  await status(page, "Status: Waiting to send").waitFor();

  await s.restart();
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  for (const done of ["Sent (done)", "Stock held (done)", "Paid (done)"]) await step(done).waitFor();

  const order = await getJson(s.direct(), `/api/v1/orders/${id}`);
  assert.equal(order.status, 200);
  assert.equal(order.body.state, "paid");
  assert.equal(await stockOf(s.direct(), 101), before - 1);

  // The signed receipt downloads, and checks out against the shop's published keys with
  // `vitrine verify-receipt`, the shop's answer sealed by its key; changed by one edition, or
  // with its answer turned into a decline, it does not.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download signed receipt" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `vitrine-receipt-${id}.json`);
  const dir = mkdtempSync(join(tmpdir(), "vitrine-receipt-"));
  try {
    const file = join(dir, "receipt.json");
    await download.saveAs(file);
    const keys = join(dir, "keys.json");
    writeFileSync(keys, JSON.stringify((await getJson(s.direct(), "/api/v1/keys")).body));
    const verify = (path) => spawnSync(process.env.VITRINE_BIN, ["verify-receipt", "--keys", keys, path], { encoding: "utf8" });
    const good = verify(file);
    assert.equal(good.status, 0, good.stderr);
    assert.match(good.stdout, new RegExp(`^valid: intent ${id} for 1 × item 101, `));
    assert.match(good.stdout, /the shop's answer, signed with key 1: paid as of /);

    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(saved.kind, "vitrine.receipt/1");
    assert.equal(saved.answer.state, "paid");
    assert.equal(saved.answer.seal.key_id, 1);
    for (const [what, change] of [
      ["intent", (r) => { r.intent.quantity = 2; }],
      ["quantity", (r) => { r.answer.quantity = 3; }],
      ["state", (r) => { r.answer.state = "declined"; }],
    ]) {
      const changed = structuredClone(saved);
      change(changed);
      const path = join(dir, `${what}.json`);
      writeFileSync(path, JSON.stringify(changed));
      const bad = verify(path);
      assert.notEqual(bad.status, 0, what);
      assert.match(bad.stderr, /not valid: /, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await page.close();
}));

test("server killed after committing, before answering: one order, right receipt", () => withShop(async (s) => {
  const page = await readyToBuy(s.proxy.base, 102);
  const before = await stockOf(s.direct(), 102);
  s.proxy.killOnNextIntent = () => s.kill();

  const id = await buy(page);
  await until(() => s.proxy.killed, "the first send");
  await s.proxy.killed;
  assert.equal(s.proxy.answeredPosts, 1, "the server answered the first send");
  // The device never got an answer, so as far as it knows the intent is unsent.
  await status(page, "Status: Waiting to send").waitFor();

  await s.restart();
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal((await getJson(s.direct(), `/api/v1/orders/${id}`)).body.state, "paid");
  assert.equal(await stockOf(s.direct(), 102), before - 1, "exactly one edition taken");
  // Every send carried the purchase's trace: its id as the trace id, a fresh span each time.
  const sends = s.proxy.intentTraces.filter((t) => t.key === id);
  assert.ok(sends.length >= 2, `sent, then sent again: ${JSON.stringify(sends)}`);
  for (const { traceparent } of sends) {
    assert.match(traceparent, new RegExp(`^00-${id.replaceAll("-", "")}-[0-9a-f]{16}-01$`));
  }
  // A fresh span per attempt of the worker's (the browser may resend one attempt by itself on
  // a reset connection, headers and all, so copies are not counted).
  assert.ok(new Set(sends.map((t) => t.traceparent)).size >= 2, `a span per attempt: ${JSON.stringify(sends)}`);
  await page.close();
}));

test("two tabs pushing the outbox at once send the intent once", () => withShop(async (s) => {
  const first = await readyToBuy(s.proxy.base, 103);
  const before = await stockOf(s.direct(), 103);
  await s.kill();
  const id = await buy(first);
  await status(first, "Status: Waiting to send").waitFor();

  const second = await ctx.browser.context.newPage();
  await second.goto(`${s.proxy.base}/receipts/${id}`);
  await status(second, "Status: Waiting to send").waitFor();

  const postsBefore = s.proxy.answeredPosts;
  await s.restart();
  // Both tabs hammer the worker with forced replays at the same moment.
  const hammer = (page) => page.evaluate(async () => {
    const { active } = await navigator.serviceWorker.ready;
    for (let i = 0; i < 20; i += 1) active.postMessage(JSON.stringify({ replay: { force: true } }));
  });
  await Promise.all([hammer(first), hammer(second)]);

  await status(first, "Status: Paid").waitFor({ timeout: SETTLED });
  await status(second, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal(s.proxy.answeredPosts - postsBefore, 1, "one send reached the server");
  assert.equal(await stockOf(s.direct(), 103), before - 1);
  await first.close();
  await second.close();
}));

test("an intent edited in IndexedDB is rejected with the reason, nothing charged", () => withShop(async (s) => {
  const page = await readyToBuy(s.proxy.base, 104);
  const before = await stockOf(s.direct(), 104);
  await s.kill();
  const id = await buy(page);
  await status(page, "Status: Waiting to send").waitFor();

  // Someone with access to the device raises the quantity after signing.
  const edited = await page.evaluate((id) => new Promise((resolve, reject) => {
    const open = indexedDB.open("vitrine");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("outbox", "readwrite");
      const store = tx.objectStore("outbox");
      const get = store.get(id);
      get.onsuccess = () => {
        const entry = get.result;
        entry.intent.quantity = 3;
        store.put(entry);
      };
      tx.oncomplete = () => resolve(true);
      tx.onerror = () => reject(tx.error);
    };
  }), id);
  assert.ok(edited);

  await s.restart();
  await status(page, /^Status: Rejected: .*signature/).waitFor({ timeout: SETTLED });
  await page.getByText("Nothing was charged.").waitFor();
  assert.equal((await getJson(s.direct(), `/api/v1/orders/${id}`)).status, 404);
  assert.equal(await stockOf(s.direct(), 104), before, "stock untouched");

  // A rejected intent left the outbox: a later pass does not send it again. A pass sends the
  // whole outbox, so once a new purchase has been sent and paid, exactly one more intent has
  // reached the server.
  const posts = s.proxy.answeredPosts;
  await page.goto(`${s.proxy.base}/i/106`);
  await openBuySheet(page);
  await buy(page);
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal(s.proxy.answeredPosts, posts + 1, "only the new purchase was sent");
  await page.close();
}));

test("online, a declined card says so on the receipt and charges nothing", () => withShop(async (s) => {
  const page = await readyToBuy(s.proxy.base, 106);
  const before = await stockOf(s.direct(), 106);
  await buy(page, { card: "4000000000000002" });
  await status(page, "Status: Payment declined — nothing charged").waitFor({ timeout: SETTLED });
  assert.equal(await stockOf(s.direct(), 106), before, "the hold was released");
  await page.close();
}));

test("bought offline, declined when the shop is back: the receipt says so and nothing is taken", () => withShop(async (s) => {
  const page = await readyToBuy(s.proxy.base, 106);
  const before = await stockOf(s.direct(), 106);
  await s.kill();
  // Accepted on the phone: a signed receipt, kept until the shop answers.
  await buy(page, { card: "4000000000000002" });
  await status(page, "Status: Waiting to send").waitFor();
  await s.restart();
  await status(page, "Status: Payment declined — nothing charged").waitFor({ timeout: SETTLED });
  assert.equal(await stockOf(s.direct(), 106), before, "the hold was released");
  await page.close();
}));

test("two offline buyers of the last edition: one paid, one told what to do instead", () => withShop(async (s) => {
  // Item 104 has one edition left (the rejected intent above took nothing).
  const page = await readyToBuy(s.proxy.base, 104);
  // Opened again now that the worker is in control, so the item is saved for offline.
  await page.reload();
  await openBuySheet(page);
  assert.equal(await stockOf(s.direct(), 104), 1);
  await s.kill();
  const first = await buy(page);
  await page.goto(`${s.proxy.base}/i/104`);
  await openBuySheet(page);
  const second = await buy(page);
  assert.notEqual(first, second);

  await s.restart();
  // Which one arrives first is up to the replay (each intent keeps its own backoff): wait
  // until the server has both, then look at the one that lost.
  const stateOf = async (id) => (await getJson(s.direct(), `/api/v1/orders/${id}`)).body.state;
  await until(async () => {
    const states = [await stateOf(first), await stateOf(second)].sort();
    return states[0] === "conflict" && states[1] === "paid";
  }, "one paid and one conflict", SETTLED);
  const [lost, won] = (await stateOf(first)) === "conflict" ? [first, second] : [second, first];
  await page.goto(`${s.proxy.base}/receipts/${lost}`);
  await status(page, "Status: Needs your attention").waitFor({ timeout: SETTLED });
  await page.getByText("Nothing was charged.").waitFor();
  await page.getByRole("heading", { name: "What you can do" }).waitFor();
  await page.getByRole("listitem").filter({ hasText: /similar work|waitlist/ }).first().waitFor();

  await page.goto(`${s.proxy.base}/receipts/${won}`);
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal(await stockOf(s.direct(), 104), 0, "never below zero");
  await page.close();
}));
