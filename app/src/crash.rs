//! The page's last word when the app panics. A panic in wasm ends the app (every later call
//! into it traps), so this hook, run before that, leaves a readable page behind instead of a
//! blank or frozen one:
//! - a page with nothing drawn (the shell) gets a "Something went wrong" page;
//! - a page already drawn (by the server, or by the app before it stopped) keeps its content,
//!   which still reads, under an alert saying it stopped.
//!
//! Both say how to go on (reload, or the collections) and that purchases already made are
//! safe: they are kept by the service worker, which sends them on its own.

use std::panic::PanicHookInfo;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};

const KEPT: &str = "Purchases already made are kept on this device and will still be sent.";

/// Log panics to the console (as before) and leave the readable page behind.
pub fn install() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo<'_>| {
        console_error_panic_hook::hook(info);
        // Nothing here may panic again: every step that fails just stops.
        let _ = show();
    }));
}

fn show() -> Option<()> {
    let document = web_sys::window()?.document()?;
    if document.get_element_by_id("crash").is_some() {
        return Some(());
    }
    let root = document.get_element_by_id("app")?;
    let drawn = root.query_selector("h1").ok().flatten().is_some();
    if drawn {
        let alert = element(&document, "div", &[("id", "crash"), ("role", "alert")])?;
        alert.set_class_name("crash");
        add(&document, &alert, "p", "This page stopped working.")?;
        add(&document, &alert, "p", KEPT)?;
        ways_on(&document, &alert)?;
        let main = root.query_selector("main").ok().flatten().unwrap_or(root);
        main.prepend_with_node_1(&alert).ok()?;
    } else {
        let page = element(&document, "section", &[("id", "crash"), ("class", "problem")])?;
        let heading = add(&document, &page, "h1", "Something went wrong")?;
        heading.set_attribute("tabindex", "-1").ok()?;
        add(&document, &page, "p", "This page could not be shown.")?;
        add(&document, &page, "p", KEPT)?;
        ways_on(&document, &page)?;
        root.replace_children_with_node_1(&page);
        document.set_title("Something went wrong · Vitrine");
        let _ = heading.dyn_into::<web_sys::HtmlElement>().map(|h| h.focus());
    }
    Some(())
}

/// "Reload" and "Browse the collections", as full page loads: `rel="external"` keeps the
/// router's click handler, still attached and now unreliable, off them.
fn ways_on(document: &Document, parent: &Element) -> Option<()> {
    let here = web_sys::window()?.location().href().ok()?;
    let p = add(document, parent, "p", "")?;
    for (label, href, class) in [
        ("Reload", &*here, "btn btn-primary"),
        ("Browse the collections", "/", "btn btn-secondary"),
    ] {
        let link = add(document, &p, "a", label)?;
        link.set_attribute("href", href).ok()?;
        link.set_attribute("class", class).ok()?;
        link.set_attribute("rel", "external").ok()?;
    }
    Some(())
}

fn element(document: &Document, tag: &str, attributes: &[(&str, &str)]) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    for (name, value) in attributes {
        element.set_attribute(name, value).ok()?;
    }
    Some(element)
}

/// A `<tag>` with `text` as the last child of `parent`.
fn add(document: &Document, parent: &Element, tag: &str, text: &str) -> Option<Element> {
    let child = document.create_element(tag).ok()?;
    if !text.is_empty() {
        child.set_text_content(Some(text));
    }
    parent.append_child(&child).ok()?;
    Some(child)
}

/// Panic, as a bug in any view would, so the browser test can check what is left behind.
/// Exported on purpose (a visitor can only stop their own page with it).
#[wasm_bindgen::prelude::wasm_bindgen(js_name = "panicForTest")]
pub fn panic_for_test() {
    std::panic::panic_any("a panic the browser test asked for");
}
