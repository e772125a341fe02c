//! Embeds the precache manifest written by `cargo xtask dist` (env `VITRINE_PRECACHE`), so the
//! list of files to cache is generated, never hand-written. Without it (clippy, unit tests) the
//! worker builds with an empty list and version "dev".

use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(serde::Deserialize)]
struct Entry {
    url: String,
    revision: String,
}

#[derive(serde::Deserialize)]
struct Manifest {
    version: String,
    entries: Vec<Entry>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-env-changed=VITRINE_PRECACHE");
    let manifest = match std::env::var_os("VITRINE_PRECACHE") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            serde_json::from_str(&std::fs::read_to_string(&path)?)?
        }
        None => Manifest { version: "dev".into(), entries: Vec::new() },
    };
    let mut code = format!("pub const VERSION: &str = {:?};\n", manifest.version);
    code.push_str("pub const PRECACHE: &[(&str, &str)] = &[\n");
    for e in &manifest.entries {
        writeln!(code, "    ({:?}, {:?}),", e.url, e.revision)?;
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("precache.rs");
    std::fs::write(out, code)?;
    Ok(())
}
