// Every route at three sizes (a 390 px phone, a tablet, a laptop), light and dark: no
// horizontal overflow, no overlapping controls, no control under 44 × 44 px, text contrast
// at WCAG AA, no layout shift, and axe (WCAG 2.2 AA, target-size included) finds nothing.
// The Buy sheet is checked open as well as closed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freshDatabase, startServer, launchBrowser } from "./support.mjs";
import { SCHEMES, SIZES, purchaseForTour, tour } from "./tour.mjs";
import { axeProblems, layoutProblems, watchLayoutShift } from "./audit.mjs";

test("every route passes the layout and accessibility checks at three sizes, light and dark", async () => {
  const db = freshDatabase();
  const server = await startServer({ db: db.db });
  const { base } = server;
  // Axe is injected by the test, so this context lets a script in despite the page's CSP.
  const browser = await launchBrowser({ bypassCSP: true });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${base}/receipts`);
    await page.getByText("No purchases on this device yet.").waitFor();
    const emptyReceipts = await layoutProblems(page);
    const receipt = await purchaseForTour(page, base);

    const failures = emptyReceipts.map((p) => `empty receipts: ${p}`);
    for (const [width, height] of SIZES) {
      for (const colorScheme of SCHEMES) {
        const view = await browser.context.newPage();
        await view.setViewportSize({ width, height });
        await view.emulateMedia({ colorScheme });
        await watchLayoutShift(view);
        for (const [name, path, ready] of tour(receipt)) {
          await view.goto(`${base}${path}`);
          await ready(view);
          const where = `${name} at ${width}×${height}, ${colorScheme}`;
          for (const problem of [...await layoutProblems(view), ...await axeProblems(view)]) {
            failures.push(`${where}: ${problem}`);
          }
        }
        await view.close();
      }
    }
    assert.deepEqual(failures, []);
  } finally {
    await browser.close();
    await server.kill();
    db.cleanup();
  }
});
