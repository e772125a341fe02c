use std::cell::RefCell;

use leptos::html;
use leptos::prelude::*;

use crate::routes;

type Restore = Box<dyn FnOnce() -> bool>;

thread_local! {
    static INSTEAD: RefCell<Option<Restore>> = const { RefCell::new(None) };
}

/// The next heading to appear runs `restore` instead of taking focus, and takes it only if
/// `restore` put it nowhere: the app draws a page anew (`app::start`) and puts a keyboard user
/// back on the element they were on, once the page it draws is there.
#[cfg(feature = "hydrate")]
pub fn restore_focus_with(restore: impl FnOnce() -> bool + 'static) {
    INSTEAD.with(|i| *i.borrow_mut() = Some(Box::new(restore)));
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
            let instead = INSTEAD.with(|i| i.borrow_mut().take());
            // Suspense builds the view before attaching it, and a detached element cannot take
            // focus: wait one frame until it is in the document.
            request_animation_frame(move || {
                if !instead.is_some_and(|restore| restore()) {
                    let _ = h1.focus();
                }
            });
        }
    });
    view! { <h1 tabindex="-1" node_ref=node>{text}</h1> }
}
