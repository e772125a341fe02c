// The worker keeps the pages the server drew (service-worker/src/pages.rs). A work's page is
// asked of the server first, for its live stock and quote, but a phone on a link that takes its
// time still sees the copy kept from its last visit, while the server's page is on its way;
// a gallery shows its kept copy at once and takes the server's for next time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useBrowserAndDatabase, status, heading } from "./support.mjs";
import { getJson, until, withShop } from "./shop.mjs";

const ctx = useBrowserAndDatabase();

test("on a link that stalls, a work and a gallery seen before show their kept pages", () => withShop(ctx.db.db, async (s) => {
  const work = (await getJson(s.direct(), "/api/v1/items/101")).body;
  const page = await ctx.browser.context.newPage();
  await page.goto(`${s.proxy.base}/c/tidal-glass`);
  await status(page, "Available offline").waitFor();
  // Under the worker: both pages are kept as the server drew them.
  await page.goto(`${s.proxy.base}/i/101`);
  await heading(page, work.title).waitFor();
  await page.goto(`${s.proxy.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();

  s.proxy.stallPages = true;
  try {
    // The work: the server is asked first; while it has not answered, the kept copy shows.
    const opened = page.goto(`${s.proxy.base}/i/101`);
    await heading(page, work.title).waitFor();
    assert.equal(s.proxy.stalledPages, 1, "the server's page is still on its way");
    await opened;
    // The gallery: the kept copy at once; the server is asked for next time.
    await page.goto(`${s.proxy.base}/c/tidal-glass`);
    await heading(page, "Tidal Glass").waitFor();
    await until(async () => s.proxy.stalledPages === 2, "the gallery's refresh to be asked for");
  } finally {
    s.proxy.stallPages = false;
    s.proxy.releasePages();
  }
  await page.close();
}));
