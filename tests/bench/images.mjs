// `cargo xtask bench` (images): bytes of the first gallery screen on a DPR-2 phone, the image
// cache's hit ratio over a browse → offline → browse session, the worker's overhead on 60 cached
// images next to Workbox 7's CacheFirst, and Lighthouse 13 (mobile) on `/` and a gallery.
// Prints a Markdown section. Needs VITRINE_BIN, VITRINE_DIST, VITRINE_MEDIA, CHROMIUM.
import { mkdtempSync, readFileSync, rmSync, createReadStream, existsSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, extname } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freshDatabase, startServer, launchBrowser, heading, status, askWorker, loadedImage } from "../e2e/support.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const media = process.env.VITRINE_MEDIA;
const manifest = JSON.parse(readFileSync(join(media, "v/manifest.json"), "utf8")).images;
const out = [];
const say = (line = "") => { out.push(line); };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function firstScreen(base) {
  const browser = await launchBrowser({ deviceScaleFactor: 2 });
  try {
    const page = await browser.context.newPage();
    const bodies = new Map();
    page.on("response", async (res) => {
      if (new URL(res.url()).pathname.startsWith("/media/")) {
        bodies.set(new URL(res.url()).pathname, (await res.body().catch(() => Buffer.alloc(0))).length);
      }
    });
    await page.goto(`${base}/c/tidal-glass`);
    await heading(page, "Tidal Glass").waitFor();
    const cards = page.getByRole("list", { name: "Works in this collection" }).getByRole("img");
    const shown = [];
    for (let i = 0; i < 4; i++) shown.push(new URL((await loadedImage(page, cards.nth(i))).src).pathname);
    await page.waitForLoadState("networkidle");
    const originalOf = (p) => Object.values(manifest).find((e) => p.startsWith(e.base)).original_bytes;
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    const firstSent = sum(shown.map((p) => bodies.get(p) ?? 0));
    const firstOriginals = sum(shown.map(originalOf));
    say(`| first screen: the 4 cards a 400×800 DPR-2 phone shows (\`/c/tidal-glass\`) | ${firstSent.toLocaleString("en")} B (${shown.map((p) => p.split("/").pop()).join(", ")}) | ${firstOriginals.toLocaleString("en")} B of originals | **${(100 * firstSent / firstOriginals).toFixed(2)} %** (goal ≤ 10 %) |`);
    // Everything the gallery fetched until the network went quiet (lazy cards near the fold too).
    const all = [...bodies.keys()].filter((p) => p.startsWith("/media/v/"));
    say(`| whole load until network idle (${all.length} images) | ${sum(all.map((p) => bodies.get(p))).toLocaleString("en")} B | ${sum(all.map(originalOf)).toLocaleString("en")} B of originals | ${(100 * sum(all.map((p) => bodies.get(p))) / sum(all.map(originalOf))).toFixed(2)} % |`);
  } finally { await browser.close(); }
}

async function hitRatio(db) {
  const server = await startServer({ db });
  const browser = await launchBrowser({ deviceScaleFactor: 2 });
  try {
    // Each visit in a new tab: within one tab Blink's in-memory image cache answers a revisit
    // before the worker sees it, which would flatter neither side.
    const visit = async (path, title) => {
      const page = await browser.context.newPage();
      await page.goto(`${server.base}${path}`);
      await heading(page, title).waitFor();
      const imgs = page.getByRole("main").getByRole("img");
      const n = Math.min(await imgs.count(), 4);
      for (let i = 0; i < n; i++) await loadedImage(page, imgs.nth(i));
      await page.close();
    };
    const first = await browser.context.newPage();
    await first.goto(`${server.base}/`);
    await first.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const title = (id) => first.evaluate((id) => fetch(`/api/v1/items/${id}`).then((r) => r.json()), id)
      .then((item) => item.title);
    const online = [["/", "Collections"], ["/c/tidal-glass", "Tidal Glass"], ["/i/101", await title(101)],
      ["/i/102", await title(102)], ["/c/orbit-studies", "Orbit Studies"], ["/i/201", await title(201)]];
    for (const [path, name] of online) await visit(path, name);
    await server.kill();
    for (const [path, name] of [...online, ["/c/quiet-grids", "Quiet Grids"]]) await visit(path, name);
    const { image_stats: s } = await askWorker(first, "image_stats");
    const ratio = s.hits / (s.hits + s.misses);
    say(`| 6 pages online (first visit), server stopped, the same 6 pages + 1 gallery never opened, each in a new tab | ${s.hits} hits / ${s.misses} misses → **${(100 * ratio).toFixed(1)} %**; ${s.placeholders} offline placeholders, ${s.fallbacks} other-size fallbacks; ${s.entries} entries, ${s.bytes.toLocaleString("en")} B cached |`);
  } finally { await browser.close(); await server.kill().catch(() => {}); }
}

/** 60 variant URLs: the 480 px WebP of every item, then 320 px ones. */
function sixtyImages() {
  const entries = Object.values(manifest);
  const urls = entries.map((e) => `${e.base}480.webp`);
  for (const e of entries) { if (urls.length < 60) urls.push(`${e.base}320.webp`); }
  return urls.slice(0, 60);
}

/** Show `urls` once as pictures, as a gallery would, until the side's worker has kept every one
 * (ours keeps what the page reports it showed; `byHand`, a cache filled with `addAll`, for a
 * floor whose handler never sees a routed miss); then time 7 rounds of fetching all 60. */
async function timeCached(page, urls, byHand = null) {
  return page.evaluate(async ({ urls, byHand }) => {
    performance.setResourceTimingBufferSize(10_000);
    if (byHand) {
      await (await caches.open(byHand)).addAll(urls);
    } else {
      await Promise.all(urls.map((u) => new Promise((resolve, reject) => {
        const img = document.body.appendChild(new Image());
        img.onload = resolve;
        img.onerror = reject;
        img.src = u;
      })));
    }
    // The condition, polled: every picture in one of the side's caches.
    const deadline = Date.now() + 30_000;
    while (!(await Promise.all(urls.map((u) => caches.match(u)))).every(Boolean)) {
      if (Date.now() > deadline) throw new Error("the side's worker did not keep the pictures shown");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const start = performance.now();
    const rounds = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      for (const u of urls) await (await fetch(u)).arrayBuffer();
      rounds.push(performance.now() - t0);
    }
    const timed = performance.getEntriesByType("resource")
      .filter((e) => e.startTime >= start && urls.includes(new URL(e.name).pathname));
    // Who answered: the browser from Cache Storage by static route, or the fetch handler.
    const routed = timed.filter((e) => e.workerFinalSourceType === "cache").length;
    const handler = timed.filter((e) => e.workerStart > 0 && !e.workerFinalSourceType).length;
    const viaWorker = `${routed} by route, ${handler} by fetch handler, of ${timed.length}`;
    return { rounds, viaWorker };
  }, { urls, byHand });
}

/** The least a worker can do for a cached image: CacheFirst in a few lines of JS, with the
 * cache opened once (no bounds, no counters). Not a peer: the floor under both sides. */
const PLAIN_CACHE_FIRST = `
let images;
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (e) => e.waitUntil(clients.claim()));
self.addEventListener("fetch", (e) => {
  if (!new URL(e.request.url).pathname.startsWith("/media/")) return;
  e.respondWith((images ??= caches.open("plain")).then((cache) => cache.match(e.request.url).then((hit) => hit ||
    fetch(e.request).then(async (response) => {
      if (response.ok) await cache.put(e.request, response.clone());
      return response;
    }))));
});`;

/** The same, with the static route ours has (public/sw.js): the browser answers a hit from the
 * cache without the worker. What the platform gives any worker, beside what ours does with it. */
const PLAIN_ROUTED = PLAIN_CACHE_FIRST.replace(`self.addEventListener("install", () => self.skipWaiting());`,
  `self.addEventListener("install", (e) => {
  e.waitUntil(e.addRoutes({ condition: { urlPattern: { pathname: "/media/*", search: "" } }, source: { cacheName: "plain" } }));
  self.skipWaiting();
});`);

/** Workbox at its best for cached pictures: the same static route as ours, added by a script
 * its worker imports (`generateSW`'s `importScripts`), to the cache its CacheFirst fills. */
const WORKBOX_ROUTES = `
self.addEventListener("install", (e) => {
  e.waitUntil(e.addRoutes({ condition: { urlPattern: { pathname: "/media/*", search: "" } }, source: { cacheName: "wb-images" } }));
});`;

/** Workbox 7 `generateSW` with one CacheFirst route for /media/ (`routed`: and the static route
 * above; or, `plain`, one of the floors above), served with the same files. */
async function workboxOrigin({ plain = null, routed = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "vitrine-workbox-"));
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>workbox</title><script>navigator.serviceWorker.register("/sw.js")</script>`);
  if (plain) {
    writeFileSync(join(dir, "sw.js"), plain);
  } else {
    const { generateSW } = await import(join(here, "node_modules/workbox-build/build/index.js"));
    if (routed) writeFileSync(join(dir, "routes.js"), WORKBOX_ROUTES);
    await generateSW({
      globDirectory: dir, globPatterns: ["index.html"], swDest: join(dir, "sw.js"),
      importScripts: routed ? ["/routes.js"] : [],
      mode: "production", inlineWorkboxRuntime: true, skipWaiting: true, clientsClaim: true,
      runtimeCaching: [{ urlPattern: ({ url }) => url.pathname.startsWith("/media/"), handler: "CacheFirst",
        options: { cacheName: "wb-images", expiration: { maxEntries: 300 } } }],
    });
  }
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.startsWith("/media/") ? join(media, path.slice(7)) : join(dir, path === "/" ? "index.html" : path);
    if (!file.startsWith(media) && !file.startsWith(dir) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
    const types = { ".html": "text/html", ".js": "text/javascript", ".webp": "image/webp", ".jpg": "image/jpeg" };
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${server.address().port}`,
    close: () => { server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Both sides in one browser, in three alternating passes (a fresh page each, 7 rounds), so
 * neither side always runs first on a warmer machine; medians over every round of a side. */
async function workerOverhead(db) {
  const urls = sixtyImages();
  const server = await startServer({ db });
  const wb = await workboxOrigin();
  const wbRouted = await workboxOrigin({ routed: true });
  const plain = await workboxOrigin({ plain: PLAIN_CACHE_FIRST });
  const routed = await workboxOrigin({ plain: PLAIN_ROUTED });
  const browser = await launchBrowser();
  try {
    // A side whose misses go past its handler (a static route) is filled by hand.
    const sides = [["Rust worker (vitrine)", server.base], ["Workbox 7.4 CacheFirst", wb.base],
      ["Workbox 7.4 CacheFirst + the static route ours has", wbRouted.base, "wb-images"],
      ["(floor) plain JS CacheFirst, 10 lines", plain.base],
      ["(floor) the same + the static route ours has", routed.base, "plain"]];
    const results = Object.fromEntries(sides.map(([name]) => [name, { rounds: [], via: [] }]));
    for (let pass = 0; pass < 3; pass++) {
      for (const [name, base, byHand] of pass % 2 ? [...sides].reverse() : sides) {
        const page = await browser.context.newPage();
        await page.goto(`${base}/`);
        await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
        // Ours: once its wasm runs and it has saved the release (a first install's worker
        // leaves what the page shows before then to `complete`, which keeps only the pictures
        // the open pages' HTML names).
        if (base === server.base) await status(page, "Available offline").waitFor();
        const { rounds, viaWorker } = await timeCached(page, urls, byHand);
        results[name].rounds.push(...rounds);
        results[name].via.push(viaWorker);
        await page.close();
      }
    }
    for (const [name, { rounds, via }] of Object.entries(results)) {
      say(`| ${name} | ${median(rounds).toFixed(1)} ms | ${Math.min(...rounds).toFixed(1)}–${Math.max(...rounds).toFixed(1)} ms | ${via.join(", ")} |`);
    }
    const [rust, workbox, workboxRouted, floor, floorRouted] = Object.values(results).map((r) => median(r.rounds));
    say();
    say(`Ratio Rust / Workbox's CacheFirst handler (median of 21 rounds a side, 3 alternating passes): **${(rust / workbox).toFixed(2)}×** (issue 15's goal ≤ 0.6×); ` +
      `Rust / Workbox with the same static route: **${(rust / workboxRouted).toFixed(2)}×** (both answered by the browser from Cache Storage, neither worker running); ` +
      `the plain JS floor / Workbox: ${(floor / workbox).toFixed(2)}×, with the static route: ${(floorRouted / workbox).toFixed(2)}×.`);
  } finally { await browser.close(); await server.kill(); wb.close(); wbRouted.close(); plain.close(); routed.close(); }
}

function lighthouse(base, path) {
  const flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run " +
    "--disable-background-networking --disable-component-update --disable-sync";
  const report = join(tmpdir(), `vitrine-lh-${process.pid}.json`);
  execFileSync(join(here, "node_modules/.bin/lighthouse"), [`${base}${path}`, "--quiet", "--output=json",
    `--output-path=${report}`, "--form-factor=mobile", `--chrome-flags=${flags}`],
    { env: { ...process.env, CHROME_PATH: process.env.CHROMIUM }, stdio: "ignore" });
  const r = JSON.parse(readFileSync(report, "utf8"));
  rmSync(report, { force: true });
  const a = r.audits;
  say(`| \`${path}\` | **${Math.round(r.categories.performance.score * 100)}** | ${a["largest-contentful-paint"].displayValue} | ${a["cumulative-layout-shift"].numericValue.toFixed(3)} | ${a["first-contentful-paint"].displayValue} | ${a["total-blocking-time"].displayValue} |`);
}

const db = freshDatabase();
try {
  say("## Images (tests/bench/images.mjs)");
  say();
  say("| measure | sent | baseline | ratio |\n|---|---|---|---|");
  {
    const server = await startServer({ db: db.db });
    try { await firstScreen(server.base); } finally { await server.kill(); }
  }
  say();
  say("| cache-hit session | result |\n|---|---|");
  await hitRatio(db.db);
  say();
  say("| 60 cached images fetched by the page, 3 × 7 rounds | median | range | answered by |\n|---|---|---|---|");
  await workerOverhead(db.db);
  say();
  say("| Lighthouse 13 mobile (simulated slow 4G, first visit) | performance | LCP | CLS | FCP | TBT |\n|---|---|---|---|---|---|");
  {
    const server = await startServer({ db: db.db });
    try {
      lighthouse(server.base, "/");
      lighthouse(server.base, "/c/tidal-glass");
    } finally { await server.kill(); }
  }
} finally {
  db.cleanup();
}
console.log(out.join("\n"));
