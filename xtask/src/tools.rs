//! Installs what the build and the tests need, pinned, from the registries this project can
//! reach. Nothing downloads prebuilt binaries at run time.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::project_root;

pub const CHROMIUM: &str = "/usr/bin/chromium";
const SQLITE3: &str = "/usr/bin/sqlite3";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Fallback when there is no npm: the `wasm-opt` crate builds binaryen from source (slow, but
/// needs only Rust and a C++ compiler). Never Debian's binaryen 108: it breaks externref tables.
const WASM_OPT_CRATE: &str = "0.116.1";

/// wasm target, wasm-bindgen-cli equal to Cargo.lock's wasm-bindgen, wasm-opt (npm binaryen).
pub fn ensure_build_tools(sh: &Shell) -> Result<()> {
    let installed = cmd!(sh, "rustup target list --installed").read()?;
    if !installed.lines().any(|l| l.trim() == WASM_TARGET) {
        cmd!(sh, "rustup target add {WASM_TARGET}").run()?;
    }
    let want = wasm_bindgen_version()?;
    let have = cmd!(sh, "wasm-bindgen --version").ignore_status().read().unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(want.as_str()) {
        eprintln!("installing wasm-bindgen-cli {want} (Cargo.lock pins it; takes a few minutes)");
        cmd!(sh, "cargo install wasm-bindgen-cli --version {want}").run()?;
    }
    if has_npm(sh) {
        ensure_npm_packages(sh)
    } else if !cargo_wasm_opt().exists() {
        eprintln!("npm not found: building wasm-opt {WASM_OPT_CRATE} from crates.io instead");
        cmd!(sh, "cargo install wasm-opt --locked --version {WASM_OPT_CRATE}").run()?;
        Ok(())
    } else {
        Ok(())
    }
}

fn has_npm(sh: &Shell) -> bool {
    cmd!(sh, "npm --version").quiet().ignore_stdout().ignore_stderr().run().is_ok()
}

fn cargo_wasm_opt() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    home.join("bin/wasm-opt")
}

/// Debian's Chromium and ChromeDriver, Debian's sqlite3 shell (a browser test reads the
/// server's first key from its database to sign what an older release queued), plus the npm
/// packages (playwright-core).
pub fn ensure_test_tools(sh: &Shell) -> Result<()> {
    let missing: Vec<&str> = [(CHROMIUM, "chromium chromium-driver"), (SQLITE3, "sqlite3")]
        .into_iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .flat_map(|(_, packages)| packages.split(' '))
        .collect();
    if !missing.is_empty() {
        eprintln!("installing Debian's {}", missing.join(", "));
        cmd!(sh, "apt-get update").run()?;
        cmd!(sh, "apt-get install -y --no-install-recommends {missing...}").run()?;
    }
    ensure_npm_packages(sh)
}

/// `npm ci` from the committed lockfile, whenever it is newer than what is installed.
fn ensure_npm_packages(sh: &Shell) -> Result<()> {
    npm_ci(sh, &project_root())
}

/// The peers `cargo xtask bench` compares against (Lighthouse, Workbox): their own lockfile in
/// `tests/bench/`, so the test suite never installs them.
pub fn ensure_bench_tools(sh: &Shell) -> Result<()> {
    ensure_test_tools(sh)?;
    npm_ci(sh, &project_root().join("tests/bench"))
}

fn npm_ci(sh: &Shell, root: &Path) -> Result<()> {
    let stamp = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (std::fs::metadata(&stamp), std::fs::metadata(&lock)) {
        (Ok(s), Ok(l)) => s.modified()? >= l.modified()?,
        _ => false,
    };
    if !fresh {
        if !has_npm(sh) {
            bail!("npm is missing: the browser tests need Node.js 20+ (Debian: apt-get install nodejs npm)");
        }
        // No install scripts: nothing may download a browser or binary behind our back.
        let _dir = sh.push_dir(root);
        cmd!(sh, "npm ci --ignore-scripts --no-audit --no-fund").run()?;
    }
    Ok(())
}

/// npm's binaryen when installed, else the one `cargo install wasm-opt` built.
pub fn wasm_opt() -> PathBuf {
    let npm = project_root().join("node_modules/.bin/wasm-opt");
    if npm.exists() {
        npm
    } else {
        cargo_wasm_opt()
    }
}

/// The exact `wasm-bindgen` version in Cargo.lock.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock =
        std::fs::read_to_string(project_root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}
