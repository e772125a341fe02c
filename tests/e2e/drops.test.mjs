// Timed drops from the buyer's side (issue 12): a merchant schedules a drop through the
// merchant API; the work's page counts down on the server's clock with Buy not yet usable;
// at the start the buyer buys with the shop unreachable (the purchase is signed during the
// drop and honoured when it arrives) and again online, while the merchant's console counts
// the sales live; the drop's per-buyer limit refuses a third, and the storefront counts what
// is left.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowserAndDatabase, merchantToken, status, heading } from "./support.mjs";
import { buy, getJson, openBuySheet, payButton, until, withShop } from "./shop.mjs";

const SETTLED = 60_000;
const WORK = 112;
const ctx = useBrowserAndDatabase();

const dropsToken = () => merchantToken(ctx.db.db, "drops");

async function api(base, token, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json() };
}

/** Schedule and approve a drop of `supply` editions of WORK starting `inMs` from the server's now. */
async function scheduleDrop(base, token, { inMs, supply, limit }) {
  const rules = {
    min_lead_minutes: 0, max_live_at_once: 2, max_drops_per_day: 5, quiet_hours: null,
    utc_offset_minutes: 0, maintenance: [], max_duration_hours: 48,
  };
  assert.equal((await api(base, token, "PUT", "/api/v1/merchant/schedule-rules", rules)).status, 200);
  const health = await fetch(`${base}/healthz`);
  const serverNow = Number(health.headers.get("server-time"));
  const starts_at = serverNow + inMs;
  const drop = await api(base, token, "POST", "/api/v1/merchant/drops", {
    title: "First light", starts_at, ends_at: starts_at + 3_600_000, per_buyer_limit: limit,
    items: [{ item: WORK, supply, price: { amount_minor: 1200, currency: "EUR" } }],
  });
  assert.equal(drop.status, 201, JSON.stringify(drop.body));
  const approved = await api(base, token, "POST", `/api/v1/merchant/drops/${drop.body.id}/approve`);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  return approved.body;
}

const seconds = (text) => {
  const [, h, m, s] = text.match(/Starts in (\d\d):(\d\d):(\d\d)/);
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
};

test("the buyer watches the countdown, buys at the start offline and online, and the limit holds", () => withShop(ctx.db.db, async (s) => {
  const token = dropsToken();
  const drop = await scheduleDrop(s.direct(), token, { inMs: 25_000, supply: 3, limit: 2 });

  const page = await ctx.browser.context.newPage();
  await page.goto(`${s.proxy.base}/i/${WORK}`);
  await status(page, "Available offline").waitFor();
  await page.reload();
  // The drop's name, price and countdown; Buy says when it opens and cannot be used yet.
  const countdown = page.getByText(/^Starts in \d\d:\d\d:\d\d$/).first();
  await countdown.waitFor();
  const first = seconds(await countdown.textContent());
  assert.ok(first > 0 && first <= 25, `${first} s to go`);
  await page.getByText("First light", { exact: true }).waitFor();
  await page.getByText(/12\.00 EUR in the drop First light: 3 editions, at most 2 per buyer\./).waitFor();
  const waiting = page.getByRole("button", { name: /^Starts in / });
  assert.equal(await waiting.isDisabled(), true);
  // It counts down.
  await until(async () => seconds(await countdown.textContent()) < first, "the countdown to move");

  // The shop goes unreachable before the start; the page keeps counting on the clock it learnt.
  await s.kill();
  const buyButton = page.getByRole("button", { name: /^Buy · 12\.00 EUR$/ });
  await buyButton.waitFor({ timeout: 40_000 });
  await page.getByText("Live — 3 left").first().waitFor();
  await openBuySheet(page);
  const offline = await buy(page);
  await heading(page, "Receipt").waitFor();
  await status(page, "Status: Waiting to send").waitFor();

  // Back online: the purchase signed during the drop is honoured.
  await s.restart();
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  const order = await getJson(s.direct(), `/api/v1/orders/${offline}`);
  assert.equal(order.body.state, "paid");

  // The merchant opens the console's drops and keeps it open.
  const desk = await ctx.browser.context.newPage();
  await desk.goto(`${s.proxy.base}/merchant/drops`);
  await desk.getByLabel("API token").fill(token);
  await desk.getByRole("button", { name: "Sign in" }).click();
  await desk.getByText(/: 1 of 3 taken, 12\.00 EUR each$/).waitFor();

  // Online, a second one; then the drop's limit of two per buyer refuses a third, nothing charged.
  await page.goto(`${s.proxy.base}/i/${WORK}`);
  await page.getByText("Live — 2 left").first().waitFor();
  const online = await buy(page);
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  assert.notEqual(online, offline);
  // The console's counter moves without a reload.
  await desk.getByText(/: 2 of 3 taken, 12\.00 EUR each$/).waitFor();
  await desk.close();
  await page.goto(`${s.proxy.base}/i/${WORK}`);
  await page.getByText("Live — 1 left").first().waitFor();
  await buy(page);
  await status(page, /Status: Rejected/).waitFor({ timeout: SETTLED });
  await page.getByText(/^Rejected: This drop allows 2 editions per buyer, and you have reached it\./).waitFor();

  const seen = await api(s.direct(), token, "GET", `/api/v1/merchant/drops/${drop.id}`);
  assert.equal(seen.body.items[0].taken, 2);
  await page.close();
}));

test("a drop for listed collectors: the device fetches the buyer's proof, and a stranger is told before anything is saved", () => withShop(ctx.db.db, async (s) => {
  const token = dropsToken();
  const work = 113;
  const health = await fetch(`${s.direct()}/healthz`);
  const starts_at = Number(health.headers.get("server-time")) + 12_000;
  const draft = await api(s.direct(), token, "POST", "/api/v1/merchant/drops", {
    title: "Members", starts_at, ends_at: starts_at + 3_600_000, per_buyer_limit: 1, allowlist: true,
    items: [{ item: work, supply: 2, price: { amount_minor: 900, currency: "EUR" } }],
  });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  const list = await api(s.direct(), token, "PUT", `/api/v1/merchant/drops/${draft.body.id}/allowlist`, { entries: ["listed@example.com"] });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.equal((await api(s.direct(), token, "POST", `/api/v1/merchant/drops/${draft.body.id}/approve`)).status, 200);

  const page = await ctx.browser.context.newPage();
  await page.goto(`${s.proxy.base}/i/${work}`);
  await page.getByRole("button", { name: /^Buy · 9\.00 EUR$/ }).waitFor({ timeout: 40_000 });
  await openBuySheet(page);
  const email = page.getByLabel("Email you were listed with");
  await email.fill("stranger@example.com");
  await payButton(page).click();
  await page.getByRole("alert").filter({ hasText: "this email is not on it" }).waitFor();
  await email.fill("listed@example.com");
  await payButton(page).click();
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  await status(page, "Status: Paid").waitFor({ timeout: SETTLED });
  await page.close();
}));
