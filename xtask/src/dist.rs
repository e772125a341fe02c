//! `cargo xtask dist`: build the app and the worker to wasm, optimise, content-hash every asset,
//! precompress text and wasm, and write the precache manifest the worker build embeds.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use xshell::{cmd, Shell};

use crate::{icons, project_root, tools};

const WASM_PROFILE: &str = "wasm-release";
const TARGET: &str = "wasm32-unknown-unknown";
/// The features our wasm uses; Rust's wasm32 target emits them and every supported browser has
/// them, so wasm-opt may keep them.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// What a build produced, for the caller (bench reads the app's first-load files).
pub struct Dist {
    pub dir: PathBuf,
    /// Logical name (e.g. `app.wasm`) → URL path (e.g. `/assets/app-0123abcd.wasm`).
    pub assets: BTreeMap<String, String>,
}

pub fn build(sh: &Shell) -> Result<Dist> {
    let root = project_root();
    let dir = root.join("target/dist");
    let staging = root.join("target/wasm-bindgen");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(dir.join("assets"))?;
    let mut out = Output { dir: dir.clone(), assets: BTreeMap::new(), precache: Vec::new() };

    // The app: wasm-bindgen's `web` target, loaded as an ES module by index.html.
    let app_wasm = cargo_wasm(sh, "vitrine-app", &[])?.join("vitrine-app.wasm");
    let app_out = staging.join("app");
    bindgen(sh, &app_wasm, &app_out, "web", "app")?;
    optimise(sh, &app_out.join("app_bg.wasm"))?;
    out.hashed("app.wasm", &std::fs::read(app_out.join("app_bg.wasm"))?)?;
    let js = std::fs::read_to_string(app_out.join("app.js"))?;
    out.hashed("app.js", js.as_bytes())?;
    copy_snippets(&app_out, &dir.join("assets"))?;
    out.hashed("style.css", &std::fs::read(root.join("style/main.css"))?)?;
    for icon in icons::ICONS {
        out.hashed(icon.name, &icons::png(&icon)?)?;
    }
    out.plain("manifest.webmanifest", icons::web_manifest(&out.assets)?.as_bytes())?;
    let index = fill(&std::fs::read_to_string(root.join("public/index.html"))?, &out.assets);
    out.plain("index.html", index.as_bytes())?;

    // The worker embeds the manifest, so it is written before the worker is built.
    let version = out.version();
    let manifest_path = dir.join("precache-manifest.json");
    let entries: Vec<_> = out
        .precache
        .iter()
        .map(|(url, revision)| serde_json::json!({ "url": url, "revision": revision }))
        .collect();
    let manifest = serde_json::json!({ "version": version, "entries": entries });
    std::fs::write(&manifest_path, serde_json::to_string_pretty(&manifest)?)?;

    let sw_wasm = cargo_wasm(sh, "vitrine-sw", &[("VITRINE_PRECACHE", &manifest_path)])?
        .join("vitrine_sw.wasm");
    let sw_out = staging.join("sw");
    bindgen(sh, &sw_wasm, &sw_out, "no-modules", "vitrine_sw")?;
    optimise(sh, &sw_out.join("vitrine_sw_bg.wasm"))?;
    // The worker's own files are cached by the worker itself, not listed in its manifest.
    let sw_glue = write_hashed(&dir, "sw-glue.js", &std::fs::read(sw_out.join("vitrine_sw.js"))?)?;
    let sw_wasm =
        write_hashed(&dir, "sw.wasm", &std::fs::read(sw_out.join("vitrine_sw_bg.wasm"))?)?;
    out.assets.insert("sw-glue.js".into(), sw_glue);
    out.assets.insert("sw.wasm".into(), sw_wasm);
    out.assets.insert("version".into(), version);
    let shim = fill(&std::fs::read_to_string(root.join("public/sw.js"))?, &out.assets);
    std::fs::write(dir.join("sw.js"), shim)?;

    precompress_all(&dir)?;
    println!("dist written to {}", dir.display());
    Ok(Dist { dir, assets: out.assets })
}

struct Output {
    dir: PathBuf,
    assets: BTreeMap<String, String>,
    precache: Vec<(String, String)>,
}

impl Output {
    /// Write `bytes` under a content-hashed name in `assets/` and precache it.
    fn hashed(&mut self, logical: &str, bytes: &[u8]) -> Result<String> {
        let url = write_hashed(&self.dir, logical, bytes)?;
        self.assets.insert(logical.to_owned(), url.clone());
        self.precache.push((url.clone(), short_hash(bytes)));
        Ok(url)
    }

    /// Write a file at a fixed URL (shell, manifest) and precache it with its hash as revision.
    fn plain(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        std::fs::write(self.dir.join(name), bytes)?;
        self.precache.push((format!("/{name}"), short_hash(bytes)));
        Ok(())
    }

    /// One hash over every precached URL and revision: the cache-name version.
    fn version(&self) -> String {
        let all: String = self.precache.iter().map(|(u, r)| format!("{u} {r}\n")).collect();
        short_hash(all.as_bytes())
    }
}

fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().take(5).map(|b| format!("{b:02x}")).collect()
}

fn write_hashed(dir: &Path, logical: &str, bytes: &[u8]) -> Result<String> {
    let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
    let name = format!("{stem}-{}.{ext}", short_hash(bytes));
    std::fs::write(dir.join("assets").join(&name), bytes)?;
    Ok(format!("/assets/{name}"))
}

/// Replace every `{{name}}` in a template with the asset's URL.
fn fill(template: &str, assets: &BTreeMap<String, String>) -> String {
    assets.iter().fold(template.to_owned(), |t, (k, v)| t.replace(&format!("{{{{{k}}}}}"), v))
}

fn cargo_wasm(sh: &Shell, package: &str, env: &[(&str, &Path)]) -> Result<PathBuf> {
    let _env: Vec<_> = env.iter().map(|(k, v)| sh.push_env(k, v)).collect();
    cmd!(sh, "cargo build --package {package} --target {TARGET} --profile {WASM_PROFILE}").run()?;
    Ok(project_root().join("target").join(TARGET).join(WASM_PROFILE))
}

fn bindgen(sh: &Shell, wasm: &Path, out: &Path, target: &str, name: &str) -> Result<()> {
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    cmd!(
        sh,
        "wasm-bindgen {wasm} --out-dir {out} --target {target} --out-name {name} --no-typescript"
    )
    .run()
    .with_context(|| format!("wasm-bindgen {}", wasm.display()))
}

fn optimise(sh: &Shell, wasm: &Path) -> Result<()> {
    let wasm_opt = tools::wasm_opt();
    let tmp = wasm.with_extension("opt.wasm");
    cmd!(sh, "{wasm_opt} -Oz --strip-debug --strip-producers {WASM_FEATURES...} {wasm} -o {tmp}")
        .run()?;
    std::fs::rename(tmp, wasm)?;
    Ok(())
}

/// JS snippets wasm-bindgen extracts from crates, imported relative to the glue.
fn copy_snippets(from: &Path, assets: &Path) -> Result<()> {
    let snippets = from.join("snippets");
    if !snippets.exists() {
        return Ok(());
    }
    for entry in walk(&snippets)? {
        let rel = entry.strip_prefix(from)?;
        let dest = assets.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&entry, dest)?;
    }
    Ok(())
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(walk(&path)?);
        } else {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// `.br` and `.gz` beside every text and wasm file, for the server to pick by Accept-Encoding.
fn precompress_all(dir: &Path) -> Result<()> {
    const COMPRESSIBLE: [&str; 6] = ["js", "css", "html", "wasm", "json", "webmanifest"];
    for path in walk(dir)? {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let mut br = Vec::new();
        let params =
            brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        brotli::BrotliCompress(&mut bytes.as_slice(), &mut br, &params)?;
        std::fs::write(append_ext(&path, "br"), br)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes)?;
        std::fs::write(append_ext(&path, "gz"), gz.finish()?)?;
    }
    Ok(())
}

fn append_ext(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_get_every_asset_url() {
        let assets = BTreeMap::from([("app.js".to_owned(), "/assets/app-1.js".to_owned())]);
        assert_eq!(
            fill("<script src=\"{{app.js}}\">", &assets),
            "<script src=\"/assets/app-1.js\">"
        );
        assert_eq!(fill("{{other}}", &assets), "{{other}}");
    }

    #[test]
    fn hashed_names_change_with_content() {
        let dir = std::env::temp_dir().join(format!("xtask-hash-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        let a = write_hashed(&dir, "app.js", b"one").unwrap();
        let b = write_hashed(&dir, "app.js", b"two").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("/assets/app-") && a.ends_with(".js"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
