//! The full-size view of a work, opened from its item page: a lazily loaded part, so the
//! first load does not carry it.
//!
//! Progressive: the size the page already shows (in the browser's memory cache, so it is
//! there at once) is drawn first, with the ThumbHash behind it, and the largest variant fades
//! in over it when it has loaded. Zoom shows that variant at its own pixel size inside a frame
//! that scrolls (by finger, mouse wheel or arrow keys), centred where the work's middle was.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vitrine_protocol::{ImageFormat, Picture};
use web_sys::HtmlDialogElement;

use super::picture::Layout;
use super::NotLoaded;

/// Open the viewer for `picture` (its JSON), loaded on demand. It mounts itself at the end of `<body>`
/// and unmounts when closed, so the item page holds no view type of it: every generic
/// instantiation (the costly part of a Leptos view in wasm) stays in this part.
#[cfg(any(feature = "app", feature = "item-page"))]
#[cfg_attr(
    feature = "hydrate",
    leptos::wasm_split::wasm_split(open_viewer, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub fn open_viewer(picture: String, alt: String, title: String) -> Result<(), NotLoaded> {
    // The work's `Picture` as JSON (`WorkFigure` writes it): parsed here, in the part.
    let picture: Picture = serde_json::from_str(&picture).map_err(|_| NotLoaded)?;
    let Some(body) = document().body() else { return Ok(()) };
    // Type-erased: the handle's type names the view, whose close handler holds the handle.
    let handle: Rc<RefCell<Option<Box<dyn std::any::Any>>>> = Rc::default();
    let on_closed = {
        let handle = Rc::clone(&handle);
        // Unmounted after the close event returns: not from inside its own handler.
        move || {
            let handle = Rc::clone(&handle);
            spawn_local(async move { drop(handle.borrow_mut().take()) });
        }
    };
    let mounted = mount_to(body, move || view! { <Viewer picture alt title on_closed /> });
    *handle.borrow_mut() = Some(Box::new(mounted));
    Ok(())
}

/// Centre the frame's scroll position: after zooming in, the middle of the work is in view
/// rather than its top-left corner.
fn centre(frame: &web_sys::Element) {
    let x = (frame.scroll_width() - frame.client_width()) / 2;
    let y = (frame.scroll_height() - frame.client_height()) / 2;
    frame.scroll_to_with_x_and_y(f64::from(x.max(0)), f64::from(y.max(0)));
}

#[component]
fn Viewer(
    picture: Picture,
    alt: String,
    title: String,
    on_closed: impl Fn() + 'static,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let frame = NodeRef::<html::Div>::new();
    let zoomed = RwSignal::new(false);
    let sharp = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            let d: HtmlDialogElement = d;
            // `mount_to` builds the view before attaching it, and a detached dialog cannot open
            // as modal: wait one frame until it is in the document.
            request_animation_frame(move || {
                let _ = d.show_modal();
            });
        }
    });
    // Back (or any history move) while it is open closes it rather than leaving it over the
    // next page.
    let listener = window_event_listener(leptos::ev::popstate, move |_| {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    });
    on_cleanup(move || listener.remove());
    let close = move |_| {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
    };
    let toggle = move |_| {
        zoomed.update(|z| *z = !*z);
        if let Some(f) = frame.get_untracked() {
            request_animation_frame(move || centre(&f));
        }
    };
    let p = picture;
    let full = p.widths.last().copied().unwrap_or(p.width);
    // Fitted: as wide as the screen allows while the whole height fits under the bar.
    // Zoomed: the largest variant's own pixels.
    let ratio = f64::from(p.width) / f64::from(p.height.max(1));
    let width = move || {
        if zoomed.get() {
            format!("{full}px")
        } else {
            format!("min(100%, calc((100vh - var(--bar-height)) * {ratio:.4}))")
        }
    };
    let background = vitrine_protocol::preview::data_url(&p.placeholder)
        .map(|url| format!("url({url})"))
        .unwrap_or_default();
    let state = move || if sharp.get() { "Full size" } else { "Loading full size…" };
    view! {
        <dialog class="viewer" node_ref=dialog aria-label=format!("{title}, full size")
            on:close=move |_| on_closed()>
            <div class="viewer-bar">
                <p role="status" class="viewer-state">{state}</p>
                <button type="button" class="btn btn-secondary" on:click=toggle>
                    {move || if zoomed.get() { "Zoom out" } else { "Zoom in" }}
                </button>
                <button type="button" class="btn btn-quiet" on:click=close>"Close"</button>
            </div>
            // Focusable so the keyboard can scroll it when zoomed.
            <div class="viewer-frame" class:zoomed=zoomed node_ref=frame tabindex="0"
                role="group" aria-label="The work; scroll to move around it when zoomed in">
                <div class="viewer-layers">
                    // The same sources and sizes as the item page's picture, so the browser
                    // picks the variant it already has.
                    <picture>
                        <source type="image/webp" srcset=p.srcset(ImageFormat::Webp, false)
                            sizes=Layout::Hero.sizes() />
                        <img class="viewer-preview" alt="" width=p.width height=p.height
                            src=p.url(full, ImageFormat::Jpeg, false)
                            srcset=p.srcset(ImageFormat::Jpeg, false) sizes=Layout::Hero.sizes()
                            style:background-image=background style:width=width />
                    </picture>
                    <picture>
                        <source type="image/webp" srcset=p.url(full, ImageFormat::Webp, false) />
                        <img class="viewer-full" class:loaded=sharp alt=alt width=p.width
                            height=p.height src=p.url(full, ImageFormat::Jpeg, false)
                            decoding="async" style:width=width on:load=move |_| sharp.set(true) />
                    </picture>
                </div>
            </div>
        </dialog>
    }
}
