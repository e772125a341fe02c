// Vitrine's service worker is Rust; this shim only exists because wasm cannot start
// synchronously (wasm-bindgen #1976) while listeners must be registered at once. The wasm is
// read from the cache first, so the worker starts with no network. xtask fills the {{...}}.
// Build {{version}}.
importScripts("{{sw-glue.js}}");
const OWN_FILES = ["{{sw-glue.js}}", "{{sw.wasm}}"];
let sw = null;
const ready = caches.match("{{sw.wasm}}")
  .then((hit) => wasm_bindgen({ module_or_path: hit || fetch("{{sw.wasm}}") }))
  .then(() => { sw = wasm_bindgen; return sw; });
self.addEventListener("install", (e) => e.waitUntil(ready.then((sw) => sw.on_install(OWN_FILES))));
self.addEventListener("activate", (e) => e.waitUntil(ready.then((sw) => sw.on_activate())));
self.addEventListener("fetch", (e) => {
  if (sw) {
    if (sw.handles(e.request)) e.respondWith(sw.on_fetch(e));
  } else {
    e.respondWith(ready.then((sw) => (sw.handles(e.request) ? sw.on_fetch(e) : fetch(e.request))));
  }
});
// Offline checkout: pages ask by message; Background Sync and every worker start replay the outbox.
self.addEventListener("message", (e) => e.waitUntil(ready.then((sw) => sw.on_message(e))));
self.addEventListener("sync", (e) => e.waitUntil(ready.then((sw) => sw.on_sync(e.tag))));
ready.then((sw) => sw.on_start()).catch(() => {});
