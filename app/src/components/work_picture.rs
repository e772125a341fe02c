use leptos::prelude::*;
use vitrine_protocol::{ImageRef, Picture};

use super::{open_viewer, Layout, ResponsiveImage};

/// The work, large. Tapping it (or the button under it) opens the full-size view, a lazy part;
/// without a picture pipeline's variants, the button is a link to the original. An island, for
/// those two handlers.
#[island]
pub fn WorkPicture(
    picture: Option<Picture>,
    thumb: ImageRef,
    alt: String,
    title: String,
    original: ImageRef,
) -> impl IntoView {
    let zoomable = picture.clone().map(|p| (p, alt.clone(), title));
    let can_zoom = zoomable.is_some();
    // The viewer's part could not be loaded: said under the button, which tries again.
    let failed = RwSignal::new(false);
    let open = move || {
        if let Some((p, alt, title)) = zoomable.clone() {
            failed.set(false);
            leptos::task::spawn_local(async move {
                #[cfg(feature = "hydrate")]
                let opened = open_viewer(p, alt, title).await;
                #[cfg(not(feature = "hydrate"))]
                let opened = open_viewer(p, alt, title);
                if opened.is_err() {
                    failed.set(true);
                }
            });
        }
    };
    let open_too = open.clone();
    let caption = if can_zoom {
        view! {
            <button type="button" class="link" aria-haspopup="dialog" on:click=move |_| open_too()>
                "View full size"
            </button>
        }
        .into_any()
    } else {
        let label =
            format!("View the full-size original ({} × {} JPEG)", original.width, original.height);
        view! { <a class="link" href=original.url>{label}</a> }.into_any()
    };
    view! {
        <figure>
            // A pointer shortcut; keyboards and screen readers use the button below.
            <div class="zoomable" class:can-zoom=can_zoom on:click=move |_| open()>
                <ResponsiveImage picture fallback=thumb alt layout=Layout::Hero eager=true />
            </div>
            <figcaption>{caption}</figcaption>
        </figure>
        // After the figure, not in its caption: the caption names the figure.
        <p role="status" class="note">
            {move || failed.get().then_some("The full-size view could not load: you may be offline. Try again, or reload the page.")}
        </p>
    }
}
