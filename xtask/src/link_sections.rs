//! What linking leaves in a wasm module that a browser has no use for.
//! - The relocation sections: `--emit-relocs` (`.cargo/config.toml`) leaves them for
//!   wasm-split, and binaryen refuses to reason about a module that has them, so an unsplit
//!   module (the worker, the renderer) is stripped of them before wasm-opt.
//! - Split points nothing loads: every `#[lazy]` function of the app crate is exported for
//!   wasm-split, also from a module that never calls it (the islands have no router, hence no
//!   lazy routes). Left as exports, they keep every route's views alive in that module.

use anyhow::{Context, Result};

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

fn write_leb(mut value: usize, out: &mut Vec<u8>) {
    loop {
        #[allow(clippy::cast_possible_truncation)]
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// The module without the exports of split points wasm-split left in it (named
/// `__wasm_split_00…`): after splitting, a main module only keeps those no import loads.
pub fn without_unloaded_splits(wasm: &[u8]) -> Result<Vec<u8>> {
    const EXPORTS: u8 = 7;
    let header = wasm.get(..8).context("not a wasm module")?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)?;
        let end = at.checked_add(size).filter(|&e| e <= wasm.len()).context("bad section")?;
        if id != EXPORTS {
            out.extend_from_slice(&wasm[start..end]);
            at = end;
            continue;
        }
        let count = leb(wasm, &mut at)?;
        let mut kept = Vec::new();
        let mut kept_count = 0;
        for _ in 0..count {
            let entry = at;
            let len = leb(wasm, &mut at)?;
            let name = wasm.get(at..at + len).context("truncated export name")?;
            at += len + 1; // the name, then the kind
            leb(wasm, &mut at)?; // the index
            if !name.starts_with(b"__wasm_split_00") {
                kept.extend_from_slice(wasm.get(entry..at).context("truncated export")?);
                kept_count += 1;
            }
        }
        let mut body = Vec::new();
        write_leb(kept_count, &mut body);
        body.extend_from_slice(&kept);
        out.push(EXPORTS);
        write_leb(body.len(), &mut out);
        out.extend_from_slice(&body);
        at = end;
    }
    Ok(out)
}

/// The module without its `linking` and `reloc.*` custom sections.
pub fn without(wasm: &[u8]) -> Result<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of one function, exported under each of `names`.
    fn module(names: &[&str]) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // types: () -> ()
        wasm.extend_from_slice(&[3, 2, 1, 0]); // functions: one of type 0
        let mut exports = Vec::new();
        write_leb(names.len(), &mut exports);
        for name in names {
            write_leb(name.len(), &mut exports);
            exports.extend_from_slice(name.as_bytes());
            exports.extend_from_slice(&[0, 0]); // a function, index 0
        }
        wasm.push(7);
        write_leb(exports.len(), &mut wasm);
        wasm.extend_from_slice(&exports);
        wasm.extend_from_slice(&[10, 4, 1, 2, 0, 0x0b]); // code: an empty body
        wasm
    }

    #[test]
    fn split_points_nothing_loads_are_no_longer_exported() -> Result<()> {
        let split = "__wasm_split_00__item_route_view_1_export_ab___ItemRoute_View";
        let out = without_unloaded_splits(&module(&["main", split, "panicForTest"]))?;
        assert_eq!(out, module(&["main", "panicForTest"]));
        assert_eq!(without_unloaded_splits(&module(&["main"]))?, module(&["main"]));
        Ok(())
    }
}
