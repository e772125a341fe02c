// Settlement on a real device (issue 14): after paying, the receipt shows the payment and the
// token on its chain in one place, live, in a sentence a screen reader announces; the wallet
// field refuses what is no address before anything is signed; a dollar price can be paid in
// USDC on the L2, paid once the transfer is final on the chain.
import { test } from "node:test";
import assert from "node:assert/strict";
import { merchantApi, merchantToken, status, useStorefront } from "./support.mjs";
import { getJson, openBuySheet, payButton, until } from "./shop.mjs";

const shop = useStorefront();
const WALLET = "0x52908400098527886e0f7030069857d2e4169ee7";

async function openItem(item) {
  const page = await shop.browser.context.newPage();
  await page.goto(`${shop.server.base}/i/${item}`);
  await status(page, "Available offline").waitFor();
  await openBuySheet(page);
  return page;
}

test("a wallet that is no address is refused in the form, by keyboard, and nothing is bought", async () => {
  const page = await openItem(104);
  const wallet = page.getByLabel("Wallet for the token (optional)");
  await wallet.fill("vitalik.eth");
  await wallet.press("Enter");
  const summary = page.getByRole("alert").filter({ hasText: "There is a problem" });
  await summary.waitFor();
  // The summary takes focus on the next frame, as GOV.UK's does; then the buyer follows its link.
  await until(() => summary.evaluate((el) => el === document.activeElement), "the summary to take focus");
  const link = summary.getByRole("link", { name: /^Enter a wallet address/ });
  await link.focus();
  await page.keyboard.press("Enter");
  assert.equal(await wallet.evaluate((el) => el === document.activeElement), true);
  assert.equal(await wallet.getAttribute("aria-invalid"), "true");
  assert.match(page.url(), /\/i\/104$/, "still on the item: nothing was bought");
  await page.close();
});

test("the receipt shows payment and token live, and says both in one sentence", async () => {
  const page = await openItem(102);
  await page.getByLabel("Wallet for the token (optional)").fill(WALLET);
  await payButton(page).click();
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split("/").pop();
  await status(page, "Status: Paid").waitFor({ timeout: 30_000 });
  // The mint is sent and sequenced on the rollup within seconds.
  const minting = page.getByRole("status").filter({ hasText: /^Paid .+ by card; minting on L2/ });
  await minting.waitFor({ timeout: 30_000 });
  // Minutes of chain time pass at once in the sandbox: the batch posts and goes final.
  const admin = merchantToken(shop.db.db, "admin");
  await merchantApi(shop.server.base, admin, "POST", "/api/v1/merchant/sandbox/advance", { seconds: 600 });
  const final = page.getByRole("status").filter({ hasText: /^Paid .+ by card; minted on L2, final\.$/ });
  await final.waitFor({ timeout: 30_000 });
  assert.equal(await final.getAttribute("aria-live"), "polite");
  // The facts: where the token went, its number and transaction.
  const token = page.getByRole("definition").filter({ hasText: "Minted on L2, final." });
  await token.waitFor();
  assert.match(await token.textContent(), new RegExp(`To your wallet ${WALLET}\\. Token #\\d+\\. Transaction 0x`));
  const order = await getJson(shop.server.base, `/api/v1/orders/${id}`);
  assert.equal(order.body.settlement.chain.stage, "final");
  assert.equal(order.body.settlement.chain.wallet, WALLET);
  await page.close();
});

test("a dollar price paid in USDC on the L2 is authorized in a block and paid when final", async () => {
  const page = await openItem(301);
  // Chosen by keyboard: the methods list offers the sandbox's USDC wallets for a USD price.
  const method = page.getByLabel("Payment method");
  await method.focus();
  await method.selectOption({ label: "USDC on L2, sandbox wallet 0x7361…2d31 — pays" });
  await payButton(page).click();
  await page.waitForURL(/\/receipts\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split("/").pop();
  const settlement = async () => (await getJson(shop.server.base, `/api/v1/orders/${id}`)).body.settlement;
  // The transfer is in a block within seconds: authorized, not yet taken, the stock held.
  await status(page, "Status: Accepted — stock held").waitFor({ timeout: 30_000 });
  await until(async () => (await settlement())?.payment === "authorized", "the transfer in a block", 30_000);
  // Chain time moves on (the batch is posted, then final on the L1): the payment is taken,
  // then the token minted and final.
  const admin = merchantToken(shop.db.db, "admin");
  await until(async () => {
    await merchantApi(shop.server.base, admin, "POST", "/api/v1/merchant/sandbox/advance", { seconds: 120 });
    return (await settlement())?.chain?.stage === "final";
  }, "the payment and then the mint to be final", 60_000);
  const final = page.getByRole("status").filter({ hasText: /^Paid [0-9.,]+ USD by USDC on L2; minted on L2, final\.$/ });
  await final.waitFor({ timeout: 30_000 });
  assert.equal((await settlement()).rail, "sandbox-l2-usdc");
  await page.close();
});
