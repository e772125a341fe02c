//! The storefront rendered to HTML on the server, with the same components the page runs.
//! The server supplies the URL and the API answer the page reads; nothing here does I/O. What
//! only the browser can do (the worker, the health checks, lazily loaded parts like the Buy
//! form and the gallery's sort) is left for the page's islands, or for the whole app where it
//! runs (a framed storefront draws its first view from the embedded answer, `preload`).

use leptos::prelude::*;
use leptos_router::location::RequestUrl;

use crate::preload::Answer;
use crate::App;

/// Where the page goes in the built shell (`index.html`), and the title it replaces.
const ROOT: &str = r#"<div id="app"></div>"#;
const TITLE: &str = "<title>Vitrine</title>";

/// How the server draws a page for one request.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drawn {
    /// The whole app will run on the page (a framed storefront), so the answer goes in too.
    pub for_app: bool,
    /// The request asked to save data (`Save-Data`, or a 2G `ECT`): the lite image variants.
    pub lite: bool,
}

/// The built shell with the page at `path` drawn into it and its title; `for_app`, also
/// `answer` embedded after it for the whole app's first draw (`preload`): a framed storefront
/// runs the app, any other drawn page only its islands, which need no data. A shell without
/// the root (an old build) is returned as it is, which the app fills in the browser.
pub fn document(shell: &str, path: &str, answer: Option<Answer>, drawn: Drawn) -> String {
    let data = answer.as_ref().filter(|_| drawn.for_app).map(crate::preload::script);
    let data = data.unwrap_or_default();
    let Page { title, body } = render(path, answer, drawn.lite);
    let root = format!(r#"<div id="app">{body}</div>{data}"#);
    let shell = if drawn.for_app { shell.to_owned() } else { without_app_preload(shell) };
    shell.replacen(TITLE, &format!("<title>{}</title>", escape(&title)), 1).replacen(ROOT, &root, 1)
}

/// The shell asks for the whole app's script early (`modulepreload`): a page drawn here runs
/// its islands instead (`boot.js`), so that request would be wasted.
fn without_app_preload(shell: &str) -> String {
    let Some(start) = shell.find(r#"<link rel="modulepreload""#) else { return shell.to_owned() };
    let Some(len) = shell[start..].find('>') else { return shell.to_owned() };
    let end = start + len + 1;
    let end = if shell[end..].starts_with('\n') { end + 1 } else { end };
    format!("{}{}", shell[..start].trim_end_matches([' ', '\t']), &shell[end..])
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A page as the server sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The document's title, as the page's heading sets it in the browser.
    pub title: String,
    /// What goes in `<div id="app">`.
    pub body: String,
}

/// The title the page's one heading gives the document.
#[derive(Clone, Copy)]
struct Title(StoredValue<String>);

pub(crate) fn set_title(title: &str) {
    if let Some(Title(t)) = use_context::<Title>() {
        t.set_value(title.to_owned());
    }
}

/// The page at `path` (a path with no query), drawn with `answer`; `lite`: with the lite image
/// variants.
pub fn render(path: &str, answer: Option<Answer>, lite: bool) -> Page {
    // Islands' mode: nothing is hydrated but the islands, and an island's children (drawn by
    // the server, not hydrated) need the shared context to say so.
    let context = hydration_context::SsrSharedContext::new_islands();
    let owner = Owner::new_root(Some(std::sync::Arc::new(context)));
    let page = owner.with(|| {
        let title = StoredValue::new(crate::routes::title("Vitrine"));
        provide_context(Title(title));
        provide_context(RequestUrl::new(path));
        provide_context(crate::connectivity::SaveData(lite));
        crate::preload::provide(answer);
        let body = view! { <App /> }.to_html();
        Page { title: title.get_value(), body }
    });
    owner.cleanup();
    page
}

#[cfg(test)]
mod tests {
    use vitrine_protocol::{
        paths, Collection, CollectionDetail, Currency, ImageRef, Item, ItemSummary, Money, Picture,
    };

    use super::*;

    fn collection() -> Collection {
        serde_json::from_value(serde_json::json!({
            "slug": "tidal-glass",
            "title": "Tidal <Glass>",
            "description": "Sea & light",
            "item_count": 1,
        }))
        .unwrap()
    }

    #[test]
    fn the_home_page_lists_the_collections() {
        let body = serde_json::to_string(&[collection()]).unwrap();
        let answer = Answer { api: paths::COLLECTIONS.into(), ok: true, body };
        let Page { title, body: html } = render("/", Some(answer), false);
        assert_eq!(title, "Collections · Vitrine");
        assert!(html.contains("<h1"), "{html}");
        assert!(html.contains("Tidal &lt;Glass&gt;"), "escaped: {html}");
        assert!(html.contains(r#"href="/c/tidal-glass""#), "{html}");
        assert!(!html.contains("aria-busy"), "no skeleton: {html}");
    }

    fn work() -> ItemSummary {
        let item = serde_json::json!({
            "id": 101, "title": "Neap", "artist": "Mara", "stock": 3,
            "price": Money { amount_minor: 2400, currency: Currency::EUR },
            "thumb": ImageRef { url: "/media/t.jpg".into(), width: 4, height: 3 },
            "alt": "waves", "description": "",
        });
        let mut item: ItemSummary = serde_json::from_value(item).unwrap();
        item.picture = Some(Picture {
            base: "/media/v/101-0a1b2c3d4e/".into(),
            width: 1200,
            height: 800,
            widths: vec![320, 640],
            lite: vec![320],
            placeholder: "KCsCDYBlh7OLeVhSdsiYQKqIn6r5".into(),
        });
        item
    }

    #[test]
    fn a_gallery_shows_its_works() {
        let detail = CollectionDetail { collection: collection(), items: vec![work()] };
        let slug = "tidal-glass".parse().unwrap();
        let answer = Answer {
            api: paths::collection(&slug),
            ok: true,
            body: serde_json::to_string(&detail).unwrap(),
        };
        let Page { title, body: html } = render("/c/tidal-glass", Some(answer.clone()), false);
        assert_eq!(title, "Tidal <Glass> · Vitrine");
        assert!(html.contains(r#"href="/i/101""#), "{html}");
        assert!(html.contains("Neap"), "{html}");
        assert!(html.contains(r#"srcset="/media/v/101-0a1b2c3d4e/320.webp"#), "{html}");
        assert!(!html.contains("style="), "the policy refuses style attributes: {html}");
        assert!(html.contains(r#"data-thumbhash="KCsCDYBlh7OLeVhSdsiYQKqIn6r5""#), "{html}");
        // A visitor saving data gets the lite variants from the first byte.
        let lite = render("/c/tidal-glass", Some(answer), true).body;
        assert!(lite.contains(r#"srcset="/media/v/101-0a1b2c3d4e/320-lite.webp 320w""#), "{lite}");
        assert!(!lite.contains("/640.webp"), "{lite}");
    }

    #[test]
    fn a_works_picture_is_drawn_by_the_server_inside_its_island() {
        let item = Item {
            summary: work(),
            collection: "tidal-glass".parse().unwrap(),
            collection_title: "Tidal Glass".into(),
            edition_size: 5,
            original: ImageRef { url: "/media/o.jpg".into(), width: 1200, height: 800 },
            quote: None,
        };
        let answer = Answer {
            api: "/api/v1/items/101".into(),
            ok: true,
            body: serde_json::to_string(&item).unwrap(),
        };
        let html = render("/i/101", Some(answer), false).body;
        let island = html.find(r#"data-component="WorkPicture"#).expect("the picture's island");
        let children = &html[island..];
        let start = children.find("<leptos-children").expect("the picture as its children");
        let end = children.find("</leptos-children>").expect("the children's end");
        assert!(
            children[start..end].contains(r#"srcset="/media/v/101-0a1b2c3d4e/320.webp 320w"#),
            "{html}"
        );
        // Its viewer gets the picture as JSON, which only the viewer's part parses.
        assert!(html.contains(r#"&quot;zoom&quot;:&quot;{\&quot;base\&quot;"#), "{html}");
    }

    #[test]
    fn an_unknown_work_and_an_unknown_page_say_not_found() {
        let body = r#"{"code":"not_found","message":"no item with id 9"}"#.to_owned();
        let answer = Answer { api: "/api/v1/items/9".into(), ok: false, body };
        let html = render("/i/9", Some(answer), false).body;
        assert!(html.contains("Not found"), "{html}");
        assert!(html.contains("There is no such item"), "{html}");
        let html = render("/nowhere", None, false).body;
        assert!(html.contains("There is no such page"), "{html}");
    }

    #[test]
    fn without_its_answer_a_page_shows_its_skeleton() {
        let html = render("/", None, false).body;
        assert!(html.contains("aria-busy"), "{html}");
    }

    #[test]
    fn a_drawn_page_runs_islands_not_the_app() {
        let shell = "<head>\n  <link rel=\"modulepreload\" href=\"/assets/app-1/app.js\">\n  \
                     <script type=\"module\" src=\"/b.js\"></script>\n</head><body><div id=\"app\"></div></body>";
        let html = document(shell, "/nowhere", None, Drawn::default());
        assert!(!html.contains("modulepreload"), "{html}");
        assert!(html.contains("<head>\n  <script type=\"module\" src=\"/b.js\">"), "{html}");
        assert!(html.contains("<leptos-island"), "the status bar is an island: {html}");
    }
}
