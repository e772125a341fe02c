// `cargo xtask shots`: a screenshot of every route at the three sizes, light and dark, into
// the folder given (target/shots), for review by eye. Not a test: nothing is compared.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freshDatabase, startServer, launchBrowser } from "./support.mjs";
import { SCHEMES, SIZES, purchaseForTour, tour } from "./tour.mjs";

const out = process.argv[2] ?? "target/shots";
mkdirSync(out, { recursive: true });
const db = freshDatabase();
const server = await startServer({ db: db.db });
const browser = await launchBrowser();
try {
  const receipt = await purchaseForTour(await browser.context.newPage(), server.base);
  for (const [width, height] of SIZES) {
    for (const colorScheme of SCHEMES) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      for (const [name, path, ready] of tour(receipt)) {
        await page.goto(`${server.base}${path}`);
        await ready(page);
        // Pictures arrive after the page is drawn; wait until every one in view has decoded.
        await page.waitForFunction(() => [...document.images].every((img) => img.loading === "lazy" || img.complete));
        const file = join(out, `${name}-${width}x${height}-${colorScheme}.png`);
        await page.screenshot({ path: file });
      }
      await page.close();
    }
  }
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.kill();
  db.cleanup();
}
