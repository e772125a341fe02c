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
/** The wasm, started once. Fetched from the network (a first install), it is saved before the
 * worker counts as ready, so the next start finds it offline. */
const ready = () => (loading ??= caches.match(WASM)
  .then((hit) => hit || fetch(WASM).then(async (response) => {
    if (response.ok) await (await caches.open(PRECACHE)).put(WASM, response.clone());
    return response;
  }))
  .then((wasm) => wasm_bindgen({ module_or_path: wasm }))
  .then(() => { sw = wasm_bindgen; return sw; }));
// A first install takes control at once, and until its wasm is ready it leaves requests to
// the network, as if absent. Its wasm, then saving the release (`lifecycle::complete`, from
// `on_activate`), waits until the page has started (its first message; or 2 s): on the page's
// heels, their work lengthened the page's start (BENCHMARKS.md, issue 15). The page says
// "Available offline" once all is saved. An update is all the wasm's: it precaches first.
let pageStarted;
const started = new Promise((resolve) => { pageStarted = resolve; });
self.addEventListener("install", (e) => {
  if (!first) e.waitUntil(ready().then((sw) => sw.on_install([WASM])));
});
self.addEventListener("activate", (e) => {
  if (!first) return e.waitUntil(ready().then((sw) => sw.on_activate()));
  e.waitUntil(self.clients.claim());
  setTimeout(pageStarted, 2000);
  started.then(ready).then((sw) => Promise.all([sw.on_start(), sw.on_activate()]))
    .catch((error) => console.warn("vitrine: activation", error));
});
self.addEventListener("fetch", (e) => {
  if (sw) {
    const answer = sw.on_fetch(e); // undefined: left to the network
    if (answer) e.respondWith(answer);
  } else if (!first) {
    // A worker started for this request: it waits for the wasm, which reads the cache.
    e.respondWith(ready().then((sw) => sw.on_fetch(e) ?? fetch(e.request)));
  }
});
// Offline checkout: pages ask by message; Background Sync and every worker start replay the outbox.
self.addEventListener("message", (e) => {
  pageStarted();
  e.waitUntil(ready().then((sw) => sw.on_message(e)));
});
self.addEventListener("sync", (e) => e.waitUntil(ready().then((sw) => sw.on_sync(e.tag))));
if (!first) ready().then((sw) => sw.on_start()).catch(() => {});
