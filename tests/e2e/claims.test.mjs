// QR claims (issue 13) in a real browser, through the real worker and IndexedDB: a collector
// opens a claim link with no network, reloads, and the claim reaches the shop once when the
// network is back; a kiosk set up online redeems 30 typed codes offline, one of them twice,
// and 29 reach the shop while the duplicate is refused on the tablet itself; a priced code
// whose card is declined is claimed again with another card, and paid for once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowserAndDatabase, merchantApi, merchantToken, status, heading } from "./support.mjs";
import { axeProblems, layoutProblems } from "./audit.mjs";
import { until, withShop } from "./shop.mjs";

const SETTLED = 60_000;
const ctx = useBrowserAndDatabase();

const token = () => merchantToken(ctx.db.db, "claims");


/** A batch of `count` vouchers for work 101 at `amount_minor` cents (free by default), as the
 * merchant makes one; with its vouchers. */
async function makeBatch(base, bearer, count, amount_minor = 0) {
  const made = await merchantApi(base, bearer, "POST", "/api/v1/merchant/claims", {
    item: 101, count, price: { amount_minor, currency: "EUR" },
    expires_at: Date.now() + 86_400_000, per_person_limit: 1,
  });
  const vouchers = await merchantApi(base, bearer, "GET", `/api/v1/merchant/claims/${made.id}/vouchers`);
  return { id: made.id, vouchers };
}

const claimedIn = async (base, bearer, id) =>
  (await merchantApi(base, bearer, "GET", `/api/v1/merchant/claims/${id}`)).claimed;

async function checked(page, what) {
  const problems = [...(await layoutProblems(page)), ...(await axeProblems(page))];
  assert.deepEqual(problems, [], `${what}: ${problems.join("; ")}`);
}

test("a collector claims offline from a link, reloads, and the claim arrives once", () => withShop(ctx.db.db, async (s) => {
  const bearer = token();
  const batch = await makeBatch(s.direct(), bearer, 2);
  const voucher = batch.vouchers[0];
  // The collector has visited the shop before (the worker keeps keys, terms and a certificate).
  const page = await ctx.browser.context.newPage();
  await page.goto(`${s.proxy.base}/c/tidal-glass`);
  await status(page, "Available offline").waitFor();

  await s.kill();
  // The QR code's own spelling: capitals, as a phone's camera hands it over.
  await page.goto(`${s.proxy.base}/CLAIM/${voucher.code}`);
  await heading(page, "Claim a work").waitFor();
  await page.getByText("This code is genuine").waitFor();
  await page.getByText(voucher.short_code, { exact: true }).waitFor();
  await checked(page, "claim page offline");
  await page.getByRole("button", { name: "Claim this work" }).press("Enter");
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  await status(page, "Status: Waiting to send").waitFor();
  const receipt = new URL(page.url()).pathname.split("/").pop();

  // Scanned again after a reload, still offline: the same claim, not a second one.
  await page.goto(`${s.proxy.base}/claim/${voucher.code}`);
  await page.reload();
  await page.getByText(/You claimed this work on this phone/).waitFor();
  await page.getByRole("link", { name: "See the receipt" }).click();
  await page.waitForURL(`${s.proxy.base}/receipts/${receipt}`);

  await s.restart();
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal(await claimedIn(s.direct(), bearer, batch.id), 1, "the claim arrived once");
  const vouchers = await merchantApi(s.direct(), bearer, "GET", `/api/v1/merchant/claims/${batch.id}/vouchers`);
  assert.ok(vouchers[0].claimed_at, "the scanned voucher is the one claimed");
  assert.equal(vouchers[1].claimed_at ?? null, null);
  await page.close();
}));

test("a declined card gives the code back: the collector tries another card and pays once", () => withShop(ctx.db.db, async (s) => {
  const bearer = token();
  const batch = await makeBatch(s.direct(), bearer, 1, 500);
  const voucher = batch.vouchers[0];
  const page = await ctx.browser.context.newPage();
  await page.goto(`${s.proxy.base}/c/tidal-glass`);
  await status(page, "Available offline").waitFor();

  await page.goto(`${s.proxy.base}/claim/${voucher.code}`);
  await heading(page, "Claim a work").waitFor();
  await page.getByLabel("Payment method").selectOption({ label: "4000 0000 0000 0002 — is declined" });
  const claimIt = page.getByRole("button", { name: /^Claim for / });
  await claimIt.press("Enter");
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  const declined = new URL(page.url()).pathname.split("/").pop();
  await status(page, "Status: Payment declined — nothing charged").waitFor({ timeout: SETTLED });
  assert.equal(await claimedIn(s.direct(), bearer, batch.id), 0, "the declined claim gave the code back");

  // Scanned again: the form once more, saying why, with a card that approves.
  await page.goto(`${s.proxy.base}/claim/${voucher.code}`);
  await status(page, "the card was declined").waitFor();
  await checked(page, "claim page after a declined card");
  assert.equal(await page.getByLabel("Payment method").inputValue(), "4242424242424242");
  await claimIt.press("Enter");
  await page.waitForURL((url) => /\/receipts\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(declined));
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.equal(await claimedIn(s.direct(), bearer, batch.id), 1, "paid for once");

  // And again: claimed, not offered a third time.
  await page.goto(`${s.proxy.base}/claim/${voucher.code}`);
  await page.getByText(/You claimed this work on this phone/).waitFor();
  assert.equal(await claimIt.count(), 0);
  await page.close();
}));

test("a kiosk redeems 30 codes offline, one twice: 29 reach the shop, 1 is refused on the tablet", () => withShop(ctx.db.db, async (s) => {
  const bearer = token();
  const batch = await makeBatch(s.direct(), bearer, 29);
  const kiosk = await ctx.browser.context.newPage();
  await kiosk.goto(`${s.proxy.base}/kiosk`);
  await heading(kiosk, "Kiosk").waitFor();
  await kiosk.getByLabel("API token").fill(bearer);
  await kiosk.getByLabel("API token").press("Enter");
  await kiosk.getByRole("button", { name: "Certify this kiosk and download the vouchers" }).click();
  await kiosk.getByText(/^Ready to claim offline until/).waitFor();
  // Every open batch's codes, this one's 29 among them.
  const typeable = await kiosk.getByText(/^\d+ codes can be typed by their short form\.$/).textContent();
  assert.ok(parseInt(typeable, 10) >= 29, typeable);

  await s.kill();
  // A reload with no network: the kiosk still opens, still set up.
  await kiosk.reload();
  await kiosk.getByText(/^Ready to claim offline until/).waitFor();
  await checked(kiosk, "kiosk offline");
  // The counter is noisy: a tone for each result, switched on by keyboard.
  await kiosk.getByLabel("Sound for each result").focus();
  await kiosk.keyboard.press("Space");
  assert.ok(await kiosk.getByLabel("Sound for each result").isChecked());
  const field = kiosk.getByLabel("Claim code");
  const verdict = kiosk.locator(".kiosk-result");
  const codes = [...batch.vouchers.map((v) => v.short_code), batch.vouchers[7].short_code];
  for (const [n, code] of codes.entries()) {
    await field.fill(code);
    await field.press("Enter");
    if (n < 29) {
      await verdict.getByText(`code ${code}.`, { exact: false }).waitFor();
      assert.equal(await verdict.locator(".kiosk-big").textContent(), "Claimed ✓");
    } else {
      await verdict.getByText("Already claimed", { exact: true }).waitFor();
    }
  }
  await status(kiosk, "29 waiting to send").waitFor();

  await s.restart();
  await status(kiosk, "0 waiting to send").waitFor({ timeout: SETTLED });
  assert.equal(await claimedIn(s.direct(), bearer, batch.id), 29, "29 claims, the duplicate never left the tablet");
  // Each batch request runs in a claim's trace, so a scan is followed from the tablet to the mint.
  assert.ok(s.proxy.claimTraces.length >= 1, "the queue went through the proxy");
  for (const traceparent of s.proxy.claimTraces) {
    assert.match(traceparent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  }
  await kiosk.close();
}));
