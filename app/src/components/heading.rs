use leptos::html;
use leptos::prelude::*;

use crate::routes;

/// The page's one `<h1>`. It sets the document title and takes focus when it appears, so a
/// screen reader announces the new page after every client-side navigation.
#[component]
pub fn PageHeading(#[prop(into)] text: String) -> impl IntoView {
    let node = NodeRef::<html::H1>::new();
    let title = routes::title(&text);
    #[cfg(feature = "ssr")]
    crate::ssr::set_title(&title);
    Effect::new(move |_| {
        if let Some(h1) = node.get() {
            document().set_title(&title);
            // Suspense builds the view before attaching it, and a detached element cannot take
            // focus: wait one frame until it is in the document.
            request_animation_frame(move || {
                let _ = h1.focus();
            });
        }
    });
    view! { <h1 tabindex="-1" node_ref=node>{text}</h1> }
}
