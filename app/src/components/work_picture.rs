//! The work, large, on its page: `WorkFigure` draws it; where the picture pipeline made its
//! variants, it can be viewed full size (`zoomable`): in the island `WorkPicture` on a page the
//! server drew, directly in the whole app.

use leptos::either::Either;
use leptos::prelude::*;
use vitrine_protocol::{ImageRef, Picture};

use super::{open_viewer, Layout, ResponsiveImage};

/// The work, large. With a picture pipeline's variants, it can be viewed full size; without,
/// it is the thumbnail, with a link to the original under it.
#[component]
pub fn WorkFigure(
    picture: Option<Picture>,
    thumb: ImageRef,
    alt: String,
    title: String,
    original: ImageRef,
) -> impl IntoView {
    // Only the viewer's part parses the picture: the page's first load carries no parser for it.
    let zoom = picture.as_ref().and_then(|p| serde_json::to_string(p).ok());
    let image = {
        let alt = alt.clone();
        move || view! { <ResponsiveImage picture fallback=thumb alt layout=Layout::Hero eager=true /> }
    };
    let Some(zoom) = zoom else {
        let label =
            format!("View the full-size original ({} × {} JPEG)", original.width, original.height);
        return Either::Left(view! {
            <figure>
                <div class="zoomable">{image()}</div>
                <figcaption><a class="link" href=original.url>{label}</a></figcaption>
            </figure>
        });
    };
    // The whole app draws it in the browser, where an island's children are not drawn.
    #[cfg(feature = "hydrate")]
    let zoomable = zoomable(zoom, alt, title, image());
    #[cfg(not(feature = "hydrate"))]
    let zoomable = view! { <WorkPicture zoom alt title>{image()}</WorkPicture> };
    Either::Right(zoomable)
}

/// A work that can be viewed full size, on a page the server drew. An island, for its two
/// handlers; the picture is its children, which the server draws and the page does not
/// hydrate, so the page's first load carries no picture view. `zoom` is the work's `Picture`
/// as JSON, which only the viewer's part parses.
#[island]
pub fn WorkPicture(zoom: String, alt: String, title: String, children: Children) -> impl IntoView {
    zoomable(zoom, alt, title, children())
}

/// `picture`, which a tap (or the button under it) opens full size in the viewer, a lazy part.
fn zoomable(zoom: String, alt: String, title: String, picture: impl IntoView) -> impl IntoView {
    // The viewer's part could not be loaded: said under the button, which tries again.
    let failed = RwSignal::new(false);
    let open = move || {
        let (picture, alt, title) = (zoom.clone(), alt.clone(), title.clone());
        failed.set(false);
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            let opened = open_viewer(picture, alt, title).await;
            #[cfg(not(feature = "hydrate"))]
            let opened = open_viewer(picture, alt, title);
            if opened.is_err() {
                failed.set(true);
            }
        });
    };
    let open_too = open.clone();
    // Drawn disabled, and enabled once this runs: on a page the server drew, a press before
    // the island has run would do nothing (the islands wait for the first paint: boot.js).
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = button.get() {
            button.set_disabled(false);
        }
    });
    view! {
        <figure>
            // A pointer shortcut; keyboards and screen readers use the button below.
            <div class="zoomable can-zoom" on:click=move |_| open()>{picture}</div>
            <figcaption>
                <button type="button" class="link" aria-haspopup="dialog" disabled=true
                    node_ref=button on:click=move |_| open_too()>
                    "View full size"
                </button>
            </figcaption>
        </figure>
        // After the figure, not in its caption: the caption names the figure.
        <p role="status" class="note">
            {move || failed.get().then_some("The full-size view could not load: you may be offline. Try again, or reload the page.")}
        </p>
    }
}
