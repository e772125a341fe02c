//! Building, splitting, binding and optimising the wasm modules (`dist` puts them together).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::{minify, project_root, tools};

pub(crate) const WASM_PROFILE: &str = "wasm-release";
pub(crate) const TARGET: &str = "wasm32-unknown-unknown";
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

/// What `split_app` does, in the key of its cached output: a change to the steps must not
/// reuse what the old steps made from the same module.
pub(crate) const SPLIT_STEPS: &str =
    "wasm-split; unloaded split exports dropped; wasm-bindgen; wasm-opt; glue minified";

/// Build one binary of `package` for the browser, with `features` (comma-separated).
pub(crate) fn cargo_wasm_bin(
    sh: &Shell,
    package: &str,
    bin: &str,
    features: &str,
) -> Result<PathBuf> {
    cmd!(
        sh,
        "cargo build --package {package} --bin {bin} --features {features} --target {TARGET} --profile {WASM_PROFILE}"
    )
    .run()?;
    Ok(project_root().join("target").join(TARGET).join(WASM_PROFILE))
}

/// Build `package` for the browser, with `features` (comma-separated, may be empty).
pub(crate) fn cargo_wasm(
    sh: &Shell,
    package: &str,
    features: &str,
    env: &[(&str, &Path)],
) -> Result<PathBuf> {
    let _env: Vec<_> = env.iter().map(|(k, v)| sh.push_env(k, v)).collect();
    let features = if features.is_empty() { vec![] } else { vec!["--features", features] };
    cmd!(
        sh,
        "cargo build --package {package} {features...} --target {TARGET} --profile {WASM_PROFILE}"
    )
    .run()?;
    Ok(project_root().join("target").join(TARGET).join(WASM_PROFILE))
}

pub(crate) fn bindgen(sh: &Shell, wasm: &Path, out: &Path, target: &str, name: &str) -> Result<()> {
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

/// Split one of the app's linked modules at its lazy points (`#[lazy_route]`, `wasm_split`), bind the main part as
/// `{name}.js` and `{name}_bg.wasm`, optimise every part, and leave glue, loader, chunks and
/// snippets together in `out`.
pub(crate) fn split_app(
    sh: &Shell,
    wasm: &Path,
    split_dir: &Path,
    out: &Path,
    name: &str,
) -> Result<()> {
    if split_dir.exists() {
        std::fs::remove_dir_all(split_dir)?;
    }
    std::fs::create_dir_all(split_dir)?;
    let input = std::fs::read(wasm)?;
    let main = split_dir.join("main.wasm");
    let mut opts = wasm_split_cli_support::Options::new(&input);
    opts.output_dir = split_dir;
    opts.main_out_path = &main;
    let main_module = format!("./{name}.js");
    opts.main_module = &main_module;
    opts.link_name = "./__wasm_split.js";
    let split = wasm_split_cli_support::transform(opts)
        .map_err(|e| anyhow::anyhow!("splitting {name}'s wasm: {e:?}"))?;
    let main_module = crate::link_sections::without_unloaded_splits(&std::fs::read(&main)?)?;
    std::fs::write(&main, main_module)?;
    if out.exists() {
        std::fs::remove_dir_all(out)?;
    }
    cmd!(sh, "wasm-bindgen {main} --out-dir {out} --target web --out-name {name} --no-typescript --keep-lld-exports")
        .run()
        .with_context(|| format!("wasm-bindgen ({name})"))?;
    optimise(sh, &out.join(format!("{name}_bg.wasm")))?;
    std::fs::copy(split_dir.join("__wasm_split.js"), out.join("__wasm_split.js"))?;
    // The split loader stays as written: `part_files` reads which part needs which chunk from
    // its comments (and it is under 1 KB).
    minify::file(sh, &out.join(format!("{name}.js")), minify::Kind::Module)?;
    for part in &split.split_modules {
        let name = part.file_name().context("a split module has no file name")?;
        let dest = out.join(name);
        std::fs::copy(part, &dest)?;
        optimise(sh, &dest)?;
    }
    Ok(())
}

/// What the cached steps' outputs depend on besides their input: the binding and optimising
/// tools' versions and the flags they are run with.
pub(crate) fn tool_versions(sh: &Shell) -> Result<String> {
    let wasm_opt = tools::wasm_opt();
    let bindgen = cmd!(sh, "wasm-bindgen --version").quiet().read()?;
    let opt = cmd!(sh, "{wasm_opt} --version").quiet().read()?;
    let terser = minify::tool().unwrap_or_default();
    Ok(format!(
        "{bindgen}\n{opt}\n-Oz --strip-debug --strip-producers {}\n{terser}",
        WASM_FEATURES.join(" ")
    ))
}

pub(crate) fn optimise(sh: &Shell, wasm: &Path) -> Result<()> {
    let wasm_opt = tools::wasm_opt();
    let tmp = wasm.with_extension("opt.wasm");
    cmd!(sh, "{wasm_opt} -Oz --strip-debug --strip-producers {WASM_FEATURES...} {wasm} -o {tmp}")
        .run()?;
    std::fs::rename(tmp, wasm)?;
    Ok(())
}

/// The files a module's lazily loaded parts `names` need, in its folder `folder` (as
/// `split_app` left it): each part's own file and the shared chunks the split loader fetches
/// with it (read from `__wasm_split.js`, whose comment before each chunk names its users).
pub(crate) fn part_files(folder: &Path, names: &[&str]) -> Result<Vec<String>> {
    let loader = std::fs::read_to_string(folder.join("__wasm_split.js"))?;
    let mut files: Vec<String> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| {
            names.iter().any(|name| n.starts_with(&format!("split_{name}"))) && n.ends_with(".wasm")
        })
        .collect();
    let mut users = "";
    for line in loader.lines() {
        if let Some(list) = line.trim().strip_prefix("/*") {
            users = list;
        } else if let Some(rest) = line.trim().strip_prefix("const __chunk_") {
            let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if names.iter().any(|name| users.contains(name)) && !number.is_empty() {
                files.push(format!("chunk_{number}.wasm"));
            }
        }
    }
    files.sort();
    Ok(files)
}
