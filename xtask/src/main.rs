//! `cargo xtask <command>`: Vitrine's automation, in Rust (matklad's cargo-xtask pattern).

mod bench;
mod bench_run;
mod cache;
mod dist;
mod icons;
mod link_sections;
mod minify;
mod renderer;
mod tools;
mod wasm;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [--addr HOST:PORT]  install what is missing, build, seed the demo catalog, serve
  dist                    build target/dist: hashed, precompressed, with a precache manifest
                          (and image variants for data/media, when it has originals)
  assets [--media DIR]    responsive image variants + manifest for DIR/originals (default data/media)
  test                    fmt, clippy, unit, integration and browser tests
  bench [--clean|--bytes|--run|--pages|--renderer]
                          measure first-load bytes and build times (--clean: clean build too;
                          --bytes: only build and report the bytes; --run: only time a second
                          `cargo xtask run` with nothing changed; --pages: only the
                          server-rendered pages under load)
";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    match args.first().map(String::as_str) {
        Some("run") => run(&sh, &args[1..]),
        Some("dist") => {
            tools::ensure_build_tools(&sh)?;
            dist::build(&sh)?;
            let media = project_root().join(DEMO_MEDIA);
            if media.join("originals").exists() {
                assets(&sh, &media)?;
            }
            Ok(())
        }
        Some("assets") => match &args[1..] {
            [] => assets(&sh, Path::new(DEMO_MEDIA)),
            [flag, dir] if flag == "--media" => assets(&sh, Path::new(dir)),
            _ => bail!("usage: cargo xtask assets [--media DIR]"),
        },
        Some("test") => test(&sh),
        Some("shots") => shots(&sh),
        Some("bench") => {
            let only = if args.iter().any(|a| a == "--bytes") {
                bench::Only::Bytes
            } else if args.iter().any(|a| a == "--run") {
                bench::Only::SecondRun
            } else if args.iter().any(|a| a == "--pages") {
                bench::Only::Pages
            } else if args.iter().any(|a| a == "--renderer") {
                bench::Only::Renderer
            } else {
                bench::Only::Everything
            };
            bench::run(&sh, args.iter().any(|a| a == "--clean"), only)
        }
        _ => {
            eprint!("{USAGE}");
            bail!("unknown or missing command")
        }
    }
}

/// Where `cargo xtask run` keeps the demo catalog's images.
const DEMO_MEDIA: &str = "data/media";

/// The image pipeline lives in the server (`vitrine assets`), so a deployment can run it on
/// its own originals; this builds the server and runs it on `media`.
fn assets(sh: &Shell, media: &Path) -> Result<()> {
    cmd!(sh, "cargo build --package vitrine-server").run()?;
    let vitrine = project_root().join("target/debug/vitrine");
    cmd!(sh, "{vitrine} assets --media {media}").run()?;
    Ok(())
}

pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn run(sh: &Shell, args: &[String]) -> Result<()> {
    let addr = match args {
        [] => "127.0.0.1:8080".to_owned(),
        [flag, addr] if flag == "--addr" => addr.clone(),
        _ => bail!("usage: cargo xtask run [--addr HOST:PORT]"),
    };
    tools::ensure_build_tools(sh)?;
    dist::build(sh)?;
    cmd!(sh, "cargo build --release --package vitrine-server").run()?;
    let vitrine = project_root().join("target/release/vitrine");
    let db = "sqlite://data/vitrine.db";
    // Idempotent: inserts the catalog only into an empty database, draws only missing images.
    // …and makes the image variants of any original that changed (`vitrine assets`).
    cmd!(sh, "{vitrine} seed-demo --db {db} --media {DEMO_MEDIA}").run()?;
    // Tokens are printed once, so none is made here; the demo shop's merchant is "demo".
    println!(
        "The merchant console is at /merchant. A token for the demo shop: \
         {} merchant token demo --scopes catalog,drops,claims,orders,admin --db {db}",
        vitrine.display()
    );
    cmd!(sh, "{vitrine} serve --db {db} --media {DEMO_MEDIA} --dist target/dist --addr {addr}")
        .run()?;
    Ok(())
}

fn test(sh: &Shell) -> Result<()> {
    tools::ensure_build_tools(sh)?;
    tools::ensure_test_tools(sh)?;
    cmd!(sh, "cargo fmt --all --check").run().context("run `cargo fmt --all` to fix")?;
    cmd!(sh, "cargo clippy --workspace --all-targets -- -D warnings").run()?;
    cmd!(sh, "cargo test --workspace").run()?;
    // Build B first: the last build leaves the worker compiled for `target/dist` (A).
    dist::build_release(sh, "target/dist-b", Some("upgrade-test-b"))?;
    dist::build(sh)?;
    browser_tests(sh)
}

/// Screenshots of every route at three sizes, light and dark, into `target/shots/`.
fn shots(sh: &Shell) -> Result<()> {
    tools::ensure_build_tools(sh)?;
    tools::ensure_test_tools(sh)?;
    dist::build(sh)?;
    let _env = browser_env(sh, "e2e")?;
    let out = project_root().join("target/shots");
    cmd!(sh, "node tests/e2e/shots.mjs {out}").run()?;
    Ok(())
}

/// The end-to-end suite: real Chromium, the real server binary, the real built app.
fn browser_tests(sh: &Shell) -> Result<()> {
    let _env = browser_env(sh, "e2e")?;
    let _b = sh.push_env("VITRINE_DIST_B", project_root().join("target/dist-b"));
    cmd!(sh, "node --test --test-concurrency=1 tests/e2e/").run()?;
    Ok(())
}

/// What the node scripts (tests, image bench) need: the debug server, the built app, the demo
/// media under `target/{scratch}/media` and Chromium, as `VITRINE_*` / `CHROMIUM` variables.
/// Images are deterministic, so one drawing serves every run; each script seeds its own rows.
pub fn browser_env<'a>(sh: &'a Shell, scratch: &str) -> Result<Vec<xshell::PushEnv<'a>>> {
    let root = project_root();
    cmd!(sh, "cargo build --package vitrine-server").run()?;
    let vitrine = root.join("target/debug/vitrine");
    let media = root.join("target").join(scratch).join("media");
    let seed = root.join("target").join(scratch).join("media-seed.db");
    let _ = std::fs::remove_file(&seed);
    let seed_url = format!("sqlite://{}", seed.display());
    cmd!(sh, "{vitrine} seed-demo --db {seed_url} --media {media}").run()?;
    Ok(vec![
        sh.push_env("VITRINE_BIN", &vitrine),
        sh.push_env("VITRINE_DIST", root.join("target/dist")),
        sh.push_env("VITRINE_MEDIA", &media),
        sh.push_env("CHROMIUM", tools::CHROMIUM),
    ])
}
