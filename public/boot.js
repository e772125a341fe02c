// Starts the app. A file rather than an inline script, so the Content-Security-Policy can
// allow scripts from this origin only.
import init from "{{app.js}}";
init({ module_or_path: "{{app.wasm}}" });
