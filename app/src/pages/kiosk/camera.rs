//! Scanning with the camera where the browser has `BarcodeDetector` (Chrome on Android,
//! ChromeOS and macOS; not desktop Linux, nor Firefox). Elsewhere the kiosk says so and the
//! typed code is the way. Called through `Reflect`: web-sys has the API only behind its
//! unstable flag.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use js_sys::{Array, Function, Object, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How often a frame is read.
const EVERY: Duration = Duration::from_millis(350);
/// The same code held in front of the camera is one scan for this long.
const SAME_CODE_MS: f64 = 4_000.0;

pub(super) fn global(name: &str) -> Option<JsValue> {
    let window = web_sys::window()?;
    Reflect::get(&window, &name.into()).ok().filter(|v| !v.is_undefined())
}

pub(super) fn call(target: &JsValue, method: &str, args: &Array) -> Option<JsValue> {
    let f: Function = Reflect::get(target, &method.into()).ok()?.dyn_into().ok()?;
    f.apply(target, args).ok()
}

#[component]
pub fn Camera(scanned: Callback<String>) -> impl IntoView {
    let Some(detector_class) = global("BarcodeDetector") else {
        return view! {
            <p class="hint">"This browser cannot read QR codes from the camera: type the codes."</p>
        }
        .into_any();
    };
    let video = NodeRef::<leptos::html::Video>::new();
    let running = RwSignal::new(false);
    let problem = RwSignal::new(String::new());
    let start = move |_| {
        let Some(element) = video.get_untracked() else { return };
        let detector_class = detector_class.clone();
        spawn_local(async move {
            match start_camera(&element).await {
                Ok(()) => {
                    running.set(true);
                    watch(element, detector_class, scanned);
                }
                Err(message) => problem.set(message),
            }
        });
    };
    view! {
        <div class="kiosk-camera">
            <button type="button" class="btn btn-secondary" on:click=start disabled=move || running.get()>
                "Scan with the camera"
            </button>
            <video node_ref=video muted=true playsinline=true aria-label="Camera view" class:hidden=move || !running.get()></video>
            <p role="alert" class="problem">{move || problem.get()}</p>
        </div>
    }
    .into_any()
}

async fn start_camera(video: &web_sys::HtmlVideoElement) -> Result<(), String> {
    let refused = || "The camera could not be opened: allow it, or type the codes.".to_owned();
    let navigator = web_sys::window().ok_or_else(refused)?.navigator();
    let devices = Reflect::get(&navigator, &"mediaDevices".into()).map_err(|_| refused())?;
    let constraints = Object::new();
    let video_wanted = Object::new();
    let _ = Reflect::set(&video_wanted, &"facingMode".into(), &"environment".into());
    let _ = Reflect::set(&constraints, &"video".into(), &video_wanted);
    let promise: Promise = call(&devices, "getUserMedia", &Array::of1(&constraints))
        .and_then(|p| p.dyn_into().ok())
        .ok_or_else(refused)?;
    let stream = JsFuture::from(promise).await.map_err(|_| refused())?;
    let _ = Reflect::set(video, &"srcObject".into(), &stream);
    if let Some(p) = call(video, "play", &Array::new()).and_then(|p| p.dyn_into::<Promise>().ok()) {
        let _ = JsFuture::from(p).await;
    }
    Ok(())
}

/// Read a frame every `EVERY`; each new QR code found goes to `scanned`.
fn watch(video: web_sys::HtmlVideoElement, detector_class: JsValue, scanned: Callback<String>) {
    let options = Object::new();
    let _ = Reflect::set(&options, &"formats".into(), &Array::of1(&"qr_code".into()));
    let Ok(class) = detector_class.dyn_into::<Function>() else { return };
    let Ok(detector) = Reflect::construct(&class, &Array::of1(&options)) else { return };
    let last: Rc<Cell<(u64, f64)>> = Rc::new(Cell::new((0, 0.0)));
    let busy = Rc::new(Cell::new(false));
    let video = JsValue::from(video);
    let tick = move || {
        if busy.replace(true) {
            return;
        }
        let (detector, video, last, busy) =
            (detector.clone(), video.clone(), last.clone(), busy.clone());
        spawn_local(async move {
            if let Some(raw) = detect(&detector, &video).await {
                let hash = fingerprint(&raw);
                let now = js_sys::Date::now();
                let (seen, at) = last.get();
                if seen != hash || now - at > SAME_CODE_MS {
                    last.set((hash, now));
                    scanned.run(raw);
                }
            }
            busy.set(false);
        });
    };
    let _ = set_interval_with_handle(tick, EVERY);
}

async fn detect(detector: &JsValue, video: &JsValue) -> Option<String> {
    let promise: Promise = call(detector, "detect", &Array::of1(video))?.dyn_into().ok()?;
    let found: Array = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let first = found.get(0);
    Reflect::get(&first, &"rawValue".into()).ok()?.as_string()
}

fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}
