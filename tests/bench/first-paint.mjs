// `cargo xtask bench` (first paint): Lighthouse 13 mobile on `/`, a gallery and a work, side by
// side in one run with the static Workbox peer at its best (static-peer.mjs). Three runs each, alternating sides; medians. Prints a Markdown section.
// Needs VITRINE_BIN, VITRINE_DIST, VITRINE_MEDIA, CHROMIUM.
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { freshDatabase, startServer } from "../e2e/support.mjs";
import { workboxSite } from "./static-peer.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const PAGES = ["/", "/c/tidal-glass", "/i/101"];
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One Lighthouse run; a run that fails (Chromium can lose its target) is tried once more. */
async function lighthouse(url) {
  try {
    return await lighthouseOnce(url);
  } catch (e) {
    process.stderr.write(`lighthouse ${url} failed, once more: ${String(e.stderr ?? e).slice(-400)}\n`);
    return lighthouseOnce(url);
  }
}

/** Run asynchronously: the peer's server lives in this process, and the server's log is read by it. */
async function lighthouseOnce(url) {
  const flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run " +
    "--disable-background-networking --disable-component-update --disable-sync";
  const report = join(tmpdir(), `vitrine-lh-${process.pid}.json`);
  await promisify(execFile)(join(here, "node_modules/.bin/lighthouse"), [url, "--quiet", "--output=json",
    `--output-path=${report}`, "--form-factor=mobile", "--only-categories=performance", `--chrome-flags=${flags}`],
    { env: { ...process.env, CHROME_PATH: process.env.CHROMIUM }, timeout: 180_000, maxBuffer: 64 << 20 });
  const r = JSON.parse(readFileSync(report, "utf8"));
  rmSync(report, { force: true });
  const a = r.audits;
  return { score: r.categories.performance.score * 100, lcp: a["largest-contentful-paint"].numericValue,
    tbt: a["total-blocking-time"].numericValue, fcp: a["first-contentful-paint"].numericValue,
    cls: a["cumulative-layout-shift"].numericValue };
}

const db = freshDatabase();
const server = await startServer({ db: db.db });
const peer = await workboxSite(server.base, PAGES);
const out = [];
try {
  out.push("### First paint: Lighthouse 13 mobile (simulated slow 4G, first visit), vitrine vs the static Workbox peer");
  out.push("");
  out.push(`Medians of ${RUNS} runs each, sides alternating (tests/bench/first-paint.mjs).`);
  out.push("");
  out.push("| page | side | performance | LCP | TBT | FCP | CLS | scores | TBT each |\n|---|---|---:|---:|---:|---:|---:|---|---|");
  for (const path of PAGES) {
    const runs = { vitrine: [], "static Workbox": [] };
    for (let i = 0; i < RUNS; i++) {
      runs.vitrine.push(await lighthouse(`${server.base}${path}`));
      runs["static Workbox"].push(await lighthouse(`${peer.base}${path}`));
    }
    for (const [side, rs] of Object.entries(runs)) {
      const m = (k) => median(rs.map((r) => r[k]));
      out.push(`| \`${path}\` | ${side} | **${Math.round(m("score"))}** | ${(m("lcp") / 1000).toFixed(2)} s | ` +
        `${Math.round(m("tbt"))} ms | ${(m("fcp") / 1000).toFixed(2)} s | ${m("cls").toFixed(3)} | ` +
        `${rs.map((r) => Math.round(r.score)).join(", ")} | ${rs.map((r) => Math.round(r.tbt)).join(", ")} |`);
    }
  }
} finally {
  peer.close();
  await server.kill();
  db.cleanup();
}
console.log(out.join("\n"));
