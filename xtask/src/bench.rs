//! `cargo xtask bench`: the numbers BENCHMARKS.md reports, measured on this machine.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{cmd, Shell};

use crate::{dist, project_root, tools};

/// What to measure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Only {
    Everything,
    /// Build and report the first-load bytes.
    Bytes,
    /// Time a second `cargo xtask run` with nothing changed.
    SecondRun,
    /// The server-rendered pages under load.
    Pages,
    /// The size of the views built as a renderer for the service worker.
    Renderer,
}

pub fn run(sh: &Shell, clean: bool, only: Only) -> Result<()> {
    tools::ensure_build_tools(sh)?;
    let mut report = String::from("# cargo xtask bench\n\n");
    if only == Only::SecondRun {
        let second = crate::bench_run::second_run(sh)?;
        println!(
            "second `cargo xtask run` with nothing changed, until /healthz: {:.1} s",
            secs(second)
        );
        return Ok(());
    }

    let built = dist::build(sh)?;
    if only == Only::Pages {
        println!("{}", cmd!(sh, "cargo bench --package vitrine-server --bench pages").read()?);
        return Ok(());
    }
    if only == Only::Renderer {
        println!("{}", crate::renderer::report(sh, &built)?);
        return Ok(());
    }
    first_load(&mut report, &built)?;
    if only == Only::Bytes {
        println!("{report}");
        return Ok(());
    }

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

    let second = crate::bench_run::second_run(sh)?;
    writeln!(
        report,
        "| second `cargo xtask run` with nothing changed, until `/healthz` answers | {:.1} |",
        secs(second)
    )?;

    if clean {
        // A separate target dir: clean from scratch without throwing away the working cache.
        let dir = project_root().join("target/bench-clean");
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let _env = sh.push_env("CARGO_TARGET_DIR", &dir);
        let wasm = time(|| {
            cmd!(sh, "cargo build --package vitrine-app --features vitrine-app/hydrate,vitrine-app/app --package vitrine-sw --target wasm32-unknown-unknown --profile wasm-release")
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
    // 2,000 buyers within a second of a drop's start, vs the bare handler (release build).
    let spike = cmd!(sh, "cargo bench --package vitrine-server --bench drop_spike").read()?;
    report.push_str(&spike);
    // 10,000 orders reconciled across the three sandbox rails, 1 % injected mismatches.
    let reconcile = cmd!(sh, "cargo bench --package vitrine-server --bench reconcile").read()?;
    report.push_str(&reconcile);
    // The gallery page rendered by the server at concurrency 64, next to static and JSON.
    let pages = cmd!(sh, "cargo bench --package vitrine-server --bench pages").read()?;
    report.push_str(&pages);

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
    // 1,000 kiosk claims replayed through the worker and IndexedDB, next to the server alone.
    let claims = cmd!(sh, "node tests/bench/claims.mjs").read()?;
    writeln!(report, "\n{claims}")?;
    // Lighthouse on the server-rendered pages, next to the same pages as a static Workbox site.
    let first_paint = cmd!(sh, "node tests/bench/first-paint.mjs").read()?;
    writeln!(report, "\n{first_paint}")?;
    // The worker: first visit → controlled, and an offline cold navigation, next to the peer.
    let offline = cmd!(sh, "node tests/bench/offline-nav.mjs").read()?;
    writeln!(report, "\n{offline}")?;
    Ok(())
}

/// One of the app's modules as a page first loads it, in a table: `extra` (the shell), the
/// boot script, the module's glue and split loader (when the glue imports it: a module with
/// no lazy part does not), its main wasm, the style sheet. Its (raw, brotli) total.
fn module_files(
    report: &mut String,
    built: &dist::Dist,
    name: &str,
    extra: &[&str],
) -> Result<(u64, u64)> {
    writeln!(report, "| file | raw | brotli |\n|---|---|---|")?;
    let glue = built.assets.get(&format!("{name}.js")).cloned();
    let imports_loader = |url: &String| {
        let path = built.dir.join(url.trim_start_matches('/'));
        std::fs::read_to_string(path).is_ok_and(|glue| glue.contains("__wasm_split.js"))
    };
    let loader = glue
        .as_ref()
        .filter(|url| imports_loader(url))
        .map(|a| a.replace(&format!("{name}.js"), "__wasm_split.js"));
    let files = extra
        .iter()
        .map(|s| (*s).to_owned())
        .chain(built.assets.get("boot.js").cloned())
        .chain(glue)
        .chain(loader)
        .chain(built.assets.get(&format!("{name}.wasm")).cloned())
        .chain(built.assets.get("style.css").cloned());
    let mut total = (0, 0);
    for url in files {
        let path = built.dir.join(url.trim_start_matches('/'));
        let raw = std::fs::metadata(&path)?.len();
        let br = std::fs::metadata(format!("{}.br", path.display()))?.len();
        total = (total.0 + raw, total.1 + br);
        writeln!(report, "| `{url}` | {raw} | {br} |")?;
    }
    Ok(total)
}

/// Bytes a first visit to a page the server drew transfers before any image, brotli as
/// served: a gallery (`/`, `/c/{slug}` and every page but a work's load the same build) and a
/// work's page, which loads the islands' build with the Buy bar.
fn first_load(report: &mut String, built: &dist::Dist) -> Result<()> {
    writeln!(
        report,
        "## First load of /c/{{slug}}, drawn by the server: wasm, JS and CSS before interaction \
         (brotli bytes)\n"
    )?;
    let islands = module_files(report, built, "islands", &[])?;
    writeln!(report, "| **total (target ≤ 100 KB)** | {} | **{}** |\n", islands.0, islands.1)?;
    writeln!(
        report,
        "## First load of /i/{{id}}, drawn by the server: the same, with the work's page's \
         islands (brotli bytes)\n"
    )?;
    let item = module_files(report, built, "item", &[])?;
    writeln!(report, "| **total (target ≤ 100 KB)** | {} | **{}** |\n", item.0, item.1)?;
    writeln!(
        report,
        "The shell (a page only the browser draws, or one the worker has no HTML for) runs the \
         whole app instead:\n"
    )?;
    let total = module_files(report, built, "app", &["/index.html"])?;
    writeln!(report, "| **total** | {} | **{}** |\n", total.0, total.1)?;
    let buyable = parts_with_chunks(built, "item", &["buy_form"])?;
    writeln!(
        report,
        "The Buy sheet's part and the chunks it needs, which an item page (`/i/{{id}}`) fetches \
         while idle and runs at the first press of Buy: **{} B** brotli (**{} B** with the first \
         load).\n",
        buyable.1,
        item.1 + buyable.1
    )?;
    let previews = parts_with_chunks(built, "islands", &["paint_previews"])?;
    let item_previews = parts_with_chunks(built, "item", &["paint_previews"])?;
    writeln!(
        report,
        "The previews' painter (ThumbHash), a part a drawn page fetches once its islands have \
         started, and only if a picture may still show its backdrop (one not loaded yet, or one \
         that failed; the worker's offline stand-in carries its own): **{} B** brotli with its chunks for a \
         gallery, whose lazy pictures below the fold want it (**{} B** with the first load); \
         **{} B** for a work's page, which online does not fetch it: its one picture is eager \
         and has loaded by then (tests/e2e/images.test.mjs checks that it is not fetched there, \
         online or offline).\n",
        previews.1,
        islands.1 + previews.1,
        item_previews.1,
    )?;
    lazy_parts(report, built, "islands")?;
    lazy_parts(report, built, "item")?;
    lazy_parts(report, built, "app")?;
    writeln!(
        report,
        "Service worker: its script (with its glue) is registered as the page is parsed; a first \
         visit fetches its wasm once the page has started:\n"
    )?;
    writeln!(report, "| file | raw | brotli |\n|---|---|---|")?;
    for url in ["/sw.js"].into_iter().chain(built.assets.get("sw.wasm").map(String::as_str)) {
        let path = built.dir.join(url.trim_start_matches('/'));
        let raw = std::fs::metadata(&path)?.len();
        let br = std::fs::metadata(format!("{}.br", path.display()))?.len();
        writeln!(report, "| `{url}` | {raw} | {br} |")?;
    }
    writeln!(report)?;
    Ok(())
}

/// A module's lazily loaded parts (the whole app's routes; a work's page's Buy sheet and
/// viewer), fetched on first use.
fn lazy_parts(report: &mut String, built: &dist::Dist, module: &str) -> Result<()> {
    let Some(glue) = built.assets.get(&format!("{module}.js")) else { return Ok(()) };
    let folder = built.dir.join(glue.trim_start_matches('/'));
    let folder = folder.parent().context("module folder")?;
    writeln!(report, "Loaded on demand by `{module}` (wasm split at its lazy points):\n")?;
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

/// Raw and brotli bytes of the lazy parts whose names start `split_{name}` and of every chunk
/// the split loader fetches for any of them (the loader's comment above each chunk lists its
/// users), each counted once.
fn parts_with_chunks(built: &dist::Dist, module: &str, names: &[&str]) -> Result<(u64, u64)> {
    let Some(glue) = built.assets.get(&format!("{module}.js")) else { return Ok((0, 0)) };
    let folder = built.dir.join(glue.trim_start_matches('/'));
    let folder = folder.parent().context("module folder")?;
    let mut total = (0, 0);
    for file in crate::wasm::part_files(folder, names)? {
        let path = folder.join(&file);
        total.0 += std::fs::metadata(&path)?.len();
        total.1 += std::fs::metadata(format!("{}.br", path.display()))?.len();
    }
    Ok(total)
}

fn time(f: impl FnOnce() -> Result<()>) -> Result<Duration> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed())
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
