// Where offline cold navigation's largest paint goes (BENCHMARKS.md, issue 15 eighth part): the
// same cold, offline, worker-stopped visit as offline-nav.mjs, three samples a side, printing the
// navigation's and the first resources' timings (worker start, request, response) and the LCP
// entries. A diagnostic, not a bench: `node tests/bench/offline-lcp-probe.mjs`.
// Needs VITRINE_BIN, VITRINE_DIST, VITRINE_MEDIA, CHROMIUM.
import { freshDatabase, startServer, launchBrowser, firstScreenLoaded, coldOfflineTab } from "../e2e/support.mjs";
import { workboxSite } from "./static-peer.mjs";
const PATH = "/c/tidal-glass";
async function sample(base, saved) {
  const browser = await launchBrowser();
  try {
    const { context } = browser;
    const page = await context.newPage();
    await page.goto(`${base}${PATH}`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
    await page.reload();
    await page.getByRole("heading", { level: 1 }).waitFor();
    await firstScreenLoaded(page);
    if (saved) await page.getByRole("status").filter({ hasText: saved }).waitFor({ timeout: 60_000 });
    const { tab: cold } = await coldOfflineTab(page, `${base}${PATH}`);
    await cold.getByRole("heading", { level: 1 }).waitFor();
    await firstScreenLoaded(cold);
    return await cold.evaluate(async () => {
      const nav = performance.getEntriesByType("navigation")[0];
      const lcp = await new Promise((resolve) => new PerformanceObserver((l) => resolve(l.getEntries())).observe({ type: "largest-contentful-paint", buffered: true }));
      const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime;
      const res = performance.getEntriesByType("resource").filter((e) => /media|css|boot/.test(e.name)).slice(0, 6)
        .map((e) => `${e.name.replace(location.origin, "").slice(0, 40)} start ${e.startTime.toFixed(0)} wk ${e.workerStart.toFixed(0)} req ${e.requestStart.toFixed(0)} resp ${e.responseStart.toFixed(0)} end ${e.responseEnd.toFixed(0)}`);
      return { html: [nav.workerStart, nav.requestStart, nav.responseStart, nav.responseEnd].map((x) => x.toFixed(0)).join("/"), fcp: fcp?.toFixed(0),
        lcp: lcp.map((e) => `${e.startTime.toFixed(0)} ${e.element?.tagName} ${e.url.slice(-30)} render ${e.renderTime.toFixed(0)} load ${e.loadTime.toFixed(0)}`), res };
    });
  } finally { await browser.close(); }
}
const db = freshDatabase();
const server = await startServer({ db: db.db });
const early = await workboxSite(server.base, [PATH], { registerInHead: true });
try {
  for (let i = 0; i < 3; i++) {
    console.log("vitrine", JSON.stringify(await sample(server.base, "Available offline"), null, 1));
    console.log("peer", JSON.stringify(await sample(early.base, null), null, 1));
  }
} finally { early.close(); await server.kill(); db.cleanup(); }
