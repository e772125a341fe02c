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

/// What to do with one section of a module (`rewrite`).
enum Section {
    Keep,
    Drop,
    Replace(Vec<u8>),
}

/// The module with each section as `each(id, body)` says, the others' bytes as they were.
fn rewrite(wasm: &[u8], mut each: impl FnMut(u8, &[u8]) -> Result<Section>) -> Result<Vec<u8>> {
    let header = wasm.get(..8).context("not a wasm module")?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < wasm.len() {
        let start = at;
        let id = wasm[at];
        at += 1;
        let size = leb(wasm, &mut at)?;
        let end = at.checked_add(size).filter(|&e| e <= wasm.len()).context("bad section")?;
        match each(id, &wasm[at..end])? {
            Section::Keep => out.extend_from_slice(&wasm[start..end]),
            Section::Drop => {}
            Section::Replace(body) => {
                out.push(id);
                write_leb(body.len(), &mut out);
                out.extend_from_slice(&body);
            }
        }
        at = end;
    }
    Ok(out)
}

/// The module without the exports of split points wasm-split left in it (named
/// `__wasm_split_00…`): after splitting, a main module only keeps those no import loads.
pub fn without_unloaded_splits(wasm: &[u8]) -> Result<Vec<u8>> {
    const EXPORTS: u8 = 7;
    rewrite(wasm, |id, section| {
        if id != EXPORTS {
            return Ok(Section::Keep);
        }
        let mut at = 0;
        let count = leb(section, &mut at)?;
        let (mut kept, mut kept_count) = (Vec::new(), 0);
        for _ in 0..count {
            let entry = at;
            let len = leb(section, &mut at)?;
            let name = section.get(at..at + len).context("truncated export name")?;
            at += len + 1; // the name, then the kind
            leb(section, &mut at)?; // the index
            if !name.starts_with(b"__wasm_split_00") {
                kept.extend_from_slice(section.get(entry..at).context("truncated export")?);
                kept_count += 1;
            }
        }
        let mut body = Vec::new();
        write_leb(kept_count, &mut body);
        body.extend_from_slice(&kept);
        Ok(Section::Replace(body))
    })
}

/// The module without its `linking` and `reloc.*` custom sections.
pub fn without(wasm: &[u8]) -> Result<Vec<u8>> {
    rewrite(wasm, |id, section| {
        let is_link = id == 0 && {
            let mut at = 0;
            let len = leb(section, &mut at)?;
            let name = section.get(at..at + len).unwrap_or_default();
            name == b"linking" || name.starts_with(b"reloc.")
        };
        Ok(if is_link { Section::Drop } else { Section::Keep })
    })
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

    #[test]
    fn the_linkers_sections_go_and_the_rest_stays_byte_for_byte() -> Result<()> {
        let custom = |name: &str| {
            let mut body = Vec::new();
            write_leb(name.len(), &mut body);
            body.extend_from_slice(name.as_bytes());
            body.extend_from_slice(&[1, 2, 3]);
            let mut section = vec![0];
            write_leb(body.len(), &mut section);
            section.extend_from_slice(&body);
            section
        };
        let plain = module(&["main"]);
        let mut linked = plain.clone();
        linked.extend(custom("linking"));
        linked.extend(custom("reloc.CODE"));
        let mut named = plain.clone();
        named.extend(custom("producers"));
        assert_eq!(without(&linked)?, plain);
        assert_eq!(without(&named)?, named);
        Ok(())
    }
}
