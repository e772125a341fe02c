// `cargo xtask bench` (first paint): Lighthouse 13 mobile on `/`, a gallery and a work, side by
// side in one run with the static Workbox peer at its best: the very HTML our server renders for
// those pages with every script taken out (no app at all), the same stylesheet and images,
// brotli 11 for HTML and CSS, a Workbox 7 `generateSW` worker precaching the pages and
// CacheFirst for images. Three runs each, alternating sides; medians. Prints a Markdown section.
// Needs VITRINE_BIN, VITRINE_DIST, VITRINE_MEDIA, CHROMIUM.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, extname, dirname } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";
import { freshDatabase, startServer } from "../e2e/support.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const media = process.env.VITRINE_MEDIA;
const dist = process.env.VITRINE_DIST;
const PAGES = ["/", "/c/tidal-glass", "/i/101"];
const RUNS = Number(process.env.LIGHTHOUSE_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Our rendered page with every script out: what a static site would send. */
function staticCopy(html) {
  return html
    .replace(/<script type="module"[^>]*><\/script>/g, "")
    .replace(/<link rel="modulepreload"[^>]*>/g, "")
    .replace(/<link rel="preload"[^>]*as="fetch"[^>]*>/g, "")
    .replace(/<script id="vitrine-data"[^>]*>[\s\S]*?<\/script>/, "")
    .replace("</body>", `<script>navigator.serviceWorker.register("/sw.js")</script></body>`);
}

async function workboxSite(base) {
  const { generateSW } = await import(join(here, "node_modules/workbox-build/build/index.js"));
  const dir = mkdtempSync(join(tmpdir(), "vitrine-static-"));
  for (const path of PAGES) {
    const html = await (await fetch(`${base}${path}`, { headers: { "accept-encoding": "identity" } })).text();
    const file = join(dir, path, "index.html");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, staticCopy(html));
  }
  await generateSW({
    globDirectory: dir, globPatterns: ["**/*.html"], swDest: join(dir, "sw.js"),
    mode: "production", inlineWorkboxRuntime: true, skipWaiting: true, clientsClaim: true,
    runtimeCaching: [{ urlPattern: ({ url }) => url.pathname.startsWith("/media/") || url.pathname.startsWith("/assets/"),
      handler: "CacheFirst", options: { cacheName: "wb-static", expiration: { maxEntries: 300 } } }],
  });
  const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
    ".webp": "image/webp", ".jpg": "image/jpeg", ".png": "image/png", ".webmanifest": "application/manifest+json" };
  const compressed = new Map();
  const brotli = (file) => {
    if (!compressed.has(file)) {
      compressed.set(file, brotliCompressSync(readFileSync(file), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }
    return compressed.get(file);
  };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file;
    if (path.startsWith("/media/")) file = join(media, path.slice(7));
    else if (path.startsWith("/assets/") || path === "/manifest.webmanifest") file = join(dist, path);
    else if (path === "/sw.js") file = join(dir, "sw.js");
    else file = join(dir, path, "index.html");
    if (!existsSync(file) || !statSync(file).isFile()) { res.writeHead(404); res.end(); return; }
    const type = types[extname(file)] ?? "application/octet-stream";
    const immutable = path.startsWith("/assets/") || path.startsWith("/media/v/");
    const headers = { "content-type": type, "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache" };
    if (/html|css|javascript|json/.test(type) && /\bbr\b/.test(req.headers["accept-encoding"] ?? "")) {
      res.writeHead(200, { ...headers, "content-encoding": "br" });
      res.end(brotli(file));
      return;
    }
    res.writeHead(200, headers);
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${server.address().port}`,
    close: () => { server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

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
const peer = await workboxSite(server.base);
const out = [];
try {
  out.push("### First paint: Lighthouse 13 mobile (simulated slow 4G, first visit), vitrine vs the static Workbox peer");
  out.push("");
  out.push(`Medians of ${RUNS} runs each, sides alternating (tests/bench/first-paint.mjs).`);
  out.push("");
  out.push("| page | side | performance | LCP | TBT | FCP | CLS | scores |\n|---|---|---:|---:|---:|---:|---:|---|");
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
        `${rs.map((r) => Math.round(r.score)).join(", ")} |`);
    }
  }
} finally {
  peer.close();
  await server.kill();
  db.cleanup();
}
console.log(out.join("\n"));
