use leptos::html;
use leptos::prelude::*;

use crate::routes;

thread_local! {
    /// The page the server drew and the app hydrated (`crate::start`): its heading leaves focus
    /// where the browser or the visitor put it.
    static KEEP_FOCUS_ON: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// This page was drawn by the server, and the visitor may already have moved focus in it: its
/// heading leaves focus there (its effect may run more than once); the next page's takes it as
/// usual.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn keep_focus() {
    let here = location().pathname().ok();
    KEEP_FOCUS_ON.with(|k| *k.borrow_mut() = here);
}

fn keeps_focus() -> bool {
    let here = location().pathname().ok();
    KEEP_FOCUS_ON.with(|k| {
        let mut k = k.borrow_mut();
        let keep = k.is_some() && *k == here;
        if !keep {
            *k = None;
        }
        keep
    })
}

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
                if !keeps_focus() {
                    let _ = h1.focus();
                }
            });
        }
    });
    view! { <h1 tabindex="-1" node_ref=node>{text}</h1> }
}
