//! The linker's relocation sections in a wasm module: `--emit-relocs` (`.cargo/config.toml`)
//! leaves them for wasm-split, and binaryen refuses to reason about a module that has them, so
//! an unsplit module (the worker, the renderer) is stripped of them before wasm-opt.

use anyhow::{Context, Result};

/// The module without its `linking` and `reloc.*` custom sections.
pub fn without(wasm: &[u8]) -> Result<Vec<u8>> {
    fn leb(bytes: &[u8], at: &mut usize) -> Result<usize> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let byte = *bytes.get(*at).context("truncated wasm")?;
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }
    let header = wasm.get(..8).context("not a wasm module")?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)?;
        let body = at;
        let end = body.checked_add(size).filter(|&e| e <= wasm.len()).context("bad section")?;
        let is_link = id == 0 && {
            let mut p = body;
            let len = leb(wasm, &mut p)?;
            let name = wasm.get(p..p + len).unwrap_or_default();
            name == b"linking" || name.starts_with(b"reloc.")
        };
        if !is_link {
            out.extend_from_slice(&wasm[start..end]);
        }
        at = end;
    }
    Ok(out)
}
