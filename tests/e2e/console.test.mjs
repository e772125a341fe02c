// The merchant's console (issue 12), used as a merchant would, by keyboard and by role: sign
// in with a token; make a collection and a work, upload its original and see it in the
// storefront; set the scheduling limits, draft a drop, read the model's proposals, approve it
// and see a buyer's countdown; resolve a conflict from the queue in one click; find orders;
// read what reconciliation raised (a mint late to finality while the L2's batcher is down)
// and mark it reviewed from the conflicts queue; list the sites that may embed the storefront,
// copy a collection's snippet and preview it;
// refund part of a sale; read it all in the audit log. Each section passes the layout and axe
// checks on a phone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { useBrowserAndDatabase, merchantApi, merchantToken, status, heading } from "./support.mjs";
import { axeProblems, layoutProblems } from "./audit.mjs";
import { buy, getJson, openBuySheet, readyToBuy, until, withShop } from "./shop.mjs";

const SETTLED = 60_000;
const ctx = useBrowserAndDatabase();

const token = () => merchantToken(ctx.db.db, "catalog,drops,claims,orders,admin");

async function checked(page, what) {
  const problems = [...(await layoutProblems(page)), ...(await axeProblems(page))];
  assert.deepEqual(problems, [], `${what}: ${problems.join("; ")}`);
}

const section = (page, name) => page.getByRole("navigation", { name: "Console" }).getByRole("link", { name, exact: true });

test("a merchant runs the shop from the console", () => withShop(ctx.db.db, async (s) => {
  const console_ = await ctx.browser.context.newPage();
  await console_.goto(`${s.proxy.base}/merchant`);
  await heading(console_, "Merchant console").waitFor();
  await checked(console_, "sign-in");
  // By keyboard: the token field, then Enter.
  await console_.getByLabel("API token").focus();
  await console_.keyboard.type(token());
  await console_.keyboard.press("Enter");
  await heading(console_, "Console — demo").waitFor();

  // Catalog: a collection, a work, its original; then the storefront shows it.
  await console_.getByLabel("Address (/c/…)").fill("spring-prints");
  await console_.getByLabel("Collection title").fill("Spring prints");
  await console_.getByRole("button", { name: "Create collection" }).click();
  await console_.getByRole("heading", { name: "Spring prints (/c/spring-prints)" }).waitFor();
  await console_.getByLabel("In collection").selectOption("spring-prints");
  await console_.getByLabel("Title", { exact: true }).fill("Tide");
  await console_.getByLabel("Artist").fill("R. Ames");
  await console_.getByLabel("Alt text (what the work shows)").fill("Blue ink waves over a pale sand ground");
  await console_.getByLabel("Edition size").fill("5");
  await console_.getByLabel("Price in EUR (e.g. 40.00)").fill("54.00");
  await console_.getByRole("button", { name: "Create work" }).click();
  await console_.getByText(/Tide by R\. Ames — 54\.00 EUR, 5 of 5 left — waiting for its original/).waitFor();
  const originals = join(process.env.VITRINE_MEDIA, "originals");
  const file = join(originals, readdirSync(originals).find((f) => f.endsWith(".jpg")));
  await console_.getByLabel("Original for Tide").setInputFiles(file);
  await console_.getByText(/Tide by R\. Ames — .* — on show/).waitFor({ timeout: SETTLED });
  await checked(console_, "catalog");
  const shop = await ctx.browser.context.newPage();
  await shop.goto(`${s.proxy.base}/c/spring-prints`);
  // The worker serves the collection stale-while-revalidate: if it saved the collection while
  // Tide was still waiting for its picture (its install-time warm-up runs beside the console),
  // the first view is that copy and the next one is fresh.
  await until(async () => {
    if (await shop.getByRole("link", { name: "Tide" }).count()) return true;
    await shop.reload();
    return false;
  }, "Tide in the storefront", SETTLED);

  // Edit: a new price reaches the storefront on the worker's next revalidation; hidden, the
  // work leaves the catalog, and shown, it comes back.
  const tide = Number((await console_.getByText(/^No\. \d+ — Tide by/).textContent()).match(/^No\. (\d+)/)[1]);
  const edit = console_.getByRole("button", { name: "Edit Tide" });
  await edit.click();
  assert.equal(await edit.getAttribute("aria-expanded"), "true");
  const editWork = console_.getByRole("form", { name: "Edit Tide" });
  await editWork.getByLabel("Price in EUR").fill("48.00");
  await editWork.getByLabel("Alt text (what the work shows)").fill("Blue ink waves breaking over pale sand");
  await editWork.getByRole("button", { name: "Save Tide" }).click();
  await console_.getByText(/Tide by R\. Ames — 48\.00 EUR, 5 of 5 left — on show$/).waitFor();
  await shop.goto(`${s.proxy.base}/i/${tide}`);
  await until(async () => {
    if (await shop.getByText("48.00 EUR").count()) return true;
    await shop.reload();
    return false;
  }, "the new price in the storefront");
  await shop.getByRole("img", { name: "Blue ink waves breaking over pale sand" }).waitFor();
  await console_.getByRole("button", { name: "Hide Tide" }).click();
  await console_.getByText(/Tide by R\. Ames — .* — on show — hidden$/).waitFor();
  assert.equal((await getJson(s.direct(), `/api/v1/items/${tide}`)).status, 404);
  await console_.getByRole("button", { name: "Show Tide" }).click();
  await console_.getByText(/Tide by R\. Ames — .* — on show$/).waitFor();
  assert.equal((await getJson(s.direct(), `/api/v1/items/${tide}`)).status, 200);
  // A collection renamed.
  await console_.getByLabel("Title of Spring prints").fill("Spring prints, 2026");
  await console_.getByRole("button", { name: "Rename Spring prints" }).click();
  await console_.getByRole("heading", { name: "Spring prints, 2026 (/c/spring-prints)" }).waitFor();

  // Drops: limits that allow a start in ten minutes at any hour, a draft, the model's
  // proposals, the approval; the buyer's page counts down.
  await section(console_, "Drops").click();
  await console_.getByRole("heading", { name: "Drops", level: 2 }).waitFor();
  await console_.getByLabel("Minimum lead time (minutes)").fill("0");
  await console_.getByLabel(/Keep quiet hours/).uncheck();
  await console_.getByRole("button", { name: "Save limits" }).click();
  await console_.getByText("In force: 0 minutes' lead, quiet hours off.").waitFor();
  const start = await console_.evaluate(() => {
    const d = new Date(Date.now() + 10 * 60_000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
  await console_.getByLabel("Drop name").fill("Spring drop");
  await console_.getByLabel("Work number").fill(String(tide));
  await console_.getByLabel("Editions in the drop").fill("5");
  await console_.getByLabel("Drop price in EUR (e.g. 12.00)").fill("20.00");
  await console_.getByLabel("Starts (your time)").fill(start);
  await console_.getByLabel("Lasts (hours)").fill("1");
  await console_.getByLabel("Most per buyer").fill("2");
  await console_.getByRole("button", { name: "Create draft drop" }).click();
  await console_.getByText(/Spring drop — .* — draft — not on sale until approved/).waitFor();
  await console_.getByRole("button", { name: "Suggest times" }).click();
  await console_.getByText(/^Busiest hours: /).waitFor();
  await checked(console_, "drops");
  // Edited into a drop for listed collectors: it cannot be approved until its list is committed.
  await console_.getByRole("button", { name: "Edit Spring drop" }).click();
  const editForm = console_.getByRole("form", { name: "Edit Spring drop" });
  await editForm.getByLabel("Editions in the drop").fill("4");
  await editForm.getByLabel("Only buyers on an allowlist").check();
  await editForm.getByRole("button", { name: "Save drop" }).click();
  await console_.getByText("No allowlist committed yet: the drop cannot be approved without one.").waitFor();
  await console_.getByText(/^Tide: 0 of 4 taken, 20\.00 EUR each$/).waitFor();
  await console_.getByRole("button", { name: "Approve Spring drop" }).click();
  await console_.getByRole("alert").filter({ hasText: /allowlist/ }).waitFor();
  await console_.getByLabel(/^Allowlist for Spring drop/).fill("listed@example.com\n0x52908400098527886E0F7030069857D2E4169EE7\n");
  await console_.getByRole("button", { name: "Commit allowlist" }).click();
  await console_.getByText(/^Allowlist committed: 2 entries, root [0-9a-f]{12}…$/).waitFor();
  await checked(console_, "drop edit");
  await console_.getByRole("button", { name: "Approve Spring drop" }).click();
  await console_.getByText(/Spring drop — .* — approved; 0 conflict\(s\)/).waitFor();
  await shop.goto(`${s.proxy.base}/i/${tide}`);
  await until(async () => {
    if (await shop.getByText(/^Starts in 00:(0[5-9]|10):\d\d$/).count()) return true;
    await shop.reload();
    return false;
  }, "the buyer's countdown");

  // Claims: a batch of vouchers for the pop-up; its sheet opens with a QR code per voucher;
  // revoked, it says so.
  await section(console_, "Claims").click();
  await console_.getByRole("heading", { name: "Claims", level: 2 }).waitFor();
  const claimUntil = await console_.evaluate(() => {
    const d = new Date(Date.now() + 7 * 86_400_000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  });
  await console_.getByLabel("Work number").fill(String(tide));
  await console_.getByLabel("Vouchers").fill("6");
  await console_.getByLabel("Claimable until (your time)").fill(claimUntil);
  await console_.getByRole("button", { name: "Make vouchers" }).click();
  const batchLine = console_.getByText(/^Batch \d+ — Tide: 6 vouchers, free, until .+, at most 1 per person — 0 claimed$/);
  await batchLine.waitFor();
  const batch = (await batchLine.textContent()).match(/^Batch (\d+)/)[1];
  await checked(console_, "claims");
  const [sheet] = await Promise.all([
    console_.waitForEvent("popup"),
    console_.getByRole("link", { name: `Print sheet of batch ${batch}` }).click(),
  ]);
  await sheet.getByRole("heading", { name: `Claim sheet ${batch}: Tide` }).waitFor();
  assert.equal(await sheet.getByRole("img", { name: /^QR code of voucher / }).count(), 6);
  await sheet.getByText(`${batch}-0006`, { exact: true }).waitFor();
  await checked(sheet, "claim sheet");
  await sheet.close();
  await console_.getByRole("button", { name: `Revoke batch ${batch}` }).click();
  await console_.getByText(/— 0 claimed — revoked$/).waitFor();

  // A conflict: two offline purchases of the last edition of work 104; one is honoured.
  await shop.goto(`${s.proxy.base}/i/104`);
  await status(shop, "Available offline").waitFor();
  await openBuySheet(shop);
  await s.kill();
  await buy(shop);
  await shop.goto(`${s.proxy.base}/i/104`);
  await buy(shop);
  await s.restart();
  await status(shop, /Status: (Paid|Needs your attention)/).waitFor({ timeout: SETTLED });

  await section(console_, "Conflicts").click();
  await console_.getByRole("heading", { name: "Conflicts", level: 2 }).waitFor();
  const resolve = console_.getByRole("button", { name: "Mark for manual review" });
  await until(async () => {
    if (await resolve.count()) return true;
    await section(console_, "Orders").click();
    await section(console_, "Conflicts").click();
    return false;
  }, "the conflict to reach the queue", SETTLED);
  await checked(console_, "conflicts");
  await resolve.click();
  await console_.getByText(/^Resolved .+: Mark for manual review\.$/).waitFor();
  await console_.getByText("No conflicts wait for you.").waitFor();

  // Orders: found by the work's number, with their history.
  await section(console_, "Orders").click();
  await console_.getByLabel("Receipt number, email or work number").fill("104");
  await console_.getByRole("button", { name: "Search orders" }).click();
  await console_.getByText("2 order(s) found.").waitFor();
  await console_.getByRole("button", { name: /^History of / }).first().click();
  await console_.getByRole("heading", { name: /^Receipt / }).waitFor();
  await checked(console_, "orders");

  // Embed: the merchant lists their own site (a wrong line is named), copies a collection's
  // snippet and previews the frame it makes.
  await section(console_, "Embed").click();
  await console_.getByRole("heading", { name: "Embed", level: 2 }).waitFor();
  const sites = console_.getByLabel("Sites allowed to show your storefront");
  await sites.fill("https://gallery.example/\nhttp://gallery.example");
  await console_.getByRole("button", { name: "Save sites" }).click();
  await console_.getByRole("alert").getByText(/^Line 2: https only/).waitFor();
  await sites.fill("https://Gallery.example/");
  await console_.getByRole("button", { name: "Save sites" }).click();
  await console_.getByText("Saved: 1 site(s) may show your storefront.").waitFor();
  assert.equal(await sites.inputValue(), "https://gallery.example");
  const shopOrigin = new URL(console_.url()).origin;
  const snippet = `<script src="${shopOrigin}/embed.js" data-collection="tidal-glass" async></script>`;
  assert.equal(await console_.getByLabel("Snippet for Tidal Glass").inputValue(), snippet);
  await ctx.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: shopOrigin });
  await console_.getByRole("button", { name: "Copy snippet for Tidal Glass" }).click();
  await console_.getByRole("status").filter({ hasText: /^Copied\.$/ }).waitFor();
  assert.equal(await console_.evaluate(() => navigator.clipboard.readText()), snippet);
  await console_.getByRole("button", { name: "Preview Tidal Glass" }).click();
  await console_.frameLocator("iframe[title='Preview of Tidal Glass']")
    .getByRole("heading", { level: 1, name: "Tidal Glass" }).waitFor({ timeout: 30_000 });
  await checked(console_, "embed");

  // Settlement: the L2's batcher goes down, then a collector buys work 201. Ten minutes on
  // (sandbox time) its mint is late to finality, and reconciliation says so with what to do.
  const admin = token();
  const sandbox = (what, body) => merchantApi(s.direct(), admin, "POST", `/api/v1/merchant/sandbox/${what}`, body);
  await sandbox("halt", { seconds: 86_400 });
  const buyer = await readyToBuy(ctx.browser, s.proxy.base, 201);
  const receipt = await buy(buyer);
  await status(buyer, "Status: Paid").waitFor({ timeout: SETTLED });
  // In a block (not only sent): its inclusion is dated before sandbox time moves on.
  await buyer.getByText(/confirmed \d+ of \d+/).first().waitFor({ timeout: SETTLED });
  await sandbox("advance", { seconds: 600 });
  await section(console_, "Reconciliation").click();
  await console_.getByRole("heading", { name: "Reconciliation", level: 2 }).waitFor();
  const late_name = new RegExp(`^Late finality on sandbox-l2 — order ${receipt}$`);
  const late = console_.getByRole("heading", { name: late_name });
  await until(async () => {
    if (await late.count()) return true;
    await console_.getByRole("button", { name: "Check again" }).click();
    return false;
  }, "the late mint's item", SETTLED);
  await console_.getByText(/^Waiting for you\. Suggested: wait for finality, then manual review\. Raised /).first().waitFor();
  await checked(console_, "reconciliation");

  // The conflicts queue lists it too, with what a person may do; marked reviewed by keyboard,
  // with a note for the audit log.
  await section(console_, "Conflicts").click();
  const waiting = console_.getByRole("list", { name: "Reconciliation items waiting for you" });
  const lateItem = waiting.getByRole("listitem").filter({ has: console_.getByRole("heading", { name: late_name }) });
  await lateItem.waitFor();
  await checked(console_, "conflicts with reconciliation items");
  await lateItem.getByRole("button", { name: "Mark reviewed" }).click();
  await lateItem.getByRole("alert").getByText("note: enter the note").waitFor();
  await lateItem.getByLabel("Note for the audit log").focus();
  await console_.keyboard.type("The batcher was halted on purpose, for a test.");
  await lateItem.getByRole("button", { name: "Mark reviewed" }).focus();
  await console_.keyboard.press("Enter");
  await console_.getByText("No reconciliation items wait for you.").waitFor();
  await section(console_, "Reconciliation").click();
  await console_.getByText(/^Done by .+: manual review\. “The batcher was halted on purpose, for a test\.” Raised /).waitFor();

  // A refund of part of that sale, from its history; the buyer's receipt says so.
  await section(console_, "Orders").click();
  await console_.getByLabel("Receipt number, email or work number").fill(receipt);
  await console_.getByRole("button", { name: "Search orders" }).click();
  await console_.getByText("1 order(s) found.").waitFor();
  await console_.getByRole("button", { name: `History of ${receipt}` }).click();
  await console_.getByLabel("Amount to refund in EUR").fill("1.00");
  await console_.getByRole("button", { name: "Refund", exact: true }).click();
  await console_.getByText("Refund of 1.00 EUR requested; the rail decides within seconds.").waitFor();
  await checked(console_, "refund");
  await until(async () => (await getJson(s.direct(), `/api/v1/orders/${receipt}`)).body.settlement?.payment === "partly_refunded",
    "the rail to approve the refund", SETTLED);

  // The audit log has it all.
  await section(console_, "Audit log").click();
  for (const action of ["collection.create", "collection.edit", "item.create", "item.edit", "item.hide", "item.show", "drop.create", "drop.edit", "drop.allowlist", "drop.approve", "claims.create", "claims.revoke", "conflict.resolve", "sandbox.halt", "sandbox.advance", "reconciliation.review", "refund.request", "embed.origins"]) {
    await console_.getByRole("cell", { name: action, exact: true }).first().waitFor();
  }
  await checked(console_, "audit log");
  await console_.getByRole("button", { name: "Sign out" }).click();
  await heading(console_, "Merchant console").waitFor();
}, ["--reconcile-window", "1"]));
