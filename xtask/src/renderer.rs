//! `cargo xtask bench --renderer`: the size of the storefront's views compiled for wasm32 with
//! Leptos' `ssr` (`app/src/bin/render.rs`), the renderer a service worker would need to draw
//! pages itself. Built like the worker (unsplit, bound, optimised), next to the page's app.

use std::path::Path;

use anyhow::Result;
use xshell::{cmd, Shell};

use crate::dist;
use crate::project_root;
use crate::wasm::{self, TARGET, WASM_PROFILE};

pub fn report(sh: &Shell, built: &dist::Dist) -> Result<String> {
    cmd!(
        sh,
        "cargo build --package vitrine-app --bin vitrine-render --features ssr --target {TARGET} --profile {WASM_PROFILE}"
    )
    .run()?;
    let linked = project_root().join("target").join(TARGET).join(WASM_PROFILE);
    let staging = project_root().join("target/renderer");
    std::fs::create_dir_all(&staging)?;
    let wasm = staging.join("vitrine-render.wasm");
    std::fs::write(
        &wasm,
        crate::link_sections::without(&std::fs::read(linked.join("vitrine-render.wasm"))?)?,
    )?;
    let out = staging.join("bound");
    wasm::bindgen(sh, &wasm, &out, "no-modules", "vitrine_render")?;
    wasm::optimise(sh, &out.join("vitrine_render_bg.wasm"))?;

    let mut report = String::from("| module | raw | brotli |\n|---|---|---|\n");
    let mut row = |name: &str, path: &Path| -> Result<()> {
        let bytes = std::fs::read(path)?;
        let br = dist::brotli_11(&bytes)?.len();
        report.push_str(&format!("| {name} | {} | {br} |\n", bytes.len()));
        Ok(())
    };
    row("renderer wasm (views with `ssr`, wasm32)", &out.join("vitrine_render_bg.wasm"))?;
    row("renderer glue", &out.join("vitrine_render.js"))?;
    for (name, key) in [("page app wasm (main part)", "app.wasm"), ("worker wasm", "sw.wasm")] {
        if let Some(url) = built.assets.get(key) {
            row(name, &built.dir.join(url.trim_start_matches('/')))?;
        }
    }
    Ok(report)
}
