//! `cargo xtask dist`: build the app and the worker to wasm, optimise, content-hash every asset,
//! precompress text and wasm, and write the precache manifest the worker build embeds.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use sha2::{Digest, Sha256};
use xshell::Shell;

use crate::wasm::{cargo_wasm, cargo_wasm_bin, split_app, tool_versions, SPLIT_STEPS};
use crate::{cache, icons, minify, project_root, wasm};

/// What a build produced, for the caller (bench reads the app's first-load files).
pub struct Dist {
    pub dir: PathBuf,
    /// Logical name (e.g. `app.wasm`) → URL path (e.g. `/assets/app-0123abcd.wasm`).
    pub assets: BTreeMap<String, String>,
}

/// `target/dist`, stamped with `$VITRINE_RELEASE` if set.
pub fn build(sh: &Shell) -> Result<Dist> {
    let release = std::env::var("VITRINE_RELEASE").ok();
    build_release(sh, "target/dist", release.as_deref())
}

/// Build into `target/{out}`. `release` names the release in `index.html`
/// (`<meta name="vitrine-release">`): a different name alone makes a different precache
/// version, hence a new worker and an upgrade, which the upgrade test uses for its build B.
pub fn build_release(sh: &Shell, out: &str, release: Option<&str>) -> Result<Dist> {
    let root = project_root();
    let dir = root.join(out);
    let staging = root.join("target/wasm-bindgen");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(dir.join("assets"))?;
    let mut out = Output { dir: dir.clone(), assets: BTreeMap::new(), precache: Vec::new() };

    // The app: split at its lazy points, wasm-bindgen's `web` target, loaded as an ES module by
    // index.html. Its files import each other by relative name (glue ↔ split loader ↔ chunks),
    // so they share one content-hashed folder instead of hashed file names.
    // Splitting, binding and optimising take most of a build: done once per input, so a
    // build with nothing changed only copies (`cache`).
    let tool_versions = tool_versions(sh)?;
    // The app's modules: the whole app (for the shell), and the islands a page the server drew
    // runs (`app/src/bin/islands.rs`), built without the router and the pages: once for a
    // work's page (`item`) and once for every other page (`islands`), each with only its own.
    for (name, binary, features) in [
        ("app", "vitrine-app", "hydrate,app"),
        ("islands", "vitrine-islands", "hydrate"),
        ("item", "vitrine-islands", "hydrate,item-page"),
    ] {
        let wasm =
            cargo_wasm_bin(sh, "vitrine-app", binary, features)?.join(format!("{binary}.wasm"));
        let made_into = staging.join(name);
        let key = cache::key(
            name,
            &[&std::fs::read(&wasm)?, tool_versions.as_bytes(), SPLIT_STEPS.as_bytes()],
        );
        cache::folder(&key, &made_into, |made| {
            split_app(sh, &wasm, &staging.join(format!("{name}-split")), made, name)
        })?;
        let (js, bg) = (format!("{name}.js"), format!("{name}_bg.wasm"));
        out.hashed_folder(name, &made_into, &[(&js, &js), (&format!("{name}.wasm"), &bg)])?;
    }
    // The Buy sheet's files, which `boot.js` fetches while an item page is idle so that a
    // press offline finds them (comma-separated URLs).
    if let Some(glue) = out.assets.get("item.js").cloned() {
        let folder_url = glue.trim_end_matches("item.js");
        let urls: Vec<String> = wasm::part_files(&staging.join("item"), &["buy_form"])?
            .iter()
            .map(|file| format!("{folder_url}{file}"))
            .collect();
        out.assets.insert("item.buy_form".to_owned(), urls.join(","));
    }
    out.hashed("style.css", &stylesheet(&root)?)?;
    let boot = fill(&std::fs::read_to_string(root.join("public/boot.js"))?, &out.assets);
    out.hashed("boot.js", minify::script(sh, &boot, minify::Kind::Module)?.as_bytes())?;
    for icon in icons::ICONS {
        out.hashed(icon.name, &icons::png(&icon)?)?;
    }
    out.plain("manifest.webmanifest", icons::web_manifest(&out.assets)?.as_bytes())?;
    out.assets.insert("favicon.svg".into(), icons::favicon_data_url());
    // At a fixed URL: merchants paste it into their own sites (docs/embed.md).
    out.plain("embed.js", &std::fs::read(root.join("public/embed.js"))?)?;
    let mut index = fill(&std::fs::read_to_string(root.join("public/index.html"))?, &out.assets);
    if let Some(release) = release {
        let meta = format!("  <meta name=\"vitrine-release\" content=\"{release}\">\n</head>");
        index = index.replacen("</head>", &meta, 1);
    }
    out.plain("index.html", index.as_bytes())?;

    // The worker embeds the manifest, so it is written before the worker is built; outside
    // `dist`, and only when it changed, so the worker's build script (which watches it) does
    // not run again for a build with nothing changed.
    let version = out.version();
    let manifest_path = staging.join("precache-manifest.json");
    let entries: Vec<_> = out
        .precache
        .iter()
        .map(|(url, revision)| serde_json::json!({ "url": url, "revision": revision }))
        .collect();
    let manifest = serde_json::json!({ "version": version, "entries": entries });
    let manifest = serde_json::to_string_pretty(&manifest)?;
    cache::write_if_changed(&manifest_path, manifest.as_bytes())?;
    std::fs::write(dir.join("precache-manifest.json"), manifest)?;

    let sw_wasm = cargo_wasm(sh, "vitrine-sw", "", &[("VITRINE_PRECACHE", &manifest_path)])?
        .join("vitrine_sw.wasm");
    let sw_out = staging.join("sw");
    // The worker is not split: drop the linker sections `--emit-relocs` left (binaryen
    // refuses to reason about them).
    let sw_linked = staging.join("vitrine_sw.wasm");
    let linked = crate::link_sections::without(&std::fs::read(&sw_wasm)?)?;
    std::fs::write(&sw_linked, &linked)?;
    let sw_key = cache::key("sw", &[&linked, tool_versions.as_bytes()]);
    cache::folder(&sw_key, &sw_out, |made| {
        wasm::bindgen(sh, &sw_linked, made, "no-modules", "vitrine_sw")?;
        wasm::optimise(sh, &made.join("vitrine_sw_bg.wasm"))
    })?;
    // The worker's wasm is cached by the worker itself, not listed in its manifest. Its glue
    // (which defines `wasm_bindgen`) goes first in `sw.js`: one fetch before the worker
    // runs, not two in a row (BENCHMARKS.md, first visit → controlled).
    let sw_wasm =
        write_hashed(&dir, "sw.wasm", &std::fs::read(sw_out.join("vitrine_sw_bg.wasm"))?)?;
    out.assets.insert("sw.wasm".into(), sw_wasm);
    out.assets.insert("version".into(), version);
    let shim = fill(&std::fs::read_to_string(root.join("public/sw.js"))?, &out.assets);
    let glue = std::fs::read_to_string(sw_out.join("vitrine_sw.js"))?;
    let sw = minify::script(sh, &format!("{glue}\n{shim}"), minify::Kind::Classic)?;
    std::fs::write(dir.join("sw.js"), sw)?;

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

    /// Copy `from` to `assets/{name}-{hash of its files}/` and precache every file in it;
    /// `entries` name files for templates (logical name, file in the folder).
    fn hashed_folder(&mut self, name: &str, from: &Path, entries: &[(&str, &str)]) -> Result<()> {
        let files = walk(from)?;
        let mut all = Vec::new();
        for file in &files {
            all.extend_from_slice(file.strip_prefix(from)?.to_string_lossy().as_bytes());
            all.extend_from_slice(&Sha256::digest(std::fs::read(file)?));
        }
        let folder = format!("{name}-{}", short_hash(&all));
        for file in &files {
            let rel = file.strip_prefix(from)?;
            let dest = self.dir.join("assets").join(&folder).join(rel);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let bytes = std::fs::read(file)?;
            std::fs::write(&dest, &bytes)?;
            let url = format!("/assets/{folder}/{}", rel.to_string_lossy());
            self.precache.push((url, short_hash(&bytes)));
        }
        for (logical, file) in entries {
            self.assets.insert((*logical).to_owned(), format!("/assets/{folder}/{file}"));
        }
        Ok(())
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
/// Brotli at its best (quality 11, 4 MB window), as the server sends precompressed files.
pub(crate) fn brotli_11(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut br, &params)?;
    Ok(br)
}

fn precompress_all(dir: &Path) -> Result<()> {
    const COMPRESSIBLE: [&str; 6] = ["js", "css", "html", "wasm", "json", "webmanifest"];
    for path in walk(dir)? {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let br = cache::bytes(&cache::key("br-11-22", &[&bytes]), || brotli_11(&bytes))?;
        std::fs::write(append_ext(&path, "br"), br)?;
        let gz = cache::bytes(&cache::key("gz-best", &[&bytes]), || {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&bytes)?;
            Ok(gz.finish()?)
        })?;
        std::fs::write(append_ext(&path, "gz"), gz)?;
    }
    Ok(())
}

fn append_ext(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// The style sheets, in cascade order, served as one file (one request on first load).
const STYLE_SHEETS: [&str; 4] = ["tokens.css", "base.css", "components.css", "pages.css"];

fn stylesheet(root: &Path) -> Result<Vec<u8>> {
    let mut css = String::new();
    for name in STYLE_SHEETS {
        css.push_str(&without_comments(&std::fs::read_to_string(root.join("style").join(name))?));
    }
    Ok(css.into_bytes())
}

/// The style sheet as served: comments (which say why, for us) and indentation removed, a
/// quarter of its brotli bytes. Nothing else is touched, so no rule can change meaning;
/// quoted strings are copied as they are.
fn without_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while !rest.is_empty() {
        let next = rest.find(['/', '"', '\'']).unwrap_or(rest.len());
        out.push_str(&rest[..next]);
        rest = &rest[next..];
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |end| &after[end + 2..]);
        } else if let Some(after) = rest.strip_prefix('/') {
            // A slash that starts no comment: `aspect-ratio: 3 / 2`, `rgb(0 0 0 / 0.4)`.
            out.push('/');
            rest = after;
        } else if let Some(quote) = rest.chars().next() {
            // A string, up to its closing quote (or the end).
            let end = rest[1..].find(quote).map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out.lines().map(str::trim).filter(|l| !l.is_empty()).fold(String::new(), |mut s, l| {
        s.push_str(l);
        s.push('\n');
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_css_loses_comments_and_indentation_but_not_strings() {
        let css = "/* why */\n.a {\n  content: \"/* kept */\";\n  aspect-ratio: 3 / 2; /* inline */\n}\n\n  .b::before { content: '● '; }\n/* unterminated";
        assert_eq!(
            without_comments(css),
            ".a {\ncontent: \"/* kept */\";\naspect-ratio: 3 / 2;\n}\n.b::before { content: '● '; }\n"
        );
    }

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
