// Every route of the storefront with what to wait for before it is "drawn": shared by the
// layout test and by `cargo xtask shots`.
import { heading, status } from "./support.mjs";
import { buy, openBuySheet } from "./shop.mjs";

export const SIZES = [[390, 844], [820, 1180], [1280, 800]];
export const SCHEMES = ["light", "dark"];

/** Buy once (online) so the receipt routes have something to show; the receipt's id. */
export async function purchaseForTour(page, base) {
  await page.goto(`${base}/i/201`);
  return buy(page);
}

/** [name, path, wait until drawn] for every route; `receipt` is a receipt on this device. */
export const tour = (receipt) => [
  ["home", "/", (p) => heading(p, "Collections").waitFor()],
  // The sort and filter controls arrive after the grid: wait for them, so a shift they
  // caused would be measured.
  ["collection", "/c/orbit-studies", (p) => p.getByLabel("Sort by").waitFor()],
  ["item", "/i/201", (p) => p.getByRole("button", { name: /^Buy · / }).waitFor()],
  ["sold-out-item", "/i/105", (p) => p.getByRole("button", { name: "Sold out — join the waitlist" }).waitFor()],
  ["waitlist-sheet", "/i/105", async (p) => {
    await p.getByRole("button", { name: "Sold out — join the waitlist" }).click();
    await p.getByRole("dialog").getByLabel("Email address").waitFor();
  }],
  ["buy-sheet", "/i/201", (p) => openBuySheet(p)],
  ["full-size", "/i/201", async (p) => {
    await p.getByRole("button", { name: "View full size" }).click();
    await p.getByRole("dialog").getByRole("status").filter({ hasText: /^Full size$/ }).waitFor();
  }],
  ["receipts", "/receipts", (p) => p.getByRole("link", { name: /^1 × / }).waitFor()],
  ["receipt", `/receipts/${receipt}`, (p) => status(p, /^Status: /).waitFor()],
  ["storage", "/storage", (p) => p.getByText(/^Images kept for offline use/).waitFor()],
  ["search", "/search?q=orbit", (p) => status(p, /works match “orbit”/).waitFor()],
  ["not-found", "/no/such/page", (p) => heading(p, "Not found").waitFor()],
];
