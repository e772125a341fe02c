//! Scripts as served: minified by npm's terser (pinned in package.json, installed with the other
//! build tools). The glue wasm-bindgen writes is half of it readable names and comments: a
//! gallery's first load was 2 KB lighter (brotli) with it minified (BENCHMARKS.md). Where there
//! is no npm, scripts are served as written.

use anyhow::Result;
use xshell::{cmd, Shell};

use crate::{cache, project_root};

/// How a script is loaded: an ES module (its top-level names are its own, so they may be
/// renamed) or a classic script (the service worker: its top level is the worker's global
/// scope, and the shim reads the glue's `wasm_bindgen` there).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Module,
    Classic,
}

/// terser's flags, for every script (a module's also get `--module`).
const FLAGS: [&str; 2] = ["--compress", "--mangle"];

/// The flags and the installed terser's version, for the keys of cached steps; `None` without
/// terser (no minifying).
pub(crate) fn tool() -> Option<String> {
    let package = project_root().join("node_modules/terser/package.json");
    let package: serde_json::Value = serde_json::from_slice(&std::fs::read(package).ok()?).ok()?;
    let version = package.get("version")?.as_str()?;
    Some(format!("terser {version} {}", FLAGS.join(" ")))
}

/// `source`, minified (cached by its bytes and terser's version).
pub(crate) fn script(sh: &Shell, source: &str, kind: Kind) -> Result<String> {
    let Some(tool) = tool() else {
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| eprintln!("no npm terser: scripts are served unminified (larger)"));
        return Ok(source.to_owned());
    };
    let flags: &[&str] = match kind {
        Kind::Module => &["--module"],
        Kind::Classic => &[],
    };
    let key =
        cache::key("terser", &[source.as_bytes(), tool.as_bytes(), flags.join(" ").as_bytes()]);
    let made = cache::bytes(&key, || {
        let terser = project_root().join("node_modules/.bin/terser");
        let out = cmd!(sh, "{terser} {flags...} {FLAGS...}").stdin(source).quiet().read()?;
        Ok(out.into_bytes())
    })?;
    Ok(String::from_utf8(made)?)
}

/// Minify the script at `path` in place.
pub(crate) fn file(sh: &Shell, path: &std::path::Path, kind: Kind) -> Result<()> {
    let source = std::fs::read_to_string(path)?;
    std::fs::write(path, script(sh, &source, kind)?)?;
    Ok(())
}
