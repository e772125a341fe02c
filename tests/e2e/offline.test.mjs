// A collector browses, the server dies, and the storefront keeps working from the Rust
// service worker: deep links, saved pages, an honest offline indicator, and a clear message for
// what was never saved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useStorefront, status, heading } from "./support.mjs";

const ctx = useStorefront();

test("browse, lose the server, and deep links still render offline", async () => {
  const page = await ctx.browser.context.newPage();
  await page.goto(`${ctx.server.base}/`);
  await heading(page, "Collections").waitFor();
  await status(page, "Online").waitFor();
  // The worker controls the page, and has saved all of the build and the catalog: a first
  // install takes control before the lazily loaded parts are in, and says this only after.
  await status(page, "Available offline").waitFor();
  const missing = await page.evaluate(async () => {
    const { entries } = await (await fetch("/precache-manifest.json")).json();
    const precache = await caches.open((await caches.keys()).find((n) => n.endsWith("-precache")));
    const absent = [];
    for (const { url } of entries) if (!(await precache.match(url))) absent.push(url);
    return absent;
  });
  assert.deepEqual(missing, []);

  await page.getByRole("link", { name: "Orbit Studies" }).click();
  await heading(page, "Orbit Studies").waitFor();
  assert.equal(await page.title(), "Orbit Studies · Vitrine");
  assert.equal(await page.evaluate(() => new URL(performance.getEntriesByType("navigation")[0].name).pathname),
    "/c/orbit-studies", "a link on a page the server drew loads the next one");

  await page.getByRole("link", { name: "Perihelion" }).click();
  await heading(page, "Perihelion").waitFor();
  assert.equal(new URL(page.url()).pathname, "/i/201");
  await page.getByText(/^Perihelion by .+ editions? left\.$|^Perihelion by .+ sold out\.$/).waitFor();
  // A reload is a navigation: the worker keeps the page as the server drew it.
  await page.reload();
  await heading(page, "Perihelion").waitFor();

  await ctx.server.kill();

  const offline = await ctx.browser.context.newPage();
  // The home page (kept when the worker installed) and the gallery and work visited come back
  // as the server drew them, from the worker: the page is in the HTML itself, before any
  // script runs.
  for (const [path, name, shows] of [["/", "Collections", "Orbit Studies"],
    ["/i/201", "Perihelion", "Concentric rings"], ["/c/orbit-studies", "Orbit Studies", "Perihelion"]]) {
    const kept = await offline.goto(`${ctx.server.base}${path}`);
    assert.ok(kept.fromServiceWorker(), path);
    const html = await kept.text();
    assert.match(html, new RegExp(`<h1[^>]*>${name}</h1>`), path);
    assert.ok(html.includes(shows) && html.includes("<leptos-island"), path);
    await heading(offline, name).waitFor();
  }
  await status(offline, "Offline: showing saved copies").waitFor();
  // Grid thumbnails were cached: the first one really decodes, and keeps its alt text.
  const thumb = offline.getByRole("link", { name: "Perihelion" }).getByRole("img");
  assert.match(await thumb.getAttribute("alt"), /^Concentric rings alternating .+ field/);
  await offline.waitForFunction(
    (img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());

  // A collection never opened online is still there: the worker saved the whole catalog, and
  // answers with the shell, from which the app draws it.
  const drawn = await offline.goto(`${ctx.server.base}/c/tidal-glass`);
  assert.ok(drawn.fromServiceWorker());
  assert.doesNotMatch(await drawn.text(), /leptos-island|<h1/);
  await heading(offline, "Tidal Glass").waitFor();
  await status(offline, "Offline: showing saved copies").waitFor();

  // An item never opened says so plainly instead of showing a blank page.
  await offline.goto(`${ctx.server.base}/i/213`);
  await heading(offline, "Not available offline").waitFor();
  await offline.getByText("It will load as soon as you are back online").waitFor();
  assert.equal(await offline.title(), "Not available offline · Vitrine");
  await status(offline, "Offline: showing saved copies").waitFor();

  // With no network at all, a kept page says so as soon as its islands run (the device knows
  // before any check has answered).
  await ctx.browser.context.setOffline(true);
  try {
    const dark = await ctx.browser.context.newPage();
    await dark.goto(`${ctx.server.base}/`);
    await heading(dark, "Collections").waitFor();
    await status(dark, "Offline: showing saved copies").waitFor();
    await dark.close();
  } finally {
    await ctx.browser.context.setOffline(false);
  }

  // Search works offline over the whole saved catalog, collections never opened included.
  await offline.goto(`${ctx.server.base}/search`);
  await heading(offline, "Search").waitFor();
  await offline.getByRole("searchbox", { name: "Search the catalog" }).pressSequentially("tidal");
  await status(offline, /^\d+ works match “tidal”\.$/).waitFor();
  const found = offline.getByRole("list", { name: "Search results" }).getByRole("listitem");
  assert.ok(await found.count() >= 10, "every Tidal Glass work is found");
});
