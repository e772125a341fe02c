//! An optional tone for each verdict, for a counter where nobody watches the screen: high for
//! claimed, middle for already claimed, low and longer for invalid. Web Audio through
//! `Reflect` (one `AudioContext`, made on the first tone: browsers allow it after a key press
//! or a click, which a typed code is).

use std::cell::RefCell;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::camera::{call, global};

thread_local! {
    static CONTEXT: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

fn context() -> Option<JsValue> {
    CONTEXT.with_borrow_mut(|slot| {
        if slot.is_none() {
            let class: Function = global("AudioContext")?.dyn_into().ok()?;
            *slot = Reflect::construct(&class, &Array::new()).ok();
        }
        slot.clone()
    })
}

/// Play `hz` for `ms`; silently nothing where Web Audio is missing.
pub fn tone(hz: f64, ms: f64) {
    let Some(ctx) = context() else { return };
    let Some(osc) = call(&ctx, "createOscillator", &Array::new()) else { return };
    if let Ok(frequency) = Reflect::get(&osc, &"frequency".into()) {
        let _ = Reflect::set(&frequency, &"value".into(), &JsValue::from_f64(hz));
    }
    let Ok(destination) = Reflect::get(&ctx, &"destination".into()) else { return };
    call(&osc, "connect", &Array::of1(&destination));
    let start =
        Reflect::get(&ctx, &"currentTime".into()).ok().and_then(|t| t.as_f64()).unwrap_or(0.0);
    call(&osc, "start", &Array::of1(&JsValue::from_f64(start)));
    call(&osc, "stop", &Array::of1(&JsValue::from_f64(start + ms / 1000.0)));
}
