// A collector on a DPR-2 phone, 400 CSS px wide: the gallery loads the variant each slot needs
// (and a fraction of the originals' bytes); offline, seen images stay and unseen ones say so
// with their alt text; browsing everything keeps the image cache within its bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { useStorefront, launchBrowser, heading, status, askWorker, loadedImage, coldOfflineTab } from "./support.mjs";
import { until } from "./shop.mjs";

const WIDTHS = [160, 320, 480, 640, 960, 1280, 1920];
const manifest = () =>
  JSON.parse(readFileSync(join(process.env.VITRINE_MEDIA, "v/manifest.json"), "utf8"));

const ctx = useStorefront({ deviceScaleFactor: 2 });

/** The variant width a slot of `slot` CSS px needs at `dpr`: the smallest that covers it. */
const needed = (slot, dpr) => WIDTHS.find((w) => w >= slot * dpr) ?? WIDTHS.at(-1);

test("a DPR-2 phone gets the width each slot needs, in WebP, at a tenth of the originals", async () => {
  const page = await ctx.browser.context.newPage();
  const images = [];
  page.on("response", async (res) => {
    if (new URL(res.url()).pathname.startsWith("/media/")) {
      images.push({ url: res.url(), bytes: (await res.body().catch(() => Buffer.alloc(0))).length });
    }
  });
  await page.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();
  const cards = page.getByRole("list", { name: "Works in this collection" }).getByRole("img");
  const firstScreen = [];
  for (let i = 0; i < 4; i++) {
    const shown = await loadedImage(page, cards.nth(i));
    assert.equal(shown.dpr, 2);
    const path = new URL(shown.src).pathname;
    assert.match(path, /^\/media\/v\/[\w-]+\/\d+\.webp$/, "a WebP variant, not the original");
    const width = Number(path.match(/\/(\d+)\.webp$/)[1]);
    const want = path.replace(/\d+\.webp$/, `${needed(shown.slot, shown.dpr)}.webp`);
    // The slot asked for the width it needs. The gallery's banner is the first work's picture
    // at the page's width: once the app has drawn the grid over the server's, Chromium may show
    // that larger copy it already holds instead, which costs nothing more.
    await page.waitForLoadState("networkidle");
    assert.ok(images.some((i) => new URL(i.url).pathname === want),
      `a ${shown.slot} CSS px slot at DPR 2 needs ${want}: asked ${images.map((i) => i.url)}`);
    assert.ok(width >= needed(shown.slot, shown.dpr), `${path} covers the slot`);
    assert.ok(shown.alt.length > 20, "alt text is kept");
    firstScreen.push(want);
  }
  // Bytes for the first screen vs the originals of the same works.
  const byStem = manifest().images;
  const originals = firstScreen
    .map((path) => Object.values(byStem).find((e) => path.startsWith(e.base)))
    .reduce((sum, e) => sum + e.original_bytes, 0);
  await page.waitForLoadState("networkidle");
  const sent = images.filter((i) => firstScreen.some((p) => i.url.endsWith(p)))
    .reduce((sum, i) => sum + i.bytes, 0);
  const ratio = sent / originals;
  console.log(`first gallery screen: ${sent} B of images vs ${originals} B of originals ` +
    `(${(ratio * 100).toFixed(2)}%)`);
  assert.ok(sent > 0 && ratio <= 0.10, `first screen costs ${(ratio * 100).toFixed(1)}% of the originals`);
});

test("the full-size view shows the size already loaded at once, then the largest over it; zoom and pan by keyboard", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/c/orbit-studies`);
  await page.getByRole("link", { name: "Perihelion" }).click();
  await heading(page, "Perihelion").waitFor();
  const work = page.getByRole("img", { name: /^Concentric rings/ });
  const hero = await loadedImage(page, work.first());
  // Drawn disabled until its island runs: focused once it is usable.
  await page.getByRole("button", { name: "View full size", disabled: false }).waitFor();
  await page.getByRole("button", { name: "View full size" }).focus();
  await page.keyboard.press("Enter");
  const viewer = page.getByRole("dialog", { name: "Perihelion, full size" });
  await viewer.waitFor();
  // The size the page showed is drawn first (from memory: no network to wait for) ...
  // The browser picks an <img>'s source at its next stable state, so `currentSrc` is empty for a
  // moment after the dialog is drawn: wait for the pick, then check it is the one already loaded.
  const pick = await page.waitForFunction(
    (d) => d.querySelector("img.viewer-preview")?.currentSrc || null,
    await viewer.elementHandle(),
  );
  assert.equal(await pick.jsonValue(), hero.src);
  // ... and the largest variant, in WebP, replaces it when it has loaded.
  await viewer.getByRole("status").filter({ hasText: /^Full size$/ }).waitFor();
  const full = await loadedImage(page, viewer.getByRole("img", { name: /^Concentric rings/ }));
  assert.match(full.src, new RegExp(`/${WIDTHS.at(-1)}\\.webp$`));
  assert.equal(full.naturalWidth, WIDTHS.at(-1));

  // Zoom in: the work at its own pixels, centred, in a frame the arrow keys scroll.
  const frame = viewer.getByRole("group", { name: /^The work/ });
  const scroll = () => frame.evaluate((f) => ({ x: f.scrollLeft, wide: f.scrollWidth > f.clientWidth }));
  assert.equal((await scroll()).wide, false, "fitted to the screen");
  await viewer.getByRole("button", { name: "Zoom in" }).focus();
  await page.keyboard.press("Enter");
  await viewer.getByRole("button", { name: "Zoom out" }).waitFor();
  await page.waitForFunction((f) => f.scrollLeft > 0, await frame.elementHandle());
  const centred = await scroll();
  assert.ok(centred.wide, "wider than the screen");
  await frame.focus();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(([f, x]) => f.scrollLeft > x, [await frame.elementHandle(), centred.x]);

  // Escape closes it and gives focus back to the button that opened it.
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "View full size");

  // Tapping the picture opens it too; Back closes it rather than leaving it over the gallery.
  await work.first().click();
  await viewer.waitFor();
  await page.goBack();
  await heading(page, "Orbit Studies").waitFor();
  await viewer.waitFor({ state: "detached" });
});

test("a work's page whose picture has loaded never fetches the previews' painter; offline, the worker's stand-in carries the work's preview itself", async () => {
  const painter = (page) => page.evaluate(() => performance.getEntriesByType("resource")
    .filter((e) => /\/split_paint_previews[^/]*\.wasm$/.test(new URL(e.name).pathname)).length);
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/i/101`);
  const work = page.locator("main").getByRole("img").first();
  const seen = await loadedImage(page, work);
  await status(page, "Available offline").waitFor();
  // The islands have run (Buy is enabled) and the viewer's part, fetched on a press, has come:
  // the painter, asked for as the islands start, would have been fetched before it.
  await page.getByRole("button", { name: /^Buy · /, disabled: false }).waitFor();
  await page.getByRole("button", { name: "View full size" }).click();
  const dialog = page.getByRole("dialog");
  const inViewer = await loadedImage(page, dialog.getByRole("img"));
  await dialog.getByRole("button", { name: "Close" }).click();
  assert.equal(await page.evaluate(() => performance.getEntriesByType("resource")
    .some((e) => /\/split_open_viewer[^/]*\.wasm$/.test(e.name))), true);
  // What the page showed is kept once its reports are taken: all of it before it is deleted
  // below, or a late report would keep a size again.
  const isKept = (src) => page.evaluate((src) => caches.open("vitrine-images-v1")
    .then((c) => c.match(src)).then(Boolean), src);
  await until(async () => await isKept(seen.src) && await isKept(inViewer.src), "the pictures shown to be kept");
  assert.equal(await painter(page), 0, "an opaque picture's backdrop is never seen: not fetched");

  // Every size of this picture gone from the worker's cache and the browser's, then offline:
  // the worker stands in for the picture ("Available when online") over its ThumbHash preview,
  // from the catalog it saved, so the page needs no painter for it either.
  const folder = new URL(seen.src).pathname.replace(/[^/]*$/, "");
  await page.evaluate(async (folder) => {
    const cache = await caches.open("vitrine-images-v1");
    for (const key of await cache.keys()) if (new URL(key.url).pathname.startsWith(folder)) await cache.delete(key);
  }, folder);
  await (await page.context().newCDPSession(page)).send("Network.clearBrowserCache");
  const { tab } = await coldOfflineTab(page, `${ctx.server.base}/i/101`);
  try {
    await tab.getByRole("button", { name: /^Buy · /, disabled: false }).waitFor();
    const standIn = await loadedImage(tab, tab.locator("main").getByRole("img").first());
    assert.match(standIn.alt, /.{20}/, "the alt text is still there");
    const answer = await tab.evaluate((src) => fetch(src).then(async (r) =>
      ({ offline: r.headers.get("x-vitrine-offline"), svg: await r.text() })), standIn.src);
    assert.equal(answer.offline, "placeholder");
    assert.match(answer.svg, /<image [^>]*href="data:image\/bmp;base64,[A-Za-z0-9+/]+=*"\/>.*Available when online/s);
    await tab.getByRole("button", { name: "View full size" }).click();
    await tab.getByRole("dialog").getByRole("button", { name: "Close" }).click();
    assert.equal(await painter(tab), 0, "the stand-in is a whole picture: no painter either");
  } finally {
    await page.context().setOffline(false);
    await tab.close();
    await page.close();
  }
});

test("a picture that could not load shows its ThumbHash preview: the page fetches the painter for it", async () => {
  // No worker (it would stand in for the picture): the pictures fail as the network fails them.
  const browser = await launchBrowser({ serviceWorkers: "block" });
  try {
    const page = await browser.context.newPage();
    await page.route("**/media/**", (route) => route.abort());
    await page.goto(`${ctx.server.base}/c/tidal-glass`);
    await heading(page, "Tidal Glass").waitFor();
    const first = page.getByRole("list", { name: "Works in this collection" }).getByRole("img").first();
    await page.waitForFunction(
      (el) => el.complete && el.naturalWidth === 0 && el.style.backgroundImage.startsWith('url("data:image/bmp;base64,'),
      await first.elementHandle(),
    );
    assert.match(await first.getAttribute("alt"), /.{20}/, "the alt text is still there");
  } finally {
    await browser.close();
  }
});

test("offline, a seen image shows and an unseen one shows the placeholder with its alt text", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(page, "Tidal Glass").waitFor();
  const first = page.getByRole("list", { name: "Works in this collection" }).getByRole("img").first();
  const seen = await loadedImage(page, first);
  // The worker controls the page, so what this visit loaded went into its image cache.
  await status(page, "Available offline").waitFor();
  await page.reload();
  await heading(page, "Tidal Glass").waitFor();
  await loadedImage(page, first);
  await ctx.server.kill();

  const offline = await ctx.browser.context.newPage();
  await offline.goto(`${ctx.server.base}/c/tidal-glass`);
  await heading(offline, "Tidal Glass").waitFor();
  const again = offline.getByRole("list", { name: "Works in this collection" }).getByRole("img").first();
  const shown = await loadedImage(offline, again);
  // The browser may pick another width from the srcset this time: the worker then answers with
  // the size it kept of the same picture (a fallback, not the placeholder).
  const picture = (src) => new URL(src).pathname.replace(/[^/]*$/, "");
  assert.equal(picture(shown.src), picture(seen.src), "the same picture, from the worker's cache");
  const header = (page, src) => page.evaluate(
    (src) => fetch(src).then((r) => r.headers.get("x-vitrine-offline")), src);
  assert.equal(await header(offline, shown.src), null, "the real image, not a placeholder");

  // A collection never opened: its JSON was saved at install, its images never were.
  await offline.goto(`${ctx.server.base}/c/quiet-grids`);
  await heading(offline, "Quiet Grids").waitFor();
  const unseen = offline.getByRole("list", { name: "Works in this collection" }).getByRole("img").first();
  const placeholder = await loadedImage(offline, unseen);
  assert.match(placeholder.alt, /^A grid of square tiles .+ winding paths/, "the alt text is still there");
  // The browser's own try (the static route's miss, to the network) failed; the page asked the
  // worker itself, which no route takes.
  assert.match(placeholder.src, /\?fallback$/);
  assert.equal(await header(offline, placeholder.src), "placeholder");
  // The worker's stand-in shows the work's ThumbHash preview, from the catalog it saved.
  const svg = await offline.evaluate((src) => fetch(src).then((r) => r.text()), placeholder.src);
  assert.match(svg, /<image [^>]*href="data:image\/bmp;base64,[A-Za-z0-9+/]+=*"\/>/);

  const stats = await askWorker(offline, "image_stats");
  assert.ok(stats.image_stats.hits >= 2 && stats.image_stats.placeholders >= 1, JSON.stringify(stats));
});
