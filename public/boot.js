// Starts the app. A file rather than an inline script, so the Content-Security-Policy can
// allow scripts from this origin only.
import init from "{{app.js}}";

// What Leptos' hydration reads from the page: resources and errors the server resolved while
// streaming, which it never does here (the page's data is in `#vitrine-data`). Leptos writes
// these in an inline script, which the Content-Security-Policy refuses; empty lists say the same.
for (const name of ["__RESOLVED_RESOURCES", "__SERIALIZED_ERRORS", "__INCOMPLETE_CHUNKS"]) {
  globalThis[name] ??= [];
}

const start = () => init({ module_or_path: "{{app.wasm}}" });
// A page the server drew is readable and its links work already: its first screen's pictures
// load before the app's wasm competes with them for the network (on a slow phone link the wasm
// fetched early doubled the largest paint; BENCHMARKS.md). The empty shell (a page only the
// browser draws, or a page never kept that the worker answers with it) starts the app at once.
const drawn = document.getElementById("app")?.hasChildNodes();
// The worker is registered at `load`, not when the app gets to it (about 100 ms later on a
// fast machine): the page is under its control that much sooner. The app registers too (it
// watches for updates); registering twice is one registration.
const registerWorker = () => navigator.serviceWorker?.register("/sw.js").catch(() => {});
if (document.readyState === "complete") registerWorker();
else addEventListener("load", registerWorker, { once: true });
if (drawn && document.readyState !== "complete") addEventListener("load", start, { once: true });
else start();
