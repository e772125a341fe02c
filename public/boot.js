// Starts the page's wasm. A file rather than an inline script, so the Content-Security-Policy
// can allow scripts from this origin only.
//
// A page the server drew runs only its islands (the status bar, countdowns, the Buy bar, the
// work's picture, the gallery's sort and filter): a small wasm of its own, one build for a
// work's page and one for every other page, which hydrates each `<leptos-island>` and leaves
// the rest of the page as the server drew it; its links load pages. The empty shell (a page
// only the browser draws, or a page never kept that the worker answers with it offline) runs the whole app, which draws every page and routes in the page.
// So does a storefront framed on a merchant's site (`/embed/…`): a page loaded in the frame
// would need that merchant's `frame-ancestors`, which only the framed page carries, so the
// frame's pages are drawn by the app in that one document.
const drawn = document.getElementById("app")?.hasChildNodes();
const embedded = document.documentElement.classList.contains("embedded");
const islandsOnly = drawn && !embedded;
/** A work's Buy bar (`BuyArea`), where the page has one. */
const BUY_AREA = 'leptos-island[data-component^="BuyArea"]';

// What Leptos' hydration reads from the page: resources and errors the server resolved while
// streaming, which it never does here. Leptos writes these in an inline script, which the
// Content-Security-Policy refuses; empty lists say the same.
for (const name of ["__RESOLVED_RESOURCES", "__SERIALIZED_ERRORS", "__INCOMPLETE_CHUNKS"]) {
  globalThis[name] ??= [];
}

/** A new task: the browser paints and answers input between pieces of start-up work, none of
 * them long (a long task is what a phone's tap waits behind; Lighthouse's blocking time counts
 * each one's excess over 50 ms). */
const nextTask = () => globalThis.scheduler?.yield?.() ?? new Promise((resolve) => {
  // A message, not a timer: a timer nested in timers waits 4 ms or more.
  const channel = new MessageChannel();
  channel.port1.onmessage = resolve;
  channel.port2.postMessage(null);
});

/** Hydrate every island with the export named after it, each in a task of its own. One nested
 * in another is hydrated by the island around it. One that fails (a bug: the crash page says
 * so) does not stop the rest. */
async function hydrateIslands(islands) {
  for (const island of [...document.querySelectorAll("leptos-island")]) {
    if (island.parentElement?.closest("leptos-island")) continue;
    await nextTask();
    const hydrate = islands[island.dataset.component];
    // A build without this island (its gating in app/src/components/ and `forWork` below
    // disagree): said, so a browser test's console check fails.
    if (typeof hydrate !== "function") { console.error("no island export", island.dataset.component); continue; }
    try {
      Promise.resolve(hydrate(island)).catch(() => {});
    } catch { /* the panic hook has drawn the crash notice */ }
  }
}

/** Once the page has painted (its first contentful paint), then once the first screen's
 * pictures have too (decoded, then a frame) or 100 ms more at most: the islands' files do not
 * compete with those paints, and the page's largest paint does not wait on them. Measured from
 * the page's own paint, not from when this module runs: a browser may draw its first frame
 * well after the page has loaded (headless Chromium here, at times a second late), and files
 * fetched before it are, to Lighthouse, what that paint waited on (BENCHMARKS.md, issue 15).
 * A hidden tab draws no frames, and does not wait. */
async function firstScreenPainted() {
  if (document.hidden || wasHidden()) return;
  await contentfulPaint();
  const eager = [...document.querySelectorAll('#app img[loading="eager"]')];
  const painted = Promise.all(eager.map((img) => img.decode().catch(() => {})))
    .then(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));
  await Promise.race([painted, new Promise((resolve) => setTimeout(resolve, 100))]);
}

/** Whether this page was hidden at any moment: one hidden before its first paint may never
 * report it (`visibility-state` entries, where the browser has them). */
const wasHidden = () => performance.getEntriesByType("visibility-state").some((e) => e.name === "hidden");

/** The page's first contentful paint, or, where it cannot be observed, now; a tab hidden
 * meanwhile, or 3 s, end the wait, so the page never stays without its islands. */
function contentfulPaint() {
  const painted = () => performance.getEntriesByName("first-contentful-paint").length > 0;
  if (!globalThis.PerformanceObserver?.supportedEntryTypes?.includes("paint") || painted()) return;
  return new Promise((resolve) => {
    const observer = new PerformanceObserver(() => { if (painted()) done(); });
    const done = () => {
      observer.disconnect();
      document.removeEventListener("visibilitychange", done);
      resolve();
    };
    observer.observe({ type: "paint" });
    document.addEventListener("visibilitychange", done);
    setTimeout(done, 3000);
  });
}

/** The web app manifest, linked once the page has started (its islands hydrated, or the app
 * running, or failed to) rather than in the HTML: a browser that installs apps fetches the
 * manifest, then its icon, and checks them as soon as it sees the link, which would compete
 * with the first screen's pictures on a phone's link and with the islands' start. Ending before
 * the first frame, those fetches are also what Lighthouse's simulation counts the largest paint
 * as waiting on (BENCHMARKS.md, issue 15, thirteenth part). Chromium reads a link added later. */
function linkManifest() {
  // A framed storefront is not installed: its host's page is.
  if (embedded || document.querySelector('link[rel="manifest"]')) return;
  const link = document.createElement("link");
  link.rel = "manifest";
  link.href = "/manifest.webmanifest";
  document.head.append(link);
}

async function start() {
  if (islandsOnly) {
    await firstScreenPainted();
    // A page with a work's islands (the Buy bar, the work's picture) loads the build that has
    // them (`item-page`); every other page the one with a gallery's controls. Neither carries
    // the other's (app/src/components/mod.rs).
    const forWork = document.querySelector(`${BUY_AREA}, leptos-island[data-component^="WorkPicture"]`);
    const islands = await import(forWork ? "{{item.js}}" : "{{islands.js}}");
    await islands.default({ module_or_path: forWork ? "{{item.wasm}}" : "{{islands.wasm}}" });
    await hydrateIslands(islands);
    if (document.querySelector(BUY_AREA)) fetchWhenIdle("{{item.buy_form}}");
  } else {
    const app = await import("{{app.js}}");
    await app.default({ module_or_path: "{{app.wasm}}" });
  }
}

/** Fetch these files (comma-separated URLs) into the browser's cache once the page is idle,
 * without compiling them: the Buy sheet's part loads on the first press, which may come
 * offline, before the worker has saved it. */
function fetchWhenIdle(urls) {
  const idle = globalThis.requestIdleCallback ?? ((f) => setTimeout(f, 200));
  idle(() => {
    for (const url of urls.split(",").filter(Boolean)) {
      fetch(url, { priority: "low" }).then((r) => r.arrayBuffer()).catch(() => {});
    }
  });
}

/** What a page that cannot start says, where it would otherwise stay blank: offline, before
 * this device has saved the whole app (the status bar says "Available offline" once it has).
 * A drawn page stays readable without its islands; a work's Buy, drawn disabled until its
 * island runs, says why it stays so. */
function cannotStart() {
  const root = document.getElementById("app");
  // A panic has drawn its own page (crash.rs).
  if (!root || document.getElementById("crash")) return;
  if (drawn && islandsOnly) {
    const buying = document.querySelector(`${BUY_AREA} [role="status"]`);
    if (buying) buying.textContent = "This page's script could not load, so buying and the waitlist do not work yet: you may be offline. Reload the page to try again.";
    return;
  }
  const note = document.createElement("main");
  note.id = "main";
  note.innerHTML = '<h1 tabindex="-1">This page could not load</h1><p class="note">You may be offline, and this device has not saved the shop yet. Purchases already made are kept on this device and will still be sent. <a class="link" href="">Try again</a> once you are back online.</p>';
  root.replaceChildren(note);
}

// Pictures and the worker. Where the browser has static routes (`public/sw.js`), it answers
// a picture the worker kept from the image cache itself, and fetches any other past the
// worker. So the page tells the worker what it showed (counted, marked used, and kept from
// the browser's HTTP cache: service-worker/src/pictures_shown.rs), and asks the worker itself
// for a picture it could not load that way (offline, never kept): `?fallback` is not routed,
// and the worker answers it with another size it kept or "Available when online" over the
// picture's preview. A picture through the worker (`?` in its URL) was counted there.
const VARIANT = /\/media\/v\/[^?#]*$/;
/** The pictures this document has reported: another `<img>` of one (the viewer's preview, an
 * element drawn anew) is answered from the browser's memory, not a cache, and is not counted. */
const reported = new Set();
/** Reported, not yet sent: sent together, 50 ms after the first, or as the page is hidden or
 * left; kept until a worker is in charge of the page. */
let unsent = [];
function reportShown(imgs) {
  for (const img of imgs) {
    const url = img.currentSrc;
    if (!VARIANT.test(url) || reported.has(url)) continue;
    reported.add(url);
    if (unsent.push(url) === 1) setTimeout(sendShown, 50);
  }
}
function sendShown() {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return;
  // At most `MAX_PICTURES_SHOWN` (protocol/src/device) in a message.
  while (unsent.length) {
    const urls = unsent.splice(0, 200);
    worker.postMessage(JSON.stringify({ pictures_shown: { urls } }));
  }
}
addEventListener("pagehide", sendShown);
document.addEventListener("visibilitychange", () => { if (document.hidden) sendShown(); });
navigator.serviceWorker?.addEventListener("controllerchange", sendShown);
function pictureFailed(img) {
  if (!VARIANT.test(img.currentSrc) || !navigator.serviceWorker?.controller) return;
  // Idempotent: a picture that fails again through the worker is not asked `?fallback?fallback`.
  const viaWorker = (list) => list.replace(/(\/media\/v\/[^\s,?#]+)(\?fallback)?/g, "$1?fallback");
  const sources = img.parentElement?.tagName === "PICTURE" ? img.parentElement.querySelectorAll("source") : [];
  for (const source of sources) source.srcset = viaWorker(source.srcset);
  if (img.srcset) img.srcset = viaWorker(img.srcset);
  if (img.getAttribute("src")) img.src = viaWorker(img.getAttribute("src"));
}
// On the document: a picture's `load` never reaches the window.
document.addEventListener("load", (e) => { if (e.target instanceof HTMLImageElement) reportShown([e.target]); }, true);
document.addEventListener("error", (e) => { if (e.target instanceof HTMLImageElement) pictureFailed(e.target); }, true);
// What loaded or failed before this module ran.
const settled = [...document.images].filter((img) => img.complete);
reportShown(settled.filter((img) => img.naturalWidth > 0));
for (const img of settled.filter((img) => img.naturalWidth === 0)) pictureFailed(img);

// The worker is registered by the page itself, in a line of its own (index.html; the
// Content-Security-Policy allows it by its hash): as early as a static site registers its
// worker, not once this module runs, or at `load` (the first visit came under control about
// 100 ms later). The wasm registers too (it watches for updates); registering twice is one
// registration.
// A page the server drew is readable and its links work already: its first screen's pictures
// load before the wasm competes with them for the network (on a slow phone link the wasm
// fetched early doubled the largest paint; BENCHMARKS.md). The shell starts at once.
const run = () => start().catch(cannotStart).finally(linkManifest);
if (drawn && document.readyState !== "complete") addEventListener("load", run, { once: true });
else run();
