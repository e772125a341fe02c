//! `cargo xtask bench`: the numbers BENCHMARKS.md reports, measured on this machine.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::{dist, project_root, tools};

pub fn run(sh: &Shell, clean: bool) -> Result<()> {
    tools::ensure_build_tools(sh)?;
    let mut report = String::from("# cargo xtask bench\n\n");

    let built = dist::build(sh)?;
    first_load(&mut report, &built)?;

    // Incremental: one app source file changed, then the whole dist pipeline again.
    let lib = project_root().join("app/src/lib.rs");
    let source = std::fs::read(&lib)?;
    std::fs::write(&lib, &source)?;
    let incremental = time(|| dist::build(sh).map(drop))?;
    writeln!(report, "## Build times\n")?;
    writeln!(report, "| build | seconds |\n|---|---|")?;
    writeln!(
        report,
        "| incremental app rebuild (touch app/src/lib.rs → full dist) | {:.1} |",
        secs(incremental)
    )?;

    if clean {
        // A separate target dir: clean from scratch without throwing away the working cache.
        let dir = project_root().join("target/bench-clean");
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let _env = sh.push_env("CARGO_TARGET_DIR", &dir);
        let wasm = time(|| {
            cmd!(sh, "cargo build --package vitrine-app --package vitrine-sw --target wasm32-unknown-unknown --profile wasm-release")
                .run()
                .map_err(Into::into)
        })?;
        let server = time(|| {
            cmd!(sh, "cargo build --package vitrine-server --release").run().map_err(Into::into)
        })?;
        writeln!(report, "| clean wasm build (app + worker, wasm-release) | {:.1} |", secs(wasm))?;
        writeln!(report, "| clean server build (release) | {:.1} |", secs(server))?;
        std::fs::remove_dir_all(&dir)?;
    }

    // Intent ingest vs the bare handler, and a 1,000-intent replay (release build).
    writeln!(report)?;
    let ingest = cmd!(sh, "cargo bench --package vitrine-server --bench ingest").read()?;
    report.push_str(&ingest);

    images(sh, &mut report)?;

    let out = project_root().join("target/bench/report.md");
    std::fs::create_dir_all(out.parent().context("report folder")?)?;
    std::fs::write(&out, &report)?;
    println!("{report}\nwritten to {}", out.display());
    Ok(())
}

/// The image measures (tests/bench/images.mjs): bytes of a gallery's first screen, cache-hit
/// ratio, worker overhead next to Workbox, Lighthouse. Debug server, demo media of its own.
fn images(sh: &Shell, report: &mut String) -> Result<()> {
    tools::ensure_bench_tools(sh)?;
    let _env = crate::browser_env(sh, "bench")?;
    let section = cmd!(sh, "node tests/bench/images.mjs").read()?;
    writeln!(report, "\n{section}")?;
    Ok(())
}

/// Bytes a first visit to a gallery route transfers before any image: brotli, as served.
fn first_load(report: &mut String, built: &dist::Dist) -> Result<()> {
    writeln!(report, "## First load of /c/{{slug}} without images (brotli bytes)\n")?;
    writeln!(report, "| file | raw | brotli |\n|---|---|---|")?;
    let mut total = (0, 0);
    let critical = ["/index.html".to_owned()].into_iter().chain(
        ["app.js", "app.wasm", "style.css"].iter().filter_map(|k| built.assets.get(*k).cloned()),
    );
    for url in critical {
        let path = built.dir.join(url.trim_start_matches('/'));
        let raw = std::fs::metadata(&path)?.len();
        let br = std::fs::metadata(format!("{}.br", path.display()))?.len();
        total = (total.0 + raw, total.1 + br);
        writeln!(report, "| `{url}` | {raw} | {br} |")?;
    }
    writeln!(report, "| **total (target ≤ 150 KB)** | {} | **{}** |\n", total.0, total.1)?;
    lazy_parts(report, built)?;
    writeln!(report, "Service worker, fetched after the page is interactive:\n")?;
    writeln!(report, "| file | raw | brotli |\n|---|---|---|")?;
    for key in ["sw-glue.js", "sw.wasm"] {
        if let Some(url) = built.assets.get(key) {
            let path = built.dir.join(url.trim_start_matches('/'));
            let raw = std::fs::metadata(&path)?.len();
            let br = std::fs::metadata(format!("{}.br", path.display()))?.len();
            writeln!(report, "| `{url}` | {raw} | {br} |")?;
        }
    }
    writeln!(report)?;
    Ok(())
}

/// The app's lazily loaded parts (checkout: Buy form, receipts), fetched on first use.
fn lazy_parts(report: &mut String, built: &dist::Dist) -> Result<()> {
    let Some(app_js) = built.assets.get("app.js") else { return Ok(()) };
    let folder = built.dir.join(app_js.trim_start_matches('/'));
    let folder = folder.parent().context("app folder")?;
    writeln!(report, "Loaded on demand (wasm split at `#[lazy]` points):\n")?;
    writeln!(report, "| file | raw | brotli |\n|---|---|---|")?;
    let mut total = (0, 0);
    let mut names: Vec<_> = std::fs::read_dir(folder)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| {
            (n.starts_with("split_") || n.starts_with("chunk_") || n.starts_with("__wasm_split"))
                && !n.ends_with(".br")
                && !n.ends_with(".gz")
        })
        .collect();
    names.sort();
    for name in names {
        let path = folder.join(&name);
        let raw = std::fs::metadata(&path)?.len();
        let br = std::fs::metadata(format!("{}.br", path.display()))?.len();
        total = (total.0 + raw, total.1 + br);
        writeln!(report, "| `{name}` | {raw} | {br} |")?;
    }
    writeln!(report, "| **total** | {} | **{}** |\n", total.0, total.1)?;
    Ok(())
}

fn time(f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
