// A collector who gives images little room (a phone with little storage): browsing every work
// keeps the image cache under the bound, least recently used pictures going first.
// The worker also reports its hits and misses to the shop, where /metrics shows them.
// (Chromium's CDP quota override does not reach `storage.estimate()` here, so the collector sets
// a small limit on the Storage page; the worker uses the smaller of it and its quota share.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { useStorefront, heading, status, askWorker, loadedImage, merchantToken } from "./support.mjs";
import { until } from "./shop.mjs";

const ctx = useStorefront({ deviceScaleFactor: 2 });
const LIMIT = 512 * 1024;

/** Bytes and entries really in the image cache, read through the Cache API. */
const cacheContents = (page) => page.evaluate(async () => {
  const cache = await caches.open("vitrine-images-v1");
  let bytes = 0;
  const keys = await cache.keys();
  for (const key of keys) bytes += (await (await cache.match(key)).arrayBuffer()).byteLength;
  return { entries: keys.length, bytes };
});

/** How `src` was last answered: `matched/final` sources of the browser's static route (`cache/cache`,
 * the image cache without the worker; `cache/network`, a miss fetched past it). */
const answeredBy = (page, src) => page.evaluate((src) => {
  const e = performance.getEntriesByName(src).at(-1);
  return `${e.workerMatchedSourceType}/${e.workerFinalSourceType}`;
}, src);
const isKept = (page, src) => page.evaluate((src) => caches.open("vitrine-images-v1")
  .then((c) => c.match(src)).then(Boolean), src);

test("a kept picture comes from the image cache without the worker; a new one is kept once the page reports it", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  await status(page, "Available offline").waitFor();
  const before = (await askWorker(page, "image_stats")).image_stats;
  const item = await page.evaluate(() => fetch("/api/v1/items/103").then((r) => r.json()));

  await page.goto(`${ctx.server.base}/i/103`);
  await heading(page, item.title).waitFor();
  const first = await loadedImage(page, page.getByRole("img", { name: item.alt }));
  assert.equal(await answeredBy(page, first.src), "cache/network", "not kept yet: fetched past the worker");
  // The page reported it: the worker counted a miss and kept the picture from the HTTP cache.
  await until(async () => (await askWorker(page, "image_stats")).image_stats.misses > before.misses,
    "the worker to count the page's report");
  await until(() => isKept(page, first.src), "the picture to be kept once reported");

  const again = await ctx.browser.context.newPage();
  await again.goto(`${ctx.server.base}/i/103`);
  await heading(again, item.title).waitFor();
  const second = await loadedImage(again, again.getByRole("img", { name: item.alt }));
  assert.equal(second.src, first.src);
  assert.equal(await answeredBy(again, second.src), "cache/cache", "the browser answered from the image cache");
  await until(async () => (await askWorker(again, "image_stats")).image_stats.hits > before.hits,
    "the worker to count the hit the page reported");
  await page.close();
  await again.close();
});

test("where the shim marked the static route refused, the page's reports are not counted", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  await status(page, "Available offline").waitFor();
  const [refused, routed] = await page.evaluate(() => Promise.all([105, 106].map((id) =>
    fetch(`/api/v1/items/${id}`).then((r) => r.json()))));
  // As if the browser had refused `addRoutes` (each picture then comes through the worker,
  // which counts it there): the shim's mark of a refusal in this release's precache, and a
  // worker started anew.
  const markRefused = (put) => page.evaluate(async (put) => {
    const precache = await caches.open((await caches.keys()).find((name) => name.endsWith("-precache")));
    if (put) await precache.put("/.vitrine-pictures-not-routed", new Response());
    else await precache.delete("/.vitrine-pictures-not-routed");
  }, put);
  await markRefused(true);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("ServiceWorker.enable");
  await cdp.send("ServiceWorker.stopAllWorkers");
  await page.goto(`${ctx.server.base}/i/${refused.id}`);
  await heading(page, refused.title).waitFor();
  const ignored = await loadedImage(page, page.getByRole("img", { name: refused.alt }));

  // Left: the page sends its report as it goes, and the worker has taken it once it answers.
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  await askWorker(page, "image_stats");
  // The refusal gone (as after a lost write, or cleared storage): the next page's report is taken.
  await markRefused(false);
  await page.goto(`${ctx.server.base}/i/${routed.id}`);
  await heading(page, routed.title).waitFor();
  const taken = await loadedImage(page, page.getByRole("img", { name: routed.alt }));
  await until(() => isKept(page, taken.src), "the report to be taken once no refusal is marked");
  assert.ok(!(await isKept(page, ignored.src)), "the report sent under the refusal kept nothing");
  await page.close();
});

test("a picture shown twice in a page is reported once; a page left within the batch's delay still sends it", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();
  await status(page, "Available offline").waitFor();
  // What the page sends its worker, noted where the next page of this tab can read it.
  await page.evaluate(() => {
    const worker = navigator.serviceWorker.controller;
    const send = worker.postMessage.bind(worker);
    worker.postMessage = (message, ...rest) => {
      sessionStorage.setItem("sent", `${sessionStorage.getItem("sent") ?? ""}${message}\n`);
      return send(message, ...rest);
    };
  });
  // Another size of a work's picture, not shown yet, shown twice (as the viewer does).
  const other = await page.locator("main img").first().evaluate((img) =>
    img.srcset.split(",").map((c) => new URL(c.trim().split(" ")[0], location.href).href).find((u) => u.includes("/media/v/") && u !== img.currentSrc));
  assert.ok(other, "a second size in the srcset");
  await page.evaluate((src) => Promise.all([1, 2].map(() => new Promise((resolve, reject) => {
    const img = document.body.appendChild(new Image());
    img.onload = resolve;
    img.onerror = reject;
    img.src = src;
  }))), other);
  // Left at once: what is unsent goes as the page is hidden.
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  const sent = await page.evaluate(() => sessionStorage.getItem("sent") ?? "");
  const urls = sent.split("\n").filter(Boolean).flatMap((m) => JSON.parse(m).pictures_shown?.urls ?? []);
  assert.deepEqual(urls.filter((u) => u === other), [other], `sent: ${sent}`);
  await page.close();
});

test("browsing every work keeps the image cache within its bound", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  await status(page, "Available offline").waitFor();
  // The collector gives images little room, on the Storage page.
  await page.getByRole("link", { name: "Storage" }).click();
  await heading(page, "Offline storage").waitFor();
  await page.getByLabel("Room for images").selectOption({ label: "512 KB" });
  await status(page, /of 512 KB allowed/).waitFor();

  const collections = await page.evaluate(() => fetch("/api/v1/collections").then((r) => r.json()));
  let items = 0;
  let firstShown;
  for (const c of collections) {
    const detail = await page.evaluate((slug) =>
      fetch(`/api/v1/collections/${slug}`).then((r) => r.json()), c.slug);
    await page.goto(`${ctx.server.base}/c/${c.slug}`);
    await heading(page, c.title).waitFor();
    for (const item of detail.items) {
      await page.goto(`${ctx.server.base}/i/${item.id}`);
      await heading(page, item.title).waitFor();
      const shown = await loadedImage(page, page.getByRole("img", { name: item.alt }));
      if (!firstShown) {
        // Kept first, so that its absence at the end is the bound's doing.
        firstShown = shown.src;
        await until(() => isKept(page, firstShown), "the first work's picture to be kept");
      }
      items += 1;
    }
  }
  assert.ok(items >= 48, `browsed ${items} works`);
  // The last picture reaches the cache once the page's report of it is taken; the worker's
  // counters are read after every report it has received.
  const last = await page.getByRole("img").first().evaluate((el) => el.currentSrc);
  await until(() => isKept(page, last), "the last picture shown to be kept");

  const { image_stats: stats } = await askWorker(page, "image_stats");
  const real = await cacheContents(page);
  console.log(`image cache after ${items} works: ${JSON.stringify(stats)}`);
  assert.equal(stats.byte_budget, LIMIT);
  assert.ok(stats.evictions > 0, `the bound was reached and enforced: ${JSON.stringify(stats)}`);
  assert.ok(real.bytes <= stats.byte_budget, `${real.bytes} B cached, bound ${stats.byte_budget}`);
  assert.equal(real.bytes, stats.bytes, "the worker's books match the cache");
  assert.equal(real.entries, stats.entries);
  // Least recently used went first: the first work's picture is long gone, and the one on
  // screen is still there.
  assert.ok(await isKept(page, last), "the picture on screen stays cached");
  assert.ok(!(await isKept(page, firstShown)), `the first work's picture went: ${firstShown}`);
});

test("the Storage page reports what the worker keeps", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/storage`);
  await heading(page, "Offline storage").waitFor();
  const { image_stats: s } = await askWorker(page, "image_stats");
  await status(page, new RegExp(`Images kept for offline use: ${s.entries} pictures, .+ of 512 KB allowed`)).waitFor();
});

test("the worker reports its image cache's hits and misses to the shop's metrics", async () => {
  const token = merchantToken(ctx.db.db, "admin");
  const scrape = async () => {
    const res = await fetch(`${ctx.server.base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return res.text();
  };
  const count = (text, result) => Number(
    text.match(new RegExp(`^vitrine_worker_image_cache_total\\{result="${result}"\\} (\\d+)`, "m"))?.[1] ?? NaN);
  // The browsing above counted; the worker reports a few seconds after counting, once a
  // minute at most.
  let text = "";
  await until(async () => { text = await scrape(); return count(text, "miss") > 0; },
    "the worker's first report", 90_000);
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/storage`);
  await heading(page, "Offline storage").waitFor();
  const { image_stats: s } = await askWorker(page, "image_stats");
  // What the shop was told never exceeds what the worker counted.
  assert.ok(count(text, "miss") <= s.misses, `${count(text, "miss")} reported, ${s.misses} counted`);
  assert.ok(count(text, "hit") <= s.hits, `${count(text, "hit")} reported, ${s.hits} counted`);
});
