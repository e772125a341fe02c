// Vitrine's service worker is Rust; this shim only exists because wasm cannot start
// synchronously (wasm-bindgen #1976) while listeners must be registered at once. The wasm is
// read from the cache first, so the worker starts with no network. xtask fills the {{...}}.
// Build {{version}}. xtask puts wasm-bindgen's glue (`wasm_bindgen`) before this script.
const WASM = "{{sw.wasm}}";
// `cache_names.rs`'s name for this release's precache; its test checks this line.
const PRECACHE = "vitrine-{{version}}-precache";
// No worker in charge yet: this is a first install (an update or a restart has one).
const first = !self.registration.active;
let sw = null;
let loading = null;
/** The wasm, started once (tried again on the next call if it failed). Fetched from the
 * network (a first install), it is saved before the worker counts as ready, so the next start
 * finds it offline; `complete` checks it is there too. */
const ready = () => (loading ??= caches.match(WASM)
  .then((hit) => hit || fetch(WASM).then(async (response) => {
    if (!response.ok) throw new Error(`the worker's wasm: ${response.status}`);
    await (await caches.open(PRECACHE)).put(WASM, response.clone());
    return response;
  }))
  .then((wasm) => wasm_bindgen({ module_or_path: wasm }))
  .then(() => { wasm_bindgen.own_files([WASM]); sw = wasm_bindgen; return sw; })
  .catch((error) => { loading = null; throw error; }));
// A first install takes control at once, and until its wasm is ready it leaves requests to
// the network, as if absent. Its wasm, then saving the release (`lifecycle::complete`, from
// `on_activate`), waits until the page has started (its first message; or 2 s): on the page's
// heels, their work lengthened the page's start (BENCHMARKS.md, issue 15). The page says
// "Available offline" once all is saved. An update is all the wasm's: it precaches first.
let pageStarted;
const started = new Promise((resolve) => { pageStarted = resolve; });
let activated = false;
let activation = null;
/** A first install's activation, once its wasm runs: `on_activate` first (it starts saving
 * the release; `on_start` then finds that under way). Tried again by the page's next message
 * if it failed. */
const activateLate = () => (activation ??= ready()
  .then((sw) => sw.on_activate().then(() => sw.on_start()))
  .catch((error) => { activation = null; console.warn("vitrine: activation", error); }));
// `cache_names.rs`'s name for the image cache; its test checks this line.
const IMAGES = "vitrine-images-v1";
// Kept in this release's precache where the browser refused its static route: the worker
// then counts the pictures a page reports only at its fetch handler (`pictures_shown.rs`; its
// test checks this line). A refusal, not a success, is written: a write lost (the browser shut
// down meanwhile, Cache Storage cleared) then counts a picture twice, rather than keeping no
// picture a page showed for the rest of the release.
const NOT_ROUTED = "/.vitrine-pictures-not-routed";
/** Settled once this install has said whether its route was refused: reports wait for it. */
let marked = Promise.resolve();
self.addEventListener("install", (e) => {
  // A picture variant (content-addressed, no query) this device kept is answered by the
  // browser from the image cache, without waking this worker: a fetch handler, even 10 lines
  // of JS, cost about twice as much a hit (BENCHMARKS.md, issue 15). A miss goes to the
  // network past the worker; the page tells the worker what it showed (`pictures_shown`),
  // which keeps it, and asks the worker itself (`?fallback`) for one it could not load.
  // Browsers without static routes send every picture through `on_fetch`, as before.
  if (e.addRoutes) {
    // Added while the event is dispatched. A refusal left by this release's earlier install is
    // taken away first.
    const added = e.addRoutes({
      condition: { urlPattern: { pathname: "/media/v/*", search: "" }, requestMethod: "GET" },
      source: { cacheName: IMAGES },
    });
    // The browser may store the route after the event: install ends once it has.
    e.waitUntil(added.catch(() => {}));
    marked = caches.open(PRECACHE).then(async (cache) => {
      await cache.delete(NOT_ROUTED);
      try { await added; } catch (error) {
        console.warn("vitrine: static route refused", error);
        await cache.put(NOT_ROUTED, new Response());
      }
    }).catch((error) => console.warn("vitrine: static route's refusal not kept", error));
    // A first install does not wait for these cache writes (they were a tenth of the first
    // visit's wait for control, and a page's fetches wait for activation): it ignores reports
    // until its wasm runs, and reports wait for them. An update waits.
    if (!first) e.waitUntil(marked);
  }
  if (!first) e.waitUntil(ready().then((sw) => sw.on_install()));
});
self.addEventListener("activate", (e) => {
  if (!first) return e.waitUntil(ready().then((sw) => sw.on_activate()));
  activated = true;
  e.waitUntil(self.clients.claim());
  setTimeout(pageStarted, 2000);
  started.then(activateLate);
});
self.addEventListener("fetch", (e) => {
  if (sw) {
    const answer = sw.on_fetch(e); // undefined: left to the network
    if (answer) e.respondWith(answer);
  } else if (!first) {
    // A worker started for this request: it waits for the wasm, which reads the cache. A wasm
    // that cannot start leaves the network in charge rather than every request failing.
    const network = () => fetch(e.request);
    e.respondWith(ready().then((sw) => sw.on_fetch(e) ?? network(), network));
  }
});
// Offline checkout: pages ask by message; Background Sync and every worker start replay the outbox.
self.addEventListener("message", (e) => {
  // A page's report of the pictures it showed (`boot.js`) is not its start: on a first visit
  // they load while the page starts. A first install whose wasm has not started drops it, so as
  // not to start the wasm then; `complete` keeps the open pages' pictures.
  if (typeof e.data === "string" && e.data.startsWith('{"pictures_shown"')) {
    if (sw || !first) e.waitUntil(marked.then(ready).then((sw) => sw.on_message(e)));
    return;
  }
  pageStarted();
  if (first && activated) started.then(activateLate);
  e.waitUntil(ready().then((sw) => sw.on_message(e)));
});
self.addEventListener("sync", (e) => e.waitUntil(ready().then((sw) => sw.on_sync(e.tag))));
// Any other start: the request that woke the worker goes first; replaying the outbox and
// completing the saved release follow a second later (on its heels they slowed an offline
// page's first paint: BENCHMARKS.md, issue 15). Background Sync and messages do not wait.
if (!first) {
  ready().then((sw) => setTimeout(() => sw.on_start().catch(() => {}), 1000)).catch(() => {});
}
