// The static Workbox peer the first-paint benches measure against, at its best: the very HTML
// our server renders for the pages, every script taken out (no app at all), the same stylesheet
// and images, brotli 11 for HTML and CSS, a Workbox 7 `generateSW` worker precaching the pages
// and CacheFirst for images.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, extname, dirname } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const media = process.env.VITRINE_MEDIA;
const dist = process.env.VITRINE_DIST;

/** Our rendered page with every script out: what a static site would send. Its worker
 * (Workbox's `/sw.js`) is registered by an inline line at the end of the body, or with
 * `head`, by ours, where ours is, at the top of the head: earlier under control, and a later
 * largest paint for a work's page (BENCHMARKS.md, issue 15): each bench takes the peer's best
 * for what it measures. */
function staticCopy(html, head) {
  const registers = /<script>navigator\.serviceWorker[^<]*<\/script>/;
  if (!registers.test(html)) throw new Error("the page no longer registers its worker inline");
  const page = html
    .replace(/<script type="module"[^>]*><\/script>/g, "")
    .replace(/<link rel="modulepreload"[^>]*>/g, "")
    .replace(/<link rel="preload"[^>]*as="fetch"[^>]*>/g, "")
    .replace(/<script id="vitrine-data"[^>]*>[\s\S]*?<\/script>/, "");
  if (head) return page;
  return page.replace(registers, "")
    .replace("</body>", `<script>navigator.serviceWorker.register("/sw.js")</script></body>`);
}

/** The peer: `paths` of our server as a static site, Workbox 7 precaching them, CacheFirst for
 * images and files; its worker registered at the end of the body, or with `registerInHead`
 * where ours is. */
export async function workboxSite(base, paths, { registerInHead = false } = {}) {
  const { generateSW } = await import(join(here, "node_modules/workbox-build/build/index.js"));
  const dir = mkdtempSync(join(tmpdir(), "vitrine-static-"));
  for (const path of paths) {
    const html = await (await fetch(`${base}${path}`, { headers: { "accept-encoding": "identity" } })).text();
    const file = join(dir, path, "index.html");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, staticCopy(html, registerInHead));
  }
  await generateSW({
    globDirectory: dir, globPatterns: ["**/*.html"], swDest: join(dir, "sw.js"),
    // Precache each page under its own URL (`/c/x`, not `c/x/index.html`, which this server
    // does not serve and no navigation asks for).
    manifestTransforms: [async (entries) => ({ warnings: [], manifest: entries.map((e) => {
      const path = `/${e.url.slice(0, -"index.html".length)}`;
      return { ...e, url: path.length > 1 ? path.slice(0, -1) : path };
    }) })],
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
