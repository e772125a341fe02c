// `cargo xtask bench` (the worker, first visit and offline): side by side in one run with the
// static Workbox peer at its best (static-peer.mjs; its worker registered in either of two
// places), each sample in a fresh Chromium profile, sides alternating:
// - first visit → the page controlled by its worker (`controllerchange`, ms after the
//   navigation began): install (vitrine also keeps the catalog, the shop's keys and the home
//   page) and activation;
// - offline cold navigation: after one online visit of the gallery under the worker (and, for
//   vitrine, once the page says "Available offline": a returning visitor's state), the
//   network goes away, every worker is stopped, and a new tab opens the gallery: when its HTML
//   arrived, first contentful paint, largest contentful paint.
// Prints a Markdown section. Needs VITRINE_BIN, VITRINE_DIST, VITRINE_MEDIA, CHROMIUM.
import { freshDatabase, startServer, launchBrowser, firstScreenLoaded, coldOfflineTab } from "../e2e/support.mjs";
import { workboxSite } from "./static-peer.mjs";

const PATH = "/c/tidal-glass";
const SAMPLES = Number(process.env.OFFLINE_SAMPLES ?? 15);
// First visit → controlled alone is cheap to sample, and noisy here (±10 % between samples of
// one side): more samples, and an interval for the ratio, say whether a difference is real.
const CONTROLLED_SAMPLES = Number(process.env.CONTROLLED_SAMPLES ?? 40);
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A 95 % percentile-bootstrap interval for median(a) / median(b); seeded, so one run's
 * samples always give the same interval. */
function ratioInterval(a, b, rounds = 4000) {
  let seed = 0x9e3779b9;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const resample = (xs) => xs.map(() => xs[Math.floor(random() * xs.length)]);
  const ratios = Array.from({ length: rounds }, () => median(resample(a)) / median(resample(b)))
    .sort((x, y) => x - y);
  return [ratios[Math.round(rounds * 0.025) - 1], ratios[Math.round(rounds * 0.975) - 1]];
}

/** A first visit in a fresh context: the page, and ms from its navigation's start to
 * `controllerchange`. */
async function firstVisitIn(context, base) {
  await context.addInitScript(() => {
    navigator.serviceWorker?.addEventListener("controllerchange", () => {
      window.controlledAt = performance.now();
    });
  });
  const page = await context.newPage();
  await page.goto(`${base}${PATH}`);
  await page.waitForFunction(() => window.controlledAt !== undefined, null, { timeout: 60_000 });
  return { page, controlled: await page.evaluate(() => window.controlledAt) };
}

/** A first visit only, in a browser of its own. */
async function firstVisit(base) {
  const browser = await launchBrowser();
  try {
    return (await firstVisitIn(browser.context, base)).controlled;
  } finally {
    await browser.close();
  }
}

/** One sample; `saved`: what the side's page says once all is saved for offline use. */
async function sample(base, saved) {
  const browser = await launchBrowser();
  try {
    const { page, controlled } = await firstVisitIn(browser.context, base);
    // One visit under the worker: what a returning collector has (the page and its images).
    await page.reload();
    await page.getByRole("heading", { level: 1 }).waitFor();
    await firstScreenLoaded(page);
    if (saved) await page.getByRole("status").filter({ hasText: saved }).waitFor({ timeout: 60_000 });

    const { tab: cold } = await coldOfflineTab(page, `${base}${PATH}`);
    await cold.getByRole("heading", { level: 1 }).waitFor();
    const offline = await cold.evaluate(async () => {
      const nav = performance.getEntriesByType("navigation")[0];
      // Paint entries are reported after the frame is presented, which may be after the
      // heading is found: wait for it rather than read it now.
      const fcp = await new Promise((resolve) => {
        setTimeout(() => resolve(NaN), 10_000); // never reported: NaN, as before
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName("first-contentful-paint")[0];
          if (entry) resolve(entry.startTime);
        }).observe({ type: "paint", buffered: true });
      });
      const lcp = await new Promise((resolve) => {
        new PerformanceObserver((list) => resolve(list.getEntries().at(-1).startTime))
          .observe({ type: "largest-contentful-paint", buffered: true });
      });
      return { html: nav.responseEnd, fcp, lcp, viaWorker: nav.workerStart > 0 };
    });
    return { controlled, ...offline };
  } finally {
    await browser.close();
  }
}

const db = freshDatabase();
const server = await startServer({ db: db.db });
// The peer registers its worker at the end of the body, or where ours does (top of the head):
// both are measured, and each ratio is against the better of the two.
const peer = await workboxSite(server.base, [PATH]);
const early = await workboxSite(server.base, [PATH], { registerInHead: true });
const out = [];
try {
  const sides = { vitrine: { base: server.base, saved: "Available offline", runs: [] },
    "static Workbox (registers at the end of the body)": { base: peer.base, saved: null, runs: [] },
    "static Workbox (registers in the head)": { base: early.base, saved: null, runs: [] } };
  for (let i = 0; i < SAMPLES; i++) {
    for (const side of Object.values(sides)) side.runs.push(await sample(side.base, side.saved));
  }
  // More first visits, alternating too; the offline samples' first visits count among them.
  for (const side of Object.values(sides)) side.controlled = side.runs.map((r) => r.controlled);
  for (let i = SAMPLES; i < CONTROLLED_SAMPLES; i++) {
    // Sides in turn, in reverse every other round: none always follows another.
    const order = i % 2 ? Object.values(sides).reverse() : Object.values(sides);
    for (const side of order) side.controlled.push(await firstVisit(side.base));
  }
  out.push("### The worker: first visit → controlled, and offline cold navigation, vs the static Workbox peer");
  out.push("");
  out.push(`Medians of ${SAMPLES} samples each (first visit → controlled: ` +
    `${Math.max(SAMPLES, CONTROLLED_SAMPLES)}), fresh profile per sample, sides alternating ` +
    "(tests/bench/offline-nav.mjs). Offline: network off, workers stopped, a new tab opens " +
    `\`${PATH}\` visited once before.`);
  out.push("");
  out.push("| side | first visit → controlled | offline cold: HTML in | FCP | LCP | answered by the worker |");
  out.push("|---|---:|---:|---:|---:|---|");
  const m = {};
  for (const [name, { runs, controlled }] of Object.entries(sides)) {
    const med = (k) => median(runs.map((r) => r[k]));
    m[name] = { controlled: median(controlled), html: med("html"), fcp: med("fcp"), lcp: med("lcp") };
    out.push(`| ${name} | ${m[name].controlled.toFixed(0)} ms | ${m[name].html.toFixed(0)} ms | ` +
      `${m[name].fcp.toFixed(0)} ms | ${m[name].lcp.toFixed(0)} ms | ` +
      `${runs.filter((r) => r.viaWorker).length} of ${runs.length} |`);
  }
  const peers = Object.keys(m).filter((name) => name !== "vitrine");
  const best = (k) => peers.reduce((a, b) => (m[a][k] <= m[b][k] ? a : b));
  const ratio = (k) => (m.vitrine[k] / m[best(k)][k]).toFixed(2);
  const [low, high] = ratioInterval(sides.vitrine.controlled, sides[best("controlled")].controlled);
  out.push("");
  out.push(`Ratios vitrine / the peer's better side (medians): controlled **${ratio("controlled")}×** ` +
    `(95 % bootstrap interval ${low.toFixed(2)}–${high.toFixed(2)}×; goal ≤ 1.0×); ` +
    `offline cold FCP **${ratio("fcp")}×**, LCP **${ratio("lcp")}×** (goal ≤ 1.0×).`);
} finally {
  peer.close();
  early.close();
  await server.kill();
  db.cleanup();
}
console.log(out.join("\n"));
